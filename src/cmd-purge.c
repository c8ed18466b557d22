/* cmd-purge.c -- plan (default) or apply the deletion of selected
 * messages.  Everything is decided before anything is written: a mailbox
 * that cannot be split or read stops the run first. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "errbuf.h"
#include "lock.h"
#include "writer.h"
#include "xalloc.h"

static const char *const action_keywords[] = { "delete", "redact", NULL };

enum purge_action { ACTION_AUTO = -1, ACTION_DELETE = 0, ACTION_REDACT = 1 };

struct purge_opts {
	struct select_opts sel;
	bool apply;
	int action;
	unsigned long limit;            /* 0 = no limit */
	const char *backup_dir;
	unsigned long lock_timeout;
};

/* Is item within --limit (the first N selected messages, in input order)? */
static bool
within_limit(const struct purge_opts *po, size_t k)
{
	return po->limit == 0 || k < po->limit;
}

static int
check_action(struct purge_opts *po, const struct selection *sel)
{
	bool address_only = false;

	for (size_t k = 0; k < sel->count; k++)
		if (sel->items[k].reasons == SELECT_ADDRESS)
			address_only = true;
	if (po->action == ACTION_REDACT ||
	    (po->action == ACTION_AUTO && address_only)) {
		print_error("purge: redaction (the default action for address "
			    "selections) is not available in this version; "
			    "give --action delete to delete whole messages");
		return -1;
	}
	return 0;
}

static void
print_plan(const struct purge_opts *po, const struct mailbox_list *boxes,
	   const struct selection *sel, const char *done_state)
{
	size_t k = 0, files = 0, planned = 0;

	for (size_t b = 0; b < boxes->count; b++) {
		const struct mailbox *mb = &boxes->items[b];

		if (!(k < sel->count && sel->items[k].mailbox == b))
			continue;
		files++;
		if (po->sel.format == FORMAT_TEXT)
			print_mailbox_line(stdout, mb);
		for (; k < sel->count && sel->items[k].mailbox == b; k++) {
			bool in = within_limit(po, k);

			planned += in;
			print_selected(stdout, &po->sel, boxes, &sel->items[k],
				       "delete", in ? done_state
				       : "deferred-by-limit");
		}
	}
	if (po->sel.format != FORMAT_TEXT)
		return;
	printf("# %zu messages read; %s %zu messages in %zu mailboxes",
	       sel->messages, po->apply ? "deleted" : "would delete", planned,
	       files);
	if (planned < sel->count)
		printf(" (%zu more left for a later run by --limit)",
		       sel->count - planned);
	if (!po->apply)
		printf("; nothing was changed: add --apply to do it");
	printf("\n");
}

static int
apply_mailbox(const struct purge_opts *po, struct mailbox *mb,
	      const size_t *indices, size_t n)
{
	struct writer_settings ws = { .backup_dir = po->backup_dir };
	struct mbox_lock *lock = NULL;
	struct errbuf err;
	int rc;

	errbuf_clear(&err);
	if (mb->kind == MAILBOX_MBOX &&
	    mbox_lock_acquire(mb->path, (unsigned int)po->lock_timeout, &lock,
			      &err) < 0) {
		print_error("purge: %s", err.msg);
		return -1;
	}
	rc = writer_delete(mb, indices, n, &ws, &err);
	mbox_lock_release(&lock);
	if (rc < 0)
		print_error("purge: %s", err.msg);
	return rc;
}

/* Apply mailbox by mailbox; each is replaced atomically on its own. */
static int
apply_plan(const struct purge_opts *po, struct mailbox_list *boxes,
	   const struct selection *sel)
{
	size_t *indices = xcalloc(sel->count + 1, sizeof *indices);
	size_t k = 0;
	int rc = 0;

	while (k < sel->count && within_limit(po, k) && rc == 0) {
		size_t b = sel->items[k].mailbox, n = 0;

		for (; k < sel->count && sel->items[k].mailbox == b &&
		       within_limit(po, k); k++)
			indices[n++] = sel->items[k].index;
		rc = apply_mailbox(po, &boxes->items[b], indices, n);
	}
	free(indices);
	return rc;
}

static int
purge(struct purge_opts *po, char *const *paths, size_t npaths)
{
	struct mailbox_list boxes = { 0 };
	struct selection sel;
	int rc = EXIT_ERROR;

	if (run_selection(&po->sel, paths, npaths, &boxes, &sel) < 0) {
		mailbox_list_release(&boxes);
		return EXIT_ERROR;
	}
	if (selection_has_fatal(&sel))
		print_error("purge: stopped before writing anything: the "
			    "mailboxes above could not be read or split safely");
	else if (check_action(po, &sel) == 0) {
		if (po->apply && apply_plan(po, &boxes, &sel) < 0)
			print_error("purge: stopped; mailboxes listed before "
				    "the error were completed, the others "
				    "were not changed");
		else {
			print_plan(po, &boxes, &sel,
				   po->apply ? "deleted" : "planned");
			rc = EXIT_CLEAN;
		}
	}
	selection_release(&sel);
	mailbox_list_release(&boxes);
	return rc;
}

int
cmd_purge(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub purge [SELECT] [--action delete] [--apply] "
		"[--limit N] [--backup-dir DIR] PATH...";
	struct purge_opts po = {
		.action = ACTION_AUTO, .lock_timeout = LOCK_DEFAULT_TIMEOUT,
	};
	struct opt_spec specs[] = {
		SELECT_OPT_SPECS(&po.sel),
		{ "apply", OPT_FLAG, &po.apply, NULL,
		  "do it (without: print the plan, change nothing)", NULL },
		{ "action", OPT_KEYWORD, &po.action, "delete|redact",
		  "delete whole messages, or redact the matches", action_keywords },
		{ "limit", OPT_UINT, &po.limit, "N",
		  "apply to the first N selected messages only (staged runs)",
		  NULL },
		{ "backup-dir", OPT_STRING, &po.backup_dir, "DIR",
		  "keep every original file changed here", NULL },
		{ "lock-timeout", OPT_UINT, &po.lock_timeout, "SECONDS",
		  "how long to wait for an mbox lock (default 10)", NULL },
		{ "show-matches", OPT_FLAG, &po.sel.show_matches, NULL,
		  "print the matched addresses (this prints personal data)",
		  NULL },
		{ 0 },
	};
	int first, rc;

	select_opts_init(&po.sel);
	if ((rc = cmd_start("purge", synopsis, argc, argv, specs, &po.sel,
			    &first)) >= 0 ||
	    (rc = need_selector("purge", &po.sel)) >= 0)
		;
	else
		rc = purge(&po, argv + first, (size_t)(argc - first));
	select_opts_release(&po.sel);
	return rc;
}
