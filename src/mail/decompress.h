/* decompress.h -- a compressed file's content as a stream: a .gz (one or
 * several members), .bz2, .xz, .lzma or .zst file, told by its first
 * bytes (never by its name), inflated a window at a time into a private
 * temp file that no name points at ($TMPDIR, else /tmp; mode 0600).
 * Nothing of it stays on disk once the descriptor is closed, even after
 * a kill; the caller maps it as it maps a plain file, so memory holds a
 * window of it, never the whole.  The caps of mail/limits.h are checked
 * while it is written: a bomb stops at the cap.
 *
 * .gz goes through zlib, which checks each member's CRC and length
 * (libarchive's gzip reader does not: a corrupt member would read as
 * other bytes); the others through libarchive's raw format.
 */
#ifndef LISTSCRUB_DECOMPRESS_H
#define LISTSCRUB_DECOMPRESS_H

#include <stdint.h>

#include "mail/mailbox.h"

struct errbuf;

/* Inflate the file open at fd (path names it in messages; insize is its
 * size, for the ratio cap) into a private temp.  A file that is not
 * compressed: 0 with *c_r MAILBOX_PLAIN and *fd_r -1.  A compressed one:
 * 0 with *c_r its compression, *fd_r the temp (caller closes) and *len_r
 * what it inflated to.  -1 with err filled: a cap passed, a stream
 * truncated or corrupt, the temp's file system full. */
int decompress_open(int fd, const char *path, uint64_t insize,
		    enum mailbox_compression *c_r, int *fd_r,
		    uint64_t *len_r, struct errbuf *err);

/* Read a .gz file open at fd through zlib to its end, writing nothing:
 * 0 when every member's CRC and length check out (or the file is not a
 * .gz), -1 with err filled as decompress_open fills it.  For readers
 * that go through libarchive, whose gzip filter checks neither. */
int decompress_check(int fd, const char *path, uint64_t insize,
		     struct errbuf *err);

/* ".gz", ".bz2", ".xz", ".lzma", ".zst"; "" for MAILBOX_PLAIN. */
const char *decompress_suffix(enum mailbox_compression c);

#endif
