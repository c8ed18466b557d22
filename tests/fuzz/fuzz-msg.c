/* fuzz-msg.c -- one message through the header readers (mail/header.h,
 * mail/msgid.h, mail/words.h) and the MIME walk (mail/msg.h) with every
 * decoder it calls (quoted-printable, base64, RFC 2047, charsets).
 * Invariants: every field, part and ID lies inside the input, every
 * text handed over can be read whole, and a second walk with the same
 * walker sees the same parts and texts. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/buf.h"
#include "mail/header.h"
#include "mail/limits.h"
#include "mail/msg.h"
#include "mail/msgid.h"
#include "mail/words.h"

struct walk_state {
	size_t len;
	unsigned int parts;     /* non-header parts seen */
	unsigned int sum;       /* touches every byte of every text */
};

static int
on_part(const struct msg_part *part, void *ctx)
{
	struct walk_state *ws = ctx;

	FUZZ_CHECK(part->raw_offset <= ws->len);
	FUZZ_CHECK(part->raw_len <= ws->len - part->raw_offset);
	FUZZ_CHECK(part->len == 0 || part->text != NULL);
	FUZZ_CHECK(part->number <= mail_get_limits()->mime_parts + 1);
	FUZZ_CHECK(!(part->flags & PART_BINARY) || part->len == 0);
	for (size_t i = 0; i < part->len; i++)
		ws->sum += (unsigned char)part->text[i];
	if (!(part->flags & PART_DECODED) && !(part->flags & PART_BINARY) &&
	    part->raw_len > 0)
		FUZZ_CHECK(part->len <= part->raw_len);
	return 0;
}

static int
on_id(const char *id, size_t id_len, void *ctx)
{
	const char *value = ((const char **)ctx)[0];
	const char *end = ((const char **)ctx)[1];

	/* IDs are views of the value or, unfolded, no longer than it */
	FUZZ_CHECK(id_len <= (size_t)(end - value));
	FUZZ_CHECK(id_len == 0 || id != NULL);
	return 0;
}

static void
check_headers(const char *raw, size_t len)
{
	size_t body, hlen = msg_header_end(raw, len, &body);
	size_t from = msg_from_line_len(raw, len);
	struct header_iter it;
	struct header_field f;
	struct buf out = { 0 }, scratch = { 0 };
	char *s;

	FUZZ_CHECK(hlen <= len && body <= len);
	FUZZ_CHECK(from <= len);
	header_iter_init(&it, raw, hlen);
	while (header_iter_next(&it, &f) == 1) {
		const char *name;

		FUZZ_CHECK(f.name >= raw && f.name + f.name_len <= raw + hlen);
		FUZZ_CHECK(f.value >= raw &&
			   f.value + f.value_len <= raw + hlen);
		FUZZ_CHECK(f.offset == (size_t)(f.value - raw));
		if (f.value_len > 0)
			FUZZ_CHECK(header_field_at(raw, f.offset, &name) ==
				   f.name_len);
		s = header_unfold(f.value, f.value_len);
		FUZZ_CHECK(s != NULL && strlen(s) <= f.value_len);
		free(s);
		FUZZ_CHECK(encoded_word_len(f.value, f.value_len) <=
			   f.value_len);
		if (words_present(f.value, f.value_len)) {
			s = header_decode_value(f.value, f.value_len);
			free(s);
			buf_reset(&out);
			(void)words_decode_field(&f, &out, &scratch);
		}
		if (header_name_is_id(f.name, f.name_len)) {
			const char *ctx[2] = { f.value, f.value + f.value_len };

			FUZZ_CHECK(msgid_each(f.value, f.value_len, on_id,
					      ctx) <= f.value_len + 1);
		}
	}
	free(out.p);
	free(scratch.p);
	for (int i = 0; i < 3; i++) {
		const char *name = (const char *[]){ "Subject", "From",
						     "Content-Type" }[i];
		size_t vlen;
		const char *v = msg_header_value(raw, len, name, &vlen);

		FUZZ_CHECK(v == NULL || (v >= raw && v + vlen <= raw + len));
		free(header_get_decoded(raw, len, name));
	}
	s = msgid_of_message(raw, len);
	FUZZ_CHECK(s == NULL || memchr(raw, s[0], len) != NULL);
	free(s);
	(void)msg_looks_like_message(raw, len);
	(void)msg_has_cr_line_ends(raw, len);
	for (size_t pos = 0; pos < len; pos += 1 + len / 7)
		(void)text_in_quoted_id(raw, len, pos);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	struct msg_walker *mw = msg_walker_new();
	struct msg_walk_report report;
	size_t from = msg_from_line_len(raw, size);
	struct walk_state ws = { .len = size - from };

	check_headers(raw, size);
	FUZZ_CHECK(msg_walk(mw, raw + from, size - from, on_part, &ws,
			    &report) == 0);
	FUZZ_CHECK(report.parts <= mail_get_limits()->mime_parts + 1);
	if (report.problem != MSG_PROBLEM_NONE)
		FUZZ_CHECK(report.offset <= size - from);
	/* the walker's buffers are reused: a second walk sees the same */
	{
		struct walk_state again = { .len = size - from };
		struct msg_walk_report report2;

		msg_walk(mw, raw + from, size - from, on_part, &again,
			 &report2);
		FUZZ_CHECK(report2.parts == report.parts);
		FUZZ_CHECK(report2.problem == report.problem);
		FUZZ_CHECK(again.sum == ws.sum);
	}
	msg_walker_free(&mw);
	return 0;
}
