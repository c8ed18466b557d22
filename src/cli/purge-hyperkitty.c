/* purge-hyperkitty.c -- a purge carried out by HyperKitty's own code
 * (cli/purge-hyperkitty.h). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/plan.h"
#include "audit/digest.h"
#include "audit/record.h"
#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/purge-hyperkitty.h"
#include "cli/report.h"
#include "hyperkitty/plan-file.h"
#include "hyperkitty/site.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"

/* One list's changes, as the plan made them on the export. */
struct hk_box {
	size_t box;                     /* the plan's box */
	size_t first;                   /* its first email in the plan file */
	struct mailbox *mb;
	struct box_changes bc;
};

struct hk_run {
	const struct hk_purge_settings *hs;
	struct plan *plan;
	struct hk_box *boxes;
	size_t n_boxes;
	struct hk_plan_entry *entries;
	size_t n_entries;
	struct hk_report report;
	char *after_root;               /* the export after the change */
};

static void
hk_run_release(struct hk_run *run)
{
	for (size_t i = 0; i < run->n_boxes; i++)
		plan_changes_release(&run->boxes[i].bc);
	free(run->boxes);
	free(run->entries);
	hk_report_release(&run->report);
	free(run->after_root);
}

/* Is message index of mb (an export) the email the index names there?
 * The app's digest is of the message without the empty line that
 * separates it from the next. */
static bool
same_email(const struct mailbox *mb, size_t index, const struct hk_message *m)
{
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned, same;
	unsigned char d[DIGEST_LEN];
	char text[DIGEST_TEXT_SIZE];
	struct errbuf err;

	if (mailbox_message(mb, index, &raw, &len, &off, &owned, &err) < 0)
		return false;
	sha256_of(raw, len >= 2 && raw[len - 1] == '\n' && raw[len - 2] == '\n'
		  ? len - 1 : len, d);
	if (owned)
		free((void *)raw);
	digest_format(text, "sha256", d);
	same = strcmp(text, m->digest) == 0;
	return same;
}

/* The plan's changes, email by email (redactions made in memory: the
 * new export of each redacted email goes to the app). */
static int
collect(struct hk_run *run, struct mailbox_list *boxes)
{
	size_t nb = plan_box_count(run->plan), alloc = 0;
	struct errbuf err;

	errbuf_clear(&err);
	run->boxes = xcalloc(nb + 1, sizeof *run->boxes);
	for (size_t i = 0; i < nb; i++) {
		struct hk_box *b = &run->boxes[run->n_boxes++];

		b->box = i;
		b->first = run->n_entries;
		b->mb = boxes->items[plan_box(run->plan, i)->mailbox];
		if (plan_changes(run->plan, b->mb, i, false, &b->bc, &err) < 0) {
			report(D_PURGE_STOPPED, NULL, "purge: %s; stopped "
			       "before changing anything", err.msg);
			return -1;
		}
		for (size_t c = 0; c < b->bc.count; c++) {
			const struct message_change *ch = &b->bc.changes[c];
			struct hk_plan_entry *e;

			xgrow((void **)&run->entries, &alloc,
			      run->n_entries + 1, sizeof *run->entries);
			e = &run->entries[run->n_entries++];
			e->email = hk_message_at(mailbox_path(b->mb),
						 b->bc.picked[c].index);
			e->redact = ch->redacted;
			e->data = ch->data;
			e->len = ch->len;
			if (e->email == NULL || (ch->redacted && !ch->data) ||
			    !same_email(b->mb, b->bc.picked[c].index,
					e->email)) {
				report(D_INTERNAL, NULL, "purge: message %zu of "
				       "a HyperKitty export is not the email its "
				       "index names there; stopped before "
				       "changing anything (report this as a bug "
				       "of listscrub)", b->bc.picked[c].index);
				return -1;
			}
		}
	}
	return 0;
}

/* Run the app on the plan and read its report: 0 when it committed. */
static int
run_app(struct hk_run *run)
{
	const struct hk_purge_settings *hs = run->hs;
	char *plan = hk_site_file(hs->site, "plan.json");
	char *rep = hk_site_file(hs->site, "report.json");
	const char *args[] = { "listscrub_apply", plan, "--report", rep, NULL };
	struct errbuf err, rerr;
	int rc;

	errbuf_clear(&err);
	errbuf_clear(&rerr);
	if (hk_plan_write(plan, hs->incident, run->entries, run->n_entries,
			  &err) < 0) {
		report(D_PURGE_STOPPED, NULL, "purge: %s; stopped before "
		       "changing anything", err.msg);
		rc = -1;
		goto out;
	}
	rc = hk_site_run(hs->site, args, &err);
	if (hk_report_read(rep, &run->report, &rerr) < 0) {
		/* no report: a refusal before the transaction, or a kill */
		report(D_HYPERKITTY, NULL, "purge: %s%s%s", rc ? err.msg : "",
		       rc ? "; " : "", rc == 1 ? "nothing was changed"
		       : rerr.msg);
		rc = -1;
	} else if (!run->report.done) {
		report(D_HYPERKITTY, NULL, "purge: HyperKitty's app %s the plan%s"
		       "%s; nothing was changed (one transaction): see the "
		       "emails listed as not-made", run->report.status,
		       run->report.error[0] ? ": " : "", run->report.error);
		rc = -1;
	} else
		rc = 0;
out:
	free(plan);
	free(rep);
	return rc;
}

/* The digest of the new export's bytes of email m (in after, the new
 * export of its list): what the record keeps as the redacted message. */
static int
after_digest(struct mailbox *after, const struct hk_message *m,
	     unsigned char out[DIGEST_LEN], struct errbuf *err)
{
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;

	if (mailbox_message(after, m->n, &raw, &len, &off, &owned, err) < 0)
		return -1;
	sha256_of(raw, len, out);
	if (owned)
		free((void *)raw);
	return 0;
}

/* The outcomes of one list's emails by the report; the record told of
 * them, and the list's export replaced by the new one. */
static int
settle_box(struct hk_run *run, struct hk_box *b, struct errbuf *err)
{
	size_t n = b->bc.count;
	struct message_change *after = xcalloc(n + 1, sizeof *after);
	bool *done = xcalloc(n + 1, sizeof *done);
	const char *file = n ? hk_message_at(mailbox_path(b->mb),
					     b->bc.picked[0].index)->file : NULL;
	char *after_path = file ? xasprintf("%s/%s", run->after_root, file)
		: NULL;
	struct mailbox *after_mb = file ? mailbox_new(after_path) : NULL;
	int rc = after_mb ? mailbox_load(after_mb, err) : 0;

	for (size_t c = 0; c < n && rc == 0; c++) {
		const struct hk_message *m = hk_message_at(
			mailbox_path(b->mb), b->bc.picked[c].index);
		const char *digest;
		enum hk_done what = hk_report_outcome(&run->report,
						      b->first + c, m, &digest);

		done[c] = what != HK_NOT_DONE;
		after[c].redacted = what == HK_REDACTED;
		after[c].spans = b->bc.changes[c].spans;
		if (after[c].redacted) {
			const struct hk_message *a = hk_site_after(
				run->hs->site, m->list, m->message_id_hash);

			if (a == NULL)
				rc = errbuf_set(err, "the email %s of %s, "
						"redacted, is not in the export "
						"made after the change",
						m->message_id_hash, m->list);
			else
				rc = after_digest(after_mb, a, after[c].sha256,
						  err);
		}
	}
	mailbox_free(&after_mb);
	if (rc == 0 && run->hs->record)
		rc = record_mailbox(run->hs->record, b->mb, b->bc.picked, after,
				    n, NULL, err);
	if (rc == 0 && file) {
		char *to = xasprintf("%s/%s", hk_site_root(run->hs->site), file);

		if (rename(after_path, to) < 0)
			rc = errbuf_set(err, "cannot put the new export of a "
					"list in place (%s)", strerror(errno));
		free(to);
	}
	if (rc == 0 && run->hs->record)
		record_mailbox_done(run->hs->record, b->mb, b->bc.picked, done,
				    n);
	free(after_path);
	free(after);
	free(done);
	return rc;
}

/* The report as the manifest keeps it: what was done to which email
 * (by list, hash and row: public names), the tables' digests; never the
 * plain digest of a removed email's export (with a copy of the message
 * anyone could confirm it). */
static json_t *
site_run_json(const struct hk_run *run)
{
	json_t *r = json_deep_copy(run->report.json), *a;
	json_error_t je;
	size_t i;

	json_array_foreach(json_object_get(r, "actions"), i, a)
		json_object_del(a, "digest_before");
	json_object_set_new(r, "site", json_loads(hk_site_json(run->hs->site),
						  0, &je));
	json_object_set_new(r, "settings", json_string(
		strstr(hk_site_settings(run->hs->site), "://") ? "database-url"
		: "settings-module"));
	return r;
}

/* 1 after a warning when the app made the changes but could not clean
 * up after them (the search index, HyperKitty's caches): the emails are
 * still shown there until it is done by hand. */
/* A clean-up step the report does not call done. */
static bool
left_undone(const json_t *value)
{
	const char *v = json_string_value(value);

	return v && (!strcmp(v, "failed") || !strcmp(v, "pending"));
}

/* 1 after a warning when the app made the changes but did not clean up
 * after them (the search index, HyperKitty's caches: failed, or stopped
 * before), or could not reach them (a site given by a database URL):
 * until it is done, the site may still show what was removed. */
static int
cleanup_left(const struct hk_run *run)
{
	const json_t *r = run->report.json, *a;
	size_t i;
	bool index = left_undone(json_object_get(r, "index_purged"));

	json_array_foreach(json_object_get(r, "actions"), i, a)
		index |= left_undone(json_object_get(a, "index"));
	if (hk_site_is_database_url(run->hs->site)) {
		report(D_HYPERKITTY, NULL, "purge: HyperKitty's app made the "
		       "changes listed (they are recorded), but a database URL "
		       "reaches the tables only: the site's search index, "
		       "attachment folder and caches may still hold what was "
		       "removed; run HyperKitty's 'rebuild_index', clear its "
		       "cache and check its attachment folder, or purge with "
		       "the site's settings");
		return 1;
	}
	if (!index && !left_undone(json_object_get(r, "caches")))
		return 0;
	report(D_HYPERKITTY, NULL, "purge: HyperKitty's app made the changes "
	       "listed (they are recorded), but did not finish %s: until then "
	       "the site may still show what was removed; run HyperKitty's "
	       "'rebuild_index' and clear its cache, then verify",
	       index ? "cleaning its search index" : "refreshing its caches");
	return 1;
}

/* What became of each email, by the report: what is printed and the
 * exit status, whatever happens to the record after. */
static void
set_outcomes(struct hk_run *run)
{
	for (size_t i = 0; i < run->n_boxes; i++) {
		const struct hk_box *b = &run->boxes[i];

		for (size_t c = 0; c < b->bc.count; c++) {
			const char *digest;
			const struct hk_message *m = hk_message_at(
				mailbox_path(b->mb), b->bc.picked[c].index);
			enum hk_done what = hk_report_outcome(
				&run->report, b->first + c, m, &digest);

			plan_set_outcome(run->plan, b->box, b->bc.item[c],
					 what != HK_NOT_DONE ? OUTCOME_CHANGED
					 : OUTCOME_NOT_MADE);
		}
	}
}

static int
settle(struct hk_run *run)
{
	struct errbuf err;
	int rc = 0;

	errbuf_clear(&err);
	set_outcomes(run);
	if (run->hs->record && record_read_before(run->hs->record, &err) < 0)
		rc = -1;
	else if (hk_site_export_again(run->hs->site, &run->after_root,
				      &err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < run->n_boxes; i++)
		rc = settle_box(run, &run->boxes[i], &err);
	if (rc < 0) {
		report(D_HYPERKITTY, NULL, "purge: HyperKitty's app made the "
		       "changes listed as made, but %s: no manifest records "
		       "them, so keep this output (each email's state) as the "
		       "record of the run", err.msg);
		return -1;
	}
	if (run->hs->record)
		record_note_hyperkitty(run->hs->record, site_run_json(run));
	return cleanup_left(run);
}

/* --hyperkitty-run=no: the plan is kept for the admin to run. */
static int
hand_over(struct hk_run *run)
{
	const struct hk_purge_settings *hs = run->hs;
	char *rep = xasprintf("%s.report.json", hs->plan_file);
	const char *args[] = { "listscrub_apply", hs->plan_file, "--report",
			       rep, NULL };
	char *command;
	struct errbuf err;

	errbuf_clear(&err);
	if (hk_plan_write(hs->plan_file, hs->incident, run->entries,
			  run->n_entries, &err) < 0) {
		report(D_PURGE_STOPPED, NULL, "purge: %s; nothing was changed",
		       err.msg);
		free(rep);
		return -1;
	}
	/* a plan: each change made and checked, none carried out */
	for (size_t i = 0; i < run->n_boxes; i++)
		for (size_t c = 0; c < run->boxes[i].bc.count; c++)
			plan_set_outcome(run->plan, run->boxes[i].box,
					 run->boxes[i].bc.item[c],
					 OUTCOME_CHANGED);
	command = hk_site_command(hs->site, args);
	printf("# HyperKitty: nothing was changed; the plan for %zu %s is in "
	       "%s; to carry it out, run%s:\n#   %s\n", run->n_entries,
	       plural(run->n_entries, "email", "emails"), hs->plan_file,
	       hk_site_is_database_url(hs->site) ? " with "
	       "LISTSCRUB_HYPERKITTY_DATABASE set to the database URL" : "",
	       command);
	free(command);
	free(rep);
	return 0;
}

int
purge_hyperkitty(const struct hk_purge_settings *hs, struct plan *plan,
		 struct mailbox_list *boxes)
{
	struct hk_run run = { .hs = hs, .plan = plan };
	int rc = collect(&run, boxes);

	if (rc == 0 && run.n_entries == 0)
		;
	else if (rc == 0 && !hs->run)
		rc = hand_over(&run);
	else if (rc == 0 && (rc = run_app(&run)) == 0)
		rc = settle(&run);      /* 1: made, a clean-up left undone */
	else if (rc < 0 && run.report.json)
		/* refused: every email planned stays as it was */
		for (size_t i = 0; i < run.n_boxes; i++)
			for (size_t c = 0; c < run.boxes[i].bc.count; c++)
				plan_set_outcome(plan, run.boxes[i].box,
						 run.boxes[i].bc.item[c],
						 OUTCOME_NOT_MADE);
	hk_run_release(&run);
	return rc;
}
