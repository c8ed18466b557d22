/* test-lock.c -- the dotlock and kernel lock around a rewrite. */
#include "config.h"

#include "helpers.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "lib/errbuf.h"
#include "act/lock.h"

static void
test_lock__takes_and_releases_both_locks(void **state)
{
	char *dir = test_tempdir(), *path, *lockfile;
	struct mbox_lock *lock = NULL;
	struct errbuf err;

	(void)state;
	path = test_write(dir, "l.mbox", "From a@b Mon Jan  5 10:00:00 2015\n\n", SIZE_MAX);
	assert_true(asprintf(&lockfile, "%s.lock", path) > 0);
	assert_int_equal(mbox_lock_acquire(path, 1, &lock, &err), 0);
	assert_non_null(lock);
	assert_int_equal(access(lockfile, F_OK), 0);
	mbox_lock_release(&lock);
	assert_null(lock);
	assert_int_equal(access(lockfile, F_OK), -1);
	mbox_lock_release(&lock);       /* NULL-safe */
	free(lockfile);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static void
test_lock__a_held_lock_times_out(void **state)
{
	char *dir = test_tempdir(), *path;
	struct mbox_lock *lock = NULL, *second = NULL;
	struct errbuf err;
	pid_t child;
	int status;

	(void)state;
	path = test_write(dir, "l.mbox", "From a@b Mon Jan  5 10:00:00 2015\n\n", SIZE_MAX);
	assert_int_equal(mbox_lock_acquire(path, 1, &lock, &err), 0);
	/* another process cannot have it while we hold it */
	child = fork();
	if (child == 0)
		_exit(mbox_lock_acquire(path, 1, &second, &err) == -1 &&
		      strstr(err.msg, "locked by another process") ? 0 : 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	mbox_lock_release(&lock);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static void
test_lock__missing_file_is_an_error(void **state)
{
	char *dir = test_tempdir(), *path;
	struct mbox_lock *lock = NULL;
	struct errbuf err;

	(void)state;
	assert_true(asprintf(&path, "%s/none.mbox", dir) > 0);
	assert_int_equal(mbox_lock_acquire(path, 1, &lock, &err), -1);
	assert_null(lock);
	assert_non_null(strstr(err.msg, "none.mbox"));
	free(path);
	test_rmtree(dir);
	free(dir);
}

/* A run's lock set keeps its dotlocks fresh while it holds them. */
static void
test_lock__a_set_touches_its_dotlocks(void **state)
{
	char *dir = test_tempdir(), *path, *lockfile;
	struct timeval old[2] = { { time(NULL) - 3600, 0 },
				  { time(NULL) - 3600, 0 } };
	struct lock_set *ls = lock_set_new(1, 1);
	struct errbuf err;
	struct stat st;

	(void)state;
	path = test_write(dir, "l.mbox", "From a@b Mon Jan  5 10:00:00 2015\n\n", SIZE_MAX);
	assert_true(asprintf(&lockfile, "%s.lock", path) > 0);
	assert_int_equal(lock_set_add(ls, path, &err), 0);
	assert_int_equal(lock_set_add(ls, path, &err), 0);      /* once */
	assert_non_null(lock_set_find(ls, path));
	assert_int_equal(utimes(lockfile, old), 0);
	sleep(3);
	assert_int_equal(stat(lockfile, &st), 0);
	assert_true(st.st_mtime > time(NULL) - 60);
	lock_set_free(&ls);
	assert_null(ls);
	assert_int_equal(access(lockfile, F_OK), -1);
	free(lockfile);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_lock__takes_and_releases_both_locks),
	cmocka_unit_test(test_lock__a_held_lock_times_out),
	cmocka_unit_test(test_lock__missing_file_is_an_error),
	cmocka_unit_test(test_lock__a_set_touches_its_dotlocks),
};

RUN_TESTS(tests)
