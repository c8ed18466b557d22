/* test-datetime.c -- mail dates and argument dates. */
#include "config.h"

#include "helpers.h"

#include "lib/datetime.h"

static void
test_datetime__parses_mail_dates(void **state)
{
	static const struct { const char *s; int64_t want; } cases[] = {
		{ "Tue, 06 Jan 2015 16:01:04 -0000", 1420560064 },
		{ "Tue, 6 Jan 2015 17:01:04 +0100", 1420560064 },
		{ "6 Jan 2015 16:01:04 GMT", 1420560064 },
		{ "Tue, 06 Jan 15 16:01:04 UT", 1420560064 },
		{ "Tue, 6 Jan 2015 08:01:04 PST (Pacific)", 1420560064 },
		{ "Tue Jan  6 16:01:04 2015", 1420560064 },
		{ "Tue, 6 Jan 2015 16:01 +0000", 1420560060 },
		{ "Thu, 1 Jan 1970 00:00:00 +0000", 0 },
		{ "Mon, 29 Feb 2016 12:00:00 +0000", 1456747200 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		int64_t t = -1;

		if (datetime_parse_mail(cases[i].s, strlen(cases[i].s), &t) < 0)
			fail_msg("case %zu '%s' did not parse", i, cases[i].s);
		if (t != cases[i].want)
			fail_msg("case %zu '%s': %lld, want %lld", i, cases[i].s,
				 (long long)t, (long long)cases[i].want);
	}
}

static void
test_datetime__rejects_non_dates(void **state)
{
	static const char *const bad[] = { "", "yesterday", "Jan 2015",
		"12:00:00" };
	int64_t t;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_int_equal(datetime_parse_mail(bad[i], strlen(bad[i]), &t), -1);
}

static void
test_datetime__parses_arguments(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(datetime_parse_arg("2015-01-06", &t), 0);
	assert_int_equal(t, 1420502400);
	assert_int_equal(datetime_parse_arg("2015-01-06T16:01:04", &t), 0);
	assert_int_equal(t, 1420560064);
	assert_int_equal(datetime_parse_arg("2015-01-06 16:01", &t), 0);
	assert_int_equal(t, 1420560060);
	assert_int_equal(datetime_parse_arg("2015-13-01", &t), -1);
	assert_int_equal(datetime_parse_arg("06/01/2015", &t), -1);
	assert_int_equal(datetime_parse_arg("2015-01-06x", &t), -1);
}

/* Mailman's page dates: the fields as written, the zone word kept apart. */
static void
test_datetime__parses_ctime_with_a_zone_word(void **state)
{
	int64_t t;
	char zone[16];

	(void)state;
	assert_int_equal(datetime_parse_ctime_zone("Mon May 10 11:04:57 EDT 2010",
						   &t, zone), 0);
	assert_int_equal(t, 1273489497);
	assert_string_equal(zone, "EDT");
	assert_int_equal(datetime_parse_ctime_zone("Sun Aug 15 06:47:19 1999",
						   &t, zone), 0);
	assert_int_equal(t, 934699639);
	assert_string_equal(zone, "");
	assert_int_equal(datetime_parse_ctime_zone("Mon Nov  1 14:44:28 EDT 2010",
						   &t, zone), 0);
	assert_int_equal(t, 1288622668);
	assert_int_equal(datetime_parse_ctime_zone("Mon Foo 10 11:04:57 2010",
						   &t, zone), -1);
	assert_int_equal(datetime_parse_ctime_zone("Mon May 10 25:04:57 2010",
						   &t, zone), -1);
	assert_int_equal(datetime_parse_ctime_zone("Sun, 15 Aug 1999 06:47:19",
						   &t, zone), -1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_datetime__parses_ctime_with_a_zone_word),
	cmocka_unit_test(test_datetime__parses_mail_dates),
	cmocka_unit_test(test_datetime__rejects_non_dates),
	cmocka_unit_test(test_datetime__parses_arguments),
};

RUN_TESTS(tests)
