/* test-thread-index.c -- threads, broken chains, selection modes. */
#include "config.h"

#include "helpers.h"

#include "mail/thread-index.h"

/* Add a message "id" whose references are a space-separated list. */
static uint32_t
add(struct thread_index *ti, const char *id, const char *refs)
{
	struct idhash h, r[16];
	size_t n = 0;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof buf, "%s", refs ? refs : "");
	for (char *tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		r[n++] = idhash_of(tok, strlen(tok));
	if (id)
		h = idhash_of(id, strlen(id));
	return thread_index_add(ti, id ? &h : NULL, r, n);
}

/* Select from seeds and return the selected message numbers as "0,2,3". */
static void
select_str(const struct thread_index *ti, const char *seed,
	   enum thread_mode mode, char *out, size_t size)
{
	struct idhash h = idhash_of(seed, strlen(seed));
	unsigned char reasons[64] = { 0 };
	size_t used = 0;

	thread_index_select(ti, &h, 1, mode, reasons);
	out[0] = '\0';
	for (size_t m = 0; m < thread_index_messages(ti); m++)
		if (reasons[m])
			used += (size_t)snprintf(out + used, size - used, "%s%zu",
						 used ? "," : "", m);
}

static struct thread_index *
sample(void)
{
	struct thread_index *ti = thread_index_new();

	add(ti, "root", NULL);                  /* 0 */
	add(ti, "a", "root");                   /* 1 */
	add(ti, "a1", "root a");                /* 2 */
	add(ti, "b", "root");                   /* 3 */
	add(ti, "b1", "b");                     /* 4: truncated References */
	add(ti, "c1", "root gone c");           /* 5: parent "c" missing */
	add(ti, "other", NULL);                 /* 6 */
	add(ti, "a", "root");                   /* 7: a copy of "a" */
	add(ti, NULL, "a1");                    /* 8: no Message-ID */
	thread_index_finish(ti);
	return ti;
}

static void
test_thread_index__selects_by_mode(void **state)
{
	static const struct {
		const char *seed;
		enum thread_mode mode;
		const char *want;
	} cases[] = {
		{ "a", THREAD_MODE_NONE, "1,7" },
		{ "a", THREAD_MODE_SUBTREE, "1,2,7,8" },
		{ "a1", THREAD_MODE_WHOLE, "0,1,2,3,4,5,7,8" },
		{ "b", THREAD_MODE_SUBTREE, "3,4" },
		{ "root", THREAD_MODE_SUBTREE, "0,1,2,3,4,5,7,8" },
		{ "gone", THREAD_MODE_SUBTREE, "5" },   /* missing, replies found */
		{ "other", THREAD_MODE_WHOLE, "6" },
		{ "nosuch", THREAD_MODE_WHOLE, "" },
	};
	struct thread_index *ti = sample();
	char got[128];

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		select_str(ti, cases[i].seed, cases[i].mode, got, sizeof got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu (%s): got '%s', want '%s'", i,
				 cases[i].seed, got, cases[i].want);
	}
	thread_index_free(&ti);
	assert_null(ti);
}

static void
test_thread_index__refuses_loops(void **state)
{
	struct thread_index *ti = thread_index_new();
	char got[128];

	(void)state;
	add(ti, "x", "y");      /* 0 */
	add(ti, "y", "x");      /* 1: would close a loop */
	add(ti, "z", "z");      /* 2: references itself */
	thread_index_finish(ti);
	select_str(ti, "x", THREAD_MODE_WHOLE, got, sizeof got);
	assert_string_equal(got, "0,1");
	select_str(ti, "z", THREAD_MODE_WHOLE, got, sizeof got);
	assert_string_equal(got, "2");
	thread_index_free(&ti);
}

static void
test_thread_index__marks_reasons(void **state)
{
	struct thread_index *ti = sample();
	struct idhash h = idhash_of("a", 1);
	unsigned char reasons[16] = { 0 };

	(void)state;
	assert_int_equal(thread_index_select(ti, &h, 1, THREAD_MODE_SUBTREE,
					     reasons), 4);
	assert_int_equal(reasons[1], THREAD_REASON_SEED);
	assert_int_equal(reasons[7], THREAD_REASON_SEED);
	assert_int_equal(reasons[2], THREAD_REASON_REPLY);
	assert_int_equal(reasons[0], 0);
	thread_index_free(&ti);
}

static void
test_thread_index__deep_chain(void **state)
{
	struct thread_index *ti = thread_index_new();
	unsigned char *reasons = calloc(200001, 1);
	struct idhash h;
	char id[32], parent[32];

	(void)state;
	add(ti, "m0", NULL);
	for (int i = 1; i < 200000; i++) {
		snprintf(id, sizeof id, "m%d", i);
		snprintf(parent, sizeof parent, "m%d", i - 1);
		add(ti, id, parent);
	}
	thread_index_finish(ti);
	h = idhash_of("m0", 2);
	assert_int_equal(thread_index_select(ti, &h, 1, THREAD_MODE_SUBTREE,
					     reasons), 200000);
	free(reasons);
	thread_index_free(&ti);
}

static void
test_thread_index__navigation(void **state)
{
	struct thread_index *ti = sample();
	uint32_t a = thread_index_find(ti, idhash_of("a", 1));

	(void)state;
	assert_int_not_equal(a, THREAD_NONE);
	assert_int_equal(thread_index_root(ti, a),
			 thread_index_find(ti, idhash_of("root", 4)));
	assert_int_equal(thread_index_first_message(ti, a), 1);
	assert_int_equal(thread_index_next_copy(ti, 1), 7);
	assert_int_equal(thread_index_next_copy(ti, 7), THREAD_NONE);
	assert_int_equal(thread_index_first_child(ti, a),
			 thread_index_find(ti, idhash_of("a1", 2)));
	thread_index_free(&ti);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_thread_index__selects_by_mode),
	cmocka_unit_test(test_thread_index__refuses_loops),
	cmocka_unit_test(test_thread_index__marks_reasons),
	cmocka_unit_test(test_thread_index__deep_chain),
	cmocka_unit_test(test_thread_index__navigation),
};

RUN_TESTS(tests)
