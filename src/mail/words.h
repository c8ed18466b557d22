/* words.h -- RFC 2047 encoded words ("=?charset?Q?text?=") in header
 * values: finding them, and decoding them to UTF-8 (the payloads here,
 * the charsets through mail/charset). */
#ifndef LISTSCRUB_WORDS_H
#define LISTSCRUB_WORDS_H

#include <stdbool.h>
#include <stddef.h>

struct buf;
struct header_field;

/* Does p[0..len) hold "=?" (maybe an encoded word)? */
bool words_present(const char *p, size_t len);

/* Length of the encoded word "=?charset?X?text?=" at p, or 0. */
size_t encoded_word_len(const char *p, size_t len);

/* The value of header name in a raw message (a From_ line first is
 * allowed), unfolded, with RFC 2047 words decoded to UTF-8 where they
 * can be.  Caller owns; NULL when absent. */
char *header_get_decoded(const char *raw, size_t len, const char *name);

/* A header value unfolded, RFC 2047 words decoded to UTF-8 where they
 * can be (words in a charset iconv does not know: as their bytes).
 * Caller owns. */
char *header_decode_value(const char *value, size_t len);
/* Append "Name: decoded\n" to out for each run of adjacent encoded words
 * in field f (white space between them does not count, RFC 2047 §6.2),
 * so that an address split over two words is whole again.  Only runs
 * that could decode to an '@' are decoded (an iconv set-up per call is
 * what it costs), and only the decoded words are written: the rest of
 * the field is searched raw already.  scratch is reused between calls.
 * A run in a charset iconv does not know, or whose bytes do not convert,
 * is kept as its bytes (the ASCII subset reads right).  Returns 0; 1
 * when a run in an unknown charset was so kept; -1 when a run did not
 * convert (1 and -1: the others are decoded). */
int words_decode_field(const struct header_field *f, struct buf *out,
		       struct buf *scratch);

#endif
