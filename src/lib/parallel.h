/* parallel.h -- running one function on several threads at once: the
 * passes over an archive's messages and files share out their work by
 * themselves (an atomic counter of units), so all they need is N threads
 * running the same function and a wait for all of them. */
#ifndef LISTSCRUB_PARALLEL_H
#define LISTSCRUB_PARALLEL_H

#include <stddef.h>

/* How many threads for units units of work: jobs when not 0, else one
 * per online core; never more than units, never less than 1. */
unsigned int parallel_count(unsigned int jobs, size_t units);

/* Run fn(arg) on n threads and wait for them all.  With n <= 1, or when
 * no thread can be started, fn runs on this thread; fewer threads than
 * asked are fine, since the work is shared out by fn itself. */
void parallel_run(void *(*fn)(void *), void *arg, unsigned int n);

#endif
