/* mass.c -- counting recipients, finding runs of addresses. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/mass.h"
#include "detect/rules.h"
#include "detect/validate.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/msg.h"
#include "mail/msgid.h"

#define RUN_GAP 80

static bool
is_local(unsigned char c)
{
	return isalnum(c) || strchr("._%+'-=", c) != NULL;
}

static bool
is_domain(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/* The address around the '@' at text[at], shaped local@label.label;
 * false when there is none. */
static bool
address_around(const char *text, size_t len, size_t at, struct mass_span *s)
{
	size_t b = at, e = at + 1;

	while (b > 0 && at - b < 64 && is_local((unsigned char)text[b - 1]))
		b--;
	while (e < len && is_domain((unsigned char)text[e]))
		e++;
	while (e > at + 1 && (text[e - 1] == '.' || text[e - 1] == '-'))
		e--;
	if (b == at || e == at + 1 || !valid_email_syntax(text + b, e - b))
		return false;
	*s = (struct mass_span){ b, e };
	return true;
}

/* Call fn for every address in text[from, to). */
static void
each_address(const char *text, size_t from, size_t to,
	     void (*fn)(const char *text, const struct mass_span *s, void *),
	     void *ctx)
{
	const char *p = text + from;

	while ((p = memchr(p, '@', (size_t)(text + to - p))) != NULL) {
		struct mass_span s;

		if (address_around(text, to, (size_t)(p - text), &s)) {
			if (!text_in_quoted_id(text, to, s.start))
				fn(text, &s, ctx);
			p = text + s.end;
		} else
			p++;
	}
}

/* ---- recipients ------------------------------------------------------------- */

struct addr_list {
	struct mass_span *spans;
	size_t n, alloc;
	const char *text;
};

static void
collect(const char *text, const struct mass_span *s, void *ctx)
{
	struct addr_list *l = ctx;

	l->text = text;
	xgrow((void **)&l->spans, &l->alloc, l->n + 1, sizeof *l->spans);
	l->spans[l->n++] = *s;
}

static bool
same_address(const char *t, const struct mass_span *a, const struct mass_span *b)
{
	return a->end - a->start == b->end - b->start &&
		strncasecmp(t + a->start, t + b->start, a->end - a->start) == 0;
}

static bool
listed_in(const char *t, const struct addr_list *l, const struct mass_span *s,
	  size_t upto)
{
	for (size_t i = 0; i < upto && i < l->n; i++)
		if (same_address(t, &l->spans[i], s))
			return true;
	return false;
}

static bool
is_recipient_field(const struct header_field *f)
{
	return header_name_is(f, "To") || header_name_is(f, "Cc") ||
		header_name_is(f, "Resent-To") || header_name_is(f, "Resent-Cc");
}

static bool
is_sender_field(const struct header_field *f)
{
	return header_name_is(f, "From") || header_name_is(f, "Sender") ||
		header_name_is(f, "List-Post");
}

size_t
mass_recipients(const char *hdr, size_t len, unsigned int threshold,
		mass_span_fn fn, void *ctx)
{
	struct addr_list rcpt = { 0 }, senders = { 0 };
	struct header_iter it;
	struct header_field f;
	size_t distinct = 0;

	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f)) {
		size_t from = (size_t)(f.value - hdr);

		if (is_recipient_field(&f))
			each_address(hdr, from, from + f.value_len, collect, &rcpt);
		else if (is_sender_field(&f))
			each_address(hdr, from, from + f.value_len, collect,
				     &senders);
	}
	for (size_t i = 0; i < rcpt.n; i++)
		distinct += !listed_in(hdr, &senders, &rcpt.spans[i], senders.n) &&
			!listed_in(hdr, &rcpt, &rcpt.spans[i], i);
	if (distinct < threshold || threshold == 0)
		distinct = 0;
	for (size_t i = 0; distinct && i < rcpt.n; i++)
		if (!listed_in(hdr, &senders, &rcpt.spans[i], senders.n) &&
		    fn(&rcpt.spans[i], ctx))
			break;
	free(rcpt.spans);
	free(senders.spans);
	return distinct;
}

/* ---- runs in bodies ------------------------------------------------------------ */

/* Two addresses belong to one run when the bytes between them are few,
 * hold no digit (dates, numbers: prose) and no blank line. */
static bool
adjacent(const char *t, size_t end, size_t next)
{
	if (next - end > RUN_GAP)
		return false;
	for (size_t i = end; i < next; i++)
		if (isdigit((unsigned char)t[i]) ||
		    (t[i] == '\n' && i + 1 < next &&
		     (t[i + 1] == '\n' || (t[i + 1] == '\r' && i + 2 < next &&
					   t[i + 2] == '\n'))))
			return false;
	return true;
}

size_t
mass_address_runs(const char *text, size_t len, unsigned int threshold,
		  mass_span_fn fn, void *ctx)
{
	struct addr_list l = { 0 };
	size_t runs = 0, first = 0;

	if (threshold == 0 || memchr(text, '@', len) == NULL)
		return 0;
	each_address(text, 0, len, collect, &l);
	for (size_t i = 1; i <= l.n; i++) {
		if (i < l.n && adjacent(text, l.spans[i - 1].end, l.spans[i].start))
			continue;
		if (i - first >= threshold) {
			struct mass_span run = { l.spans[first].start,
						 l.spans[i - 1].end };

			runs++;
			if (fn(&run, ctx))
				break;
		}
		first = i;
	}
	free(l.spans);
	return runs;
}
