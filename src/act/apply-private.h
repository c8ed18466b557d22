/* apply-private.h -- what apply.c and apply-pipermail.c share: a plan
 * box on its way, and the pipermail steps of the two phases.  Private to
 * those two files. */
#ifndef LISTSCRUB_APPLY_PRIVATE_H
#define LISTSCRUB_APPLY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "act/plan.h"

struct apply_report;
struct apply_settings;
struct errbuf;
struct mailbox_list;

/* One plan box on its way: its changes, and what the writer prepared. */
struct box_work {
	struct box_changes bc;
	struct prepared *prepared;
	bool recorded;
};

/* The messages a box's changes are about, in order (for the writer).
 * Caller frees. */
size_t *box_indices(const struct box_changes *bc);

/* Phase 1 for pipermail trees: what the volume texts' changes (boxes
 * w[0..n)) mean for the pages, indexes, database and attachments, built,
 * written beside their files (with apply) and recorded. */
int apply_prepare_pipermail(struct mailbox_list *boxes, const struct plan *p,
			    const struct box_work *w, size_t n,
			    const struct apply_settings *as,
			    struct apply_report *rep, struct errbuf *err);

/* Before the first commit: each list folder's journal (act/pm-journal). */
int apply_journal_pipermail(struct mailbox_list *boxes, const struct plan *p,
			    const struct box_work *w, size_t n,
			    struct apply_report *rep, struct errbuf *err);

/* After the commits: a committed volume's .txt.gz no older than its
 * .txt, or Mailman's nightly gzip writes it again from the .txt. */
void apply_touch_pipermail(struct mailbox_list *boxes, const struct plan *p,
			   const struct box_work *w, size_t n);

#endif
