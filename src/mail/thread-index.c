/* thread-index.c -- Message-ID containers, parents and the selection of
 * subtrees and whole threads. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hashtab.h"
#include "lib/xalloc.h"
#include "mail/thread-index.h"

/* A walk up the parents stops after this many steps; a link whose check
 * would go deeper is refused (selecting less, never more). */
#define MAX_DEPTH 1000000

struct container {
	struct idhash id;       /* {0,0} for a message without an ID */
	uint32_t parent;
	uint32_t first_msg;
	uint32_t nchildren;     /* while adding: a childless container cannot
				   close a loop, so it needs no walk */
};

struct thread_index {
	struct container *containers;
	size_t ncontainers, calloc_;
	struct hashtab *table;  /* containers with an ID, by id.a */
	uint32_t *msg_container;
	uint32_t *msg_next_copy;
	size_t nmsgs, malloc_;
	uint32_t *first_child;  /* built by thread_index_finish */
	uint32_t *next_sibling;
};

struct thread_index *
thread_index_new(void)
{
	struct thread_index *ti = xcalloc(1, sizeof *ti);

	ti->table = hashtab_new();
	return ti;
}

static bool
same_id(uint32_t c, const void *key, void *ctx)
{
	const struct thread_index *ti = ctx;

	return idhash_equal(ti->containers[c].id, *(const struct idhash *)key);
}

uint32_t
thread_index_find(const struct thread_index *ti, struct idhash id)
{
	uint32_t c = hashtab_find(ti->table, id.a, same_id, &id, (void *)ti);

	return c == HASHTAB_NONE ? THREAD_NONE : c;
}

static uint32_t
new_container(struct thread_index *ti, const struct idhash *id)
{
	uint32_t c = (uint32_t)ti->ncontainers;

	xgrow((void **)&ti->containers, &ti->calloc_, ti->ncontainers + 1,
	      sizeof *ti->containers);
	ti->containers[c].id = id ? *id : (struct idhash){ 0, 0 };
	ti->containers[c].parent = THREAD_NONE;
	ti->containers[c].first_msg = THREAD_NONE;
	ti->containers[c].nchildren = 0;
	ti->ncontainers++;
	if (id)
		hashtab_insert(ti->table, id->a, c);
	return c;
}

static uint32_t
container_for(struct thread_index *ti, const struct idhash *id)
{
	uint32_t c = thread_index_find(ti, *id);

	return c != THREAD_NONE ? c : new_container(ti, id);
}

/* Would making parent the parent of child close a loop? */
static bool
is_ancestor_or_self(const struct thread_index *ti, uint32_t child,
		    uint32_t parent)
{
	size_t steps = 0;

	for (uint32_t c = parent; c != THREAD_NONE && steps < MAX_DEPTH;
	     c = ti->containers[c].parent, steps++)
		if (c == child)
			return true;
	return steps >= MAX_DEPTH;
}

static void
link_parent(struct thread_index *ti, uint32_t parent, uint32_t child,
	    bool override)
{
	struct container *c = &ti->containers[child];

	if (parent == child || c->parent == parent)
		return;
	if (c->parent != THREAD_NONE && !override)
		return;
	if (c->nchildren > 0 && is_ancestor_or_self(ti, child, parent))
		return;
	if (c->parent != THREAD_NONE)
		ti->containers[c->parent].nchildren--;
	c->parent = parent;
	ti->containers[parent].nchildren++;
}

uint32_t
thread_index_add(struct thread_index *ti, const struct idhash *id,
		 const struct idhash *refs, size_t nrefs)
{
	uint32_t m = (uint32_t)ti->nmsgs, c, prev = THREAD_NONE;

	if (ti->nmsgs + 1 > ti->malloc_) {
		xgrow((void **)&ti->msg_container, &ti->malloc_, ti->nmsgs + 1,
		      sizeof *ti->msg_container);
		ti->msg_next_copy = xreallocarray(ti->msg_next_copy, ti->malloc_,
						  sizeof *ti->msg_next_copy);
	}
	c = id ? container_for(ti, id) : new_container(ti, NULL);
	/* Copies of one ID: append to the container's list of messages. */
	ti->msg_next_copy[m] = THREAD_NONE;
	if (ti->containers[c].first_msg == THREAD_NONE)
		ti->containers[c].first_msg = m;
	else {
		uint32_t last = ti->containers[c].first_msg;

		while (ti->msg_next_copy[last] != THREAD_NONE)
			last = ti->msg_next_copy[last];
		ti->msg_next_copy[last] = m;
	}
	ti->msg_container[m] = c;
	ti->nmsgs++;
	for (size_t i = 0; i < nrefs; i++) {
		uint32_t r = container_for(ti, &refs[i]);

		if (prev != THREAD_NONE)
			link_parent(ti, prev, r, false);
		prev = r;
	}
	/* The message's own references say who its parent is. */
	if (prev != THREAD_NONE)
		link_parent(ti, prev, c, true);
	return m;
}

void
thread_index_finish(struct thread_index *ti)
{
	size_t n = ti->ncontainers;

	free(ti->first_child);
	free(ti->next_sibling);
	ti->first_child = xmalloc((n ? n : 1) * sizeof *ti->first_child);
	ti->next_sibling = xmalloc((n ? n : 1) * sizeof *ti->next_sibling);
	for (size_t c = 0; c < n; c++)
		ti->first_child[c] = ti->next_sibling[c] = THREAD_NONE;
	/* Backwards, so that children end up in the order they were added. */
	for (size_t c = n; c-- > 0;) {
		uint32_t p = ti->containers[c].parent;

		if (p == THREAD_NONE)
			continue;
		ti->next_sibling[c] = ti->first_child[p];
		ti->first_child[p] = (uint32_t)c;
	}
}

size_t
thread_index_messages(const struct thread_index *ti)
{
	return ti->nmsgs;
}

size_t
thread_index_containers(const struct thread_index *ti)
{
	return ti->ncontainers;
}

uint32_t
thread_index_root(const struct thread_index *ti, uint32_t c)
{
	size_t steps = 0;

	while (ti->containers[c].parent != THREAD_NONE && steps++ < MAX_DEPTH)
		c = ti->containers[c].parent;
	return c;
}

static size_t
mark_container(const struct thread_index *ti, uint32_t c, unsigned char why,
	       unsigned char *reasons)
{
	size_t n = 0;

	for (uint32_t m = ti->containers[c].first_msg; m != THREAD_NONE;
	     m = ti->msg_next_copy[m]) {
		if (reasons[m] == 0)
			n++;
		reasons[m] |= why;
	}
	return n;
}

/* Mark c's descendants (not c) with an explicit stack: threads can be
 * deeper than the C stack allows. */
static size_t
mark_below(const struct thread_index *ti, uint32_t top, unsigned char *seen,
	   unsigned char *reasons)
{
	uint32_t *stack = NULL;
	size_t depth = 0, alloc = 0, n = 0;

	for (uint32_t k = ti->first_child[top]; k != THREAD_NONE;
	     k = ti->next_sibling[k]) {
		xgrow((void **)&stack, &alloc, depth + 1, sizeof *stack);
		stack[depth++] = k;
	}
	while (depth > 0) {
		uint32_t c = stack[--depth];

		if (seen[c])
			continue;
		seen[c] = 1;
		n += mark_container(ti, c, THREAD_REASON_REPLY, reasons);
		for (uint32_t k = ti->first_child[c]; k != THREAD_NONE;
		     k = ti->next_sibling[k]) {
			xgrow((void **)&stack, &alloc, depth + 1, sizeof *stack);
			stack[depth++] = k;
		}
	}
	free(stack);
	return n;
}

size_t
thread_index_select(const struct thread_index *ti, const struct idhash *seeds,
		    size_t nseeds, enum thread_mode mode, unsigned char *reasons)
{
	unsigned char *seen = xcalloc(ti->ncontainers + 1, 1);
	size_t n = 0;

	for (size_t i = 0; i < nseeds; i++) {
		uint32_t c = thread_index_find(ti, seeds[i]);

		if (c == THREAD_NONE)
			continue;
		n += mark_container(ti, c, THREAD_REASON_SEED, reasons);
		if (mode == THREAD_MODE_NONE)
			continue;
		if (mode == THREAD_MODE_WHOLE) {
			uint32_t root = thread_index_root(ti, c);

			if (!seen[root]) {
				seen[root] = 1;
				n += mark_container(ti, root, THREAD_REASON_REPLY,
						    reasons);
			}
			c = root;
		}
		n += mark_below(ti, c, seen, reasons);
	}
	free(seen);
	return n;
}

uint32_t
thread_index_first_child(const struct thread_index *ti, uint32_t c)
{
	return ti->first_child[c];
}

uint32_t
thread_index_next_sibling(const struct thread_index *ti, uint32_t c)
{
	return ti->next_sibling[c];
}

uint32_t
thread_index_first_message(const struct thread_index *ti, uint32_t c)
{
	return ti->containers[c].first_msg;
}

uint32_t
thread_index_next_copy(const struct thread_index *ti, uint32_t msg)
{
	return ti->msg_next_copy[msg];
}

struct idhash
thread_index_container_id(const struct thread_index *ti, uint32_t c)
{
	return ti->containers[c].id;
}

void
thread_index_free(struct thread_index **tip)
{
	struct thread_index *ti = *tip;

	if (ti == NULL)
		return;
	free(ti->containers);
	hashtab_free(&ti->table);
	free(ti->msg_container);
	free(ti->msg_next_copy);
	free(ti->first_child);
	free(ti->next_sibling);
	free(ti);
	*tip = NULL;
}
