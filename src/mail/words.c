/* words.c -- RFC 2047 encoded words in header values. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mailutils/mime.h>

#include "lib/buf.h"
#include "lib/xalloc.h"
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

/* Length of the encoded word "=?charset?X?text?=" at p, or 0. */
size_t
encoded_word_len(const char *p, size_t len)
{
	size_t i = 2;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	while (i < len && p[i] != '?' && !isspace((unsigned char)p[i]))
		i++;
	if (i + 2 >= len || p[i] != '?' || p[i + 2] != '?')
		return 0;
	for (i += 3; i + 1 < len; i++) {
		if (p[i] == '?' && p[i + 1] == '=')
			return i + 2;
		if (isspace((unsigned char)p[i]))
			return 0;
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

char *
header_decode_value(const char *v, size_t vlen)
{
	char *unfolded, *decoded = NULL;

	unfolded = header_unfold(v, vlen);
	if (!words_present(unfolded, strlen(unfolded)) ||
	    mu_rfc2047_decode("UTF-8", unfolded, &decoded) != 0)
		return unfolded;
	free(unfolded);
	return decoded;
}

/* Could decoding this run of encoded words reveal an address, in any form
 * the finder reads?  Decoding through Mailutils costs an iconv set-up per
 * call; most display names cannot hold one and are skipped. */
static bool
run_may_hold_at(struct buf *scratch, const char *run, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = encoded_word_len(run + i, len - i), len_payload;
		const char *q1, *text;

		if (n == 0) {
			i++;
			continue;
		}
		/* =?charset?E?text?= */
		q1 = memchr(run + i + 2, '?', n - 2);
		text = q1 + 3;
		xgrow((void **)&scratch->p, &scratch->alloc,
		      DECODE_MAX_OUT(n), 1);
		len_payload = decode_word_payload(q1[1], text,
						  (size_t)(run + i + n - 2 - text),
						  scratch->p);
		/* charsets that hide ASCII cannot be looked at raw */
		if (charset_hides_ascii(run + i + 2, (size_t)(q1 - run - i - 2)) ||
		    text_may_hold_address(scratch->p, len_payload))
			return true;
		i += n;
	}
	return false;
}

int
words_decode_field(const struct header_field *f, struct buf *out,
		   struct buf *scratch)
{
	char *v = header_unfold(f->value, f->value_len);
	size_t len = strlen(v), i = 0;
	int rc = 0;

	while (i < len) {
		size_t n = encoded_word_len(v + i, len - i), end, j;
		char *run, *decoded = NULL;

		if (n == 0) {
			i++;
			continue;
		}
		end = i + n;
		for (j = end; j < len && isspace((unsigned char)v[j]); j++)
			;
		while (j < len && (n = encoded_word_len(v + j, len - j)) > 0) {
			end = j + n;
			for (j = end; j < len && isspace((unsigned char)v[j]); j++)
				;
		}
		if (!run_may_hold_at(scratch, v + i, end - i)) {
			i = end;        /* no address can hide in it */
			continue;
		}
		run = xstrndup(v + i, end - i);
		if (mu_rfc2047_decode("UTF-8", run, &decoded) != 0)
			rc = -1;
		else {
			buf_addf(out, "%.*s: %s\n", (int)f->name_len, f->name,
				 decoded);
			free(decoded);
		}
		free(run);
		i = end;
	}
	free(v);
	return rc;
}
