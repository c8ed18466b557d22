/* xalloc.h -- allocation wrappers.  Running out of memory is fatal: these
 * print one line and exit 71 (EX_OSERR); they never return NULL. */
#ifndef LISTSCRUB_XALLOC_H
#define LISTSCRUB_XALLOC_H

#include <stddef.h>

/* returns_nonnull: so the compiler and the static analyser know it too */
#define XALLOC_ATTR __attribute__((returns_nonnull, warn_unused_result))

void *xmalloc(size_t size) XALLOC_ATTR;
void *xcalloc(size_t nmemb, size_t size) XALLOC_ATTR;
void *xrealloc(void *ptr, size_t size) XALLOC_ATTR;
void *xreallocarray(void *ptr, size_t nmemb, size_t size) XALLOC_ATTR;
char *xstrdup(const char *s) XALLOC_ATTR;
char *xstrndup(const char *s, size_t n) XALLOC_ATTR;
char *xasprintf(const char *fmt, ...) XALLOC_ATTR
	__attribute__((format(printf, 1, 2)));

/* For allocators of other libraries that returned NULL: print and exit. */
void out_of_memory(size_t size) __attribute__((noreturn));

/* Grow *array (of *alloc elements of elem size) so that index need-1 fits. */
void xgrow(void **array, size_t *alloc, size_t need, size_t elem);

#endif
