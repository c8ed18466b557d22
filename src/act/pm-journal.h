/* pm-journal.h -- the pipermail files of a run, finished by the next run
 * when this one was killed between its commits.
 *
 * A purge commits the volume texts first (act/apply), then the pages,
 * indexes, database files and attachments that go with them.  Before the
 * first commit, each list folder gets a journal (.listscrub-pipermail-
 * journal): for each volume, the digest its texts will have, and the
 * renames and removals of its files, all of whose new copies are written
 * and fsynced beside them by then.  The journal goes once every one is
 * made.  A run that finds one finishes each volume whose texts have
 * their new digests and drops the others' new copies (their texts were
 * never changed), then removes the journal.  So a page never shows a
 * message its text lost, nor loses one its text kept.
 */
#ifndef LISTSCRUB_PM_JOURNAL_H
#define LISTSCRUB_PM_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/digest.h"

struct errbuf;
struct pm_edits;

#define PM_JOURNAL_NAME ".listscrub-pipermail-journal"

/* A volume text as it will be once its commit is made. */
struct pm_text_after {
	const char *path;               /* LIST/VOL.txt or .txt.gz */
	unsigned char sha256[DIGEST_LEN];
};

/* Write the journal of every list folder edits touch (atomically,
 * fsynced).  -1 with err, nothing committed. */
int pm_journal_write(const struct pm_edits *edits,
		     const struct pm_text_after *texts, size_t ntexts,
		     struct errbuf *err);

/* Every edit was made: the journals go. */
int pm_journal_clear(const struct pm_edits *edits, struct errbuf *err);

/* Does list_dir hold a journal (an unfinished run)? */
bool pm_journal_pending(const char *list_dir);

/* Finish or drop what the journal of list_dir says, remove it, and the
 * new copies killed runs left in its folders.  *finished_r counts the
 * volumes finished, *dropped_r those dropped.  -1 with err when a file
 * cannot be renamed or read: the journal stays for the next try. */
int pm_journal_recover(const char *list_dir, size_t *finished_r,
		       size_t *dropped_r, struct errbuf *err);

/* For every pipermail list folder of boxes: recover its journal, and
 * remove the new copies killed runs left in it, its volume folders and
 * database/.  Counts are added to.  For a run that will write, holding
 * its locks. */
struct mailbox_list;
int pm_journal_recover_all(const struct mailbox_list *boxes,
			   size_t *finished_r, size_t *dropped_r,
			   size_t *temps_removed_r, struct errbuf *err);

#endif
