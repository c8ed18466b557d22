/* hashtab.c -- open addressing, linear probing, load at most 1/2. */
#include "config.h"

#include <stdlib.h>

#include "lib/hashtab.h"
#include "lib/xalloc.h"

#define INITIAL_SLOTS 64

/* 32 bits of the hash place an item and tell most others apart (the
 * caller's same() decides): 8 bytes a slot, not 16, for the millions of
 * Message-IDs of a large archive. */
struct slot {
	uint32_t hash;
	uint32_t item;          /* HASHTAB_NONE: empty */
};

struct hashtab {
	struct slot *slots;
	size_t size;            /* a power of two, or 0 */
	size_t count;
};

struct hashtab *
hashtab_new(void)
{
	return xcalloc(1, sizeof(struct hashtab));
}

void
hashtab_free(struct hashtab **tp)
{
	struct hashtab *t = *tp;

	if (t == NULL)
		return;
	free(t->slots);
	free(t);
	*tp = NULL;
}

static void
put(struct slot *slots, size_t size, uint32_t h, uint32_t item)
{
	size_t mask = size - 1, i = h & mask;

	while (slots[i].item != HASHTAB_NONE)
		i = (i + 1) & mask;
	slots[i].hash = h;
	slots[i].item = item;
}

static void
grow(struct hashtab *t)
{
	size_t size = t->size ? t->size * 2 : INITIAL_SLOTS;
	struct slot *slots = xreallocarray(NULL, size, sizeof *slots);

	for (size_t i = 0; i < size; i++)
		slots[i].item = HASHTAB_NONE;
	for (size_t i = 0; i < t->size; i++)
		if (t->slots[i].item != HASHTAB_NONE)
			put(slots, size, t->slots[i].hash, t->slots[i].item);
	free(t->slots);
	t->slots = slots;
	t->size = size;
}

void
hashtab_insert(struct hashtab *t, uint64_t h, uint32_t item)
{
	if ((t->count + 1) * 2 > t->size)
		grow(t);
	put(t->slots, t->size, (uint32_t)h, item);
	t->count++;
}

uint32_t
hashtab_find(const struct hashtab *t, uint64_t h, hashtab_same_fn same,
	     const void *key, void *ctx)
{
	size_t mask = t->size - 1;
	uint32_t h32 = (uint32_t)h;

	if (t->size == 0)
		return HASHTAB_NONE;
	for (size_t i = h32 & mask;; i = (i + 1) & mask) {
		const struct slot *s = &t->slots[i];

		if (s->item == HASHTAB_NONE)
			return HASHTAB_NONE;
		if (s->hash == h32 && same(s->item, key, ctx))
			return s->item;
	}
}

size_t
hashtab_count(const struct hashtab *t)
{
	return t->count;
}
