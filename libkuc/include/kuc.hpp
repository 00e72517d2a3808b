/* SPDX-License-Identifier: MIT */
/*
 * libkuc for C++: kuc::channel owns a struct kuc_channel and closes it
 * when it goes out of scope. Move-only (a channel has one consumer and
 * one owner). Opening throws std::system_error; the other methods return
 * libkuc's negative errno values, as the C functions they wrap (kuc.h
 * documents them, and which threads may call them).
 */
#ifndef KUC_HPP
#define KUC_HPP

#include <cstddef>
#include <system_error>

#include "kuc.h"

namespace kuc {

class channel {
public:
	/*
	 * Open the channel @spec ("NAME" for the device, "shm:NAME" for a
	 * shm segment's client side); throws std::system_error on failure.
	 */
	explicit channel(const char *name)
	{
		int err = kuc_open(name, &ch_);

		if (err)
			throw std::system_error(-err, std::generic_category(),
						kuc_strerror(err));
	}

	channel(const channel &) = delete;
	channel &operator=(const channel &) = delete;

	channel(channel &&other) noexcept : ch_(other.ch_)
	{
		other.ch_ = nullptr;
	}

	channel &operator=(channel &&other) noexcept
	{
		if (this != &other) {
			kuc_close(ch_);
			ch_ = other.ch_;
			other.ch_ = nullptr;
		}
		return *this;
	}

	~channel() { kuc_close(ch_); }

	int send(const kucomms_msg_hdr &hdr, const void *data) noexcept
	{
		return kuc_send(ch_, &hdr, data);
	}

	int send_locked(const kucomms_msg_hdr &hdr, const void *data,
			int timeout_ms = -1) noexcept
	{
		return kuc_send_locked(ch_, &hdr, data, timeout_ms);
	}

	int recv(kucomms_msg_hdr &hdr, void *buf, std::size_t bufsz,
		 int timeout_ms = -1) noexcept
	{
		return kuc_recv(ch_, &hdr, buf, bufsz, timeout_ms);
	}

	int wait(short events, int timeout_ms = -1) noexcept
	{
		return kuc_wait(ch_, events, timeout_ms);
	}

	kuc_kind kind() const noexcept { return kuc_channel_kind(ch_); }
	int fd() const noexcept { return kuc_fd(ch_); }
	std::size_t msg_max() const noexcept { return kuc_msg_max(ch_); }

	struct kuc_channel_stats stats() const noexcept
	{
		struct kuc_channel_stats st;

		kuc_channel_stats(ch_, &st);
		return st;
	}

	/* The C handle, for the functions not wrapped here; still owned. */
	kuc_channel *get() const noexcept { return ch_; }

private:
	kuc_channel *ch_ = nullptr;
};

} /* namespace kuc */

#endif /* KUC_HPP */
