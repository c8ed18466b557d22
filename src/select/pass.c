/* pass.c -- one parallel pass over the mailboxes: each message's
 * Message-ID family, date and list read, and its text searched. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/rules.h"
#include "lib/buf.h"
#include "lib/progress.h"
#include "lib/parallel.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/mailbox.h"
#include "mail/msg.h"
#include "mail/msgid.h"
#include "mail/pipermail.h"
#include "mail/thread-index.h"
#include "select/pass.h"

/* Mailboxes are loaded in parallel, then their messages are searched in
 * parallel chunks of about this many bytes (or messages), so that one
 * large mbox keeps every core busy too. */
#define CHUNK_BYTES (4u << 20)
#define CHUNK_MESSAGES 2048

void
pass_add_problem(struct pass_out *bp, size_t mailbox, size_t index,
		 uint64_t offset, unsigned int part, enum diag_code code,
		 const char *text)
{
	struct select_problem *p;

	xgrow((void **)&bp->problems, &bp->problems_alloc, bp->nproblems + 1,
	      sizeof *bp->problems);
	p = &bp->problems[bp->nproblems++];
	p->mailbox = mailbox;
	p->index = index;
	p->offset = offset;
	p->part = part;
	p->code = code;
	p->fatal = diag_info(code)->level == DIAG_ERROR;
	snprintf(p->text, sizeof p->text, "%s", text);
}


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

static void
read_headers(const struct header_field *fields, size_t n,
	     struct headers_seen *h)
{
	memset(h, 0, sizeof *h);
	for (size_t k = 0; k < n; k++) {
		const struct header_field *f = &fields[k];
		const char **v = NULL;
		size_t *vl = NULL;

		switch (f->name_len) {
		case 4:
			if (header_name_is(f, "Date"))
				v = &h->date, vl = &h->date_len;
			break;
		case 7:
			if (header_name_is(f, "List-Id"))
				v = &h->list_id, vl = &h->list_id_len;
			break;
		case 10:
			if (header_name_is(f, "Message-ID"))
				v = &h->msgid, vl = &h->msgid_len;
			else if (header_name_is(f, "References"))
				v = &h->refs, vl = &h->refs_len;
			break;
		case 11:
			if (header_name_is(f, "In-Reply-To"))
				v = &h->irt, vl = &h->irt_len;
			break;
		}
		if (v && *v == NULL) {
			*v = f->value;
			*vl = f->value_len;
		}
	}
}

/* Message k of chunk ck: its Message-ID and references. */
static void
record_thread_data(struct chunk *ck, size_t k, const struct headers_seen *h)
{
	struct pass_out *bp = &ck->out;
	struct ref_collector rc = { .bp = bp };
	struct idhash irt = { 0, 0 };

	ck->ids[k] = (struct idhash){ 0, 0 };
	if (h->msgid)
		msgid_each(h->msgid, h->msgid_len, first_id_hash, &ck->ids[k]);
	if (h->refs)
		msgid_each(h->refs, h->refs_len, collect_ref, &rc);
	if (h->irt && msgid_each(h->irt, h->irt_len, first_id_hash, &irt) > 0 &&
	    (rc.n == 0 || !idhash_equal(rc.last, irt))) {
		xgrow((void **)&bp->refs, &bp->refs_alloc, bp->nrefs + 1,
		      sizeof *bp->refs);
		bp->refs[bp->nrefs++] = irt;
		rc.n++;
	}
	ck->ref_count[k] = (uint32_t)rc.n;
}

/* A message with CR-only line ends (old Mac mail) would read as one
 * header line; search a copy with LF ends instead (same offsets). */
static const char *
with_cr_lines_as_lf(const char *raw, size_t len, bool *owned)
{
	char *copy;

	if (!msg_has_cr_line_ends(raw, len))
		return raw;
	copy = xmalloc(len + 1);
	memcpy(copy, raw, len);
	msg_swap_line_ends(copy, len, '\r', '\n');
	if (*owned)
		free((void *)raw);
	*owned = true;
	return copy;
}

/* The raw bytes of message i, as the search sees them. */
int
pass_load_message(const struct mailbox *mb, size_t i, const char **raw_r,
	     size_t *len_r, uint64_t *offset_r, bool *owned_r,
	     struct errbuf *err)
{
	if (mailbox_message(mb, i, raw_r, len_r, offset_r, owned_r, err) < 0)
		return -1;
	*raw_r = with_cr_lines_as_lf(*raw_r, *len_r, owned_r);
	return 0;
}


/* Threads are only built for seed Message-IDs (or a caller that keeps
 * the index): an address search alone needs no thread data. */
bool
select_needs_threads(const struct select_settings *s)
{
	return s->n_message_ids > 0 || s->keep_threads;
}

static void
pass_message(struct pass_ctx *pc, struct msg_walker *mw,
	     struct rule_scanner *rules, struct chunk *ck, size_t i)
{
	struct mailbox *mb = pc->boxes->items[ck->box];
	struct box_pass *box = &pc->passes[ck->box];
	const struct select_settings *s = pc->s;
	const struct select_hook *hook = s->hook;
	struct headers_seen h;
	struct errbuf err;
	const char *raw;
	const struct header_field *fields = NULL;
	size_t len, from_len, nfields, hdr_end;
	uint64_t offset;
	bool owned, whole_text;

	if (mailbox_message(mb, i, &raw, &len, &offset, &owned, &err) < 0) {
		if (hook)
			hook->message(hook->ctx, ck->box, i, NULL, 0, 0,
				      err.msg);
		/* Unreadable: reported as an error, so that purge writes
		 * nothing; out of scope, so that nothing selects it. */
		pass_add_problem(&ck->out, ck->box, i, 0, 0, D_MESSAGE_UNREADABLE,
				 err.msg);
		box->in_scope[i] = 0;
		return;
	}
	if (hook)               /* the bytes as the file holds them */
		hook->message(hook->ctx, ck->box, i, raw, len, offset, NULL);
	raw = with_cr_lines_as_lf(raw, len, &owned);
	/* A file that is not mail is searched as one text, never parsed. */
	whole_text = mailbox_kind(mb) == MAILBOX_NOT_MAIL;
	from_len = whole_text ? 0 : msg_from_line_len(raw, len);
	/* read once: the walk of the message reuses it */
	nfields = whole_text ? 0 : msg_walker_header(mw, raw + from_len,
						     len - from_len, &fields,
						     &hdr_end);
	read_headers(fields, nfields, &h);
	if (!h.msgid && box->pm_ids && box->pm_ids[i]) {
		h.msgid = box->pm_ids[i];
		h.msgid_len = strlen(h.msgid);
	}
	if (ck->ids)
		record_thread_data(ck, i - ck->first, &h);
	box->in_scope[i] = select_in_scope(s, &h, raw, from_len ?
					   from_len - 1 : 0);
	if (select_searches(s) && box->in_scope[i]) {
		struct message_search ms = {
			.out = &ck->out, .mw = mw, .rules = rules, .s = s,
			.mailbox = ck->box, .index = i, .offset = offset,
			.raw = raw, .len = len, .from_len = from_len,
			.whole_text = whole_text,
		};
		size_t before = ck->out.nhits;

		search_message(&ms);
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
	struct mailbox *mb = pc->boxes->items[ck->box];
	uint64_t start = 0, end = 0, unused;

	if (ck->count > 0) {
		mailbox_message_range(mb, ck->first, &start, &unused);
		mailbox_message_range(mb, ck->first + ck->count - 1, &unused,
				      &end);
	}
	if (select_needs_threads(pc->s)) {
		ck->ids = xcalloc(ck->count + 1, sizeof *ck->ids);
		ck->ref_count = xcalloc(ck->count + 1, sizeof *ck->ref_count);
	}
	mailbox_prefetch_pages(mb, start, end);
	for (size_t i = ck->first; i < ck->first + ck->count; i++)
		pass_message(pc, mw, rules, ck, i);
	progress_add(end - start, ck->count);
	/* A file cut short under the map was read as zeros past its end:
	 * nothing read of it can be trusted. */
	if (mailbox_was_cut(mb) &&
	    !atomic_exchange(&pc->passes[ck->box].cut_reported, true))
		pass_add_problem(&ck->out, ck->box, SIZE_MAX, 0, 0,
				 D_MAILBOX_CUT, "the file was cut short while it "
				 "was read (another program truncated or "
				 "rewrote it): what was read of it is not "
				 "trusted; run again once it is left alone");
	/* Searched pages leave this process's memory (not the page cache). */
	mailbox_release_pages(mb, start, end);
}

/* Notes on what a loaded file is: not mail, or an mbox some of whose
 * separators had no empty line before them (their offsets). */
static void
note_file_kind(struct box_pass *bp, size_t b, const struct mailbox *mb)
{
	const struct mbox_split *s = mailbox_split(mb);
	struct buf text = { 0 };

	if (mailbox_kind(mb) == MAILBOX_NOT_MAIL &&
	    mailbox_is_pipermail_part(mb))
		return;         /* counted with its tree (cli/print.c) */
	if (mailbox_kind(mb) == MAILBOX_NOT_MAIL) {
		pass_add_problem(&bp->load, b, SIZE_MAX, 0, 0, D_NOT_MAIL,
				 "neither an mbox nor a message (no From_ line, "
				 "no header block): searched as text, never "
				 "changed");
		return;
	}
	/* Mailman writes a volume text so: no empty line after a
	 * scrubbed attachment's footer */
	if (s == NULL || s->n_unblanked == 0 || mailbox_is_pipermail_text(mb))
		return;
	buf_addf(&text, "%zu separators without an empty line before them, "
		 "at offsets", s->n_unblanked);
	for (size_t i = 0; i < s->n_unblanked && i < 20; i++)
		buf_addf(&text, "%s %llu", i ? "," : "",
			 (unsigned long long)s->unblanked[i]);
	if (s->n_unblanked > 20)
		buf_addf(&text, " and %zu more", s->n_unblanked - 20);
	pass_add_problem(&bp->load, b, SIZE_MAX, 0, 0,
			 D_MBOX_SEPARATOR_NO_BLANK, text.p);
	buf_release(&text);
}

/* What a Maildir's cur/ and new/ held that is not a message: a line
 * each, naming it. */
static void
note_skipped(struct box_pass *bp, size_t b, const struct mailbox *mb)
{
	const struct walk_note *sk;
	size_t n = mailbox_skipped(mb, &sk);

	for (size_t k = 0; k < n; k++) {
		char *text = xasprintf("'%s': %s", sk[k].path,
				       diag_info(sk[k].code)->text);

		pass_add_problem(&bp->load, b, SIZE_MAX, 0, 0, sk[k].code,
				 text);
		free(text);
	}
}

/* A pipermail volume text: its messages' pages, tied by order (when
 * there are as many), and the Message-IDs its database knows of them
 * (a pre-2.0 text has no Message-ID lines; mail/pipermail.h). */
static void
pipermail_pages(struct box_pass *bp, size_t b, const struct mailbox *mb)
{
	char *list_dir = NULL;
	struct errbuf err;

	if (!mailbox_is_pipermail_text(mb) ||
	    !pm_volume_text(mailbox_path(mb), &list_dir, &bp->pm_volume) ||
	    pm_volume_pages(list_dir, bp->pm_volume, false, &bp->pm_pages,
			    &bp->pm_npages, NULL) < 0 ||
	    bp->pm_npages != bp->nmsgs) {
		pm_pages_free(bp->pm_pages, bp->pm_npages);
		bp->pm_pages = NULL;
		bp->pm_npages = 0;
	} else if (pm_volume_ids(list_dir, bp->pm_volume, bp->pm_pages,
				 bp->pm_npages, &bp->pm_ids, &err) < 0) {
		pass_add_problem(&bp->load, b, SIZE_MAX, 0, 0,
				 D_MAILBOX_UNREADABLE, err.msg);
		pm_ids_free(bp->pm_ids, bp->pm_npages);
		bp->pm_ids = NULL;
	}
	free(list_dir);
}

static void
load_box(struct pass_ctx *pc, size_t b)
{
	struct mailbox *mb = pc->boxes->items[b];
	struct box_pass *bp = &pc->passes[b];
	struct errbuf err;
	size_t n;

	if (mailbox_load(mb, &err) < 0) {
		pass_add_problem(&bp->load, b, SIZE_MAX, 0, 0,
				 D_MAILBOX_UNREADABLE, err.msg);
		return;
	}
	note_file_kind(bp, b, mb);
	note_skipped(bp, b, mb);
	n = mailbox_message_count(mb);
	bp->nmsgs = n;
	bp->in_scope = xcalloc(n + 1, 1);
	pipermail_pages(bp, b, mb);
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

/* A chunk's messages into the thread index, in input order. */
static void
add_chunk_threads(struct thread_index *ti, struct chunk *ck)
{
	const struct idhash *refs = ck->out.refs;

	for (size_t k = 0; k < ck->count; k++) {
		bool has_id = ck->ids[k].a || ck->ids[k].b;

		thread_index_add(ti, has_id ? &ck->ids[k] : NULL, refs,
				 ck->ref_count[k]);
		refs += ck->ref_count[k];
	}
	free(ck->out.refs);
	free(ck->ids);
	free(ck->ref_count);
	ck->out.refs = NULL;
	ck->ids = NULL;
	ck->ref_count = NULL;
}

/* Chunk c is done: it, and the done chunks after it, go into the index
 * now, while the pass runs, so that memory never holds the thread data
 * of the whole archive. */
static void
chunk_into_threads(struct pass_ctx *pc, size_t c)
{
	pthread_mutex_lock(&pc->threads_lock);
	pc->chunk_done[c] = 1;
	while (pc->threads_next < pc->nchunks &&
	       pc->chunk_done[pc->threads_next])
		add_chunk_threads(pc->threads, &pc->chunks[pc->threads_next++]);
	pthread_mutex_unlock(&pc->threads_lock);
}

static void *
chunk_worker(void *arg)
{
	struct pass_ctx *pc = arg;
	const struct select_settings *s = pc->s;
	/* Without rules only '@' matters: parts without one are skipped. */
	struct msg_walker *mw = msg_walker_new();
	struct rule_scanner *rules = s->rules ? rule_scanner_new(s->rules) : NULL;
	size_t c;

	while ((c = atomic_fetch_add(&pc->next, 1)) < pc->nchunks) {
		pass_chunk(pc, mw, rules, &pc->chunks[c]);
		if (pc->threads)
			chunk_into_threads(pc, c);
	}
	rule_scanner_free(&rules);
	msg_walker_free(&mw);
	return NULL;
}

/* Run fn on the workers over units units of work, counted by pc->next. */
static void
run_workers(struct pass_ctx *pc, void *(*fn)(void *), size_t units)
{
	atomic_store(&pc->next, 0);
	parallel_run(fn, pc, parallel_count(pc->s->jobs, units));
}

static size_t
message_bytes(const struct mailbox *mb, size_t i)
{
	uint64_t start, end;

	if (mailbox_kind(mb) != MAILBOX_MBOX)
		return 0;
	mailbox_message_range(mb, i, &start, &end);
	return end - start;
}

/* Cut every mailbox into chunks of whole messages, in input order. */
static void
make_chunks(struct pass_ctx *pc)
{
	size_t alloc = 0;

	for (size_t b = 0; b < pc->boxes->count; b++) {
		struct box_pass *bp = &pc->passes[b];
		const struct mailbox *mb = pc->boxes->items[b];
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

void
pass_run(struct pass_ctx *pc)
{
	run_workers(pc, load_worker, pc->boxes->count);
	if (pc->s->hook && pc->s->hook->loaded)
		pc->s->hook->loaded(pc->s->hook->ctx, pc->boxes);
	make_chunks(pc);
	if (select_needs_threads(pc->s)) {
		pc->threads = thread_index_new();
		pc->chunk_done = xcalloc(pc->nchunks + 1, 1);
		pthread_mutex_init(&pc->threads_lock, NULL);
	}
	run_workers(pc, chunk_worker, pc->nchunks);
	if (pc->threads) {
		pthread_mutex_destroy(&pc->threads_lock);
		free(pc->chunk_done);
		pc->chunk_done = NULL;
	}
}
