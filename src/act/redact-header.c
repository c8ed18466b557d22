/* redact-header.c -- redaction in header fields: leaked entries leave
 * address lists or become a neutral sender; other fields have the span
 * replaced, in RFC 2047 words decoded and encoded again. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "act/encode.h"
#include "act/redact-private.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/mbox.h"
#include "mail/msg.h"
#include "mail/words.h"

#define REDACTED_ADDRESS "redacted@redacted.invalid"


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

/* Split an address list at the commas outside quotes, <> and comments:
 * *out_r (caller frees) gets [start, end) of each entry, as many as there
 * are (a mass Cc holds thousands). */
static size_t
split_entries(const char *v, size_t len, size_t (**out_r)[2])
{
	size_t (*out)[2] = NULL;
	size_t n = 0, alloc = 0, start = 0;
	int depth = 0, angle = 0;
	bool quoted = false;

	for (size_t i = 0; i <= len; i++) {
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
			xgrow((void **)&out, &alloc, n + 1, sizeof *out);
			out[n][0] = start;
			out[n][1] = i;
			n++;
			start = i + 1;
		}
	}
	*out_r = out;
	return n;
}

/* Does the decoded form of v (RFC 2047 words) hold a span? */
static bool
decoded_has_span(struct redactor *r, const char *v, size_t len)
{
	struct spans sp = { 0 };
	char *decoded;
	bool any;

	if (!holds_pair(v, len, '=', '?'))
		return false;
	decoded = header_decode_value(v, len);
	find_spans(r, decoded, strlen(decoded), PART_HEADER | PART_DECODED,
		   &sp);
	any = sp.n > 0;
	free(sp.s);
	free(decoded);
	return any;
}

/* p trimmed, its line ends (folding) left out: a run at a time. */
static void
append_trimmed(struct buf *b, const char *p, size_t len)
{
	while (len > 0 && isspace((unsigned char)*p))
		p++, len--;
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	for (size_t i = 0; i < len;) {
		size_t run = 0;

		while (i + run < len && p[i + run] != '\r' && p[i + run] != '\n')
			run++;
		buf_add(b, p + i, run);
		i += run + 1;
	}
}

/* Rebuild an address field without (or with replaced) leaked entries. */
static void
redact_address_field(struct redactor *r, const struct header_field *f,
		     size_t value_abs, const struct spans *block,
		     size_t block_abs, const char *eol)
{
	size_t (*entries)[2], n, kept = 0, changed = 0;
	size_t voff = value_abs - block_abs;
	bool drop = is_recipient_list(f);
	struct buf b = { 0 };

	/* No span in the field and no encoded word that could hide one:
	 * no entry leaked, and the field stays as it is. */
	if (!spans_touch(block, voff, voff + f->value_len) &&
	    !holds_pair(f->value, f->value_len, '=', '?'))
		return;
	n = split_entries(f->value, f->value_len, &entries);
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
	free(entries);
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

void
redact_header(struct redactor *r, const struct msg_part *part)
{
	struct spans block = { 0 };
	struct header_iter it;
	struct header_field f;
	const char *eol = LINE_END_OF(part->text, part->len);

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

int
redact_from_line(redact_find_fn find, void *ctx, const char *line, size_t len,
		 struct redact_result *res, struct errbuf *err)
{
	struct redactor r = { .find = find, .ctx = ctx, .err = err };
	size_t date = mbox_from_line_date(line, len), sender_end = date;
	struct spans sp = { 0 }, again = { 0 };
	struct buf b = { 0 };

	memset(res, 0, sizeof *res);
	if (date == 0)
		return 0;
	while (sender_end > 5 && line[sender_end - 1] == ' ')
		sender_end--;
	find_spans(&r, line, len, PART_HEADER | PART_ENVELOPE, &sp);
	for (size_t i = 0; i < sp.n; i++)
		if (sp.s[i][0] < 5 || sp.s[i][1] > sender_end) {
			free(sp.s);
			return errbuf_set(err, "the From_ line holds a match "
					  "outside its envelope sender, which "
					  "cannot be taken out without breaking "
					  "the mbox; delete this message instead "
					  "(--action delete)");
		}
	if (sp.n == 0) {
		free(sp.s);
		return 0;
	}
	buf_str(&b, "From " REDACTED_ADDRESS);
	buf_add(&b, line + sender_end, len - sender_end);
	find_spans(&r, b.p, b.len, PART_HEADER | PART_ENVELOPE, &again);
	if (again.n > 0 || !mbox_is_from_line(b.p, b.len)) {
		free(sp.s);
		free(again.s);
		buf_release(&b);
		return errbuf_set(err, "the From_ line could not be redacted "
				  "safely; delete this message instead "
				  "(--action delete)");
	}
	res->data = b.p;
	res->len = b.len;
	res->spans = sp.n;
	free(sp.s);
	free(again.s);
	return 0;
}
