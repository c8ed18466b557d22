/* mapping.c -- registered mappings and the SIGBUS handler that keeps a
 * cut file from killing the run. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "lib/mapping.h"
#include "lib/xalloc.h"

/* A registry entry.  Entries are never freed, only reused, so that the
 * handler (which takes no lock) never reads freed memory. */
struct mapping {
	_Atomic(uintptr_t) start;       /* 0: the entry is free */
	_Atomic(size_t) len;
	atomic_bool cut;
	struct mapping *_Atomic next;
};

static struct mapping *_Atomic registry;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static struct sigaction previous;

static void
on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)uctx;
	for (struct mapping *m = atomic_load(&registry); m;
	     m = atomic_load(&m->next)) {
		uintptr_t start = atomic_load(&m->start);
		size_t len = atomic_load(&m->len);
		uintptr_t from;

		if (start == 0 || addr < start || addr >= start + len)
			continue;
		/* zeros from the faulting page to the end of the mapping */
		from = addr & ~(page - 1);
		if (mmap((void *)from, start + len - from, PROT_READ,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		    MAP_FAILED)
			break;
		atomic_store(&m->cut, true);
		return;
	}
	/* not ours: what would have happened without us */
	sigaction(sig, &previous, NULL);
	if (!(previous.sa_flags & SA_SIGINFO) &&
	    previous.sa_handler == SIG_IGN)
		signal(sig, SIG_DFL);
}

static void
install_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &previous);
}

/* A free entry, or a new one linked in. */
static struct mapping *
take_entry(void)
{
	struct mapping *m;

	for (m = atomic_load(&registry); m; m = atomic_load(&m->next))
		if (atomic_load(&m->start) == 0)
			return m;
	m = xcalloc(1, sizeof *m);
	atomic_store(&m->next, atomic_load(&registry));
	atomic_store(&registry, m);
	return m;
}

int
mapping_open(int fd, size_t len, const char *what, struct mapping **m_r,
	     struct errbuf *err)
{
	struct mapping *m;
	void *p;

	*m_r = NULL;
	pthread_once(&handler_once, install_handler);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return errbuf_errno(err, errno, "cannot map '%s'", what);
	pthread_mutex_lock(&registry_lock);
	m = take_entry();
	atomic_store(&m->cut, false);
	atomic_store(&m->len, len);
	atomic_store(&m->start, (uintptr_t)p);
	pthread_mutex_unlock(&registry_lock);
	*m_r = m;
	return 0;
}

const char *
mapping_data(const struct mapping *m)
{
	return (const char *)atomic_load(&m->start);
}

bool
mapping_was_cut(const struct mapping *m)
{
	return m && atomic_load(&m->cut);
}

void
mapping_close(struct mapping **mp)
{
	struct mapping *m = *mp;

	if (m == NULL)
		return;

	uintptr_t start = atomic_load(&m->start);

	pthread_mutex_lock(&registry_lock);
	atomic_store(&m->start, 0);     /* the handler lets go of it first */
	munmap((void *)start, atomic_load(&m->len));
	pthread_mutex_unlock(&registry_lock);
	*mp = NULL;
}
