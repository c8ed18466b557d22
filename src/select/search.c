/* search.c -- the search of one text, and of one message part by part:
 * the same for selection and for redaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "detect/addrset.h"
#include "detect/mass.h"
#include "detect/rules.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/msg.h"
#include "select/pass.h"


struct text_search {
	const char *text;
	bool header;
	select_found_fn fn;
	void *ctx;
};

/* Message-IDs look like addresses but are not; never match them.
 * Finding the field for the few hits is cheaper than iterating fields. */
static bool
in_id_field(const struct text_search *ts, size_t pos)
{
	const char *name;
	size_t n;

	if (!ts->header)
		return false;
	n = header_field_at(ts->text, pos, &name);
	return n > 0 && header_name_is_id(name, n);
}

static void
found(struct text_search *ts, enum match_kind kind, uint32_t which,
      size_t start, size_t end, bool context)
{
	if (!in_id_field(ts, start))
		ts->fn(ts->ctx, kind, which, start, end, context);
}

static int
found_address(const struct addr_hit *hit, void *ctx)
{
	found(ctx, MATCH_ADDRESS, hit->which, hit->start, hit->end, false);
	return 0;
}

static int
found_rule(const struct rule_hit *hit, void *ctx)
{
	found(ctx, MATCH_RULE, hit->rule, hit->start, hit->end, hit->context);
	return 0;
}

static int
found_recipient(const struct mass_span *span, void *ctx)
{
	found(ctx, MATCH_MASS_RECIPIENT, 0, span->start, span->end, false);
	return 0;
}

static int
found_list(const struct mass_span *span, void *ctx)
{
	found(ctx, MATCH_ADDRESS_LIST, 0, span->start, span->end, false);
	return 0;
}

int
select_search_text(const struct select_settings *s, struct rule_scanner *rules,
		   const char *text, size_t len, unsigned int flags,
		   select_found_fn fn, void *ctx)
{
	struct text_search ts = {
		.text = text, .header = flags & PART_HEADER, .fn = fn, .ctx = ctx,
	};
	int rc = 0;

	/* a header as written, not the block of decoded RFC 2047 words */
	if (ts.header && s->mass_recipients && !(flags & PART_DECODED))
		mass_recipients(text, len, s->mass_recipients, found_recipient,
				&ts);
	if (s->addresses)
		addrset_scan(s->addresses, text, len,
			     flags & PART_HTML ? ADDRSCAN_HTML : 0,
			     found_address, &ts);
	if (rules && rule_scan(rules, text, len,
			       ts.header ? RULE_SCOPE_HEADER : RULE_SCOPE_BODY,
			       found_rule, &ts) < 0)
		rc = -1;
	if (!ts.header && s->address_lists)
		mass_address_runs(text, len, s->address_lists, found_list, &ts);
	return rc;
}


struct match_ctx {
	const struct select_settings *s;
	struct rule_scanner *rules;
	struct select_match *matches;
	size_t n, alloc;
	const struct msg_part *part;
	size_t from_len;        /* the From_ line before the message */
	size_t base;            /* added to hit offsets */
	unsigned int reasons;
	size_t binary;          /* attachments handed over without text */
	bool engine_failed;     /* a rule could not finish: see error */
	unsigned int failed_part;
	char error[ERRBUF_SIZE];
};

static const unsigned int kind_reason[] = {
	[MATCH_ADDRESS] = SELECT_ADDRESS,
	[MATCH_RULE] = SELECT_RULE,
	[MATCH_MASS_RECIPIENT] = SELECT_MASS_RECIPIENTS,
	[MATCH_ADDRESS_LIST] = SELECT_ADDRESS_LIST,
};

static void
add_match(void *ctx, enum match_kind kind, uint32_t which, size_t start,
	  size_t end, bool context)
{
	struct match_ctx *mc = ctx;
	struct select_match *m;

	xgrow((void **)&mc->matches, &mc->alloc, mc->n + 1, sizeof *mc->matches);
	m = &mc->matches[mc->n++];
	m->part = mc->part->number;
	m->which = which;
	m->flags = (uint16_t)mc->part->flags;
	m->kind = (uint8_t)kind;
	m->context = context;
	m->start = mc->base + start;
	m->end = mc->base + end;
	m->text = mc->s->keep_text
		? xstrndup(mc->part->text + start, end - start) : NULL;
	mc->reasons |= kind_reason[kind];
}

static int
scan_part(const struct msg_part *part, void *ctx)
{
	struct match_ctx *mc = ctx;

	if (part->flags & PART_BINARY) {
		mc->binary++;
		return 0;
	}
	mc->part = part;
	/* Offsets are into the raw message (From_ line included) unless the
	 * part was decoded; then they are into the decoded text. */
	mc->base = part->flags & PART_DECODED ? 0
		: mc->from_len + part->raw_offset;
	if (select_search_text(mc->s, mc->rules, part->text, part->len,
			       part->flags, add_match, mc) < 0 &&
	    !mc->engine_failed) {
		mc->engine_failed = true;
		mc->failed_part = part->number;
		rule_scanner_error(mc->rules, mc->error, sizeof mc->error);
	}
	return 0;
}

void
search_message(const struct message_search *ms)
{
	struct match_ctx mc = {
		.s = ms->s, .rules = ms->rules, .from_len = ms->from_len,
	};
	struct msg_walk_report report;
	struct pass_out *bp = ms->out;
	struct selected *hit;

	if (ms->from_len > 0) {
		/* The From_ line holds the envelope sender: searched as part
		 * of the header, at its offset in the raw message. */
		struct msg_part envelope = {
			.number = 0, .flags = PART_HEADER | PART_ENVELOPE,
			.text = ms->raw, .len = ms->from_len,
			.raw_len = ms->from_len,
		};

		mc.part = &envelope;
		mc.base = 0;
		if (select_search_text(ms->s, ms->rules, envelope.text,
				       envelope.len, envelope.flags, add_match,
				       &mc) < 0) {
			mc.engine_failed = true;
			rule_scanner_error(mc.rules, mc.error, sizeof mc.error);
		}
	}
	if (ms->whole_text) {
		/* read as HTML too: pages, indexes and exports of web
		 * archives write addresses as &#64; or %40 */
		struct msg_part whole = {
			.number = 1, .text = ms->raw, .len = ms->len,
			.raw_len = ms->len, .flags = PART_HTML,
		};

		memset(&report, 0, sizeof report);
		scan_part(&whole, &mc);
	} else
		msg_walk(ms->mw, ms->raw + ms->from_len, ms->len - ms->from_len,
			 scan_part, &mc, &report);
	if (report.problem != MSG_PROBLEM_NONE)
		pass_add_problem(bp, ms->mailbox, ms->index,
				 ms->offset + ms->from_len + report.offset,
				 report.part, (enum diag_code)report.problem,
				 diag_info((enum diag_code)report.problem)->text);
	if (report.unknown_charset_words && bp->unknown_charset++ == 0) {
		bp->unknown_charset_first = ms->index;
		bp->unknown_charset_offset = ms->offset;
	}
	/* Not searched to the end: an error, so that purge writes nothing
	 * it cannot vouch for. */
	if (mc.engine_failed)
		pass_add_problem(bp, ms->mailbox, ms->index, ms->offset,
				 mc.failed_part, D_RULE_MATCH_FAILED, mc.error);
	bp->binary_parts += mc.binary;
	bp->binary_messages += mc.binary > 0;
	if (mc.n == 0)
		return;
	xgrow((void **)&bp->hits, &bp->hits_alloc, bp->nhits + 1,
	      sizeof *bp->hits);
	hit = &bp->hits[bp->nhits++];
	memset(hit, 0, sizeof *hit);
	hit->mailbox = ms->mailbox;
	hit->index = ms->index;
	hit->offset = ms->offset;
	hit->length = ms->len;
	hit->reasons = mc.reasons;
	hit->matches = mc.matches;
	hit->n_matches = mc.n;
	hit->binary_parts = mc.binary;
}

bool
select_searches(const struct select_settings *s)
{
	return s->addresses || s->rules || s->mass_recipients ||
		s->address_lists;
}

void
select_matches_free(struct select_match *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].text);
	free(m);
}
