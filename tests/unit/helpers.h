/* helpers.h -- shared by the cmocka unit tests: a test filter from argv,
 * unbuffered output, and scratch files in a fresh temp directory. */
#ifndef LISTSCRUB_TEST_HELPERS_H
#define LISTSCRUB_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_ELEMENTS(a) (sizeof (a) / sizeof (a)[0])

#define RUN_TESTS(tests)                                                   \
	int main(int argc, char **argv)                                    \
	{                                                                  \
		setvbuf(stdout, NULL, _IONBF, 0);                          \
		setvbuf(stderr, NULL, _IONBF, 0);                          \
		if (argc > 1)                                              \
			cmocka_set_test_filter(argv[1]);                   \
		return cmocka_run_group_tests(tests, NULL, NULL);          \
	}

/* The directories test_tempdir made, removed when the test exits. */
static char *test_tempdirs[256];
static size_t test_n_tempdirs;

static inline int
test_remove_one(const char *path, const struct stat *st, int flag,
		struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void
test_remove_tempdirs(void)
{
	for (size_t i = 0; i < test_n_tempdirs; i++) {
		(void)nftw(test_tempdirs[i], test_remove_one, 16,
			   FTW_DEPTH | FTW_PHYS);
		free(test_tempdirs[i]);
	}
	test_n_tempdirs = 0;
}

/* A fresh directory under $TMPDIR, removed at exit; caller frees the
 * path. */
static inline char *
test_tempdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/listscrub-unit-XXXXXX", tmp ? tmp : "/tmp") < 0)
		abort();
	if (mkdtemp(path) == NULL)
		abort();
	if (test_n_tempdirs == 0)
		atexit(test_remove_tempdirs);
	if (test_n_tempdirs < sizeof test_tempdirs / sizeof *test_tempdirs)
		test_tempdirs[test_n_tempdirs++] = strdup(path);
	return path;
}

/* Write len bytes (or strlen(data) when len is SIZE_MAX) to dir/name,
 * creating parent directories. */
static inline char *
test_write(const char *dir, const char *name, const char *data, size_t len)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	for (char *p = path + strlen(dir) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	f = fopen(path, "wb");
	assert_non_null(f);
	if (len == SIZE_MAX)
		len = strlen(data);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* The whole content of a file; caller frees. */
static inline char *
test_read(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len_r = (size_t)n;
	return buf;
}

static inline void
test_rmtree(const char *dir)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", dir) < 0)
		abort();
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

#endif
