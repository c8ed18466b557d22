/* hash.h -- fast non-cryptographic hashes for in-memory tables.  Message-IDs
 * are keyed by 128 bits (two independent 64-bit hashes), so that two
 * different IDs colliding is not a practical concern even for 10^9
 * messages.  Never used where an adversary chooses inputs to hurt us more
 * than a slow table (the manifest uses HMAC-SHA256). */
#ifndef LISTSCRUB_HASH_H
#define LISTSCRUB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idhash {
	uint64_t a, b;
};

uint64_t hash64(const void *data, size_t len, uint64_t seed);

struct idhash idhash_of(const char *id, size_t len);

static inline bool
idhash_equal(struct idhash x, struct idhash y)
{
	return x.a == y.a && x.b == y.b;
}

#endif
