/* buf.h -- a growable byte buffer, always NUL-terminated after len bytes
 * (the bytes themselves may hold NULs).  Zero-initialised is empty. */
#ifndef LISTSCRUB_BUF_H
#define LISTSCRUB_BUF_H

#include <stddef.h>

struct buf {
	char *p;                /* caller owns: free(p), or buf_release */
	size_t len, alloc;
};

void buf_add(struct buf *b, const void *p, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Empty it, keeping the memory for reuse. */
void buf_reset(struct buf *b);

void buf_release(struct buf *b);

#endif
