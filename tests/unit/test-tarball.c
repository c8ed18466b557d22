/* test-tarball.c -- mail/tarball: member names, staging, and the names
 * staged files are shown and recorded under. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>

#include "helpers.h"
#include "lib/errbuf.h"
#include "mail/tarball.h"

/* Write a tar.gz at path holding (name, type, content-or-link) triples. */
static void
make_tarball(const char *path, const char *const (*members)[3], size_t n)
{
	struct archive *w = archive_write_new();

	assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		const char *type = members[i][1], *data = members[i][2];

		archive_entry_set_pathname(e, members[i][0]);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1000000000, 0);
		if (strcmp(type, "file") == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(data));
		} else if (strcmp(type, "symlink") == 0) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, data);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, data);
		}
		assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
		if (strcmp(type, "file") == 0)
			assert_int_equal(archive_write_data(w, data, strlen(data)),
					 (la_ssize_t)strlen(data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
}

static void
test_tarball__member_names(void **state)
{
	static const char *const good[][2] = {
		{ "a.mbox", "a.mbox" }, { "./a/b", "a/b" }, { "././d/", "d" },
		{ "x/y.z/", "x/y.z" }, { "./", "" }, { ".", "" }, { ".//", "" },
	};
	static const char *const bad[] = {
		"/abs", "../up", "a/../../b", "a/./b", "a//b", "", "..", "./..",
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(good); i++) {
		char *name = tarball_member_name(good[i][0]);

		assert_non_null(name);
		assert_string_equal(name, good[i][1]);
		free(name);
	}
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_null(tarball_member_name(bad[i]));
	assert_null(tarball_member_name(NULL));
}

static void
test_tarball__stages_and_names_members(void **state)
{
	static const char *const members[][3] = {
		{ "./list/a.mbox", "file", "From x Mon Jan  1 00:00:00 2001\n" },
		{ "list/link", "symlink", "a.mbox" },
		{ "list/copy", "hardlink", "list/a.mbox" },
	};
	char *dir = test_tempdir(), *path, *staged, *shown, *back, *text;
	const struct tarball *tb;
	struct errbuf err;
	size_t len;
	(void)state;

	setenv("TMPDIR", dir, 1);
	if (asprintf(&path, "%s/arch.tar.gz", dir) < 0)
		abort();
	make_tarball(path, members, N_ELEMENTS(members));
	assert_int_equal(tarball_sniff(path, &err), 1);
	tb = tarball_stage(path, &err);
	assert_non_null(tb);
	assert_true(tarball_writable(tb));
	assert_string_equal(tarball_format_name(tb), "tar.gz");
	if (asprintf(&staged, "%s/list/a.mbox", tarball_root(tb)) < 0)
		abort();
	free(test_read(staged, &len));
	assert_int_equal(len, strlen(members[0][2]));
	assert_ptr_equal(tarball_of_staged(staged), tb);
	assert_ptr_equal(tarball_of_file(path), tb);
	shown = tarball_shown(staged);
	assert_non_null(shown);
	assert_true(strlen(shown) > strlen(path));
	assert_string_equal(shown + strlen(path), "//list/a.mbox");
	back = tarball_staged_file(shown);
	assert_string_equal(back, staged);
	text = tarball_shown_text(staged);
	assert_string_equal(text, shown);
	assert_null(tarball_shown(path));
	free(text);
	free(back);
	free(shown);
	free(staged);
	tarball_unstage_all();
	assert_int_equal(tarball_count(), 0);
	free(path);
	free(dir);
}

static void
test_tarball__refuses_members_out_of_it(void **state)
{
	static const char *const cases[][3] = {
		{ "../evil", "file", "x" }, { "/abs", "file", "x" },
		{ "a/../../x", "file", "x" }, { "l", "symlink", "../../etc" },
		{ "l", "symlink", "/etc/passwd" }, { "h", "hardlink", "../x" },
	};
	char *dir = test_tempdir(), *path;
	struct errbuf err;
	(void)state;

	setenv("TMPDIR", dir, 1);
	if (asprintf(&path, "%s/evil.tar.gz", dir) < 0)
		abort();
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		make_tarball(path, &cases[i], 1);
		assert_null(tarball_stage(path, &err));
		assert_non_null(strstr(err.msg, "is refused"));
		assert_int_equal(tarball_count(), 0);
	}
	/* a name given twice */
	{
		static const char *const twice[][3] = {
			{ "m", "file", "a" }, { "m", "file", "b" },
		};
		make_tarball(path, twice, 2);
		assert_null(tarball_stage(path, &err));
		assert_non_null(strstr(err.msg, "given twice"));
	}
	tarball_unstage_all();
	free(path);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_tarball__member_names),
	cmocka_unit_test(test_tarball__stages_and_names_members),
	cmocka_unit_test(test_tarball__refuses_members_out_of_it),
};

RUN_TESTS(tests)
