/* literals.c -- many short literals found in one pass over a text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "detect/literals.h"
#include "lib/xalloc.h"

struct literal {
	unsigned char *bytes;   /* folded when caseless */
	size_t n;
	bool caseless;
	uint32_t tag;
};

struct literal_set {
	struct literal *lits;
	size_t count, alloc;
	unsigned char fold[256];        /* ASCII lower case */
	/* bit (a | b << 8) is set when a literal starts with bytes a, b in
	 * any case (the key is the two bytes as they lie in memory: one load
	 * and no folding per position); a one-byte literal a sets every b */
	uint8_t pairs[65536 / 8];
	/* the same for the second and third bytes; a two-byte literal a, b
	 * sets every (b, c) */
	uint8_t next_pairs[65536 / 8];
	bool single[256];               /* a one-byte literal is this byte */
	uint32_t *by_first[256];        /* literal indexes by folded first byte */
	size_t n_by_first[256];
};

struct literal_set *
literal_set_new(void)
{
	struct literal_set *ls = xcalloc(1, sizeof *ls);

	for (int c = 0; c < 256; c++)
		ls->fold[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	return ls;
}

void
literal_set_free(struct literal_set **lsp)
{
	struct literal_set *ls = *lsp;

	if (ls == NULL)
		return;
	for (size_t i = 0; i < ls->count; i++)
		free(ls->lits[i].bytes);
	for (int c = 0; c < 256; c++)
		free(ls->by_first[c]);
	free(ls->lits);
	free(ls);
	*lsp = NULL;
}

size_t
literal_set_count(const struct literal_set *ls)
{
	return ls->count;
}

static void
set_bit(uint8_t *bitmap, unsigned key)
{
	bitmap[key >> 3] |= (uint8_t)(1u << (key & 7));
}

/* Set every pair of bytes that folds to (a, b) (an upper-case letter
 * folds to its lower case). */
static void
set_pair(uint8_t *bitmap, unsigned a, unsigned b)
{
	unsigned ra[2] = { a, a >= 'a' && a <= 'z' ? a - 32 : a };
	unsigned rb[2] = { b, b >= 'a' && b <= 'z' ? b - 32 : b };

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			set_bit(bitmap, ra[i] | rb[j] << 8);
}

static inline bool
has_pair(const uint8_t *bitmap, unsigned a, unsigned b)
{
	unsigned key = a | b << 8;

	return bitmap[key >> 3] & (1u << (key & 7));
}

static void
index_literal(struct literal_set *ls, const struct literal *lit)
{
	const unsigned char *f = ls->fold, *b = lit->bytes;

	if (lit->n == 1) {
		ls->single[f[b[0]]] = true;
		for (unsigned c = 0; c < 256; c++)
			set_pair(ls->pairs, f[b[0]], f[c]);
		return;
	}
	set_pair(ls->pairs, f[b[0]], f[b[1]]);
	if (lit->n == 2)
		for (unsigned c = 0; c < 256; c++)
			set_pair(ls->next_pairs, f[b[1]], f[c]);
	else
		set_pair(ls->next_pairs, f[b[1]], f[b[2]]);
}

void
literal_set_add(struct literal_set *ls, const char *bytes, size_t n,
		bool caseless, uint32_t tag)
{
	struct literal *lit;
	unsigned first;

	if (n == 0)
		return;
	xgrow((void **)&ls->lits, &ls->alloc, ls->count + 1, sizeof *ls->lits);
	lit = &ls->lits[ls->count];
	lit->bytes = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		lit->bytes[i] = caseless ? ls->fold[(unsigned char)bytes[i]]
					 : (unsigned char)bytes[i];
	lit->n = n;
	lit->caseless = caseless;
	lit->tag = tag;

	index_literal(ls, lit);
	first = ls->fold[lit->bytes[0]];
	ls->by_first[first] = xreallocarray(ls->by_first[first],
					    ls->n_by_first[first] + 1,
					    sizeof *ls->by_first[first]);
	ls->by_first[first][ls->n_by_first[first]++] = (uint32_t)ls->count;
	ls->count++;
}

static bool
literal_at(const struct literal_set *ls, const struct literal *lit,
	   const unsigned char *t, size_t room)
{
	if (lit->n > room)
		return false;
	if (!lit->caseless)
		return memcmp(t, lit->bytes, lit->n) == 0;
	for (size_t k = 0; k < lit->n; k++)
		if (ls->fold[t[k]] != lit->bytes[k])
			return false;
	return true;
}

static void
report_at(const struct literal_set *ls, const unsigned char *t, size_t len,
	  size_t i, literal_hit_fn fn, void *ctx)
{
	unsigned first = ls->fold[t[i]];

	for (size_t k = 0; k < ls->n_by_first[first]; k++) {
		const struct literal *lit = &ls->lits[ls->by_first[first][k]];

		if (literal_at(ls, lit, t + i, len - i))
			fn(lit->tag, i, ctx);
	}
}

void
literal_set_scan(const struct literal_set *ls, const char *text, size_t len,
		 literal_hit_fn fn, void *ctx)
{
	const unsigned char *t = (const unsigned char *)text;
	const unsigned char *fold = ls->fold;
	const uint8_t *pairs = ls->pairs;

	if (len == 0 || ls->count == 0)
		return;
	for (size_t i = 0; i + 1 < len; i++) {
		if (!has_pair(pairs, t[i], t[i + 1]))
			continue;
		/* the rare case: test the next two bytes before comparing */
		if (ls->single[fold[t[i]]] ||
		    (i + 2 < len && has_pair(ls->next_pairs, t[i + 1],
						 t[i + 2])) ||
		    i + 2 == len)
			report_at(ls, t, len, i, fn, ctx);
	}
	/* the last byte can only start a one-byte literal */
	if (ls->n_by_first[fold[t[len - 1]]])
		report_at(ls, t, len, len - 1, fn, ctx);
}
