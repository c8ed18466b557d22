/* parallel.c -- one function on several threads (parallel.h). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/parallel.h"
#include "lib/xalloc.h"

unsigned int
parallel_count(unsigned int jobs, size_t units)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = jobs ? jobs : (cores > 0 ? (unsigned int)cores : 1);

	if (n > units)
		n = (unsigned int)units;
	return n ? n : 1;
}

void
parallel_run(void *(*fn)(void *), void *arg, unsigned int n)
{
	unsigned int started = 0;
	pthread_t *tids;

	if (n <= 1) {
		fn(arg);
		return;
	}
	tids = xcalloc(n, sizeof *tids);
	for (; started < n; started++)
		if (pthread_create(&tids[started], NULL, fn, arg) != 0)
			break;
	if (started == 0)
		fn(arg);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
}
