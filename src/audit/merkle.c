/* merkle.c -- RFC 6962 §2.1, recursively over the stored leaf hashes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit/merkle.h"
#include "lib/xalloc.h"

/* The complete subtrees so far, largest first: one per bit of count
 * (a binary counter), so that memory is O(log n), never a leaf each. */
struct merkle {
	unsigned char (*nodes)[DIGEST_LEN];
	size_t *sizes;
	size_t depth, alloc;
	size_t count;
	struct sha256_stream *h;        /* digest.c's: the SHA instructions */
};

struct merkle *
merkle_new(void)
{
	struct merkle *m = xcalloc(1, sizeof(struct merkle));

	m->h = sha256_stream_new();
	return m;
}

static void
node(struct sha256_stream *h, const unsigned char left[DIGEST_LEN],
     const unsigned char right[DIGEST_LEN], unsigned char out[DIGEST_LEN])
{
	static const unsigned char node_prefix = 0x01;

	sha256_stream_update(h, &node_prefix, 1);
	sha256_stream_update(h, left, DIGEST_LEN);
	sha256_stream_update(h, right, DIGEST_LEN);
	sha256_stream_final(h, out);
}

void
merkle_add(struct merkle *m, const void *d, size_t len)
{
	static const unsigned char leaf_prefix = 0x00;
	size_t alloc = m->alloc;

	xgrow((void **)&m->nodes, &alloc, m->depth + 1, DIGEST_LEN);
	xgrow((void **)&m->sizes, &m->alloc, m->depth + 1, sizeof *m->sizes);
	sha256_stream_update(m->h, &leaf_prefix, 1);
	sha256_stream_update(m->h, d, len);
	sha256_stream_final(m->h, m->nodes[m->depth]);
	m->sizes[m->depth++] = 1;
	m->count++;
	/* two subtrees of one size make the next one up */
	while (m->depth >= 2 && m->sizes[m->depth - 2] == m->sizes[m->depth - 1]) {
		node(m->h, m->nodes[m->depth - 2], m->nodes[m->depth - 1],
		     m->nodes[m->depth - 2]);
		m->sizes[m->depth - 2] *= 2;
		m->depth--;
	}
}

size_t
merkle_count(const struct merkle *m)
{
	return m->count;
}

/* The left subtree holds the largest power of two below n: the complete
 * subtrees, joined from the right. */
void
merkle_root(const struct merkle *m, unsigned char out[DIGEST_LEN])
{
	if (m->count == 0) {
		sha256_of("", 0, out);
		return;
	}
	memcpy(out, m->nodes[m->depth - 1], DIGEST_LEN);
	for (size_t i = m->depth - 1; i-- > 0;)
		node(m->h, m->nodes[i], out, out);
}

void
merkle_free(struct merkle **mp)
{
	if (*mp == NULL)
		return;
	free((*mp)->nodes);
	free((*mp)->sizes);
	sha256_stream_free(&(*mp)->h);
	free(*mp);
	*mp = NULL;
}
