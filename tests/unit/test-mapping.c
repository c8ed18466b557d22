/* test-mapping.c -- a mapped file cut short under the reader. */
#include "config.h"

#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lib/errbuf.h"
#include "lib/mapping.h"

static char *
three_pages(const char *dir, size_t *len_r)
{
	size_t len = 3 * (size_t)sysconf(_SC_PAGESIZE);
	char *text = malloc(len + 1), *path;

	memset(text, 'x', len);
	text[len] = '\0';
	*len_r = len;
	path = test_write(dir, "cut.mbox", text, len);
	free(text);
	return path;
}

static void
test_mapping__a_cut_file_reads_as_zeros_and_says_so(void **state)
{
	char *dir = test_tempdir(), *path;
	struct mapping *m = NULL;
	struct errbuf err;
	size_t len;
	int fd;

	(void)state;
	path = three_pages(dir, &len);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(mapping_open(fd, len, path, &m, &err), 0);
	assert_int_equal(mapping_data(m)[len - 1], 'x');
	assert_false(mapping_was_cut(m));
	assert_int_equal(ftruncate(fd, 100), 0);
	/* past the new end: no SIGBUS, zeros, and the mapping says so */
	assert_int_equal(mapping_data(m)[len - 1], '\0');
	assert_true(mapping_was_cut(m));
	assert_int_equal(mapping_data(m)[50], 'x');
	mapping_close(&m);
	assert_null(m);
	mapping_close(&m);      /* NULL-safe */
	close(fd);
	free(path);
	test_rmtree(dir);
	free(dir);
}

/* A SIGBUS outside the registered mappings is not swallowed.  (The
 * handler is installed at the first mapping_open of a process, over the
 * one before it: the child sets the default action first, as a process
 * without cmocka's handlers has it.  So this test runs first.) */
static void
test_mapping__other_faults_still_kill(void **state)
{
	char *dir = test_tempdir(), *path;
	size_t len;
	pid_t child;
	int fd, status;

	(void)state;
	path = three_pages(dir, &len);
	fd = open(path, O_RDWR);
	child = fork();
	if (child == 0) {
		struct mapping *m = NULL;
		struct errbuf err;
		volatile const char *raw;

		signal(SIGBUS, SIG_DFL);
		if (mapping_open(fd, len, path, &m, &err) < 0)
			_exit(2);
		raw = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (ftruncate(fd, 10) < 0)
			_exit(3);
		_exit(raw[len - 1] == 'x' ? 4 : 5);     /* dies first */
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	/* killed by it (or, under AddressSanitizer, aborted by its report) */
	assert_true(WIFSIGNALED(status));
	assert_true(WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT);
	close(fd);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mapping__other_faults_still_kill),
	cmocka_unit_test(test_mapping__a_cut_file_reads_as_zeros_and_says_so),
};

RUN_TESTS(tests)
