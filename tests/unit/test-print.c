/* test-print.c -- text_escaped: one line of output stays one line; JSON
 * output framed by a header and a summary; plurals. */
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

static void
test_print__json_header_first_summary_last(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	json_output_for("scan");
	json_line(out, json_pack("{s:i}", "index", 0));
	json_line(out, json_pack("{s:i}", "index", 1));
	json_summary(out, json_pack("{s:i}", "selected", 2));
	fclose(out);
	assert_string_equal(text,
		"{\"listscrub\":{\"format\":1,\"command\":\"scan\",\"version\":\""
		PACKAGE_VERSION "\"}}\n"
		"{\"index\":0}\n{\"index\":1}\n"
		"{\"summary\":{\"selected\":2}}\n");
	free(text);
}

static void
test_print__plurals(void **state)
{
	(void)state;
	assert_string_equal(plural(0, "message", "messages"), "messages");
	assert_string_equal(plural(1, "message", "messages"), "message");
	assert_string_equal(plural(2, "mailbox", "mailboxes"), "mailboxes");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_print__plain_text_and_utf8_stay),
	cmocka_unit_test(test_print__controls_and_backslash_are_escaped),
	cmocka_unit_test(test_print__bytes_that_are_not_utf8_are_escaped),
	cmocka_unit_test(test_print__json_header_first_summary_last),
	cmocka_unit_test(test_print__plurals),
};

RUN_TESTS(tests)
