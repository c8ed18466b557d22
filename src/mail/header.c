/* header.c -- header fields of a raw header block. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/rawscan.h"


void
header_iter_init(struct header_iter *it, const char *p, size_t len)
{
	it->p = p;
	it->len = len;
	it->pos = 0;
}

static size_t
eol_at(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);

	return nl ? (size_t)(nl - p) : len;
}

static bool
is_blank_line(const char *p, size_t len, size_t pos)
{
	return pos >= len || p[pos] == '\n' ||
		(p[pos] == '\r' && (pos + 1 >= len || p[pos + 1] == '\n'));
}

int
header_iter_next(struct header_iter *it, struct header_field *f)
{
	const char *p = it->p;
	size_t len = it->len;

	while (!is_blank_line(p, len, it->pos)) {
		size_t start = it->pos, e = eol_at(p, len, start), colon, vend;

		/* the field's extent: this line and its continuation lines */
		vend = e;
		it->pos = e < len ? e + 1 : len;
		while (it->pos < len && (p[it->pos] == ' ' || p[it->pos] == '\t')) {
			vend = eol_at(p, len, it->pos);
			it->pos = vend < len ? vend + 1 : len;
		}
		if (p[start] == ' ' || p[start] == '\t')
			continue;       /* continuation without a field */
		for (colon = start; colon < e && p[colon] != ':'; colon++)
			;
		if (colon == e)
			continue;       /* no colon: not a field */
		if (vend > start && p[vend - 1] == '\r')
			vend--;
		f->name = p + start;
		f->name_len = colon - start;
		while (f->name_len > 0 && (f->name[f->name_len - 1] == ' ' ||
					   f->name[f->name_len - 1] == '\t'))
			f->name_len--;
		colon++;
		while (colon < vend && (p[colon] == ' ' || p[colon] == '\t'))
			colon++;
		f->value = p + colon;
		f->value_len = vend - colon;
		f->offset = colon;
		return 1;
	}
	return 0;
}

bool
header_name_is_id(const char *name, size_t len)
{
	static const char *const ids[] = {
		"Message-ID", "In-Reply-To", "References", "Resent-Message-ID",
		"Content-ID",
	};

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (len == strlen(ids[i]) && strncasecmp(name, ids[i], len) == 0)
			return true;
	return false;
}

size_t
header_field_at(const char *hdr, size_t pos, const char **name_r)
{
	const char *colon;
	size_t start = pos, n;

	/* back to the start of the line, then over continuation lines */
	for (;;) {
		const char *nl = start > 0 ? memrchr(hdr, '\n', start) : NULL;

		start = nl ? (size_t)(nl - hdr) + 1 : 0;
		if (start == 0 || (hdr[start] != ' ' && hdr[start] != '\t'))
			break;
		start--;
	}
	colon = memchr(hdr + start, ':', pos - start);
	n = colon ? (size_t)(colon - hdr) - start : pos - start;
	*name_r = hdr + start;
	if (start + n >= pos)
		return 0;
	/* "Message-ID : <...>" (RFC 5322 obsolete syntax) names the field
	 * as header_iter_next does: without the blanks before the colon */
	while (n > 0 && (hdr[start + n - 1] == ' ' ||
			 hdr[start + n - 1] == '\t'))
		n--;
	return n;
}

size_t
msg_header_end(const char *raw, size_t len, size_t *body_r)
{
	*body_r = rawscan_blank_line_end(raw, len);
	return *body_r;
}

size_t
msg_from_line_len(const char *raw, size_t len)
{
	size_t e;

	if (len < 5 || memcmp(raw, "From ", 5) != 0)
		return 0;
	e = eol_at(raw, len, 0);
	return e < len ? e + 1 : len;
}

const char *
header_find(const char *p, size_t len, const char *name, size_t *value_len_r)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, p, len);
	while (header_iter_next(&it, &f))
		if (header_name_is(&f, name)) {
			*value_len_r = f.value_len;
			return f.value;
		}
	return NULL;
}

const char *
msg_header_value(const char *raw, size_t len, const char *name,
		 size_t *value_len_r)
{
	size_t from_len = msg_from_line_len(raw, len), body;

	msg_header_end(raw + from_len, len - from_len, &body);
	return header_find(raw + from_len, body, name, value_len_r);
}

char *
header_unfold(const char *value, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (value[i] != '\r' && value[i] != '\n')
			out[n++] = value[i];
	out[n] = '\0';
	return out;
}

/* "Name:" with a name of printable ASCII without space or colon; white
 * space before the name and before the colon (obsolete syntax, RFC 5322
 * 4.5.3, and broken mailers) is allowed. */
static bool
is_field_line(const char *p, size_t len)
{
	size_t i = 0, name;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (name = i; i < len && p[i] > ' ' && p[i] < 127 && p[i] != ':'; i++)
		;
	if (i == name)
		return false;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < len && p[i] == ':';
}

bool
msg_looks_like_message(const char *raw, size_t len)
{
	static const char *const common[] = {
		"From", "Date", "Subject", "Message-ID", "To", "Received",
		"Return-Path", "MIME-Version", "Content-Type", "Delivered-To",
	};
	struct header_iter it;
	struct header_field f;
	size_t pos = 0, body;

	if (len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	if (len - pos >= 5 && memcmp(raw + pos, "From ", 5) == 0) {
		pos = eol_at(raw, len, pos);
		pos = pos < len ? pos + 1 : len;
	}
	if (!is_field_line(raw + pos, eol_at(raw, len, pos) - pos))
		return false;
	msg_header_end(raw + pos, len - pos, &body);
	header_iter_init(&it, raw + pos, body);
	while (header_iter_next(&it, &f))
		for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
			if (header_name_is(&f, common[i]))
				return true;
	return false;
}

bool
msg_has_cr_line_ends(const char *raw, size_t len)
{
	return memchr(raw, '\n', len) == NULL && memchr(raw, '\r', len) != NULL;
}

void
msg_swap_line_ends(char *data, size_t len, char from, char to)
{
	for (char *p = data; (p = memchr(p, from, len - (size_t)(p - data)));
	     p++)
		*p = to;
}
