/* pm-pages.c -- tombstones, relinked neighbours, index entries and the
 * table of contents of a pipermail deletion, in Mailman's markup. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "act/pm-pages.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/pipermail.h"

#define NOT_FOUND SIZE_MAX

/* The first case-insensitive occurrence of needle in h[from..len). */
static size_t
ci_find(const char *h, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = from; n <= len && i + n <= len; i++)
		if (strncasecmp(h + i, needle, n) == 0)
			return i;
	return NOT_FOUND;
}

/* The last occurrence before `before`, or NOT_FOUND. */
static size_t
ci_find_last(const char *h, size_t before, size_t from, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = before; i-- > from;)
		if (i + n <= before + n && strncasecmp(h + i, needle, n) == 0)
			return i;
	return NOT_FOUND;
}

/* The value of HREF="..." at or after from, within [from, end). */
static bool
href_at(const char *h, size_t end, size_t from, char *out, size_t size)
{
	size_t at = ci_find(h, end, from, "href=\"");
	const char *q;

	if (at == NOT_FOUND)
		return false;
	at += 6;
	q = memchr(h + at, '"', end - at);
	if (!q || (size_t)(q - (h + at)) >= size)
		return false;
	memcpy(out, h + at, (size_t)(q - (h + at)));
	out[q - (h + at)] = '\0';
	return true;
}

/* The list items <LI ...</li> that name target ("HREF=\"target\""),
 * after the head; starts and ends (one past </li>) into s and e. */
static size_t
items_naming(const char *h, size_t len, const char *target, size_t *s,
	     size_t *e, size_t max)
{
	char needle[64];
	size_t n = 0, from = ci_find(h, len, 0, "<body");

	if (from == NOT_FOUND || !target[0])
		return 0;
	snprintf(needle, sizeof needle, "href=\"%s\"", target);
	for (size_t at; n < max &&
	     (at = ci_find(h, len, from, needle)) != NOT_FOUND;) {
		size_t li = ci_find_last(h, at, from, "<li");
		size_t close = ci_find(h, len, at, "</li>");

		from = at + 1;
		if (li == NOT_FOUND || close == NOT_FOUND)
			continue;
		/* the item must be one: no other item between */
		if (ci_find(h, at, li + 3, "<li") != NOT_FOUND)
			continue;
		s[n] = li;
		e[n++] = close + 5;
		from = close + 5;
	}
	return n;
}

static const char *
direction_name(enum pm_direction dir)
{
	return dir == PM_PREVIOUS ? "previous" : "next";
}

/* The <LINK REL="Previous|Next" ...> tag: [*start, *end). */
static bool
link_tag(const char *h, size_t len, enum pm_direction dir, size_t *start,
	 size_t *end)
{
	char needle[40];
	size_t head_end = ci_find(h, len, 0, "</head>"), at;
	const char *gt;

	snprintf(needle, sizeof needle, "<link rel=\"%s\"",
		 direction_name(dir));
	if (head_end == NOT_FOUND)
		head_end = len;
	at = ci_find(h, head_end, 0, needle);
	if (at == NOT_FOUND)
		return false;
	gt = memchr(h + at, '>', head_end - at);
	if (!gt)
		return false;
	*start = at;
	*end = (size_t)(gt - h) + 1;
	return true;
}

int
pm_page_link(const char *page, size_t len, enum pm_direction dir,
	     struct pm_link *link, struct errbuf *err)
{
	size_t ts, te, s[4], e[4], n;

	memset(link, 0, sizeof *link);
	if (!link_tag(page, len, dir, &ts, &te)) {
		link->tag = xstrdup("");
		link->item = xstrdup("");
		return 0;
	}
	if (!href_at(page, te, ts, link->target, sizeof link->target))
		return errbuf_set(err, "its <LINK REL=\"%s\"> names no page",
				  direction_name(dir));
	link->tag = xstrndup(page + ts, te - ts);
	n = items_naming(page, len, link->target, s, e, 4);
	link->item = n ? xstrndup(page + s[0], e[0] - s[0]) : xstrdup("");
	return 0;
}

void
pm_link_release(struct pm_link *link)
{
	free(link->tag);
	free(link->item);
	memset(link, 0, sizeof *link);
}

/* Spans [s, e) of page replaced by texts, in order. */
struct splice {
	size_t s, e;
	const char *text;
};

static int
compare_splices(const void *a, const void *b)
{
	const struct splice *x = a, *y = b;

	return (x->s > y->s) - (x->s < y->s);
}

static void
apply_splices(const char *h, size_t len, struct splice *sp, size_t n,
	      struct buf *out)
{
	size_t at = 0;

	if (n > 1)
		qsort(sp, n, sizeof *sp, compare_splices);
	for (size_t i = 0; i < n; i++) {
		if (sp[i].s < at)       /* overlaps the one before: merged */
			sp[i].s = at;
		if (sp[i].e < sp[i].s)
			continue;
		buf_add(out, h + at, sp[i].s - at);
		buf_str(out, sp[i].text);
		at = sp[i].e;
	}
	buf_add(out, h + at, len - at);
}

void
pm_page_relink(const char *page, size_t len, enum pm_direction dir,
	       const struct pm_link *repl, struct buf *out,
	       size_t *replaced_r)
{
	struct splice sp[5];
	char target[32];
	size_t ts, te, s[4], e[4], n = 0, items;

	*replaced_r = 0;
	if (!link_tag(page, len, dir, &ts, &te) ||
	    !href_at(page, te, ts, target, sizeof target)) {
		buf_add(out, page, len);
		return;
	}
	sp[n++] = (struct splice){ ts, te, repl->tag };
	items = items_naming(page, len, target, s, e, 4);
	for (size_t i = 0; i < items; i++)
		sp[n++] = (struct splice){ s[i], e[i], repl->item };
	apply_splices(page, len, sp, n, out);
	*replaced_r = n;
}

static void
add_escaped(struct buf *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': buf_str(out, "&amp;"); break;
		case '<': buf_str(out, "&lt;"); break;
		case '>': buf_str(out, "&gt;"); break;
		case '"': buf_str(out, "&quot;"); break;
		default: buf_add(out, s, 1);
		}
}

/* The line holding [at, ...) without its line end. */
static void
add_tag_at(struct buf *out, const char *h, size_t len, size_t at)
{
	const char *gt = memchr(h + at, '>', len - at);

	if (gt)
		buf_add(out, h + at, (size_t)(gt - (h + at)) + 1);
}

static void
add_navigation(struct buf *out, const char *indent,
	       const struct pm_link *prev, const struct pm_link *next)
{
	buf_str(out, indent);
	buf_str(out, prev->item);
	buf_str(out, "\n");
	buf_str(out, indent);
	buf_str(out, next->item);
	buf_str(out, "\n"
		"         <LI> <B>Messages sorted by:</B> \n"
		"              <a href=\"date.html#start\">[ date ]</a>\n"
		"              <a href=\"thread.html#start\">[ thread ]</a>\n"
		"              <a href=\"subject.html#start\">[ subject ]</a>\n"
		"              <a href=\"author.html#start\">[ author ]</a>\n"
		"         </LI>\n"
		"       </UL>\n");
}

int
pm_tombstone(const char *page, size_t len, const char *notice,
	     const struct pm_link *prev, const struct pm_link *next,
	     struct buf *out, struct errbuf *err)
{
	size_t charset = ci_find(page, len, 0, "<meta http-equiv=\"content-type\"");
	size_t end_article = ci_find(page, len, 0, "<!--endarticle-->");
	size_t head_end = ci_find(page, len, 0, "</head>");
	size_t footer = NOT_FOUND, body_end;

	if (head_end == NOT_FOUND || end_article == NOT_FOUND ||
	    ci_find(page, len, 0, "<!--beginarticle-->") == NOT_FOUND)
		return errbuf_set(err, "it is not a message page of Mailman's "
				  "(no <!--beginarticle--> ... "
				  "<!--endarticle--> or no </HEAD>)");
	if (charset > head_end)
		charset = NOT_FOUND;
	/* the list's footer: after the navigation below the message */
	body_end = ci_find(page, len, end_article, "</body>");
	if (body_end != NOT_FOUND) {
		size_t ul_end = ci_find(page, body_end, end_article, "</ul>");

		if (ul_end != NOT_FOUND)
			footer = ul_end + 5;
	}
	if (len > 9 && strncasecmp(page, "<!DOCTYPE", 9) == 0) {
		const char *nl = memchr(page, '\n', len);

		buf_add(out, page, nl ? (size_t)(nl - page) + 1 : len);
	}
	buf_str(out, PM_TOMBSTONE_MARK "\n<HTML>\n <HEAD>\n"
		"   <TITLE> Message removed\n   </TITLE>\n"
		"   <LINK REL=\"Index\" HREF=\"index.html\" >\n"
		"   <META NAME=\"robots\" CONTENT=\"noindex,nofollow\">\n   ");
	if (charset != NOT_FOUND)
		add_tag_at(out, page, len, charset);
	buf_str(out, "\n   ");
	buf_str(out, prev->tag);
	buf_str(out, "\n   ");
	buf_str(out, next->tag);
	buf_str(out, "\n </HEAD>\n <BODY BGCOLOR=\"#ffffff\">\n"
		"   <H1>Message removed</H1>\n    <P><UL>\n");
	add_navigation(out, "        ", prev, next);
	buf_str(out, "    <HR>  \n<!--beginarticle-->\n<PRE>");
	add_escaped(out, notice);
	buf_str(out, "\n</PRE>\n\n<!--endarticle-->\n    <HR>\n    <P><UL>\n"
		"        <!--threads-->\n");
	add_navigation(out, "\t", prev, next);
	if (footer != NOT_FOUND)
		buf_add(out, page + footer, body_end - footer);
	else
		buf_str(out, "\n");
	buf_str(out, "</body></html>\n");
	return 0;
}

/* The span of the index entry whose anchor is at `at`: from its <LI
 * (and, in thread.html, the "<!--D KEY -->" line before it) through
 * "</I>" and its line end, and the empty line after it if there is one. */
static bool
entry_span(const char *h, size_t len, size_t at, size_t *s, size_t *e)
{
	size_t line = at, li, close, next_li;

	while (line > 0 && h[line - 1] != '\n')
		line--;
	li = ci_find(h, at, line, "<li");
	if (li == NOT_FOUND)
		return false;
	close = ci_find(h, len, at, "</i>");
	next_li = ci_find(h, len, at, "<li");
	if (close == NOT_FOUND || (next_li != NOT_FOUND && next_li < close))
		return false;
	*e = close + 4;
	if (*e < len && h[*e] == '\n')
		(*e)++;
	if (*e < len && h[*e] == '\n')
		(*e)++;
	*s = li;
	/* thread.html: the comment line that keys the entry */
	if (li == line && line > 0) {
		size_t prev = line - 1;

		while (prev > 0 && h[prev - 1] != '\n')
			prev--;
		if (line - prev > 8 && strncmp(h + prev, "<!--", 4) == 0 &&
		    isdigit((unsigned char)h[prev + 4]) &&
		    strncmp(h + line - 4, "-->\n", 4) == 0)
			*s = prev;
	}
	return true;
}

/* "<b>Messages:</b> N": lowered by dropped. */
static void
lower_count(struct buf *b, size_t dropped)
{
	size_t at = ci_find(b->p, b->len, 0, "<b>messages:</b>");
	char *end;
	unsigned long long n;
	struct buf out = { 0 };

	if (at == NOT_FOUND)
		return;
	at += 16;
	while (at < b->len && b->p[at] == ' ')
		at++;
	n = strtoull(b->p + at, &end, 10);
	if (end == b->p + at || n < dropped)
		return;
	buf_add(&out, b->p, at);
	buf_addf(&out, "%llu", n - dropped);
	buf_add(&out, end, b->len - (size_t)(end - b->p));
	buf_release(b);
	*b = out;
}

int
pm_index_drop(const char *index, size_t len, char *const *pages, size_t n,
	      struct buf *out, size_t *dropped_r, struct errbuf *err)
{
	struct splice *sp = NULL;
	size_t nsp = 0, alloc = 0;
	char needle[64];

	for (size_t p = 0; p < n; p++) {
		snprintf(needle, sizeof needle, "href=\"%s\"", pages[p]);
		for (size_t at = 0;
		     (at = ci_find(index, len, at, needle)) != NOT_FOUND;
		     at++) {
			size_t s, e;

			if (!entry_span(index, len, at, &s, &e)) {
				free(sp);
				return errbuf_set(err, "the entry of %s is not "
						  "one of Mailman's (<LI><A "
						  "HREF=...> ... </I>)",
						  pages[p]);
			}
			xgrow((void **)&sp, &alloc, nsp + 1, sizeof *sp);
			sp[nsp++] = (struct splice){ s, e, "" };
			at = e - 1;
		}
	}
	apply_splices(index, len, sp, nsp, out);
	lower_count(out, nsp);
	*dropped_r = nsp;
	free(sp);
	return 0;
}

/* Mailman's sizeof(): decimal, truncated. */
static void
size_label(unsigned long long size, char *out, size_t n)
{
	if (size < 1000)
		snprintf(out, n, "%llu bytes", size);
	else if (size < 1000000)
		snprintf(out, n, "%llu KB", size / 1000);
	else
		snprintf(out, n, "%llu MB", size / 1000000);
}

void
pm_toc_resize(const char *toc, size_t len, const char *file,
	      unsigned long long size, struct buf *out, bool *changed_r)
{
	char needle[300], label[40];
	size_t at, close, num_end, num;
	static const char *const units[] = { " bytes ]", " KB ]", " MB ]" };

	*changed_r = false;
	snprintf(needle, sizeof needle, "href=\"%s\"", file);
	at = ci_find(toc, len, 0, needle);
	close = at == NOT_FOUND ? NOT_FOUND : ci_find(toc, len, at, "</a>");
	num_end = NOT_FOUND;
	for (size_t u = 0; close != NOT_FOUND && u < 3; u++) {
		size_t found = ci_find(toc, close, at, units[u]);

		if (found != NOT_FOUND)
			num_end = found;
	}
	if (num_end == NOT_FOUND) {
		buf_add(out, toc, len);
		return;
	}
	num = num_end;
	while (num > at && isdigit((unsigned char)toc[num - 1]))
		num--;
	size_label(size, label, sizeof label);
	buf_add(out, toc, num);
	buf_str(out, label);
	buf_str(out, " ]");
	close = num_end + strcspn(toc + num_end, "]") + 1;
	buf_add(out, toc + close, len - close);
	*changed_r = true;
}
