/* hashtab.h -- the one hash table of listscrub: item numbers (indexes
 * into the caller's own array) found by a 64-bit hash.  Open addressing
 * with linear probing; each slot keeps 32 bits of the hash, so probing
 * compares keys only when those agree.  The caller hashes with hash.h (keyed
 * per process) and says when two items are the same.
 *
 * Used by the leaked-address set and the thread index. */
#ifndef LISTSCRUB_HASHTAB_H
#define LISTSCRUB_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASHTAB_NONE UINT32_MAX

struct hashtab;

/* Is item the one looked for?  key and ctx are the find's. */
typedef bool (*hashtab_same_fn)(uint32_t item, const void *key, void *ctx);

/* caller owns: hashtab_free (NULL-safe, sets *t to NULL) */
struct hashtab *hashtab_new(void);
void hashtab_free(struct hashtab **t);

/* Add item under hash h.  The table does not look for an equal item
 * first: find, then insert. */
void hashtab_insert(struct hashtab *t, uint64_t h, uint32_t item);

/* The item under hash h that same accepts, or HASHTAB_NONE. */
uint32_t hashtab_find(const struct hashtab *t, uint64_t h, hashtab_same_fn same,
		      const void *key, void *ctx);

size_t hashtab_count(const struct hashtab *t);

#endif
