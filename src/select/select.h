/* select.h -- which messages an incident concerns, and why.
 *
 * One pass over every mailbox (in parallel, one mailbox per worker) reads
 * each message's Message-ID family, date and list, and searches its
 * headers and decoded text parts for leaked addresses; then the thread
 * index over all mailboxes adds the threads of the seed Message-IDs.
 * The result lists the selected messages in input order with the reasons
 * and the exact places of every match.  It is what scan prints, purge
 * applies and the manifest (later) records.
 */
#ifndef LISTSCRUB_SELECT_H
#define LISTSCRUB_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"
#include "lib/errbuf.h"
#include "mail/msg.h"
#include "mail/thread-index.h"

struct addrset;
struct mailbox_list;
struct ruleset;

enum select_reason {
	SELECT_MESSAGE_ID = 1 << 0,
	SELECT_THREAD     = 1 << 1,
	SELECT_ADDRESS    = 1 << 2,
	SELECT_RULE       = 1 << 3,         /* a personal-data rule */
	SELECT_MASS_RECIPIENTS = 1 << 4,    /* --detect mass-recipients */
	SELECT_ADDRESS_LIST = 1 << 5,       /* --detect address-lists */
};
#define SELECT_REASONS 6

/* What a match is: which set its "which" indexes. */
enum match_kind {
	MATCH_ADDRESS,          /* which: the leaked address (addrset) */
	MATCH_RULE,             /* which: the rule (ruleset) */
	MATCH_MASS_RECIPIENT,   /* one recipient of a mass mailing */
	MATCH_ADDRESS_LIST,     /* a run of addresses in a body */
};

/* Work a caller does on each message in the selection's pass, so that
 * the message is read once: loaded runs once every mailbox is loaded,
 * before any message is read; message runs on the workers, in no order,
 * for every message of every loaded mailbox, with its bytes as its file
 * holds them (raw NULL and error saying why when it could not be read).
 * Pages of a message may leave memory once message returns. */
struct select_hook {
	void (*loaded)(void *ctx, const struct mailbox_list *boxes);
	void (*message)(void *ctx, size_t mailbox, size_t index,
			const char *raw, size_t len, uint64_t offset,
			const char *error);
	void *ctx;
};

struct select_settings {
	const struct addrset *addresses;        /* NULL: no address search */
	const struct ruleset *rules;            /* NULL: no rules */
	unsigned int mass_recipients;           /* threshold; 0: off */
	unsigned int address_lists;             /* threshold; 0: off */
	bool keep_text;                         /* copy matched text */
	char *const *message_ids;               /* normalised, no <> */
	size_t n_message_ids;
	enum thread_mode thread;
	bool since_set, until_set;
	int64_t since, until;                   /* [since, until) UTC */
	const char *list;                       /* List-Id name, or NULL */
	unsigned int jobs;                      /* 0 = one per core */
	bool keep_threads;                      /* keep the index in the result */
	const struct select_hook *hook;         /* NULL: none */
};

struct select_match {
	uint32_t part;          /* 0 = message header */
	uint32_t which;         /* see enum match_kind */
	uint16_t flags;         /* enum part_flags of the part */
	uint8_t kind;           /* enum match_kind */
	bool context;           /* a rule's context word was near */
	uint64_t start, end;    /* in raw message, or in the decoded part */
	char *text;             /* with keep_text: the matched bytes */
};

struct selected {
	size_t mailbox;         /* index into the mailbox list */
	size_t index;           /* message number in that mailbox */
	uint64_t offset;        /* byte offset of the message in its file */
	uint64_t length;
	unsigned int reasons;   /* enum select_reason */
	bool not_mail;          /* in a file that is not mail (searched as
				   text): never changed */
	size_t binary_parts;    /* attachments that were not searched */
	char *message_id;       /* without <>; NULL when it has none */
	char *page;             /* a pipermail volume text's message: its
				   page, "VOL/NNNNNN.html"; else NULL */
	unsigned long finishes; /* a change that run (its seq) planned and
				   did not make, as it stopped half-way,
				   which this run makes; 0: none */
	bool finishes_redact;   /* that change is a redaction (else a
				   deletion) */
	struct select_match *matches;
	size_t n_matches;
};

/* A message that could not be searched completely, or a mailbox that
 * could not be read at all (index == SIZE_MAX). */
struct select_problem {
	size_t mailbox;
	size_t index;
	uint64_t offset;        /* of the message, or in the part */
	unsigned int part;
	enum diag_code code;    /* what it is (lib/diag.h) */
	char text[ERRBUF_SIZE]; /* in detail */
	bool fatal;             /* the mailbox could not be split or read */
};

struct selection {
	struct selected *items;         /* caller owns: selection_release */
	size_t count;
	struct select_problem *problems;
	size_t n_problems;
	size_t messages;                /* messages read in all */
	size_t out_of_scope;            /* outside --since/--until/--list */
	size_t binary_parts;            /* attachments that were not searched
					   (images, archives, PDF) */
	size_t binary_messages;         /* messages that have any */
	size_t *ids_not_found;          /* seed Message-IDs (indexes into the
					   settings') no message has */
	size_t n_ids_not_found;
	/* With keep_threads: the index, and the number of the first message
	 * of each mailbox in it (message m of the index is message
	 * m - box_first[b] of mailbox b). */
	struct thread_index *threads;
	size_t *box_first;
};

struct rule_scanner;

/* What select_search_text found (which: see enum match_kind). */
typedef void (*select_found_fn)(void *ctx, enum match_kind kind,
				uint32_t which, size_t start, size_t end,
				bool context);

/* Search one part's text (flags: enum part_flags) as a selection does,
 * for selection and for redaction alike: the leaked addresses, the rules
 * (rules may be NULL), and in a header block as written the recipients of
 * a mass mailing, in a body the runs of addresses.  Hits in Message-ID
 * fields of a header block are never reported.  Returns 0, or -1 when
 * the rules could not finish (rule_scanner_error says why): the text is
 * then not known to be clean, and the caller fails closed. */
int select_search_text(const struct select_settings *s,
		       struct rule_scanner *rules, const char *text,
		       size_t len, unsigned int flags, select_found_fn fn,
		       void *ctx);

/* The searches a settings asks for: does any message need a walk? */
bool select_searches(const struct select_settings *s);

/* Free the matches of an item. */
void select_matches_free(struct select_match *m, size_t n);

/* Load every mailbox in boxes and select.  Mailboxes stay loaded (the
 * caller prints from them and purge rewrites them).  Returns 0 (problems
 * are in sel), or -1 with err filled for failures of the run itself. */
int select_run(struct mailbox_list *boxes, const struct select_settings *s,
	       struct selection *sel, struct errbuf *err);

bool selection_has_fatal(const struct selection *sel);

/* With keep_threads: which mailbox and message is index message m. */
void selection_locate(const struct selection *sel, size_t nboxes, uint32_t m,
		      size_t *mailbox_r, size_t *index_r);

/* The item of message index of mailbox, added in input order (no
 * reasons, no matches) when sel does not hold it yet.  Items move: a
 * pointer into sel->items taken before is stale. */
struct selected *selection_add(struct selection *sel,
			       const struct mailbox_list *boxes,
			       size_t mailbox, size_t index);

void selection_release(struct selection *sel);


#endif
