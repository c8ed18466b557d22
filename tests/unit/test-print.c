/* test-print.c -- text_escaped: one line of output stays one line. */
#include "config.h"

#include "helpers.h"

#include "cli/print.h"

static void
expect_escaped(const char *in, const char *want)
{
	char *got = text_escaped(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_print__plain_text_and_utf8_stay(void **state)
{
	(void)state;
	expect_escaped("", "");
	expect_escaped("archive/2021-January.txt.gz",
		       "archive/2021-January.txt.gz");
	expect_escaped("Z\xc3\xbcrich/\xe2\x82\xac/\xf0\x9f\x93\xa7",
		       "Z\xc3\xbcrich/\xe2\x82\xac/\xf0\x9f\x93\xa7");
}

static void
test_print__controls_and_backslash_are_escaped(void **state)
{
	(void)state;
	expect_escaped("a\nb", "a\\nb");
	expect_escaped("a\tb\rc", "a\\tb\\rc");
	expect_escaped("back\\slash", "back\\\\slash");
	expect_escaped("\x01\x1f\x7f", "\\x01\\x1f\\x7f");
	/* an escape in the input does not read as one in the output */
	expect_escaped("a\\nb", "a\\\\nb");
}

static void
test_print__bytes_that_are_not_utf8_are_escaped(void **state)
{
	(void)state;
	expect_escaped("c\xff" "d", "c\\xffd");
	expect_escaped("\xc0\xaf", "\\xc0\\xaf");               /* overlong */
	expect_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80");      /* surrogate */
	expect_escaped("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");     /* > U+10FFFF */
	expect_escaped("end\xe2\x82", "end\\xe2\\x82");         /* cut short */
	expect_escaped("\xc3(", "\\xc3(");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_print__plain_text_and_utf8_stay),
	cmocka_unit_test(test_print__controls_and_backslash_are_escaped),
	cmocka_unit_test(test_print__bytes_that_are_not_utf8_are_escaped),
};

RUN_TESTS(tests)
