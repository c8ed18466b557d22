/* verify-messages.c -- the messages check (the messages inside the
 * changed files give both message roots), and the gone check's work on
 * each message of the archive as it is now, done inside the selection's
 * pass that searches it for the leaked tokens (so that each message is
 * paged in and read once, on every core): each changed file's message
 * digests, and whether a message the run removed is back.  A changed
 * file that pass did not read (no gone check) gets a pass of its own,
 * in chunks whose pages leave memory behind them. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/incident.h"
#include "audit/merkle.h"
#include "audit/verify-private.h"
#include "lib/parallel.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/msgid.h"
#include "select/select.h"

/* One mailbox of the pass over messages. */
struct box_job {
	struct mailbox *mb;                     /* loaded; NULL: not read */
	unsigned char (*sha)[DIGEST_LEN];       /* non-NULL: each message's
						   SHA-256 into it */
	char *error;                            /* a message of it could not
						   be read (with sha only) */
	size_t error_at;                        /* ... the first: its index */
	struct file_digests *into;              /* whose sha it is, or NULL */
};

#define CHUNK_BYTES (4u << 20)        /* mapped at a time, per worker */
#define CHUNK_MESSAGES 2048

/* Only for a file the selection's pass did not read. */
struct chunk {
	size_t first, count;
	char *error;                    /* reading a message failed */
};

struct pass {
	struct box_job *job;
	struct chunk *chunks;
	size_t n_chunks;
	atomic_size_t next;
};

static void
run_chunk(const struct pass *p, struct chunk *ck)
{
	struct mailbox *mb = p->job->mb;
	uint64_t start = 0, end = 0, unused;
	struct errbuf err;

	mailbox_message_range(mb, ck->first, &start, &unused);
	mailbox_message_range(mb, ck->first + ck->count - 1, &unused, &end);
	mailbox_prefetch_pages(mb, start, end);
	for (size_t i = ck->first; i < ck->first + ck->count; i++) {
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;

		if (mailbox_message(mb, i, &raw, &len, &off, &owned, &err) < 0) {
			if (ck->error == NULL)
				ck->error = xstrdup(err.msg);
			continue;
		}
		sha256_of(raw, len, p->job->sha[i]);
		if (owned)
			free((char *)raw);
	}
	mailbox_release_pages(mb, start, end);
}

static void *
worker(void *arg)
{
	struct pass *p = arg;
	size_t c;

	while ((c = atomic_fetch_add(&p->next, 1)) < p->n_chunks)
		run_chunk(p, &p->chunks[c]);
	return NULL;
}

static size_t
message_bytes(const struct mailbox *mb, size_t i)
{
	uint64_t start, end;

	mailbox_message_range(mb, i, &start, &end);
	return end - start;
}

/* The SHA-256 of each message of one loaded mailbox, on v->s->jobs
 * workers (0: one per core) in chunks, dropping each chunk's pages
 * behind it; job->error: the first message that could not be read. */
static void
digests_pass(struct vctx *v, struct box_job *job)
{
	struct pass p = { .job = job };
	size_t count = mailbox_message_count(job->mb), i = 0, alloc = 0;

	while (i < count) {
		size_t first = i, bytes = 0;

		while (i < count && i - first < CHUNK_MESSAGES &&
		       bytes < CHUNK_BYTES)
			bytes += message_bytes(job->mb, i++);
		xgrow((void **)&p.chunks, &alloc, p.n_chunks + 1,
		      sizeof *p.chunks);
		p.chunks[p.n_chunks++] = (struct chunk){
			.first = first, .count = i - first,
		};
	}
	atomic_store(&p.next, 0);
	parallel_run(worker, &p, parallel_count(v->s->jobs, p.n_chunks));
	for (size_t c = 0; c < p.n_chunks; c++) {
		if (p.chunks[c].error && job->error == NULL)
			job->error = p.chunks[c].error;
		else
			free(p.chunks[c].error);
	}
	free(p.chunks);
}


/* The gone check's work on each message, done inside the selection's
 * pass (select_hook) so that each message is read once: whether it is a
 * message the run removed, and the changed files' message digests. */
enum found { FOUND_NONE, FOUND_BYTES, FOUND_MID, FOUND_NAMESAKE };

struct event {
	size_t mailbox, index;
	uint64_t offset;
	enum found what;
};

struct look {
	struct vctx *v;
	struct removed *rm;
	struct box_job *jobs;           /* by mailbox */
	size_t n_jobs;
	pthread_mutex_t lock;           /* events, errors */
	struct event *events;           /* rare: a finding each */
	size_t n_events, events_alloc;
	struct select_hook hook;
};

static int
compare_len(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool
may_be_removed(const struct removed *rm, size_t len)
{
	uint64_t l = len;

	if (!rm->lens_known)
		return rm->n_msgs > 0;
	return rm->n_lens > 0 &&
	       bsearch(&l, rm->lens, rm->n_lens, sizeof l, compare_len) != NULL;
}

/* A deleted message back in place: by its bytes, or by the Message-ID
 * it was deleted for (see check_gone); FOUND_NONE: neither. */
static enum found
look_at(const struct vctx *v, const struct removed *rm, const char *raw,
	size_t len)
{
	const struct incident_key *key = v->s->incident_key;
	unsigned char d[DIGEST_LEN];
	enum found what = FOUND_NONE;
	char *id;

	if (may_be_removed(rm, len)) {
		incident_mac(key, MAC_MESSAGE, raw, len, d);
		if (digest_held((const void *)rm->msgs, rm->n_msgs, d))
			return FOUND_BYTES;
	}
	if (rm->n_mids == 0 && rm->n_held_mids == 0)
		return FOUND_NONE;
	if ((id = msgid_of_message(raw, len)) == NULL)
		return FOUND_NONE;
	incident_mac(key, MAC_MESSAGE_ID, id, strlen(id), d);
	if (digest_held((const void *)rm->mids, rm->n_mids, d))
		what = FOUND_MID;
	else if (digest_held((const void *)rm->held_mids, rm->n_held_mids, d))
		what = FOUND_NAMESAKE;
	free(id);
	return what;
}

static void
look_message(void *ctx, size_t mailbox, size_t index, const char *raw,
	     size_t len, uint64_t offset, const char *error)
{
	struct look *lk = ctx;
	struct box_job *job = &lk->jobs[mailbox];
	enum found what;

	if (job->mb == NULL)
		return;
	if (raw == NULL) {
		pthread_mutex_lock(&lk->lock);
		if (job->sha && (job->error == NULL || index < job->error_at)) {
			free(job->error);
			job->error = xstrdup(error);
			job->error_at = index;
		}
		pthread_mutex_unlock(&lk->lock);
		return;
	}
	if (job->sha)
		sha256_of(raw, len, job->sha[index]);
	if ((what = look_at(lk->v, lk->rm, raw, len)) == FOUND_NONE)
		return;
	pthread_mutex_lock(&lk->lock);
	xgrow((void **)&lk->events, &lk->events_alloc, lk->n_events + 1,
	      sizeof *lk->events);
	lk->events[lk->n_events++] = (struct event){ mailbox, index, offset,
						    what };
	pthread_mutex_unlock(&lk->lock);
}

static int
compare_events(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->mailbox != y->mailbox)
		return (x->mailbox > y->mailbox) - (x->mailbox < y->mailbox);
	return (x->index > y->index) - (x->index < y->index);
}

/* The findings, in mailbox and message order as one reader would make
 * them. */
static void
report(struct look *lk)
{
	struct removed *rm = lk->rm;
	struct vctx *v = lk->v;

	if (lk->n_events > 1)
		qsort(lk->events, lk->n_events, sizeof *lk->events,
		      compare_events);
	for (size_t k = 0; k < lk->n_events; k++) {
		const struct event *e = &lk->events[k];
		const char *path = mailbox_path(lk->jobs[e->mailbox].mb);
		unsigned long long off = e->offset;
		if (e->what == FOUND_BYTES) {
			rm->failures++;
			finding(v, CHECK_GONE, "%s:#%zu (offset %llu): a deleted or "
				"redacted original is back, byte for byte", path,
				e->index, off);
		} else if (e->what == FOUND_MID) {
			rm->failures++;
			finding(v, CHECK_GONE, "%s:#%zu (offset %llu): a "
				"message with the Message-ID of a deleted "
				"one", path, e->index, off);
		} else {
			rm->namesakes = xreallocarray(rm->namesakes,
				rm->n_namesakes + 1, sizeof *rm->namesakes);
			rm->namesakes[rm->n_namesakes++] = xasprintf(
				"note: %s:#%zu (offset %llu) has the "
				"Message-ID of a message deleted for what "
				"it held; it does not hold it", path, e->index,
				off);
		}
	}
}

/* A changed mbox file whose messages the messages check reads, and how
 * many it should hold now (0: none to read). */
static bool
messages_checked(const struct vctx *v, const json_t *f, size_t *expect)
{
	if (!str_is(f, "t", "file") ||
	    !json_object_get(json_object_get(f, "before"), "msgs") ||
	    (v->apply && json_is_null(json_object_get(f, "after"))))
		return false;
	*expect = (size_t)json_int(json_object_get(f, v->apply ? "after"
						    : "before"), "msgs");
	return true;
}

static int
compare_rel(const void *a, const void *b)
{
	return strcmp(((const struct file_digests *)a)->rel,
		      ((const struct file_digests *)b)->rel);
}

/* The digests the gone check's pass took of file rel (d NULL: it did
 * not take them), or NULL. */
static struct file_digests *
taken_digests(const struct vctx *v, const char *rel)
{
	struct file_digests key = { .rel = (char *)rel };

	return v->n_pre == 0 ? NULL : bsearch(&key, v->pre, v->n_pre,
					      sizeof *v->pre, compare_rel);
}

/* The changed mbox files the messages check will read, sorted. */
static void
wanted_digests(struct vctx *v)
{
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		const json_t *f = v->m.lines[i];
		size_t expect;

		if (!messages_checked(v, f, &expect) || expect == 0)
			continue;
		v->pre = xreallocarray(v->pre, v->n_pre + 1, sizeof *v->pre);
		v->pre[v->n_pre++] = (struct file_digests){
			.rel = xstrdup(json_str(f, "path")),
		};
	}
	if (v->n_pre > 1)
		qsort(v->pre, v->n_pre, sizeof *v->pre, compare_rel);
}

/* Once every mailbox is loaded: the jobs of the pass, every loaded
 * mailbox looked through, and the changed mbox files' digests for the
 * messages check taken too (so that each file is read once). */
static void
look_loaded(void *ctx, const struct mailbox_list *boxes)
{
	struct look *lk = ctx;
	struct vctx *v = lk->v;

	lk->jobs = xcalloc(boxes->count + 1, sizeof *lk->jobs);
	lk->n_jobs = boxes->count;
	if (passed(v, CHECK_LISTINGS))
		wanted_digests(v);
	for (size_t b = 0; b < boxes->count; b++) {
		struct mailbox *mb = boxes->items[b];
		struct file_digests *pre;
		char *rel;

		if (!mailbox_is_loaded(mb))
			continue;
		lk->jobs[b].mb = mb;
		if (v->n_pre == 0 || mailbox_kind(mb) != MAILBOX_MBOX ||
		    (rel = scope_relative(&v->scope, mailbox_path(mb), NULL)) == NULL)
			continue;
		if ((pre = taken_digests(v, rel)) != NULL && pre->d == NULL) {
			pre->n = mailbox_message_count(mb);
			pre->d = xcalloc(pre->n + 1, DIGEST_LEN);
			lk->jobs[b].sha = pre->d;
			lk->jobs[b].into = pre;
		}
		free(rel);
	}
}

struct look *
look_begin(struct vctx *v, struct removed *rm)
{
	struct look *lk = xcalloc(1, sizeof *lk);

	lk->v = v;
	lk->rm = rm;
	pthread_mutex_init(&lk->lock, NULL);
	lk->hook = (struct select_hook){
		.loaded = look_loaded, .message = look_message, .ctx = lk,
	};
	if (rm->n_lens > 1)
		qsort(rm->lens, rm->n_lens, sizeof *rm->lens, compare_len);
	return lk;
}

const struct select_hook *
look_hook(struct look *lk)
{
	return &lk->hook;
}

void
look_end(struct look **lkp, bool report_findings)
{
	struct look *lk = *lkp;

	if (lk == NULL)
		return;
	if (report_findings)
		report(lk);
	/* why a file's digests could not be had, for the messages check */
	for (size_t j = 0; j < lk->n_jobs; j++)
		if (lk->jobs[j].into)
			lk->jobs[j].into->error = lk->jobs[j].error;
		else
			free(lk->jobs[j].error);
	free(lk->jobs);
	free(lk->events);
	pthread_mutex_destroy(&lk->lock);
	free(lk);
	*lkp = NULL;
}


/* The digests of the messages the file holds now: those the gone check's
 * pass took, or read now. */
static int
current_digests(struct vctx *v, const char *rel, size_t expect,
		unsigned char (**d)[DIGEST_LEN], size_t *n)
{
	struct file_digests *pre = taken_digests(v, rel);
	char *path = scope_absolute(&v->scope, rel);
	struct mailbox *mb = mailbox_new(path);
	struct box_job job = { .mb = mb };
	struct errbuf err;
	int rc = 0;

	*d = NULL;
	*n = 0;
	errbuf_clear(&err);
	if (expect == 0)        /* an empty array, never NULL, on success */
		*d = xcalloc(1, DIGEST_LEN);
	else if (pre && pre->error)
		rc = errbuf_set(&err, "%s", pre->error);
	else if (pre && pre->d) {        /* taken over */
		*d = pre->d;
		*n = pre->n;
		pre->d = NULL;
	} else {
		rc = mailbox_load(mb, &err);
		if (rc == 0 && mailbox_kind(mb) != MAILBOX_MBOX)
			rc = errbuf_set(&err, "it is not an mbox any more");
		if (rc == 0) {
			job.sha = xcalloc(mailbox_message_count(mb) + 1,
					  DIGEST_LEN);
			digests_pass(v, &job);
			if (job.error)
				rc = errbuf_set(&err, "%s", job.error);
		}
		if (rc == 0) {
			*d = job.sha;
			*n = mailbox_message_count(mb);
		} else
			free(job.sha);
		free(job.error);
	}
	if (rc < 0)
		finding(v, CHECK_MESSAGES, "%s: %s", rel, err.msg);
	mailbox_free(&mb);
	free(path);
	return rc;
}

/* The act lines of the run that changed a file, by file then line: each
 * file's are found once, not by reading every line again. */
struct file_acts {
	const char *file;
	size_t line;
};

static int
compare_acts(const void *a, const void *b)
{
	const struct file_acts *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Every act that changed a file, sorted (a message deferred to a later
 * run is still there, as it was: not one of them). */
static struct file_acts *
index_acts(const struct vctx *v, size_t *n_r)
{
	struct file_acts *acts = xcalloc(v->m.count + 1, sizeof *acts);
	size_t n = 0;

	for (size_t k = 1; k + 1 < v->m.count; k++) {
		const json_t *a = v->m.lines[k];
		const char *file = json_str(a, "file");

		if (str_is(a, "t", "act") && file &&
		    !str_is(a, "action", "defer-message"))
			acts[n++] = (struct file_acts){ file, k };
	}
	if (n > 1)
		qsort(acts, n, sizeof *acts, compare_acts);
	*n_r = n;
	return acts;
}

/* Rebuild the per-message values before the run: the act's keyed digest
 * where a message was deleted, the current messages elsewhere in order. */
static bool
rebuild_before(const struct vctx *v, const char *rel, size_t total,
	       const unsigned char (*now)[DIGEST_LEN], size_t n_now,
	       struct merkle *values)
{
	unsigned char mac[DIGEST_LEN];
	size_t c = 0, i = 0, lo = 0, hi = v->n_acts;

	while (lo < hi) {       /* the first act of rel */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v->acts[mid].file, rel) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->n_acts && strcmp(v->acts[lo].file, rel) == 0; lo++) {
		const json_t *a = v->m.lines[v->acts[lo].line];
		long long at = json_int(json_object_get(a, "pos_before"), "index");

		if (at < (long long)i || at >= (long long)total)
			return false;
		for (; i < (size_t)at; i++) {
			if (c >= n_now)
				return false;
			merkle_add(values, now[c++], DIGEST_LEN);
		}
		memset(mac, 0, sizeof mac);
		json_digest(a, "before", "hmac-sha256", mac);
		merkle_add(values, mac, DIGEST_LEN);
		i++;
		/* a plan's file still holds it; a redacted message stays */
		c += !v->apply || str_is(a, "action", "redact-message");
	}
	for (; i < total; i++) {
		if (c >= n_now)
			return false;
		merkle_add(values, now[c++], DIGEST_LEN);
	}
	return c == n_now;
}

static bool
root_is(const json_t *state, const struct merkle *values)
{
	unsigned char root[DIGEST_LEN], want[DIGEST_LEN];

	merkle_root(values, root);
	return json_digest(state, "msgs_root", "sha256", want) &&
	       json_int(state, "msgs") == (long long)merkle_count(values) &&
	       memcmp(root, want, DIGEST_LEN) == 0;
}

static void
check_file_messages(struct vctx *v, const json_t *f, size_t expect)
{
	const json_t *before = json_object_get(f, "before");
	const json_t *after = json_object_get(f, "after");
	const char *rel = json_str(f, "path");
	size_t total = (size_t)json_int(before, "msgs");
	unsigned char (*now)[DIGEST_LEN];
	struct merkle *values;
	size_t n_now;

	if (current_digests(v, rel, expect, &now, &n_now) < 0)
		return;
	values = merkle_new();
	for (size_t i = 0; i < n_now && v->apply; i++)
		merkle_add(values, now[i], DIGEST_LEN);
	if (v->apply && !root_is(after, values))
		finding(v, CHECK_MESSAGES, "%s: its %zu messages are not the ones "
			"the run left (msgs_root after differs)", rel, n_now);
	merkle_free(&values);
	/* the values before, one at a time: memory holds no copy of them */
	values = merkle_new();
	if (!rebuild_before(v, rel, total, (const void *)now, n_now, values) ||
	    !root_is(before, values))
		finding(v, CHECK_MESSAGES, "%s: the messages now plus the "
			"deleted ones recorded are not the file before the run "
			"(msgs_root before differs): a change the manifest does "
			"not list", rel);
	merkle_free(&values);
	free(now);
}

void
check_messages(struct vctx *v)
{
	size_t files = 0;

	if (!needs(v, CHECK_MESSAGES, CHECK_LISTINGS))
		return;
	v->acts = index_acts(v, &v->n_acts);
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		const json_t *f = v->m.lines[i];
		size_t expect;

		if (!messages_checked(v, f, &expect))
			continue;
		files++;
		check_file_messages(v, f, expect);
	}
	free(v->acts);
	v->acts = NULL;
	if (v->rep->checks[CHECK_MESSAGES].n_findings == 0)
		vset(v, CHECK_MESSAGES, STATUS_OK, "in the %zu changed mbox "
		     "files, the kept messages and the deleted ones recorded "
		     "give both message roots", files);
	else
		vset(v, CHECK_MESSAGES, STATUS_FAIL, "a changed file holds "
		     "changes the manifest does not record");
}
