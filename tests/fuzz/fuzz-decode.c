/* fuzz-decode.c -- the transfer decoders of mail/decode.h and the
 * encoders redaction writes with (act/encode.h), on their own.
 * Invariants: a decoder never writes past DECODE_MAX_OUT(len) (each
 * output is a heap block of exactly that size, so ASan sees one byte
 * too many) and never grows its input; what the encoders write decodes
 * back to the input; RFC 2047 words decode without leaks. */
#include "config.h"

#include <string.h>

#include "act/encode.h"
#include "fuzz.h"
#include "lib/buf.h"
#include "mail/decode.h"
#include "mail/words.h"

static char *
out_for(size_t len)
{
	char *out = malloc(DECODE_MAX_OUT(len));

	FUZZ_CHECK(out != NULL);
	return out;
}

static void
round_trip(const char *in, size_t len)
{
	size_t enc_len, back_len, want_len = 0;
	bool bad = false;
	char *enc, *back, *want;

	enc = redact_encode_base64(in, len, "\r\n", &enc_len);
	back = out_for(enc_len);
	back_len = decode_base64(enc, enc_len, back, &bad);
	FUZZ_CHECK(!bad);
	FUZZ_CHECK(back_len == len && memcmp(back, in, len) == 0);
	free(enc);
	free(back);

	/* quoted-printable with LF line ends gives the bytes back, but a
	 * CRLF of the text, a line end too, comes back as the eol (LF) */
	enc = redact_encode_qp(in, len, "\n", &enc_len);
	for (size_t i = 0; i < enc_len; i++)
		FUZZ_CHECK((unsigned char)enc[i] < 0x80);
	back = out_for(enc_len);
	back_len = decode_qp(enc, enc_len, back);
	want = out_for(len);
	for (size_t i = 0; i < len; i++)
		if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
			want[want_len++] = in[i];
	FUZZ_CHECK(back_len == want_len && memcmp(back, want, want_len) == 0);
	free(want);
	free(enc);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *out;
	size_t n;
	bool bad = false;
	struct buf b = { 0 };

	out = out_for(size);
	n = decode_base64(in, size, out, &bad);
	FUZZ_CHECK(n <= size);
	free(out);

	out = out_for(size);
	FUZZ_CHECK(decode_qp(in, size, out) <= size);
	free(out);

	for (int i = 0; i < 4; i++) {
		out = out_for(size);
		FUZZ_CHECK(decode_word_payload("QqBb"[i], in, size, out) <= size);
		free(out);
	}
	(void)text_may_hold_address(in, size);
	(void)charset_hides_ascii(in, size);
	FUZZ_CHECK(encoded_word_len(in, size) <= size);

	/* RFC 2047 through Mailutils, as a header value */
	if (words_present(in, size))
		free(header_decode_value(in, size));
	out = header_decode_value(in, size);
	FUZZ_CHECK(out != NULL);
	free(out);

	if (size <= 4096)
		round_trip(in, size);
	/* encoded words written back (redaction of a header) */
	if (size <= 1024 && memchr(in, '\0', size) == NULL) {
		char *s = strndup(in, size);

		bool ascii = true;

		for (size_t i = 0; i < size; i++)
			ascii = ascii && in[i] >= 0x20 && in[i] < 0x7f;
		encode_words(&b, s, "\n");
		/* printable ASCII comes back whole from the words */
		if (ascii) {
			char *back = header_decode_value(b.p, b.len);

			FUZZ_CHECK(back != NULL && strcmp(back, s) == 0);
			free(back);
		}
		free(s);
		free(b.p);
	}
	return 0;
}
