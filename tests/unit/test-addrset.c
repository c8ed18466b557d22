/* test-addrset.c -- leaked addresses and where they are found. */
#include "config.h"

#include "helpers.h"

#include "detect/addrset.h"
#include "lib/errbuf.h"
#include "mail/addrspec.h"
#include "mail/decode.h"

struct hits {
	struct addr_hit h[16];
	size_t n;
};

static int
record(const struct addr_hit *hit, void *ctx)
{
	struct hits *hs = ctx;

	if (hs->n < 16)
		hs->h[hs->n] = *hit;
	hs->n++;
	return 0;
}

static struct addrset *
set_of(const char *const *addrs)
{
	struct addrset *set = addrset_new();
	struct errbuf err;

	for (size_t i = 0; addrs[i]; i++)
		if (addrset_add(set, addrs[i], &err) < 0)
			fail_msg("'%s': %s", addrs[i], err.msg);
	return set;
}

static void
test_addrset__validates_input(void **state)
{
	static const struct { const char *addr; int rc; } cases[] = {
		{ "ann@example.org", 0 },
		{ " <Ann@Example.org> ", 1 },   /* same address, lower-cased */
		{ "o'neil+tag@mail.example.net", 0 },
		{ "no-at-sign", -1 },
		{ "@example.org", -1 },
		{ "ann@", -1 },
		{ "a@b@c", -1 },
		{ "ann smith@example.org", -1 },
		{ "", -1 },
	};
	struct addrset *set = addrset_new();
	struct errbuf err;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		int rc = addrset_add(set, cases[i].addr, &err);

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': rc %d, want %d", i, cases[i].addr,
				 rc, cases[i].rc);
	}
	assert_int_equal(addrset_count(set), 2);
	assert_string_equal(addrset_get(set, 0), "ann@example.org");
	addrset_free(&set);
	assert_null(set);
}

static void
test_addrset__matches_whole_addresses_only(void **state)
{
	static const char *const addrs[] = { "ann@example.org", NULL };
	static const struct { const char *text; int hits; } cases[] = {
		{ "mail ann@example.org now", 1 },
		{ "ANN@EXAMPLE.ORG", 1 },
		{ "<ann@example.org>", 1 },
		{ "\"Ann\" <ann@example.org>, bob@example.org", 1 },
		{ "mailto:ann@example.org", 1 },
		{ "'ann@example.org'", 1 },
		{ "(ann@example.org)", 1 },
		{ "end of sentence ann@example.org.", 1 },
		{ "> > ann@example.org wrote:", 1 },
		{ "joann@example.org", 0 },
		{ "ann.b@example.org", 0 },
		{ "x.ann@example.org", 0 },
		{ "ann@example.org.evil", 0 },
		{ "ann@example.organic", 0 },
		{ "ann@sub.example.org", 0 },
		{ "ann at example.org", 1 },    /* pipermail munging */
		{ "ann (at) example.org", 1 },
		{ "ann(a)example.org", 1 },
		{ "joann at example.org", 0 },
		{ "ann&#64;example.org", 0 },   /* only in HTML parts */
		{ "ann@example.org ann@example.org", 2 },
	};

	struct addrset *set = set_of(addrs);

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct hits hs = { .n = 0 };

		addrset_scan(set, cases[i].text, strlen(cases[i].text), 0, record,
			     &hs);
		if ((int)hs.n != cases[i].hits)
			fail_msg("case %zu '%s': %zu hits, want %d", i,
				 cases[i].text, hs.n, cases[i].hits);
	}
	addrset_free(&set);
}

static void
test_addrset__reports_exact_spans(void **state)
{
	static const char *const addrs[] = { "bob@example.net", "ann@example.org",
		NULL };
	const char *text = "To: Ann <Ann@Example.ORG>; cc bob@example.net";
	struct addrset *set = set_of(addrs);
	struct hits hs = { .n = 0 };

	(void)state;
	addrset_scan(set, text, strlen(text), 0, record, &hs);
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.h[0].start, 9);
	assert_int_equal(hs.h[0].end, 24);
	assert_int_equal(hs.h[0].which, 1);
	assert_int_equal(hs.h[1].which, 0);
	assert_memory_equal(text + hs.h[1].start, "bob@example.net", 15);
	addrset_free(&set);
}

static void
test_addrset__html_forms(void **state)
{
	static const char *const addrs[] = { "ann@example.org", NULL };
	static const char *const texts[] = {
		"<a href=\"mailto:ann%40example.org\">",
		"ann&#64;example.org",
		"ann&#x40;example.org",
		"ann&commat;example.org",
		"<b>ann@example.org</b>",
	};
	struct addrset *set = set_of(addrs);

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(texts); i++) {
		struct hits hs = { .n = 0 };

		addrset_scan(set, texts[i], strlen(texts[i]), ADDRSCAN_HTML,
			     record, &hs);
		if (hs.n != 1)
			fail_msg("case %zu '%s': %zu hits", i, texts[i], hs.n);
	}
	addrset_free(&set);
}

static void
test_addrset__finds_each_of_many(void **state)
{
	struct addrset *set = addrset_new();
	struct errbuf err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct hits hs = { .n = 0 };

	(void)state;
	for (int i = 0; i < 5000; i++) {
		char a[64];

		snprintf(a, sizeof a, "user%d@host%d.example.org", i, i % 37);
		assert_true(addrset_add(set, a, &err) == 0);
		if (i % 10 == 0)
			fprintf(f, "%s, ", a);
		fprintf(f, "nomatch%d@host%d.example.org ", i, i % 37);
	}
	fclose(f);
	addrset_scan(set, text, len, 0, record, &hs);
	assert_int_equal(hs.n, 500);
	addrset_free(&set);
	free(text);
}

static int
stop_at_first(const struct addr_hit *hit, void *ctx)
{
	(void)hit;
	(*(int *)ctx)++;
	return 7;
}

static void
test_addrset__callback_stops_scan(void **state)
{
	static const char *const addrs[] = { "ann@example.org", NULL };
	struct addrset *set = set_of(addrs);
	const char *text = "ann@example.org ann@example.org";
	int calls = 0;

	(void)state;
	assert_int_equal(addrset_scan(set, text, strlen(text), 0, stop_at_first,
				      &calls), 7);
	assert_int_equal(calls, 1);
	addrset_free(&set);
}

/* Whatever the finder reports in a text, the pre-check that lets a
 * decoder skip a text says it may hold: never narrower than the finder. */
static void
test_addrset__pre_check_is_never_narrower(void **state)
{
	static const char *const forms[] = {
		"ann@example.org", "ann at example.org", "ann(at)example.org",
		"ann (at) example.org", "ann(a)example.org", "ann (a) example.org",
		"x ann at example.org y", "(ann@example.org)",
	};
	struct addrset *set = addrset_new();
	struct errbuf err;

	(void)state;
	assert_int_equal(addrset_add(set, "ann@example.org", &err), 0);
	for (size_t i = 0; i < N_ELEMENTS(forms); i++) {
		struct hits hs = { .n = 0 };

		addrset_scan(set, forms[i], strlen(forms[i]), 0, record, &hs);
		if (hs.n == 0)
			fail_msg("form %zu '%s' is not found", i, forms[i]);
		if (!text_may_hold_address(forms[i], strlen(forms[i])))
			fail_msg("form %zu '%s' is found, but the pre-check "
				 "would skip it", i, forms[i]);
	}
	addrset_free(&set);
}

/* The finder looks at 16 positions at a time, then at the tail byte by
 * byte: every form is found whatever its offset, at a block's edge, split
 * over two blocks or in the last bytes of the text. */
static void
test_addrset__every_form_at_every_offset(void **state)
{
	static const struct { const char *form; unsigned int flags; } forms[] = {
		{ "ann@example.org", 0 }, { "ann at example.org", 0 },
		{ "ann(at)example.org", 0 }, { "ann (a) example.org", 0 },
		{ "ann&#64;example.org", ADDRSCAN_HTML },
		{ "ann%40example.org", ADDRSCAN_HTML },
	};
	static const char *const addrs[] = { "ann@example.org", NULL };
	struct addrset *set = set_of(addrs);

	(void)state;
	for (size_t f = 0; f < N_ELEMENTS(forms); f++)
		for (size_t pre = 0; pre < 40; pre++)
			for (size_t post = 0; post < 20; post++) {
				char text[128];
				size_t n = strlen(forms[f].form);
				struct hits hs = { .n = 0 };

				memset(text, 'x', pre);
				if (pre)
					text[pre - 1] = ' ';
				memcpy(text + pre, forms[f].form, n);
				memset(text + pre + n, ' ', post);
				addrset_scan(set, text, pre + n + post,
					     forms[f].flags, record, &hs);
				if (hs.n != 1 || hs.h[0].start != pre ||
				    hs.h[0].end != pre + n)
					fail_msg("'%s' after %zu bytes, %zu after: "
						 "%zu hits", forms[f].form, pre,
						 post, hs.n);
			}
	addrset_free(&set);
}

/* Hits come form by form, the munged ones first (addrset.h), and more of
 * them than fit the finder's own room are all reported. */
static void
test_addrset__reports_munged_forms_first(void **state)
{
	static const char *const addrs[] = {
		"ann@example.org", "bob@example.net", NULL,
	};
	struct addrset *set = set_of(addrs);
	const char *text = "ann@example.org, bob at example.net (bob(at)example.net)";
	struct hits hs = { .n = 0 };
	char *many = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	addrset_scan(set, text, strlen(text), 0, record, &hs);
	assert_int_equal(hs.n, 3);
	assert_int_equal(hs.h[0].start, strstr(text, "bob(at)") - text);
	assert_int_equal(hs.h[1].start, strstr(text, "bob at") - text);
	assert_int_equal(hs.h[2].start, 0);
	f = open_memstream(&many, &len);
	for (int i = 0; i < 300; i++)
		fprintf(f, "%s ", i % 3 ? "Ann@Example.org" : "bob at example.net");
	fclose(f);
	hs.n = 0;
	addrset_scan(set, many, len, 0, record, &hs);
	assert_int_equal(hs.n, 300);
	assert_int_equal(hs.h[0].which, 1);     /* munged ones first */
	assert_int_equal(hs.h[15].which, 1);
	addrset_free(&set);
	free(many);
}

/* an --addresses line, as Mailman's list_members -f prints one */
static void
expect_spec(const char *line, const char *want)
{
	char *got = addrspec_of_line(line);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void
test_addrset__list_members_lines(void **state)
{
	(void)state;
	expect_spec("ann@example.org", "ann@example.org");
	expect_spec("<ann@example.org>", "ann@example.org");
	expect_spec("Ann Other <Ann@Example.org>", "Ann@Example.org");
	expect_spec("\"Other, Ann\" <ann@example.org>", "ann@example.org");
	expect_spec("J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>",
		    "joerg@example.org");
	expect_spec("=?utf-8?q?J=C3=B6rg?= <joerg@example.org>",
		    "joerg@example.org");
	expect_spec("ann@example.org (Ann)", "ann@example.org");
	/* not one address: the caller tries the line as it stands */
	expect_spec("ann", NULL);               /* never ann@<this host> */
	expect_spec("a@example.org, b@example.org", NULL);
	expect_spec("Ann <ann@>", NULL);
	expect_spec("", NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_addrset__every_form_at_every_offset),
	cmocka_unit_test(test_addrset__reports_munged_forms_first),
	cmocka_unit_test(test_addrset__pre_check_is_never_narrower),
	cmocka_unit_test(test_addrset__validates_input),
	cmocka_unit_test(test_addrset__matches_whole_addresses_only),
	cmocka_unit_test(test_addrset__reports_exact_spans),
	cmocka_unit_test(test_addrset__html_forms),
	cmocka_unit_test(test_addrset__finds_each_of_many),
	cmocka_unit_test(test_addrset__callback_stops_scan),
	cmocka_unit_test(test_addrset__list_members_lines),
};

RUN_TESTS(tests)
