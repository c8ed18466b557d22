/* test-literals.c -- many literals in one pass, checked against a plain
 * search on random texts. */
#include "config.h"

#include "helpers.h"

#include <ctype.h>

#include "detect/literals.h"

struct found {
	uint32_t tag[4096];
	size_t at[4096];
	size_t n;
};

static void
record(uint32_t tag, size_t offset, void *ctx)
{
	struct found *f = ctx;

	assert_true(f->n < N_ELEMENTS(f->at));
	f->tag[f->n] = tag;
	f->at[f->n++] = offset;
}

static const struct {
	const char *lit;
	bool caseless;
} literals[] = {
	{ "@", true },  { " at ", true }, { "(at)", true }, { "://", true },
	{ "AKIA", false }, { "ab", true }, { "a", false }, { "Ta", true },
};

static bool
naive_at(const char *t, size_t len, size_t i, const char *lit, bool caseless)
{
	size_t n = strlen(lit);

	if (n > len - i)
		return false;
	for (size_t k = 0; k < n; k++) {
		char a = t[i + k], b = lit[k];

		if (caseless ? tolower((unsigned char)a) != tolower((unsigned char)b)
			     : a != b)
			return false;
	}
	return true;
}

static struct literal_set *
the_set(void)
{
	struct literal_set *ls = literal_set_new();

	for (uint32_t k = 0; k < N_ELEMENTS(literals); k++)
		literal_set_add(ls, literals[k].lit, strlen(literals[k].lit),
				literals[k].caseless, k);
	return ls;
}

static void
test_literals__agree_with_a_plain_search(void **state)
{
	static const char alphabet[] = "aAtTkKiI @(x)-:/\x80\xc3";
	struct literal_set *ls = the_set();
	char text[200];
	unsigned int seed = 7;

	(void)state;
	assert_int_equal(literal_set_count(ls), N_ELEMENTS(literals));
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof text);
		struct found f = { .n = 0 };
		size_t want = 0;

		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
		literal_set_scan(ls, text, len, record, &f);
		/* same hits, in offset order, then in the order added */
		for (size_t i = 0; i < len; i++)
			for (uint32_t k = 0; k < N_ELEMENTS(literals); k++) {
				if (!naive_at(text, len, i, literals[k].lit,
					      literals[k].caseless))
					continue;
				if (want >= f.n || f.at[want] != i ||
				    f.tag[want] != k)
					fail_msg("round %d: literal %u at %zu "
						 "missing or out of order",
						 round, k, i);
				want++;
			}
		assert_int_equal(f.n, want);
	}
	literal_set_free(&ls);
	assert_null(ls);
}

static void
test_literals__edges(void **state)
{
	struct literal_set *ls = the_set();
	struct found f = { .n = 0 };

	(void)state;
	literal_set_scan(ls, "", 0, record, &f);
	assert_int_equal(f.n, 0);
	literal_set_scan(ls, "x@", 2, record, &f);      /* one byte at the end */
	assert_int_equal(f.n, 1);
	assert_int_equal(f.at[0], 1);
	f.n = 0;
	literal_set_scan(ls, "xAB", 3, record, &f);     /* two at the end */
	assert_int_equal(f.n, 1);
	assert_int_equal(f.tag[0], 5);
	f.n = 0;
	literal_set_scan(ls, "akia", 4, record, &f);    /* exact: case matters */
	assert_int_equal(f.n, 2);                       /* only "a", twice */
	assert_int_equal(f.tag[0], 6);
	assert_int_equal(f.tag[1], 6);
	assert_int_equal(f.at[1], 3);
	literal_set_free(&ls);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_literals__agree_with_a_plain_search),
	cmocka_unit_test(test_literals__edges),
};

RUN_TESTS(tests)
