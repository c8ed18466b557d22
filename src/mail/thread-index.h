/* thread-index.h -- the Message-ID graph over every message given, after
 * JWZ's threading: a container per Message-ID (present or only
 * referenced), parents from References (and In-Reply-To), links that
 * would close a loop refused.  Copies of one Message-ID in several files
 * share a container and are one message for selection.
 *
 * Messages are numbered by the caller in the order added (0, 1, ...).
 * Memory: about 60 bytes per message; IDs are kept as 128-bit hashes, the
 * strings stay in the archive.  Design notes: doc/design/thread-index.txt.
 */
#ifndef LISTSCRUB_THREAD_INDEX_H
#define LISTSCRUB_THREAD_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "lib/hash.h"

#define THREAD_NONE UINT32_MAX

struct thread_index;

enum thread_mode {
	THREAD_MODE_NONE,       /* only the messages named */
	THREAD_MODE_SUBTREE,    /* and every reply below them */
	THREAD_MODE_WHOLE,      /* the whole conversation */
};

enum thread_reason {
	THREAD_REASON_SEED  = 1 << 0,   /* the message has a seed ID */
	THREAD_REASON_REPLY = 1 << 1,   /* selected through the thread */
};

/* caller owns: thread_index_free */
struct thread_index *thread_index_new(void);

/* Add the next message: its ID (NULL when it has none) and its
 * references, oldest first, with In-Reply-To last when it is not already
 * the last reference.  Returns the message number. */
uint32_t thread_index_add(struct thread_index *ti, const struct idhash *id,
			  const struct idhash *refs, size_t nrefs);

/* Build the child lists; call once after the last add. */
void thread_index_finish(struct thread_index *ti);

size_t thread_index_messages(const struct thread_index *ti);
size_t thread_index_containers(const struct thread_index *ti);

/* Mark reasons[m] (one byte per message, zeroed by the caller) for the
 * messages selected from the seed IDs.  Returns how many were marked.
 * Seeds not in the archive select nothing by themselves, but their
 * replies are still found through the references. */
size_t thread_index_select(const struct thread_index *ti,
			   const struct idhash *seeds, size_t nseeds,
			   enum thread_mode mode, unsigned char *reasons);

/* Navigation, for printing a thread.  All return THREAD_NONE at the end. */
uint32_t thread_index_find(const struct thread_index *ti, struct idhash id);
uint32_t thread_index_root(const struct thread_index *ti, uint32_t container);
uint32_t thread_index_first_child(const struct thread_index *ti, uint32_t c);
uint32_t thread_index_next_sibling(const struct thread_index *ti, uint32_t c);
uint32_t thread_index_first_message(const struct thread_index *ti, uint32_t c);
uint32_t thread_index_next_copy(const struct thread_index *ti, uint32_t msg);
struct idhash thread_index_container_id(const struct thread_index *ti,
					uint32_t c);

void thread_index_free(struct thread_index **ti);

#endif
