/* change.h -- what becomes of one message of a mailbox when a plan is
 * applied: new bytes (redacted) or none (deleted).  Plain data, shared
 * by the plan that makes it, the writer that writes it and the record
 * that signs it. */
#ifndef LISTSCRUB_CHANGE_H
#define LISTSCRUB_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A redacted message's new bytes: for an mbox its whole range, From_ line
 * included; for a message file the file.  They are in memory (data), or
 * in a spool file (data NULL: len bytes at spool_off of spool_fd), so
 * that a run holds one message's new bytes at a time; sha256 is theirs,
 * taken as they were made.  redacted false: the message goes. */
struct message_change {
	bool redacted;
	const char *data;
	int spool_fd;
	uint64_t spool_off;
	size_t len;
	unsigned char sha256[32];
	size_t spans;                   /* spans redacted */
};

#endif
