/* plan.c -- the purge decisions, and the changes that carry them out. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "act/plan.h"
#include "act/redact.h"
#include "act/spool.h"
#include "audit/digest.h"
#include "detect/rules.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/mailbox.h"
#include "select/select.h"

/* The mapping is let go behind the messages redacted in steps of this. */
#define RELEASE_BYTES (8u << 20)

struct plan {
	struct plan_settings s;
	struct plan_box *boxes;
	size_t nboxes;
	struct plan_item *flagged;
	size_t nflagged;
};

const struct plan_settings *
plan_settings_of(const struct plan *p)
{
	return &p->s;
}

const char *
item_action_name(enum item_action action)
{
	return action == ITEM_DELETE ? "delete"
		: action == ITEM_REDACT ? "redact"
		: action == ITEM_FLAG ? "flag" : "keep";
}

enum item_action
default_action(const struct select_settings *s, const struct selected *item)
{
	/* SPEC §2: whole messages for Message-ID and thread selections,
	 * redaction of the matched spans for address and rule selections;
	 * a message whose every match is of a "flag" rule is only shown. */
	if (item->not_mail)
		return ITEM_KEEP;
	if (item->reasons & (SELECT_MESSAGE_ID | SELECT_THREAD))
		return ITEM_DELETE;
	for (size_t k = 0; k < item->n_matches; k++) {
		const struct select_match *m = &item->matches[k];

		if (m->kind != MATCH_RULE ||
		    ruleset_rule(s->rules, m->which)->action == RULE_REDACT)
			return ITEM_REDACT;
	}
	return ITEM_FLAG;
}

/* --action, or the default; flag-only messages never change. */
static enum item_action
decide(const struct plan_settings *ps, const struct selected *item)
{
	enum item_action d = default_action(ps->select, item);

	/* what a run that stopped half-way left: as that run planned it */
	if (item->finishes)
		return item->finishes_redact ? ITEM_REDACT : ITEM_DELETE;
	if (d == ITEM_FLAG || d == ITEM_KEEP || ps->action == PLAN_ACTION_AUTO)
		return d;
	return ps->action == PLAN_ACTION_REDACT ? ITEM_REDACT : ITEM_DELETE;
}

static struct plan_box *
box_for(struct plan *p, size_t *alloc, size_t mailbox)
{
	struct plan_box *b;

	if (p->nboxes > 0 && p->boxes[p->nboxes - 1].mailbox == mailbox)
		return &p->boxes[p->nboxes - 1];
	xgrow((void **)&p->boxes, alloc, p->nboxes + 1, sizeof *p->boxes);
	b = &p->boxes[p->nboxes++];
	memset(b, 0, sizeof *b);
	b->mailbox = mailbox;
	return b;
}

struct plan *
plan_new(const struct plan_settings *ps, const struct selection *sel)
{
	struct plan *p = xcalloc(1, sizeof *p);
	size_t alloc = 0, changing = 0;

	p->s = *ps;
	p->flagged = xcalloc(sel->count + 1, sizeof *p->flagged);
	for (size_t k = 0; k < sel->count; k++) {
		const struct selected *item = &sel->items[k];
		struct plan_item pi = { .sel = item, .action = decide(ps, item) };
		struct plan_box *b;

		if (pi.action == ITEM_FLAG || pi.action == ITEM_KEEP) {
			pi.state = PLAN_FLAGGED;
			p->flagged[p->nflagged++] = pi;
			continue;
		}
		/* --limit: the first N messages to change, in input order */
		pi.state = ps->limit == 0 || changing < ps->limit
			? PLAN_PLANNED : PLAN_DEFERRED;
		changing++;
		b = box_for(p, &alloc, item->mailbox);
		b->items = xreallocarray(b->items, b->count + 1, sizeof *b->items);
		b->items[b->count++] = pi;
	}
	return p;
}

void
plan_free(struct plan **pp)
{
	struct plan *p = *pp;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nboxes; i++)
		free(p->boxes[i].items);
	free(p->boxes);
	free(p->flagged);
	free(p);
	*pp = NULL;
}

size_t
plan_box_count(const struct plan *p)
{
	return p->nboxes;
}

const struct plan_box *
plan_box(const struct plan *p, size_t i)
{
	return &p->boxes[i];
}

const struct plan_item *
plan_flagged(const struct plan *p, size_t *n_r)
{
	*n_r = p->nflagged;
	return p->flagged;
}

/* ---- what redaction takes out ------------------------------------------------ */

struct finder {
	const struct select_settings *s;
	struct rule_scanner *rules;
	redact_add_fn add;
	void *add_ctx;
	bool failed;            /* a rule could not finish: refuse */
};

static void
found_span(void *ctx, enum match_kind kind, uint32_t which, size_t start,
	   size_t end, bool context)
{
	struct finder *f = ctx;

	(void)context;
	/* "flag" rules are shown for review, never redacted */
	if (kind != MATCH_RULE ||
	    ruleset_rule(f->s->rules, which)->action == RULE_REDACT)
		f->add(f->add_ctx, start, end);
}

/* The same search that selected the message, on one part. */
static void
find_for_redaction(void *ctx, const char *text, size_t len, unsigned int flags,
		   redact_add_fn add, void *add_ctx)
{
	struct finder *f = ctx;

	f->add = add;
	f->add_ctx = add_ctx;
	if (select_search_text(f->s, f->rules, text, len, flags, found_span,
			       f) < 0)
		f->failed = true;
}

/* The new bytes of a message to redact: its From_ line (the envelope
 * sender redacted when it is leaked), then the redacted message, into
 * the spool (in memory without one).  ch stays as it is when there is
 * nothing to take out. */
static int
redact_item(const struct plan *p, struct finder *f, const struct mailbox *mb,
	    const struct selected *item, struct spool *spool,
	    struct message_change *ch, size_t *binary_r, struct errbuf *err)
{
	struct redact_result res = { 0 }, env = { 0 };
	const char *raw;
	size_t len, from_len;
	uint64_t off;
	bool owned;
	int rc;

	if (mailbox_message(mb, item->index, &raw, &len, &off, &owned, err) < 0)
		return -1;
	from_len = msg_from_line_len(raw, len);
	rc = redact_from_line(find_for_redaction, f, raw, from_len, &env, err);
	if (rc == 0)
		rc = redact_message(find_for_redaction, f, p->s.marker,
				    raw + from_len, len - from_len, &res, err);
	if (rc == 0 && f->failed) {
		char why[ERRBUF_SIZE];

		rule_scanner_error(f->rules, why, sizeof why);
		rc = errbuf_set(err, "%s", why);
	}
	if (rc == 0 && res.spans + env.spans > 0) {
		const char *from = env.data ? env.data : raw;
		size_t new_from = env.data ? env.len : from_len;
		const char *rest = res.spans ? res.data : raw + from_len;
		size_t rest_len = res.spans ? res.len : len - from_len;

		if (spool)
			rc = spool_put(spool, ch, from, new_from, rest, rest_len,
				       err);
		else {
			char *data = xmalloc(new_from + rest_len + 1);

			memcpy(data, from, new_from);
			memcpy(data + new_from, rest, rest_len);
			ch->redacted = true;
			ch->data = data;
			ch->len = new_from + rest_len;
			sha256_of(data, ch->len, ch->sha256);
		}
		ch->spans = res.spans + env.spans;
		*binary_r += res.binary_parts;
	}
	free(res.data);
	free(env.data);
	if (owned)
		free((char *)raw);
	return rc;
}

int
plan_changes(struct plan *p, struct mailbox *mb, size_t bi, bool spool,
	     struct box_changes *bc, struct errbuf *err)
{
	const struct select_settings *s = p->s.select;
	struct plan_box *box = &p->boxes[bi];
	struct finder f = { .s = s };
	size_t released = 0;
	int rc = 0;

	memset(bc, 0, sizeof *bc);
	bc->picked = xcalloc(box->count + 1, sizeof *bc->picked);
	bc->item = xcalloc(box->count + 1, sizeof *bc->item);
	bc->changes = xcalloc(box->count + 1, sizeof *bc->changes);
	f.rules = s->rules ? rule_scanner_new(s->rules) : NULL;
	for (size_t k = 0; k < box->count && rc == 0; k++) {
		struct plan_item *pi = &box->items[k];
		struct message_change ch = { 0 };

		if (pi->state != PLAN_PLANNED)
			continue;
		/* the mapping's pages behind are let go: memory holds the
		 * message at hand, not the mailbox */
		if (pi->sel->offset > released + RELEASE_BYTES) {
			mailbox_release_pages(mb, released,
					      (size_t)pi->sel->offset);
			released = (size_t)pi->sel->offset;
		}
		if (pi->action == ITEM_REDACT && spool && bc->spool == NULL)
			rc = spool_open(&bc->spool, mailbox_path(mb), err);
		if (rc < 0)
			break;
		if (pi->action == ITEM_REDACT) {
			rc = redact_item(p, &f, mb, pi->sel, bc->spool, &ch,
					 &bc->binary_parts, err);
			if (rc < 0) {
				char msg[ERRBUF_SIZE], *path =
					mailbox_file_of(mb, pi->sel->index);

				memcpy(msg, err->msg, sizeof msg);
				errbuf_format(err, "%s:#%zu (offset %llu): cannot "
					      "redact: %s", path, pi->sel->index,
					      (unsigned long long)pi->sel->offset,
					      msg);
				free(path);
				break;
			}
			if (!ch.redacted && pi->sel->n_matches > 0) {
				/* the search saw it, redaction cannot reach it */
				char *path = mailbox_file_of(mb, pi->sel->index);

				rc = errbuf_set(err, "%s:#%zu (offset %llu): cannot "
						"redact: the selection found %zu "
						"matches in a form redaction cannot "
						"rewrite; delete this message "
						"instead (--action delete)", path,
						pi->sel->index,
						(unsigned long long)pi->sel->offset,
						pi->sel->n_matches);
				free(path);
				break;
			}
			if (!ch.redacted) {   /* selected without a match */
				box->items[k].outcome = OUTCOME_NOTHING_FOUND;
				continue;
			}
		}
		bc->picked[bc->count] = *pi->sel;
		bc->item[bc->count] = k;
		bc->changes[bc->count++] = ch;
	}
	rule_scanner_free(&f.rules);
	mailbox_release_pages(mb, released, SIZE_MAX);
	if (rc == 0 && bc->spool)
		rc = spool_flush(bc->spool, err);
	return rc;
}

void
plan_changes_release(struct box_changes *bc)
{
	for (size_t k = 0; k < bc->count; k++)
		free((char *)bc->changes[k].data);
	free(bc->changes);
	free(bc->picked);
	free(bc->item);
	spool_close(&bc->spool);
	memset(bc, 0, sizeof *bc);
}

void
plan_set_outcome(struct plan *p, size_t box, size_t k,
		 enum plan_outcome outcome)
{
	p->boxes[box].items[k].outcome = outcome;
}

size_t
plan_count(const struct plan *p, enum item_action action,
	   enum plan_outcome outcome)
{
	size_t n = 0;

	for (size_t b = 0; b < p->nboxes; b++)
		for (size_t k = 0; k < p->boxes[b].count; k++)
			n += p->boxes[b].items[k].state == PLAN_PLANNED &&
				p->boxes[b].items[k].action == action &&
				p->boxes[b].items[k].outcome == outcome;
	return n;
}
