/* progress.c -- the run's progress counters (progress.h). */
#include "config.h"

#include <stdatomic.h>

#include "lib/progress.h"

static _Atomic uint64_t done_bytes, total_bytes, done_messages;

void
progress_plan(uint64_t bytes)
{
	atomic_fetch_add_explicit(&total_bytes, bytes, memory_order_relaxed);
}

void
progress_add(uint64_t bytes, uint64_t messages)
{
	atomic_fetch_add_explicit(&done_bytes, bytes, memory_order_relaxed);
	atomic_fetch_add_explicit(&done_messages, messages,
				  memory_order_relaxed);
}

void
progress_read(struct progress_counts *c)
{
	c->bytes = atomic_load_explicit(&done_bytes, memory_order_relaxed);
	c->total = atomic_load_explicit(&total_bytes, memory_order_relaxed);
	c->messages = atomic_load_explicit(&done_messages,
					   memory_order_relaxed);
}
