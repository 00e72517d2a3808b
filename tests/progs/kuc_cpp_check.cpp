// SPDX-License-Identifier: MIT
/*
 * kuc_cpp_check: the C++ wrapper (kuc.hpp) against kucomms_echo.ko, built
 * with -std=c++17 -Wall -Wextra. Run by tests/bats/channel_api.bats in the
 * test VM. Prints "ok CHECK" or "FAIL CHECK" per check; exit status 0
 * when all passed, 1 otherwise, 2 on a usage error.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <kuc.hpp>

static int failures;

static void check(bool ok, const char *what)
{
	std::printf("%s %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

/* Send one message and wait for its echo; true when it came back intact. */
static bool round_trip(kuc::channel &ch, std::uint64_t id, bool locked)
{
	std::string data = "c++ message " + std::to_string(id);
	kucomms_msg_hdr h = {};
	kucomms_msg_hdr r = {};
	char buf[64];

	h.length = data.size();
	h.type = 0xc0ffee;
	h.id = id;
	h.value = ~id;
	int err = locked ? ch.send_locked(h, data.data(), 5000)
			 : ch.send(h, data.data());
	if (err)
		return false;
	err = ch.recv(r, buf, sizeof(buf), 5000);
	return !err && r.length == h.length && r.type == h.type &&
	       r.id == id && r.value == ~id &&
	       !std::memcmp(buf, data.data(), data.size());
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}

	/* A device that does not exist: std::system_error with ENOENT. */
	try {
		kuc::channel nope("kucomms_no_such_device_here");
		check(false, "open-missing-throws");
	} catch (const std::system_error &e) {
		check(e.code().value() == ENOENT, "open-missing-throws");
	}

	kuc::channel ch(argv[1]);
	check(ch.fd() >= 0 && ch.msg_max() > 0, "open-fd-msg-max");
	check(round_trip(ch, 1, false), "send-recv");
	check(round_trip(ch, 2, true), "send-locked-recv");

	/* Moving hands the channel over; the moved-from object is empty. */
	kuc::channel moved(std::move(ch));
	check(ch.get() == nullptr && moved.get() != nullptr, "move-construct");
	check(round_trip(moved, 3, false), "moved-channel-works");

	/* Four threads send with the locked variant; one thread receives. */
	const int threads = 4, per_thread = 500;
	std::vector<std::thread> senders;
	for (int t = 0; t < threads; t++)
		senders.emplace_back([&moved, t] {
			for (int i = 0; i < per_thread; i++) {
				kucomms_msg_hdr h = {};

				h.type = static_cast<std::uint64_t>(t);
				h.id = static_cast<std::uint64_t>(i);
				if (moved.send_locked(h, nullptr, 5000))
					return;
			}
		});
	std::vector<int> next(threads, 0);
	int got = 0, order_errors = 0;
	for (; got < threads * per_thread; got++) {
		kucomms_msg_hdr r = {};

		if (moved.recv(r, nullptr, 0, 5000))
			break;
		if (r.type >= static_cast<std::uint64_t>(threads) ||
		    r.id != static_cast<std::uint64_t>(next[r.type]++))
			order_errors++;
	}
	for (auto &s : senders)
		s.join();
	check(got == threads * per_thread && !order_errors,
	      "threads-send-locked-in-order");

	struct kuc_channel_stats st = moved.stats();
	check(st.msgs_sent == 3 + threads * per_thread &&
	      st.msgs_received == st.msgs_sent,
	      "stats-count-this-channel");

	/* Move-assign closes the target's old channel first. */
	kuc::channel other(argv[1]);
	other = std::move(moved);
	check(moved.get() == nullptr && round_trip(other, 4, true),
	      "move-assign");

	std::printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
