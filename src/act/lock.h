/* lock.h -- the locks an mbox writer must hold: a dotlock (<mbox>.lock,
 * through liblockfile: our PID in it from its creation on; stale when
 * that process is gone, or, holding no PID, when older than
 * LOCK_STALE_SECONDS) and a
 * kernel write lock on the file (open file description lock, so closing
 * another descriptor of the same file does not drop it).  Both are tried
 * for a bounded time: the dotlock, then the kernel lock without waiting;
 * when that is held (a delivery agent in Postfix local's order holds it
 * and waits for the dotlock), the dotlock is let go for a random moment
 * and the pair tried again.
 *
 * A run takes the locks of every mbox it may change before it reads them
 * (a lock set), holds them until its last write, and touches the
 * dotlocks while it holds them, so that no delivery agent takes a long
 * run's lock for a stale one. */
#ifndef LISTSCRUB_LOCK_H
#define LISTSCRUB_LOCK_H

struct errbuf;
struct mbox_lock;

#define LOCK_DEFAULT_TIMEOUT 10         /* seconds */
#define LOCK_STALE_SECONDS 300          /* liblockfile's fixed age */

/* caller owns *lock_r: mbox_lock_release */
int mbox_lock_acquire(const char *path, unsigned int timeout_seconds,
		      struct mbox_lock **lock_r, struct errbuf *err);

/* NULL-safe; sets *lock to NULL. */
void mbox_lock_release(struct mbox_lock **lock);

/* The descriptor that holds the kernel lock: the mbox opened read-write
 * (an in-place rewrite writes through it). */
int mbox_lock_fd(const struct mbox_lock *lock);

/* Touch the dotlock (its mtime is its age). */
void mbox_lock_touch(struct mbox_lock *lock);

/* The locks of a run, their dotlocks touched every touch_seconds by a
 * thread while any is held (liblockfile takes a dotlock untouched for
 * 300 s for a stale one when it cannot read a live PID in it, most
 * delivery agents after 300-1024 s). */
struct lock_set;

#define LOCK_TOUCH_SECONDS 60

/* caller owns: lock_set_free (releases every lock) */
struct lock_set *lock_set_new(unsigned int timeout_seconds,
			      unsigned int touch_seconds);

/* Take the locks of path (once: a path taken already is not taken
 * again).  -1 with err filled when they cannot be had in time. */
int lock_set_add(struct lock_set *ls, const char *path, struct errbuf *err);

/* The lock of path, or NULL when the set does not hold it. */
struct mbox_lock *lock_set_find(const struct lock_set *ls, const char *path);

void lock_set_free(struct lock_set **ls);

#endif
