/* decode.h -- transfer decoding of base64 and quoted-printable into a
 * caller's buffer.
 *
 * Ours because it is on the hot path: Mailutils' filter streams cost more
 * to set up than to run on the typical 2 KB part (measured: a third of
 * scan time on a MIME-heavy archive).  Mailutils stays the oracle: the unit
 * tests compare both on the same inputs.  Decoding is lenient as mail
 * readers are: characters outside the alphabet are skipped (base64), a
 * '=' that starts no escape is kept (quoted-printable).
 */
#ifndef LISTSCRUB_DECODE_H
#define LISTSCRUB_DECODE_H

#include <stdbool.h>
#include <stddef.h>

/* Largest output for len input bytes (both decoders shrink). */
#define DECODE_MAX_OUT(len) ((len) + 1)

/* Decode in[0..len) into out (at least DECODE_MAX_OUT(len) bytes).
 * Returns the number of bytes written.  *bad_r (may be NULL) is set when
 * the input had characters that are not base64, other than white space. */
size_t decode_base64(const char *in, size_t len, char *out, bool *bad_r);

size_t decode_qp(const char *in, size_t len, char *out);

/* Can quoted-printable text decode to something with an '@'?  It must
 * show one, or its escape "=40". */
bool decode_qp_may_hold_at(const char *in, size_t len);

/* Could RFC 2047 encoded word text (the part between "?Q?" or "?B?" and
 * "?=") decode to something holding an '@'?  Cheap: a Q word must show
 * '@' or "=40"; a B word is decoded into scratch (DECODE_MAX_OUT bytes). */
bool decode_word_may_hold_at(char encoding, const char *text, size_t len,
			     char *scratch);

#endif
