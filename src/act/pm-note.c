/* pm-note.c -- the changes of a pipermail volume text, noted: each
 * message's page found and checked, what a redaction takes out, the
 * attachment folders of the messages that stay. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "act/pipermail-private.h"
#include "act/pm-attachments.h"
#include "act/pm-journal.h"
#include "act/pm-volume.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/mailbox.h"
#include "mail/pipermail.h"
#include "mail/words.h"

struct removed_page *
pm_find_page(const struct pm_purge *pp, const char *list_dir, const char *volume,
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

/* The name beside the From address, when the address is one of tokens:
 * the page and the index pages show the author by name, and redacting the
 * address takes the whole From field out of the text.  NULL otherwise. */
static char *
redacted_author(const char *raw, size_t len, const struct pm_change *c)
{
	char *from = header_get_decoded(raw, len, "From"), *name = NULL;
	const char *open, *close;
	bool named = false;

	for (size_t t = 0; from && c && t < c->ntokens; t++) {
		const char *at = strchr(c->tokens[t], '@');
		char *munged = at ? xasprintf("%.*s at %s", (int)(at - c->tokens[t]),
					      c->tokens[t], at + 1) : NULL;

		named |= strcasestr(from, c->tokens[t]) ||
			(munged && strcasestr(from, munged));
		free(munged);
	}
	if (named && (open = strchr(from, '(')) && (close = strrchr(from, ')')) &&
	    close > open + 1)
		name = xstrndup(open + 1, (size_t)(close - open - 1));
	else if (named && (open = strchr(from, '<')) && open > from)
		name = xstrndup(from, (size_t)(open - from));
	free(from);
	if (name) {             /* "A. Author", without quotes and blanks */
		size_t n = strlen(name);

		while (n && strchr(" \t\"", name[n - 1]))
			name[--n] = '\0';
		memmove(name, name + strspn(name, " \t\""),
			strlen(name + strspn(name, " \t\"")) + 1);
		if (strlen(name) < 3 || strchr(name, '@')) {
			free(name);
			name = NULL;
		}
	}
	return name;
}

/* Tie message k of mb to its page and check the pair; with c (a
 * redaction), *author_r is the author's name to take out too (or NULL). */
static int
check_pair(const struct mailbox *mb, size_t k, const char *list_dir,
	   const char *volume, const char *page, const struct pm_change *c,
	   char hex8[9], char **author_r, struct errbuf *err)
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
	*author_r = rc == 0 && c->redacted ? redacted_author(raw, len, c) : NULL;
	free(html);
	if (owned)
		free((char *)raw);
	return rc;
}

/* The attachment folders of the messages of mb that stay (redacted ones
 * included): a deleted message sharing one (the same Message-ID) leaves
 * its files. */
static void
note_kept(struct pm_purge *pp, const struct mailbox *mb,
	  const struct pm_change *changes, size_t n)
{
	size_t count = mailbox_message_count(mb), d = 0;

	for (size_t k = 0; k < count; k++) {
		const char *raw;
		size_t len;
		uint64_t offset;
		bool owned;
		char hex8[9];

		while (d < n && changes[d].index < k)
			d++;
		if (d < n && changes[d].index == k && !changes[d].redacted)
			continue;
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

static void
add_token(struct removed_page *p, char *token)
{
	p->tokens = xreallocarray(p->tokens, p->ntokens + 1, sizeof *p->tokens);
	p->tokens[p->ntokens++] = token;
}

/* A name as the author index sorts it: "Last, First" (Mailman's
 * fixAuthor, for the common two-word case). */
static char *
last_first(const char *name)
{
	const char *space = strrchr(name, ' ');

	return space && space > name && space[1]
		? xasprintf("%s, %.*s", space + 1, (int)(space - name), name)
		: NULL;
}

static void
note_page(struct pm_purge *pp, const struct mailbox *mb, const char *list_dir,
	  const char *volume, const char *page, const struct pm_change *c,
	  const char hex8[9], const char *author)
{
	struct removed_page *p = pm_find_page(pp, list_dir, volume, page);

	if (p && p->redacted == c->redacted)
		return;         /* the other text of the volume */
	if (p)                  /* deleted from one text, redacted in the
				   other: check_texts stops the run */
		return;
	xgrow((void **)&pp->pages, &pp->pages_alloc, pp->npages + 1,
	      sizeof *pp->pages);
	p = &pp->pages[pp->npages++];
	memset(p, 0, sizeof *p);
	p->list_dir = xstrdup(list_dir);
	p->volume = xstrdup(volume);
	p->page = xstrdup(page);
	p->text = xstrdup(mailbox_path(mb));
	p->index = c->index;
	memcpy(p->hex8, hex8, 9);
	p->redacted = c->redacted;
	for (size_t t = 0; t < c->ntokens; t++)
		add_token(p, xstrdup(c->tokens[t]));
	if (author) {
		char *reversed = last_first(author);

		add_token(p, xstrdup(author));
		if (reversed)
			add_token(p, reversed);
	}
}

static bool
volume_touched(const struct pm_purge *pp, const char *list_dir,
	       const char *volume)
{
	for (size_t i = 0; i < pp->npages; i++)
		if (strcmp(pp->pages[i].volume, volume) == 0 &&
		    strcmp(pp->pages[i].list_dir, list_dir) == 0)
			return true;
	return false;
}

int
pm_purge_note(struct pm_purge *pp, const struct mailbox *mb,
	      const struct pm_change *changes, size_t n, struct errbuf *err)
{
	char *list_dir = NULL, *volume = NULL, **pages = NULL;
	size_t npages = 0;
	int rc = 1;

	/* a text left as it is matters only beside one that changes */
	if (!pm_volume_text(mailbox_path(mb), &list_dir, &volume) ||
	    (n == 0 && (pm_noted_text(pp, mailbox_path(mb)) ||
			!volume_touched(pp, list_dir, volume)))) {
		free(list_dir);
		free(volume);
		return 0;
	}
	if (pm_journal_pending(list_dir)) {
		rc = errbuf_set(err, "%s: an earlier run stopped between its "
				"commits (%s/" PM_JOURNAL_NAME "): purge --apply "
				"finishes it first; nothing was changed",
				mailbox_path(mb), list_dir);
		goto out;
	}
	if (pm_volume_pages(list_dir, volume, false, &pages, &npages, err) < 0) {
		rc = -1;
		goto out;
	}
	if (n > 0 && npages != mailbox_message_count(mb)) {
		rc = errbuf_set(err, "%s holds %zu messages but %s/ has %zu "
				"pages: its pages cannot be tied to its "
				"messages: nothing was changed; rebuild the "
				"archive with Mailman's bin/arch --wipe",
				mailbox_path(mb), mailbox_message_count(mb),
				volume, npages);
		goto out;
	}
	for (size_t i = 0; i < n && rc > 0; i++) {
		char hex8[9], *author;

		if (check_pair(mb, changes[i].index, list_dir, volume,
			       pages[changes[i].index], &changes[i], hex8,
			       &author, err) < 0) {
			rc = -1;
			break;
		}
		note_page(pp, mb, list_dir, volume, pages[changes[i].index],
			  &changes[i], hex8, author);
		free(author);
	}
	if (rc > 0) {
		struct noted_text *t;

		xgrow((void **)&pp->texts, &pp->texts_alloc, pp->ntexts + 1,
		      sizeof *pp->texts);
		t = &pp->texts[pp->ntexts++];
		memset(t, 0, sizeof *t);
		t->path = xstrdup(mailbox_path(mb));
		t->messages = mailbox_message_count(mb);
		for (size_t i = 0; i < n; i++) {
			t->deleted += !changes[i].redacted;
			t->redacted += changes[i].redacted;
		}
		note_kept(pp, mb, changes, n);
	}
out:
	pm_pages_free(pages, npages);
	free(list_dir);
	free(volume);
	return rc;
}

const struct noted_text *
pm_noted_text(const struct pm_purge *pp, const char *path)
{
	for (size_t i = 0; i < pp->ntexts; i++)
		if (strcmp(pp->texts[i].path, path) == 0)
			return &pp->texts[i];
	return NULL;
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

