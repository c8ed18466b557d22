/* merkle.c -- RFC 6962 §2.1, recursively over the stored leaf hashes. */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit/merkle.h"
#include "lib/xalloc.h"

struct merkle {
	unsigned char (*leaves)[DIGEST_LEN];
	size_t count, alloc;
};

struct merkle *
merkle_new(void)
{
	return xcalloc(1, sizeof(struct merkle));
}

void
merkle_add(struct merkle *m, const void *d, size_t len)
{
	static const unsigned char leaf_prefix = 0x00;
	crypto_hash_sha256_state st;

	xgrow((void **)&m->leaves, &m->alloc, m->count + 1, DIGEST_LEN);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &leaf_prefix, 1);
	crypto_hash_sha256_update(&st, d, len);
	crypto_hash_sha256_final(&st, m->leaves[m->count++]);
}

size_t
merkle_count(const struct merkle *m)
{
	return m->count;
}

/* MTH of leaves [from, from + n), n >= 1; depth is log2(n). */
static void
subtree(const struct merkle *m, size_t from, size_t n,
	unsigned char out[DIGEST_LEN])
{
	static const unsigned char node_prefix = 0x01;
	unsigned char left[DIGEST_LEN], right[DIGEST_LEN];
	crypto_hash_sha256_state st;
	size_t k = 1;

	if (n == 1) {
		memcpy(out, m->leaves[from], DIGEST_LEN);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	subtree(m, from, k, left);
	subtree(m, from + k, n - k, right);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &node_prefix, 1);
	crypto_hash_sha256_update(&st, left, DIGEST_LEN);
	crypto_hash_sha256_update(&st, right, DIGEST_LEN);
	crypto_hash_sha256_final(&st, out);
}

void
merkle_root(const struct merkle *m, unsigned char out[DIGEST_LEN])
{
	if (m->count == 0)
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
	else
		subtree(m, 0, m->count, out);
}

void
merkle_free(struct merkle **mp)
{
	if (*mp == NULL)
		return;
	free((*mp)->leaves);
	free(*mp);
	*mp = NULL;
}
