/* lock.c -- dotlock plus kernel lock around an mbox rewrite. */
#include "config.h"

#include <errno.h>
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
	free(lk);
	*lockp = NULL;
}
