# The fuzzing harnesses (tests/fuzz/README), included by the Makefile.
#
#   make fuzz          build each tests/fuzz/fuzz_NAME.c with clang and
#                      libFuzzer (ASan, UBSan) as $(O)/fuzz/NAME and run it
#                      for FUZZ_SECONDS (scripts/fuzz.sh)
#   make unit          also builds each harness with gcc, ASan and UBSan and
#                      a main that replays files (tests/fuzz/replay.c) as
#                      $(O)/unit/fuzz_NAME: make check replays every seed
#                      and every fixed crash without clang

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN     := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
# The code each harness tests, besides the ring header every one includes.
FUZZ_SRCS_ring         :=
FUZZ_SRCS_shm          := $(LIB_SRCS)
FUZZ_SRCS_kucsend_json := $(addprefix tools/kucsend/,input.c jsonscan.c \
                          output.c) common/tool_data.c common/tool_json.c
FUZZ_SRCS_pcap         := $(addprefix tools/kucdump/,pcap.c pcapng.c \
                          filter.c print_text.c print_json.c) \
                          common/tool_data.c common/tool_json.c
FUZZ_SRCS_filter       := tools/kucdump/filter.c
FUZZ_LIBS_kucsend_json := -ljansson
FUZZ_HDRS    := tests/fuzz/fuzz.h $(LIB_HDRS) $(wildcard tools/*/*.h common/*.h)
FUZZ_CPPFLAGS = -Icommon -Itests/fuzz $(addprefix -I,$(sort $(dir $(filter tools/%,$(FUZZ_SRCS_$(1))))))

.PHONY: fuzz fuzz-build
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh
fuzz-build: $(addprefix $(O)/fuzz/,$(FUZZ_NAMES))
unit: $(addprefix $(O)/unit/fuzz_,$(FUZZ_NAMES))

# The code under test, instrumented for libFuzzer's coverage.
$(O)/fuzz-obj/%.o: %.c $(FUZZ_HDRS) $(wildcard libkuc/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Icommon $(WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -c -o $@ $<
# Tool sources for the replays: the library's are in $(O)/san already.
FUZZ_TOOL_SOBJS := $(patsubst %.c,$(O)/san/%.o,$(sort $(filter tools/%,\
                   $(foreach n,$(FUZZ_NAMES),$(FUZZ_SRCS_$(n))))))
$(FUZZ_TOOL_SOBJS): CPPFLAGS += -Icommon
$(FUZZ_TOOL_SOBJS): $(FUZZ_HDRS)

define fuzz_rule
$$(O)/fuzz/$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_HDRS) \
		$$(patsubst %.c,$$(O)/fuzz-obj/%.o,$$(FUZZ_SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(CPPFLAGS) $$(call FUZZ_CPPFLAGS,$(1)) $$(WARN) \
		$$(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$(filter %.c %.o,$$^) \
		$$(FUZZ_LIBS_$(1)) -lpthread
$$(O)/unit/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/replay.c \
		$$(FUZZ_HDRS) $$(patsubst %.c,$$(O)/san/%.o,$$(FUZZ_SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(call FUZZ_CPPFLAGS,$(1)) $$(CFLAGS) $$(WARN) \
		$$(SANFLAGS) -DFUZZ_NAME=\"$(1)\" -o $$@ \
		$$(filter %.c %.o,$$^) $$(FUZZ_LIBS_$(1)) -lpthread
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(n))))
