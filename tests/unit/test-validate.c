/* test-validate.c -- check digits, numbering plans and address shape.
 * The valid numbers were computed by an independent script from the
 * published algorithms; each invalid one differs by one digit or breaks
 * one rule. */
#include "config.h"

#include "helpers.h"

#include "detect/validate.h"
#include "lib/xalloc.h"

struct vector {
	const char *text;
	bool valid;
};

static void
check_vectors(validator_fn fn, const char *name, const struct vector *v,
	      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fn(v[i].text, strlen(v[i].text)) != v[i].valid)
			fail_msg("%s('%s') should be %s", name, v[i].text,
				 v[i].valid ? "valid" : "invalid");
}

#define CHECK(fn, vectors) check_vectors(fn, #fn, vectors, N_ELEMENTS(vectors))

static void
test_validate__cards_need_luhn_issuer_and_length(void **state)
{
	static const struct vector v[] = {
		{ "4111 1111 1111 1111", true },        /* Visa test number */
		{ "4111-1111-1111-1112", false },       /* Luhn fails */
		{ "5555555555554444", true },           /* Mastercard */
		{ "378282246310005", true },            /* Amex, 15 digits */
		{ "3782822463100051", false },          /* Amex with 16 */
		{ "9111111111111111", false },          /* no such issuer */
		{ "1234 5678 9012 3452", false },       /* arithmetic placeholder */
		{ "", false },
	};

	(void)state;
	CHECK(valid_card, v);
	assert_true(valid_luhn("79927398713", 11));
	assert_false(valid_luhn("79927398710", 11));
}

static void
test_validate__iban_length_and_mod97(void **state)
{
	static const struct vector v[] = {
		{ "DE89 3704 0044 0532 0130 00", true },
		{ "DE89370400440532013000", true },
		{ "DE89 3704 0044 0532 0130 01", false },       /* mod 97 */
		{ "DE89 3704 0044 0532 0130 0", false },        /* length */
		{ "GB29 NWBK 6016 1331 9268 19", true },
		{ "FR14 2004 1010 0505 0001 3M02 606", true },
		{ "XX89 3704 0044 0532 0130 00", false },       /* no country */
	};

	(void)state;
	CHECK(valid_iban, v);
}

static void
test_validate__national_identifiers(void **state)
{
	static const struct vector steuer[] = {
		{ "86095742719", true },
		{ "47 036 892 816", true },
		{ "12345678911", true },
		{ "86095742718", false },       /* check digit */
		{ "12345678901", false },       /* no digit repeated */
		{ "06095742719", false },       /* leading zero */
		{ "11112345678", false },       /* a digit four times */
	};
	static const struct vector nir[] = {
		{ "2 55 08 14 168 025 38", true },
		{ "184027512345674", true },
		{ "185032A00412324", true },    /* Corsica, 2A counts as 19 */
		{ "2 55 08 14 168 025 39", false },
		{ "5 55 08 14 168 025 38", false },     /* sex digit */
		{ "2 55 13 14 168 025 38", false },     /* month 13 */
	};
	static const struct vector sin[] = {
		{ "130 692 544", true },
		{ "271-483-828", true },
		{ "130 692 545", false },       /* Luhn */
		{ "046 454 286", false },       /* 0 is not issued (a sample) */
		{ "830 692 541", false },       /* nor 8 */
		{ "13069254", false },
	};

	(void)state;
	CHECK(valid_de_steuer_id, steuer);
	CHECK(valid_fr_nir, nir);
	CHECK(valid_ca_sin, sin);
}

static void
test_validate__phone_plans(void **state)
{
	static const struct vector de[] = {
		{ "+49 30 12345678", true },
		{ "030 1234567", true },
		{ "+49 (0)30 1234567", true },
		{ "0151 23456789", true },      /* mobile, 11 digits */
		{ "0151 234567", false },       /* mobile too short */
		{ "+33 1 23 45 67 89", false }, /* another country */
		{ "12345678", false },          /* neither + nor trunk 0 */
	};
	static const struct vector fr[] = {
		{ "+33 1 23 45 67 89", true },
		{ "01 23 45 67 89", true },
		{ "0033 6 12 34 56 78", true },
		{ "01 23 45 67 8", false },
		{ "06 66 66 66 66", false },    /* all the same */
	};
	static const struct vector nanp[] = {
		{ "(506) 243-1885", true },
		{ "+1 212 555 0147", true },
		{ "(111) 243-1885", false },    /* area code starts with 1 */
		{ "(506) 211-1885", false },    /* N11 exchange */
		{ "+44 506 243 1885", false },
	};
	static const struct vector e164[] = {
		{ "+44 20 7946 0958", true },
		{ "+4420", false },
		{ "44 20 7946 0958", false },
		{ "+1234567890123456", false },
	};

	(void)state;
	CHECK(valid_phone_de, de);
	CHECK(valid_phone_fr, fr);
	CHECK(valid_phone_nanp, nanp);
	CHECK(valid_phone_e164, e164);
}

static void
test_validate__email_shape(void **state)
{
	static const struct vector v[] = {
		{ "ann.smith@mail.example.net", false },        /* reserved */
		{ "ann.smith@lists.debian.org", true },
		{ "logo@2x.png", false },
		{ ".ann@debian.org", false },
		{ "a..b@debian.org", false },
		{ "ann@localhost", false },
		{ "ann@debian.o", false },
	};

	(void)state;
	CHECK(valid_email, v);
	assert_true(valid_email_syntax("ann@example.org", 15));
	assert_true(domain_is_reserved("mx.example.com", 14));
	assert_true(domain_is_reserved("host.test", 9));
	assert_false(domain_is_reserved("notexample.com", 14));
}

static void
test_validate__munged_addresses_normalise(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ann at debian dot org", "ann@debian.org" },
		{ "ann(at)debian.org", "ann@debian.org" },
		{ "ann [at] debian [dot] org", "ann@debian.org" },
		{ "ann&#64;debian.org", "ann@debian.org" },
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		size_t n = munged_address_normalize(cases[i].in,
						    strlen(cases[i].in), out);

		out[n] = '\0';
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("'%s' gave '%s', want '%s'", cases[i].in, out,
				 cases[i].out);
	}
	/* normalising is not judging: the validator rejects these */
	assert_false(valid_email_munged("look at this", 12));
	assert_false(valid_email_munged("meet at noon.", 13));
	assert_true(valid_email_munged("ann at debian dot org", 21));
}

/* A secret's text is a range of the message, not a string: a value of 6
 * bytes at the very end of a buffer is read no further than its end
 * (under ASan, one byte more is a report). */
static void
test_validate__secrets_read_within_their_range(void **state)
{
	static const char *const values[] = { "passwo", "<passw", "xK9#q2" };

	(void)state;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char *text = xmalloc(6);

		memcpy(text, values[i], 6);
		assert_int_equal(valid_secret(text, 6), i == 2);
		free(text);
	}
	assert_false(valid_secret("password1", 9));
}

static void
test_validate__names_resolve(void **state)
{
	(void)state;
	for (size_t i = 0; validator_names[i]; i++)
		assert_non_null(validator_find(validator_names[i]));
	assert_ptr_equal(validator_find("luhn"), valid_luhn);
	assert_null(validator_find("no-such-check"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_validate__cards_need_luhn_issuer_and_length),
	cmocka_unit_test(test_validate__iban_length_and_mod97),
	cmocka_unit_test(test_validate__national_identifiers),
	cmocka_unit_test(test_validate__phone_plans),
	cmocka_unit_test(test_validate__email_shape),
	cmocka_unit_test(test_validate__munged_addresses_normalise),
	cmocka_unit_test(test_validate__secrets_read_within_their_range),
	cmocka_unit_test(test_validate__names_resolve),
};

RUN_TESTS(tests)
