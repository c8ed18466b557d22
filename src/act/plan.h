/* plan.h -- what a purge does with each selected message, decided before
 * anything is written: delete it, redact it, only flag it for review, or
 * leave it for a later staged run (--limit); and, mailbox by mailbox,
 * the changes that carry it out (the new bytes of redacted messages).
 *
 * purge prints the plan and applies it (apply.h); sweep and the
 * pipermail writer take their decisions from here too, so that one
 * selection always means the same change.
 */
#ifndef LISTSCRUB_PLAN_H
#define LISTSCRUB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "mail/change.h"

struct errbuf;
struct spool;
struct mailbox;
struct mailbox_list;
struct plan;
struct select_settings;
struct selected;
struct selection;

/* What becomes of a selected message unless --action says otherwise:
 * whole messages go for Message-ID and thread selections; the matched
 * spans are redacted for address, rule and mass selections; a message
 * whose every match is of a rule with action "flag" is only listed,
 * never changed, whatever --action says; and what was found in a file
 * that is not mail is listed and kept as it is (listscrub never changes
 * a file it does not understand). */
enum item_action { ITEM_DELETE, ITEM_REDACT, ITEM_FLAG, ITEM_KEEP };

/* "delete", "redact", "flag" or "keep". */
const char *item_action_name(enum item_action action);

enum item_action default_action(const struct select_settings *s,
				const struct selected *item);

enum plan_action { PLAN_ACTION_AUTO = -1, PLAN_ACTION_DELETE = 0,
		   PLAN_ACTION_REDACT = 1 };

struct plan_settings {
	const struct select_settings *select;   /* what selected */
	enum plan_action action;                /* --action */
	const char *marker;                     /* what a span becomes */
	unsigned long limit;                    /* 0: no --limit */
};

enum plan_state {
	PLAN_PLANNED,           /* within this run */
	PLAN_DEFERRED,          /* beyond --limit: a later run's */
	PLAN_FLAGGED,           /* for review, never changed (flag, keep) */
};

/* What became of a planned item (set by the plan's changes and by
 * apply): the one truth that printing, the exit status and the manifest
 * take from. */
enum plan_outcome {
	OUTCOME_PENDING,        /* not carried out (a plan, or not reached) */
	OUTCOME_CHANGED,        /* deleted or redacted (with --apply), or a
				   change made and checked (a plan) */
	OUTCOME_NOTHING_FOUND,  /* to redact, but the search found no span */
	OUTCOME_NOT_MADE,       /* the run stopped before it was made */
};

struct plan_item {
	const struct selected *sel;     /* borrowed from the selection */
	enum item_action action;
	enum plan_state state;
	enum plan_outcome outcome;
};

/* The items of one mailbox, in message order. */
struct plan_box {
	size_t mailbox;                 /* index into the mailbox list */
	struct plan_item *items;
	size_t count;
};

/* Decide every selected message; the selection and settings are
 * borrowed for the life of the plan.  caller owns: plan_free. */
struct plan *plan_new(const struct plan_settings *ps,
		      const struct selection *sel);

void plan_free(struct plan **p);

/* The settings it was made with (borrowed). */
const struct plan_settings *plan_settings_of(const struct plan *p);

/* The mailboxes with items to change (planned or deferred), in input
 * order; flagged items are kept apart (plan_flagged). */
size_t plan_box_count(const struct plan *p);
const struct plan_box *plan_box(const struct plan *p, size_t i);

/* The items that are only listed (flag, keep), in input order. */
const struct plan_item *plan_flagged(const struct plan *p, size_t *n_r);

/* The changes that carry out a mailbox's planned items. */
struct box_changes {
	struct selected *picked;        /* the selection item of each */
	size_t *item;                   /* its index in the plan box */
	struct message_change *changes; /* redacted: new bytes; deleted: none */
	struct spool *spool;            /* where the new bytes are, or NULL */
	size_t count;
	size_t binary_parts;            /* attachments of redacted messages
					   that could not be checked */
};

/* For each planned item to redact its new bytes (From_ line included),
 * for each to delete none; a planned redaction that finds nothing to
 * take out is left out (its outcome: nothing found).  With spool, new
 * bytes go to a spool beside the mailbox (act/spool.h), not memory.  bc is caller-owned (plan_changes_release) and
 * filled either way.  -1 with err naming the message when one cannot be
 * redacted safely. */
int plan_changes(struct plan *p, struct mailbox *mb, size_t box, bool spool,
		 struct box_changes *bc, struct errbuf *err);

/* Set what became of item k of box i. */
void plan_set_outcome(struct plan *p, size_t box, size_t k,
		      enum plan_outcome outcome);

/* How many planned items have this outcome. */
size_t plan_count(const struct plan *p, enum item_action action,
		  enum plan_outcome outcome);

void plan_changes_release(struct box_changes *bc);

#endif
