/* apply.h -- carry out a plan, mailbox by mailbox: take the mbox locks,
 * build the changes, record them in the run's manifest, write them
 * (writer.h), and record what the writer left.
 *
 * Each mailbox is replaced atomically on its own and recorded as it is;
 * a run without apply (a plan recorded with --manifest-dir) only
 * records.
 */
#ifndef LISTSCRUB_APPLY_H
#define LISTSCRUB_APPLY_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct mailbox_list;
struct plan;
struct record;

struct apply_settings {
	bool apply;                     /* false: record the plan only */
	const char *backup_dir;         /* keep originals here; NULL: none */
	unsigned int lock_timeout;      /* seconds */
	struct record *record;          /* the run's manifest; NULL: none */
};

/* What applying found out, per plan box (plan_box(p, i)). */
struct apply_report {
	size_t *binary_parts;           /* attachments of redacted messages
					   that were not checked */
	size_t boxes_done;              /* boxes completed before a failure */
};

/* Returns 0, or -1 with err naming the mailbox: the boxes before it are
 * done and recorded, it and the others unchanged.  rep is caller-owned
 * (apply_report_release) and filled either way. */
int apply_plan(const struct plan *p, struct mailbox_list *boxes,
	       const struct apply_settings *as, struct apply_report *rep,
	       struct errbuf *err);

void apply_report_release(struct apply_report *rep);

#endif
