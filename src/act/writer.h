/* writer.h -- a mailbox's changes, prepared and then committed.
 *
 * Prepare does everything that can fail before the archive changes: the
 * new copy of an mbox or of a redacted message file is written beside
 * the original (never re-serialising a kept message: kept byte ranges
 * are copied), fsynced, and checked: a plain mbox's is read back and
 * must be byte for byte the kept messages and the redacted ones as made
 * (its digests come from the bytes as they were written: new-copy.h); a
 * .gz's is inflated and split again, and each message's SHA-256 must be
 * the one expected.  Every file to remove must still be there, unchanged;
 * backups are made.  Nothing in the archive has changed until commit.
 *
 * Commit makes the change.  A plain mbox keeps its inode: the new copy is
 * copied into it in place behind a recovery journal (journal.h), so that
 * a delivery agent that has it open never appends to a file that is
 * gone.  A compressed mbox and message files are replaced by rename
 * (temp, fsync, rename, fsync of the folder); removed message files are
 * unlinked.  The caller holds the mbox locks throughout.
 */
#ifndef LISTSCRUB_WRITER_H
#define LISTSCRUB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/digest.h"
#include "mail/change.h"

struct errbuf;
struct mailbox;
struct mbox_lock;
struct prepared;

struct writer_settings {
	const char *backup_dir;         /* keep originals here; NULL: none */
	struct mbox_lock *lock;         /* the mbox's, held: written through
					   (NULL: the writer opens the file) */
};


/* Prepare the deletion of messages indices[0..n) (ascending) of mb, or
 * with changes (NULL: delete all) the replacement of those whose change
 * has data.  caller owns *p_r: writer_commit or writer_abandon, then
 * writer_prepared_free.  -1 with err filled (and nothing left behind)
 * when mb changed on disk since it was loaded, or anything else fails. */
int writer_prepare(struct mailbox *mb, const size_t *indices,
		   const struct message_change *changes, size_t n,
		   const struct writer_settings *ws, struct prepared **p_r,
		   struct errbuf *err);

/* The size the file of mbox mb would have after that change (compressed
 * where it is), counted from the same bytes writer_prepare writes, none
 * of them written: a plan's. */
int writer_new_size(const struct mailbox *mb, const size_t *indices,
		    const struct message_change *changes, size_t n,
		    uint64_t *size_r, struct errbuf *err);

/* What the prepared change holds, for the record (audit/digest.h);
 * borrowed until writer_prepared_free. */
const struct change_digests *writer_digests(const struct prepared *p);

/* Make the prepared change.  -1 with err filled when it could not be
 * made whole, or when what came after a change (a directory's fsync)
 * failed; writer_done says which changes were made (a Maildir may be
 * changed in part, a change whose fsync failed is made); an interrupted
 * in-place rewrite is left to journal_recover. */
int writer_commit(struct prepared *p, struct errbuf *err);

/* Was change k made (after writer_commit)? */
bool writer_done(const struct prepared *p, size_t k);

/* Remove what prepare made (temps, backups it made); the archive is as
 * it was.  Harmless after a commit. */
void writer_abandon(struct prepared *p);

void writer_prepared_free(struct prepared **p);

/* prepare and commit in one go (abandoned on failure). */
int writer_apply(struct mailbox *mb, const size_t *indices,
		 const struct message_change *changes, size_t n,
		 const struct writer_settings *ws, struct errbuf *err);

#endif
