/* pm-journal.c -- a run's pipermail commits, finished or dropped per
 * volume by the next run when this one was killed between them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/output.h"
#include "act/pm-edits.h"
#include "act/pm-journal.h"
#include "audit/digest.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/pipermail.h"

#define MAGIC "listscrub-pipermail-journal 1\n"

static char *
journal_path(const char *list_dir)
{
	return xasprintf("%s/" PM_JOURNAL_NAME, list_dir);
}

/* path relative to list_dir, or NULL when it is not under it or holds
 * a byte the journal's lines cannot (TAB, LF). */
static const char *
relative(const char *path, const char *list_dir)
{
	size_t n = strlen(list_dir);

	if (strncmp(path, list_dir, n) != 0 || path[n] != '/' ||
	    strpbrk(path + n + 1, "\t\n"))
		return NULL;
	return path + n + 1;
}

/* The journal of one list folder: "V\tVOL\tHEX\tTEXT" for each volume
 * text, "R\tVOL\tTEMP\tFILE" and "D\tVOL\tFILE" for each edit ("-": the
 * list's own file). */
static int
journal_text(const struct pm_edits *edits, const struct pm_text_after *texts,
	     size_t ntexts, const char *list_dir, struct buf *out,
	     struct errbuf *err)
{
	buf_str(out, MAGIC);
	for (size_t i = 0; i < ntexts; i++) {
		char *dir = path_dir(texts[i].path), hex[2 * DIGEST_LEN + 1];
		const char *rel = relative(texts[i].path, list_dir);
		const char *base = strrchr(texts[i].path, '/');
		size_t vlen;
		bool here = strcmp(dir, list_dir) == 0;

		free(dir);
		if (!here)
			continue;
		if (!rel)
			return errbuf_set(err, "%s: a name a journal cannot hold",
					  texts[i].path);
		base = base ? base + 1 : texts[i].path;
		vlen = strlen(base) - (strstr(base, ".txt.gz") ? 7 : 4);
		hex_format(hex, texts[i].sha256, DIGEST_LEN);
		buf_addf(out, "V\t%.*s\t%s\t%s\n", (int)vlen, base, hex, rel);
	}
	for (size_t i = 0; i < edits->count; i++) {
		const struct pm_edit *ed = &edits->items[i];
		const char *rel = relative(ed->path, list_dir);
		const char *tmp = ed->temp ? relative(ed->temp, list_dir) : "";

		if (!pm_edit_changes(ed) || strcmp(ed->list_dir, list_dir) != 0)
			continue;
		if (!rel || !tmp)
			return errbuf_set(err, "%s: a name a journal cannot hold",
					  ed->path);
		if (ed->remove)
			buf_addf(out, "D\t%s\t%s\n", ed->volume ? ed->volume
				 : "-", rel);
		else
			buf_addf(out, "R\t%s\t%s\t%s\n", ed->volume ? ed->volume
				 : "-", tmp, rel);
	}
	return 0;
}

static bool
seen_list(const struct pm_edits *edits, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(edits->items[j].list_dir,
			   edits->items[i].list_dir) == 0)
			return true;
	return false;
}

int
pm_journal_write(const struct pm_edits *edits,
		 const struct pm_text_after *texts, size_t ntexts,
		 struct errbuf *err)
{
	for (size_t i = 0; i < edits->count; i++) {
		struct buf text = { 0 };
		char *path;
		int rc;

		if (seen_list(edits, i))
			continue;
		rc = journal_text(edits, texts, ntexts, edits->items[i].list_dir,
				  &text, err);
		path = journal_path(edits->items[i].list_dir);
		if (rc == 0)
			rc = file_replace(path, 0600, text.p, text.len, err);
		free(path);
		buf_release(&text);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
pm_journal_clear(const struct pm_edits *edits, struct errbuf *err)
{
	for (size_t i = 0; i < edits->count; i++) {
		char *path;
		int rc = 0;

		if (seen_list(edits, i))
			continue;
		path = journal_path(edits->items[i].list_dir);
		if (unlink(path) < 0 && errno != ENOENT)
			rc = errbuf_errno(err, errno, "cannot remove '%s'", path);
		else
			rc = fsync_dir_of(path, err);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

bool
pm_journal_pending(const char *list_dir)
{
	char *path = journal_path(list_dir);
	struct stat st;
	bool yes = lstat(path, &st) == 0;

	free(path);
	return yes;
}

/* One line of a journal, split at its TABs (in place). */
struct line {
	char kind;
	char *volume, *a, *b;
};

static bool
parse_line(char *s, struct line *l)
{
	char *f[4] = { 0 };
	size_t n = 0;

	for (char *p = s; n < 4; p++) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p = '\0';
	}
	memset(l, 0, sizeof *l);
	if (n < 3 || strlen(f[0]) != 1 || strchr(f[1], '/') ||
	    strstr(f[2], "..") || (f[3] && strstr(f[3], "..")) ||
	    f[2][0] == '/' || (f[3] && f[3][0] == '/'))
		return false;
	l->kind = f[0][0];
	l->volume = f[1];
	l->a = f[2];
	l->b = n == 4 ? f[3] : NULL;
	return (l->kind == 'V' && l->b) || (l->kind == 'R' && l->b) ||
		(l->kind == 'D' && !l->b);
}

/* Do all texts of volume (in lines) have their new digests? */
static int
volume_done(const char *list_dir, struct line *lines, size_t n,
	    const char *volume, bool *done_r, struct errbuf *err)
{
	*done_r = true;
	for (size_t i = 0; i < n && *done_r; i++) {
		unsigned char want[DIGEST_LEN], have[DIGEST_LEN];
		char *path, *spec;
		uint64_t size;
		int rc;

		if (lines[i].kind != 'V' ||
		    (volume && strcmp(lines[i].volume, volume) != 0))
			continue;
		spec = xasprintf("sha256:%s", lines[i].a);
		if (!digest_parse(spec, "sha256", want)) {
			free(spec);
			return errbuf_set(err, "%s/" PM_JOURNAL_NAME ": not a "
					  "digest: %s", list_dir, lines[i].a);
		}
		free(spec);
		path = xasprintf("%s/%s", list_dir, lines[i].b);
		rc = sha256_of_file(path, have, &size, err);
		free(path);
		if (rc < 0)
			return -1;
		*done_r = memcmp(want, have, DIGEST_LEN) == 0;
	}
	return 0;
}

/* Rename, remove or drop the new copy of one edit line. */
static int
settle(const char *list_dir, const struct line *l, bool finish,
       struct errbuf *err)
{
	char *a = xasprintf("%s/%s", list_dir, l->a);
	char *b = l->b ? xasprintf("%s/%s", list_dir, l->b) : NULL;
	struct stat st;
	int rc = 0;

	if (l->kind == 'R' && finish && lstat(a, &st) == 0) {
		if (rename(a, b) < 0)
			rc = errbuf_errno(err, errno, "cannot rename '%s' over "
					  "'%s'", a, b);
		else
			rc = fsync_dir_of(b, err);
	} else if (l->kind == 'R' && !finish)
		(void)unlink(a);
	else if (l->kind == 'D' && finish && unlink(a) == 0)
		pm_remove_empty_parents(a);
	free(a);
	free(b);
	return rc;
}

int
pm_journal_recover(const char *list_dir, size_t *finished_r,
		   size_t *dropped_r, struct errbuf *err)
{
	char *path = journal_path(list_dir), *text, *save = NULL;
	size_t len, n = 0;
	struct line *lines = NULL;
	bool any_done = false;
	int rc;

	*finished_r = *dropped_r = 0;
	if (!pm_journal_pending(list_dir)) {
		free(path);
		return 0;
	}
	if (read_regular_file(path, &text, &len, err) < 0) {
		free(path);
		return -1;
	}
	rc = strncmp(text, MAGIC, strlen(MAGIC)) == 0 ? 0
		: errbuf_set(err, "%s: not a journal of this listscrub", path);
	for (char *s = strtok_r(text + strlen(MAGIC), "\n", &save);
	     rc == 0 && s; s = strtok_r(NULL, "\n", &save)) {
		lines = xreallocarray(lines, n + 1, sizeof *lines);
		if (!parse_line(s, &lines[n++]))
			rc = errbuf_set(err, "%s: line %zu is not a journal line",
					path, n + 1);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool done;

		if (lines[i].kind == 'V' &&
		    (rc = volume_done(list_dir, lines, n, lines[i].volume,
				      &done, err)) == 0)
			any_done |= done;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool done;

		if (lines[i].kind == 'V') {
			bool first = true;

			for (size_t j = 0; j < i; j++)
				first &= lines[j].kind != 'V' ||
					strcmp(lines[j].volume, lines[i].volume);
			if (first && (rc = volume_done(list_dir, lines, n,
						       lines[i].volume, &done,
						       err)) == 0) {
				*finished_r += done;
				*dropped_r += !done;
			}
			continue;
		}
		/* the list's contents show the sizes of the volumes finished
		 * (those dropped get theirs when purged again) */
		if (strcmp(lines[i].volume, "-") == 0)
			done = any_done;
		else
			rc = volume_done(list_dir, lines, n, lines[i].volume,
					 &done, err);
		if (rc == 0)
			rc = settle(list_dir, &lines[i], done, err);
	}
	if (rc == 0 && unlink(path) < 0)
		rc = errbuf_errno(err, errno, "cannot remove '%s'", path);
	if (rc == 0)
		rc = fsync_dir_of(path, err);
	free(lines);
	free(text);
	free(path);
	return rc;
}

/* The folders of a list where a run writes new copies. */
static int
sweep_list(const char *list_dir, size_t *removed_r, struct errbuf *err)
{
	char **names;
	size_t n;
	int rc = temp_sweep_folder(list_dir, removed_r, err);

	if (rc < 0 || dir_names(list_dir, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *dir = xasprintf("%s/%s", list_dir, names[i]);
		char *vol = pm_volume_of_name(names[i]);
		struct stat st;

		/* a journal never put in place: its run committed nothing
		 * (the volume texts it would have changed are locked now) */
		if (strncmp(names[i], PM_JOURNAL_NAME ".tmp-",
			    strlen(PM_JOURNAL_NAME) + 5) == 0 &&
		    unlink(dir) == 0)
			(*removed_r)++;

		if (strcmp(names[i], "database") == 0 ||
		    (!vol && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		     strcmp(names[i], "attachments") != 0))
			rc = temp_sweep_folder(dir, removed_r, err);
		free(vol);
		free(dir);
	}
	dir_names_free(names, n);
	return rc;
}

int
pm_journal_recover_all(const struct mailbox_list *boxes, size_t *finished_r,
		       size_t *dropped_r, size_t *temps_removed_r,
		       struct errbuf *err)
{
	char **done = NULL;
	size_t ndone = 0;
	int rc = 0;

	for (size_t i = 0; i < boxes->count && rc == 0; i++) {
		char *list_dir = NULL;
		bool seen = false;
		size_t f, d;

		if (!mailbox_is_pipermail_text(boxes->items[i]) ||
		    !pm_volume_text(mailbox_path(boxes->items[i]), &list_dir,
				    NULL))
			continue;
		for (size_t k = 0; k < ndone && !seen; k++)
			seen = strcmp(done[k], list_dir) == 0;
		if (seen) {
			free(list_dir);
			continue;
		}
		rc = pm_journal_recover(list_dir, &f, &d, err);
		if (rc == 0)
			rc = sweep_list(list_dir, temps_removed_r, err);
		*finished_r += f;
		*dropped_r += d;
		done = xreallocarray(done, ndone + 1, sizeof *done);
		done[ndone++] = list_dir;
	}
	for (size_t k = 0; k < ndone; k++)
		free(done[k]);
	free(done);
	return rc;
}
