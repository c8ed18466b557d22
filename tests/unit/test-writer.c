/* test-writer.c -- atomic deletion from mbox, .gz and Maildir. */
#include "config.h"

#include "helpers.h"

#include <zlib.h>

#include "lib/errbuf.h"
#include "mail/mailbox.h"
#include "act/writer.h"

#define M(n) "From a@b Mon Jan  5 10:00:0" #n " 2015\nMessage-ID: <" #n "@x>\n\n" \
	">From body " #n "\n\n"

static struct mailbox_list
load(const char *path)
{
	struct mailbox_list list = { 0 };
	struct errbuf err;
	char *paths[] = { (char *)path };

	mailbox_walk(&list, paths, 1);
	for (size_t i = 0; i < list.count; i++)
		if (mailbox_load(list.items[i], &err) < 0)
			fail_msg("%s", err.msg);
	return list;
}

static void
test_writer__deletes_byte_ranges(void **state)
{
	static const struct { size_t del[3]; size_t n; const char *want; } cases[] = {
		{ { 0 }, 1, M(2) M(3) M(4) },
		{ { 1, 3 }, 2, M(1) M(3) },
		{ { 3 }, 1, M(1) M(2) M(3) },
		{ { 0, 1, 2 }, 3, M(4) },
	};
	char *dir = test_tempdir();

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *path = test_write(dir, "l.mbox", "\xef\xbb\xbf" M(1) M(2) M(3) M(4),
					SIZE_MAX);
		struct mailbox_list list = load(path);
		struct errbuf err;
		char *got, want[512];
		size_t len;
		struct stat st;

		chmod(path, 0640);
		assert_int_equal(stat(path, &st), 0);
		if (writer_apply(list.items[0], cases[i].del, NULL, cases[i].n, NULL,
				  &err) < 0)
			fail_msg("case %zu: %s", i, err.msg);
		got = test_read(path, &len);
		snprintf(want, sizeof want, "\xef\xbb\xbf%s", cases[i].want);
		if (len != strlen(want) || memcmp(got, want, len) != 0)
			fail_msg("case %zu: got\n%s", i, got);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		free(got);
		mailbox_list_release(&list);
		free(path);
	}
	test_rmtree(dir);
	free(dir);
}

static void
test_writer__gzip_stays_gzip(void **state)
{
	char *dir = test_tempdir(), *path, buf[512];
	gzFile gz;
	struct mailbox_list list;
	struct errbuf err;
	size_t del = 1;
	int n;

	(void)state;
	assert_true(asprintf(&path, "%s/l.mbox.gz", dir) > 0);
	gz = gzopen(path, "wb");
	gzputs(gz, M(1) M(2) M(3));
	gzclose(gz);
	list = load(path);
	assert_int_equal(writer_apply(list.items[0], &del, NULL, 1, NULL, &err), 0);
	gz = gzopen(path, "rb");
	n = gzread(gz, buf, sizeof buf - 1);
	gzclose(gz);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, M(1) M(3));
	mailbox_list_release(&list);
	test_rmtree(dir);
	free(dir);
	free(path);
}

static void
test_writer__refuses_a_changed_file(void **state)
{
	char *dir = test_tempdir();
	char *path = test_write(dir, "l.mbox", M(1) M(2), SIZE_MAX);
	struct mailbox_list list = load(path);
	struct errbuf err;
	size_t del = 0, len;
	FILE *f;
	char *got;

	(void)state;
	f = fopen(path, "ab");      /* new mail arrives */
	fputs(M(3), f);
	fclose(f);
	assert_int_equal(writer_apply(list.items[0], &del, NULL, 1, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "changed"));
	got = test_read(path, &len);
	assert_string_equal(got, M(1) M(2) M(3));
	free(got);
	mailbox_list_release(&list);
	test_rmtree(dir);
	free(dir);
	free(path);
}

static void
test_writer__maildir_and_backup(void **state)
{
	char *dir = test_tempdir(), *md, *bk, *kept;
	struct mailbox_list list;
	struct errbuf err;
	struct writer_settings ws = { 0 };
	size_t del[] = { 0, 2 }, len;
	char *got;

	(void)state;
	free(test_write(dir, "md/cur/1:2,S", "Message-ID: <1@x>\n\n1\n", SIZE_MAX));
	free(test_write(dir, "md/cur/2:2,S", "Message-ID: <2@x>\n\n2\n", SIZE_MAX));
	free(test_write(dir, "md/new/3", "Message-ID: <3@x>\n\n3\n", SIZE_MAX));
	assert_true(asprintf(&md, "%s/md", dir) > 0);
	assert_true(asprintf(&bk, "%s/backup", dir) > 0);
	ws.backup_dir = bk;
	list = load(md);
	assert_int_equal(writer_apply(list.items[0], del, NULL, 2, &ws, &err), 0);
	mailbox_list_release(&list);
	list = load(md);
	assert_int_equal(mailbox_message_count(list.items[0]), 1);
	assert_string_equal(mailbox_file_name(list.items[0], 0), "cur/2:2,S");
	mailbox_list_release(&list);
	assert_true(asprintf(&kept, "%s%s/cur/1:2,S", bk, md) > 0);
	got = test_read(kept, &len);
	assert_string_equal(got, "Message-ID: <1@x>\n\n1\n");
	free(got);
	free(kept);
	free(md);
	free(bk);
	test_rmtree(dir);
	free(dir);
}

static void
test_writer__backup_is_never_overwritten(void **state)
{
	char *dir = test_tempdir(), *bk, *path, *got;
	struct mailbox_list list;
	struct errbuf err;
	struct writer_settings ws = { 0 };
	size_t del = 0, len;

	(void)state;
	path = test_write(dir, "l.mbox", M(1) M(2), SIZE_MAX);
	assert_true(asprintf(&bk, "%s/bk", dir) > 0);
	ws.backup_dir = bk;
	list = load(path);
	assert_int_equal(writer_apply(list.items[0], &del, NULL, 1, &ws, &err), 0);
	mailbox_list_release(&list);
	list = load(path);
	assert_int_equal(writer_apply(list.items[0], &del, NULL, 1, &ws, &err), -1);
	assert_non_null(strstr(err.msg, "already exists"));
	mailbox_list_release(&list);
	got = test_read(path, &len);
	assert_string_equal(got, M(2));
	free(got);
	free(path);
	free(bk);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_writer__deletes_byte_ranges),
	cmocka_unit_test(test_writer__gzip_stays_gzip),
	cmocka_unit_test(test_writer__refuses_a_changed_file),
	cmocka_unit_test(test_writer__maildir_and_backup),
	cmocka_unit_test(test_writer__backup_is_never_overwritten),
};

RUN_TESTS(tests)
