/* merkle.h -- the RFC 6962 Merkle Tree Hash over a list of leaves.
 *
 * MTH({}) = SHA-256(""), a leaf is SHA-256(0x00 || d), an inner node
 * SHA-256(0x01 || left || right) where the left subtree holds the largest
 * power of two smaller than n leaves.  Only the complete subtrees are
 * kept (one per bit of n: O(log n) memory).
 */
#ifndef LISTSCRUB_MERKLE_H
#define LISTSCRUB_MERKLE_H

#include <stddef.h>

#include "audit/digest.h"

struct merkle;

/* caller owns: merkle_free */
struct merkle *merkle_new(void);

/* Append a leaf whose data is d[0..len). */
void merkle_add(struct merkle *m, const void *d, size_t len);

size_t merkle_count(const struct merkle *m);

void merkle_root(const struct merkle *m, unsigned char out[DIGEST_LEN]);

void merkle_free(struct merkle **m);

#endif
