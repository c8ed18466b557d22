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

#include <mailutils/errno.h>
#include <mailutils/locker.h>

#include "lib/errbuf.h"
#include "act/lock.h"
#include "lib/xalloc.h"

#ifndef F_OFD_SETLK
#define F_OFD_SETLK F_SETLK     /* older systems: classic POSIX lock */
#endif

#define STALE_LOCK_SECONDS 600

struct mbox_lock {
	mu_locker_t dotlock;
	int fd;
	char *path;
};

static int
take_dotlock(struct mbox_lock *lk, const char *path, unsigned int timeout,
	     struct errbuf *err)
{
	mu_locker_hints_t hints;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.flags = MU_LOCKER_FLAG_TYPE | MU_LOCKER_FLAG_RETRY |
		MU_LOCKER_FLAG_EXPIRE_TIME | MU_LOCKER_FLAG_CHECK_PID;
	hints.type = MU_LOCKER_TYPE_DOTLOCK;
	hints.retry_count = timeout > 0 ? timeout : 1;
	hints.retry_sleep = 1;
	hints.expire_time = STALE_LOCK_SECONDS;
	rc = mu_locker_create_ext(&lk->dotlock, path, &hints);
	if (rc != 0)
		return errbuf_set(err, "cannot set up the lock of '%s': %s",
				  path, mu_strerror(rc));
	rc = mu_locker_lock(lk->dotlock);
	if (rc != 0) {
		mu_locker_destroy(&lk->dotlock);
		if (rc == MU_ERR_LOCK_CONFLICT || rc == EAGAIN)
			return errbuf_set(err, "'%s' is locked by another "
					  "process ('%s.lock' held for %u s); "
					  "stop the list's mail delivery and "
					  "archiver, then run again", path, path,
					  timeout);
		return errbuf_set(err, "cannot lock '%s' (%s.lock): %s", path,
				  path, mu_strerror(rc));
	}
	return 0;
}

static int
take_kernel_lock(struct mbox_lock *lk, const char *path, unsigned int timeout,
		 struct errbuf *err)
{
	struct flock fl;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	unsigned int tries = timeout * 10 + 1;

	lk->fd = open(path, O_RDWR | O_CLOEXEC);
	if (lk->fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s' for writing",
				    path);
	for (unsigned int i = 0; i < tries; i++) {
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(lk->fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return errbuf_errno(err, errno, "cannot lock '%s'", path);
		nanosleep(&pause, NULL);
	}
	return errbuf_set(err, "'%s' is locked by another process (fcntl "
			  "lock held for %u s); stop the list's mail delivery "
			  "and archiver, then run again", path, timeout);
}

int
mbox_lock_acquire(const char *path, unsigned int timeout,
		  struct mbox_lock **lock_r, struct errbuf *err)
{
	struct mbox_lock *lk = xcalloc(1, sizeof *lk);

	lk->fd = -1;
	lk->path = xstrdup(path);
	if (take_dotlock(lk, path, timeout, err) < 0 ||
	    take_kernel_lock(lk, path, timeout, err) < 0) {
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
	if (lk->dotlock) {
		mu_locker_unlock(lk->dotlock);
		mu_locker_destroy(&lk->dotlock);
	}
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
		mu_locker_touchlock(lock->dotlock);
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
