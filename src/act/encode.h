/* encode.h -- the encoders redaction writes with.  eol is "\n" or "\r\n";
 * lines are at most 76 characters (RFC 2045). */
#ifndef LISTSCRUB_ENCODE_H
#define LISTSCRUB_ENCODE_H

#include <stddef.h>

struct buf;

/* Quoted-printable of in[0..len), line ends of the text kept as eol, soft
 * breaks where lines are long, "From " at a line start escaped.  Caller
 * frees. */
char *redact_encode_qp(const char *in, size_t len, const char *eol,
		       size_t *out_len);

/* Base64 in lines of 76.  Caller frees. */
char *redact_encode_base64(const char *in, size_t len, const char *eol,
			   size_t *out_len);

/* Append text as RFC 2047 Q-encoded UTF-8 words, never splitting a UTF-8
 * sequence, folded with eol and a space between words. */
void encode_words(struct buf *b, const char *text, const char *eol);

#endif
