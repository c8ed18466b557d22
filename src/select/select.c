/* select.c -- the selection: the pass, then the threads of the seed
 * Message-IDs, merged into one result in input order. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/msgid.h"
#include "mail/pipermail.h"
#include "select/pass.h"


static unsigned char *
select_threads(const struct thread_index *ti, const struct select_settings *s,
	       struct selection *sel)
{
	size_t n = thread_index_messages(ti);
	unsigned char *reasons = xcalloc(n + 1, 1);
	struct idhash *seeds = xcalloc(s->n_message_ids + 1, sizeof *seeds);

	for (size_t i = 0; i < s->n_message_ids; i++) {
		uint32_t c;

		seeds[i] = idhash_of(s->message_ids[i],
				     strlen(s->message_ids[i]));
		c = thread_index_find(ti, seeds[i]);
		if (c == THREAD_NONE ||
		    thread_index_first_message(ti, c) == THREAD_NONE) {
			sel->ids_not_found = xreallocarray(sel->ids_not_found,
				sel->n_ids_not_found + 1,
				sizeof *sel->ids_not_found);
			sel->ids_not_found[sel->n_ids_not_found++] = i;
		}
	}
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
	uint64_t start, end;

	mailbox_message_range(mb, i, &start, &end);
	*len_r = mailbox_message_length(mb, i);
	return start;
}

/* Read again now, while every message is still where it was. */
static char *
read_message_id(const struct mailbox *mb, size_t index)
{
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;
	struct errbuf err;
	char *id;

	if (pass_load_message(mb, index, &raw, &len, &off, &owned, &err) < 0)
		return NULL;
	id = msgid_of_message(raw, len);
	if (owned)
		free((void *)raw);
	return id;
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

/* The messages of one mailbox with encoded words in a charset iconv
 * does not know: one line for them all, however many. */
static void
note_unknown_charsets(struct selection *sel, size_t *alloc, size_t b,
		      struct box_pass *bp, const struct pass_ctx *pc)
{
	struct pass_out out = { 0 };
	size_t n = 0, first = 0;
	uint64_t offset = 0;
	char text[ERRBUF_SIZE];

	for (size_t c = bp->first_chunk; c < bp->first_chunk + bp->nchunks; c++) {
		const struct pass_out *o = &pc->chunks[c].out;

		if (o->unknown_charset > 0 && n == 0) {
			first = o->unknown_charset_first;
			offset = o->unknown_charset_offset;
		}
		n += o->unknown_charset;
	}
	if (n == 0)
		return;
	snprintf(text, sizeof text, "%zu message(s) with RFC 2047 words in a "
		 "charset iconv does not know (the first: #%zu at offset "
		 "%llu): searched as their bytes, the ASCII part reads right",
		 n, first, (unsigned long long)offset);
	pass_add_problem(&out, b, SIZE_MAX, 0, 0, D_HEADER_UNKNOWN_CHARSET,
			 text);
	take_problems(sel, alloc, &out);
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
				unsigned char tr = thread_reasons ?
					thread_reasons[global] : 0;

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
				item.not_mail = mailbox_kind(pc->boxes->items[b])
					== MAILBOX_NOT_MAIL;
				item.offset = message_offset(pc->boxes->items[b],
							     i, &item.length);
				if (item.message_id == NULL)
					item.message_id = read_message_id(
						pc->boxes->items[b], i);
				if (item.message_id == NULL && bp->pm_ids &&
				    bp->pm_ids[i])
					item.message_id = xstrndup(
						bp->pm_ids[i] + 1,
						strlen(bp->pm_ids[i]) - 2);
				if (i < bp->pm_npages)
					item.page = xasprintf("%s/%s",
							      bp->pm_volume,
							      bp->pm_pages[i]);
				push_selected(sel, &alloc, &item);
			}
			take_problems(sel, &palloc, &ck->out);
			sel->binary_parts += ck->out.binary_parts;
			sel->binary_messages += ck->out.binary_messages;
			free(ck->out.hits);
		}
		note_unknown_charsets(sel, &palloc, b, bp, pc);
		sel->messages += bp->nmsgs;
		free(bp->in_scope);
		pm_ids_free(bp->pm_ids, bp->pm_npages);
		pm_pages_free(bp->pm_pages, bp->pm_npages);
		free(bp->pm_volume);
		bp->pm_ids = NULL;
		bp->pm_pages = NULL;
		bp->pm_volume = NULL;
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
	pass_run(&pc);
	if (s->keep_threads) {
		sel->box_first = xcalloc(boxes->count + 1, sizeof *sel->box_first);
		for (size_t b = 0; b < boxes->count; b++)
			sel->box_first[b + 1] = sel->box_first[b] +
				pc.passes[b].nmsgs;
	}
	if (pc.threads) {
		ti = pc.threads;
		thread_index_finish(ti);
		reasons = select_threads(ti, s, sel);
		if (s->keep_threads)
			sel->threads = ti;
		else
			thread_index_free(&ti);
	} else
		reasons = NULL;         /* no seeds: no thread index */
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

struct selected *
selection_add(struct selection *sel, const struct mailbox_list *boxes,
	      size_t mailbox, size_t index)
{
	const struct mailbox *mb = boxes->items[mailbox];
	struct selected *item;
	size_t k = sel->count;

	while (k > 0 && (sel->items[k - 1].mailbox > mailbox ||
			 (sel->items[k - 1].mailbox == mailbox &&
			  sel->items[k - 1].index >= index)))
		k--;
	if (k < sel->count && sel->items[k].mailbox == mailbox &&
	    sel->items[k].index == index)
		return &sel->items[k];
	sel->items = xreallocarray(sel->items, sel->count + 1,
				   sizeof *sel->items);
	if (k < sel->count)
		memmove(&sel->items[k + 1], &sel->items[k],
			(sel->count - k) * sizeof *sel->items);
	sel->count++;
	item = &sel->items[k];
	memset(item, 0, sizeof *item);
	item->mailbox = mailbox;
	item->index = index;
	item->not_mail = mailbox_kind(mb) == MAILBOX_NOT_MAIL;
	item->offset = message_offset(mb, index, &item->length);
	item->message_id = read_message_id(mb, index);
	if (mailbox_is_pipermail_text(mb))
		item->page = pm_page_of(mailbox_path(mb), index,
					mailbox_message_count(mb));
	return item;
}

void
selection_release(struct selection *sel)
{
	for (size_t i = 0; i < sel->count; i++) {
		select_matches_free(sel->items[i].matches,
				    sel->items[i].n_matches);
		free(sel->items[i].message_id);
		free(sel->items[i].page);
	}
	free(sel->items);
	free(sel->problems);
	free(sel->ids_not_found);
	free(sel->box_first);
	thread_index_free(&sel->threads);
	memset(sel, 0, sizeof *sel);
}
