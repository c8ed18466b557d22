/* change.h -- what becomes of one message of a mailbox when a plan is
 * applied: new bytes (redacted) or none (deleted).  Plain data, shared
 * by the plan that makes it, the writer that writes it and the record
 * that signs it. */
#ifndef LISTSCRUB_CHANGE_H
#define LISTSCRUB_CHANGE_H

#include <stddef.h>

/* A redacted message's new bytes: for an mbox its whole range, From_ line
 * included; for a message file the file.  data NULL: the message goes. */
struct message_change {
	const char *data;
	size_t len;
	size_t spans;                   /* spans redacted */
};

#endif
