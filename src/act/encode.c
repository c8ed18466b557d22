/* encode.c -- the encoders redaction writes with: quoted-printable,
 * base64 (libsodium) and RFC 2047 Q words. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/encode.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#define QP_LINE 76


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

/* A value as RFC 2047 Q-encoded UTF-8 words of at most 75 bytes. */
void
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
