/* cmd-purge.c -- plan (default) or apply the deletion of selected
 * messages.  Everything is decided before anything is written: a mailbox
 * that cannot be split or read stops the run first. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pwd.h>
#include <unistd.h>

#include "act/lock.h"
#include "act/redact.h"
#include "act/writer.h"
#include "audit/incident.h"
#include "audit/minisign.h"
#include "audit/record.h"
#include "audit/tree.h"
#include "cli/cmd.h"
#include "detect/rules.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/msg.h"

static const char *const action_keywords[] = { "delete", "redact", NULL };

enum purge_action { ACTION_AUTO = -1, ACTION_DELETE = 0, ACTION_REDACT = 1 };

struct purge_opts {
	struct select_opts sel;
	bool apply;
	int action;
	const char *marker;
	unsigned long limit;            /* 0 = no limit */
	const char *backup_dir;
	unsigned long lock_timeout;
	/* the manifest */
	const char *manifest_dir, *sign_key_path, *password_file;
	const char *incident, *incident_key_path, *operator_name;
};

/* What a run that writes a manifest holds open from start to end. */
struct purge_run {
	struct ms_secret *sign_key;
	struct incident_key *incident_key;
	struct scope scope;
	char *operator_name;
	struct next_run next;
	struct record *record;          /* NULL: no manifest */
};

/* Is item within --limit (the first N selected messages, in input order)? */
static bool
within_limit(const struct purge_opts *po, size_t k)
{
	return po->limit == 0 || k < po->limit;
}

/* --action, or the default (SPEC §2, default_action).  Flag-only
 * messages were set aside before this is asked. */
static bool
redacts(const struct purge_opts *po, const struct selected *item)
{
	if (po->action != ACTION_AUTO)
		return po->action == ACTION_REDACT;
	return default_action(&po->sel, item) != ITEM_DELETE;
}

static void
print_plan(const struct purge_opts *po, const struct mailbox_list *boxes,
	   const struct selection *sel)
{
	size_t k = 0, files = 0, deletes = 0, redactions = 0;

	for (size_t b = 0; b < boxes->count; b++) {
		const struct mailbox *mb = &boxes->items[b];

		if (!(k < sel->count && sel->items[k].mailbox == b))
			continue;
		files++;
		if (po->sel.format == FORMAT_TEXT)
			print_mailbox_line(stdout, mb);
		for (; k < sel->count && sel->items[k].mailbox == b; k++) {
			bool in = within_limit(po, k);
			bool redact = redacts(po, &sel->items[k]);

			deletes += in && !redact;
			redactions += in && redact;
			print_selected(stdout, &po->sel, boxes, &sel->items[k],
				       redact ? "redact" : "delete",
				       !in ? "deferred-by-limit"
				       : !po->apply ? "planned"
				       : redact ? "redacted" : "deleted");
		}
	}
	if (po->sel.format != FORMAT_TEXT)
		return;
	printf("# %zu messages read; %s %zu messages", sel->messages,
	       po->apply ? "deleted" : "would delete", deletes);
	if (redactions)
		printf(" and %s %zu", po->apply ? "redacted" : "redact",
		       redactions);
	printf(" in %zu mailboxes", files);
	if (deletes + redactions < sel->count)
		printf(" (%zu more left for a later run by --limit)",
		       sel->count - deletes - redactions);
	if (!po->apply)
		printf("; nothing was changed: add --apply to do it");
	printf("\n");
}

/* ---- what redaction takes out ------------------------------------------------ */

struct finder {
	const struct select_settings *s;
	struct rule_scanner *rules;
	redact_add_fn add;
	void *add_ctx;
};

static void
found_span(void *ctx, enum match_kind kind, uint32_t which, size_t start,
	   size_t end, bool context)
{
	struct finder *f = ctx;

	(void)context;
	/* "flag" rules are shown for review, never redacted */
	if (kind != MATCH_RULE ||
	    ruleset_rule(f->s->rules, which)->action == RULE_REDACT)
		f->add(f->add_ctx, start, end);
}

/* The same search that selected the message, on one part. */
static void
find_for_redaction(void *ctx, const char *text, size_t len, unsigned int flags,
		   redact_add_fn add, void *add_ctx)
{
	struct finder *f = ctx;

	f->add = add;
	f->add_ctx = add_ctx;
	select_search_text(f->s, f->rules, text, len, flags, found_span, f);
}

/* The new bytes of a message to redact: its From_ line, then the
 * redacted message.  data stays NULL when there is nothing to take out. */
static int
redact_item(const struct purge_opts *po, struct finder *f,
	    const struct mailbox *mb, const struct selected *item,
	    struct message_change *ch, size_t *binary_r, struct errbuf *err)
{
	struct redact_result res;
	const char *raw;
	size_t len, from_len;
	uint64_t off;
	bool owned;
	int rc;

	if (mailbox_message(mb, item->index, &raw, &len, &off, &owned, err) < 0)
		return -1;
	from_len = msg_from_line_len(raw, len);
	rc = redact_message(find_for_redaction, f, po->marker, raw + from_len,
			    len - from_len, &res, err);
	if (rc == 0 && res.spans > 0) {
		char *data = xmalloc(from_len + res.len + 1);

		memcpy(data, raw, from_len);
		memcpy(data + from_len, res.data, res.len);
		ch->data = data;
		ch->len = from_len + res.len;
		ch->spans = res.spans;
		*binary_r += res.binary_parts;
	}
	free(res.data);
	if (owned)
		free((char *)raw);
	return rc;
}

/* Decide every change of one mailbox before anything is written: which
 * messages go, and the new bytes of the redacted ones.  A selected
 * message with nothing to redact is left out. */
static int
plan_changes(const struct purge_opts *po, const struct mailbox *mb,
	     const struct selected *items, size_t n, struct selected *picked,
	     struct message_change *changes, size_t *np, struct errbuf *err)
{
	struct finder f = { .s = &po->sel.settings };
	size_t binary = 0;
	int rc = 0;

	f.rules = po->sel.settings.rules ? rule_scanner_new(po->sel.settings.rules)
		: NULL;
	*np = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct message_change ch = { 0 };

		if (redacts(po, &items[k])) {
			rc = redact_item(po, &f, mb, &items[k], &ch, &binary, err);
			if (rc < 0) {
				char msg[ERRBUF_SIZE], *path =
					mailbox_file_of(mb, items[k].index);

				memcpy(msg, err->msg, sizeof msg);
				errbuf_set(err, "%s:#%zu (offset %llu): cannot "
					   "redact: %s", path, items[k].index,
					   (unsigned long long)items[k].offset, msg);
				free(path);
				break;
			}
			if (ch.data == NULL)
				continue;       /* nothing it could take out */
		}
		picked[*np] = items[k];
		changes[(*np)++] = ch;
	}
	if (binary > 0)
		print_error("purge: warning: %s: %zu binary attachments of "
			    "redacted messages were not checked (images, "
			    "archives, PDF): review them or delete the messages",
			    mb->path, binary);
	rule_scanner_free(&f.rules);
	return rc;
}

static void
free_changes(struct message_change *changes, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free((char *)changes[k].data);
	free(changes);
}

static int
apply_mailbox(const struct purge_opts *po, struct purge_run *run,
	      struct mailbox *mb, const struct selected *items, size_t n)
{
	struct writer_settings ws = { .backup_dir = po->backup_dir };
	size_t *indices = xcalloc(n + 1, sizeof *indices), np = 0;
	struct selected *picked = xcalloc(n + 1, sizeof *picked);
	struct message_change *changes = xcalloc(n + 1, sizeof *changes);
	struct mbox_lock *lock = NULL;
	struct errbuf err;
	int rc;

	errbuf_clear(&err);
	rc = po->apply && mb->kind == MAILBOX_MBOX
		? mbox_lock_acquire(mb->path, (unsigned int)po->lock_timeout,
				    &lock, &err) : 0;
	if (rc == 0)
		rc = plan_changes(po, mb, items, n, picked, changes, &np, &err);
	for (size_t k = 0; k < np; k++)
		indices[k] = picked[k].index;
	if (rc == 0 && run->record && np > 0)
		rc = record_mailbox(run->record, mb, picked, changes, np, &err);
	if (rc == 0 && po->apply && np > 0) {
		rc = writer_apply(mb, indices, changes, np, &ws, &err);
		if (rc < 0 && run->record)
			record_forget(run->record, mb);
	}
	if (rc == 0 && po->apply && run->record && np > 0)
		rc = record_mailbox_done(run->record, mb, &err);
	mbox_lock_release(&lock);
	free(indices);
	free(picked);
	free_changes(changes, np);
	if (rc < 0)
		print_error("purge: %s", err.msg);
	return rc;
}

/* Mailbox by mailbox; each is replaced atomically on its own and recorded
 * as it is.  A plan with a manifest only records. */
static int
apply_plan(const struct purge_opts *po, struct purge_run *run,
	   struct mailbox_list *boxes, const struct selection *sel)
{
	size_t k = 0;
	int rc = 0;

	while (k < sel->count && within_limit(po, k) && rc == 0) {
		size_t b = sel->items[k].mailbox, first = k;

		while (k < sel->count && sel->items[k].mailbox == b &&
		       within_limit(po, k))
			k++;
		rc = apply_mailbox(po, run, &boxes->items[b], &sel->items[first],
				   k - first);
	}
	return rc;
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

/* The marker goes into header fields, quoted display names, HTML and
 * parts of any ASCII-compatible charset: printable ASCII only, without
 * the bytes that would end a quoted string or start markup. */
static int
marker_usage(const char *marker)
{
	size_t n = strlen(marker);

	if (n == 0 || n > 64)
		return usage_error("purge", "--marker takes 1 to 64 characters");
	for (size_t i = 0; i < n; i++)
		if (marker[i] < 0x20 || marker[i] > 0x7e ||
		    strchr("\"\\<>&", marker[i]))
			return usage_error("purge", "--marker takes printable "
					   "ASCII without \" \\ < > &");
	return -1;
}

static int
manifest_usage(const struct purge_opts *po)
{
	if (po->sign_key_path == NULL || po->incident_key_path == NULL ||
	    po->incident == NULL)
		return usage_error("purge", "a run with --apply or "
				   "--manifest-dir writes a signed manifest: "
				   "give --incident ID, --sign-key FILE and "
				   "--incident-key FILE (make the keys with "
				   "'listscrub keygen')");
	if (!incident_id_is_valid(po->incident))
		return usage_error("purge", "--incident takes 1 to 64 letters, "
				   "digits, '.', '_' or '-'");
	return -1;
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
	    incident_key_load(po->incident_key_path, &run->incident_key,
			      &err) < 0 ||
	    scope_from_paths(&run->scope, paths, npaths, &err) < 0) {
		print_error("purge: %s", err.msg);
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
		print_error("purge: %s", err.msg);
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
	};
	struct errbuf err;

	errbuf_clear(&err);
	if (record_begin(&run->record, &rs, &run->scope, run->next.manifest_dir,
			 &err) < 0) {
		print_error("purge: cannot list the archive for the manifest: %s",
			    err.msg);
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
		print_error("purge: the manifest was not written: %s; %s",
			    err.msg, po->apply ? "the archive was changed as "
			    "listed above: run the same purge with --manifest-dir "
			    "to record the state it is in now" : "nothing was "
			    "changed");
		return -1;
	}
	fprintf(po->sel.format == FORMAT_TEXT ? stdout : stderr,
		"# manifest: %s (incident %s, run %lu); check it with "
		"'listscrub verify --manifest %s --pubkey KEY.pub PATH...'\n",
		run->next.dir, po->incident, run->next.seq, run->next.dir);
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

static int
act(struct purge_opts *po, struct purge_run *run, struct mailbox_list *boxes,
    const struct selection *sel)
{
	bool manifest = po->apply || po->manifest_dir;

	if (manifest && begin_record(po, run) < 0)
		return EXIT_ERROR;
	if (manifest && apply_plan(po, run, boxes, sel) < 0) {
		print_error("purge: stopped; mailboxes listed before the error "
			    "were completed, the others were not changed");
		if (po->apply && manifest)
			finish_record(po, run);
		return EXIT_ERROR;
	}
	print_plan(po, boxes, sel);
	if (manifest && finish_record(po, run) < 0)
		return EXIT_ERROR;
	return EXIT_CLEAN;
}

/* Messages whose every match is of a "flag" rule are for review only:
 * whatever --action says, purge never changes them.  Move them behind the
 * others, both in input order; returns how many. */
static size_t
set_aside_flagged(const struct select_opts *o, struct selection *sel)
{
	struct selected *flagged;
	size_t kept = 0, n = 0;

	if (sel->count == 0)
		return 0;       /* items may be NULL: no memcpy on it */
	flagged = xcalloc(sel->count, sizeof *flagged);
	for (size_t k = 0; k < sel->count; k++) {
		if (default_action(o, &sel->items[k]) == ITEM_FLAG)
			flagged[n++] = sel->items[k];
		else
			sel->items[kept++] = sel->items[k];
	}
	memcpy(sel->items + kept, flagged, n * sizeof *flagged);
	free(flagged);
	return n;
}

static void
print_flagged(const struct purge_opts *po, const struct mailbox_list *boxes,
	      const struct selected *items, size_t n)
{
	for (size_t k = 0; k < n; k++)
		print_selected(stdout, &po->sel, boxes, &items[k], "flag",
			       "flagged");
	if (n > 0 && po->sel.format == FORMAT_TEXT)
		printf("# %zu more messages matched only rules with action "
		       "flag: listed for review, never changed\n", n);
}

static int
purge(struct purge_opts *po, char *const *paths, size_t npaths)
{
	struct purge_run run = { .next.lock_fd = -1 };
	struct mailbox_list boxes = { 0 };
	struct selection sel;
	int rc = EXIT_ERROR;

	if ((po->apply || po->manifest_dir) &&
	    open_run(po, paths, npaths, &run) < 0) {
		close_run(&run);
		return EXIT_ERROR;
	}
	if (run_selection(&po->sel, paths, npaths, &boxes, &sel) < 0) {
		mailbox_list_release(&boxes);
		close_run(&run);
		return EXIT_ERROR;
	}
	if (selection_has_fatal(&sel))
		print_error("purge: stopped before writing anything: the "
			    "mailboxes above could not be read or split safely");
	else {
		size_t flagged = set_aside_flagged(&po->sel, &sel);

		sel.count -= flagged;
		rc = act(po, &run, &boxes, &sel);
		if (rc == EXIT_CLEAN)
			print_flagged(po, &boxes, sel.items + sel.count, flagged);
		sel.count += flagged;
	}
	selection_release(&sel);
	mailbox_list_release(&boxes);
	close_run(&run);
	return rc;
}

int
cmd_purge(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub purge [SELECT] [--action delete|redact] "
		"[--marker TEXT] [--apply] "
		"[--limit N] [--backup-dir DIR] [--incident ID --sign-key FILE "
		"--incident-key FILE [--manifest-dir DIR]] PATH...";
	struct purge_opts po = {
		.action = ACTION_AUTO, .lock_timeout = LOCK_DEFAULT_TIMEOUT,
		.marker = "[redacted]",
	};
	struct opt_spec specs[] = {
		SELECT_OPT_SPECS(&po.sel),
		{ "apply", OPT_FLAG, &po.apply, NULL,
		  "do it (without: print the plan, change nothing)", NULL },
		{ "action", OPT_KEYWORD, &po.action, "delete|redact",
		  "delete whole messages, or redact the matches", action_keywords },
		{ "marker", OPT_STRING, &po.marker, "TEXT",
		  "what a redacted span becomes (default [redacted])", NULL },
		{ "limit", OPT_UINT, &po.limit, "N",
		  "apply to the first N selected messages only (staged runs)",
		  NULL },
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
	if ((rc = cmd_start("purge", synopsis, argc, argv, specs, &po.sel,
			    &first)) >= 0 ||
	    (rc = need_selector("purge", &po.sel)) >= 0 ||
	    (rc = marker_usage(po.marker)) >= 0)
		;
	else if ((po.apply || po.manifest_dir) &&
		 (rc = manifest_usage(&po)) >= 0)
		;
	else
		rc = purge(&po, argv + first, (size_t)(argc - first));
	select_opts_release(&po.sel);
	return rc;
}
