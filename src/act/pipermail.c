/* pipermail.c -- what a deletion from a pipermail tree's volume texts
 * means for its pages, indexes, database and attachments. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/output.h"
#include "act/pipermail.h"
#include "act/pm-attachments.h"
#include "act/pm-database.h"
#include "act/pm-edits.h"
#include "act/pm-pages.h"
#include "act/pm-volume.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/mailbox.h"
#include "mail/pipermail.h"

const char pm_default_notice[] =
	"This message has been removed from the archive.";

/* A page whose message is deleted. */
struct removed_page {
	char *list_dir, *volume, *page;
	char *text;                     /* the volume text it was noted from */
	size_t index;                   /* its message there */
	char hex8[9];                   /* attachments; "" without Message-ID */
};

/* A volume text and the messages deleted from it. */
struct noted_text {
	char *path;
	size_t deleted;
	unsigned long long size;        /* once written; 0: unknown */
	bool has_size;
};

struct pm_purge {
	char *notice;
	struct removed_page *pages;
	size_t npages, pages_alloc;
	struct noted_text *texts;
	size_t ntexts, texts_alloc;
	char (*kept_hex8)[9];           /* attachments folders of messages kept */
	size_t nkept, kept_alloc;
};

struct pm_purge *
pm_purge_new(const char *notice)
{
	struct pm_purge *pp = xcalloc(1, sizeof *pp);

	pp->notice = xstrdup(notice ? notice : pm_default_notice);
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
	}
	for (size_t i = 0; i < pp->ntexts; i++)
		free(pp->texts[i].path);
	free(pp->pages);
	free(pp->texts);
	free(pp->kept_hex8);
	free(pp->notice);
	free(pp);
	*ppp = NULL;
}

bool
pm_purge_any(const struct pm_purge *pp)
{
	return pp->npages > 0;
}

static struct removed_page *
find_page(const struct pm_purge *pp, const char *list_dir, const char *volume,
	  const char *page)
{
	for (size_t i = 0; i < pp->npages; i++)
		if (strcmp(pp->pages[i].page, page) == 0 &&
		    strcmp(pp->pages[i].volume, volume) == 0 &&
		    strcmp(pp->pages[i].list_dir, list_dir) == 0)
			return &pp->pages[i];
	return NULL;
}

/* The attachments folder of a message, "" without a Message-ID. */
static void
message_hex8(const char *raw, size_t len, char hex8[9])
{
	size_t vlen;
	const char *mid = msg_header_value(raw, len, "Message-ID", &vlen);

	hex8[0] = '\0';
	if (mid)
		pm_attachment_folder(mid, vlen, hex8);
}

/* Tie message k of mb to its page and check the pair. */
static int
check_pair(const struct mailbox *mb, size_t k, const char *list_dir,
	   const char *volume, const char *page, char hex8[9],
	   struct errbuf *err)
{
	const char *raw;
	size_t len, plen;
	uint64_t offset;
	bool owned;
	char *html;
	struct errbuf why;
	int rc;

	if (mailbox_message(mb, k, &raw, &len, &offset, &owned, err) < 0)
		return -1;
	rc = pm_read_page(list_dir, volume, page, &html, &plen, err);
	if (rc == 0 && pm_check_pair(html, plen, raw, len, &why) < 0)
		rc = errbuf_set(err, "%s: message #%zu (offset %llu) and its "
				"page %s/%s do not agree: %s; the tree is not "
				"as Mailman left it: nothing was changed; "
				"rebuild it with Mailman's bin/arch --wipe, or "
				"purge the volume texts alone", mailbox_path(mb),
				k + 1, (unsigned long long)offset, volume, page,
				why.msg);
	if (rc == 0)
		message_hex8(raw, len, hex8);
	free(html);
	if (owned)
		free((char *)raw);
	return rc;
}

static void
note_kept(struct pm_purge *pp, const struct mailbox *mb, const size_t *deleted,
	  size_t n)
{
	size_t count = mailbox_message_count(mb), d = 0;

	for (size_t k = 0; k < count; k++) {
		const char *raw;
		size_t len;
		uint64_t offset;
		bool owned;
		char hex8[9];

		if (d < n && deleted[d] == k) {
			d++;
			continue;
		}
		if (mailbox_message(mb, k, &raw, &len, &offset, &owned, NULL) < 0)
			continue;
		message_hex8(raw, len, hex8);
		if (owned)
			free((char *)raw);
		if (!hex8[0])
			continue;
		xgrow((void **)&pp->kept_hex8, &pp->kept_alloc, pp->nkept + 1,
		      sizeof *pp->kept_hex8);
		memcpy(pp->kept_hex8[pp->nkept++], hex8, 9);
	}
}

int
pm_purge_note(struct pm_purge *pp, const struct mailbox *mb,
	      const size_t *deleted, size_t n, size_t redacted,
	      struct errbuf *err)
{
	char *list_dir = NULL, *volume = NULL, **pages = NULL;
	size_t npages = 0;
	int rc = 1;

	if (!pm_volume_text(mailbox_path(mb), &list_dir, &volume))
		return 0;
	if (redacted > 0) {
		rc = errbuf_set(err, "%s: %zu messages to redact in a pipermail "
				"volume text; listscrub does not redact "
				"pipermail pages yet, so the pages would keep "
				"what was redacted: nothing was changed; delete "
				"the messages (--action delete), or redact the "
				"list's mbox and rebuild the archive with "
				"Mailman's bin/arch --wipe", mailbox_path(mb),
				redacted);
		goto out;
	}
	if (pm_volume_pages(list_dir, volume, false, &pages, &npages, err) < 0) {
		rc = -1;
		goto out;
	}
	if (npages != mailbox_message_count(mb)) {
		rc = errbuf_set(err, "%s holds %zu messages but %s/ has %zu "
				"pages: its pages cannot be tied to its "
				"messages: nothing was changed; rebuild the "
				"archive with Mailman's bin/arch --wipe",
				mailbox_path(mb), mailbox_message_count(mb),
				volume, npages);
		goto out;
	}
	for (size_t i = 0; i < n && rc > 0; i++) {
		struct removed_page *p;
		char hex8[9];

		if (check_pair(mb, deleted[i], list_dir, volume,
			       pages[deleted[i]], hex8, err) < 0) {
			rc = -1;
			break;
		}
		if (find_page(pp, list_dir, volume, pages[deleted[i]]))
			continue;       /* the other text of the volume */
		xgrow((void **)&pp->pages, &pp->pages_alloc, pp->npages + 1,
		      sizeof *pp->pages);
		p = &pp->pages[pp->npages++];
		p->list_dir = xstrdup(list_dir);
		p->volume = xstrdup(volume);
		p->page = xstrdup(pages[deleted[i]]);
		p->text = xstrdup(mailbox_path(mb));
		p->index = deleted[i];
		memcpy(p->hex8, hex8, 9);
	}
	if (rc > 0) {
		struct noted_text *t;

		xgrow((void **)&pp->texts, &pp->texts_alloc, pp->ntexts + 1,
		      sizeof *pp->texts);
		t = &pp->texts[pp->ntexts++];
		memset(t, 0, sizeof *t);
		t->path = xstrdup(mailbox_path(mb));
		t->deleted = n;
		note_kept(pp, mb, deleted, n);
	}
out:
	pm_pages_free(pages, npages);
	free(list_dir);
	free(volume);
	return rc;
}

void
pm_purge_text_size(struct pm_purge *pp, const char *path,
		   unsigned long long size)
{
	for (size_t i = 0; i < pp->ntexts; i++)
		if (strcmp(pp->texts[i].path, path) == 0) {
			pp->texts[i].size = size;
			pp->texts[i].has_size = true;
		}
}

const char *
pm_purge_page_of(const struct pm_purge *pp, const char *page, size_t *index_r)
{
	for (size_t i = 0; i < pp->npages; i++) {
		const struct removed_page *p = &pp->pages[i];
		char *path = xasprintf("%s/%s/%s", p->list_dir, p->volume,
				       p->page);
		bool same = strcmp(path, page) == 0;

		free(path);
		if (same) {
			*index_r = p->index;
			return p->text;
		}
	}
	return NULL;
}

static const struct noted_text *
noted(const struct pm_purge *pp, const char *path)
{
	for (size_t i = 0; i < pp->ntexts; i++)
		if (strcmp(pp->texts[i].path, path) == 0)
			return &pp->texts[i];
	return NULL;
}

/* Both texts of a volume lose the same messages, or the purge stops: a
 * message left in VOL.txt.gz is still downloadable. */
static int
check_texts(const struct pm_purge *pp, const char *list_dir,
	    const char *volume, struct errbuf *err)
{
	static const char *const suffixes[] = { ".txt", ".txt.gz" };
	size_t deleted = SIZE_MAX;

	for (size_t s = 0; s < 2; s++) {
		char *path = xasprintf("%s/%s%s", list_dir, volume, suffixes[s]);
		const struct noted_text *t = noted(pp, path);
		struct stat st;
		int rc = 0;

		if (!t && lstat(path, &st) == 0)
			rc = errbuf_set(err, "%s: not among the PATHs, while "
					"messages of its volume are deleted "
					"from the other text: nothing was "
					"changed; give the list folder as PATH",
					path);
		else if (t && deleted != SIZE_MAX && t->deleted != deleted)
			rc = errbuf_set(err, "%s and %s.txt lose a different "
					"number of messages (%zu and %zu): they "
					"are not the same volume any more: "
					"nothing was changed; compare them, "
					"and make the .gz again from the .txt",
					path, volume, t->deleted, deleted);
		if (t)
			deleted = t->deleted;
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
		const struct removed_page *p = find_page(pp, w->list_dir,
							 w->volume, w->names[i]);
		size_t found;

		if (!p->hex8[0] || hex8_kept(pp, p->hex8))
			continue;
		if (pm_attachments_remove(w->list_dir, p->hex8, edits, &found,
					  err) < 0)
			return -1;
	}
	return 0;
}

/* The removed pages of one volume, from the first not yet done. */
static void
volume_of(const struct pm_purge *pp, size_t first, struct pm_volume *w)
{
	const struct removed_page *f = &pp->pages[first];

	pm_volume_init(w, f->list_dir, f->volume);
	for (size_t i = first; i < pp->npages; i++)
		if (strcmp(pp->pages[i].volume, f->volume) == 0 &&
		    strcmp(pp->pages[i].list_dir, f->list_dir) == 0)
			pm_volume_add(w, pp->pages[i].page);
}

static bool
volume_seen(const struct pm_purge *pp, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(pp->pages[j].volume, pp->pages[i].volume) == 0 &&
		    strcmp(pp->pages[j].list_dir, pp->pages[i].list_dir) == 0)
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
		bool changed;

		if (t->has_size && strcmp(dir, list_dir) == 0) {
			pm_toc_resize(cur.p, cur.len, base ? base + 1 : t->path,
				      t->size, &out, &changed);
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
		rc = pm_database_drop(w.list_dir, w.volume, w.names, w.n, edits,
				      &no_record, err);
		pm_volume_release(&w);
	}
	for (size_t i = 0; i < pp->npages && rc == 0; i++) {
		struct pm_volume w;

		if (volume_seen(pp, i))
			continue;
		volume_of(pp, i, &w);
		rc = pm_volume_load(&w, err);
		if (rc == 0)
			rc = pm_volume_tombstones(&w, pp->notice, edits, err);
		if (rc == 0)
			rc = pm_volume_neighbours(&w, edits, err);
		if (rc == 0)
			rc = pm_volume_indexes(&w, edits, err);
		if (rc == 0)
			rc = add_attachments(pp, &w, edits, err);
		pm_volume_release(&w);
	}
	for (size_t i = 0; i < pp->npages && rc == 0; i++)
		if (!list_seen(pp, i))
			rc = add_toc(pp, pp->pages[i].list_dir, edits, err);
	return rc;
}
