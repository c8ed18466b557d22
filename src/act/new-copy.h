/* new-copy.h -- the new copy of a plain mbox, written in one pass over
 * its mapping: each message's SHA-256 and the file's as they are, and the
 * new file's SHA-256 from the bytes as they are written (the bytes before
 * the first change, the same in both files, hashed once for both).  Only
 * the bytes from the first change on are written: the mbox is rewritten
 * in place from there (journal.h), and what comes before stays.  Then
 * they are read back and compared byte for byte with what was meant to be
 * written, without hashing or splitting them again: the bytes are the
 * kept messages' own, which the split of the original framed.
 *
 * The messages' own digests are hashed on the other core while this one
 * writes.  Pages of the original are let go behind both: memory holds
 * the largest message and a few windows, not the file. */
#ifndef LISTSCRUB_NEW_COPY_H
#define LISTSCRUB_NEW_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/digest.h"
#include "mail/change.h"

struct errbuf;
struct mailbox;

struct new_copy_piece;

struct new_copy {
	/* given */
	struct mailbox *mb;             /* a loaded plain mbox */
	const size_t *del;              /* the messages changed, ascending */
	const struct message_change *changes;   /* NULL: all deleted */
	size_t n;
	/* made, into before given by the caller (one entry per message of
	 * mb); n_after: how many the new copy holds */
	unsigned char (*before)[DIGEST_LEN];
	size_t n_after;
	unsigned char file_before[DIGEST_LEN], file_after[DIGEST_LEN];
	uint64_t size_before, size_after;       /* of the whole files */
	/* the offset, in both files, of the first byte written: the first
	 * change's (the temp holds the new file from there on) */
	uint64_t temp_start;
	/* what was written, in order: the read-back compares with it */
	struct new_copy_piece *pieces;
	size_t npieces, pieces_alloc;
};

/* Write the new copy of nc->mb from its first change on into fd (the
 * temp, empty) and fill the digests (before: the caller's, one entry per
 * message).  -1 with err filled when a write fails. */
int new_copy_write(struct new_copy *nc, int fd, struct errbuf *err);

/* Read the file at temp back: 1 when it holds exactly what was written,
 * 0 when it differs, -1 with err filled when it cannot be read. */
int new_copy_read_back(struct new_copy *nc, const char *temp,
		       struct errbuf *err);

void new_copy_release(struct new_copy *nc);

#endif
