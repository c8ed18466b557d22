/* test-decode.c -- our base64 and quoted-printable decoders, with
 * Mailutils' filters as the oracle. */
#include "config.h"

#include "helpers.h"

#include <mailutils/filter.h>
#include <mailutils/stream.h>

#include "mail/decode.h"

/* Run a Mailutils filter over in; returns a malloc'd result. */
static char *
mu_filter_run(const char *name, int mode, const char *in, size_t len,
	      size_t *out_len)
{
	mu_stream_t src, flt;
	char *out = malloc(4 * len + 64);
	size_t used = 0, got;

	assert_int_equal(mu_static_memory_stream_create(&src, in, len), 0);
	assert_int_equal(mu_filter_create(&flt, src, name, mode, MU_STREAM_READ), 0);
	mu_stream_unref(src);
	do {
		got = 0;
		assert_int_equal(mu_stream_read(flt, out + used, 4 * len + 64 - used,
						&got), 0);
		used += got;
	} while (got > 0);
	mu_stream_destroy(&flt);
	*out_len = used;
	return out;
}

static void
test_decode__base64_table(void **state)
{
	static const struct { const char *in, *want; bool bad; } cases[] = {
		{ "aGVsbG8=", "hello", false },
		{ "aGVs\r\nbG8=\r\n", "hello", false },
		{ "aGVsbG8", "hello", false },                  /* no padding */
		{ "aGk=aGk=", "hihi", false },                  /* two chunks */
		{ "aG*Vs!bG8=", "hello", true },                /* junk skipped */
		{ "", "", false },
		{ "cGV0cmEudm9zQGV4YW1wbGUuY29t", "petra.vos@example.com", false },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char out[64];
		bool bad;
		size_t n = decode_base64(cases[i].in, strlen(cases[i].in), out, &bad);

		if (n != strlen(cases[i].want) || memcmp(out, cases[i].want, n) != 0)
			fail_msg("case %zu: got '%.*s'", i, (int)n, out);
		assert_int_equal(bad, cases[i].bad);
	}
}

static void
test_decode__qp_table(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "caf=C3=A9", "caf\xc3\xa9" },
		{ "caf=c3=a9", "caf\xc3\xa9" },                 /* lower-case hex */
		{ "soft=\nbreak", "softbreak" },
		{ "soft=\r\nbreak", "softbreak" },
		{ "soft=  \nbreak", "softbreak" },              /* blanks after = */
		{ "a=3Db", "a=b" },
		{ "keep =ZZ and =", "keep =ZZ and " },
		{ "ann=40example.org", "ann@example.org" },
		{ "line\nline\n", "line\nline\n" },
		{ "pad  \nx\t\r\ny ", "pad\nx\r\ny" },    /* padding dropped */
		{ "a =20\n", "a  \n" },
		/* lines without padding are copied whole up to the next '=' */
		{ "one\ntwo\r\nthree", "one\ntwo\r\nthree" },
		{ "a=41 \nb", "aA\nb" },            /* padding after an escape */
		{ "x =3D\t\ny", "x =\ny" },
		{ "line one\nline two  \nthree\n", "line one\nline two\nthree\n" },
		{ "tail  ", "tail" },
		{ "p \r\r\nq", "p \r\r\nq" },
		{ "soft=\nend \t", "softend" },
	};
	/* the same after a long run without '=' or padding: the 16-byte
	 * search and its tail both meet every case */
	static const char run[] = "0123456789abcdefghij\nklmnopqrstuvwxyz\r\n";

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++)
		for (size_t cut = 0; cut < sizeof run; cut++) {
			char in[128], want[128], out[128];
			size_t n;

			snprintf(in, sizeof in, "%.*s%s", (int)cut, run,
				 cases[i].in);
			snprintf(want, sizeof want, "%.*s%s", (int)cut, run,
				 cases[i].want);
			n = decode_qp(in, strlen(in), out);
			if (n != strlen(want) || memcmp(out, want, n) != 0)
				fail_msg("case %zu after %zu bytes: got '%.*s'",
					 i, cut, (int)n, out);
		}
}

/* Random bytes, encoded by Mailutils, decoded by both: must agree. */
static void
differential(const char *filter, size_t (*ours)(const char *, size_t, char *),
	     bool roundtrip)
{
	unsigned int seed = 12345;

	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(rand_r(&seed) % 3000), enc_len, ref_len, n;
		char *data = malloc(len + 1), *enc, *ref, *out;

		for (size_t i = 0; i < len; i++)
			data[i] = round % 2 ? (char)(rand_r(&seed) & 0xff)
				: "ab@. \n=\txyz"[rand_r(&seed) % 11];
		enc = mu_filter_run(filter, MU_FILTER_ENCODE, data, len, &enc_len);
		ref = mu_filter_run(filter, MU_FILTER_DECODE, enc, enc_len, &ref_len);
		out = malloc(DECODE_MAX_OUT(enc_len));
		n = ours(enc, enc_len, out);
		if (n != ref_len || memcmp(out, ref, n) != 0)
			fail_msg("%s round %d: %zu bytes, Mailutils %zu", filter,
				 round, n, ref_len);
		if (roundtrip) {
			assert_int_equal(n, len);
			assert_memory_equal(out, data, len);
		}
		free(data);
		free(enc);
		free(ref);
		free(out);
	}
}

static size_t
b64_plain(const char *in, size_t len, char *out)
{
	return decode_base64(in, len, out, NULL);
}

static void
test_decode__base64_agrees_with_mailutils(void **state)
{
	(void)state;
	differential("base64", b64_plain, true);
}

static void
test_decode__qp_agrees_with_mailutils(void **state)
{
	(void)state;
	/* not a round trip: Mailutils' encoder leaves trailing blanks,
	 * which decoding drops as RFC 2045 says */
	differential("quoted-printable", decode_qp, false);
}

static void
test_decode__words_that_may_hold_an_address(void **state)
{
	static const struct { char enc; const char *text; bool may; } cases[] = {
		{ 'Q', "ann=40example.org", true },
		{ 'q', "a@b", true },
		{ 'Q', "ann_at_example.org", true },     /* munged, no '@' */
		{ 'Q', "ann_AT_example.org", true },
		{ 'Q', "ann=28at=29example.org", true },
		{ 'Q', "ann=20=61t=20example.org", true },
		{ 'Q', "J=C3=BCrgen_M", false },
		{ 'B', "eEB5", true },                   /* "x@y" */
		{ 'B', "YW5uIGF0IHgub3Jn", true },       /* "ann at x.org" */
		{ 'b', "SsO8cmdlbg==", false },          /* "Jürgen" */
	};
	char scratch[128];

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		size_t n = decode_word_payload(cases[i].enc, cases[i].text,
					       strlen(cases[i].text), scratch);

		if (text_may_hold_address(scratch, n) != cases[i].may)
			fail_msg("case %zu: %s", i, cases[i].text);
	}
	assert_true(charset_hides_ascii("UTF-16LE", 8));
	assert_true(charset_hides_ascii("utf-7", 5));
	assert_false(charset_hides_ascii("utf-8", 5));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_decode__base64_table),
	cmocka_unit_test(test_decode__qp_table),
	cmocka_unit_test(test_decode__base64_agrees_with_mailutils),
	cmocka_unit_test(test_decode__qp_agrees_with_mailutils),
	cmocka_unit_test(test_decode__words_that_may_hold_an_address),
};

RUN_TESTS(tests)
