/* select.c -- one parallel pass over the mailboxes, then the threads. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "detect/addrset.h"
#include "lib/datetime.h"
#include "mail/mailbox.h"
#include "detect/mass.h"
#include "detect/rules.h"
#include "select/select.h"
#include "lib/xalloc.h"

/* Mailboxes are loaded in parallel, then their messages are searched in
 * parallel chunks of about this many bytes (or messages), so that one
 * large mbox keeps every core busy too. */
#define CHUNK_BYTES (16u << 20)
#define CHUNK_MESSAGES 2048

/* What a piece of the pass produces, kept in input order. */
struct pass_out {
	struct idhash *refs;
	size_t nrefs, refs_alloc;
	struct selected *hits;          /* address hits, in message order */
	size_t nhits, hits_alloc;
	struct select_problem *problems;
	size_t nproblems, problems_alloc;
};

/* What the pass learns about one mailbox, message by message. */
struct box_pass {
	size_t nmsgs;
	struct idhash *ids;             /* {0,0}: no Message-ID */
	uint32_t *ref_first;            /* into the chunk's refs */
	uint32_t *ref_count;
	unsigned char *in_scope;
	struct pass_out load;           /* problems loading the mailbox */
	size_t first_chunk, nchunks;
};

struct chunk {
	size_t box, first, count;
	struct pass_out out;
};

struct pass_ctx {
	struct mailbox_list *boxes;
	const struct select_settings *s;
	struct box_pass *passes;
	struct chunk *chunks;
	size_t nchunks;
	atomic_size_t next;
};

static void
add_problem(struct pass_out *bp, size_t mailbox, size_t index,
	    uint64_t offset, unsigned int part, bool fatal, const char *text)
{
	struct select_problem *p;

	xgrow((void **)&bp->problems, &bp->problems_alloc, bp->nproblems + 1,
	      sizeof *bp->problems);
	p = &bp->problems[bp->nproblems++];
	p->mailbox = mailbox;
	p->index = index;
	p->offset = offset;
	p->part = part;
	p->fatal = fatal;
	snprintf(p->text, sizeof p->text, "%s", text);
}

/* ---- the Message-ID family --------------------------------------------- */

struct ref_collector {
	struct pass_out *bp;
	struct idhash last;
	size_t n;
};

static int
collect_ref(const char *id, size_t len, void *ctx)
{
	struct ref_collector *rc = ctx;
	struct pass_out *bp = rc->bp;

	rc->last = idhash_of(id, len);
	xgrow((void **)&bp->refs, &bp->refs_alloc, bp->nrefs + 1,
	      sizeof *bp->refs);
	bp->refs[bp->nrefs++] = rc->last;
	rc->n++;
	return 0;
}

static int
dup_first_id(const char *id, size_t len, void *ctx)
{
	*(char **)ctx = xstrndup(id, len);
	return 1;
}

static int
first_id_hash(const char *id, size_t len, void *ctx)
{
	*(struct idhash *)ctx = idhash_of(id, len);
	return 1;
}

struct headers_seen {
	const char *msgid, *irt, *refs, *date, *list_id;
	size_t msgid_len, irt_len, refs_len, date_len, list_id_len;
};

static void
read_headers(const char *hdr, size_t len, struct headers_seen *h)
{
	struct header_iter it;
	struct header_field f;

	memset(h, 0, sizeof *h);
	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f)) {
		const char **v = NULL;
		size_t *vl = NULL;

		switch (f.name_len) {
		case 4:
			if (header_name_is(&f, "Date"))
				v = &h->date, vl = &h->date_len;
			break;
		case 7:
			if (header_name_is(&f, "List-Id"))
				v = &h->list_id, vl = &h->list_id_len;
			break;
		case 10:
			if (header_name_is(&f, "Message-ID"))
				v = &h->msgid, vl = &h->msgid_len;
			else if (header_name_is(&f, "References"))
				v = &h->refs, vl = &h->refs_len;
			break;
		case 11:
			if (header_name_is(&f, "In-Reply-To"))
				v = &h->irt, vl = &h->irt_len;
			break;
		}
		if (v && *v == NULL) {
			*v = f.value;
			*vl = f.value_len;
		}
	}
}

static void
record_thread_data(struct box_pass *box, struct pass_out *bp, size_t i,
		   const struct headers_seen *h)
{
	struct ref_collector rc = { .bp = bp };
	struct idhash irt = { 0, 0 };

	box->ids[i] = (struct idhash){ 0, 0 };
	if (h->msgid)
		msgid_each(h->msgid, h->msgid_len, first_id_hash, &box->ids[i]);
	box->ref_first[i] = (uint32_t)bp->nrefs;
	if (h->refs)
		msgid_each(h->refs, h->refs_len, collect_ref, &rc);
	if (h->irt && msgid_each(h->irt, h->irt_len, first_id_hash, &irt) > 0 &&
	    (rc.n == 0 || !idhash_equal(rc.last, irt))) {
		xgrow((void **)&bp->refs, &bp->refs_alloc, bp->nrefs + 1,
		      sizeof *bp->refs);
		bp->refs[bp->nrefs++] = irt;
		rc.n++;
	}
	box->ref_count[i] = (uint32_t)rc.n;
}

/* ---- scope: --since, --until, --list ----------------------------------- */

static bool
date_in_scope(const struct select_settings *s, const struct headers_seen *h,
	      const char *from_line, size_t from_len)
{
	int64_t t;

	if (!s->since_set && !s->until_set)
		return true;
	if ((h->date == NULL || datetime_parse_mail(h->date, h->date_len, &t) < 0) &&
	    (from_len == 0 || datetime_parse_mail(from_line + 5, from_len - 5,
						  &t) < 0))
		return false;   /* no date: a date filter cannot include it */
	return (!s->since_set || t >= s->since) && (!s->until_set || t < s->until);
}

static bool
list_in_scope(const char *list, const struct headers_seen *h)
{
	const char *lt, *id;
	size_t n, len;

	if (list == NULL)
		return true;
	n = strlen(list);
	if (h->list_id == NULL)
		return false;
	lt = memchr(h->list_id, '<', h->list_id_len);
	id = lt ? lt + 1 : h->list_id;
	len = h->list_id_len - (size_t)(id - h->list_id);
	return len >= n && strncasecmp(id, list, n) == 0 &&
		(len == n || id[n] == '.' || id[n] == '>');
}

/* A message with CR-only line ends (old Mac mail) would read as one
 * header line; search a copy with LF ends instead (same offsets). */
static const char *
with_cr_lines_as_lf(const char *raw, size_t len, bool *owned)
{
	char *copy;

	if (memchr(raw, '\n', len) != NULL || memchr(raw, '\r', len) == NULL)
		return raw;
	copy = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		copy[i] = raw[i] == '\r' ? '\n' : raw[i];
	if (*owned)
		free((void *)raw);
	*owned = true;
	return copy;
}

/* The raw bytes of message i, as the search sees them. */
static int
load_message(const struct mailbox *mb, size_t i, const char **raw_r,
	     size_t *len_r, uint64_t *offset_r, bool *owned_r,
	     struct errbuf *err)
{
	if (mailbox_message(mb, i, raw_r, len_r, offset_r, owned_r, err) < 0)
		return -1;
	*raw_r = with_cr_lines_as_lf(*raw_r, *len_r, owned_r);
	return 0;
}

/* ---- the search of one text ---------------------------------------------- */

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

void
select_search_text(const struct select_settings *s, struct rule_scanner *rules,
		   const char *text, size_t len, unsigned int flags,
		   select_found_fn fn, void *ctx)
{
	struct text_search ts = {
		.text = text, .header = flags & PART_HEADER, .fn = fn, .ctx = ctx,
	};

	/* a header as written, not the block of decoded RFC 2047 words */
	if (ts.header && s->mass_recipients && !(flags & PART_DECODED))
		mass_recipients(text, len, s->mass_recipients, found_recipient,
				&ts);
	if (s->addresses)
		addrset_scan(s->addresses, text, len,
			     flags & PART_HTML ? ADDRSCAN_HTML : 0,
			     found_address, &ts);
	if (rules)
		rule_scan(rules, text, len,
			  ts.header ? RULE_SCOPE_HEADER : RULE_SCOPE_BODY,
			  found_rule, &ts);
	if (!ts.header && s->address_lists)
		mass_address_runs(text, len, s->address_lists, found_list, &ts);
}

/* ---- searching one message ---------------------------------------------- */

struct match_ctx {
	const struct select_settings *s;
	struct rule_scanner *rules;
	struct select_match *matches;
	size_t n, alloc;
	const struct msg_part *part;
	size_t from_len;        /* the From_ line before the message */
	size_t base;            /* added to hit offsets */
	unsigned int reasons;
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

	mc->part = part;
	/* Offsets are into the raw message (From_ line included) unless the
	 * part was decoded; then they are into the decoded text. */
	mc->base = part->flags & PART_DECODED ? 0
		: mc->from_len + part->raw_offset;
	select_search_text(mc->s, mc->rules, part->text, part->len, part->flags,
			   add_match, mc);
	return 0;
}

static void
search_message(struct pass_out *bp, struct msg_walker *mw,
	       struct rule_scanner *rules, const struct select_settings *s,
	       size_t mailbox, size_t index, uint64_t offset, const char *raw,
	       size_t len, size_t from_len)
{
	struct match_ctx mc = { .s = s, .rules = rules, .from_len = from_len };
	struct msg_walk_report report;
	struct selected *hit;

	msg_walk(mw, raw + from_len, len - from_len, scan_part, &mc, &report);
	if (report.problem != MSG_PROBLEM_NONE)
		add_problem(bp, mailbox, index, offset + from_len + report.offset,
			    report.part, false, msg_problem_text(report.problem));
	if (mc.n == 0)
		return;
	xgrow((void **)&bp->hits, &bp->hits_alloc, bp->nhits + 1,
	      sizeof *bp->hits);
	hit = &bp->hits[bp->nhits++];
	memset(hit, 0, sizeof *hit);
	hit->mailbox = mailbox;
	hit->index = index;
	hit->offset = offset;
	hit->length = len;
	hit->reasons = mc.reasons;
	hit->matches = mc.matches;
	hit->n_matches = mc.n;
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

/* ---- the pass ---------------------------------------------------------- */

static void
pass_message(struct pass_ctx *pc, struct msg_walker *mw,
	     struct rule_scanner *rules, struct chunk *ck, size_t i)
{
	struct mailbox *mb = &pc->boxes->items[ck->box];
	struct box_pass *box = &pc->passes[ck->box];
	const struct select_settings *s = pc->s;
	struct headers_seen h;
	struct errbuf err;
	const char *raw;
	size_t len, from_len, body;
	uint64_t offset;
	bool owned;

	if (load_message(mb, i, &raw, &len, &offset, &owned, &err) < 0) {
		/* Unreadable: reported as an error, so that purge writes
		 * nothing; out of scope, so that nothing selects it. */
		add_problem(&ck->out, ck->box, i, 0, 0, true, err.msg);
		box->in_scope[i] = 0;
		return;
	}
	from_len = msg_from_line_len(raw, len);
	msg_header_end(raw + from_len, len - from_len, &body);
	read_headers(raw + from_len, body, &h);
	record_thread_data(box, &ck->out, i, &h);
	box->in_scope[i] = date_in_scope(s, &h, raw, from_len ?
					 from_len - 1 : 0) &&
		list_in_scope(s->list, &h);
	if (select_searches(s) && box->in_scope[i]) {
		size_t before = ck->out.nhits;

		search_message(&ck->out, mw, rules, s, ck->box, i, offset, raw,
			       len, from_len);
		/* Keep the ID of a hit now, in parallel, while it is at hand. */
		if (ck->out.nhits > before && h.msgid)
			msgid_each(h.msgid, h.msgid_len, dup_first_id,
				   &ck->out.hits[before].message_id);
	}
	if (owned)
		free((void *)raw);
}

static void
pass_chunk(struct pass_ctx *pc, struct msg_walker *mw,
	   struct rule_scanner *rules, struct chunk *ck)
{
	struct mailbox *mb = &pc->boxes->items[ck->box];

	if (mb->kind == MAILBOX_MBOX && ck->count > 0)
		mailbox_prefetch_pages(mb, mb->split.msgs[ck->first].start,
				       mb->split.msgs[ck->first + ck->count - 1].end);
	for (size_t i = ck->first; i < ck->first + ck->count; i++)
		pass_message(pc, mw, rules, ck, i);
	/* Searched pages leave this process's memory (not the page cache). */
	if (mb->kind == MAILBOX_MBOX && ck->count > 0) {
		const struct mbox_msg *first = &mb->split.msgs[ck->first];
		const struct mbox_msg *last = &mb->split.msgs[ck->first + ck->count - 1];

		mailbox_release_pages(mb, first->start, last->end);
	}
}

static void
load_box(struct pass_ctx *pc, size_t b)
{
	struct mailbox *mb = &pc->boxes->items[b];
	struct box_pass *bp = &pc->passes[b];
	struct errbuf err;
	size_t n;

	if (mailbox_load(mb, &err) < 0) {
		add_problem(&bp->load, b, SIZE_MAX, 0, 0, true, err.msg);
		return;
	}
	n = mailbox_message_count(mb);
	bp->nmsgs = n;
	bp->ids = xcalloc(n + 1, sizeof *bp->ids);
	bp->ref_first = xcalloc(n + 1, sizeof *bp->ref_first);
	bp->ref_count = xcalloc(n + 1, sizeof *bp->ref_count);
	bp->in_scope = xcalloc(n + 1, 1);
}

static void *
load_worker(void *arg)
{
	struct pass_ctx *pc = arg;
	size_t b;

	while ((b = atomic_fetch_add(&pc->next, 1)) < pc->boxes->count)
		load_box(pc, b);
	return NULL;
}

static void *
chunk_worker(void *arg)
{
	struct pass_ctx *pc = arg;
	const struct select_settings *s = pc->s;
	/* Without rules only '@' matters: parts without one are skipped. */
	struct msg_walker *mw = msg_walker_new(s->rules ? 0 : MSG_WALK_AT_ONLY);
	struct rule_scanner *rules = s->rules ? rule_scanner_new(s->rules) : NULL;
	size_t c;

	while ((c = atomic_fetch_add(&pc->next, 1)) < pc->nchunks)
		pass_chunk(pc, mw, rules, &pc->chunks[c]);
	rule_scanner_free(&rules);
	msg_walker_free(&mw);
	return NULL;
}

static unsigned int
worker_count(const struct select_settings *s, size_t units)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = s->jobs ? s->jobs : (cores > 0 ? (unsigned int)cores : 1);

	if (n > units)
		n = (unsigned int)units;
	return n ? n : 1;
}

/* Run fn on n workers over units units of work, counted by pc->next. */
static void
run_workers(struct pass_ctx *pc, void *(*fn)(void *), size_t units)
{
	unsigned int n = worker_count(pc->s, units), started = 0;
	pthread_t *tids;

	atomic_store(&pc->next, 0);
	if (n <= 1) {
		fn(pc);
		return;
	}
	tids = xcalloc(n, sizeof *tids);
	for (; started < n; started++)
		if (pthread_create(&tids[started], NULL, fn, pc) != 0)
			break;
	if (started == 0)
		fn(pc);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
}

static size_t
message_bytes(const struct mailbox *mb, size_t i)
{
	return mb->kind == MAILBOX_MBOX
		? mb->split.msgs[i].end - mb->split.msgs[i].start : 0;
}

/* Cut every mailbox into chunks of whole messages, in input order. */
static void
make_chunks(struct pass_ctx *pc)
{
	size_t alloc = 0;

	for (size_t b = 0; b < pc->boxes->count; b++) {
		struct box_pass *bp = &pc->passes[b];
		const struct mailbox *mb = &pc->boxes->items[b];
		size_t i = 0;

		bp->first_chunk = pc->nchunks;
		while (i < bp->nmsgs) {
			struct chunk *ck;
			size_t bytes = 0, first = i;

			while (i < bp->nmsgs && i - first < CHUNK_MESSAGES &&
			       bytes < CHUNK_BYTES)
				bytes += message_bytes(mb, i++);
			xgrow((void **)&pc->chunks, &alloc, pc->nchunks + 1,
			      sizeof *pc->chunks);
			ck = &pc->chunks[pc->nchunks++];
			memset(ck, 0, sizeof *ck);
			ck->box = b;
			ck->first = first;
			ck->count = i - first;
		}
		bp->nchunks = pc->nchunks - bp->first_chunk;
	}
}

static void
run_pass(struct pass_ctx *pc)
{
	run_workers(pc, load_worker, pc->boxes->count);
	make_chunks(pc);
	run_workers(pc, chunk_worker, pc->nchunks);
}

/* ---- threads and the result -------------------------------------------- */

static struct thread_index *
build_threads(struct pass_ctx *pc)
{
	struct thread_index *ti = thread_index_new();

	for (size_t c = 0; c < pc->nchunks; c++) {
		struct chunk *ck = &pc->chunks[c];
		struct box_pass *bp = &pc->passes[ck->box];

		for (size_t i = ck->first; i < ck->first + ck->count; i++) {
			bool has_id = bp->ids[i].a || bp->ids[i].b;

			thread_index_add(ti, has_id ? &bp->ids[i] : NULL,
					 ck->out.refs + bp->ref_first[i],
					 bp->ref_count[i]);
		}
		free(ck->out.refs);
		ck->out.refs = NULL;
	}
	for (size_t b = 0; b < pc->boxes->count; b++) {
		struct box_pass *bp = &pc->passes[b];

		free(bp->ids);
		free(bp->ref_first);
		free(bp->ref_count);
		bp->ids = NULL;
		bp->ref_first = bp->ref_count = NULL;
	}
	thread_index_finish(ti);
	return ti;
}

static unsigned char *
select_threads(const struct thread_index *ti, const struct select_settings *s)
{
	size_t n = thread_index_messages(ti);
	unsigned char *reasons = xcalloc(n + 1, 1);
	struct idhash *seeds = xcalloc(s->n_message_ids + 1, sizeof *seeds);

	for (size_t i = 0; i < s->n_message_ids; i++)
		seeds[i] = idhash_of(s->message_ids[i],
				     strlen(s->message_ids[i]));
	thread_index_select(ti, seeds, s->n_message_ids, s->thread, reasons);
	free(seeds);
	return reasons;
}

static void
push_selected(struct selection *sel, size_t *alloc, const struct selected *item)
{
	xgrow((void **)&sel->items, alloc, sel->count + 1, sizeof *sel->items);
	sel->items[sel->count++] = *item;
}

static uint64_t
message_offset(const struct mailbox *mb, size_t i, uint64_t *len_r)
{
	if (mb->kind == MAILBOX_MBOX) {
		*len_r = mb->split.msgs[i].end - mb->split.msgs[i].start;
		return mb->split.msgs[i].start;
	}
	*len_r = mb->kind == MAILBOX_SINGLE ? mb->len : 0;
	return 0;
}

/* Read again now, while every message is still where it was. */
static char *
read_message_id(const struct mailbox *mb, size_t index)
{
	char id[1000];
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned, found;
	struct errbuf err;

	if (load_message(mb, index, &raw, &len, &off, &owned, &err) < 0)
		return NULL;
	found = select_message_id(raw, len, id, sizeof id);
	if (owned)
		free((void *)raw);
	return found ? xstrdup(id) : NULL;
}

static void
take_problems(struct selection *sel, size_t *alloc, struct pass_out *out)
{
	for (size_t k = 0; k < out->nproblems; k++) {
		xgrow((void **)&sel->problems, alloc, sel->n_problems + 1,
		      sizeof *sel->problems);
		sel->problems[sel->n_problems++] = out->problems[k];
	}
	free(out->problems);
	out->problems = NULL;
}

/* Merge thread reasons and address hits, chunk by chunk, in order. */
static void
collect(struct pass_ctx *pc, const unsigned char *thread_reasons,
	struct selection *sel)
{
	size_t global = 0, alloc = 0, palloc = 0;

	for (size_t b = 0; b < pc->boxes->count; b++) {
		struct box_pass *bp = &pc->passes[b];

		take_problems(sel, &palloc, &bp->load);
		for (size_t c = bp->first_chunk; c < bp->first_chunk + bp->nchunks;
		     c++) {
			struct chunk *ck = &pc->chunks[c];
			size_t h = 0;

			for (size_t i = ck->first; i < ck->first + ck->count;
			     i++, global++) {
				struct selected item;
				unsigned char tr = thread_reasons[global];

				memset(&item, 0, sizeof item);
				if (!bp->in_scope[i])
					sel->out_of_scope++;
				if (h < ck->out.nhits && ck->out.hits[h].index == i)
					item = ck->out.hits[h++];
				if (tr & THREAD_REASON_SEED)
					item.reasons |= SELECT_MESSAGE_ID;
				if (tr & THREAD_REASON_REPLY)
					item.reasons |= SELECT_THREAD;
				if (item.reasons == 0)
					continue;
				if (!bp->in_scope[i]) {
					select_matches_free(item.matches,
							    item.n_matches);
					free(item.message_id);
					continue;
				}
				item.mailbox = b;
				item.index = i;
				item.offset = message_offset(&pc->boxes->items[b],
							     i, &item.length);
				if (item.message_id == NULL)
					item.message_id = read_message_id(
						&pc->boxes->items[b], i);
				push_selected(sel, &alloc, &item);
			}
			take_problems(sel, &palloc, &ck->out);
			free(ck->out.hits);
		}
		sel->messages += bp->nmsgs;
		free(bp->in_scope);
	}
}

int
select_run(struct mailbox_list *boxes, const struct select_settings *s,
	   struct selection *sel, struct errbuf *err)
{
	struct pass_ctx pc = { .boxes = boxes, .s = s };
	struct thread_index *ti;
	unsigned char *reasons;

	memset(sel, 0, sizeof *sel);
	pc.passes = xcalloc(boxes->count + 1, sizeof *pc.passes);
	atomic_init(&pc.next, 0);
	run_pass(&pc);
	if (s->keep_threads) {
		sel->box_first = xcalloc(boxes->count + 1, sizeof *sel->box_first);
		for (size_t b = 0; b < boxes->count; b++)
			sel->box_first[b + 1] = sel->box_first[b] +
				pc.passes[b].nmsgs;
	}
	ti = build_threads(&pc);
	reasons = select_threads(ti, s);
	if (s->keep_threads)
		sel->threads = ti;
	else
		thread_index_free(&ti);
	collect(&pc, reasons, sel);
	free(reasons);
	free(pc.chunks);
	free(pc.passes);
	return 0;
}

bool
selection_has_fatal(const struct selection *sel)
{
	for (size_t i = 0; i < sel->n_problems; i++)
		if (sel->problems[i].fatal)
			return true;
	return false;
}

void
selection_locate(const struct selection *sel, size_t nboxes, uint32_t m,
		 size_t *mailbox_r, size_t *index_r)
{
	size_t lo = 0, hi = nboxes;

	/* the last mailbox whose first message is <= m */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (sel->box_first[mid] <= m)
			lo = mid;
		else
			hi = mid;
	}
	while (lo + 1 < nboxes && sel->box_first[lo + 1] <= m)
		lo++;
	*mailbox_r = lo;
	*index_r = m - sel->box_first[lo];
}

void
selection_release(struct selection *sel)
{
	for (size_t i = 0; i < sel->count; i++) {
		select_matches_free(sel->items[i].matches,
				    sel->items[i].n_matches);
		free(sel->items[i].message_id);
	}
	free(sel->items);
	free(sel->problems);
	free(sel->box_first);
	thread_index_free(&sel->threads);
	memset(sel, 0, sizeof *sel);
}

struct id_copy {
	char *buf;
	size_t size;
};

static int
copy_first_id(const char *id, size_t len, void *ctx)
{
	struct id_copy *c = ctx;

	if (len >= c->size)
		len = c->size - 1;
	memcpy(c->buf, id, len);
	c->buf[len] = '\0';
	return 1;
}

bool
select_message_id(const char *raw, size_t len, char *buf, size_t size)
{
	size_t vlen;
	const char *v = msg_header_value(raw, len, "Message-ID", &vlen);
	struct id_copy c = { buf, size };

	buf[0] = '\0';
	return v != NULL && msgid_each(v, vlen, copy_first_id, &c) > 0;
}
