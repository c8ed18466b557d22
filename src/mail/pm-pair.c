/* pm-pair.c -- does a page show the message its place says it shows?
 * Pages and texts are written from the same message by different code
 * (HTML-escaped, munged, re-decoded, rendered in another time zone), so
 * each field is compared in a form both keep. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/datetime.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/msgid.h"
#include "mail/pipermail.h"
#include "mail/words.h"

/* The letters and digits of a text (a subject, an author), lower case, an '@' read as "at"
 * (Mailman munges addresses in page subjects, not in the text's), the
 * page's entities decoded; other characters (spaces, punctuation, any
 * byte of another charset) are left out: pages and texts decode them
 * differently. */
static void
text_key(const char *s, size_t len, bool html, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (html && c == '<') {         /* a tag inside the H1 */
			const char *gt = memchr(s + i, '>', len - i);

			if (gt) {
				i = (size_t)(gt - s);
				continue;
			}
		}
		if (html && c == '&') {
			const char *semi = memchr(s + i, ';', len - i);

			if (semi && semi - (s + i) <= 8) {
				if (s[i + 1] == '#') {
					long v = strtol(s + i + 2, NULL, 10);

					c = v > 0 && v < 128 ? (unsigned char)v : ' ';
				} else
					c = ' ';        /* &amp; &lt; ...: punctuation */
				i = (size_t)(semi - s);
			}
		}
		if (c == '@')
			buf_str(out, "at");
		else if (c < 128 && isalnum(c))
			buf_add(out, (char[]){ (char)tolower(c) }, 1);
	}
}

static bool
keys_equal(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static int
check_subject(const char *page, size_t len, const char *msg, size_t msg_len,
	      struct errbuf *err)
{
	struct buf pk = { 0 }, mk = { 0 };
	size_t h1_len = 0;
	const char *h1 = pm_html_element(page, len, "h1", &h1_len);
	char *subject;
	int rc = 0;

	if (!h1)
		return errbuf_set(err, "the page has no <H1> (not a message "
				  "page of Mailman's)");
	subject = header_get_decoded(msg, msg_len, "Subject");
	text_key(h1, h1_len, true, &pk);
	if (subject)
		text_key(subject, strlen(subject), false, &mk);
	/* Mailman shows "No subject" where the message has none */
	if (!(mk.len == 0 && pk.len && strcmp(pk.p, "nosubject") == 0) &&
	    !keys_equal(&pk, &mk))
		rc = errbuf_set(err, "the page's subject is not the message's "
				"(%zu and %zu letters and digits)", pk.len,
				mk.len);
	free(subject);
	buf_release(&pk);
	buf_release(&mk);
	return rc;
}

/* The author line <B>...</B> holds the name (or the address) the From
 * field gives: its letters and digits are among the field's. */
static int
check_author(const char *page, size_t len, const char *msg, size_t msg_len,
	     struct errbuf *err)
{
	const char *h1_end = strcasestr(page, "</h1>");
	size_t b_len = 0;
	const char *b = h1_end ? pm_html_element(h1_end, len - (size_t)(h1_end - page),
					   "b", &b_len) : NULL;
	char *from = header_get_decoded(msg, msg_len, "From");
	struct buf pk = { 0 }, mk = { 0 };
	int rc = 0;

	if (b && from) {
		text_key(b, b_len, true, &pk);
		text_key(from, strlen(from), false, &mk);
		if (pk.len && (!mk.len || !strstr(mk.p, pk.p)))
			rc = errbuf_set(err, "the page's author is not in the "
					"message's From field");
	}
	free(from);
	buf_release(&pk);
	buf_release(&mk);
	return rc;
}

/* A ctime date (Mailman's, with or without its zone word) anywhere in
 * s: its fields read as UTC; false when there is none. */
static bool
find_ctime(const char *s, long long *t_r)
{
	for (const char *p = s; *p; p++) {
		char zone[16];
		int64_t t;

		if (isupper((unsigned char)p[0]) && (p == s || p[-1] == ' ') &&
		    datetime_parse_ctime_zone(p, &t, zone) == 0) {
			*t_r = t;
			return true;
		}
	}
	return false;
}

/* The date line <I>...</I>: the Date field as written (Mailman before
 * 2.1), or the time archived in the server's zone, which the From_ line
 * gives in the zone of another moment: the same minute and second, some
 * whole hours apart (a server moves between zones). */
static int
check_date(const char *page, size_t len, const char *msg, size_t msg_len,
	   struct errbuf *err)
{
	const char *h1_end = strcasestr(page, "</h1>");
	size_t i_len = 0, date_len = 0;
	const char *i = h1_end ? pm_html_element(h1_end, len - (size_t)(h1_end - page),
					   "i", &i_len) : NULL;
	char *shown = i && i_len < 200 ? xstrndup(i, i_len) : NULL;
	size_t from_len = msg_from_line_len(msg, msg_len);
	char *from_line = from_len ? xstrndup(msg, from_len) : NULL;
	const char *date = msg_header_value(msg, msg_len, "Date", &date_len);
	long long pt, mt;
	int rc = 0;

	if (shown && from_line && find_ctime(shown, &pt) &&
	    find_ctime(from_line, &mt)) {
		long long d = pt > mt ? pt - mt : mt - pt;

		if (d % 3600 != 0 || d > 15 * 3600)
			rc = errbuf_set(err, "the page's date is not the "
					"message's time of archiving");
	} else if (shown && date) {
		struct buf pk = { 0 }, mk = { 0 };

		text_key(shown, strlen(shown), true, &pk);
		text_key(date, date_len, false, &mk);
		if (pk.len && !keys_equal(&pk, &mk) &&
		    !(mk.len && strstr(pk.p, mk.p)))
			rc = errbuf_set(err, "the page's date is not the "
					"message's Date field");
		buf_release(&pk);
		buf_release(&mk);
	}
	free(shown);
	free(from_line);
	return rc;
}

static int
take_first(const char *id, size_t len, void *ctx)
{
	*(char **)ctx = xstrndup(id, len);
	return 1;
}

/* The first Message-ID of a field's value, without <>; NULL: none. */
static char *
first_id(const char *value, size_t len)
{
	char *id = NULL;

	msgid_each(value, len, take_first, &id);
	return id;
}

/* The reply link's In-Reply-To= (Mailman 2.1): the message's own
 * Message-ID (2.1.13 on) or its In-Reply-To (before). */
static int
check_reply_link(const char *page, const char *msg, size_t msg_len,
		 struct errbuf *err)
{
	const char *at = strcasestr(page, "In-Reply-To=");
	struct buf want = { 0 };
	char *mid, *irt;
	size_t mlen = 0, ilen = 0;
	const char *m = msg_header_value(msg, msg_len, "Message-ID", &mlen);
	const char *r = msg_header_value(msg, msg_len, "In-Reply-To", &ilen);
	int rc = 0;

	if (!at)
		return 0;
	for (at += 12; *at && *at != '"' && *at != '&'; at++) {
		if (*at == '%' && isxdigit((unsigned char)at[1]) &&
		    isxdigit((unsigned char)at[2])) {
			char hex[3] = { at[1], at[2], 0 };
			char c = (char)strtol(hex, NULL, 16);

			if (c != '<' && c != '>')
				buf_add(&want, &c, 1);
			at += 2;
		} else if (*at != '<' && *at != '>')
			buf_add(&want, at, 1);
	}
	mid = m ? first_id(m, mlen) : NULL;
	irt = r ? first_id(r, ilen) : NULL;
	if (want.len && (mid || irt) &&
	    !(mid && strcmp(mid, want.p) == 0) &&
	    !(irt && strcmp(irt, want.p) == 0))
		rc = errbuf_set(err, "the page's reply link names neither the "
				"message's Message-ID nor its In-Reply-To");
	free(mid);
	free(irt);
	buf_release(&want);
	return rc;
}

int
pm_check_pair(const char *page, size_t page_len, const char *msg,
	      size_t msg_len, struct errbuf *err)
{
	char *html = xstrndup(page, page_len);  /* NUL-terminated for strstr */
	int rc = check_subject(html, page_len, msg, msg_len, err);

	if (rc == 0)
		rc = check_author(html, page_len, msg, msg_len, err);
	if (rc == 0)
		rc = check_date(html, page_len, msg, msg_len, err);
	if (rc == 0)
		rc = check_reply_link(html, msg, msg_len, err);
	free(html);
	return rc;
}
