/* words.c -- RFC 2047 encoded words in header values. */
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
#include "mail/words.h"

/* Does p[0..len) hold "=?"?  memchr for the rare '?' beats memmem on
 * the long header blocks of list mail (DKIM, ARC, Received). */
bool
words_present(const char *p, size_t len)
{
	for (const char *q = p; (q = memchr(q, '?', len - (size_t)(q - p)));
	     q++)
		if (q > p && q[-1] == '=')
			return true;
	return false;
}

/* The bytes that end a part of an encoded word: '?' and white space
 * (isspace in the C locale, the only one listscrub runs in). */
static const bool word_stop[256] = {
	['?'] = true, [' '] = true, ['\t'] = true, ['\n'] = true,
	['\v'] = true, ['\f'] = true, ['\r'] = true,
};

/* Length of the encoded word "=?charset?X?text?=" at p, or 0. */
size_t
encoded_word_len(const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 2;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	while (i < len && !word_stop[u[i]])
		i++;
	/* only B and Q are encodings (RFC 2047 4): Mailutils fails, and
	 * leaks, on any other letter */
	if (i + 2 >= len || p[i] != '?' || p[i + 2] != '?' ||
	    !strchr("BbQq", p[i + 1]))
		return 0;
	for (i += 3; i + 1 < len; i++) {
		while (i + 1 < len && !word_stop[u[i]])
			i++;
		if (i + 1 >= len)
			break;
		if (p[i] == '?' && p[i + 1] == '=')
			return i + 2;
		if (p[i] != '?')
			return 0;       /* white space */
	}
	return 0;
}

char *
header_get_decoded(const char *raw, size_t len, const char *name)
{
	size_t vlen;
	const char *v = msg_header_value(raw, len, name, &vlen);

	return v ? header_decode_value(v, vlen) : NULL;
}

/* The end of the run of encoded words that starts at v[i] (words apart
 * only by white space, which RFC 2047 6.2 drops between them). */
static size_t
run_end(const char *v, size_t len, size_t i)
{
	size_t n, end = i, j = i;

	while (j < len && (n = encoded_word_len(v + j, len - j)) > 0) {
		end = j + n;
		for (j = end; j < len && isspace((unsigned char)v[j]); j++)
			;
	}
	return end;
}

/* The charset of the word whose name is name[0..len) into out (of
 * WORD_CHARSET_MAX), the RFC 2231 language ("*lang") left out; "" when
 * it is too long to be one. */
#define WORD_CHARSET_MAX 64
static void
word_charset(const char *name, size_t len, char *out)
{
	const char *star = memchr(name, '*', len);

	if (star)
		len = (size_t)(star - name);
	if (len >= WORD_CHARSET_MAX)
		len = 0;
	memcpy(out, name, len);
	out[len] = '\0';
}

/* Append pending (payload bytes in charset) to out as UTF-8, or as the
 * bytes they are when the charset is unknown (*unknown set) or they do
 * not convert (*failed set): the ASCII subset still reads right. */
static void
flush_payload(struct buf *out, const char *charset, struct buf *pending,
	      bool *unknown, bool *failed)
{
	char *utf8 = NULL;
	size_t alloc = 0, n;
	int rc;

	if (pending->len == 0)
		return;
	rc = charset_to_utf8(charset, pending->p, pending->len, &utf8, &alloc,
			     &n);
	if (rc == 0)
		buf_add(out, utf8, n);
	else {
		*unknown |= rc == 1;
		*failed |= rc < 0;
		buf_add(out, pending->p, pending->len);
	}
	free(utf8);
	pending->len = 0;
}

/* Decode the run v[0..len) of encoded words (each one encoded_word_len
 * accepts; only white space between them) into *decoded_r: the payloads
 * of adjacent words in one charset are converted together, since a
 * character may be split between them (RFC 2047 5).  Not through
 * mu_rfc2047_decode: it leaks on every value it fails on
 * (doc/research/mailutils-probe.md §1.3).  0: decoded; 1: a charset
 * iconv does not know, kept as bytes; -1: bytes that did not convert,
 * kept as bytes. */
static int
decode_run(const char *v, size_t len, char **decoded_r)
{
	struct buf out = { 0 }, pending = { 0 };
	char charset[WORD_CHARSET_MAX] = "", name[WORD_CHARSET_MAX];
	bool unknown = false, failed = false;
	size_t i = 0;

	while (i < len) {
		size_t n = encoded_word_len(v + i, len - i);
		const char *q1, *text;

		if (n == 0) {           /* the white space between words */
			i++;
			continue;
		}
		q1 = memchr(v + i + 2, '?', n - 2);
		word_charset(v + i + 2, (size_t)(q1 - v - i - 2), name);
		if (strcasecmp(name, charset) != 0) {
			flush_payload(&out, charset, &pending, &unknown,
				      &failed);
			memcpy(charset, name, sizeof charset);
		}
		text = q1 + 3;
		xgrow((void **)&pending.p, &pending.alloc,
		      pending.len + DECODE_MAX_OUT(n), 1);
		pending.len += decode_word_payload(q1[1], text,
						   (size_t)(v + i + n - 2 - text),
						   pending.p + pending.len);
		i += n;
	}
	flush_payload(&out, charset, &pending, &unknown, &failed);
	buf_release(&pending);
	*decoded_r = out.p ? out.p : xstrdup("");
	return unknown ? 1 : failed ? -1 : 0;
}

char *
header_decode_value(const char *v, size_t vlen)
{
	char *unfolded = header_unfold(v, vlen);
	size_t len = strlen(unfolded), i = 0, copied = 0;
	struct buf out = { 0 };

	if (!words_present(unfolded, len))
		return unfolded;
	while (i < len) {
		size_t end;
		char *decoded;

		if (encoded_word_len(unfolded + i, len - i) == 0) {
			i++;
			continue;
		}
		end = run_end(unfolded, len, i);
		(void)decode_run(unfolded + i, end - i, &decoded);
		buf_addf(&out, "%.*s%s", (int)(i - copied), unfolded + copied,
			 decoded);
		copied = end;
		free(decoded);
		i = end;
	}
	buf_addf(&out, "%s", unfolded + copied);
	free(unfolded);
	return out.p;
}

/* Could decoding this run of encoded words reveal an address, in any form
 * the finder reads?  Decoding through Mailutils costs an iconv set-up per
 * call; most display names cannot hold one and are skipped.  The payloads
 * are looked at together, as the run decodes: "ann a" and "t example.org"
 * make "ann at example.org". */
static bool
run_may_hold_at(struct buf *scratch, const char *run, size_t len)
{
	size_t i = 0;

	scratch->len = 0;
	while (i < len) {
		size_t n = encoded_word_len(run + i, len - i);
		const char *q1, *text;

		if (n == 0) {
			i++;
			continue;
		}
		/* =?charset?E?text?= */
		q1 = memchr(run + i + 2, '?', n - 2);
		text = q1 + 3;
		/* charsets that hide ASCII cannot be looked at raw */
		if (charset_hides_ascii(run + i + 2, (size_t)(q1 - run - i - 2)))
			return true;
		xgrow((void **)&scratch->p, &scratch->alloc,
		      scratch->len + DECODE_MAX_OUT(n), 1);
		scratch->len += decode_word_payload(q1[1], text,
						    (size_t)(run + i + n - 2 - text),
						    scratch->p + scratch->len);
		i += n;
	}
	return scratch->len > 0 &&
	       text_may_hold_address(scratch->p, scratch->len);
}

int
words_decode_field(const struct header_field *f, struct buf *out,
		   struct buf *scratch)
{
	char *v = header_unfold(f->value, f->value_len);
	size_t len = strlen(v), i = 0;
	int rc = 0;

	while (i < len) {
		size_t end;
		char *decoded;
		int got;

		if (encoded_word_len(v + i, len - i) == 0) {
			/* a word starts with '=' */
			const char *eq = memchr(v + i + 1, '=', len - i - 1);

			i = eq ? (size_t)(eq - v) : len;
			continue;
		}
		end = run_end(v, len, i);
		if (!run_may_hold_at(scratch, v + i, end - i)) {
			i = end;        /* no address can hide in it */
			continue;
		}
		/* kept as bytes (1, -1): searched, and told */
		got = decode_run(v + i, end - i, &decoded);
		buf_addf(out, "%.*s: %s\n", (int)f->name_len, f->name,
			 decoded);
		if (got != 0 && rc != -1)
			rc = got;
		free(decoded);
		i = end;
	}
	free(v);
	return rc;
}
