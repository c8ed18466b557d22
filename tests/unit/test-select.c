/* test-select.c -- the selection over several mailboxes. */
#include "config.h"

#include "helpers.h"

#include "detect/addrset.h"
#include "lib/errbuf.h"
#include "mail/mailbox.h"
#include "select/select.h"

#define HDR(id, date, list) "From a@b Mon Jan  5 10:00:00 2015\n" \
	"Message-ID: <" id ">\nDate: " date "\nList-Id: <" list ".example.org>\n"

static const char box1[] =
	HDR("root@x", "Mon, 05 Jan 2015 10:00:00 +0000", "dev")
	"From: someone@example.org\n\nhello\n\n"
	HDR("r1@x", "Tue, 06 Jan 2015 10:00:00 +0000", "dev")
	"In-Reply-To: <root@x>\nFrom: other@example.org\n\n"
	"> leaked@example.com wrote\n\n"
	HDR("qp@x", "Mon, 02 Feb 2015 10:00:00 +0000", "users")
	"Content-Transfer-Encoding: quoted-printable\n\nleaked=40example.c=\nom\n\n"
	HDR("leaked@example.com", "Mon, 02 Feb 2015 10:00:00 +0000", "users")
	"\nthe Message-ID looks like the address but is not\n";

static const char box2[] =
	HDR("r2@x", "Wed, 07 Jan 2015 10:00:00 +0000", "dev")
	"References: <root@x> <r1@x>\n\nreply in another file\n\n"
	HDR("root@x", "Mon, 05 Jan 2015 10:00:00 +0000", "dev")
	"\na second copy of the root\n\n"
	HDR("other@x", "Thu, 08 Jan 2015 10:00:00 +0000", "dev")
	"Cc: Leaked <LEAKED@example.com>\n\nno\n";

struct fixture {
	char *dir;
	struct mailbox_list list;
	struct selection sel;
	struct select_settings s;
	struct addrset *addrs;
	char *ids[2];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	f->dir = test_tempdir();
	free(test_write(f->dir, "1.mbox", box1, SIZE_MAX));
	free(test_write(f->dir, "2.mbox", box2, SIZE_MAX));
	f->addrs = addrset_new();
	f->s.thread = THREAD_MODE_SUBTREE;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	selection_release(&f->sel);
	mailbox_list_release(&f->list);
	addrset_free(&f->addrs);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Run and describe the result as "box:index:reasons ..." */
static void
run(struct fixture *f, char *out, size_t size)
{
	struct errbuf err;
	char *paths[] = { f->dir };
	size_t used = 0;

	mailbox_walk(&f->list, paths, 1);
	assert_int_equal(select_run(&f->list, &f->s, &f->sel, &err), 0);
	out[0] = '\0';
	for (size_t i = 0; i < f->sel.count; i++) {
		const struct selected *it = &f->sel.items[i];

		used += (size_t)snprintf(out + used, size - used, "%s%zu:%zu:%u",
					 used ? " " : "", it->mailbox, it->index,
					 it->reasons);
	}
}

static void
test_select__thread_across_files_and_copies(void **state)
{
	struct fixture *f = *state;
	char got[256];

	f->ids[0] = "root@x";
	f->s.message_ids = f->ids;
	f->s.n_message_ids = 1;
	run(f, got, sizeof got);
	/* both copies of the root, the reply, the reply in the other file */
	assert_string_equal(got, "0:0:1 0:1:2 1:0:2 1:1:1");
	assert_string_equal(f->sel.items[2].message_id, "r2@x");
	assert_int_equal(f->sel.messages, 7);
}

static void
test_select__addresses_in_every_form(void **state)
{
	struct fixture *f = *state;
	struct errbuf err;
	char got[256];

	assert_int_equal(addrset_add(f->addrs, "leaked@example.com", &err), 0);
	f->s.addresses = f->addrs;
	run(f, got, sizeof got);
	/* quoted reply, QP soft break, Cc display; not the Message-ID */
	assert_string_equal(got, "0:1:4 0:2:4 1:2:4");
	assert_int_equal(f->sel.items[1].n_matches, 1);
	assert_int_equal(f->sel.items[1].matches[0].part, 1);
	assert_true(f->sel.items[1].matches[0].flags & PART_DECODED);
	/* raw offsets count from the From_ line */
	assert_int_equal(f->sel.items[2].matches[0].part, 0);
}

static void
test_select__scope_filters(void **state)
{
	struct fixture *f = *state;
	struct errbuf err;
	char got[256];

	assert_int_equal(addrset_add(f->addrs, "leaked@example.com", &err), 0);
	f->s.addresses = f->addrs;
	f->s.list = "dev";
	f->s.since_set = true;
	f->s.since = 1420502400;                /* 2015-01-06 */
	f->s.until_set = true;
	f->s.until = 1420502400 + 86400;        /* 2015-01-07 */
	run(f, got, sizeof got);
	assert_string_equal(got, "0:1:4");
	assert_int_equal(f->sel.out_of_scope, 6);
}

static void
test_select__unsplittable_mailbox_is_fatal(void **state)
{
	struct fixture *f = *state;
	char got[256];
	/* message 0's length swallows the next separator, message 1's
	 * length is stale: the two framings contradict each other */
	const char *bad = "From a@b Mon Jan  5 10:00:00 2015\nContent-Length: 48\n\n"
		"x\n\nFrom a@b Mon Jan  5 10:00:00 2015\nA: b\n\nend\n\n"
		"From a@b Mon Jan  5 10:00:00 2015\nContent-Length: 900\n\nc\n\n"
		"From a@b Mon Jan  5 10:00:00 2015\nA: b\n\nd\n";

	free(test_write(f->dir, "3.mbox", bad, SIZE_MAX));
	f->ids[0] = "root@x";
	f->s.message_ids = f->ids;
	f->s.n_message_ids = 1;
	run(f, got, sizeof got);
	assert_true(selection_has_fatal(&f->sel));
	assert_int_equal(f->sel.problems[0].mailbox, 2);
	assert_non_null(strstr(f->sel.problems[0].text, "cannot split safely"));
}

static void
test_select__keeps_threads_on_request(void **state)
{
	struct fixture *f = *state;
	char got[256];
	size_t b, i;

	f->ids[0] = "r2@x";
	f->s.message_ids = f->ids;
	f->s.n_message_ids = 1;
	f->s.thread = THREAD_MODE_NONE;
	f->s.keep_threads = true;
	f->s.jobs = 1;
	run(f, got, sizeof got);
	assert_string_equal(got, "1:0:1");
	assert_non_null(f->sel.threads);
	selection_locate(&f->sel, f->list.count, 5, &b, &i);
	assert_int_equal(b, 1);
	assert_int_equal(i, 1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_select__thread_across_files_and_copies,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_select__addresses_in_every_form,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_select__scope_filters, setup, teardown),
	cmocka_unit_test_setup_teardown(test_select__unsplittable_mailbox_is_fatal,
					setup, teardown),
	cmocka_unit_test_setup_teardown(test_select__keeps_threads_on_request,
					setup, teardown),
};

RUN_TESTS(tests)
