/* test-mass.c -- many visible recipients, and runs of pasted addresses. */
#include "config.h"

#include "helpers.h"

#include "detect/mass.h"

struct spans {
	struct mass_span s[64];
	size_t n;
};

static int
record(const struct mass_span *span, void *ctx)
{
	struct spans *sp = ctx;

	if (sp->n < N_ELEMENTS(sp->s))
		sp->s[sp->n] = *span;
	sp->n++;
	return 0;
}

/* A header block with n distinct Cc addresses, the first also in From. */
static char *
header_with(unsigned int n)
{
	char *h = malloc(64 + n * 40), *p = h;

	p += sprintf(p, "From: u0@host.example\nTo: list@lists.example\nCc:");
	for (unsigned int i = 0; i < n; i++)
		p += sprintf(p, "%s u%u@host.example", i ? ",\n" : "", i);
	sprintf(p, "\nSubject: hi\n");
	return h;
}

static void
test_mass__threshold_counts_distinct_recipients(void **state)
{
	struct spans sp = { .n = 0 };
	char *h;

	(void)state;
	/* 9 Cc besides the sender (who is not counted) plus the list: 10 */
	h = header_with(10);
	assert_int_equal(mass_recipients(h, strlen(h), 10, record, &sp), 10);
	assert_int_equal(sp.n, 10);
	for (size_t i = 0; i < sp.n && i < N_ELEMENTS(sp.s); i++)
		assert_memory_not_equal(h + sp.s[i].start, "u0@", 3);
	free(h);
	/* one fewer is not mass */
	sp.n = 0;
	h = header_with(9);
	assert_int_equal(mass_recipients(h, strlen(h), 10, record, &sp), 0);
	assert_int_equal(sp.n, 0);
	free(h);
}

static void
test_mass__repeated_address_counts_once(void **state)
{
	static const char h[] =
		"To: a@x.example, b@x.example, a@x.example, A@X.EXAMPLE\n"
		"Cc: c@x.example\n";
	struct spans sp = { .n = 0 };

	(void)state;
	assert_int_equal(mass_recipients(h, strlen(h), 3, record, &sp), 3);
	assert_int_equal(sp.n, 5);      /* every occurrence is a span */
	assert_int_equal(mass_recipients(h, strlen(h), 4, record, &sp), 0);
}

static void
test_mass__runs_of_addresses_in_a_body(void **state)
{
	char body[4096], *p = body;
	struct spans sp = { .n = 0 };

	(void)state;
	p += sprintf(p, "Hi all,\n\n");
	for (int i = 0; i < 12; i++)
		p += sprintf(p, "member%d@corp.example\n", i);
	p += sprintf(p, "\nand later\n\n");
	for (int i = 0; i < 9; i++)     /* a run too short */
		p += sprintf(p, "x%d@corp.example; ", i);
	assert_int_equal(mass_address_runs(body, strlen(body), 10, record, &sp),
			 1);
	assert_int_equal(sp.n, 1);
	assert_memory_equal(body + sp.s[0].start, "member0@", 8);
	assert_memory_equal(body + sp.s[0].end - 21, "member11@corp.example", 21);
	/* a blank line splits a run */
	sp.n = 0;
	strcpy(body, "a1@x.example\na2@x.example\n\na3@x.example\n");
	assert_int_equal(mass_address_runs(body, strlen(body), 3, record, &sp), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mass__threshold_counts_distinct_recipients),
	cmocka_unit_test(test_mass__repeated_address_counts_once),
	cmocka_unit_test(test_mass__runs_of_addresses_in_a_body),
};

RUN_TESTS(tests)
