/* progress.h -- how far a long run has got, counted by the workers that
 * read and write the archive and read by the command layer, which draws
 * it (cli/progress-line.h).
 *
 * One set of counters per process, since a process runs one command.
 * Workers bump them once per chunk, message batch or file, never per
 * byte: a few relaxed atomic adds, no lock.  The total is planned by
 * whoever knows it up front (the sizes of the mailboxes to read, of the
 * file to write); done may pass it where the plan was an estimate (a
 * .gz inflates to more than its size).
 */
#ifndef LISTSCRUB_PROGRESS_H
#define LISTSCRUB_PROGRESS_H

#include <stdint.h>

struct progress_counts {
	uint64_t bytes, total, messages;
};

/* Add bytes to the work planned. */
void progress_plan(uint64_t bytes);

/* Count bytes and messages done. */
void progress_add(uint64_t bytes, uint64_t messages);

void progress_read(struct progress_counts *c);

#endif
