/* header.h -- the header fields of a raw header block: iteration, lookup,
 * unfolding, and where the header of a raw message ends.  Ours, over raw
 * bytes: Mailutils' header parser reads a byte at a time and stops at the
 * first line without a colon. */
#ifndef LISTSCRUB_HEADER_H
#define LISTSCRUB_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct header_field {
	const char *name;
	size_t name_len;
	const char *value;      /* raw, possibly folded, without line end */
	size_t value_len;
	size_t offset;          /* of the value within the scanned block */
};

struct header_iter {
	const char *p;
	size_t len;
	size_t pos;
};

/* Iterate the header fields of a header block [p, p+len). */
void header_iter_init(struct header_iter *it, const char *p, size_t len);
/* 1 with f filled, 0 at the end of the block.  A line without a colon is
 * skipped (Mailutils stops there and loses every later field). */
int header_iter_next(struct header_iter *it, struct header_field *f);

/* Inline: the names are literals, so their lengths are constants and
 * most fields are told apart by length alone; ASCII case only. */
static inline bool
header_name_is(const struct header_field *f, const char *name)
{
	size_t n = strlen(name);

	if (f->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)f->name[i],
			b = (unsigned char)name[i];

		if (a != b && ((a | 0x20) != (b | 0x20) ||
			       (b | 0x20) < 'a' || (b | 0x20) > 'z'))
			return false;
	}
	return true;
}

/* Is name[0..len) a field that holds Message-IDs (Message-ID,
 * In-Reply-To, References, Resent-Message-ID, Content-ID)?  What looks
 * like an address there is an ID. */
bool header_name_is_id(const char *name, size_t len);

/* The name of the field that holds byte pos of a header block: sets
 * *name_r and returns the name's length (0 when pos is in no field's
 * value). */
size_t header_field_at(const char *hdr, size_t pos, const char **name_r);

/* Length of the header block of raw[0..len) including the empty line that
 * ends it, and where the body starts.  A message without an empty line is
 * all header. */
size_t msg_header_end(const char *raw, size_t len, size_t *body_r);

/* Skip an mbox From_ line at the start of raw; returns its length. */
size_t msg_from_line_len(const char *raw, size_t len);

/* First value of header name in [p, p+len), raw; NULL when absent. */
const char *header_find(const char *p, size_t len, const char *name,
			size_t *value_len_r);

/* The first value of header name in a raw message (a From_ line first is
 * allowed), raw and folded; NULL when absent. */
const char *msg_header_value(const char *raw, size_t len, const char *name,
			     size_t *value_len_r);

/* Are raw's line ends single CRs (old Mac mail: a CR and no LF at all)?
 * Such a message reads as one header line; it is searched and redacted
 * as a copy with LF line ends (the same offsets), and written back with
 * CRs: in its own line-end convention. */
bool msg_has_cr_line_ends(const char *raw, size_t len);

/* Every byte from of data[0..len) becomes to (the line ends of a CR-only
 * message, and back). */
void msg_swap_line_ends(char *data, size_t len, char from, char to);

/* Does raw[0..len) start as a message does: a header field line first
 * (after an optional UTF-8 BOM and a "From " line), and among the fields
 * before the first empty line one that messages have (From, Date,
 * Subject, Message-ID, To, Received, Return-Path, MIME-Version,
 * Content-Type, Delivered-To)?  Web pages, databases and text files are
 * not messages. */
bool msg_looks_like_message(const char *raw, size_t len);

/* Unfold a header value (drop CR/LF of folded lines); caller owns. */
char *header_unfold(const char *value, size_t len);
#endif
