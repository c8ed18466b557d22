/* hash.c -- a multiply/xor-shift hash over 8-byte words. */
#include "config.h"

#include <string.h>

#include "lib/hash.h"

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xc2b2ae3d27d4eb4fULL
#define K3 0x165667b19e3779f9ULL

static inline uint64_t
finish(uint64_t h)
{
	h ^= h >> 31;
	h *= K2;
	h ^= h >> 29;
	h *= K3;
	h ^= h >> 32;
	return h;
}

uint64_t
hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ ((uint64_t)len * K1), w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h ^= finish(w ^ K3);
		h = (h << 27 | h >> 37) * K1 + K2;
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	h ^= finish(w ^ ((uint64_t)len << 56) ^ K2);
	return finish(h);
}

struct idhash
idhash_of(const char *id, size_t len)
{
	struct idhash h = {
		.a = hash64(id, len, 0x6c69737473637275ULL),
		.b = hash64(id, len, 0x6d6573736167652dULL),
	};

	if (h.a == 0 && h.b == 0)
		h.a = 1;        /* {0,0} marks "no ID" */
	return h;
}
