/* SPDX-License-Identifier: MIT */
/*
 * kucctl's exit statuses. Scripts depend on these numbers and kucctl(8)
 * documents them: never renumber, only add.
 */
#ifndef KUCCTL_EXIT_CODES_H
#define KUCCTL_EXIT_CODES_H

enum kucctl_exit {
	KUCCTL_EXIT_OK		= 0,	/* success */
	KUCCTL_EXIT_FAILURE	= 1,	/* any other error */
	KUCCTL_EXIT_USAGE	= 2,	/* bad command, option or argument */
	KUCCTL_EXIT_NO_MODULE	= 3,	/* kucomms module not loaded */
	KUCCTL_EXIT_BAD_NAME	= 4,	/* invalid device name */
	KUCCTL_EXIT_EXISTS	= 5,	/* device already exists */
	KUCCTL_EXIT_NO_DEVICE	= 6,	/* no such device */
	KUCCTL_EXIT_PERM	= 7,	/* permission denied */
	KUCCTL_EXIT_LIMIT	= 8,	/* device limit (max_devices) reached */
};

#endif /* KUCCTL_EXIT_CODES_H */
