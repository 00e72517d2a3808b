# kucomms top-level build. See README for the targets a user needs:
#   make, make demo, make check, make check-debug, make install, make deps,
#   make bench
#
# Userspace goes to $(O) (default build/); the module is built by Kbuild in
# module/ (out-of-tree kernel builds write next to their sources).

VERSION    := 0.1.0
O          ?= build
PREFIX     ?= /usr/local
# Where make install puts the libraries and kucomms.pc (multiarch:
# LIBDIR=/usr/lib/x86_64-linux-gnu).
LIBDIR     ?= $(PREFIX)/lib
DESTDIR    ?=
# Where Wireshark loads Lua plugins from: what the installed tshark says,
# else under LIBDIR. Expanded only by make install.
WIRESHARK_LUA_DIR ?= $(or $(shell tshark -G folders 2>/dev/null | \
	sed -n 's/^Global Lua Plugins:[[:space:]]*//p'),$(LIBDIR)/wireshark/plugins)
KDIR       ?= $(shell bash scripts/kernel-env.sh --kdir)
KREL       := $(shell bash scripts/kernel-env.sh --krel $(KDIR))

CC         ?= cc
CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wformat=2 -Wno-format-nonliteral
CPPFLAGS   += -std=c11 -D_GNU_SOURCE -Iinclude -Ilibkuc/include \
              -DKUC_VERSION=\"$(VERSION)\"
ifeq ($(WERROR),1)
WARN       += -Werror
# The out-of-tree kernel modules too (Kbuild takes KCFLAGS).
KWERROR    := KCFLAGS=-Werror
endif
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all

LIB_SRCS   := $(wildcard libkuc/*.c)
LIB_HDRS   := $(wildcard libkuc/include/*.h) $(wildcard include/kucomms/*.h)
# Every directory tools/NAME/ builds the tool $(O)/NAME from its *.c;
# TOOL_LIBS_NAME lists the libraries it links besides libkuc.
TOOLS      := $(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/*.c))))
TOOLS      := $(sort $(TOOLS))
TOOL_LIBS_kucctl  := -lpopt
TOOL_LIBS_kucsend := -lpopt -ljansson -lreadline
TOOL_LIBS_kucdump := -lpopt
# Test programs (tests/progs/*.c) run by the bats suites, in the VM too.
# A program too big for one file is a directory tests/progs/NAME/ whose
# *.c build $(O)/progs/NAME (PROG_DIRS).
PROG_SRCS  := $(wildcard tests/progs/*.c)
PROG_DIRS  := $(sort $(patsubst tests/progs/%/,%,$(dir $(wildcard tests/progs/*/*.c))))
PROGS      := $(patsubst tests/progs/%.c,$(O)/progs/%,$(PROG_SRCS)) \
              $(addprefix $(O)/progs/,$(PROG_DIRS))
CXX_PROGS  := $(patsubst tests/progs/%.cpp,$(O)/progs/%,$(wildcard tests/progs/*.cpp))
TSAN_PROGS := $(O)/tsan-progs/kuc_echo_client
UNIT_SRCS  := $(wildcard tests/unit/*.c)
UNITS      := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

LIB_SO     := $(O)/libkuc.so.0
LIB_A      := $(O)/libkuc.a
# What the tools share (common/*.c): the error reporter, the exit
# statuses, the print layer. Not installed.
TLIB_SRCS  := $(wildcard common/*.c)
TLIB_A     := $(O)/libkuctools.a

.PHONY: all module lib tools progs examples unit clean deps check check-debug check-kernel \
        check-kernels demo install install-kit \
        uninstall checkpatch help bench bench-modules storm
.SUFFIXES:
.SECONDARY:

all: module lib tools progs examples

help:
	@sed -n 's/^#   //p' Makefile | head -n 1
	@echo "targets: all module lib tools deps demo check check-debug check-kernel check-kernels fuzz storm bench install uninstall clean"

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) $(KWERROR) M=$(CURDIR)/module modules
	@# Kbuild does not rebuild a module whose only change is the CRCs of
	@# kucomms' symbols it imports (a changed exported type): the stale
	@# .ko then fails to load ("disagrees about version of symbol").
	@# Clean the importers when module/Module.symvers changed.
	@for d in examples/echo tests/vm/testep; do \
		cmp -s module/Module.symvers $$d/.kucomms.symvers && continue; \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/$$d clean; \
		cp module/Module.symvers $$d/.kucomms.symvers; \
	done
	$(MAKE) -C $(KDIR) $(KWERROR) M=$(CURDIR)/tests/vm/warnmod modules
	$(MAKE) -C $(KDIR) $(KWERROR) M=$(CURDIR)/examples/echo \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/module/Module.symvers modules
	$(MAKE) -C $(KDIR) $(KWERROR) M=$(CURDIR)/tests/vm/testep \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/module/Module.symvers modules

lib: $(LIB_SO) $(LIB_A) $(O)/kucomms.mk
tools: $(addprefix $(O)/,$(TOOLS))

$(O)/obj/%.o: %.c $(LIB_HDRS) $(wildcard libkuc/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -c -o $@ $<

$(O)/san/%.o: %.c $(LIB_HDRS) $(wildcard libkuc/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(SANFLAGS) -c -o $@ $<

LIB_OBJS   := $(patsubst %.c,$(O)/obj/%.o,$(LIB_SRCS))
LIB_SOBJS  := $(patsubst %.c,$(O)/san/%.o,$(LIB_SRCS))

$(LIB_SO): $(LIB_OBJS) libkuc/libkuc.map
	$(CC) -shared -Wl,-soname,libkuc.so.0 -Wl,--version-script=libkuc/libkuc.map \
		-o $@ $(LIB_OBJS)
	ln -sf libkuc.so.0 $(O)/libkuc.so

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^


# Tools link the static libraries: they run from the build tree and in
# the VM without LD_LIBRARY_PATH. common/ holds the code they share.
TLIB_OBJS  := $(patsubst %.c,$(O)/obj/%.o,$(TLIB_SRCS))
TLIB_SOBJS := $(patsubst %.c,$(O)/san/%.o,$(TLIB_SRCS))
$(TLIB_OBJS) $(TLIB_SOBJS): CPPFLAGS += -Icommon
$(TLIB_OBJS) $(TLIB_SOBJS): $(wildcard common/*.h)
$(TLIB_A): $(TLIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# The kit for modules of other packages (kucomms(7), "Building with the
# kit"): kernel headers and, per kernel release, kucomms' Module.symvers.
KITDIR     := $(PREFIX)/src/kucomms-$(VERSION)
KIT_HDRS   := include/kucomms/kucomms_kernel.h include/kucomms/kucomms_abi.h \
              include/kucomms/kucomms_endpoint.h include/kucomms/kucomms_endpoint_ops.h
KIT_SYMVERS ?= module/Module.symvers
define install_pc
sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@VERSION@|$(VERSION)|' libkuc/kucomms.pc.in \
	>$(DESTDIR)$(LIBDIR)/pkgconfig/kucomms.pc
endef
define install_kit
install -d $(DESTDIR)$(KITDIR)/include/kucomms $(DESTDIR)$(KITDIR)/symvers/$(KREL) \
	$(DESTDIR)$(PREFIX)/share/kucomms
install -m 0644 $(KIT_HDRS) $(DESTDIR)$(KITDIR)/include/kucomms/
install -m 0644 $(KIT_SYMVERS) $(DESTDIR)$(KITDIR)/symvers/$(KREL)/Module.symvers
install -m 0644 $(O)/kucomms.mk $(DESTDIR)$(PREFIX)/share/kucomms/
endef
# The real-kernel runner kucomms-vm(1), which tests/vm/run runs from
# kit/vm/ itself; installed, it finds its files in PREFIX/lib/kucomms/vm/.
# And the bats helpers for users' tests, where bats_load_library finds
# them (BATS_LIB_PATH, /usr/lib/bats by default), and the starter
# kucomms-new(1) with its templates in PREFIX/share/kucomms/new/.
VM_LIB     := kit/vm/guest-init kit/vm/initramfs-init scripts/kernels.sh \
              scripts/kernel-env.sh
define install_vm
install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/kucomms/vm
sed 's|^install_prefix=@PREFIX@$$|install_prefix=$(PREFIX)|' kit/vm/kucomms-vm \
	>$(DESTDIR)$(PREFIX)/bin/kucomms-vm
chmod 0755 $(DESTDIR)$(PREFIX)/bin/kucomms-vm
install -m 0755 $(VM_LIB) $(DESTDIR)$(PREFIX)/lib/kucomms/vm/
install -d $(DESTDIR)$(PREFIX)/lib/bats/kucomms
install -m 0644 kit/bats/load.bash $(DESTDIR)$(PREFIX)/lib/bats/kucomms/
sed 's|@VERSION@|$(VERSION)|' kit/new/kucomms-new >$(DESTDIR)$(PREFIX)/bin/kucomms-new
chmod 0755 $(DESTDIR)$(PREFIX)/bin/kucomms-new
install -d $(DESTDIR)$(PREFIX)/share/kucomms/new/tests
install -m 0644 $(filter-out %/tests,$(wildcard kit/new/template/*)) \
	$(DESTDIR)$(PREFIX)/share/kucomms/new/
install -m 0644 kit/new/template/tests/* $(DESTDIR)$(PREFIX)/share/kucomms/new/tests/
endef
$(O)/kucomms.mk: kit/kucomms.mk.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@VERSION@|$(VERSION)|g' $< >$@

# Tools link the static library: they run from the build tree and in the
# VM without LD_LIBRARY_PATH. common/ holds the headers they share.
define tool_rule
$(1)_OBJS := $$(patsubst %.c,$$(O)/obj/%.o,$$(wildcard tools/$(1)/*.c))
$$($(1)_OBJS): CPPFLAGS += -Icommon
$$($(1)_OBJS): $$(wildcard tools/$(1)/*.h common/*.h)
$$(O)/$(1): $$($(1)_OBJS) $$(TLIB_A) $$(LIB_A)
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(TOOL_LIBS_$(1)) -lpthread
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# Userspace examples (examples/*/*.c that are not kernel modules).
EXAMPLES   := $(O)/examples/echo_client $(O)/examples/kucomms_echo_user
examples: $(EXAMPLES)
$(O)/examples/echo_client: examples/echo/echo_client.c $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIB_A) -lpthread
# The echo endpoint in userspace: echo_handlers.c is also kucomms_echo.ko's
# source, kernel style, whose handlers leave parameters unused.
$(O)/examples/kucomms_echo_user: examples/echo/echo_user.c \
		examples/echo/echo_handlers.c $(wildcard examples/echo/*.h) \
		$(LIB_A) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Wno-unused-parameter -o $@ \
		examples/echo/echo_user.c examples/echo/echo_handlers.c \
		$(LIB_A) -lpthread

progs: $(PROGS) $(CXX_PROGS) $(TSAN_PROGS) $(O)/bench/kucbench
$(O)/progs/%: tests/progs/%.c tests/progs/prog_step.h tests/progs/prog_fail.h \
		$(LIB_A) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iexamples/echo $(CFLAGS) $(WARN) -o $@ $< $(LIB_A) -lpthread
# The same for a program in a directory, and (TSAN_PROGS) with TSan.
define prog_dir_rule
$$(O)/progs/$(1): $$(wildcard tests/progs/$(1)/*.[ch]) tests/progs/prog_step.h \
		$$(LIB_A) $$(LIB_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -Iexamples/echo $$(CFLAGS) $$(WARN) -o $$@ \
		$$(wildcard tests/progs/$(1)/*.c) $$(LIB_A) -lpthread
$$(O)/tsan-progs/$(1): $$(wildcard tests/progs/$(1)/*.[ch]) tests/progs/prog_step.h \
		$$(LIB_TOBJS) $$(LIB_HDRS) $$(LIB_PRIV_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -Iexamples/echo $$(CFLAGS) $$(WARN) $$(TSANFLAGS) \
		-o $$@ $$(wildcard tests/progs/$(1)/*.c) $$(LIB_TOBJS) -lpthread
endef

# The benchmark (bench/README): kucbench, its reference kernel modules,
# bench/run. Not part of make check (tests/host/bench.bats runs a smoke
# pass of the host cases there). BENCH_QUICK=1: one short round.
BENCH_SRCS := $(wildcard bench/*.c)
$(O)/bench/kucbench: $(BENCH_SRCS) $(wildcard bench/*.h bench/modules/*.h) $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $(BENCH_SRCS) $(LIB_A) -lpthread

bench-modules: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/bench/modules modules

bench: all bench-modules
	@BENCH_QUICK=$(BENCH_QUICK) bash bench/run

# C++ test programs: kuc.h and kuc.hpp must compile cleanly as C++17.
# Not with -Wshadow: in C++ the functions kuc_channel_stats() and
# kuc_device_stats() hide the constructors of their structs of the same
# name (a C naming habit; callers write "struct kuc_channel_stats").
CXX        ?= c++
CXXWARN    := -Wall -Wextra -Wformat=2
ifeq ($(WERROR),1)
CXXWARN    += -Werror
endif
$(O)/progs/%: tests/progs/%.cpp $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -D_GNU_SOURCE -Iinclude -Ilibkuc/include $(CFLAGS) \
		$(CXXWARN) -o $@ $< $(LIB_A) -lpthread

# Unit tests build with ASan/UBSan against the sanitized library objects
# (libkuc's and common/'s, which the tests of the tools' code need).
unit: $(addprefix $(O)/unit/,$(UNITS))
$(O)/unit/%: tests/unit/%.c $(LIB_SOBJS) $(TLIB_SOBJS) $(LIB_HDRS) \
		$(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Icommon $(CFLAGS) $(WARN) $(SANFLAGS) -o $@ $< \
		$(LIB_SOBJS) $(TLIB_SOBJS) -lpthread

# The single-threaded ring tests share their set-up.
$(O)/unit/test_ring $(O)/unit/test_ring_hostile $(O)/unit/test_mirror: \
		tests/unit/ring_harness.h
# The in-process shm tests share theirs.
$(O)/unit/test_shm $(O)/unit/test_shm_tap $(O)/unit/test_shm_wakeup: \
		tests/unit/shm_harness.h
# test_kucdump and test_tools compile the tools' sources in.
$(O)/unit/test_kucdump: $(wildcard tools/kucdump/*.[ch])
$(O)/unit/test_tools: $(wildcard tools/*/*.[ch])

# Thread tests build with TSan, which cannot share objects with ASan: the
# library is compiled once more into $(O)/tsan-obj/. -O1 keeps the reports'
# stacks readable while still running the million-message tests quickly.
TSAN_SRCS  := $(wildcard tests/tsan/*.c)
TSANS      := $(patsubst tests/tsan/%.c,%,$(TSAN_SRCS))
TSANFLAGS  := -fsanitize=thread -O1 -g
# GCC warns that TSan does not model atomic_thread_fence (the C2/P2
# barriers of the ring's wakeup handshake). The fence is still executed,
# and every word the handshake shares is accessed atomically, so nothing
# is misreported; the tests check the handshake by never losing a wakeup.
# Clang has no such warning and rejects the unknown option: probe for it.
TSANFLAGS  += $(shell $(CC) -Werror -Wno-tsan -fsanitize=thread -x c \
                -c -o /dev/null /dev/null 2>/dev/null && echo -Wno-tsan)
LIB_TOBJS  := $(patsubst %.c,$(O)/tsan-obj/%.o,$(LIB_SRCS))
LIB_PRIV_HDRS := $(wildcard libkuc/*.h)

.PHONY: tsan
tsan: $(addprefix $(O)/tsan/,$(TSANS))
$(O)/tsan-obj/%.o: %.c $(LIB_HDRS) $(LIB_PRIV_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(TSANFLAGS) -c -o $@ $<
$(O)/tsan/%: tests/tsan/%.c $(LIB_TOBJS) $(LIB_HDRS) $(LIB_PRIV_HDRS) \
             tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(TSANFLAGS) -o $@ $< $(LIB_TOBJS) \
		-lpthread

# The test programs again, built with TSan against a TSan libkuc, so the
# thread-safety kuc.h documents is checked on real channels in the VM.
$(O)/tsan-progs/%: tests/progs/%.c $(LIB_TOBJS) $(LIB_HDRS) $(LIB_PRIV_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iexamples/echo $(CFLAGS) $(WARN) $(TSANFLAGS) \
		-o $@ $< $(LIB_TOBJS) -lpthread

$(foreach p,$(PROG_DIRS),$(eval $(call prog_dir_rule,$(p))))

# make fuzz, and the replays of its inputs that make unit builds.
include tests/fuzz/fuzz.mk

deps:
	@bash scripts/deps.sh

check: deps
	@bash scripts/check.sh

check-debug: deps
	@bash scripts/check.sh --debug-kernel

# The other kernels (scripts/kernels.sh): KERNEL=LANE for one, else every
# lane beyond make check's 6.1 and make check-debug's debug kernel.
KERNEL_LANES := 6.12 6.12-rt newest
check-kernel: deps
	@test -n "$(KERNEL)" || { echo "usage: make check-kernel KERNEL=LANE (one of: $$(bash scripts/kernels.sh list | xargs))" >&2; exit 2; }
	@bash scripts/check.sh --kernel $(KERNEL)

check-kernels: deps
	@bash scripts/check.sh --kernel $(KERNEL_LANES)

# The syscall storm (tests/progs/kuc_storm/) alone, for longer, on the
# debug kernel; STORM_SEED repeats a run, STORM_PROCS sets the workers.
STORM_SECONDS ?= 600
storm: deps
	@KUC_STORM_SECONDS=$(STORM_SECONDS) \
		$(if $(STORM_SEED),KUC_STORM_SEED=$(STORM_SEED)) \
		$(if $(STORM_PROCS),KUC_STORM_PROCS=$(STORM_PROCS)) \
		bash scripts/check.sh --debug-kernel tests/bats/storm.bats

demo: deps
	@bash scripts/demo.sh

checkpatch:
	@bash scripts/checkpatch.sh
	@bash scripts/kerneldoc.sh

# completion/ holds bash's files (one per command) and zsh/ zsh's (an
# _COMMAND file per tool and the helper they share).
BASH_COMPLETIONS   := $(filter-out completion/zsh,$(wildcard completion/*))
ZSH_COMPLETIONS    := $(wildcard completion/zsh/_*)
ZSH_COMPLETION_DIR ?= $(PREFIX)/share/zsh/vendor-completions

install: all
	install -d $(DESTDIR)/lib/modules/$(KREL)/extra
	install -m 0644 module/kucomms.ko $(DESTDIR)/lib/modules/$(KREL)/extra/
	[ -n "$(DESTDIR)" ] || depmod -a $(KREL)
	install -d $(DESTDIR)$(PREFIX)/include/kucomms $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 include/kucomms/kucomms_abi.h include/kucomms/kucomms_ring.h \
		include/kucomms/kucomms_shm.h include/kucomms/kucomms_endpoint.h \
		include/kucomms/kucomms_endpoint_ops.h \
		libkuc/include/kuc.h libkuc/include/kuc.hpp $(DESTDIR)$(PREFIX)/include/kucomms/
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libkuc.so.0 $(DESTDIR)$(LIBDIR)/libkuc.so
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	# Made here, not at build time: PREFIX and LIBDIR are install's own.
	$(install_pc)
	# All tools to bin: each has work that needs no root (shm segments).
	install -d $(DESTDIR)$(PREFIX)/bin
	$(foreach t,$(TOOLS),install -m 0755 $(O)/$(t) $(DESTDIR)$(PREFIX)/bin/ &&) true
	install -d $(DESTDIR)$(WIRESHARK_LUA_DIR)
	install -m 0644 tools/kucdump/kucomms.lua $(DESTDIR)$(WIRESHARK_LUA_DIR)/
	for f in man/*.[0-9]; do \
		sec=$${f##*.}; \
		install -d $(DESTDIR)$(PREFIX)/share/man/man$$sec && \
		install -m 0644 $$f $(DESTDIR)$(PREFIX)/share/man/man$$sec/ || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(BASH_COMPLETIONS) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	install -d $(DESTDIR)$(ZSH_COMPLETION_DIR)
	install -m 0644 $(ZSH_COMPLETIONS) $(DESTDIR)$(ZSH_COMPLETION_DIR)/
	$(install_kit)
	$(install_vm)
	[ -n "$(DESTDIR)" ] || ldconfig

# The kit alone (no build: KIT_SYMVERS names kucomms' Module.symvers for
# KDIR's kernel), e.g. for a module built elsewhere; scripts/check.sh
# makes one per kernel lane.
install-kit: $(O)/kucomms.mk
	install -d $(DESTDIR)$(PREFIX)/share/kucomms $(DESTDIR)$(LIBDIR)/pkgconfig
	$(install_pc)
	$(install_kit)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KREL)/extra/kucomms.ko
	rm -rf $(DESTDIR)$(PREFIX)/include/kucomms
	rm -f $(DESTDIR)$(LIBDIR)/libkuc.* $(DESTDIR)$(LIBDIR)/pkgconfig/kucomms.pc
	rm -f $(foreach t,$(TOOLS),$(DESTDIR)$(PREFIX)/bin/$(t))
	rm -f $(DESTDIR)$(WIRESHARK_LUA_DIR)/kucomms.lua
	rm -rf $(DESTDIR)$(PREFIX)/share/kucomms $(DESTDIR)$(PREFIX)/lib/kucomms \
		$(DESTDIR)$(PREFIX)/lib/bats/kucomms
	-rmdir $(DESTDIR)$(PREFIX)/lib/bats 2>/dev/null
	rm -f $(DESTDIR)$(PREFIX)/bin/kucomms-vm $(DESTDIR)$(PREFIX)/bin/kucomms-new
	for f in man/*.[0-9]; do \
		rm -f $(DESTDIR)$(PREFIX)/share/man/man$${f##*.}/$${f##*/}; \
	done
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/bash-completion/completions/,\
		$(notdir $(BASH_COMPLETIONS)))
	rm -f $(addprefix $(DESTDIR)$(ZSH_COMPLETION_DIR)/,$(notdir $(ZSH_COMPLETIONS)))
	# With PREFIX=/usr the kit is also where DKMS keeps kucomms' source
	# (/usr/src/kucomms-VERSION): then its files are DKMS's, left alone.
	[ -f $(DESTDIR)$(KITDIR)/dkms.conf ] || rm -f \
		$(addprefix $(DESTDIR)$(KITDIR)/include/kucomms/,$(notdir $(KIT_HDRS))) \
		$(DESTDIR)$(KITDIR)/symvers/$(KREL)/Module.symvers
	-rmdir $(DESTDIR)$(KITDIR)/include/kucomms $(DESTDIR)$(KITDIR)/include \
		$(DESTDIR)$(KITDIR)/symvers/$(KREL) $(DESTDIR)$(KITDIR)/symvers \
		$(DESTDIR)$(KITDIR) 2>/dev/null
	[ -n "$(DESTDIR)" ] || depmod -a $(KREL)

clean:
	rm -rf $(O) examples/echo/.kucomms.symvers tests/vm/testep/.kucomms.symvers
	@if [ -n "$(KDIR)" ]; then \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/module clean; \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/tests/vm/warnmod clean; \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/examples/echo clean; \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/tests/vm/leakmod clean; \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/bench/modules clean; \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/tests/vm/testep clean; \
	fi
