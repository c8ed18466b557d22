/* lock.c -- dotlock plus kernel lock around an mbox rewrite. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lockfile.h>

#include "lib/errbuf.h"
#include "act/lock.h"
#include "lib/xalloc.h"

#ifndef F_OFD_SETLK
#define F_OFD_SETLK F_SETLK     /* older systems: classic POSIX lock */
#endif

struct mbox_lock {
	char *dotlock;                  /* NULL: none (folder not writable) */
	int fd;
	char *path;
};

/* liblockfile writes our PID into a temp of its own and link()s it to
 * NAME.lock, so a NAME.lock of ours is never empty; one whose PID is
 * gone is stale, and one without a PID (empty, garbage: another
 * program's, or cut short) is stale once LOCK_STALE_SECONDS old, as
 * liblockfile, mutt and procmail hold. */
static int
take_dotlock(struct mbox_lock *lk, const char *path, unsigned int wait,
	     unsigned int timeout, struct errbuf *err)
{
	char *dotlock = xasprintf("%s.lock", path);
	struct timespec pause = { 1, 0 };
	int rc = L_MAXTRYS;

	for (unsigned int waited = 0, quick = 0;;) {
		errno = 0;
		rc = lockfile_create(dotlock, 0, L_PID);
		if (rc != L_MAXTRYS)
			break;
		/* liblockfile dates a lock by the file system's clock, read
		 * as the atime its own read of the lock sets: the first look
		 * at a lock nobody read for long sees it young.  Look again
		 * at once (a stale lock it removed is taken then too). */
		if (quick++ < 2)
			continue;
		if (waited++ >= wait)
			break;
		nanosleep(&pause, NULL);
	}
	if (rc == L_SUCCESS) {
		lk->dotlock = dotlock;
		return 0;
	}
	free(dotlock);
	/* a folder we may not write: the kernel lock alone, as Mailutils
	 * and procmail fall back to */
	if (rc == L_TMPLOCK && (errno == EACCES || errno == EROFS))
		return 0;
	if (rc == L_MAXTRYS)
		return errbuf_set(err, "'%s' is locked by another "
				  "process ('%s.lock' held for %u s); "
				  "stop the list's mail delivery and "
				  "archiver, then run again", path, path,
				  timeout);
	if (rc == L_RMSTALE)
		return errbuf_errno(err, errno, "'%s.lock' is stale but cannot "
				    "be removed", path);
	return errbuf_errno(err, errno, "cannot lock '%s' (%s.lock)", path,
			    path);
}

/* The kernel lock, without waiting: 0 taken, 1 held by another
 * process, -1 with err filled. */
static int
try_kernel_lock(struct mbox_lock *lk, const char *path, struct errbuf *err)
{
	struct flock fl;

	if (lk->fd < 0 && (lk->fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return errbuf_errno(err, errno, "cannot open '%s' for writing",
				    path);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(lk->fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES || errno == EINTR)
		return 1;
	return errbuf_errno(err, errno, "cannot lock '%s'", path);
}

static void
drop_dotlock(struct mbox_lock *lk)
{
	if (lk->dotlock) {
		(void)lockfile_remove(lk->dotlock);
		free(lk->dotlock);
		lk->dotlock = NULL;
	}
}

static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The dotlock, then the kernel lock without waiting.  A delivery agent
 * in Postfix local's order holds the kernel lock and waits for the
 * dotlock: when the kernel lock is held, the dotlock is let go for a
 * random 50 to 250 ms (two processes backing off do not meet again in
 * step) and the pair tried again, until timeout. */
int
mbox_lock_acquire(const char *path, unsigned int timeout,
		  struct mbox_lock **lock_r, struct errbuf *err)
{
	struct mbox_lock *lk = xcalloc(1, sizeof *lk);
	double deadline = seconds_now() + timeout;
	struct timespec pause;
	unsigned int seed;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &pause);
	seed = (unsigned int)getpid() ^ (unsigned int)pause.tv_nsec;
	lk->fd = -1;
	lk->path = xstrdup(path);
	for (;;) {
		double left = deadline - seconds_now();

		rc = take_dotlock(lk, path, left > 0 ? (unsigned int)left : 0,
				  timeout, err);
		if (rc == 0)
			rc = try_kernel_lock(lk, path, err);
		if (rc <= 0)
			break;
		drop_dotlock(lk);
		if (seconds_now() >= deadline) {
			rc = errbuf_set(err, "'%s' is locked by another process "
					"(fcntl lock held for %u s); stop the "
					"list's mail delivery and archiver, "
					"then run again", path, timeout);
			break;
		}
		pause.tv_sec = 0;
		pause.tv_nsec = (50 + rand_r(&seed) % 201) * 1000L * 1000L;
		nanosleep(&pause, NULL);
	}
	if (rc < 0) {
		mbox_lock_release(&lk);
		return -1;
	}
	*lock_r = lk;
	return 0;
}

void
mbox_lock_release(struct mbox_lock **lockp)
{
	struct mbox_lock *lk = *lockp;

	if (lk == NULL)
		return;
	if (lk->fd >= 0)
		close(lk->fd);
	drop_dotlock(lk);
	free(lk->path);
	free(lk);
	*lockp = NULL;
}

int
mbox_lock_fd(const struct mbox_lock *lock)
{
	return lock->fd;
}

void
mbox_lock_touch(struct mbox_lock *lock)
{
	if (lock->dotlock)
		(void)lockfile_touch(lock->dotlock);
}

/* ---- a run's locks ---------------------------------------------------- */

struct lock_set {
	unsigned int timeout, touch_every;
	struct mbox_lock **locks;
	size_t count, alloc;
	pthread_mutex_t mutex;
	pthread_cond_t stop_cond;
	bool stop, thread_running;
	pthread_t thread;
};

static void *
toucher(void *arg)
{
	struct lock_set *ls = arg;

	pthread_mutex_lock(&ls->mutex);
	while (!ls->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ls->touch_every;
		if (pthread_cond_timedwait(&ls->stop_cond, &ls->mutex,
					   &until) != 0 && !ls->stop)
			for (size_t i = 0; i < ls->count; i++)
				mbox_lock_touch(ls->locks[i]);
	}
	pthread_mutex_unlock(&ls->mutex);
	return NULL;
}

struct lock_set *
lock_set_new(unsigned int timeout, unsigned int touch_seconds)
{
	struct lock_set *ls = xcalloc(1, sizeof *ls);

	ls->timeout = timeout;
	ls->touch_every = touch_seconds ? touch_seconds : LOCK_TOUCH_SECONDS;
	pthread_mutex_init(&ls->mutex, NULL);
	pthread_cond_init(&ls->stop_cond, NULL);
	return ls;
}

struct mbox_lock *
lock_set_find(const struct lock_set *ls, const char *path)
{
	for (size_t i = 0; ls && i < ls->count; i++)
		if (strcmp(ls->locks[i]->path, path) == 0)
			return ls->locks[i];
	return NULL;
}

int
lock_set_add(struct lock_set *ls, const char *path, struct errbuf *err)
{
	struct mbox_lock *lk;

	if (lock_set_find(ls, path))
		return 0;
	if (mbox_lock_acquire(path, ls->timeout, &lk, err) < 0)
		return -1;
	pthread_mutex_lock(&ls->mutex);
	xgrow((void **)&ls->locks, &ls->alloc, ls->count + 1,
	      sizeof *ls->locks);
	ls->locks[ls->count++] = lk;
	if (!ls->thread_running)
		ls->thread_running =
			pthread_create(&ls->thread, NULL, toucher, ls) == 0;
	pthread_mutex_unlock(&ls->mutex);
	return 0;
}

void
lock_set_free(struct lock_set **lsp)
{
	struct lock_set *ls = *lsp;

	if (ls == NULL)
		return;
	pthread_mutex_lock(&ls->mutex);
	ls->stop = true;
	pthread_cond_signal(&ls->stop_cond);
	pthread_mutex_unlock(&ls->mutex);
	if (ls->thread_running)
		pthread_join(ls->thread, NULL);
	for (size_t i = 0; i < ls->count; i++)
		mbox_lock_release(&ls->locks[i]);
	free(ls->locks);
	pthread_cond_destroy(&ls->stop_cond);
	pthread_mutex_destroy(&ls->mutex);
	free(ls);
	*lsp = NULL;
}
