/* test-mailbox.c -- walking archive trees and loading mailboxes. */
#include "config.h"

#include "helpers.h"

#include <zlib.h>

#include "lib/errbuf.h"
#include "mail/mailbox.h"

#define M1 "From a@b Mon Jan  5 10:00:00 2015\nMessage-ID: <1@x>\n\none\n\n"
#define M2 "From a@b Mon Jan  5 10:00:01 2015\nMessage-ID: <2@x>\n\ntwo\n"

static void
write_gz(const char *dir, const char *name, const char *data)
{
	char *path;
	gzFile gz;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, data, (unsigned)strlen(data)), (int)strlen(data));
	gzclose(gz);
	free(path);
}

static char *
make_tree(void)
{
	char *dir = test_tempdir();
	char *link;

	free(test_write(dir, "a/list.mbox", M1 M2, SIZE_MAX));
	free(test_write(dir, "a/single.eml", "Message-ID: <3@x>\n\nthree\n", SIZE_MAX));
	free(test_write(dir, "a/list.mbox.lock", "", SIZE_MAX));
	free(test_write(dir, "a/.hidden", "x", SIZE_MAX));
	free(test_write(dir, "md/cur/1.host:2,S", "Message-ID: <4@x>\n\n4\n", SIZE_MAX));
	free(test_write(dir, "md/new/2.host", "Message-ID: <5@x>\n\n5\n", SIZE_MAX));
	free(test_write(dir, "md/tmp/3.host", "partial", SIZE_MAX));
	free(test_write(dir, "md/.Sub/cur/6.host:2,", "Message-ID: <6@x>\n\n6\n",
			SIZE_MAX));
	free(test_write(dir, "md/.Sub/new/.keep", "", SIZE_MAX));
	write_gz(dir, "a/old.mbox.gz", M1 M2);
	assert_true(asprintf(&link, "%s/public", dir) > 0);
	assert_int_equal(symlink("a", link), 0);
	free(link);
	return dir;
}

static void
test_mailbox__walks_a_tree(void **state)
{
	char *dir = make_tree();
	struct mailbox_list list = { 0 };
	struct errbuf err;
	char *paths[] = { dir };
	static const char *const want[][2] = {
		{ "a/list.mbox", "mboxo" },
		{ "a/old.mbox.gz", "mboxo.gz" },
		{ "a/single.eml", "file" },
		{ "md", "maildir" },
		{ "md/.Sub", "maildir" },
	};
	static const size_t counts[] = { 2, 2, 1, 2, 1 };

	(void)state;
	mailbox_walk(&list, paths, 1);
	assert_int_equal(list.count, N_ELEMENTS(want));
	for (size_t i = 0; i < list.count; i++) {
		struct mailbox *mb = list.items[i];

		assert_string_equal(mailbox_path(mb) + strlen(dir) + 1, want[i][0]);
		if (mailbox_load(mb, &err) < 0)
			fail_msg("%s: %s", mailbox_path(mb), err.msg);
		assert_string_equal(mailbox_format_name(mb), want[i][1]);
		assert_int_equal(mailbox_message_count(mb), counts[i]);
	}
	mailbox_list_release(&list);
	test_rmtree(dir);
	free(dir);
}

static void
test_mailbox__reads_messages(void **state)
{
	char *dir = make_tree();
	char *paths[2];
	struct mailbox_list list = { 0 };
	struct errbuf err;
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;

	(void)state;
	assert_true(asprintf(&paths[0], "%s/a/old.mbox.gz", dir) > 0);
	assert_true(asprintf(&paths[1], "%s/md", dir) > 0);
	mailbox_walk(&list, paths, 2);
	assert_int_equal(list.count, 3);
	assert_int_equal(mailbox_load(list.items[0], &err), 0);
	assert_int_equal(mailbox_message(list.items[0], 1, &raw, &len, &off,
					 &owned, &err), 0);
	assert_false(owned);
	assert_int_equal(off, strlen(M1));
	assert_int_equal(len, strlen(M2));
	assert_memory_equal(raw, M2, len);
	assert_int_equal(mailbox_load(list.items[1], &err), 0);
	assert_string_equal(mailbox_file_name(list.items[1], 0), "cur/1.host:2,S");
	assert_string_equal(mailbox_file_name(list.items[1], 1), "new/2.host");
	assert_int_equal(mailbox_message(list.items[1], 1, &raw, &len, &off,
					 &owned, &err), 0);
	assert_true(owned);
	assert_memory_equal(raw, "Message-ID: <5@x>", 17);
	free((void *)raw);
	mailbox_list_release(&list);
	free(paths[0]);
	free(paths[1]);
	test_rmtree(dir);
	free(dir);
}

static void
test_mailbox__reports_missing_and_broken_input(void **state)
{
	char *dir = test_tempdir();
	char *paths[1];
	struct mailbox_list list = { 0 };
	struct errbuf err;

	(void)state;
	assert_true(asprintf(&paths[0], "%s/nope", dir) > 0);
	mailbox_walk(&list, paths, 1);
	assert_int_equal(list.count, 0);
	assert_int_equal(list.n_notes, 1);
	assert_int_equal(list.notes[0].code, D_PATH_MISSING);
	assert_non_null(strstr(list.notes[0].path, "nope"));
	assert_true(mailbox_walk_failed(&list));
	mailbox_list_release(&list);
	free(paths[0]);
	paths[0] = test_write(dir, "trunc.mbox.gz", "\x1f\x8b\x08\x00junk", 8);
	mailbox_walk(&list, paths, 1);
	assert_int_equal(mailbox_load(list.items[0], &err), -1);
	assert_non_null(strstr(err.msg, "gzip"));
	mailbox_list_release(&list);
	free(paths[0]);
	test_rmtree(dir);
	free(dir);
}

/* What a Maildir's cur/ and new/ hold that is not a message is listed,
 * never opened nor followed: a FIFO, a link out of the PATH, a loop. */
static void
test_mailbox__maildir_skips_fifos_and_links(void **state)
{
	char *dir = test_tempdir(), *md, *p;
	struct mailbox_list list = { 0 };
	const struct walk_note *sk;
	struct errbuf err;
	char *paths[1];
	const char *data;
	size_t len;
	uint64_t off;
	bool owned;

	(void)state;
	free(test_write(dir, "md/cur/1:2,S", "Message-ID: <1@x>\n\n1\n", SIZE_MAX));
	free(test_write(dir, "out.eml", "Message-ID: <o@x>\n\no\n", SIZE_MAX));
	assert_true(asprintf(&md, "%s/md", dir) > 0);
	assert_true(asprintf(&p, "%s/cur/2:2,S", md) > 0);
	assert_int_equal(mkfifo(p, 0600), 0);
	free(p);
	assert_true(asprintf(&p, "%s/cur/3:2,S", md) > 0);
	assert_int_equal(symlink("../../out.eml", p), 0);
	free(p);
	assert_true(asprintf(&p, "%s/new", md) > 0);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	assert_true(asprintf(&p, "%s/new/4", md) > 0);
	assert_int_equal(symlink("4", p), 0);
	free(p);
	paths[0] = md;
	mailbox_walk(&list, paths, 1);
	assert_int_equal(list.count, 1);
	assert_int_equal(mailbox_load(list.items[0], &err), 0);
	assert_int_equal(mailbox_message_count(list.items[0]), 1);
	assert_int_equal(mailbox_skipped(list.items[0], &sk), 3);
	assert_int_equal(sk[0].code, D_NOT_REGULAR_FILE);
	assert_int_equal(sk[1].code, D_SYMLINK_OUTSIDE);
	assert_int_equal(sk[2].code, D_SYMLINK_LOOP);
	/* a message that became another file since the listing */
	assert_true(asprintf(&p, "%s/cur/1:2,S", md) > 0);
	free(test_write(md, "cur/1:2,S", "Message-ID: <1@x>\n\nlonger\n",
			SIZE_MAX));
	assert_int_equal(mailbox_message(list.items[0], 0, &data, &len, &off,
					 &owned, &err), -1);
	assert_non_null(strstr(err.msg, "changed between the listing"));
	free(p);
	mailbox_list_release(&list);
	free(md);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mailbox__maildir_skips_fifos_and_links),
	cmocka_unit_test(test_mailbox__walks_a_tree),
	cmocka_unit_test(test_mailbox__reads_messages),
	cmocka_unit_test(test_mailbox__reports_missing_and_broken_input),
};

RUN_TESTS(tests)
