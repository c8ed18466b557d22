/* hash.c -- SipHash under a per-process random key (libsodium). */
#include "config.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"

static unsigned char key64[crypto_shorthash_siphash24_KEYBYTES];
static unsigned char key128[crypto_shorthash_siphashx24_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void
make_keys(void)
{
	if (sodium_init() < 0)
		abort();        /* main checked it first: cannot happen */
	randombytes_buf(key64, sizeof key64);
	randombytes_buf(key128, sizeof key128);
}

uint64_t
hash64(const void *data, size_t len)
{
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t h;

	pthread_once(&key_once, make_keys);
	crypto_shorthash_siphash24(out, data, len, key64);
	memcpy(&h, out, sizeof h);
	return h;
}

struct idhash
idhash_of(const char *id, size_t len)
{
	unsigned char out[crypto_shorthash_siphashx24_BYTES];
	struct idhash h;

	pthread_once(&key_once, make_keys);
	crypto_shorthash_siphashx24(out, (const unsigned char *)id, len,
				    key128);
	memcpy(&h.a, out, 8);
	memcpy(&h.b, out + 8, 8);
	if (h.a == 0 && h.b == 0)
		h.a = 1;        /* {0,0} marks "no ID" */
	return h;
}
