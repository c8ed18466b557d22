/* mapping.h -- a file mapped for reading that survives being cut short.
 *
 * Reading a mapped page past the end of a file that another process
 * truncated raises SIGBUS, which would kill the run in the middle of a
 * scan.  Every mapping made here is registered; a SIGBUS inside one
 * replaces its pages from the fault onwards with zero pages, marks it
 * cut, and lets the reader go on.  The reader asks mapping_was_cut
 * before trusting what it read (a cut file is reported, never acted
 * on).  A SIGBUS anywhere else is left to the default action.
 */
#ifndef LISTSCRUB_MAPPING_H
#define LISTSCRUB_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct mapping;

/* Map len bytes of fd (read-only, shared; len > 0).  caller owns:
 * mapping_close.  -1 with err filled (what names the file). */
int mapping_open(int fd, size_t len, const char *what, struct mapping **m_r,
		 struct errbuf *err);

const char *mapping_data(const struct mapping *m);

/* Was the file cut short while it was mapped (a read past its end was
 * answered with zeros)? */
bool mapping_was_cut(const struct mapping *m);

/* NULL-safe; sets *m to NULL. */
void mapping_close(struct mapping **m);

#endif
