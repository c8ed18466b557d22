/* pm-volume.c -- one volume's removed pages, and the pages and index
 * pages they change. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "act/pm-edits.h"
#include "act/pm-volume.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/pipermail.h"

static ssize_t
removed_at(const struct pm_volume *w, const char *page)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->names[i], page) == 0)
			return (ssize_t)i;
	return -1;
}

/* The link of removed page i in direction dir to the nearest page kept:
 * past every removed page on the way. */
static const struct pm_link *
kept_link(const struct pm_volume *w, size_t i, enum pm_direction dir)
{
	const struct pm_link *l = dir == PM_PREVIOUS ? &w->prev[i] : &w->next[i];

	for (size_t steps = 0; steps < w->n; steps++) {
		ssize_t j = removed_at(w, l->target);

		if (j < 0)
			break;
		l = dir == PM_PREVIOUS ? &w->prev[j] : &w->next[j];
	}
	return l;
}

void
pm_volume_release(struct pm_volume *w)
{
	for (size_t i = 0; w->html && i < w->n; i++) {
		free(w->html[i]);
		pm_link_release(&w->prev[i]);
		pm_link_release(&w->next[i]);
	}
	free(w->names);
	free(w->html);
	free(w->len);
	free(w->prev);
	free(w->next);
}

int
pm_volume_load(struct pm_volume *w, struct errbuf *err)
{
	if (w->n > 1)
		qsort(w->names, w->n, sizeof *w->names, pm_compare_pages);
	w->html = xcalloc(w->n + 1, sizeof *w->html);
	w->len = xcalloc(w->n + 1, sizeof *w->len);
	w->prev = xcalloc(w->n + 1, sizeof *w->prev);
	w->next = xcalloc(w->n + 1, sizeof *w->next);
	for (size_t i = 0; i < w->n; i++) {
		struct errbuf why;

		if (pm_read_page(w->list_dir, w->volume, w->names[i], &w->html[i],
			      &w->len[i], err) < 0)
			return -1;
		if (pm_page_link(w->html[i], w->len[i], PM_PREVIOUS,
				 &w->prev[i], &why) < 0 ||
		    pm_page_link(w->html[i], w->len[i], PM_NEXT, &w->next[i],
				 &why) < 0)
			return errbuf_set(err, "%s/%s/%s: %s: nothing was "
					  "changed", w->list_dir, w->volume,
					  w->names[i], why.msg);
	}
	return 0;
}

static char *
volume_path(const struct pm_volume *w, const char *name)
{
	return xasprintf("%s/%s/%s", w->list_dir, w->volume, name);
}

int
pm_volume_tombstones(struct pm_volume *w, const char *notice,
		     struct pm_edits *edits, struct errbuf *err)
{
	for (size_t i = 0; i < w->n; i++) {
		struct buf out = { 0 };
		struct errbuf why;
		char *path = volume_path(w, w->names[i]);
		int rc = pm_tombstone(w->html[i], w->len[i], notice,
				      kept_link(w, i, PM_PREVIOUS),
				      kept_link(w, i, PM_NEXT), &out, &why);

		if (rc < 0) {
			errbuf_format(err, "%s: %s: nothing was changed", path,
				      why.msg);
			free(path);
			buf_release(&out);
			return -1;
		}
		pm_edits_add(edits, PM_EDIT_TOMBSTONE, path, out.p, out.len);
		free(path);
	}
	return 0;
}

/* Kept pages whose previous or next page is removed link past it. */
int
pm_volume_neighbours(struct pm_volume *w, struct pm_edits *edits,
		     struct errbuf *err)
{
	char **pages;
	size_t npages;

	if (pm_volume_pages(w->list_dir, w->volume, true, &pages, &npages, err) < 0)
		return -1;
	for (size_t p = 0; p < npages; p++) {
		char *html, *path;
		size_t len, total = 0;
		struct buf cur = { 0 };

		if (removed_at(w, pages[p]) >= 0)
			continue;
		if (pm_read_page(w->list_dir, w->volume, pages[p], &html, &len,
			      err) < 0) {
			pm_pages_free(pages, npages);
			return -1;
		}
		buf_add(&cur, html, len);
		free(html);
		for (int d = PM_PREVIOUS; d <= PM_NEXT; d++) {
			struct pm_link link;
			struct buf out = { 0 };
			ssize_t j;
			size_t replaced;

			if (pm_page_link(cur.p, cur.len, d, &link, NULL) < 0)
				continue;
			j = removed_at(w, link.target);
			if (j >= 0) {
				pm_page_relink(cur.p, cur.len, d,
					       kept_link(w, (size_t)j, d), &out,
					       &replaced);
				buf_release(&cur);
				cur = out;
				total += replaced;
			}
			pm_link_release(&link);
		}
		if (total > 0) {
			path = volume_path(w, pages[p]);
			pm_edits_add(edits, PM_EDIT_NEIGHBOUR, path, cur.p,
				     cur.len)->dropped = total;
			free(path);
		} else
			buf_release(&cur);
	}
	pm_pages_free(pages, npages);
	return 0;
}

int
pm_volume_indexes(struct pm_volume *w, struct pm_edits *edits,
		  struct errbuf *err)
{
	static const char *const names[] = {
		"thread.html", "date.html", "subject.html", "author.html",
	};

	for (size_t i = 0; i < 4; i++) {
		char *path = volume_path(w, names[i]), *html;
		size_t len, dropped;
		struct buf out = { 0 };
		struct errbuf why;
		struct stat st;
		int rc = 0;

		if (lstat(path, &st) < 0 && errno == ENOENT) {
			free(path);
			continue;
		}
		if (read_regular_file(path, &html, &len, err) < 0) {
			free(path);
			return -1;
		}
		if (pm_index_drop(html, len, w->names, w->n, &out, &dropped,
				  &why) < 0)
			rc = errbuf_set(err, "%s: %s: nothing was changed", path,
					why.msg);
		else if (dropped > 0) {
			pm_edits_add(edits, PM_EDIT_INDEX, path, out.p,
				     out.len)->dropped = dropped;
			out.p = NULL;
		}
		buf_release(&out);
		free(html);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
pm_read_page(const char *list_dir, const char *volume, const char *page,
	  char **data_r, size_t *len_r, struct errbuf *err)
{
	char *path = xasprintf("%s/%s/%s", list_dir, volume, page);
	int rc = read_regular_file(path, data_r, len_r, err);

	free(path);
	return rc;
}


void
pm_volume_init(struct pm_volume *w, const char *list_dir, const char *volume)
{
	memset(w, 0, sizeof *w);
	w->list_dir = list_dir;
	w->volume = volume;
}

void
pm_volume_add(struct pm_volume *w, const char *page)
{
	w->names = xreallocarray(w->names, w->n + 1, sizeof *w->names);
	w->names[w->n++] = (char *)page;
}
