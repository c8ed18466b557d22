/* new-copy.c -- a plain mbox's new copy from its first change on: one
 * pass to write and hash it, one to read it back. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/new-copy.h"
#include "act/output.h"
#include "act/spool.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"

/* Kept bytes go out in writes of about this much; the mapping is paged
 * in, and let go, a window at a time. */
#define RUN_BYTES (1u << 20)
#define WINDOW_BYTES (4u << 20)

/* Bytes written, in order: a range of the original, or a change's new
 * bytes (ch: read back, they must hash to its SHA-256). */
struct new_copy_piece {
	const char *data;
	size_t len;
	bool original;
	const struct message_change *ch;
};

static void
add_piece(struct new_copy *nc, const char *data, size_t len, bool original,
	  const struct message_change *ch)
{
	struct new_copy_piece *last = nc->npieces > 0
		? &nc->pieces[nc->npieces - 1] : NULL;

	if (len == 0)
		return;
	if (last && last->original && original && last->data + last->len == data) {
		last->len += len;
		return;
	}
	xgrow((void **)&nc->pieces, &nc->pieces_alloc, nc->npieces + 1,
	      sizeof *nc->pieces);
	nc->pieces[nc->npieces++] = (struct new_copy_piece){ data, len,
							     original, ch };
}

/* The pass: where it is in the original, and the kept run not yet
 * written. */
struct pass {
	struct new_copy *nc;
	struct out *o;
	const char *content;
	size_t len;
	size_t run_from, run_to;        /* kept, not yet written */
	size_t fetched, released;       /* mapping paged in / let go */
	struct sha256_stream *file;     /* the new file's */
};

static int
flush_run(struct pass *ps, struct errbuf *err)
{
	size_t n = ps->run_to - ps->run_from;

	if (n == 0)
		return 0;
	add_piece(ps->nc, ps->content + ps->run_from, n, true, NULL);
	if (out_write(ps->o, ps->content + ps->run_from, n, err) < 0)
		return -1;
	ps->run_from = ps->run_to;
	return 0;
}

/* Page in the window ahead of offset to; let go of what is written. */
static void
move_window(struct pass *ps, size_t to)
{
	size_t done = ps->run_from;

	if (to > ps->fetched) {
		size_t ahead = to - ps->fetched > WINDOW_BYTES
			? to - ps->fetched : WINDOW_BYTES;

		mailbox_prefetch_pages(ps->nc->mb, ps->fetched,
				       ps->fetched + ahead);
		ps->fetched += ahead;
	}
	if (done > ps->released + WINDOW_BYTES) {
		mailbox_release_pages(ps->nc->mb, ps->released, done);
		ps->released = done;
	}
}

/* Kept bytes [from, to) of the original: hashed into the new file and
 * written with the run they extend. */
static int
keep(struct pass *ps, size_t from, size_t to, struct errbuf *err)
{
	if (from == to)
		return 0;
	if (ps->file == NULL) {
		/* before the first change: the same in both files, and left
		 * in place by the commit, so not written */
		ps->run_from = ps->run_to = to;
		return 0;
	}
	sha256_stream_update(ps->file, ps->content + from, to - from);
	if (ps->run_to != from && flush_run(ps, err) < 0)
		return -1;
	if (ps->run_to != from)
		ps->run_from = from;
	ps->run_to = to;
	return ps->run_to - ps->run_from >= RUN_BYTES ? flush_run(ps, err) : 0;
}

/* Message k of the changes, at [from, to): gone, or its new bytes. */
static int
change(struct pass *ps, size_t k, struct errbuf *err)
{
	const struct message_change *ch = ps->nc->changes
		? &ps->nc->changes[k] : NULL;

	if (flush_run(ps, err) < 0)
		return -1;
	if (!ch || !ch->redacted)
		return 0;
	add_piece(ps->nc, NULL, ch->len, false, ch);
	return change_write(ch, ps->o, ps->file, err);
}

static int
write_messages(struct pass *ps, const struct mbox_split *s,
	       struct sha256_stream *whole, struct errbuf *err)
{
	struct new_copy *nc = ps->nc;
	size_t k = 0;

	for (size_t i = 0; i < s->count; i++) {
		const struct mbox_msg *m = &s->msgs[i];
		size_t from = (size_t)m->start, to = (size_t)m->end;
		bool changed = k < nc->n && nc->del[k] == i;

		move_window(ps, to);
		/* the bytes before the first change are the same in both
		 * files: hashed once, for both */
		if (changed && ps->file == NULL) {
			ps->file = sha256_stream_copy(whole);
			nc->temp_start = from;
		}
		sha256_stream_update(whole, ps->content + from, to - from);
		if (changed) {
			if (change(ps, k++, err) < 0)
				return -1;
			ps->run_from = ps->run_to = to;
			continue;
		}
		if (keep(ps, from, to, err) < 0)
			return -1;
	}
	return 0;
}

/* Each message's own digest: on the other core, while this one writes
 * (each side pages the mapping in and lets it go on its own: a page one
 * let go is read again from the cache by the other). */
struct hasher {
	struct new_copy *nc;
	const char *content;
	const struct mbox_split *s;
	pthread_t thread;
	bool threaded;
};

static void *
hash_messages(void *arg)
{
	struct hasher *h = arg;
	size_t fetched = 0, released = 0;

	for (size_t i = 0; i < h->s->count; i++) {
		const struct mbox_msg *m = &h->s->msgs[i];

		if (m->end > fetched) {
			mailbox_prefetch_pages(h->nc->mb, fetched,
					       (size_t)m->end + WINDOW_BYTES);
			fetched = (size_t)m->end + WINDOW_BYTES;
		}
		sha256_of(h->content + m->start, (size_t)(m->end - m->start),
			  h->nc->before[i]);
		if (m->end > released + WINDOW_BYTES) {
			mailbox_release_pages(h->nc->mb, released,
					      (size_t)m->end);
			released = (size_t)m->end;
		}
	}
	return NULL;
}

static void
hasher_start(struct hasher *h)
{
	h->threaded = sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
		pthread_create(&h->thread, NULL, hash_messages, h) == 0;
	if (!h->threaded)
		hash_messages(h);
}

/* How many messages the new copy holds: the kept and the redacted. */
static void
hasher_finish(struct hasher *h)
{
	struct new_copy *nc = h->nc;
	size_t k = 0;

	if (h->threaded)
		pthread_join(h->thread, NULL);
	nc->n_after = 0;
	for (size_t i = 0; i < h->s->count; i++) {
		const struct message_change *ch = nc->changes && k < nc->n
			? &nc->changes[k] : NULL;

		if (k < nc->n && nc->del[k] == i) {
			if (ch && ch->redacted)
				nc->n_after++;
			k++;
		} else
			nc->n_after++;
	}
}

int
new_copy_write(struct new_copy *nc, int fd, struct errbuf *err)
{
	const struct mbox_split *s = mailbox_split(nc->mb);
	struct sha256_stream *whole = sha256_stream_new();
	struct pass ps = { .nc = nc };
	struct hasher h = { .nc = nc, .s = s };
	size_t head, tail;
	int rc = -1;

	ps.content = mailbox_content(nc->mb, &ps.len);
	h.content = ps.content;
	hasher_start(&h);
	ps.o = out_open(fd, mailbox_path(nc->mb), MAILBOX_PLAIN, err);
	head = s->count > 0 ? (size_t)s->msgs[0].start : ps.len;
	tail = s->count > 0 ? (size_t)s->msgs[s->count - 1].end : ps.len;
	/* the bytes before the first message (a BOM, empty lines) stay */
	sha256_stream_update(whole, ps.content, head);
	ps.run_from = ps.run_to = head;
	if (write_messages(&ps, s, whole, err) < 0)
		goto out;
	if (ps.file == NULL) {
		ps.file = sha256_stream_copy(whole);
		nc->temp_start = tail;
	}
	sha256_stream_update(whole, ps.content + tail, ps.len - tail);
	if (keep(&ps, tail, ps.len, err) < 0 || flush_run(&ps, err) < 0 ||
	    out_finish(&ps.o, &nc->size_after, err) < 0)
		goto out;
	nc->size_after += nc->temp_start;
	sha256_stream_final(ps.file, nc->file_after);
	sha256_stream_final(whole, nc->file_before);
	nc->size_before = ps.len;
	rc = 0;
out:
	hasher_finish(&h);
	mailbox_release_pages(nc->mb, 0, ps.len);
	out_close(&ps.o, NULL);
	sha256_stream_free(&ps.file);
	sha256_stream_free(&whole);
	return rc;
}

/* ---- the read-back ------------------------------------------------------------ */

static int
read_full(int fd, char *buf, size_t len, uint64_t off, size_t *got_r)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*got_r = got;
	return 0;
}

int
new_copy_read_back(struct new_copy *nc, const char *temp, struct errbuf *err)
{
	size_t clen, got = 0;
	const char *content = mailbox_content(nc->mb, &clen);
	char *buf = xmalloc(RUN_BYTES);
	int fd = open(temp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint64_t off = 0;
	int same = 1;

	if (fd < 0) {
		free(buf);
		return errbuf_errno(err, errno, "cannot read the new copy '%s'",
				    temp);
	}
	for (size_t i = 0; same == 1 && i < nc->npieces; i++) {
		const struct new_copy_piece *pc = &nc->pieces[i];
		/* a change's new bytes: by their digest, taken as they were
		 * made (the spool they were written from may have lied) */
		struct sha256_stream *h = pc->ch ? sha256_stream_new() : NULL;

		for (size_t at = 0; same == 1 && at < pc->len; at += got) {
			size_t want = pc->len - at < RUN_BYTES ? pc->len - at
				: RUN_BYTES;
			size_t src = pc->original
				? (size_t)(pc->data - content) + at : 0;

			if (pc->original)
				mailbox_prefetch_pages(nc->mb, src, src + want);
			if (read_full(fd, buf, want, off, &got) < 0)
				same = errbuf_errno(err, errno, "cannot read the "
						    "new copy '%s'", temp);
			else if (got != want)
				same = 0;
			else if (h)
				sha256_stream_update(h, buf, want);
			else if (memcmp(buf, pc->data + at, want) != 0)
				same = 0;
			if (pc->original)
				mailbox_release_pages(nc->mb, src, src + want);
			off += got;
		}
		if (h && same == 1) {
			unsigned char d[DIGEST_LEN];

			sha256_stream_final(h, d);
			same = memcmp(d, pc->ch->sha256, DIGEST_LEN) == 0;
		}
		sha256_stream_free(&h);
	}
	/* nothing after what was written */
	if (same == 1 && (read_full(fd, buf, 1, off, &got) < 0 || got != 0))
		same = 0;
	/* the new copy is read once more, by the commit: its pages stay in
	 * the cache, not in this process */
	close(fd);
	free(buf);
	return same;
}

void
new_copy_release(struct new_copy *nc)
{
	free(nc->pieces);
	nc->pieces = NULL;
	nc->npieces = nc->pieces_alloc = 0;
}
