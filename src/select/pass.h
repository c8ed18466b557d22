/* pass.h -- the parts of the selection pass that its files share: the
 * parallel pass over every message (pass.c), the search of one message
 * (search.c), the scope filters (scope.c), and the result built from
 * it (select.c).  Not for other modules. */
#ifndef LISTSCRUB_PASS_H
#define LISTSCRUB_PASS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/hash.h"
#include "select/select.h"

struct mailbox;
struct msg_walker;
struct rule_scanner;

/* What a piece of the pass produces, kept in input order. */
struct pass_out {
	struct idhash *refs;
	size_t nrefs, refs_alloc;
	struct selected *hits;          /* address hits, in message order */
	size_t nhits, hits_alloc;
	struct select_problem *problems;
	size_t nproblems, problems_alloc;
	size_t binary_parts;            /* attachments not searched */
	size_t binary_messages;         /* messages that have any */
	size_t unknown_charset;         /* messages with encoded words in a
					   charset iconv does not know:
					   counted, one line per mailbox */
	size_t unknown_charset_first;   /* the first one's index */
	uint64_t unknown_charset_offset;        /* ... and offset */
};

/* What the pass learns about one mailbox, message by message. */
struct box_pass {
	size_t nmsgs;
	unsigned char *in_scope;
	char **pm_pages;                /* a pipermail volume text: the
					   page of each message, in VOL/ */
	size_t pm_npages;               /* (0: not tied) */
	char *pm_volume;
	char **pm_ids;                  /* the Message-IDs its database
					   knows of them ("<id>"), or NULL */
	struct pass_out load;           /* problems loading the mailbox */
	size_t first_chunk, nchunks;
	atomic_bool cut_reported;       /* cut short while read: said once */
};

struct chunk {
	size_t box, first, count;
	struct pass_out out;
	/* With threads (select_needs_threads), by message of the chunk:
	 * its Message-ID ({0,0}: none), and how many of out.refs are its
	 * references (in message order): freed once in the thread index. */
	struct idhash *ids;
	uint32_t *ref_count;
};

struct pass_ctx {
	struct mailbox_list *boxes;
	const struct select_settings *s;
	struct box_pass *passes;
	struct chunk *chunks;
	size_t nchunks;
	atomic_size_t next;
	/* With threads: the index, built in input order as the chunks are
	 * done, each chunk's thread data freed once it is in (not finished:
	 * the caller finishes it). */
	struct thread_index *threads;
	pthread_mutex_t threads_lock;
	unsigned char *chunk_done;
	size_t threads_next;            /* the next chunk to add */
};

/* The header fields the pass reads of every message. */
struct headers_seen {
	const char *msgid, *irt, *refs, *date, *list_id;
	size_t msgid_len, irt_len, refs_len, date_len, list_id_len;
};

/* A problem met at mailbox, message index (SIZE_MAX: the mailbox), offset
 * and part; fatal when the diagnostic is an error. */
void pass_add_problem(struct pass_out *bp, size_t mailbox, size_t index,
		      uint64_t offset, unsigned int part, enum diag_code code,
		      const char *text);

/* The raw bytes of message i, as the search sees them (CR-only line ends
 * read as LF); *owned_r: the caller frees them. */
int pass_load_message(const struct mailbox *mb, size_t i, const char **raw_r,
		      size_t *len_r, uint64_t *offset_r, bool *owned_r,
		      struct errbuf *err);

/* Does the selection build the thread index? */
bool select_needs_threads(const struct select_settings *s);

/* Load every mailbox, then run the pass over their messages in chunks, on
 * every worker. */
void pass_run(struct pass_ctx *pc);

/* One message to search (search.c). */
struct message_search {
	struct pass_out *out;           /* a hit is appended here */
	struct msg_walker *mw;
	struct rule_scanner *rules;
	const struct select_settings *s;
	size_t mailbox, index;
	uint64_t offset;                /* of the message in its file */
	const char *raw;                /* the message, From_ line included */
	size_t len, from_len;
	bool whole_text;                /* not mail: one text, no MIME */
};

void search_message(const struct message_search *ms);

/* Is a message within --since, --until and --list (scope.c)?  from_line
 * is its From_ line without "From " and the line end, or NULL. */
bool select_in_scope(const struct select_settings *s,
		     const struct headers_seen *h, const char *from_line,
		     size_t from_len);

#endif
