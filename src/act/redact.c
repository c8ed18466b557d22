/* redact.c -- replace spans in headers and (re-encoded) text parts. */
#include "config.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errbuf.h"
#include "mail/msg.h"
#include "act/redact.h"
#include "lib/xalloc.h"

#define QP_LINE 76
#define REDACTED_ADDRESS "redacted@redacted.invalid"

/* ---- growing buffers and edits ------------------------------------------- */

struct buf {
	char *p;
	size_t len, alloc;
};

static void
buf_add(struct buf *b, const char *p, size_t n)
{
	xgrow((void **)&b->p, &b->alloc, b->len + n + 1, 1);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Replace raw[start, end) with text. */
struct edit {
	size_t start, end;
	char *text;
	size_t len;
};

struct spans {
	size_t (*s)[2];
	size_t n, alloc;
};

static void
add_span(void *ctx, size_t start, size_t end)
{
	struct spans *sp = ctx;

	xgrow((void **)&sp->s, &sp->alloc, sp->n + 1, sizeof *sp->s);
	sp->s[sp->n][0] = start;
	sp->s[sp->n][1] = end;
	sp->n++;
}

struct redactor {
	redact_find_fn find;
	void *ctx;
	const char *marker;
	const char *raw;
	struct edit *edits;
	size_t nedits, edits_alloc;
	size_t spans, binary_parts;
	struct errbuf *err;
	int failed;
};

static void
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

static void
find_spans(struct redactor *r, const char *text, size_t len,
	   unsigned int flags, struct spans *sp)
{
	sp->n = 0;
	r->find(r->ctx, text, len, flags, add_span, sp);
	normalise_spans(sp);
}

/* text with every span replaced by the marker. */
static char *
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

/* ---- encoders -------------------------------------------------------------- */

static bool
qp_needs_escape(const char *line, size_t n, size_t i)
{
	unsigned char c = (unsigned char)line[i];

	if (c == '=' || c > 126 || (c < 32 && c != '\t'))
		return true;
	if ((c == ' ' || c == '\t') && i + 1 == n)
		return true;            /* trailing white space is lost */
	/* a line starting "From " would be escaped by an mbox writer */
	return i == 0 && c == 'F' && n >= 5 && memcmp(line, "From ", 5) == 0;
}

char *
redact_encode_qp(const char *in, size_t len, const char *eol, size_t *out_len)
{
	struct buf b = { 0 };
	size_t pos = 0;

	buf_add(&b, "", 0);
	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - in) : len, n, col = 0;
		const char *line = in + pos;

		n = end - pos;
		if (nl && n > 0 && line[n - 1] == '\r')
			n--;
		for (size_t i = 0; i < n; i++) {
			char tok[4];
			size_t tl;

			if (qp_needs_escape(line, n, i))
				tl = (size_t)snprintf(tok, sizeof tok, "=%02X",
						      (unsigned char)line[i]);
			else
				tok[0] = line[i], tl = 1;
			if (col + tl > QP_LINE - 1) {
				buf_str(&b, "=");
				buf_str(&b, eol);
				col = 0;
			}
			buf_add(&b, tok, tl);
			col += tl;
		}
		if (nl)
			buf_str(&b, eol);
		pos = nl ? end + 1 : len;
	}
	*out_len = b.len;
	return b.p;
}

char *
redact_encode_base64(const char *in, size_t len, const char *eol,
		     size_t *out_len)
{
	size_t enc_size = sodium_base64_ENCODED_LEN(len,
					sodium_base64_VARIANT_ORIGINAL);
	char *enc = xmalloc(enc_size);
	struct buf b = { 0 };
	size_t n;

	sodium_bin2base64(enc, enc_size, (const unsigned char *)in, len,
			  sodium_base64_VARIANT_ORIGINAL);
	n = strlen(enc);
	buf_add(&b, "", 0);
	for (size_t i = 0; i < n; i += QP_LINE) {
		buf_add(&b, enc + i, n - i < QP_LINE ? n - i : QP_LINE);
		buf_str(&b, eol);
	}
	free(enc);
	*out_len = b.len;
	return b.p;
}

/* ---- headers ----------------------------------------------------------------- */

static bool
is_id_field(const struct header_field *f)
{
	return header_name_is_id(f->name, f->name_len);
}

/* Lists whose leaked entries are dropped. */
static bool
is_recipient_list(const struct header_field *f)
{
	static const char *const names[] = {
		"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc",
		"Mail-Followup-To",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (header_name_is(f, names[i]))
			return true;
	return false;
}

/* Fields whose leaked entries are replaced. */
static bool
is_sender_list(const struct header_field *f)
{
	static const char *const names[] = {
		"From", "Sender", "Reply-To", "Resent-From", "Resent-Sender",
		"Disposition-Notification-To", "Return-Receipt-To",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (header_name_is(f, names[i]))
			return true;
	return false;
}

/* Split an address list at the commas outside quotes, <> and comments. */
static size_t
split_entries(const char *v, size_t len, size_t (*out)[2], size_t max)
{
	size_t n = 0, start = 0;
	int depth = 0, angle = 0;
	bool quoted = false;

	for (size_t i = 0; i <= len && n < max; i++) {
		char c = i < len ? v[i] : ',';

		if (quoted) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"')
				quoted = false;
			if (i < len)
				continue;
		}
		if (c == '"')
			quoted = true;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if (c == ',' && depth == 0 && !angle) {
			out[n][0] = start;
			out[n][1] = i;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static bool
spans_touch(const struct spans *sp, size_t start, size_t end)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->s[i][0] < end && start < sp->s[i][1])
			return true;
	return false;
}

/* Does the decoded form of v (RFC 2047 words) hold a span? */
static bool
decoded_has_span(struct redactor *r, const char *v, size_t len)
{
	struct spans sp = { 0 };
	char *decoded;
	bool any;

	if (memmem(v, len, "=?", 2) == NULL)
		return false;
	decoded = header_decode_value(v, len);
	find_spans(r, decoded, strlen(decoded), PART_HEADER | PART_DECODED,
		   &sp);
	any = sp.n > 0;
	free(sp.s);
	free(decoded);
	return any;
}

static void
append_trimmed(struct buf *b, const char *p, size_t len)
{
	while (len > 0 && isspace((unsigned char)*p))
		p++, len--;
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	for (size_t i = 0; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n')
			buf_add(b, p + i, 1);
}

/* Rebuild an address field without (or with replaced) leaked entries. */
static void
redact_address_field(struct redactor *r, const struct header_field *f,
		     size_t value_abs, const struct spans *block,
		     size_t block_abs, const char *eol)
{
	size_t entries[1024][2], n, kept = 0, changed = 0;
	bool drop = is_recipient_list(f);
	struct buf b = { 0 };

	n = split_entries(f->value, f->value_len, entries, 1024);
	buf_add(&b, f->name, f->name_len);
	buf_str(&b, ":");
	for (size_t i = 0; i < n; i++) {
		const char *e = f->value + entries[i][0];
		size_t elen = entries[i][1] - entries[i][0];
		size_t abs = value_abs + entries[i][0] - block_abs;
		bool leaked = spans_touch(block, abs, abs + elen) ||
			decoded_has_span(r, e, elen);

		if (leaked) {
			changed++;
			if (drop)
				continue;
		}
		buf_str(&b, kept ? "," : "");
		buf_str(&b, kept ? eol : "");
		buf_str(&b, " ");
		if (leaked) {
			buf_str(&b, "\"");
			buf_str(&b, r->marker);
			buf_str(&b, "\" <" REDACTED_ADDRESS ">");
		} else
			append_trimmed(&b, e, elen);
		kept++;
	}
	if (changed == 0) {
		free(b.p);
		return;
	}
	r->spans += changed;
	if (kept == 0 && header_name_is(f, "To"))
		buf_str(&b, " undisclosed-recipients:;");
	if (kept == 0 && !header_name_is(f, "To")) {
		/* the whole field goes, with its line end */
		size_t start = value_abs - (size_t)(f->value - f->name);

		add_edit(r, start, value_abs + f->value_len + strlen(eol),
			 xstrdup(""), 0);
		free(b.p);
		return;
	}
	add_edit(r, value_abs - (size_t)(f->value - f->name),
		 value_abs + f->value_len, b.p, b.len);
}

/* A value as RFC 2047 Q-encoded UTF-8 words of at most 75 bytes. */
static void
encode_words(struct buf *b, const char *text, const char *eol)
{
	size_t n = strlen(text), col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		char tok[4];

		if (col == 0)
			buf_str(b, "=?UTF-8?Q?");
		if (c == ' ')
			tok[0] = '_', tok[1] = 0;
		else if (isalnum(c))
			tok[0] = (char)c, tok[1] = 0;
		else
			snprintf(tok, sizeof tok, "=%02X", c);
		buf_str(b, tok);
		col += strlen(tok);
		/* never split a UTF-8 sequence between words */
		if (col > 50 && (i + 1 == n || (text[i + 1] & 0xC0) != 0x80)) {
			buf_str(b, "?=");
			if (i + 1 < n) {
				buf_str(b, eol);
				buf_str(b, " ");
			}
			col = 0;
		}
	}
	if (col > 0)
		buf_str(b, "?=");
}

static void
redact_other_field(struct redactor *r, const struct header_field *f,
		   size_t value_abs, const struct spans *block,
		   size_t block_abs, const char *eol)
{
	size_t voff = value_abs - block_abs;
	bool raw_hit = spans_touch(block, voff, voff + f->value_len);

	if (raw_hit) {
		for (size_t i = 0; i < block->n; i++)
			if (block->s[i][0] >= voff &&
			    block->s[i][1] <= voff + f->value_len) {
				add_edit(r, block_abs + block->s[i][0],
					 block_abs + block->s[i][1],
					 xstrdup(r->marker), strlen(r->marker));
				r->spans++;
			}
		return;
	}
	if (decoded_has_span(r, f->value, f->value_len)) {
		char *decoded = header_decode_value(f->value, f->value_len);
		struct spans sp = { 0 };
		struct buf b = { 0 };
		size_t nlen;
		char *clean;

		find_spans(r, decoded, strlen(decoded), PART_HEADER | PART_DECODED,
		   &sp);
		clean = replace_spans(decoded, strlen(decoded), &sp, r->marker,
				      &nlen);
		buf_str(&b, " ");
		encode_words(&b, clean, eol);
		r->spans += sp.n;
		add_edit(r, value_abs - (f->value[0] == ' '), value_abs +
			 f->value_len, b.p, b.len);
		free(clean);
		free(decoded);
		free(sp.s);
	}
}

static void
redact_header(struct redactor *r, const struct msg_part *part)
{
	struct spans block = { 0 };
	struct header_iter it;
	struct header_field f;
	const char *eol = memmem(part->text, part->len, "\r\n", 2) ? "\r\n" : "\n";

	find_spans(r, part->text, part->len, PART_HEADER, &block);
	header_iter_init(&it, part->text, part->len);
	while (header_iter_next(&it, &f)) {
		size_t value_abs = part->raw_offset + f.offset;

		if (is_id_field(&f))
			continue;
		if (is_recipient_list(&f) || is_sender_list(&f))
			redact_address_field(r, &f, value_abs, &block,
					     part->raw_offset, eol);
		else
			redact_other_field(r, &f, value_abs, &block,
					   part->raw_offset, eol);
	}
	free(block.s);
}

/* ---- bodies ------------------------------------------------------------------ */

static size_t
trailing_line_ends(const char *p, size_t len)
{
	size_t n = 0;

	while (len > 0 && p[len - 1] == '\n') {
		n++;
		len -= len >= 2 && p[len - 2] == '\r' ? 2 : 1;
	}
	return n;
}

/* The blank lines after a part's text (the mbox separator, the line
 * before a boundary) are not text: the encoded part ends with as many. */
static char *
keep_trailing_lines(const char *raw_part, size_t raw_len, char *encoded,
		    size_t *elen, const char *eol)
{
	size_t want = trailing_line_ends(raw_part, raw_len);
	struct buf b = { encoded, *elen, *elen + 1 };

	for (size_t have = trailing_line_ends(encoded, *elen); have < want;
	     have++)
		buf_str(&b, eol);
	*elen = b.len;
	return b.p;
}

static void
redact_body_part(struct redactor *r, const struct msg_part *part)
{
	struct spans sp = { 0 };
	const char *raw_part = r->raw + part->raw_offset;
	const char *eol;
	size_t nlen, elen;
	char *clean, *encoded;

	find_spans(r, part->text, part->len, part->flags & PART_HTML, &sp);
	if (sp.n == 0) {
		free(sp.s);
		return;
	}
	r->spans += sp.n;
	if (!(part->flags & PART_DECODED)) {
		for (size_t i = 0; i < sp.n; i++)
			add_edit(r, part->raw_offset + sp.s[i][0],
				 part->raw_offset + sp.s[i][1],
				 xstrdup(r->marker), strlen(r->marker));
		free(sp.s);
		return;
	}
	if (part->flags & PART_CONVERTED) {
		r->failed = errbuf_set(r->err, "part %u is in a charset that "
				       "listscrub reads but cannot write back; "
				       "delete this message instead (--action "
				       "delete)", part->number);
		free(sp.s);
		return;
	}
	eol = memmem(raw_part, part->raw_len, "\r\n", 2) ? "\r\n" : "\n";
	clean = replace_spans(part->text, part->len, &sp, r->marker, &nlen);
	encoded = part->encoding == PART_BASE64
		? redact_encode_base64(clean, nlen, eol, &elen)
		: redact_encode_qp(clean, nlen, eol, &elen);
	encoded = keep_trailing_lines(raw_part, part->raw_len, encoded, &elen,
				      eol);
	add_edit(r, part->raw_offset, part->raw_offset + part->raw_len, encoded,
		 elen);
	free(clean);
	free(sp.s);
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

/* ---- putting it together ------------------------------------------------------- */

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
	size_t left;
};

static int
count_left(const struct msg_part *part, void *ctx)
{
	struct recheck *rc = ctx;
	struct spans sp = { 0 };

	if (part->flags & PART_BINARY)
		return 0;
	rc->find(rc->ctx, part->text, part->len, part->flags, add_span, &sp);
	rc->left += sp.n;
	free(sp.s);
	return 0;
}

/* The result must parse into as many parts as the original had, and
 * hold nothing to find. */
static int
check_result(redact_find_fn find, void *ctx, unsigned int parts,
	     const char *out, size_t out_len, struct errbuf *err)
{
	struct msg_walker *mw = msg_walker_new(0);
	struct msg_walk_report after;
	struct recheck rc = { find, ctx, 0 };

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

int
redact_message(redact_find_fn find, void *ctx, const char *marker,
	       const char *raw, size_t len, struct redact_result *res,
	       struct errbuf *err)
{
	struct redactor r = {
		.find = find, .ctx = ctx, .marker = marker, .raw = raw,
		.err = err,
	};
	struct msg_walker *mw = msg_walker_new(0);
	struct msg_walk_report report;
	int rc = 0;

	memset(res, 0, sizeof *res);
	msg_walk(mw, raw, len, redact_part, &r, &report);
	msg_walker_free(&mw);
	if (r.failed)
		rc = -1;
	else {
		res->data = apply_edits(&r, len, &res->len);
		if (r.nedits > 0)
			fix_content_length(&res->data, &res->len);
		res->spans = r.spans;
		res->binary_parts = r.binary_parts;
		if (r.nedits > 0 && check_result(find, ctx, report.parts,
						 res->data, res->len, err) < 0)
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
