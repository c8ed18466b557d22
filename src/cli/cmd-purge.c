/* cmd-purge.c -- print the plan (default) or apply it (act/plan.h,
 * act/apply.h), with the run's signed manifest.  A mailbox that cannot
 * be split or read stops the run before anything is written. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pwd.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/hold.h"
#include "act/lock.h"
#include "act/pm-edits.h"
#include "act/plan.h"
#include "audit/incident.h"
#include "audit/minisign.h"
#include "audit/record.h"
#include "audit/tree.h"
#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/purge-hyperkitty.h"
#include "cli/purge-intent.h"
#include "cli/purge-opts.h"
#include "cli/purge-pipermail.h"
#include "cli/report.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

static const char *const action_keywords[] = { "delete", "redact", NULL };
static const char *const attachments_keywords[] = { "list", "remove", NULL };
static const char *const hyperkitty_run_keywords[] = { "yes", "no", NULL };

/* What a run that writes a manifest holds open from start to end. */
struct purge_run {
	struct ms_secret *sign_key;
	struct incident_key *incident_key;
	struct scope scope;
	char *operator_name;
	struct next_run next;
	struct record *record;          /* NULL: no manifest */
	struct mm_lock **mm_locks;      /* Mailman's list locks held */
	size_t n_mm_locks;
};

/* What became of a planned item, as purge prints it. */
static const char *
item_state(const struct purge_opts *po, const struct plan_item *pi)
{
	if (pi->state == PLAN_DEFERRED)
		return "deferred-by-limit";
	switch (pi->outcome) {
	case OUTCOME_CHANGED:
		return !po->apply ? "planned"
			: pi->action == ITEM_REDACT ? "redacted" : "deleted";
	case OUTCOME_NOTHING_FOUND:
		return "nothing-to-redact";
	case OUTCOME_PENDING:
		return po->apply ? "not-made" : "planned";
	case OUTCOME_NOT_MADE:
	default:
		return "not-made";
	}
}

/* The plan's items with what became of each: the one list of changes
 * made that the summary, the exit status and the manifest share. */
static void
print_plan(const struct purge_opts *po, const struct mailbox_list *boxes,
	   const struct plan *plan, const struct selection *sel,
	   const struct pm_edits *pipermail)
{
	for (size_t i = 0; i < plan_box_count(plan); i++) {
		const struct plan_box *box = plan_box(plan, i);

		if (po->sel.format == FORMAT_TEXT)
			print_mailbox_line(stdout, boxes->items[box->mailbox]);
		for (size_t k = 0; k < box->count; k++)
			print_selected(stdout, &po->sel, boxes, box->items[k].sel,
				       item_action_name(box->items[k].action),
				       item_state(po, &box->items[k]));
	}
	print_pipermail_edits(stdout, pipermail, po->apply, po->sel.format);
	if (po->sel.format != FORMAT_TEXT)
		return;
	print_purge_summary(stdout, FORMAT_TEXT, po->apply, plan, sel);
	print_passed_over(stdout, boxes, sel);
}

/* ---- the manifest ------------------------------------------------------------ */

static char *
default_operator(void)
{
	struct passwd *pw = getpwuid(geteuid());
	char host[256] = "localhost";

	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	return xasprintf("%s@%s", pw ? pw->pw_name : "unknown", host);
}

/* Keys, scope and the run directory, all before anything is read. */
static int
open_run(const struct purge_opts *po, char *const *paths, size_t npaths,
	 struct purge_run *run)
{
	struct errbuf err;
	char *dir;
	int rc;

	errbuf_clear(&err);
	if (load_sign_key(po->sign_key_path, po->password_file, &run->sign_key,
			  &err) < 0 ||
	    load_incident_key(po->incident_key_path, &run->incident_key,
			      &err) < 0) {
		report(D_KEY, NULL, "purge: %s", err.msg);
		return -1;
	}
	if (scope_from_paths(&run->scope, paths, npaths, &err) < 0 ||
	    scope_keeps_out(&run->scope, po->backup_dir, "--backup-dir",
			    &err) < 0) {
		report(D_MAILBOX_UNREADABLE, NULL, "purge: %s", err.msg);
		return -1;
	}
	run->operator_name = po->operator_name ? xstrdup(po->operator_name)
		: default_operator();
	dir = po->manifest_dir ? xstrdup(po->manifest_dir)
		: xasprintf("%s/../listscrub-manifests/%s", run->scope.root,
			    po->incident);
	rc = record_next_run(dir, po->incident, &run->next, &err);
	free(dir);
	if (rc < 0)
		report(D_MANIFEST_NOT_WRITTEN, NULL, "purge: %s", err.msg);
	return rc;
}

static int
begin_record(const struct purge_opts *po, struct purge_run *run)
{
	struct record_settings rs = {
		.incident = po->incident, .operator_name = run->operator_name,
		.apply = po->apply, .seq = run->next.seq,
		.prev = run->next.has_prev ? run->next.prev : NULL,
		.incident_key = run->incident_key, .sign_key = run->sign_key,
		.selectors = &po->sel.settings,
		.intent_dir = run->next.intent_dir,
	};
	struct errbuf err;

	errbuf_clear(&err);
	if (record_begin(&run->record, &rs, &run->scope, run->next.manifest_dir,
			 &err) < 0) {
		/* before the first change: say that nothing changed */
		report(D_PURGE_STOPPED, NULL, "purge: cannot list the archive "
		       "for the manifest: %s; stopped before changing anything: "
		       "no file was changed and no manifest written", err.msg);
		return -1;
	}
	return 0;
}

static int
finish_record(const struct purge_opts *po, struct purge_run *run)
{
	struct errbuf err;

	errbuf_clear(&err);
	if (record_finish(run->record, run->next.dir, &err) < 0) {
		report(D_MANIFEST_NOT_WRITTEN, NULL, "purge: %s; %s", err.msg,
		       po->apply ? "the archive was changed as listed above: "
		       "run the same purge with --manifest-dir to record the "
		       "state it is in now" : "nothing was changed");
		return -1;
	}
	fprintf(po->sel.format == FORMAT_TEXT ? stdout : stderr,
		"# manifest: %s (incident %s, run %lu); check it with "
		"'listscrub verify --manifest %s --pubkey KEY.pub %s'\n",
		run->next.dir, po->incident, run->next.seq, run->next.dir,
		po->sel.hyperkitty ? "--hyperkitty SETTINGS" : "PATH...");
	return 0;
}

static void
close_run(struct purge_run *run)
{
	record_free(&run->record);
	record_next_run_release(&run->next);
	ms_secret_free(&run->sign_key);
	incident_key_free(&run->incident_key);
	scope_release(&run->scope);
	free(run->operator_name);
}

/* ---- the command ------------------------------------------------------------- */

static void
print_binary_warnings(const struct mailbox_list *boxes,
		      const struct plan *plan, const struct apply_report *rep)
{
	for (size_t i = 0; i < plan_box_count(plan); i++)
		if (rep->binary_parts[i] > 0)
			report(D_BINARY_NOT_CHECKED,
			       mailbox_path(boxes->items[plan_box(plan, i)->mailbox]),
			       "%zu binary %s of redacted messages not "
			       "checked (images, archives, PDF): review them "
			       "or delete the messages", rep->binary_parts[i],
			       plural(rep->binary_parts[i], "attachment was",
				      "attachments were"));
}

/* The messages --limit leaves for a later run, recorded as deferred so
 * that verify does not look for them as gone yet. */
static int
record_deferred_items(struct purge_run *run, const struct mailbox_list *boxes,
		      const struct plan *plan)
{
	struct errbuf err;

	errbuf_clear(&err);
	for (size_t i = 0; i < plan_box_count(plan); i++) {
		const struct plan_box *box = plan_box(plan, i);

		for (size_t k = 0; k < box->count; k++)
			if (box->items[k].state == PLAN_DEFERRED &&
			    record_deferred(run->record,
					    boxes->items[box->mailbox],
					    box->items[k].sel, &err) < 0) {
				report(D_MANIFEST_NOT_WRITTEN, NULL, "purge: %s",
				       err.msg);
				return -1;
			}
	}
	return 0;
}

static void
print_flagged(const struct purge_opts *po, const struct mailbox_list *boxes,
	      const struct plan *plan, const struct pm_edits *pipermail)
{
	size_t n, flagged = 0, kept = 0;
	const struct plan_item *items = plan_flagged(plan, &n);

	for (size_t k = 0; k < n; k++) {
		bool keep = items[k].action == ITEM_KEEP;
		const char *path = mailbox_path(boxes->items[items[k].sel->mailbox]);
		const char *pm = keep ? pipermail_state_of(path, pipermail,
							   po->apply) : NULL;

		flagged += !keep;
		kept += keep && (!pm || strcmp(pm, "pipermail-held") == 0);
		print_selected(stdout, &po->sel, boxes, items[k].sel,
			       item_action_name(items[k].action),
			       pm ? pm : keep ? "not-mail" : "flagged");
	}
	if (po->sel.format != FORMAT_TEXT)
		return;
	if (flagged > 0)
		printf("# %zu more %s matched only rules with action flag: "
		       "listed for review, never changed\n", flagged,
		       plural(flagged, "message", "messages"));
	if (kept > 0)
		printf("# %zu %s not mail %s matches: listed, not changed (see "
		       "the not-mail notes; in a pipermail tree, the pages of "
		       "messages kept)\n", kept, plural(kept, "file that is",
		       "files that are"), plural(kept, "holds", "hold"));
	if (n > flagged + kept)
		printf("# %zu of the pipermail files that held matches %s "
		       "with their messages\n", n - flagged - kept,
		       po->apply ? plural(n - flagged - kept, "was changed",
		       "were changed") : plural(n - flagged - kept,
		       "is to change", "are to change"));
}

/* A failed run: before its first change nothing was changed and no
 * manifest is written; after it, exactly what was made is printed and
 * recorded, in a manifest whose mode says "partial". */
static int
act_failed(const struct purge_opts *po, struct purge_run *run,
	   const struct mailbox_list *boxes, const struct plan *plan,
	   const struct selection *sel, const struct apply_report *rep,
	   const struct errbuf *err)
{
	report(D_PURGE_FAILED, NULL, "purge: %s", err->msg);
	if (!rep->stopped_in_commit) {
		report(D_PURGE_STOPPED, NULL, "purge: stopped before changing "
		       "anything: no file was changed and no manifest written");
		return EXIT_ERROR;
	}
	print_plan(po, boxes, plan, sel, &rep->pipermail);
	report(D_PURGE_PARTIAL, NULL, "purge: stopped after changing %zu %s: "
	       "the changes listed as made were made, those listed as "
	       "not-made were not; fix the error and run the same purge again",
	       rep->boxes_committed, plural(rep->boxes_committed, "mailbox",
					    "mailboxes"));
	if (run->record) {
		record_mark_partial(run->record);
		finish_record(po, run);
	}
	return EXIT_ERROR;
}

/* --apply on a HyperKitty site: its app makes the changes
 * (cli/purge-hyperkitty.h); with --hyperkitty-run=no a plan. */
static int
act_hyperkitty(struct purge_opts *po, struct purge_run *run,
	       struct mailbox_list *boxes, struct plan *plan,
	       const struct selection *sel)
{
	struct hk_purge_settings hs = {
		.site = po->sel.site, .incident = po->incident,
		.run = po->hyperkitty_run == HK_RUN_YES,
		.plan_file = po->hyperkitty_plan,
	};
	struct pm_edits none = { 0 };
	int rc;

	if (hs.run && (begin_record(po, run) < 0 ||
		       record_deferred_items(run, boxes, plan) < 0))
		return EXIT_ERROR;
	hs.record = run->record;
	rc = purge_hyperkitty(&hs, plan, boxes);
	po->apply = hs.run;     /* what is printed: made, or a plan */
	print_plan(po, boxes, plan, sel, &none);
	if (rc >= 0 && hs.run && finish_record(po, run) < 0)
		rc = -1;
	if (rc >= 0)
		print_flagged(po, boxes, plan, &none);
	if (po->sel.format == FORMAT_JSON)
		print_purge_summary(stdout, FORMAT_JSON, po->apply, plan, sel);
	return rc != 0 ? EXIT_ERROR : EXIT_CLEAN;
}

static int
act(struct purge_opts *po, struct purge_run *run, struct lock_set *locks,
    struct mailbox_list *boxes, struct plan *plan,
    const struct selection *sel)
{
	bool manifest = po->apply || po->manifest_dir;
	struct apply_settings as = {
		.apply = po->apply, .backup_dir = po->backup_dir,
		.locks = locks, .tombstone_text = po->tombstone_text,
		.remove_attachments = po->attachments == ATTACHMENTS_REMOVE,
	};
	struct apply_report rep = { 0 };
	struct errbuf err;
	int rc;

	if (po->apply && po->sel.site)
		return act_hyperkitty(po, run, boxes, plan, sel);
	errbuf_clear(&err);
	/* deferred messages are recorded as they are now, before any file
	 * changes under them */
	if (manifest && (begin_record(po, run) < 0 ||
			 record_deferred_items(run, boxes, plan) < 0))
		return EXIT_ERROR;
	as.record = run->record;
	rc = apply_plan(plan, boxes, &as, &rep, &err);
	progress_line_stop();
	print_binary_warnings(boxes, plan, &rep);
	if (rc < 0)
		rc = act_failed(po, run, boxes, plan, sel, &rep, &err);
	else {
		print_plan(po, boxes, plan, sel, &rep.pipermail);
		rc = EXIT_CLEAN;
		if (manifest && finish_record(po, run) < 0)
			rc = EXIT_ERROR;
		if (rc == EXIT_CLEAN)
			print_flagged(po, boxes, plan, &rep.pipermail);
	}
	if (po->sel.format == FORMAT_JSON)
		print_purge_summary(stdout, FORMAT_JSON, po->apply, plan, sel);
	apply_report_release(&rep);
	return rc;
}

/* With --apply, every mbox is locked before it is read, and stays
 * locked to the end (act/hold.h). */
static int
take_hold(const struct purge_opts *po, struct mailbox_list *boxes,
	  struct lock_set **locks)
{
	struct hold_report hr = { 0 };
	struct errbuf err;
	int rc;

	if (!po->apply)
		return 0;
	errbuf_clear(&err);
	*locks = lock_set_new((unsigned int)po->lock_timeout,
			      LOCK_TOUCH_SECONDS);
	rc = hold_mailboxes(boxes, *locks, &hr, &err);
	for (size_t i = 0; i < hr.n_recovered; i++)
		report(D_REWRITE_FINISHED, hr.recovered[i], "the rewrite an "
		       "earlier run left unfinished was completed from its "
		       "journal");
	if (hr.temps_removed > 0)
		report(D_REWRITE_FINISHED, NULL, "removed %zu temp %s that "
		       "killed runs left beside the mailboxes", hr.temps_removed,
		       plural(hr.temps_removed, "file", "files"));
	for (size_t i = 0; i < hr.n_reread; i++)
		report(D_MAILBOX_REREAD, hr.reread[i], "changed while the run "
		       "started (mail delivered?): read again under its lock");
	if (rc == 0)
		rc = pipermail_finish_interrupted(boxes, &err);
	if (rc < 0)
		report(hr.lock_failed ? D_LOCK_UNAVAILABLE : D_PURGE_FAILED,
		       NULL, "purge: %s; nothing was changed%s", err.msg,
		       hr.lock_failed ? " (raise --lock-timeout, or try again "
		       "when the delivery is done)" : "");
	hold_report_release(&hr);
	return rc;
}

static int
purge(struct purge_opts *po, char *const *paths, size_t npaths)
{
	struct purge_run run = { .next.lock_fd = -1 };
	struct mailbox_list boxes = { 0 };
	struct lock_set *locks = NULL;
	struct selection sel = { 0 };  /* released whole or zero */
	int rc = EXIT_ERROR;

	po->sel.headlines = !po->apply;         /* a plan, for review */
	if ((po->apply || po->manifest_dir) &&
	    open_run(po, paths, npaths, &run) < 0)
		goto out;
	mailbox_walk(&boxes, paths, npaths);
	report_walk(&boxes);
	if ((po->apply && po->mailman_home &&
	     pipermail_take_locks(&boxes, po->mailman_home,
				  (unsigned int)po->lock_timeout, &run.mm_locks,
				  &run.n_mm_locks) < 0) ||
	    take_hold(po, &boxes, &locks) < 0)
		goto out;
	/* after the interrupted rewrites are finished: files as they are */
	if ((po->apply || po->manifest_dir) &&
	    purge_resolve_intents(&run.next, &run.scope, run.sign_key,
				  run.operator_name) < 0)
		goto out;
	if (select_walked(&po->sel, &boxes, &sel) < 0)
		goto out;
	if (run.incident_key && purge_take_pending(&run.next, &run.scope,
	    run.incident_key, &po->sel.settings, &boxes, &sel) < 0)
		goto out;
	if (selection_has_fatal(&sel) || mailbox_walk_failed(&boxes))
		report(D_PURGE_STOPPED, NULL, "purge: stopped before writing "
		       "anything: the PATHs or mailboxes above could not be "
		       "read or split safely");
	else {
		struct plan_settings ps = {
			.select = &po->sel.settings, .action = po->action,
			.marker = po->marker, .limit = po->limit,
		};
		struct plan *plan = plan_new(&ps, &sel);

		rc = act(po, &run, locks, &boxes, plan, &sel);
		plan_free(&plan);
	}
out:
	selection_release(&sel);
	lock_set_free(&locks);
	pipermail_release_locks(run.mm_locks, run.n_mm_locks);
	mailbox_list_release(&boxes);
	close_run(&run);
	return rc;
}

int
cmd_purge(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub purge [SELECT] [--action delete|redact] "
		"[--marker TEXT] [--tombstone-text TEXT] "
		"[--attachments list|remove] [--mailman-home DIR] [--apply] "
		"[--hyperkitty-run yes|no] [--hyperkitty-plan FILE] "
		"[--limit N] [--backup-dir DIR] [--incident ID --sign-key FILE "
		"--incident-key FILE [--manifest-dir DIR]] PATH...";
	struct purge_opts po = {
		.action = PLAN_ACTION_AUTO, .lock_timeout = LOCK_DEFAULT_TIMEOUT,
		.marker = "[redacted]",
		.hyperkitty_plan = "listscrub-hyperkitty-plan.json",
	};
	struct opt_spec specs[] = {
		SELECT_OPT_SPECS(&po.sel),
		{ "apply", OPT_FLAG, &po.apply, NULL,
		  "do it (without: print the plan, change nothing)", NULL },
		{ "action", OPT_KEYWORD, &po.action, "delete|redact",
		  "delete whole messages, or redact the matches", action_keywords },
		{ "marker", OPT_STRING, &po.marker, "TEXT",
		  "what a redacted span becomes (default [redacted])", NULL },
		{ "tombstone-text", OPT_STRING, &po.tombstone_text, "TEXT",
		  "what a pipermail page removed says instead (default: This "
		  "message has been removed from the archive.)", NULL },
		{ "mailman-home", OPT_STRING, &po.mailman_home, "DIR",
		  "pipermail: take Mailman's list lock (DIR/locks/LIST.lock) "
		  "while the run reads and writes the list", NULL },
		{ "attachments", OPT_KEYWORD, &po.attachments, "list|remove",
		  "pipermail: binary attachments that still hold what was "
		  "redacted are listed (default), or removed",
		  attachments_keywords },
		{ "limit", OPT_UINT, &po.limit, "N",
		  "apply to the first N selected messages only (staged runs)",
		  NULL },
		{ "hyperkitty-run", OPT_KEYWORD, &po.hyperkitty_run, "yes|no",
		  "with --hyperkitty --apply: run HyperKitty's app (yes, the "
		  "default), or write its plan and print the command (no)",
		  hyperkitty_run_keywords },
		{ "hyperkitty-plan", OPT_STRING, &po.hyperkitty_plan, "FILE",
		  "with --hyperkitty-run=no: where the plan goes (default "
		  "listscrub-hyperkitty-plan.json)", NULL },
		{ "backup-dir", OPT_STRING, &po.backup_dir, "DIR",
		  "keep every original file changed here", NULL },
		{ "lock-timeout", OPT_UINT, &po.lock_timeout, "SECONDS",
		  "how long to wait for an mbox lock (default 10)", NULL },
		{ "incident", OPT_STRING, &po.incident, "ID",
		  "the incident this run belongs to (names its manifests)", NULL },
		{ "sign-key", OPT_STRING, &po.sign_key_path, "FILE",
		  "minisign secret key that signs the manifest", NULL },
		{ "password-file", OPT_STRING, &po.password_file, "FILE",
		  "read the signing key's password from FILE's first line", NULL },
		{ "incident-key", OPT_STRING, &po.incident_key_path, "FILE",
		  "key under which personal data is recorded (HMAC-SHA256)", NULL },
		{ "manifest-dir", OPT_STRING, &po.manifest_dir, "DIR",
		  "where this incident's runs are recorded (default: "
		  "listscrub-manifests/ID beside the archive); with a plan, "
		  "record the plan too", NULL },
		{ "operator", OPT_STRING, &po.operator_name, "NAME",
		  "the role or account recorded as running this (default "
		  "user@host)", NULL },
		{ "show-matches", OPT_FLAG, &po.sel.show_matches, NULL,
		  "print the matched addresses (this prints personal data)",
		  NULL },
		{ 0 },
	};
	int first, rc;

	select_opts_init(&po.sel);
	po.sel.keep_text = true;
	if ((rc = cmd_start("purge", synopsis, argc, argv, specs, &po.sel,
			    &first)) >= 0 ||
	    (rc = need_selector("purge", &po.sel)) >= 0 ||
	    (rc = purge_usage(&po)) >= 0)
		;
	else
		rc = purge(&po, po.sel.paths, po.sel.npaths);
	select_opts_release(&po.sel);
	return rc;
}
