/* msg.c -- the MIME walk over a raw message: every leaf that holds text
 * handed over decoded. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "lib/buf.h"
#include "lib/xalloc.h"
#include "mail/charset.h"
#include "mail/decode.h"
#include "mail/header.h"
#include "mail/limits.h"
#include "mail/msg.h"
#include "mail/sniff.h"
#include "mail/words.h"


enum cte {
	CTE_IDENTITY,           /* 7bit, 8bit, binary, or none */
	CTE_BASE64,
	CTE_QP,
	CTE_UNKNOWN,
};

/* How much of a base64 attachment is decoded to tell text from binary:
 * 4 KB of base64, 3 KB of content. */
#define SNIFF_BASE64 4096

struct entity_type {
	char type[64];          /* "text/plain", lower case */
	char boundary[200];     /* RFC 2046: at most 70 */
	char charset[64];
	char filename[256];     /* Content-Disposition filename or Content-Type
				   name; empty when absent or too long */
	enum cte cte;
	bool too_long;          /* a boundary or charset longer than the
				   above: the entity is searched raw */
};

/* Buffers kept from message to message, so that a walk allocates
 * nothing in the common case. */
struct msg_walker {
	char *decoded;          /* transfer-decoded part */
	size_t decoded_alloc;
	char *converted;        /* charset-converted part */
	size_t converted_alloc;
	struct buf words;       /* decoded RFC 2047 words of a header */
	struct buf scratch;
	/* msg_walker_header's reading of one message's header, until the
	 * walk of that message uses it */
	const char *hdr;        /* NULL: none */
	size_t hdr_len, hdr_end;
	struct header_field *fields;
	size_t nfields, fields_alloc;
};

struct walk {
	const char *raw;
	size_t len;
	msg_part_fn fn;
	void *ctx;
	struct msg_walk_report *report;
	unsigned int next_part;
	struct msg_walker *mw;
};

struct msg_walker *
msg_walker_new(void)
{
	struct msg_walker *mw = xcalloc(1, sizeof *mw);

	return mw;
}

void
msg_walker_free(struct msg_walker **mwp)
{
	struct msg_walker *mw = *mwp;

	if (mw == NULL)
		return;
	free(mw->decoded);
	free(mw->converted);
	buf_release(&mw->words);
	buf_release(&mw->scratch);
	free(mw->fields);
	free(mw);
	*mwp = NULL;
}

size_t
msg_walker_header(struct msg_walker *mw, const char *raw, size_t len,
		  const struct header_field **fields_r, size_t *hdr_end_r)
{
	struct header_iter it;
	size_t body;

	mw->hdr = raw;
	mw->hdr_len = len;
	mw->hdr_end = msg_header_end(raw, len, &body);
	mw->nfields = 0;
	header_iter_init(&it, raw, mw->hdr_end);
	for (;;) {
		xgrow((void **)&mw->fields, &mw->fields_alloc, mw->nfields + 1,
		      sizeof *mw->fields);
		if (!header_iter_next(&it, &mw->fields[mw->nfields]))
			break;
		mw->nfields++;
	}
	*fields_r = mw->fields;
	*hdr_end_r = mw->hdr_end;
	return mw->nfields;
}

static void
note_problem(struct walk *w, enum msg_problem problem, unsigned int part,
	     size_t offset)
{
	if (problem == MSG_PROBLEM_HEADER_UNKNOWN_CHARSET) {
		w->report->unknown_charset_words = true;
		return;
	}
	if ((problem == MSG_PROBLEM_TOO_DEEP ||
	     problem == MSG_PROBLEM_TOO_MANY_PARTS ||
	     problem == MSG_PROBLEM_HEADER_LINE_TOO_LONG) &&
	    w->report->cap == MSG_PROBLEM_NONE)
		w->report->cap = problem;
	if (w->report->problem == MSG_PROBLEM_NONE) {
		w->report->problem = problem;
		w->report->part = part;
		w->report->offset = offset;
	}
}

/* Value of parameter name in a Content-Type value (quotes removed) into
 * out: 1 when found, 0 when absent, -1 when longer than out holds (a
 * value cut short would be another value: the caller fails closed). */
static int
ct_param(const char *v, size_t len, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name), i = 0;

	while (i < len) {
		const char *semi = memchr(v + i, ';', len - i);
		size_t j, k = 0;

		if (semi == NULL)
			return 0;
		i = (size_t)(semi - v) + 1;
		while (i < len && isspace((unsigned char)v[i]))
			i++;
		if (len - i <= n || strncasecmp(v + i, name, n) != 0)
			continue;
		j = i + n;
		while (j < len && isspace((unsigned char)v[j]))
			j++;
		if (j >= len || v[j] != '=')
			continue;
		j++;
		while (j < len && isspace((unsigned char)v[j]))
			j++;
		if (j < len && v[j] == '"') {
			for (j++; j < len && v[j] != '"'; j++) {
				if (v[j] == '\\' && j + 1 < len)
					j++;
				if (v[j] == '\r' || v[j] == '\n')
					continue;
				if (k + 1 >= outsz)
					return -1;
				out[k++] = v[j];
			}
		} else {
			for (; j < len && v[j] != ';' && !isspace((unsigned char)v[j]);
			     j++) {
				if (k + 1 >= outsz)
					return -1;
				out[k++] = v[j];
			}
		}
		out[k] = '\0';
		return k > 0;
	}
	return 0;
}

static void
lower_token(const char *v, size_t len, char *out, size_t outsz)
{
	size_t i = 0, k = 0;

	while (i < len && isspace((unsigned char)v[i]))
		i++;
	for (; i < len && v[i] != ';' && !isspace((unsigned char)v[i]) &&
	       k + 1 < outsz; i++)
		out[k++] = (char)tolower((unsigned char)v[i]);
	out[k] = '\0';
}

/* One field of an entity's header, if it says what the entity is. */
static void
read_content_field(const struct header_field *f, struct entity_type *t,
		   char *cte, size_t cte_size)
{
	if (header_name_is(f, "Content-Type")) {
		lower_token(f->value, f->value_len, t->type, sizeof t->type);
		t->too_long |= ct_param(f->value, f->value_len, "boundary",
					t->boundary, sizeof t->boundary) < 0;
		t->too_long |= ct_param(f->value, f->value_len, "charset",
					t->charset, sizeof t->charset) < 0;
		if (t->filename[0] == '\0' &&
		    ct_param(f->value, f->value_len, "name", t->filename,
			     sizeof t->filename) < 0)
			t->filename[0] = '\0';  /* a hint only */
	} else if (header_name_is(f, "Content-Disposition")) {
		if (ct_param(f->value, f->value_len, "filename", t->filename,
			     sizeof t->filename) < 0)
			t->filename[0] = '\0';
	} else if (header_name_is(f, "Content-Transfer-Encoding"))
		lower_token(f->value, f->value_len, cte, cte_size);
}

static enum cte
cte_of(const char *cte)
{
	if (cte[0] == '\0' || strcmp(cte, "7bit") == 0 ||
	    strcmp(cte, "8bit") == 0 || strcmp(cte, "binary") == 0)
		return CTE_IDENTITY;
	if (strcmp(cte, "base64") == 0)
		return CTE_BASE64;
	if (strcmp(cte, "quoted-printable") == 0)
		return CTE_QP;
	return CTE_UNKNOWN;
}

/* Convert text in a charset that hides ASCII (UTF-16, UTF-7) to UTF-8.
 * Returns 0 with the result in mw->converted, -1 when the charset is
 * unknown or conversion fails. */
static int
convert_charset(struct msg_walker *mw, const char *charset, const char *text,
		size_t len, size_t *out_len_r)
{
	return charset_to_utf8(charset, text, len, &mw->converted,
			       &mw->converted_alloc, out_len_r) == 0 ? 0 : -1;
}

/* Transfer-decode into mw->decoded; *bad_r when base64 had junk. */
static const char *
transfer_decode(struct msg_walker *mw, enum cte cte, const char *body,
		size_t len, size_t *out_len_r, bool *bad_r)
{
	*bad_r = false;
	if (cte != CTE_BASE64 && cte != CTE_QP) {
		*out_len_r = len;
		return body;
	}
	xgrow((void **)&mw->decoded, &mw->decoded_alloc, DECODE_MAX_OUT(len), 1);
	*out_len_r = cte == CTE_BASE64
		? decode_base64(body, len, mw->decoded, bad_r)
		: decode_qp(body, len, mw->decoded);
	return mw->decoded;
}

static enum part_encoding
part_encoding_of(enum cte cte)
{
	return cte == CTE_BASE64 ? PART_BASE64
		: cte == CTE_QP ? PART_QP : PART_IDENTITY;
}

/* A part handed over as its raw bytes. */
static int
hand_over(struct walk *w, unsigned int number, unsigned int flags,
	  const char *text, size_t len, size_t raw_offset)
{
	struct msg_part part = {
		.number = number, .flags = flags, .text = text, .len = len,
		.raw_offset = raw_offset,
		.raw_len = flags & PART_DECODED ? 0 : len,
		.encoding = PART_IDENTITY,
	};

	return w->fn(&part, w->ctx);
}

/* A leaf part: its raw bytes [body, end), and how they are encoded. */
struct leaf {
	unsigned int number;
	size_t body, end;
	enum cte cte;
};

/* A leaf handed over with its text (decoded or not: flags say). */
static int
hand_over_leaf(struct walk *w, const struct leaf *lf, unsigned int flags,
	       const char *text, size_t len)
{
	struct msg_part part = {
		.number = lf->number, .flags = flags, .text = text, .len = len,
		.raw_offset = lf->body, .raw_len = lf->end - lf->body,
		.encoding = part_encoding_of(lf->cte),
	};

	return w->fn(&part, w->ctx);
}

/* The header block read once: the entity's type, and its decoded
 * encoded words handed over as a second header block of "Name: text"
 * lines. */
static int
read_entity_header(struct walk *w, const char *hdr, size_t len,
		   unsigned int number, size_t raw_offset,
		   struct entity_type *t)
{
	struct msg_walker *mw = w->mw;
	struct header_iter it;
	struct header_field f;
	bool words = words_present(hdr, len);
	/* the message's header, as msg_walker_header read it */
	bool known = mw->hdr == hdr && mw->hdr_end == len;
	size_t k = 0;
	char cte[32] = "";

	memset(t, 0, sizeof *t);
	buf_reset(&mw->words);
	header_iter_init(&it, hdr, len);
	while (known ? k < mw->nfields : header_iter_next(&it, &f)) {
		int rc;

		if (known)
			f = mw->fields[k++];
		rc = words && words_present(f.value, f.value_len)
			? words_decode_field(&f, &mw->words, &mw->scratch) : 0;
		if (rc != 0)
			note_problem(w, rc < 0 ? MSG_PROBLEM_BAD_HEADER_ENCODING
				     : MSG_PROBLEM_HEADER_UNKNOWN_CHARSET,
				     number, raw_offset + f.offset);
		if (f.name_len >= 12 && (f.name[0] == 'C' || f.name[0] == 'c'))
			read_content_field(&f, t, cte, sizeof cte);
	}
	t->cte = cte_of(cte);
	if (mw->words.len == 0)
		return 0;
	return hand_over(w, number, PART_HEADER | PART_DECODED, mw->words.p,
			 mw->words.len, raw_offset);
}

static int walk_entity(struct walk *w, size_t start, size_t end,
		       unsigned int depth, bool top);

/* The start of the first line of [from, to) longer than max bytes (its
 * line end excluded), or to. */
static size_t
long_line(const struct walk *w, size_t from, size_t to, size_t max)
{
	if (to - from <= max)
		return to;      /* no line can be longer than the block */
	while (from < to) {
		const char *nl = memchr(w->raw + from, '\n', to - from);
		size_t eol = nl ? (size_t)(nl - w->raw) : to, n = eol - from;

		if (n > 0 && w->raw[eol - 1] == '\r')
			n--;
		if (n > max)
			return from;
		from = eol + 1;
	}
	return to;
}

/* Find the next delimiter line "--boundary" at or after pos; returns its
 * offset or end, and whether it is the closing one.  The needle is the
 * whole "--boundary", so patches full of "--" lines cost nothing. */
static size_t
find_delimiter(const struct walk *w, size_t pos, size_t end,
	       const char *boundary, size_t blen, bool *closing_r)
{
	char needle[sizeof ((struct entity_type *)0)->boundary + 2];

	needle[0] = needle[1] = '-';
	memcpy(needle + 2, boundary, blen);
	while (pos < end) {
		const char *hit = memmem(w->raw + pos, end - pos, needle, blen + 2);
		size_t at;

		if (hit == NULL)
			break;
		at = (size_t)(hit - w->raw);
		pos = at + 2 + blen;
		if (at > 0 && w->raw[at - 1] != '\n')
			continue;
		*closing_r = end - pos >= 2 && memcmp(w->raw + pos, "--", 2) == 0;
		return at;
	}
	*closing_r = false;
	return end;
}

static size_t
after_line(const struct walk *w, size_t pos, size_t end)
{
	const char *nl = memchr(w->raw + pos, '\n', end - pos);

	return nl ? (size_t)(nl - w->raw) + 1 : end;
}

/* The line end before a delimiter belongs to the delimiter (RFC 2046). */
static size_t
trim_before_delimiter(const struct walk *w, size_t start, size_t at)
{
	if (at > start && w->raw[at - 1] == '\n')
		at--;
	if (at > start && w->raw[at - 1] == '\r')
		at--;
	return at;
}

static int
walk_multipart(struct walk *w, const struct entity_type *t, size_t body,
	       size_t end, unsigned int depth, unsigned int number)
{
	size_t blen = strlen(t->boundary), pos = body, at;
	bool closing = false;
	int rc;

	at = find_delimiter(w, pos, end, t->boundary, blen, &closing);
	/* The preamble is not a part, but it is in the archive: search it. */
	if (at > pos && (rc = hand_over(w, number, 0, w->raw + pos,
					trim_before_delimiter(w, pos, at) - pos,
					pos)) != 0)
		return rc;
	while (at < end && !closing) {
		size_t part_start = after_line(w, at, end), next;

		next = find_delimiter(w, part_start, end, t->boundary, blen,
				      &closing);
		if (next == end)
			note_problem(w, MSG_PROBLEM_NO_CLOSING_BOUNDARY, number,
				     part_start);
		rc = walk_entity(w, part_start,
				 next == end ? end
				 : trim_before_delimiter(w, part_start, next),
				 depth + 1, false);
		if (rc != 0)
			return rc;
		at = next;
	}
	if (at < end) {
		size_t epilogue = after_line(w, at, end);

		if (epilogue < end)
			return hand_over(w, number, 0, w->raw + epilogue,
					 end - epilogue, epilogue);
	}
	return 0;
}

/* A base64 part of a type that is not text: is it text all the same?
 * Its type or file name says so, or the first SNIFF_BYTES decoded are
 * text (only a prefix is decoded to decide). */
static bool
sniffs_as_text(struct msg_walker *mw, const struct entity_type *t,
	       const char *body, size_t len)
{
	size_t n = len < SNIFF_BASE64 ? len : SNIFF_BASE64, got;

	if (sniff_text_by_name(t->type, t->filename))
		return true;
	xgrow((void **)&mw->decoded, &mw->decoded_alloc, DECODE_MAX_OUT(n), 1);
	got = decode_base64(body, n, mw->decoded, NULL);
	return sniff_prefix_is_text((const unsigned char *)mw->decoded, got);
}

static int
walk_leaf(struct walk *w, const struct entity_type *t, size_t body,
	  size_t end, unsigned int number)
{
	bool texty = t->type[0] == '\0' || strncmp(t->type, "text/", 5) == 0 ||
		strncmp(t->type, "message/", 8) == 0;
	unsigned int flags = strcmp(t->type, "text/html") == 0 ? PART_HTML : 0;
	struct leaf lf = { number, body, end, t->cte };
	const char *text;
	size_t len, converted_len;
	bool bad;

	if (t->cte == CTE_BASE64 && !texty) {
		if (!sniffs_as_text(w->mw, t, w->raw + body, end - body))
			/* binary: no text to hand over */
			return hand_over_leaf(w, &lf, PART_BINARY, w->raw + body,
					      0);
		flags |= PART_SNIFFED;
	}
	if (t->cte == CTE_UNKNOWN)
		note_problem(w, MSG_PROBLEM_BAD_ENCODING, number, body);
	text = transfer_decode(w->mw, t->cte, w->raw + body, end - body, &len,
			       &bad);
	if (bad)
		note_problem(w, MSG_PROBLEM_BAD_ENCODING, number, body);
	if (text != w->raw + body)
		flags |= PART_DECODED;
	if (t->charset[0] && charset_hides_ascii(t->charset, strlen(t->charset))) {
		if (convert_charset(w->mw, t->charset, text, len,
				    &converted_len) == 0)
			return hand_over_leaf(w, &lf, flags | PART_DECODED |
					      PART_CONVERTED, w->mw->converted,
					      converted_len);
		note_problem(w, MSG_PROBLEM_UNKNOWN_CHARSET, number, body);
	}
	return hand_over_leaf(w, &lf, flags, text, len);
}

static int
walk_entity(struct walk *w, size_t start, size_t end, unsigned int depth,
	    bool top)
{
	const struct mail_limits *lim = mail_get_limits();
	struct entity_type t;
	size_t body, hdr_end, long_at;
	unsigned int number = top ? 0 : w->next_part++;
	int rc;

	w->report->parts++;
	if (w->report->parts > lim->mime_parts) {
		note_problem(w, MSG_PROBLEM_TOO_MANY_PARTS, number, start);
		return hand_over(w, number, 0, w->raw + start, end - start,
				 start);
	}
	if (top && w->mw->hdr != NULL && w->mw->hdr == w->raw &&
	    w->mw->hdr_len == end - start)
		hdr_end = body = w->mw->hdr_end;
	else
		hdr_end = msg_header_end(w->raw + start, end - start, &body);
	hdr_end += start;
	body += start;
	/* a header line past the cap: no field of it is read */
	if ((long_at = long_line(w, start, hdr_end, lim->header_line)) <
	    hdr_end) {
		note_problem(w, MSG_PROBLEM_HEADER_LINE_TOO_LONG, number,
			     long_at);
		return hand_over(w, number, 0, w->raw + start, end - start,
				 start);
	}
	if ((rc = hand_over(w, number, PART_HEADER, w->raw + start,
			    hdr_end - start, start)) != 0)
		return rc;
	if ((rc = read_entity_header(w, w->raw + start, hdr_end - start,
				     number, start, &t)) != 0)
		return rc;
	if (top)
		number = w->next_part++;
	if (depth >= lim->mime_depth) {
		note_problem(w, MSG_PROBLEM_TOO_DEEP, number, body);
		return hand_over(w, number, 0, w->raw + body, end - body, body);
	}
	if (t.too_long) {
		note_problem(w, MSG_PROBLEM_PARAMETER_TOO_LONG, number, body);
		return hand_over(w, number, 0, w->raw + body, end - body, body);
	}
	if (strncmp(t.type, "multipart/", 10) == 0) {
		if (t.boundary[0] != '\0')
			return walk_multipart(w, &t, body, end, depth, number);
		note_problem(w, MSG_PROBLEM_NO_BOUNDARY, number, body);
	} else if (strcmp(t.type, "message/rfc822") == 0 &&
		   t.cte == CTE_IDENTITY) {
		return walk_entity(w, body, end, depth + 1, false);
	}
	return walk_leaf(w, &t, body, end, number);
}

int
msg_walk(struct msg_walker *mw, const char *raw, size_t len, msg_part_fn fn,
	 void *ctx, struct msg_walk_report *report)
{
	struct walk w = {
		.raw = raw, .len = len, .fn = fn, .ctx = ctx, .report = report,
		.next_part = 1, .mw = mw,
	};
	int rc;

	memset(report, 0, sizeof *report);
	if (mw->hdr != raw || mw->hdr_len != len)
		mw->hdr = NULL;         /* read for other bytes */
	rc = walk_entity(&w, 0, len, 0, true);
	mw->hdr = NULL;
	return rc;
}
