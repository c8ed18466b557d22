/* apply.c -- a plan carried out: everything prepared, then committed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "act/apply-private.h"
#include "act/apply.h"
#include "act/lock.h"
#include "act/pm-journal.h"
#include "act/plan.h"
#include "act/tarball-write.h"
#include "act/writer.h"
#include "audit/record.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/tarball.h"
#include "select/select.h"

size_t *
box_indices(const struct box_changes *bc)
{
	size_t *indices = xcalloc(bc->count + 1, sizeof *indices);

	for (size_t k = 0; k < bc->count; k++)
		indices[k] = bc->picked[k].index;
	return indices;
}

/* Phase 1 for one box: its changes, prepared (with apply) and recorded. */
static int
prepare_box(struct plan *p, size_t i, struct mailbox *mb,
	    const struct apply_settings *as, struct box_work *w,
	    struct apply_report *rep, struct errbuf *err)
{
	struct writer_settings ws = {
		/* a tarball's member is kept with the whole tarball */
		.backup_dir = tarball_of_staged(mailbox_path(mb)) ? NULL
			: as->backup_dir,
		.lock = lock_set_find(as->locks, mailbox_path(mb)),
	};
	size_t *indices;
	int rc;

	if (plan_changes(p, mb, i, as->apply, &w->bc, err) < 0)
		return -1;
	rep->binary_parts[i] = w->bc.binary_parts;
	if (w->bc.count == 0)
		return 0;
	indices = box_indices(&w->bc);
	rc = as->apply ? writer_prepare(mb, indices, w->bc.changes, w->bc.count,
					&ws, &w->prepared, err) : 0;
	free(indices);
	if (rc == 0 && as->record) {
		rc = record_mailbox(as->record, mb, w->bc.picked, w->bc.changes,
				    w->bc.count, w->prepared
				    ? writer_digests(w->prepared) : NULL, err);
		w->recorded = rc == 0;
	}
	return rc;
}

/* Every item of a box gets what became of it. */
static void
set_outcomes(struct plan *p, size_t i, const struct box_work *w, bool made)
{
	for (size_t k = 0; k < w->bc.count; k++) {
		bool done = w->prepared ? writer_done(w->prepared, k) : made;

		plan_set_outcome(p, i, w->bc.item[k], done ? OUTCOME_CHANGED
				 : OUTCOME_NOT_MADE);
	}
}

/* Phase 2 for one box: the commit, recorded as it was made. */
static int
commit_box(struct plan *p, size_t i, struct mailbox *mb,
	   const struct apply_settings *as, struct box_work *w,
	   struct errbuf *err)
{
	int rc = w->prepared ? writer_commit(w->prepared, err) : 0;

	set_outcomes(p, i, w, rc == 0);
	if (w->recorded) {
		bool *done = xcalloc(w->bc.count + 1, sizeof *done);

		for (size_t k = 0; k < w->bc.count; k++)
			done[k] = w->prepared && writer_done(w->prepared, k);
		record_mailbox_done(as->record, mb, w->bc.picked, done,
				    w->bc.count);
		free(done);
	}
	return rc;
}

static bool
any_done(const struct box_work *w)
{
	for (size_t k = 0; w->prepared && k < w->bc.count; k++)
		if (writer_done(w->prepared, k))
			return true;
	return false;
}

/* Is the box's mailbox a member of the staged tarball tb? */
static bool
in_tarball(const struct mailbox *mb, const struct tarball *tb)
{
	return tarball_of_staged(mailbox_path(mb)) == tb;
}

/* A tarball that could not be written back: the changes made to its
 * staged members never reached the archive. */
static void
tarball_not_made(struct plan *p, struct mailbox_list *boxes,
		 const struct tarball *tb, struct box_work *w, size_t n,
		 const struct apply_settings *as, struct apply_report *rep)
{
	for (size_t i = 0; i < n; i++) {
		struct mailbox *mb = boxes->items[plan_box(p, i)->mailbox];

		if (!in_tarball(mb, tb))
			continue;
		if (any_done(&w[i]) && rep->boxes_committed > 0)
			rep->boxes_committed--;
		for (size_t k = 0; k < w[i].bc.count; k++)
			plan_set_outcome(p, i, w[i].bc.item[k], OUTCOME_NOT_MADE);
		if (w[i].recorded)
			record_forget(as->record, mb);
	}
	for (size_t i = 0; i < rep->pipermail.count; i++)
		if (tarball_of_staged(rep->pipermail.items[i].path) == tb) {
			rep->pipermail.items[i].done = false;
			record_file_forget(as->record,
					   rep->pipermail.items[i].path);
		}
}

/* Phase 3: every tarball whose staged members changed is written back
 * (act/tarball-write.h), and recorded as a file of the archive. */
static int
write_tarballs(struct plan *p, struct mailbox_list *boxes,
	       struct box_work *w, size_t n, const struct apply_settings *as,
	       struct apply_report *rep, int rc, struct errbuf *err)
{
	for (size_t t = 0; t < tarball_count(); t++) {
		const struct tarball *tb = tarball_at(t);
		struct tarball_copy c;
		bool changed = false, made = false;

		for (size_t i = 0; i < n; i++)
			changed |= any_done(&w[i]) &&
				in_tarball(boxes->items[plan_box(p, i)->mailbox], tb);
		for (size_t i = 0; i < rep->pipermail.count; i++)
			changed |= rep->pipermail.items[i].done &&
				tarball_of_staged(rep->pipermail.items[i].path) == tb;
		if (!changed)
			continue;
		if (rc == 0 && as->backup_dir) {
			char *made_backup = NULL;

			rc = backup_file(as->backup_dir, tarball_path(tb), true,
					 &made_backup, err);
			free(made_backup);
		}
		if (rc == 0 && (rc = tarball_copy_write(tb, &c, err)) == 0) {
			rc = tarball_copy_commit(tb, &c, &made, err);
			if (!made)
				tarball_copy_discard(&c);
		}
		if (made && as->record)
			record_file_digest(as->record, tarball_path(tb), "tarball",
					   c.after, c.size_after);
		if (!made)
			tarball_not_made(p, boxes, tb, w, n, as, rep);
		if (rc < 0)
			rep->stopped_in_commit |= rep->boxes_committed > 0 || made;
	}
	return rc;
}

static void
release_work(struct box_work *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].prepared) {
			writer_abandon(w[i].prepared);
			writer_prepared_free(&w[i].prepared);
		}
		plan_changes_release(&w[i].bc);
	}
	free(w);
}

int
apply_plan(struct plan *p, struct mailbox_list *boxes,
	   const struct apply_settings *as, struct apply_report *rep,
	   struct errbuf *err)
{
	size_t n = plan_box_count(p), prepared = 0;
	struct box_work *w = xcalloc(n + 1, sizeof *w);
	int rc = 0;

	rep->binary_parts = xcalloc(n + 1, sizeof *rep->binary_parts);
	rep->boxes_committed = 0;
	rep->stopped_in_commit = false;
	/* 1. every decision, every new copy: nothing changes yet */
	for (size_t i = 0; i < n && rc == 0; i++, prepared++) {
		const struct plan_box *box = plan_box(p, i);

		if (box->count == 0 || box->items[0].state != PLAN_PLANNED)
			break;          /* the rest is a later run's */
		/* a zip is read only: a change in one stops the run here */
		if (as->apply && (rc = tarball_copy_possible(tarball_of_staged(
				mailbox_path(boxes->items[box->mailbox])), err)) < 0)
			break;
		rc = prepare_box(p, i, boxes->items[box->mailbox], as, &w[i],
				 rep, err);
	}
	if (rc == 0)
		rc = apply_prepare_pipermail(boxes, p, w, prepared, as, rep, err);
	if (rc == 0 && as->apply)
		rc = apply_journal_pipermail(boxes, p, w, prepared, rep, err);
	/* what the run means to do, signed before its first change: a run
	 * killed from here on is accounted for by the next one */
	if (rc == 0 && as->apply && as->record)
		rc = record_write_intent(as->record, err);
	if (rc < 0) {
		if (rep->pipermail.journaled)
			(void)pm_journal_clear(&rep->pipermail, NULL);
		rep->pipermail.journaled = false;
		pm_edits_abandon(&rep->pipermail);
		record_forget_files(as->record);
		for (size_t i = 0; i < prepared; i++)
			if (w[i].recorded)
				record_forget(as->record,
					      boxes->items[plan_box(p, i)->mailbox]);
		release_work(w, n);
		return -1;
	}
	/* 2. the changes, mailbox by mailbox */
	for (size_t i = 0; i < prepared; i++) {
		struct mailbox *mb = boxes->items[plan_box(p, i)->mailbox];

		if (rc == 0 && as->apply) {
			rc = commit_box(p, i, mb, as, &w[i], err);
			/* a box whose commit failed after a change counts */
			rep->boxes_committed += any_done(&w[i]);
			rep->stopped_in_commit |= rc < 0 &&
				(rep->boxes_committed > 0 ||
				 any_done(&w[i]));
		} else if (!as->apply)
			set_outcomes(p, i, &w[i], true);
		else {
			set_outcomes(p, i, &w[i], false);
			if (w[i].recorded)
				record_forget(as->record, mb);
		}
	}
	if (rc == 0 && as->apply)
		apply_touch_pipermail(boxes, p, w, prepared);
	/* then the pages, indexes, database and attachments; what a failed
	 * commit leaves, its journal has the next run finish */
	if (rc == 0 && as->apply && rep->pipermail.count > 0) {
		rc = pm_edits_commit(&rep->pipermail, err);
		rep->stopped_in_commit |= rc < 0;
	}
	if (rc == 0 && rep->pipermail.journaled &&
	    pm_journal_clear(&rep->pipermail, err) == 0)
		rep->pipermail.journaled = false;
	/* 3. the tarballs whose staged members changed */
	if (as->apply)
		rc = write_tarballs(p, boxes, w, prepared, as, rep, rc, err);
	for (size_t i = 0; as->record && i < rep->pipermail.count; i++)
		if (as->apply && !rep->pipermail.items[i].done)
			record_file_forget(as->record,
					   rep->pipermail.items[i].path);
	pm_edits_abandon(&rep->pipermail);
	/* an mbox whose in-place commit was cut keeps its journal */
	release_work(w, n);
	return rc;
}

void
apply_report_release(struct apply_report *rep)
{
	free(rep->binary_parts);
	rep->binary_parts = NULL;
	pm_edits_release(&rep->pipermail);
}
