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

/* Could text hold an address in any form the address finder reads
 * (detect/addrset.h: "@", " at ", "(at)", "(a)", in any case)?  A
 * pre-check that skips text must never be narrower than the finder:
 * this is the one every pre-check uses, and a unit test holds it to the
 * finder's forms. */
bool text_may_hold_address(const char *text, size_t len);

/* Is charset (name[0..len)) one whose bytes for ASCII characters are
 * not ASCII (UTF-16, UTF-32, UCS, UTF-7)?  Addresses in it are invisible
 * until converted. */
bool charset_hides_ascii(const char *name, size_t len);

/* The payload of an RFC 2047 encoded word (the part between "?Q?" or
 * "?B?" and "?=") decoded into out (DECODE_MAX_OUT(len) bytes): base64,
 * or Q ("_" is a space, "=XX" a byte).  Returns the length. */
size_t decode_word_payload(char encoding, const char *text, size_t len,
			   char *out);

#endif
