/* print-pipermail.c -- the pipermail files of a purge, printed. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>

#include "act/pm-edits.h"
#include "cli/print-pipermail.h"
#include "cli/print.h"

/* planned (a plan), made, or not made (the run stopped first). */
static const char *
edit_state(const struct pm_edit *ed, bool apply)
{
	return !apply ? "planned" : ed->done ? "made" : "not-made";
}

static void
print_one(FILE *out, const struct pm_edit *ed, bool apply,
	  enum out_format format)
{
	const char *kind = pm_edit_kind_name(ed->kind);

	if (format == FORMAT_JSON) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "pipermail", kind,
				      "change", ed->remove ? "remove" : "rewrite",
				      "state", edit_state(ed, apply));
		char *line;

		json_object_set_new(j, "path", json_text(ed->path));
		if (ed->dropped)
			json_object_set_new(j, "dropped",
					    json_integer((json_int_t)ed->dropped));
		line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		fprintf(out, "%s\n", line);
		free(line);
		json_decref(j);
		return;
	}
	fprintf(out, "  pipermail %s %s %s", kind, ed->path,
		edit_state(ed, apply));
	if (ed->dropped && ed->kind != PM_EDIT_NEIGHBOUR)
		fprintf(out, " entries=%zu", ed->dropped);
	fputc('\n', out);
}

void
print_pipermail_edits(FILE *out, const struct pm_edits *e, bool apply,
		      enum out_format format)
{
	size_t count[PM_EDIT_ATTACHMENT + 1] = { 0 }, made = 0;

	if (e->count == 0)
		return;
	if (format == FORMAT_TEXT)
		fprintf(out, "pipermail pages, indexes, database and "
			"attachments:\n");
	for (size_t i = 0; i < e->count; i++) {
		print_one(out, &e->items[i], apply, format);
		if (!apply || e->items[i].done) {
			count[e->items[i].kind]++;
			made++;
		}
	}
	if (format != FORMAT_TEXT)
		return;
	fprintf(out, "# pipermail: %s %zu files: %zu pages replaced by "
		"tombstones, %zu neighbour pages relinked, %zu index pages, "
		"%zu database files, %zu tables of contents rewritten, %zu "
		"attachments removed", apply ? "changed" : "would change", made,
		count[PM_EDIT_TOMBSTONE], count[PM_EDIT_NEIGHBOUR],
		count[PM_EDIT_INDEX], count[PM_EDIT_DATABASE],
		count[PM_EDIT_TOC], count[PM_EDIT_ATTACHMENT]);
	if (apply && made < e->count)
		fprintf(out, "; %zu not made (the run stopped)",
			e->count - made);
	fputc('\n', out);
}
