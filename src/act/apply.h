/* apply.h -- carry out a plan in two phases, so that every decision is
 * made and every new copy built and checked before the archive changes.
 *
 *   1. every mailbox's changes: redacted messages built and checked
 *      (act/plan), then, with apply, prepared (act/writer): new copies
 *      written beside the originals, fsynced and read back, files to
 *      remove checked, backups made; the run's record is told of each.
 *      A failure here changes nothing: the temps go, the run stops.
 *      Where a mailbox is a pipermail volume text, the pages, indexes,
 *      database and attachments of the messages it loses are built and
 *      written beside their files too (act/pipermail).
 *   2. with apply, commit mailbox by mailbox, then the pipermail files;
 *      each commit is recorded as made.  A failure here stops the run; what was made is recorded as
 *      made, the rest as not made.
 *
 * The mbox locks (a lock set taken before the mailboxes were read) are
 * held throughout by the caller.  What became of each item is set in
 * the plan (plan_set_outcome): what purge prints, its exit status and
 * its manifest come from there.
 */
#ifndef LISTSCRUB_APPLY_H
#define LISTSCRUB_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "act/pm-edits.h"

struct errbuf;
struct lock_set;
struct mailbox_list;
struct plan;
struct record;

struct apply_settings {
	bool apply;                     /* false: plan (and record) only */
	const char *backup_dir;         /* keep originals here; NULL: none */
	struct lock_set *locks;         /* the mbox locks, held */
	struct record *record;          /* the run's manifest; NULL: none */
	const char *tombstone_text;     /* pipermail; NULL: the default */
	bool remove_attachments;        /* pipermail: those of redacted
					   messages that still hold what was
					   redacted; else they are listed */
};

/* What applying found out. */
struct apply_report {
	size_t *binary_parts;           /* per plan box: attachments of
					   redacted messages not checked */
	size_t boxes_committed;         /* mailboxes changed */
	bool stopped_in_commit;         /* the run changed some mailboxes and
					   then failed: a partial run */
	struct pm_edits pipermail;      /* the pages, indexes, databases and
					   attachments of pipermail trees
					   changed with their volume texts
					   (act/pipermail.h); each done once
					   made */
};

/* Returns 0, or -1 with err naming the mailbox.  rep is caller-owned
 * (apply_report_release) and filled either way. */
int apply_plan(struct plan *p, struct mailbox_list *boxes,
	       const struct apply_settings *as, struct apply_report *rep,
	       struct errbuf *err);

void apply_report_release(struct apply_report *rep);

#endif
