/* message-id-hash.c -- HyperKitty's message_id_hash (message-id-hash.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit/digest.h"
#include "hyperkitty/message-id-hash.h"
#include "lib/xalloc.h"

#define HK_ID_MAX 254

/* RFC 4648 base32 of 20 bytes: exactly 32 characters, no padding. */
static void
base32_of_sha1(const unsigned char d[SHA1_LEN], char out[HK_HASH_SIZE])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned int acc = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < SHA1_LEN; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	out[o] = '\0';
}

/* The bytes of the first max characters of UTF-8 text (Python cuts the
 * Message-ID by characters). */
static size_t
first_chars(const char *s, size_t len, size_t max)
{
	size_t chars = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max)
			return i;
	return len;
}

void
hk_message_id_hash(const char *id, char out[HK_HASH_SIZE])
{
	size_t n = strlen(id), len = 0;
	char *clean = xmalloc(n + 1);
	const char *start;
	unsigned char d[SHA1_LEN];

	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n\v\f", id[i]))
			clean[len++] = id[i];
	clean[len] = '\0';
	start = clean;
	/* email.utils.unquote: one pair of <> (or "") around the whole */
	if (len >= 2 && ((clean[0] == '<' && clean[len - 1] == '>') ||
			 (clean[0] == '"' && clean[len - 1] == '"'))) {
		start++;
		len -= 2;
	}
	len = first_chars(start, len, HK_ID_MAX);
	sha1_of(start, len, d);
	base32_of_sha1(d, out);
	free(clean);
}
