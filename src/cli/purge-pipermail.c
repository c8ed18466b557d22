/* purge-pipermail.c -- the pipermail side of purge: Mailman's locks, a
 * killed run's files finished, the files a run changes printed. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "act/pm-edits.h"
#include "act/mm-lock.h"
#include "act/pm-journal.h"
#include "cli/purge-pipermail.h"
#include "cli/print.h"
#include "cli/report.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/pipermail.h"

/* planned (a plan), made, or not made (the run stopped first). */
static const char *
edit_state(const struct pm_edit *ed, bool apply)
{
	if (!pm_edit_changes(ed))
		return "held";
	return !apply ? "planned" : ed->done ? "made" : "not-made";
}

static void
print_one(FILE *out, const struct pm_edit *ed, bool apply,
	  enum out_format format)
{
	const char *kind = pm_edit_kind_name(ed->kind);
	char *shown = print_shown(xstrdup(ed->path));

	if (format == FORMAT_JSON) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "pipermail", kind,
				      "change", ed->remove ? "remove"
				      : ed->data ? "rewrite" : "none",
				      "state", edit_state(ed, apply));

		json_object_set_new(j, "path", json_text(shown));
		if (ed->dropped)
			json_object_set_new(j, "dropped",
					    json_integer((json_int_t)ed->dropped));
		json_line(out, j);
		free(shown);
		return;
	}
	fprintf(out, "  pipermail %s %s %s", kind, shown, edit_state(ed, apply));
	if (ed->dropped && ed->kind != PM_EDIT_NEIGHBOUR)
		fprintf(out, " entries=%zu", ed->dropped);
	fputc('\n', out);
	free(shown);
}

void
print_pipermail_edits(FILE *out, const struct pm_edits *e, bool apply,
		      enum out_format format)
{
	size_t count[PM_EDIT_HELD + 1] = { 0 }, made = 0, changes = 0;

	if (e->count == 0)
		return;
	if (format == FORMAT_TEXT)
		fprintf(out, "pipermail pages, indexes, database and "
			"attachments:\n");
	for (size_t i = 0; i < e->count; i++) {
		const struct pm_edit *ed = &e->items[i];

		print_one(out, ed, apply, format);
		changes += pm_edit_changes(ed);
		if (!pm_edit_changes(ed) || !apply || ed->done) {
			count[ed->kind]++;
			made += pm_edit_changes(ed);
		}
	}
	if (format != FORMAT_TEXT)
		return;
	fprintf(out, "# pipermail: %s %zu files: %zu pages replaced by "
		"tombstones, %zu pages redacted, %zu neighbour pages, %zu index "
		"pages, %zu database files, %zu tables of contents, %zu "
		"attachments removed", apply ? "changed" : "would change", made,
		count[PM_EDIT_TOMBSTONE], count[PM_EDIT_REDACTED],
		count[PM_EDIT_NEIGHBOUR], count[PM_EDIT_INDEX],
		count[PM_EDIT_DATABASE], count[PM_EDIT_TOC],
		count[PM_EDIT_ATTACHMENT]);
	if (apply && made < changes)
		fprintf(out, "; %zu not made (the run stopped)",
			changes - made);
	fputc('\n', out);
	if (count[PM_EDIT_HELD])
		fprintf(out, "# pipermail: %zu binary attachments still hold "
			"what was redacted and are left as they are (held): "
			"remove them with --attachments remove\n",
			count[PM_EDIT_HELD]);
}

const char *
pipermail_state_of(const char *path, const struct pm_edits *e, bool apply)
{
	for (size_t i = 0; i < e->count; i++) {
		const struct pm_edit *ed = &e->items[i];

		if (strcmp(ed->path, path) != 0)
			continue;
		if (!pm_edit_changes(ed))
			return "pipermail-held";
		if (apply && !ed->done)
			return "pipermail-not-made";
		return ed->remove ? (apply ? "pipermail-removed"
				     : "pipermail-remove")
			: (apply ? "pipermail-rewritten" : "pipermail-rewrite");
	}
	return NULL;
}

/* What a killed run left in pipermail trees is finished (the volumes
 * whose texts it changed) or dropped (act/pm-journal.h). */
int
pipermail_finish_interrupted(const struct mailbox_list *boxes, struct errbuf *err)
{
	size_t finished = 0, dropped = 0, temps = 0;

	if (pm_journal_recover_all(boxes, &finished, &dropped, &temps, err) < 0)
		return -1;
	if (finished || dropped)
		report(D_REWRITE_FINISHED, NULL, "an earlier run stopped between "
		       "its pipermail commits: the pages of %zu volumes whose "
		       "texts it changed were finished, the new copies of %zu "
		       "whose texts it did not were dropped", finished,
		       dropped);
	if (temps)
		report(D_REWRITE_FINISHED, NULL, "removed %zu new copies that "
		       "killed runs left in pipermail trees", temps);
	return 0;
}

/* How long Mailman's list lock says the run will take: far more than a
 * purge needs; a killed run's lock is broken by Mailman after it. */
#define MM_LOCK_LIFETIME 1800

int
pipermail_take_locks(const struct mailbox_list *boxes, const char *mailman_home,
		     unsigned int timeout, struct mm_lock ***locks_r,
		     size_t *n_r)
{
	struct errbuf err;
	char *lock_dir = xasprintf("%s/locks", mailman_home);
	char **lists = NULL;
	size_t nlists = 0;
	int rc = 0;

	*locks_r = NULL;
	*n_r = 0;
	for (size_t i = 0; i < boxes->count && rc == 0; i++) {
		char *list_dir = NULL, *name;
		bool seen = false;

		if (!mailbox_is_pipermail_text(boxes->items[i]) ||
		    !pm_volume_text(mailbox_path(boxes->items[i]), &list_dir,
				    NULL))
			continue;
		name = strrchr(list_dir, '/') ? strrchr(list_dir, '/') + 1
			: list_dir;
		for (size_t k = 0; k < nlists && !seen; k++)
			seen = strcmp(lists[k], name) == 0;
		if (!seen) {
			*locks_r = xreallocarray(*locks_r, *n_r + 1,
						 sizeof **locks_r);
			rc = mm_lock_take(lock_dir, name, timeout,
					  MM_LOCK_LIFETIME, &(*locks_r)[*n_r],
					  &err);
			*n_r += rc == 0;
			lists = xreallocarray(lists, nlists + 1, sizeof *lists);
			lists[nlists++] = xstrdup(name);
		}
		free(list_dir);
	}
	for (size_t k = 0; k < nlists; k++)
		free(lists[k]);
	free(lists);
	free(lock_dir);
	if (rc < 0) {
		report(D_LOCK_UNAVAILABLE, NULL, "purge: %s", err.msg);
		pipermail_release_locks(*locks_r, *n_r);
		*locks_r = NULL;
		*n_r = 0;
	}
	return rc;
}

void
pipermail_release_locks(struct mm_lock **locks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mm_lock_release(&locks[i]);
	free(locks);
}
