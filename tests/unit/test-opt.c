/* test-opt.c -- option tables. */
#include "config.h"

#include "helpers.h"

#include "lib/errbuf.h"
#include "lib/opt.h"

static const char *const colours[] = { "red", "green", NULL };

struct parsed {
	bool flag;
	const char *str;
	struct opt_list list;
	unsigned long n;
	int colour;
};

static int
parse(struct parsed *p, int argc, char **argv, bool *help, struct errbuf *err)
{
	struct opt_spec specs[] = {
		{ "flag", OPT_FLAG, &p->flag, NULL, "a flag", NULL },
		{ "str", OPT_STRING, &p->str, "S", "a string", NULL },
		{ "item", OPT_LIST, &p->list, "I", "repeatable", NULL },
		{ "n", OPT_UINT, &p->n, "N", "a number", NULL },
		{ "colour", OPT_KEYWORD, &p->colour, "red|green", "a keyword",
		  colours },
		{ 0 },
	};

	memset(p, 0, sizeof *p);
	return opt_parse(argc, argv, specs, help, err);
}

static void
test_opt__parses_every_kind(void **state)
{
	char *argv[] = { "cmd", "--flag", "--str", "x", "--item=a", "--item", "b",
		"--n", "42", "--colour", "green", "path1", "path2", NULL };
	struct parsed p;
	struct errbuf err;
	bool help;
	int first;

	(void)state;
	first = parse(&p, 13, argv, &help, &err);
	assert_int_equal(first, 11);
	assert_true(p.flag);
	assert_string_equal(p.str, "x");
	assert_int_equal(p.list.count, 2);
	assert_string_equal(p.list.items[1], "b");
	assert_int_equal(p.n, 42);
	assert_int_equal(p.colour, 1);
	assert_false(help);
	opt_list_release(&p.list);
}

static void
test_opt__rejects_bad_values(void **state)
{
	static char *bad[][3] = {
		{ "cmd", "--n", "-1" },
		{ "cmd", "--n", "12x" },
		{ "cmd", "--colour", "blue" },
		{ "cmd", "--nope", "x" },
	};
	struct parsed p;
	struct errbuf err;
	bool help;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (parse(&p, 3, bad[i], &help, &err) != -1)
			fail_msg("case %zu accepted", i);
		assert_true(strlen(err.msg) > 0);
		opt_list_release(&p.list);
	}
}

static void
test_opt__help_and_usage(void **state)
{
	char *argv[] = { "cmd", "--help", NULL };
	struct parsed p;
	struct errbuf err;
	bool help;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	struct opt_spec specs[] = {
		{ "colour", OPT_KEYWORD, &p.colour, "red|green", "pick one",
		  colours },
		{ 0 },
	};

	(void)state;
	assert_int_equal(parse(&p, 2, argv, &help, &err), 2);
	assert_true(help);
	f = open_memstream(&out, &len);
	opt_usage(f, "cmd [--colour C]", specs);
	fclose(f);
	assert_non_null(strstr(out, "usage: cmd [--colour C]"));
	assert_non_null(strstr(out, "--colour red|green"));
	assert_non_null(strstr(out, "pick one"));
	free(out);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_opt__parses_every_kind),
	cmocka_unit_test(test_opt__rejects_bad_values),
	cmocka_unit_test(test_opt__help_and_usage),
};

RUN_TESTS(tests)
