/* apply.c -- a plan carried out mailbox by mailbox, under the locks. */
#include "config.h"

#include <stdlib.h>

#include "act/apply.h"
#include "act/lock.h"
#include "act/plan.h"
#include "act/writer.h"
#include "audit/record.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

static int
apply_mailbox(const struct plan *p, struct mailbox *mb,
	      const struct plan_box *box, const struct apply_settings *as,
	      size_t *binary_r, struct errbuf *err)
{
	struct writer_settings ws = { .backup_dir = as->backup_dir };
	struct box_changes bc = { 0 };
	struct mbox_lock *lock = NULL;
	size_t *indices, n;
	int rc;

	rc = as->apply && mailbox_kind(mb) == MAILBOX_MBOX
		? mbox_lock_acquire(mailbox_path(mb), as->lock_timeout, &lock,
				    err) : 0;
	if (rc == 0)
		rc = plan_changes(p, mb, box, &bc, err);
	*binary_r = bc.binary_parts;
	n = bc.count;
	indices = xcalloc(n + 1, sizeof *indices);
	for (size_t k = 0; k < n; k++)
		indices[k] = bc.picked[k].index;
	if (rc == 0 && as->record && n > 0)
		rc = record_mailbox(as->record, mb, bc.picked, bc.changes, n,
				    err);
	if (rc == 0 && as->apply && n > 0) {
		rc = writer_apply(mb, indices, bc.changes, n, &ws, err);
		if (rc < 0 && as->record)
			record_forget(as->record, mb);
	}
	if (rc == 0 && as->apply && as->record && n > 0)
		rc = record_mailbox_done(as->record, mb, err);
	mbox_lock_release(&lock);
	free(indices);
	plan_changes_release(&bc);
	return rc;
}

int
apply_plan(const struct plan *p, struct mailbox_list *boxes,
	   const struct apply_settings *as, struct apply_report *rep,
	   struct errbuf *err)
{
	size_t n = plan_box_count(p);

	rep->binary_parts = xcalloc(n + 1, sizeof *rep->binary_parts);
	rep->boxes_done = 0;
	for (size_t i = 0; i < n; i++) {
		const struct plan_box *box = plan_box(p, i);

		if (box->count == 0 || box->items[0].state != PLAN_PLANNED)
			break;          /* the rest is a later run's */
		if (apply_mailbox(p, boxes->items[box->mailbox], box, as,
				  &rep->binary_parts[i], err) < 0)
			return -1;
		rep->boxes_done++;
	}
	return 0;
}

void
apply_report_release(struct apply_report *rep)
{
	free(rep->binary_parts);
	rep->binary_parts = NULL;
}
