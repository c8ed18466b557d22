/* test-redact.c -- the transfer encoders, and one message redacted part
 * by part with a finder for a fixed word. */
#include "config.h"

#include "helpers.h"

#include <stdbool.h>

#include "act/encode.h"
#include "act/redact.h"
#include "lib/errbuf.h"
#include "mail/decode.h"

/* Every line of out (split on eol) is at most max bytes. */
static void
assert_lines_at_most(const char *out, size_t len, const char *eol, size_t max)
{
	size_t n = strlen(eol), start = 0;

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(out + i, eol, n) == 0) {
			if (i - start > max)
				fail_msg("a line of %zu bytes", i - start);
			start = i + n;
		}
	assert_true(len - start <= max);
}

static void
test_redact__qp_round_trip_and_line_length(void **state)
{
	static const char *const eols[] = { "\n", "\r\n" };
	char in[600], back[700];

	(void)state;
	for (size_t i = 0; i < sizeof in; i++)  /* long lines, 8-bit, '=' */
		in[i] = i % 97 == 96 ? '\n' : (char)("a=\xc3\xa9 \t.xyz"[i % 10]);
	for (size_t e = 0; e < N_ELEMENTS(eols); e++) {
		size_t out_len, back_len;
		char *out = redact_encode_qp(in, sizeof in, eols[e], &out_len);

		assert_lines_at_most(out, out_len, eols[e], 76);
		for (size_t i = 0; i < out_len; i++)
			assert_true((unsigned char)out[i] < 0x80);
		back_len = decode_qp(out, out_len, back);
		/* decoding turns the eol back into "\n" only when eol is it */
		if (e == 0) {
			assert_int_equal(back_len, sizeof in);
			assert_memory_equal(back, in, sizeof in);
		}
		free(out);
	}
}

static void
test_redact__base64_round_trip_and_line_length(void **state)
{
	char in[1000], back[1000];

	(void)state;
	for (size_t len = 0; len < 200; len += 7) {
		size_t out_len, back_len;
		bool bad = false;
		char *out;

		for (size_t i = 0; i < len; i++)
			in[i] = (char)(i * 37 + len);
		out = redact_encode_base64(in, len, "\r\n", &out_len);
		assert_lines_at_most(out, out_len, "\r\n", 76);
		back_len = decode_base64(out, out_len, back, &bad);
		assert_false(bad);
		assert_int_equal(back_len, len);
		assert_memory_equal(back, in, len);
		free(out);
	}
}

/* The finder: every "SECRET" in any part, but not inside <...> (a
 * Message-ID: the contract of redact_find_fn). */
static void
find_secret(void *ctx, const char *text, size_t len, unsigned int flags,
	    redact_add_fn add, void *add_ctx)
{
	(void)ctx;
	(void)flags;
	for (size_t i = 0; i + 6 <= len; i++)
		if (memcmp(text + i, "SECRET", 6) == 0 &&
		    (i == 0 || text[i - 1] != '<'))
			add(add_ctx, i, i + 6);
}

static const char message[] =
	"From: ann@lists.example\n"
	"Subject: the SECRET plan\n"
	"Message-ID: <SECRET@host>\n"
	"Content-Length: 999\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"b\"\n"
	"\n"
	"--b\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"caf=C3=A9 SEC=\nRET done\n"
	"--b\n"
	"Content-Type: text/plain\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"VGhlIFNFQ1JFVCBpcyBvdXQK\n"         /* "The SECRET is out\n" */
	"--b\n"
	"Content-Type: image/png\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"iVBORw0KGgo=\n"
	"--b--\n";

static void
test_redact__every_part_and_nothing_else(void **state)
{
	struct redact_result res;
	struct errbuf err;
	const char *body, *qp, *b64;
	char decoded[128];
	size_t n;
	bool bad = false;

	(void)state;
	if (redact_message(find_secret, NULL, "[x]", message, strlen(message),
			   &res, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(res.spans, 3);         /* subject, QP, base64 */
	assert_int_equal(res.binary_parts, 1);
	assert_null(memmem(res.data, res.len, "SECRET plan", 11));
	assert_non_null(memmem(res.data, res.len, "Subject: the [x] plan\n", 22));
	/* a Message-ID is an ID, never text */
	assert_non_null(memmem(res.data, res.len, "<SECRET@host>", 13));
	/* the QP part decodes to the marked text */
	qp = memmem(res.data, res.len, "quoted-printable\n\n", 18);
	assert_non_null(qp);
	qp += 18;
	n = decode_qp(qp, (size_t)((const char *)memmem(qp, res.len -
		(size_t)(qp - res.data), "\n--b", 4) - qp) + 1, decoded);
	assert_int_equal(n, strlen("caf\xc3\xa9 [x] done\n"));
	assert_memory_equal(decoded, "caf\xc3\xa9 [x] done\n", n);
	/* the base64 part too */
	b64 = memmem(res.data, res.len, "base64\n\n", 8);
	assert_non_null(b64);
	b64 += 8;
	n = decode_base64(b64, (size_t)(strchr(b64, '-') - b64), decoded, &bad);
	assert_false(bad);
	assert_int_equal(n, strlen("The [x] is out\n"));
	assert_memory_equal(decoded, "The [x] is out\n", n);
	/* the attachment is untouched, the structure the same */
	assert_non_null(memmem(res.data, res.len, "\niVBORw0KGgo=\n--b--\n", 20));
	/* Content-Length now says the body's length */
	body = memmem(res.data, res.len, "\n\n", 2) + 2;
	snprintf(decoded, sizeof decoded, "Content-Length: %zu\n",
		 res.len - (size_t)(body - res.data));
	assert_non_null(memmem(res.data, res.len, decoded, strlen(decoded)));
	free(res.data);
}

static void
test_redact__nothing_found_changes_nothing(void **state)
{
	static const char plain[] = "From: a@b.example\nSubject: hi\n\nbody\n";
	struct redact_result res;
	struct errbuf err;

	(void)state;
	assert_int_equal(redact_message(find_secret, NULL, "[x]", plain,
					strlen(plain), &res, &err), 0);
	assert_int_equal(res.spans, 0);
	free(res.data);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_redact__qp_round_trip_and_line_length),
	cmocka_unit_test(test_redact__base64_round_trip_and_line_length),
	cmocka_unit_test(test_redact__every_part_and_nothing_else),
	cmocka_unit_test(test_redact__nothing_found_changes_nothing),
};

RUN_TESTS(tests)
