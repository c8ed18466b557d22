/* tarball-write.h -- write a staged tarball (mail/tarball.h) back after
 * its staged files changed.
 *
 * The new tarball is the original, member by member and in its order,
 * in the same format and compression (libarchive's default levels:
 * gzip 6, bzip2 9, xz 6, zstd 3): a regular member whose staged file is
 * gone is left out; every other regular member gets its staged file's
 * content and size; a hard link stays one while its staged file is still
 * the one it links to, else it becomes a regular member with its own
 * content; every header keeps its name, mode, owner, times and type.  It is written beside the original, fsynced, read back
 * and compared with the staged files before it may replace it.
 */
#ifndef LISTSCRUB_TARBALL_WRITE_H
#define LISTSCRUB_TARBALL_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "act/output.h"
#include "audit/digest.h"

struct errbuf;
struct tarball;

struct tarball_copy {
	struct temp temp;               /* the new tarball, beside it */
	unsigned char before[DIGEST_LEN], after[DIGEST_LEN];
	uint64_t size_before, size_after;
	size_t written, left_out;       /* file members written with their
					   content; left out (removed) */
};

/* -1 with err filled when tb (NULL: none) cannot be written back: a zip,
 * read only. */
int tarball_copy_possible(const struct tarball *tb, struct errbuf *err);

/* Write and check the new copy (nothing replaced yet).  -1 with err
 * filled (the temp is gone then). */
int tarball_copy_write(const struct tarball *tb, struct tarball_copy *c,
		       struct errbuf *err);

/* Replace the tarball with its new copy; *made_r as temp_commit. */
int tarball_copy_commit(const struct tarball *tb, struct tarball_copy *c,
			bool *made_r, struct errbuf *err);

/* Drop an uncommitted copy. */
void tarball_copy_discard(struct tarball_copy *c);

#endif
