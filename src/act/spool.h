/* spool.h -- redacted messages' new bytes kept on disk while a run
 * prepares, instead of in memory: an unlinked temp beside the mailbox
 * (".NAME.listscrub-PID-N" while it has a name, so that a killed run's
 * is swept), written once as the plan makes each message, read back by
 * the writer.  A change keeps only where its bytes are and their
 * SHA-256, taken from the bytes made, before they were written: what
 * the spool gives back that differs from them is caught by the
 * writer's read-back of the new copy (or by change_load). */
#ifndef LISTSCRUB_SPOOL_H
#define LISTSCRUB_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "mail/change.h"

struct errbuf;
struct out;
struct sha256_stream;

struct spool;

/* A new spool beside path (in its folder).  caller owns: spool_close */
int spool_open(struct spool **s_r, const char *path, struct errbuf *err);

/* Spool a[0, alen) then b[0, blen) as one change's new bytes: ch gets
 * where they are, their length and SHA-256, and is marked redacted. */
int spool_put(struct spool *s, struct message_change *ch, const char *a,
	      size_t alen, const char *b, size_t blen, struct errbuf *err);

/* Write out what is still buffered: before the changes are read. */
int spool_flush(struct spool *s, struct errbuf *err);

void spool_close(struct spool **s);

/* Bytes [at, at + len) of a redacted change's new bytes into buf. */
int change_read(const struct message_change *ch, size_t at, char *buf,
		size_t len, struct errbuf *err);

/* A redacted change's new bytes whole, checked against its SHA-256
 * (caller frees *data_r); -1 with err filled when they cannot be read
 * or are not the bytes made. */
int change_load(const struct message_change *ch, char **data_r,
		struct errbuf *err);

/* A redacted change's new bytes into o, a piece at a time, and into
 * stream when not NULL. */
int change_write(const struct message_change *ch, struct out *o,
		 struct sha256_stream *stream, struct errbuf *err);

#endif
