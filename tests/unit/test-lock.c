/* test-lock.c -- the dotlock and kernel lock around a rewrite. */
#include "config.h"

#include "helpers.h"

#include <fcntl.h>
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

/* Try to take path's locks with its dotlock already there, holding
 * content and age_seconds old: 0 when taken, -1 when held. */
static int
try_over(const char *content, time_t age_seconds)
{
	char *dir = test_tempdir(), *path, *lockfile;
	struct mbox_lock *lock = NULL;
	struct timeval old[2];
	struct errbuf err;
	int rc;

	path = test_write(dir, "list.mbox", "From a@b Thu Jan  1 00:00:00 2015\n\nx\n",
			  SIZE_MAX);
	lockfile = test_write(dir, "list.mbox.lock", content, SIZE_MAX);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - age_seconds;
	old[0].tv_usec = old[1].tv_usec = 0;
	assert_int_equal(utimes(lockfile, old), 0);
	rc = mbox_lock_acquire(path, 0, &lock, &err);
	if (rc == -1)
		assert_non_null(strstr(err.msg, "locked by another process"));
	mbox_lock_release(&lock);
	free(lockfile);
	free(path);
	test_rmtree(dir);
	free(dir);
	return rc;
}

/* Our dotlock holds our PID from the moment it exists: one without a
 * PID is another program's, or cut short, and is held until it is
 * LOCK_STALE_SECONDS old; one whose process is gone is stale at once. */
static void
test_lock__stale_by_dead_pid_or_by_age_without_one(void **state)
{
	char dead[32];
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(dead, sizeof dead, "%ld\n", (long)pid);
	assert_int_equal(try_over("", 10), -1);
	assert_int_equal(try_over("not a pid\n", 10), -1);
	assert_int_equal(try_over("", LOCK_STALE_SECONDS + 100), 0);
	assert_int_equal(try_over("junk", LOCK_STALE_SECONDS + 100), 0);
	assert_int_equal(try_over(dead, 10), 0);
}

static void
test_lock__our_dotlock_holds_our_pid(void **state)
{
	char *dir = test_tempdir(), *path, *lockfile, buf[32] = "", want[32];
	struct mbox_lock *lock = NULL;
	struct errbuf err;
	FILE *f;

	path = test_write(dir, "list.mbox", "", SIZE_MAX);
	assert_true(asprintf(&lockfile, "%s.lock", path) > 0);
	assert_int_equal(mbox_lock_acquire(path, 1, &lock, &err), 0);
	f = fopen(lockfile, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	assert_string_equal(buf, want);
	mbox_lock_release(&lock);
	free(lockfile);
	free(path);
	test_rmtree(dir);
	free(dir);
}

/* A delivery agent in Postfix local's order: the kernel lock first,
 * then the dotlock, tried until had.  It takes its kernel lock, waits
 * for our dotlock, then wants it; we must let it go, and both finish. */
static void
test_lock__a_deliverer_holding_the_kernel_lock_gets_the_dotlock(void **state)
{
	char *dir = test_tempdir(), *path, *lockfile;
	struct mbox_lock *lock = NULL;
	struct errbuf err;
	int ready[2], status;
	pid_t child;
	char c;

	(void)state;
	path = test_write(dir, "l.mbox", "From a@b Mon Jan  5 10:00:00 2015\n\n",
			  SIZE_MAX);
	assert_true(asprintf(&lockfile, "%s.lock", path) > 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		int fd = open(path, O_WRONLY | O_APPEND);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		const char *mail = "From c@d Mon Jan  5 10:00:00 2015\n\n";
		int tries = 0, lfd = -1;

		if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		/* our dotlock first (held throughout without the back-off,
		 * for a moment at each try with it), then the loop for it */
		while (access(lockfile, F_OK) < 0 && tries++ < 2000)
			usleep(1000);
		for (tries = 0; lfd < 0 && tries < 3000; tries++)
			if ((lfd = open(lockfile, O_WRONLY | O_CREAT | O_EXCL,
					0644)) < 0)
				usleep(10000);
		if (lfd < 0 || write(fd, mail, strlen(mail)) !=
		    (ssize_t)strlen(mail))
			_exit(4);
		close(lfd);
		unlink(lockfile);
		_exit(0);               /* closing fd drops the kernel lock */
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(mbox_lock_acquire(path, 10, &lock, &err), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(lockfile, F_OK), 0);    /* ours now */
	mbox_lock_release(&lock);
	assert_int_equal(access(lockfile, F_OK), -1);
	close(ready[0]);
	close(ready[1]);
	free(lockfile);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_lock__a_deliverer_holding_the_kernel_lock_gets_the_dotlock),
	cmocka_unit_test(test_lock__stale_by_dead_pid_or_by_age_without_one),
	cmocka_unit_test(test_lock__our_dotlock_holds_our_pid),
	cmocka_unit_test(test_lock__takes_and_releases_both_locks),
	cmocka_unit_test(test_lock__a_held_lock_times_out),
	cmocka_unit_test(test_lock__missing_file_is_an_error),
	cmocka_unit_test(test_lock__a_set_touches_its_dotlocks),
};

RUN_TESTS(tests)
