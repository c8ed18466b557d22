/* redact.c -- take matched spans out of one message: collect the edits
 * part by part, apply them, and check the result again. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/redact-private.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/msg.h"

void
add_span(void *ctx, size_t start, size_t end)
{
	struct spans *sp = ctx;

	xgrow((void **)&sp->s, &sp->alloc, sp->n + 1, sizeof *sp->s);
	sp->s[sp->n][0] = start;
	sp->s[sp->n][1] = end;
	sp->n++;
}

void
add_edit(struct redactor *r, size_t start, size_t end, char *text, size_t len)
{
	struct edit *e;

	xgrow((void **)&r->edits, &r->edits_alloc, r->nedits + 1,
	      sizeof *r->edits);
	e = &r->edits[r->nedits++];
	*e = (struct edit){ start, end, text, len };
}

static int
compare_spans(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sorted, overlapping spans merged. */
static void
normalise_spans(struct spans *sp)
{
	size_t out = 0;

	if (sp->n > 1)
		qsort(sp->s, sp->n, sizeof *sp->s, compare_spans);
	for (size_t i = 0; i < sp->n; i++) {
		if (out > 0 && sp->s[i][0] <= sp->s[out - 1][1]) {
			if (sp->s[i][1] > sp->s[out - 1][1])
				sp->s[out - 1][1] = sp->s[i][1];
			continue;
		}
		sp->s[out][0] = sp->s[i][0];
		sp->s[out][1] = sp->s[i][1];
		out++;
	}
	sp->n = out;
}

void
find_spans(struct redactor *r, const char *text, size_t len,
	   unsigned int flags, struct spans *sp)
{
	sp->n = 0;
	r->find(r->ctx, text, len, flags, add_span, sp);
	normalise_spans(sp);
}

/* text with every span replaced by the marker. */
char *
replace_spans(const char *text, size_t len, const struct spans *sp,
	      const char *marker, size_t *out_len)
{
	struct buf b = { 0 };
	size_t at = 0;

	for (size_t i = 0; i < sp->n; i++) {
		buf_add(&b, text + at, sp->s[i][0] - at);
		buf_str(&b, marker);
		at = sp->s[i][1];
	}
	buf_add(&b, text + at, len - at);
	*out_len = b.len;
	return b.p;
}

bool
holds_pair(const char *p, size_t len, char a, char b)
{
	const char *end = p + len, *q = p;

	while (q + 1 < end && (q = memchr(q, a, (size_t)(end - q - 1))) != NULL) {
		if (q[1] == b)
			return true;
		q++;
	}
	return false;
}

bool
spans_touch(const struct spans *sp, size_t start, size_t end)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->s[i][0] < end && start < sp->s[i][1])
			return true;
	return false;
}

static int
redact_part(const struct msg_part *part, void *ctx)
{
	struct redactor *r = ctx;

	if (r->failed)
		return 1;
	if (part->flags & PART_BINARY)
		r->binary_parts++;
	else if (part->flags & PART_HEADER) {
		if (part->raw_len > 0)  /* not the decoded words: see fields */
			redact_header(r, part);
	} else if (part->raw_len > 0 || part->len == 0)
		redact_body_part(r, part);
	return 0;
}


static int
compare_edits(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static char *
apply_edits(struct redactor *r, size_t len, size_t *out_len)
{
	struct buf b = { 0 };
	size_t at = 0;

	if (r->nedits > 1)
		qsort(r->edits, r->nedits, sizeof *r->edits, compare_edits);
	buf_add(&b, "", 0);
	for (size_t i = 0; i < r->nedits; i++) {
		struct edit *e = &r->edits[i];

		if (e->start < at)      /* inside an edit already made */
			continue;
		buf_add(&b, r->raw + at, e->start - at);
		buf_add(&b, e->text, e->len);
		at = e->end;
	}
	buf_add(&b, r->raw + at, len - at);
	*out_len = b.len;
	return b.p;
}

/* mboxcl: a Content-Length of the message must tell the new body. */
static void
fix_content_length(char **data, size_t *len)
{
	size_t body, vlen;
	const char *v;
	struct buf b = { 0 };
	char num[32];

	msg_header_end(*data, *len, &body);
	v = header_find(*data, body, "Content-Length", &vlen);
	if (v == NULL)
		return;
	snprintf(num, sizeof num, " %zu", *len - body);
	while (vlen > 0 && v > *data && v[-1] == ' ')
		v--, vlen++;
	buf_add(&b, *data, (size_t)(v - *data));
	buf_str(&b, num);
	buf_add(&b, v + vlen, *len - (size_t)(v + vlen - *data));
	free(*data);
	*data = b.p;
	*len = b.len;
}

struct recheck {
	redact_find_fn find;
	void *ctx;
	const char *marker;
	size_t left;
};

/* Is [start, end) of text inside a marker written by the redaction?  A
 * rule may take "[redacted]" after "password = " for a value: that is
 * what is left, not a leak. */
static bool
within_marker(const char *text, size_t len, size_t start, size_t end,
	      const char *marker)
{
	size_t m = strlen(marker);
	size_t from = end > m ? end - m : 0;

	for (size_t p = from; p <= start && p + m <= len; p++)
		if (memcmp(text + p, marker, m) == 0 && end <= p + m)
			return true;
	return false;
}

static int
count_left(const struct msg_part *part, void *ctx)
{
	struct recheck *rc = ctx;
	struct spans sp = { 0 };

	if (part->flags & PART_BINARY)
		return 0;
	rc->find(rc->ctx, part->text, part->len, part->flags, add_span, &sp);
	for (size_t i = 0; i < sp.n; i++)
		rc->left += !within_marker(part->text, part->len, sp.s[i][0],
					   sp.s[i][1], rc->marker);
	free(sp.s);
	return 0;
}

/* The result must parse into as many parts as the original had, and
 * hold nothing to find. */
static int
check_result(redact_find_fn find, void *ctx, const char *marker,
	     unsigned int parts, const char *out, size_t out_len,
	     struct errbuf *err)
{
	struct msg_walker *mw = msg_walker_new();
	struct msg_walk_report after;
	struct recheck rc = { find, ctx, marker, 0 };

	msg_walk(mw, out, out_len, count_left, &rc, &after);
	msg_walker_free(&mw);
	if (parts != after.parts)
		return errbuf_set(err, "after redaction the message has %u MIME "
				  "parts instead of %u; it is left as it is "
				  "(report this, and delete the message instead)",
				  after.parts, parts);
	if (rc.left > 0)
		return errbuf_set(err, "%zu matches are still found after "
				  "redaction (in a form listscrub cannot rewrite); "
				  "delete this message instead (--action delete)",
				  rc.left);
	return 0;
}

/* A CR-only message: redacted as an LF copy (same offsets), written
 * back with CRs, so that it keeps its own line ends. */
static int
redact_cr_only(redact_find_fn find, void *ctx, const char *marker,
	       const char *raw, size_t len, struct redact_result *res,
	       struct errbuf *err)
{
	char *lf = xmalloc(len + 1);
	int rc;

	memcpy(lf, raw, len);
	msg_swap_line_ends(lf, len, '\r', '\n');
	rc = redact_message(find, ctx, marker, lf, len, res, err);
	free(lf);
	if (rc == 0 && res->data)
		msg_swap_line_ends(res->data, res->len, '\n', '\r');
	return rc;
}

int
redact_message(redact_find_fn find, void *ctx, const char *marker,
	       const char *raw, size_t len, struct redact_result *res,
	       struct errbuf *err)
{
	struct redactor r = {
		.find = find, .ctx = ctx, .marker = marker, .raw = raw,
		.err = err,
	};
	struct msg_walker *mw = msg_walker_new();
	struct msg_walk_report report;
	int rc = 0;

	if (msg_has_cr_line_ends(raw, len)) {
		msg_walker_free(&mw);
		return redact_cr_only(find, ctx, marker, raw, len, res, err);
	}
	memset(res, 0, sizeof *res);
	msg_walk(mw, raw, len, redact_part, &r, &report);
	msg_walker_free(&mw);
	/* Past a cap the rest was read as raw bytes: a base64 or
	 * quoted-printable part there was not decoded, so neither the
	 * redaction nor its check could see all of it. */
	if (!r.failed && report.cap != MSG_PROBLEM_NONE) {
		errbuf_format(err, "%s: past the cap the message was read "
			      "as raw bytes, so a redaction of it cannot be "
			      "checked whole; it is left as it is.  Delete it "
			      "(--action delete), or raise the cap "
			      "(listscrub(1) LIMITS)",
			      diag_info((enum diag_code)report.cap)->id);
		r.failed = 1;
	}
	if (r.failed)
		rc = -1;
	else {
		res->data = apply_edits(&r, len, &res->len);
		if (r.nedits > 0)
			fix_content_length(&res->data, &res->len);
		res->spans = r.spans;
		res->binary_parts = r.binary_parts;
		if (r.nedits > 0 && check_result(find, ctx, marker,
						 report.parts, res->data,
						 res->len, err) < 0)
			rc = -1;
	}
	for (size_t i = 0; i < r.nedits; i++)
		free(r.edits[i].text);
	free(r.edits);
	if (rc < 0) {
		free(res->data);
		memset(res, 0, sizeof *res);
	}
	return rc;
}
