/* hash.h -- keyed hashes for in-memory tables.
 *
 * The key is drawn at random once per process (libsodium), so input an
 * adversary wrote (Message-IDs, addresses) cannot be chosen to collide:
 * SipHash-2-4 for table slots, its 128-bit variant for Message-IDs.  Two
 * different IDs sharing a 128-bit hash would merge two threads; with a
 * secret key that takes about 2^64 tries, and the key changes every run.
 * Never used where a value must be stable across runs (the manifest uses
 * HMAC-SHA256 under the incident key).
 */
#ifndef LISTSCRUB_HASH_H
#define LISTSCRUB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idhash {
	uint64_t a, b;
};

/* SipHash-2-4 of data under this process's key. */
uint64_t hash64(const void *data, size_t len);

/* The 128-bit keyed hash of a Message-ID; never {0,0} (which marks "no
 * ID"). */
struct idhash idhash_of(const char *id, size_t len);

static inline bool
idhash_equal(struct idhash x, struct idhash y)
{
	return x.a == y.a && x.b == y.b;
}

#endif
