/* pipermail.c -- what the changes of a pipermail tree's volume texts
 * mean for its pages, indexes, database and attachments. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "act/pipermail-private.h"
#include "act/pm-attachments.h"
#include "act/pm-database.h"
#include "act/pm-dates.h"
#include "act/pm-edits.h"
#include "act/pm-pages.h"
#include "act/pm-redact.h"
#include "act/pm-volume.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/pipermail.h"

const char pm_default_notice[] =
	"This message has been removed from the archive.";

struct pm_purge *
pm_purge_new(const struct pm_settings *s)
{
	struct pm_purge *pp = xcalloc(1, sizeof *pp);

	pp->s = *s;
	if (!pp->s.notice)
		pp->s.notice = pm_default_notice;
	return pp;
}

void
pm_purge_free(struct pm_purge **ppp)
{
	struct pm_purge *pp = *ppp;

	if (!pp)
		return;
	for (size_t i = 0; i < pp->npages; i++) {
		free(pp->pages[i].list_dir);
		free(pp->pages[i].volume);
		free(pp->pages[i].page);
		free(pp->pages[i].text);
		for (size_t t = 0; t < pp->pages[i].ntokens; t++)
			free(pp->pages[i].tokens[t]);
		free(pp->pages[i].tokens);
	}
	for (size_t i = 0; i < pp->ntexts; i++)
		free(pp->texts[i].path);
	free(pp->pages);
	free(pp->texts);
	free(pp->kept_hex8);
	free(pp);
	*ppp = NULL;
}

bool
pm_purge_any(const struct pm_purge *pp)
{
	return pp->npages > 0;
}

/* Both texts of a volume must end up holding the same messages, or the
 * purge stops: a message left in VOL.txt.gz is still downloadable.  (One
 * may have lost them already: a run killed between its commits.) */
static int
check_texts(const struct pm_purge *pp, const char *list_dir,
	    const char *volume, struct errbuf *err)
{
	static const char *const suffixes[] = { ".txt", ".txt.gz" };
	size_t left = SIZE_MAX;

	for (size_t s = 0; s < 2; s++) {
		char *path = xasprintf("%s/%s%s", list_dir, volume, suffixes[s]);
		const struct noted_text *t = pm_noted_text(pp, path);
		struct stat st;
		int rc = 0;

		if (!t && lstat(path, &st) == 0)
			rc = errbuf_set(err, "%s: not among the PATHs, while "
					"messages of its volume change in the "
					"other text: nothing was changed; give "
					"the list folder as PATH", path);
		else if (t && left != SIZE_MAX && t->messages - t->deleted != left)
			rc = errbuf_set(err, "%s and %s.txt would hold a "
					"different number of messages (%zu and "
					"%zu): they are not the same volume any "
					"more: nothing was changed; compare "
					"them, and make the .gz again from the "
					".txt", path, volume,
					t->messages - t->deleted, left);
		if (t)
			left = t->messages - t->deleted;
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static bool
hex8_kept(const struct pm_purge *pp, const char hex8[9])
{
	for (size_t i = 0; i < pp->nkept; i++)
		if (memcmp(pp->kept_hex8[i], hex8, 8) == 0)
			return true;
	return false;
}

static int
add_attachments(const struct pm_purge *pp, const struct pm_volume *w,
		struct pm_edits *edits, struct errbuf *err)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct removed_page *p = pm_find_page(pp, w->list_dir,
							 w->volume, w->names[i]);
		size_t found, before = edits->count;

		if (!p->hex8[0] || hex8_kept(pp, p->hex8))
			continue;
		if (pm_attachments_remove(w->list_dir, p->hex8, edits, &found,
					  err) < 0)
			return -1;
		for (size_t k = before; k < edits->count; k++)
			pm_edit_place(&edits->items[k], w->list_dir, w->volume);
	}
	return 0;
}

static bool
same_volume(const struct removed_page *a, const struct removed_page *b)
{
	return strcmp(a->volume, b->volume) == 0 &&
		strcmp(a->list_dir, b->list_dir) == 0;
}

/* The deleted pages of one volume, from the first not yet done. */
static void
volume_of(const struct pm_purge *pp, size_t first, struct pm_volume *w)
{
	const struct removed_page *f = &pp->pages[first];

	pm_volume_init(w, f->list_dir, f->volume);
	for (size_t i = first; i < pp->npages; i++)
		if (same_volume(&pp->pages[i], f) && !pp->pages[i].redacted)
			pm_volume_add(w, pp->pages[i].page);
}

/* The redacted pages of one volume, and everything they had taken out. */
static void
redaction_of(const struct pm_purge *pp, size_t first, struct pm_redaction *r)
{
	const struct removed_page *f = &pp->pages[first];

	memset(r, 0, sizeof *r);
	r->list_dir = f->list_dir;
	r->volume = f->volume;
	r->marker = pp->s.marker;
	r->remove_attachments = pp->s.remove_attachments;
	for (size_t i = first; i < pp->npages; i++) {
		const struct removed_page *p = &pp->pages[i];

		if (!same_volume(p, f) || !p->redacted)
			continue;
		pm_redaction_add_page(r, p->page);
		for (size_t t = 0; t < p->ntokens; t++)
			pm_redaction_add_token(r, p->tokens[t]);
	}
}

static bool
volume_seen(const struct pm_purge *pp, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_volume(&pp->pages[j], &pp->pages[i]))
			return true;
	return false;
}

static bool
list_seen(const struct pm_purge *pp, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(pp->pages[j].list_dir, pp->pages[i].list_dir) == 0)
			return true;
	return false;
}

/* The size a volume text will have: as written, or, for one the run
 * leaves as it is in a volume it changes (a killed run changed it
 * already), its size now. */
static bool
text_size(const struct pm_purge *pp, const struct noted_text *t,
	  const char *list_dir, unsigned long long *size_r)
{
	const char *base = strrchr(t->path, '/');
	char *volume = pm_volume_of_name(base ? base + 1 : t->path);
	struct stat st;
	bool touched = false;

	for (size_t i = 0; volume && i < pp->npages && !touched; i++)
		touched = strcmp(pp->pages[i].volume, volume) == 0 &&
			strcmp(pp->pages[i].list_dir, list_dir) == 0;
	free(volume);
	if (t->has_size)
		*size_r = t->size;
	else if (touched && stat(t->path, &st) == 0)
		*size_r = (unsigned long long)st.st_size;
	else
		return false;
	return true;
}

/* The list's table of contents with the new sizes of its downloads
 * (an edit only where a label changes: sizes are shown in KB). */
static int
add_toc(const struct pm_purge *pp, const char *list_dir,
	struct pm_edits *edits, struct errbuf *err)
{
	char *path = xasprintf("%s/index.html", list_dir), *html;
	size_t len;
	struct buf cur = { 0 };
	struct stat st;

	if (lstat(path, &st) < 0 && errno == ENOENT) {
		free(path);
		return 0;
	}
	if (read_regular_file(path, &html, &len, err) < 0) {
		free(path);
		return -1;
	}
	buf_add(&cur, html, len);
	for (size_t i = 0; i < pp->ntexts; i++) {
		const struct noted_text *t = &pp->texts[i];
		const char *base = strrchr(t->path, '/');
		char *dir = path_dir(t->path);
		struct buf out = { 0 };
		unsigned long long size;
		bool changed;

		if (strcmp(dir, list_dir) == 0 &&
		    text_size(pp, t, list_dir, &size)) {
			pm_toc_resize(cur.p, cur.len, base ? base + 1 : t->path,
				      size, &out, &changed);
			buf_release(&cur);
			cur = out;
		}
		free(dir);
	}
	if (cur.len != len || memcmp(cur.p, html, len) != 0)
		pm_edits_add(edits, PM_EDIT_TOC, path, cur.p, cur.len);
	else
		buf_release(&cur);
	free(html);
	free(path);
	return 0;
}

/* Which list folder and volume an edit belongs to, from its path: a
 * page or index (VOL/...), a database file (database/VOL-NAME), the
 * table of contents (index.html: the whole list's).  Attachments were
 * placed when found. */
static int
place(const struct pm_purge *pp, struct pm_edit *ed, struct errbuf *err)
{
	for (size_t i = 0; i < pp->npages && !ed->list_dir; i++) {
		const char *dir = pp->pages[i].list_dir, *rel, *slash, *dash;
		size_t n = strlen(dir);
		char *volume;

		if (strncmp(ed->path, dir, n) != 0 || ed->path[n] != '/')
			continue;
		rel = ed->path + n + 1;
		slash = strchr(rel, '/');
		if (!slash) {
			pm_edit_place(ed, dir, NULL);
			break;
		}
		if (strncmp(rel, "database/", 9) == 0 &&
		    (dash = strrchr(rel, '-')) && dash > rel + 9)
			volume = xstrndup(rel + 9, (size_t)(dash - rel - 9));
		else
			volume = xstrndup(rel, (size_t)(slash - rel));
		pm_edit_place(ed, dir, volume);
		free(volume);
	}
	return ed->list_dir ? 0 : errbuf_set(err, "%s: in no list folder of "
					     "this purge", ed->path);
}

/* What the list's redactions took out, out of its attachments too. */
static int
redact_attachments(const struct pm_purge *pp, const char *list_dir,
		   struct pm_edits *edits, struct errbuf *err)
{
	struct pm_redaction all = { .list_dir = list_dir };
	int rc = 0;

	for (size_t i = 0; i < pp->npages; i++)
		if (pp->pages[i].redacted &&
		    strcmp(pp->pages[i].list_dir, list_dir) == 0)
			for (size_t t = 0; t < pp->pages[i].ntokens; t++)
				pm_redaction_add_token(&all,
						       pp->pages[i].tokens[t]);
	if (all.ntokens > 0)
		rc = pm_redact_attachments(list_dir, all.tokens, all.ntokens,
					   pp->s.marker,
					   pp->s.remove_attachments, edits, err);
	pm_redaction_release(&all);
	return rc;
}

/* A volume's deletions: tombstones, neighbours, indexes, attachments
 * (the database was done first). */
static int
delete_in_volume(const struct pm_purge *pp, size_t first,
		 struct pm_edits *edits, struct errbuf *err)
{
	struct pm_volume w;
	int rc;

	volume_of(pp, first, &w);
	if (w.n == 0) {
		pm_volume_release(&w);
		return 0;
	}
	rc = pm_volume_load(&w, err);
	if (rc == 0)
		rc = pm_volume_tombstones(&w, pp->s.notice, edits, err);
	if (rc == 0)
		rc = pm_volume_neighbours(&w, edits, err);
	if (rc == 0)
		rc = pm_volume_indexes(&w, edits, err);
	if (rc == 0)
		rc = pm_index_dates(w.list_dir, w.volume, edits, err);
	if (rc == 0)
		rc = add_attachments(pp, &w, edits, err);
	pm_volume_release(&w);
	return rc;
}

int
pm_purge_build(struct pm_purge *pp, struct pm_edits *edits,
	       struct errbuf *err)
{
	int rc = 0;

	/* the database first: see pm_purge_build in pipermail.h */
	for (size_t i = 0; i < pp->npages && rc == 0; i++) {
		struct pm_volume w;
		size_t no_record;

		if (volume_seen(pp, i))
			continue;
		if (check_texts(pp, pp->pages[i].list_dir, pp->pages[i].volume,
				err) < 0)
			return -1;
		volume_of(pp, i, &w);
		if (w.n > 0)
			rc = pm_database_drop(w.list_dir, w.volume, w.names,
					      w.n, edits, &no_record, err);
		pm_volume_release(&w);
	}
	for (size_t i = 0; i < pp->npages && rc == 0; i++) {
		struct pm_redaction r;

		if (volume_seen(pp, i))
			continue;
		rc = delete_in_volume(pp, i, edits, err);
		redaction_of(pp, i, &r);
		if (rc == 0 && r.npages > 0)
			rc = pm_redact_volume(&r, edits, err);
		pm_redaction_release(&r);
	}
	for (size_t i = 0; i < pp->npages && rc == 0; i++)
		if (!list_seen(pp, i))
			rc = redact_attachments(pp, pp->pages[i].list_dir, edits,
						err);
	for (size_t i = 0; i < pp->npages && rc == 0; i++)
		if (!list_seen(pp, i))
			rc = add_toc(pp, pp->pages[i].list_dir, edits, err);
	for (size_t i = 0; i < edits->count && rc == 0; i++)
		rc = place(pp, &edits->items[i], err);
	return rc;
}
