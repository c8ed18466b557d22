/* pipermail.c -- recognise a pipermail list folder, and tie the messages
 * of its volume texts to their pages. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/pipermail.h"
#include "mail/pm-marshal.h"
#include "mail/words.h"

static bool
is_kind(const char *path, mode_t kind)
{
	struct stat st;

	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

static bool
has_entry(const char *dir, const char *name, mode_t kind)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool yes = is_kind(p, kind);

	free(p);
	return yes;
}

char *
pm_volume_of_name(const char *name)
{
	size_t n = strlen(name);

	if (n > 7 && strcmp(name + n - 7, ".txt.gz") == 0)
		return xstrndup(name, n - 7);
	if (n > 4 && strcmp(name + n - 4, ".txt") == 0)
		return xstrndup(name, n - 4);
	return NULL;
}

static bool
has_volume(const char *dir)
{
	struct errbuf err;
	char **names;
	size_t n;
	bool found = false;

	if (dir_names(dir, &names, &n, &err) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++) {
		char *vol = pm_volume_of_name(names[i]);

		found = vol && has_entry(dir, vol, S_IFDIR);
		free(vol);
	}
	dir_names_free(names, n);
	return found;
}

/* Does dir hold what Mailman keeps beside a list's volumes? */
static bool
is_marked(const char *dir)
{
	return has_entry(dir, "pipermail.pck", S_IFREG) ||
		(has_entry(dir, "database", S_IFDIR) &&
		 has_entry(dir, "index.html", S_IFREG));
}

bool
pm_is_list_dir(const char *dir)
{
	return is_marked(dir) && has_volume(dir);
}

bool
pm_volume_text(const char *path, char **list_dir_r, char **volume_r)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path))
		: xstrdup(".");
	char *vol = pm_volume_of_name(slash ? slash + 1 : path);
	/* path itself is a volume's text: the folder needs only its marks */
	bool yes = vol && has_entry(dir, vol, S_IFDIR) && is_marked(dir);

	if (yes && list_dir_r) {
		*list_dir_r = dir;
		dir = NULL;
	}
	if (yes && volume_r) {
		*volume_r = vol;
		vol = NULL;
	}
	free(dir);
	free(vol);
	return yes;
}

/* "NNNNNN.html": six or more digits (seven after page 999999). */
static bool
is_page_name(const char *name)
{
	size_t digits = strspn(name, "0123456789");

	return digits >= 6 && strcmp(name + digits, ".html") == 0;
}

int
pm_compare_pages(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x, y);
}

/* Does the page at path start as a tombstone does?  Its first bytes
 * say (an unreadable page is not one: reading it fails later, loudly). */
static bool
is_tombstone(const char *path)
{
	char head[512];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	return memmem(head, n, PM_TOMBSTONE_MARK,
		      strlen(PM_TOMBSTONE_MARK)) != NULL;
}

int
pm_volume_pages(const char *list_dir, const char *volume,
		bool with_tombstones, char ***pages_r, size_t *n_r,
		struct errbuf *err)
{
	char *dir = xasprintf("%s/%s", list_dir, volume);
	char **names;
	size_t n, out = 0;
	int rc = dir_names(dir, &names, &n, err);

	if (rc < 0) {
		free(dir);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char *path = is_page_name(names[i]) && !with_tombstones
			? xasprintf("%s/%s", dir, names[i]) : NULL;

		if (is_page_name(names[i]) && !(path && is_tombstone(path)))
			names[out++] = names[i];
		else
			free(names[i]);
		free(path);
	}
	free(dir);
	if (out > 1)
		qsort(names, out, sizeof *names, pm_compare_pages);
	*pages_r = names;
	*n_r = out;
	return 0;
}

void
pm_pages_free(char **pages, size_t n)
{
	dir_names_free(pages, n);
}

const char *
pm_html_element(const char *html, size_t len, const char *tag,
		size_t *len_r)
{
	size_t tl = strlen(tag);

	for (size_t i = 0; i + tl + 2 < len; i++) {
		if (html[i] != '<' || strncasecmp(html + i + 1, tag, tl) != 0 ||
		    (html[i + 1 + tl] != '>' && !isspace((unsigned char)html[i + 1 + tl])))
			continue;
		const char *open_end = memchr(html + i, '>', len - i);

		if (!open_end)
			return NULL;
		const char *start = open_end + 1;
		for (const char *p = start; p + tl + 3 <= html + len; p++)
			if (p[0] == '<' && p[1] == '/' &&
			    strncasecmp(p + 2, tag, tl) == 0 && p[2 + tl] == '>') {
				*len_r = (size_t)(p - start);
				return start;
			}
		return NULL;
	}
	return NULL;
}

int
pm_volume_ids(const char *list_dir, const char *volume, char *const *pages,
	      size_t n, char ***ids_r, struct errbuf *err)
{
	char *path = xasprintf("%s/database/%s-article", list_dir, volume);
	char *data = NULL;
	size_t len;
	struct pm_mfile m = { .path = path };
	struct stat st;
	int rc = 0;

	*ids_r = xcalloc(n + 1, sizeof **ids_r);
	if (lstat(path, &st) < 0 || read_regular_file(path, &data, &len,
						       NULL) < 0) {
		free(path);
		return 0;
	}
	m.p = (const unsigned char *)data;
	m.len = len;
	rc = pm_marshal_read(&m, err);
	for (size_t i = 0; rc == 0 && i < m.count; i++) {
		const struct pm_mitem *it = &m.items[i];
		size_t from = 0;
		struct pm_sv file;

		if (!it->key.str.ok || !it->value.str.ok ||
		    !pm_pickle_next(it->value.str.p, it->value.str.len,
				    "filename", &from, &file))
			continue;
		for (size_t k = 0; k < n; k++)
			if (!(*ids_r)[k] && strlen(pages[k]) == file.len &&
			    memcmp(pages[k], file.p, file.len) == 0)
				(*ids_r)[k] = xasprintf("<%.*s>",
							(int)it->key.str.len,
							it->key.str.p);
	}
	pm_marshal_release(&m);
	free(data);
	free(path);
	return rc;
}

void
pm_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

char *
pm_page_of(const char *path, size_t index, size_t messages)
{
	char *list_dir = NULL, *volume = NULL, **pages = NULL, *page = NULL;
	size_t n = 0;

	if (pm_volume_text(path, &list_dir, &volume) &&
	    pm_volume_pages(list_dir, volume, false, &pages, &n, NULL) == 0 &&
	    n == messages && index < n)
		page = xasprintf("%s/%s", volume, pages[index]);
	pm_pages_free(pages, n);
	free(list_dir);
	free(volume);
	return page;
}
