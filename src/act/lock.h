/* lock.h -- the locks an mbox writer must hold: a dotlock (<mbox>.lock,
 * through Mailutils' locker, with stale-lock expiry and PID check) and a
 * kernel write lock on the file (open file description lock, so closing
 * another descriptor of the same file does not drop it).  Both are tried
 * for a bounded time. */
#ifndef LISTSCRUB_LOCK_H
#define LISTSCRUB_LOCK_H

struct errbuf;
struct mbox_lock;

#define LOCK_DEFAULT_TIMEOUT 10         /* seconds */

/* caller owns *lock_r: mbox_lock_release */
int mbox_lock_acquire(const char *path, unsigned int timeout_seconds,
		      struct mbox_lock **lock_r, struct errbuf *err);

/* NULL-safe; sets *lock to NULL. */
void mbox_lock_release(struct mbox_lock **lock);

#endif
