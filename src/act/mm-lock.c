/* mm-lock.c -- Mailman 2's LockFile protocol, as a client of it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "act/mm-lock.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

/* Mailman breaks a lock this long after its expected end (CLOCK_SLOP). */
#define CLOCK_SLOP 10

struct mm_lock {
	char *lock;             /* LOCK_DIR/LIST.lock */
	char *claim;            /* LOCK_DIR/LIST.lock.HOST.PID.N */
	bool held;
};

/* The claim file's mtime is when its holder expects to be done. */
static int
set_expiry(const char *path, unsigned int lifetime)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec += lifetime;
	t[0].tv_nsec = 0;
	t[1] = t[0];
	return utimensat(AT_FDCWD, path, t, 0);
}

static char *
read_text(const char *path)
{
	char *data;
	size_t len;

	return read_regular_file(path, &data, &len, NULL) == 0 ? data : NULL;
}

static int
make_claim(struct mm_lock *l, unsigned int lifetime, struct errbuf *err)
{
	static unsigned int counter;
	char host[256] = "localhost";
	int fd;
	mode_t old;

	gethostname(host, sizeof host - 1);
	l->claim = xasprintf("%s.%s.%ld.%u", l->lock, host, (long)getpid(),
			     counter++);
	old = umask(002);               /* Mailman's: the group shares locks */
	fd = open(l->claim, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
	umask(old);
	if (fd < 0)
		return errbuf_errno(err, errno, "cannot create Mailman's lock "
				    "claim '%s'", l->claim);
	if (write(fd, l->claim, strlen(l->claim)) != (ssize_t)strlen(l->claim) ||
	    close(fd) < 0) {
		unlink(l->claim);
		return errbuf_errno(err, errno ? errno : EIO, "cannot write "
				    "'%s'", l->claim);
	}
	return set_expiry(l->claim, lifetime) < 0
		? errbuf_errno(err, errno, "cannot set the time of '%s'",
			       l->claim) : 0;
}

/* A lock whose holder is past its time: broken as Mailman breaks it
 * (touched first, to fend off another breaker). */
static void
break_stale(const struct mm_lock *l)
{
	char *winner;

	set_expiry(l->lock, CLOCK_SLOP * 2);
	winner = read_text(l->lock);
	unlink(l->lock);
	if (winner && strncmp(winner, l->lock, strlen(l->lock)) == 0)
		unlink(winner);
	free(winner);
}

int
mm_lock_take(const char *lock_dir, const char *list, unsigned int timeout,
	     unsigned int lifetime, struct mm_lock **lock_r, struct errbuf *err)
{
	struct mm_lock *l = xcalloc(1, sizeof *l);
	time_t give_up = time(NULL) + timeout;
	unsigned int seed = (unsigned int)getpid();

	l->lock = xasprintf("%s/%s.lock", lock_dir, list);
	if (make_claim(l, lifetime, err) < 0) {
		mm_lock_release(&l);
		return -1;
	}
	for (;;) {
		struct stat st;
		char *holder;

		if (link(l->claim, l->lock) == 0) {
			l->held = true;
			set_expiry(l->claim, lifetime);
			*lock_r = l;
			return 0;
		}
		if (errno != EEXIST && errno != ENOENT) {
			errbuf_format_errno(err, errno, "cannot take Mailman's lock "
					    "'%s'", l->lock);
			break;
		}
		if (lstat(l->lock, &st) == 0 &&
		    time(NULL) > st.st_mtime + CLOCK_SLOP) {
			break_stale(l);
			continue;
		}
		if (time(NULL) >= give_up) {
			char until[32] = "an unknown time";
			struct tm tm;

			if (lstat(l->lock, &st) == 0 &&
			    localtime_r(&st.st_mtime, &tm))
				strftime(until, sizeof until, "%Y-%m-%d %H:%M:%S",
					 &tm);
			holder = read_text(l->lock);
			errbuf_format(err, "Mailman's list lock '%s' is held%s%s "
				      "(until %s): the archiver or an admin is "
				      "working on the list; nothing was changed; "
				      "wait for it, or raise --lock-timeout",
				      l->lock, holder ? " by " : "",
				      holder ? holder : "", until);
			free(holder);
			break;
		}
		/* Mailman's own pace: 0.01 to 2 s */
		usleep(10000 + (useconds_t)(rand_r(&seed) % 2000000));
	}
	mm_lock_release(&l);
	return -1;
}

void
mm_lock_release(struct mm_lock **lp)
{
	struct mm_lock *l = *lp;

	if (!l)
		return;
	if (l->held)
		unlink(l->lock);
	if (l->claim)
		unlink(l->claim);
	free(l->lock);
	free(l->claim);
	free(l);
	*lp = NULL;
}
