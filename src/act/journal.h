/* journal.h -- an mbox rewritten in place, behind a recovery journal.
 *
 * A delivery agent may have the mbox open (and be waiting for its locks)
 * while listscrub writes; a rename would leave that agent appending to
 * the old, unlinked file, and its message would be lost.  So a plain
 * mbox keeps its inode: the new copy, written and checked beside it
 * (temp), is copied into the file from the first changed byte, and the
 * file cut to its new length.  Before that, a journal beside the mbox
 * (".NAME.listscrub-journal") records what is needed to finish the copy
 * after a crash: the sizes, where the copy starts, the digests that tell
 * how far it got, and the temp it copies from.  The locks are held
 * throughout; after a crash the dotlock stays and the next run finishes
 * the copy (journal_recover).  When the file is not of a size the
 * interrupted copy can explain (something was written to it since, by a
 * program that broke or ignored the locks), recovery touches nothing and
 * says what to do by hand: appended mail is never overwritten.
 */
#ifndef LISTSCRUB_JOURNAL_H
#define LISTSCRUB_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "audit/digest.h"

struct errbuf;

/* What the journal of one in-place rewrite records. */
struct journal {
	uint64_t old_size, new_size;
	uint64_t first;                         /* first byte that changes */
	/* the mbox offset the temp's first byte stands for: 0 (a whole new
	 * copy) or up to first (the new copy from there on: the bytes
	 * before are the mbox's own, never written) */
	uint64_t temp_start;
	unsigned char new_file[DIGEST_LEN];     /* of the whole new file */
	char temp[256];                         /* the checked new copy, a
						   name in the mbox's folder */
};

/* Copy the checked new copy into the mbox (fd, open read-write, its locks
 * held): journal, copy from j->first, cut to j->new_size, fsync, drop the
 * journal and the temp.  -1 with err filled when it could not finish:
 * the journal stays, and journal_recover finishes it.  *made_r: the mbox
 * holds the new copy, even when what came after the copy failed. */
int journal_commit(int fd, const char *mbox_path, const struct journal *j,
		   bool *made_r, struct errbuf *err);

/* Is there the journal of an unfinished in-place rewrite beside
 * mbox_path? */
bool journal_pending(const char *mbox_path);

/* Finish an unfinished rewrite of mbox_path (fd open read-write, its
 * locks held): the copy is made again from the temp (whose digest must be
 * the journal's, with the mbox's own bytes before temp_start), and the
 * file checked whole against the new digest.
 * *recovered_r tells whether there was one.  -1 with err filled when the
 * journal or its temp cannot be trusted, or the file's size is not one
 * the copy explains: nothing is touched then. */
int journal_recover(int fd, const char *mbox_path, bool *recovered_r,
		    struct errbuf *err);

#endif
