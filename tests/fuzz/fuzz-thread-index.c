/* fuzz-thread-index.c -- the Message-ID graph (mail/thread-index.h).  The
 * input is a list of messages: a byte for the ID (0: none; IDs are drawn
 * from 32 so that they repeat), a byte for how many references, those
 * references; then after a 0xff byte the seed IDs.  Invariants: every
 * message is in the container of its ID and found there once; walks
 * over roots, children, siblings and copies end; a selection marks what
 * it counts, every message of a seed ID, and grows with the mode
 * (none within subtree within whole). */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "mail/thread-index.h"

#define MAX_REFS 8

static struct idhash
id_of(uint8_t b)
{
	char s[16];
	int n = snprintf(s, sizeof s, "id%u@fuzz", b % 32u);

	return idhash_of(s, (size_t)n);
}

static size_t
select_mode(const struct thread_index *ti, const struct idhash *seeds,
	    size_t n, enum thread_mode mode, unsigned char *reasons,
	    size_t messages)
{
	size_t marked = thread_index_select(ti, seeds, n, mode, reasons);
	size_t count = 0;

	for (size_t m = 0; m < messages; m++)
		count += reasons[m] != 0;
	FUZZ_CHECK(count == marked);
	return marked;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thread_index *ti = thread_index_new();
	struct idhash *ids = calloc(size + 1, sizeof *ids);
	struct idhash *seeds = calloc(size + 1, sizeof *seeds);
	size_t pos = 0, messages = 0, nseeds = 0;
	unsigned char *r[3];

	FUZZ_CHECK(ids && seeds);
	while (pos < size && data[pos] != 0xff) {
		struct idhash refs[MAX_REFS];
		size_t nrefs = pos + 1 < size ? data[pos + 1] % (MAX_REFS + 1) : 0;
		bool has_id = data[pos] != 0;
		uint32_t m;

		ids[messages] = has_id ? id_of(data[pos]) : (struct idhash){ 0 };
		pos += 2;
		for (size_t i = 0; i < nrefs; i++)
			refs[i] = id_of(pos < size ? data[pos++] : 0);
		m = thread_index_add(ti, has_id ? &ids[messages] : NULL, refs,
				     nrefs);
		FUZZ_CHECK(m == messages);
		messages++;
	}
	for (pos++; pos < size; pos++)
		seeds[nseeds++] = id_of(data[pos]);
	thread_index_finish(ti);
	FUZZ_CHECK(thread_index_messages(ti) == messages);

	/* each message is a copy in the container of its ID */
	for (size_t m = 0; m < messages; m++) {
		uint32_t c, copy;
		size_t steps = 0;
		bool found = false;

		if (ids[m].a == 0 && ids[m].b == 0)
			continue;
		c = thread_index_find(ti, ids[m]);
		FUZZ_CHECK(c != THREAD_NONE);
		FUZZ_CHECK(c < thread_index_containers(ti));
		FUZZ_CHECK(idhash_equal(thread_index_container_id(ti, c), ids[m]));
		for (copy = thread_index_first_message(ti, c);
		     copy != THREAD_NONE; copy = thread_index_next_copy(ti, copy)) {
			FUZZ_CHECK(++steps <= messages);
			FUZZ_CHECK(copy < messages);
			FUZZ_CHECK(idhash_equal(ids[copy], ids[m]));
			found = found || copy == m;
		}
		FUZZ_CHECK(found);
	}
	/* the tree below each root ends: no loops */
	for (uint32_t c = 0; c < thread_index_containers(ti); c++) {
		uint32_t root = thread_index_root(ti, c), stack[64], at;
		size_t depth = 0, seen = 0;

		FUZZ_CHECK(root < thread_index_containers(ti));
		at = thread_index_first_child(ti, root);
		while (at != THREAD_NONE || depth > 0) {
			if (at == THREAD_NONE) {
				at = thread_index_next_sibling(ti, stack[--depth]);
				continue;
			}
			FUZZ_CHECK(++seen <= thread_index_containers(ti));
			FUZZ_CHECK(thread_index_root(ti, at) == root);
			if (depth < 64 &&
			    thread_index_first_child(ti, at) != THREAD_NONE) {
				stack[depth++] = at;
				at = thread_index_first_child(ti, at);
			} else
				at = thread_index_next_sibling(ti, at);
		}
	}
	/* selections: counts, seeds, and none <= subtree <= whole */
	for (int i = 0; i < 3; i++) {
		r[i] = calloc(messages + 1, 1);
		FUZZ_CHECK(r[i] != NULL);
		select_mode(ti, seeds, nseeds, (enum thread_mode)i, r[i], messages);
	}
	for (size_t m = 0; m < messages; m++) {
		bool seeded = false;

		for (size_t s = 0; s < nseeds && !seeded; s++)
			seeded = (ids[m].a || ids[m].b) &&
				 idhash_equal(ids[m], seeds[s]);
		for (int i = 0; i < 3; i++)
			FUZZ_CHECK(!seeded || (r[i][m] & THREAD_REASON_SEED));
		FUZZ_CHECK(!r[0][m] || r[1][m]);
		FUZZ_CHECK(!r[1][m] || r[2][m]);
	}
	for (int i = 0; i < 3; i++)
		free(r[i]);
	thread_index_free(&ti);
	free(ids);
	free(seeds);
	return 0;
}
