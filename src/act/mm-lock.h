/* mm-lock.h -- Mailman 2's list lock (Mailman/LockFile.py), taken so that
 * neither Mailman's archiver nor bin/arch writes a list's pipermail tree
 * while a purge changes it.
 *
 * The lock is LOCK_DIR/LIST.lock, a hard link to a claim file
 * LIST.lock.HOST.PID.N whose content is its own path and whose mtime is
 * the time the holder expects to be done.  It is held when the link
 * count is 2; a lock whose time has passed by more than 10 s is broken,
 * as Mailman breaks it.  NFS-safe as Mailman's own, with synchronised
 * clocks.
 */
#ifndef LISTSCRUB_MM_LOCK_H
#define LISTSCRUB_MM_LOCK_H

struct errbuf;
struct mm_lock;

/* Take lock_dir/list.lock for lifetime seconds, trying for up to
 * timeout seconds.  -1 with err saying who holds it (its claim file and
 * until when) when it cannot be had. */
int mm_lock_take(const char *lock_dir, const char *list, unsigned int timeout,
		 unsigned int lifetime, struct mm_lock **lock_r,
		 struct errbuf *err);

/* Release it (NULL-safe) and free. */
void mm_lock_release(struct mm_lock **lock);

#endif
