/* pm-redact.c -- a volume's redactions, in its pages, indexes, database
 * and attachments. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "act/pm-database.h"
#include "act/pm-edits.h"
#include "act/pm-redact.h"
#include "act/pm-scrub.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/pipermail.h"

void
pm_redaction_add_page(struct pm_redaction *r, const char *page)
{
	r->pages = xreallocarray(r->pages, r->npages + 1, sizeof *r->pages);
	r->pages[r->npages++] = xstrdup(page);
}

void
pm_redaction_add_token(struct pm_redaction *r, const char *token)
{
	for (size_t i = 0; i < r->ntokens; i++)
		if (strcmp(r->tokens[i], token) == 0)
			return;
	r->tokens = xreallocarray(r->tokens, r->ntokens + 1, sizeof *r->tokens);
	r->tokens[r->ntokens++] = xstrdup(token);
}

void
pm_redaction_release(struct pm_redaction *r)
{
	for (size_t i = 0; i < r->npages; i++)
		free(r->pages[i]);
	for (size_t i = 0; i < r->ntokens; i++)
		free(r->tokens[i]);
	free(r->pages);
	free(r->tokens);
	memset(r, 0, sizeof *r);
}

/* path scrubbed, over its bytes in this purge: an edit of kind when
 * anything was taken out.  A missing file is not an error (an index
 * page a volume lacks). */
static int
scrub_file(const struct pm_forms *f, const char *path, const char *marker,
	   enum pm_edit_kind kind, struct pm_edits *edits, struct errbuf *err)
{
	struct stat st;
	struct buf out = { 0 };
	char *data;
	size_t len, count;

	if (lstat(path, &st) < 0)
		return 0;
	if (pm_edits_current(edits, path, &data, &len, err) < 0)
		return -1;
	pm_scrub(f, data, len, marker, &out, &count);
	free(data);
	if (count == 0) {
		buf_release(&out);
		return 0;
	}
	pm_edits_add(edits, kind, path, out.p, out.len)->dropped += count;
	return 0;
}

static bool
is_redacted_page(const struct pm_redaction *r, const char *page)
{
	for (size_t i = 0; i < r->npages; i++)
		if (strcmp(r->pages[i], page) == 0)
			return true;
	return false;
}

/* Does html link to a redacted page (its navigation shows the
 * subject)? */
static bool
links_to_redacted(const struct pm_redaction *r, const char *html)
{
	for (size_t i = 0; i < r->npages; i++) {
		char needle[64];

		snprintf(needle, sizeof needle, "HREF=\"%s\"", r->pages[i]);
		if (strcasestr(html, needle))
			return true;
	}
	return false;
}

static int
scrub_pages(const struct pm_redaction *r, const struct pm_forms *f,
	    struct pm_edits *edits, struct errbuf *err)
{
	char **pages;
	size_t npages;
	int rc = 0;

	if (pm_volume_pages(r->list_dir, r->volume, true, &pages, &npages,
			    err) < 0)
		return -1;
	for (size_t p = 0; p < npages && rc == 0; p++) {
		char *path = xasprintf("%s/%s/%s", r->list_dir, r->volume,
				       pages[p]), *html;
		size_t len;

		if (is_redacted_page(r, pages[p]))
			rc = scrub_file(f, path, r->marker, PM_EDIT_REDACTED,
					edits, err);
		else if ((rc = pm_edits_current(edits, path, &html, &len,
						err)) == 0) {
			if (links_to_redacted(r, html))
				rc = scrub_file(f, path, r->marker,
						PM_EDIT_NEIGHBOUR, edits, err);
			free(html);
		}
		free(path);
	}
	pm_pages_free(pages, npages);
	return rc;
}

static int
scrub_indexes(const struct pm_redaction *r, const struct pm_forms *f,
	      struct pm_edits *edits, struct errbuf *err)
{
	static const char *const names[] = {
		"thread.html", "date.html", "subject.html", "author.html",
	};
	int rc = 0;

	for (size_t i = 0; i < 4 && rc == 0; i++) {
		char *path = xasprintf("%s/%s/%s", r->list_dir, r->volume,
				       names[i]);

		rc = scrub_file(f, path, r->marker, PM_EDIT_INDEX, edits, err);
		free(path);
	}
	return rc;
}

/* One scrubbed attachment that shows a token: a text one (no NUL in its
 * first 8 KB: the scrubber's .txt and .html) scrubbed as a page is,
 * another removed or held. */
static int
redact_attachment(const struct pm_forms *f, const char *path,
		  const char *list_dir, const char *marker, bool remove,
		  struct pm_edits *edits, struct errbuf *err)
{
	const struct pm_edit *done = pm_edits_find(edits, path);
	char *data;
	size_t len;
	int rc = 0;

	if (done && done->remove)
		return 0;       /* removed with its deleted message */
	if (pm_edits_current(edits, path, &data, &len, err) < 0)
		return -1;
	if (pm_shows(f, data, len)) {
		if (!memchr(data, '\0', len < 8192 ? len : 8192))
			rc = scrub_file(f, path, marker, PM_EDIT_REDACTED, edits,
					err);
		else
			pm_edits_add(edits, remove ? PM_EDIT_ATTACHMENT
				     : PM_EDIT_HELD, path, NULL, 0);
		pm_edit_place(pm_edits_find(edits, path), list_dir, NULL);
	}
	free(data);
	return rc;
}

int
pm_redact_attachments(const char *list_dir, char *const *tokens, size_t n,
		      const char *marker, bool remove, struct pm_edits *edits,
		      struct errbuf *err)
{
	char *root = xasprintf("%s/attachments", list_dir), **days = NULL;
	struct pm_forms *f = pm_forms_new(tokens, n);
	size_t ndays = 0;
	struct stat st;
	int rc = 0;

	if (lstat(root, &st) == 0 && S_ISDIR(st.st_mode))
		rc = dir_names(root, &days, &ndays, err);
	for (size_t d = 0; d < ndays && rc == 0; d++) {
		char *day = xasprintf("%s/%s", root, days[d]), **dirs = NULL;
		size_t ndirs = 0;

		if (lstat(day, &st) == 0 && S_ISDIR(st.st_mode))
			rc = dir_names(day, &dirs, &ndirs, err);
		for (size_t h = 0; h < ndirs && rc == 0; h++) {
			char *folder = xasprintf("%s/%s", day, dirs[h]), **files = NULL;
			size_t nfiles = 0;

			if (lstat(folder, &st) == 0 && S_ISDIR(st.st_mode))
				rc = dir_names(folder, &files, &nfiles, err);
			for (size_t k = 0; k < nfiles && rc == 0; k++) {
				char *path = xasprintf("%s/%s", folder, files[k]);

				if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
					rc = redact_attachment(f, path, list_dir,
							       marker, remove,
							       edits, err);
				free(path);
			}
			dir_names_free(files, nfiles);
			free(folder);
		}
		dir_names_free(dirs, ndirs);
		free(day);
	}
	dir_names_free(days, ndays);
	pm_forms_free(&f);
	free(root);
	return rc;
}

int
pm_redact_volume(const struct pm_redaction *r, struct pm_edits *edits,
		 struct errbuf *err)
{
	struct pm_forms *f = pm_forms_new(r->tokens, r->ntokens);
	int rc = scrub_pages(r, f, edits, err);

	if (rc == 0)
		rc = scrub_indexes(r, f, edits, err);
	if (rc == 0)
		rc = pm_database_redact(r->list_dir, r->volume, r->tokens,
					r->ntokens, r->marker, edits, err);
	pm_forms_free(&f);
	return rc;
}
