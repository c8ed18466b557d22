/* test-rules.c -- rule files and the rule scanner: prefilters at every
 * alignment, case, exclusions, priorities, context, and load errors. */
#include "config.h"

#include "helpers.h"

#include "detect/rules.h"
#include "lib/errbuf.h"
#include "mail/msgid.h"

static const char rules_text[] =
	"# four digits, anywhere\n"
	"rule four\n"
	"  pattern   = (?<![0-9])(?<value>\\d{4})(?![0-9])\n"
	"  prefilter = digits:4\n"
	"  token     = 0-9\n"
	"  max-length = 8\n"
	"  priority  = 1\n"
	"\n"
	"rule code-word\n"
	"  pattern   = (?i)(?<value>ZED-\\d{4})\n"
	"  prefilter = exact:ZED-\n"
	"  token     = A-Z\n"
	"  priority  = 50\n"
	"\n"
	"rule secret-word\n"
	"  pattern   = (?i)(?<value>hush\\x20\\w+)\n"
	"  prefilter = literal:hush\\x20\n"
	"  token     = a-z\n"
	"  context   = quiet\n"
	"  window    = 10\n"
	"  require-context = yes\n"
	"  action    = flag\n"
	"  scope     = any\n"
	"\n"
	"rule public-code\n"
	"  pattern   = (?<value>ZED-0000)\n"
	"  prefilter = exact:ZED-0000\n"
	"  token     = Z\n"
	"  action    = ignore\n"
	"  priority  = 99\n";

struct hits {
	struct rule_hit h[16];
	size_t n;
};

static int
record(const struct rule_hit *hit, void *ctx)
{
	struct hits *hs = ctx;

	if (hs->n < N_ELEMENTS(hs->h))
		hs->h[hs->n] = *hit;
	hs->n++;
	return 0;
}

struct fixture {
	char *dir;
	struct ruleset *rs;
	struct rule_scanner *sc;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct errbuf err;
	char *path;

	fx->dir = test_tempdir();
	path = test_write(fx->dir, "test.rules", rules_text, SIZE_MAX);
	fx->rs = ruleset_new();
	if (ruleset_load(fx->rs, path, &err) < 0)
		fail_msg("%s", err.msg);
	fx->sc = rule_scanner_new(fx->rs);
	free(path);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rule_scanner_free(&fx->sc);
	ruleset_free(&fx->rs);
	test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static struct hits
scan(struct fixture *fx, const char *text, enum rule_scope scope)
{
	struct hits hs = { .n = 0 };

	assert_int_equal(rule_scan(fx->sc, text, strlen(text), scope, record,
				   &hs), 0);
	return hs;
}

/* The digit prefilter skips eight bytes at a time: a number must be found
 * wherever it falls in a word, after bytes of any kind. */
static void
test_rules__digits_found_at_every_alignment(void **state)
{
	struct fixture *fx = *state;
	static const char filler[] = "ab\xc3\xa9 -x/\x7f\xff:.";
	char text[64];

	for (size_t k = 0; k < 24; k++) {
		struct hits hs;

		for (size_t i = 0; i < k; i++)
			text[i] = filler[i % (sizeof filler - 1)];
		snprintf(text + k, sizeof text - k, "2024 and 12");
		hs = scan(fx, text, RULE_SCOPE_BODY);
		assert_int_equal(hs.n, 1);
		assert_int_equal(hs.h[0].start, k);
		assert_int_equal(hs.h[0].end, k + 4);
	}
	assert_int_equal(scan(fx, "123 and 12345", RULE_SCOPE_BODY).n, 0);
}

static void
test_rules__exact_prefilter_keeps_case(void **state)
{
	struct fixture *fx = *state;
	struct hits hs = scan(fx, "ref ZED-2024 here", RULE_SCOPE_BODY);

	/* code-word (priority 50) wins over its four digits (priority 1) */
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].rule, (uint32_t)ruleset_find(fx->rs, "code-word"));
	assert_int_equal(hs.h[0].start, 4);
	assert_int_equal(hs.h[0].end, 12);
	hs = scan(fx, "ref zed-2024 here", RULE_SCOPE_BODY);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].rule, (uint32_t)ruleset_find(fx->rs, "four"));
}

static void
test_rules__context_window_and_scope(void **state)
{
	struct fixture *fx = *state;
	long secret = ruleset_find(fx->rs, "secret-word");
	struct hits hs;

	hs = scan(fx, "be quiet: HUSH money", RULE_SCOPE_BODY);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].rule, (uint32_t)secret);
	assert_true(hs.h[0].context);
	/* the context word is further than the window of 10 bytes */
	assert_int_equal(scan(fx, "quiet ................ hush money",
			      RULE_SCOPE_BODY).n, 0);
	/* scope: four is a body rule, secret-word any */
	assert_int_equal(scan(fx, "2024", RULE_SCOPE_HEADER).n, 0);
	assert_int_equal(scan(fx, "quiet hush now", RULE_SCOPE_HEADER).n, 1);
	assert_int_equal(ruleset_rule(fx->rs, (uint32_t)secret)->action,
			 RULE_FLAG);
}

static void
test_rules__ids_and_armour_never_match(void **state)
{
	struct fixture *fx = *state;
	static const char text[] =
		"> Message-ID: <2024.1@host>\n"
		"> References: <7777@host>\n"
		"-----BEGIN PGP SIGNATURE-----\n"
		"iQ 4242 x\n"
		"-----END PGP SIGNATURE-----\n"
		"call 5150\n";
	struct hits hs = scan(fx, text, RULE_SCOPE_BODY);

	assert_int_equal(hs.n, 1);
	assert_memory_equal(text + hs.h[0].start, "5150", 4);
	assert_true(text_in_quoted_id(text, strlen(text), 15));
	assert_false(text_in_quoted_id(text, strlen(text), strlen(text) - 3));
}

/* Only the <...> tokens a Message-ID field names are IDs; a line that
 * merely holds such a word is text like any other. */
static void
test_rules__quoted_ids_are_the_tokens_after_the_field(void **state)
{
	static const struct { const char *text, *at; bool id; } cases[] = {
		{ "Bank references: IBAN DE89 3704", "DE89", false },
		{ "our message-id: is x 1234", "1234", false },
		{ ">> In-Reply-To: <12@x>", "12@x", true },
		{ "  References: <12@x>", "12@x", true },
		{ "Voir Message-ID: <451@mail.example> ci-dessous", "451@", true },
		{ "> References: <a@b> <c.12@d>", "c.12@d", true },
		{ "> References: <a@b>\n>  <c.12@d>", "c.12@d", true },
		{ "references: <a@b> then 4242 <x@y>", "4242", false },
		{ "See <ann@example.org> for Message-ID: stuff", "ann@", false },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const char *t = cases[i].text;
		size_t pos = (size_t)(strstr(t, cases[i].at) - t);

		if (text_in_quoted_id(t, strlen(t), pos) != cases[i].id)
			fail_msg("case %zu: '%s' at '%s'", i, t, cases[i].at);
	}
}

/* An ignore rule hides what it covers and is not reported itself. */
static void
test_rules__ignore_hides_what_it_covers(void **state)
{
	struct fixture *fx = *state;
	long pub = ruleset_find(fx->rs, "public-code");
	struct hits hs = scan(fx, "ZED-0000 and ZED-2024", RULE_SCOPE_BODY);

	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].start, 13);
	assert_int_equal(ruleset_rule(fx->rs, (uint32_t)pub)->action, RULE_IGNORE);
	assert_string_equal(rule_action_name(RULE_IGNORE), "ignore");
	/* alone (its examples), it is reported */
	rule_scanner_only(fx->sc, pub);
	hs = scan(fx, "ZED-0000 and ZED-2024", RULE_SCOPE_BODY);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].start, 0);
	assert_int_equal(hs.h[0].end, 8);
}

static void
test_rules__only_one_rule(void **state)
{
	struct fixture *fx = *state;

	rule_scanner_only(fx->sc, ruleset_find(fx->rs, "four"));
	assert_int_equal(scan(fx, "ZED-2024 quiet hush x", RULE_SCOPE_BODY).n, 1);
	rule_scanner_only(fx->sc, -1);
	assert_int_equal(scan(fx, "ZED-2024 quiet hush x", RULE_SCOPE_BODY).n, 2);
}

static void
test_rules__load_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
		{ "rule a\n  pattern = x\n  prefilter = digits:2\n", ":3:" },
		{ "rule a\n  pattern = x\n  prefilter = sometimes\n", "prefilter" },
		{ "rule a\n  pattern = (x\n", "does not compile" },
		{ "rule a\n  pattern = x\n  validator = astrology\n", "validator" },
		{ "rule a\n  pattern = x\n  colour = red\n", "unknown field" },
		{ "rule a\n  pattern = x\nrule a\n  pattern = y\n", "twice" },
		{ "rule a\n  pattern = x\n  prefilter = exact:X\n", "token" },
	};
	char *dir = test_tempdir();

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *path = test_write(dir, "bad.rules", cases[i].text, SIZE_MAX);
		struct ruleset *rs = ruleset_new();
		struct errbuf err;

		assert_int_equal(ruleset_load(rs, path, &err), -1);
		if (strstr(err.msg, "bad.rules") == NULL ||
		    strstr(err.msg, cases[i].says) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
				 cases[i].says);
		ruleset_free(&rs);
		free(path);
	}
	test_rmtree(dir);
	free(dir);
}

/* A field given again replaces the one before, and nothing leaks (ASan
 * builds check that); "validator = none" after one drops it. */
static void
test_rules__field_given_again_replaces(void **state)
{
	static const char text[] =
		"rule a\n  entity = A\n  entity = B\n  description = x\n"
		"  description = y\n  pattern = (?<value>\\d{4})\n"
		"  pattern = (?<value>\\d{5})\n  prefilter = literal:q,r\n"
		"  prefilter = digits:5\n  token = 0-9\n  context = one, two\n"
		"  context = three\n  validator = luhn\n  validator = none\n"
		"  severity = low\n  severity = high\n";
	char *dir = test_tempdir();
	char *path = test_write(dir, "again.rules", text, SIZE_MAX);
	struct ruleset *rs = ruleset_new();
	struct errbuf err;
	const struct rule_info *ri;

	(void)state;
	if (ruleset_load(rs, path, &err) < 0)
		fail_msg("%s", err.msg);
	ri = ruleset_rule(rs, 0);
	assert_string_equal(ri->entity, "B");
	assert_string_equal(ri->description, "y");
	assert_string_equal(ri->validator, "none");
	assert_string_equal(ri->severity, "high");
	ruleset_free(&rs);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_rules__digits_found_at_every_alignment,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_rules__exact_prefilter_keeps_case,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_rules__context_window_and_scope,
					setup, teardown),
	cmocka_unit_test(test_rules__quoted_ids_are_the_tokens_after_the_field),
	cmocka_unit_test_setup_teardown(test_rules__ids_and_armour_never_match,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_rules__ignore_hides_what_it_covers,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_rules__only_one_rule, setup,
					teardown),
	cmocka_unit_test(test_rules__load_errors_name_file_and_line),
	cmocka_unit_test(test_rules__field_given_again_replaces),
};

RUN_TESTS(tests)
