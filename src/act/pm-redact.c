/* pm-redact.c -- a volume's redactions, in its pages, indexes, database
 * and attachments. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "act/pm-attachments.h"
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
pm_redaction_add_page(struct pm_redaction *r, const char *page,
		      const char *hex8)
{
	r->pages = xreallocarray(r->pages, r->npages + 1, sizeof *r->pages);
	r->hex8 = xreallocarray(r->hex8, r->npages + 1, sizeof *r->hex8);
	r->pages[r->npages] = xstrdup(page);
	r->hex8[r->npages++] = xstrdup(hex8);
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
	for (size_t i = 0; i < r->npages; i++) {
		free(r->pages[i]);
		free(r->hex8[i]);
	}
	for (size_t i = 0; i < r->ntokens; i++)
		free(r->tokens[i]);
	free(r->pages);
	free(r->hex8);
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

/* The redacted messages' attachments that still show a token: removed,
 * or held (listed, left as they are). */
static int
check_attachments(const struct pm_redaction *r, const struct pm_forms *f,
		  struct pm_edits *edits, struct errbuf *err)
{
	for (size_t i = 0; i < r->npages; i++) {
		struct pm_edits found = { 0 };
		size_t n;
		int rc = r->hex8[i][0]
			? pm_attachments_remove(r->list_dir, r->hex8[i], &found,
						&n, err) : 0;

		for (size_t k = 0; rc == 0 && k < found.count; k++) {
			const char *path = found.items[k].path;
			char *data;
			size_t len;

			if ((rc = read_regular_file(path, &data, &len, err)) < 0)
				break;
			if (pm_shows(f, data, len))
				pm_edit_place(pm_edits_add(edits,
					r->remove_attachments ? PM_EDIT_ATTACHMENT
					: PM_EDIT_HELD, path, NULL, 0),
					r->list_dir, r->volume);
			free(data);
		}
		pm_edits_release(&found);
		if (rc < 0)
			return -1;
	}
	return 0;
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
	if (rc == 0)
		rc = check_attachments(r, f, edits, err);
	pm_forms_free(&f);
	return rc;
}
