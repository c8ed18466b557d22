/* test-hashtab.c -- the one hash table: finds, collisions, growth. */
#include "config.h"

#include "helpers.h"

#include "lib/hash.h"
#include "lib/hashtab.h"

static const char *const words[] = {
	"ann@example.org", "bob@example.net", "<a@b>", "x", "", "carol@x.de",
};

static bool
same_word(uint32_t item, const void *key, void *ctx)
{
	const char *const *w = ctx;

	return strcmp(w[item], key) == 0;
}

static void
test_hashtab__finds_what_was_inserted(void **state)
{
	struct hashtab *t = hashtab_new();

	(void)state;
	assert_int_equal(hashtab_find(t, 1, same_word, "x", (void *)words),
			 HASHTAB_NONE);
	for (uint32_t i = 0; i < N_ELEMENTS(words); i++)
		hashtab_insert(t, hash64(words[i], strlen(words[i])), i);
	assert_int_equal(hashtab_count(t), N_ELEMENTS(words));
	for (uint32_t i = 0; i < N_ELEMENTS(words); i++)
		assert_int_equal(hashtab_find(t, hash64(words[i],
							strlen(words[i])),
					      same_word, words[i],
					      (void *)words), i);
	assert_int_equal(hashtab_find(t, hash64("nobody", 6), same_word,
				      "nobody", (void *)words), HASHTAB_NONE);
	hashtab_free(&t);
	assert_null(t);
	hashtab_free(&t);
}

static bool
same_number(uint32_t item, const void *key, void *ctx)
{
	(void)ctx;
	return item == *(const uint32_t *)key;
}

/* Every item under one hash (what a hostile input would aim for without
 * the key): still found, only slower; and through many growths. */
static void
test_hashtab__colliding_hashes_and_growth(void **state)
{
	struct hashtab *t = hashtab_new();
	const uint32_t n = 5000;

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		hashtab_insert(t, i % 3 == 0 ? 42 : (uint64_t)i * 7919, i);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = i % 3 == 0 ? 42 : (uint64_t)i * 7919;

		if (hashtab_find(t, h, same_number, &i, NULL) != i)
			fail_msg("item %u not found", i);
	}
	{
		uint32_t absent = n + 1;

		assert_int_equal(hashtab_find(t, 42, same_number, &absent, NULL),
				 HASHTAB_NONE);
	}
	hashtab_free(&t);
}

/* The keyed hashes are functions (same input, same value) and tell
 * different IDs apart; {0,0} is never an ID's hash. */
static void
test_hashtab__keyed_hashes(void **state)
{
	struct idhash a = idhash_of("m1@x", 4), b = idhash_of("m1@x", 4);
	struct idhash c = idhash_of("m2@x", 4);

	(void)state;
	assert_true(idhash_equal(a, b));
	assert_false(idhash_equal(a, c));
	assert_false(a.a == 0 && a.b == 0);
	assert_int_equal(hash64("abc", 3), hash64("abc", 3));
	assert_true(hash64("abc", 3) != hash64("abd", 3));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_hashtab__finds_what_was_inserted),
	cmocka_unit_test(test_hashtab__colliding_hashes_and_growth),
	cmocka_unit_test(test_hashtab__keyed_hashes),
};

RUN_TESTS(tests)
