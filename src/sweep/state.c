/* state.c -- the sweep's state file: read, planned against the files as
 * they are, noted, written atomically under its lock. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/digest.h"
#include "audit/tree.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/tarball.h"
#include "sweep/state-private.h"
#include "sweep/state.h"

/* The digests cover this much after the start and before the stop: an
 * in-place rewrite shows there, and an unchanged archive costs two reads
 * of this size, whatever its length. */
#define EDGE_BYTES (64u << 10)

/* ---- reading ---------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
read_box(struct sweep_state *st, json_t *o)
{
	struct box *b;
	json_t *names = json_object_get(o, "names"), *v;
	size_t i;

	xgrow((void **)&st->boxes, &st->boxes_alloc, st->nboxes + 1,
	      sizeof *st->boxes);
	b = &st->boxes[st->nboxes++];
	memset(b, 0, sizeof *b);
	b->path = xstrdup(json_string_value(json_object_get(o, "path")));
	b->kind = xstrdup(json_string_value(json_object_get(o, "kind")));
	b->dev = (uint64_t)json_integer_value(json_object_get(o, "dev"));
	b->ino = (uint64_t)json_integer_value(json_object_get(o, "ino"));
	b->size = (uint64_t)json_integer_value(json_object_get(o, "size"));
	b->stop = (uint64_t)json_integer_value(json_object_get(o, "stop"));
	b->mtime_s = json_integer_value(json_object_get(o, "mtime_s"));
	b->mtime_ns = json_integer_value(json_object_get(o, "mtime_ns"));
	b->messages = (unsigned long)json_integer_value(
		json_object_get(o, "messages"));
	snprintf(b->head, sizeof b->head, "%s",
		 json_string_value(json_object_get(o, "head")) ?: "");
	snprintf(b->tail, sizeof b->tail, "%s",
		 json_string_value(json_object_get(o, "tail")) ?: "");
	b->names = xcalloc(json_array_size(names) + 1, sizeof *b->names);
	json_array_foreach(names, i, v)
		if (json_is_string(v))
			b->names[b->nnames++] = xstrdup(json_string_value(v));
	qsort(b->names, b->nnames, sizeof *b->names, cmp_str);
}

static void
read_listing(struct sweep_state *st, json_t *a)
{
	json_t *o;
	size_t i;

	st->listing = xcalloc(json_array_size(a) + 1, sizeof *st->listing);
	json_array_foreach(a, i, o) {
		struct tree_entry *e = &st->listing[st->nlisting];
		const char *p = json_string_value(json_object_get(o, "path"));
		const char *d = json_string_value(json_object_get(o, "sha256"));

		if (!p || !d || !digest_parse(d, "sha256", e->sha256))
			continue;
		e->path = xstrdup(p);
		e->size = (uint64_t)json_integer_value(json_object_get(o,
								       "size"));
		e->dev = (dev_t)json_integer_value(json_object_get(o, "dev"));
		e->ino = (ino_t)json_integer_value(json_object_get(o, "ino"));
		e->mtime.tv_sec = (time_t)json_integer_value(
			json_object_get(o, "mtime_s"));
		e->mtime.tv_nsec = (long)json_integer_value(
			json_object_get(o, "mtime_ns"));
		st->nlisting++;
	}
}

static int
read_state(struct sweep_state *st, struct errbuf *err)
{
	json_error_t je;
	json_t *root = json_load_file(st->path, 0, &je), *o;
	const char *rules;
	size_t i;

	if (root == NULL) {
		if (access(st->path, F_OK) < 0 && errno == ENOENT)
			return 0;       /* a first run */
		return errbuf_set(err, "%s:%d: not a sweep state: %s (move it "
				  "away to read everything again)", st->path,
				  je.line, je.text);
	}
	if (json_integer_value(json_object_get(root, "v")) !=
	    SWEEP_STATE_VERSION) {
		json_decref(root);
		return errbuf_set(err, "'%s' is a sweep state of another "
				  "version (this one reads version %d): move it "
				  "away to read everything again", st->path,
				  SWEEP_STATE_VERSION);
	}
	rules = json_string_value(json_object_get(root, "rules"));
	st->rules_changed = rules == NULL || strcmp(rules, st->rules) != 0;
	if (!st->rules_changed) {
		json_array_foreach(json_object_get(root, "mailboxes"), i, o)
			if (json_is_string(json_object_get(o, "path")) &&
			    json_is_string(json_object_get(o, "kind")))
				read_box(st, o);
		json_array_foreach(json_object_get(root, "findings"), i, o)
			state_read_finding(st, o);
	}
	read_listing(st, json_object_get(root, "listing"));
	json_decref(root);
	return 0;
}

int
sweep_state_open(const char *path, const char *rules,
		 struct sweep_state **st_r, struct errbuf *err)
{
	struct sweep_state *st = xcalloc(1, sizeof *st);
	char *lock = xasprintf("%s.lock", path);

	st->path = xstrdup(path);
	snprintf(st->rules, sizeof st->rules, "%s", rules);
	st->lock_fd = -1;
	if (make_parent_dirs(lock, err) < 0)
		goto fail;
	st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0) {
		(void)errbuf_errno(err, errno, "cannot open the lock '%s'", lock);
		goto fail;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		(void)errbuf_set(err, "'%s' is locked: another sweep with this state "
			   "is running; try again once it is done", lock);
		goto fail;
	}
	if (read_state(st, err) < 0)
		goto fail;
	free(lock);
	*st_r = st;
	return 0;
fail:
	free(lock);
	sweep_state_close(&st);
	return -1;
}

bool
sweep_state_rules_changed(const struct sweep_state *st)
{
	return st->rules_changed;
}

/* ---- planning --------------------------------------------------------- */

static struct box *
find_box(struct sweep_state *st, const char *path)
{
	for (size_t i = 0; i < st->nboxes; i++)
		if (strcmp(st->boxes[i].path, path) == 0)
			return &st->boxes[i];
	return NULL;
}

/* The file whose identity stands for path: a tarball member's tarball. */
static int
stat_of(const char *path, struct stat *sb)
{
	const char *cut = strstr(path, "//");
	char *file = cut ? xstrndup(path, (size_t)(cut - path)) : NULL;
	int rc = stat(file ? file : path, sb);

	free(file);
	return rc;
}

/* Hex SHA-256 of [from, to) of path; "" when it cannot be read whole. */
static void
digest_range(const char *path, uint64_t from, uint64_t to,
	     char out[DIGEST_LEN * 2 + 1])
{
	unsigned char buf[EDGE_BYTES], d[DIGEST_LEN];
	size_t len = (size_t)(to - from), got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	out[0] = '\0';
	if (fd < 0)
		return;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got,
				  (off_t)(from + got));

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != len)
		return;
	sha256_of(buf, len, d);
	hex_format(out, d, DIGEST_LEN);
}

static void
edge_digests(const char *path, uint64_t stop, char *head, char *tail)
{
	digest_range(path, 0, stop < EDGE_BYTES ? stop : EDGE_BYTES, head);
	digest_range(path, stop < EDGE_BYTES ? 0 : stop - EDGE_BYTES, stop,
		     tail);
}

static bool
same_file(const struct box *b, const struct stat *sb, bool size_too)
{
	return b->dev == (uint64_t)sb->st_dev && b->ino == (uint64_t)sb->st_ino &&
	       (!size_too || (b->size == (uint64_t)sb->st_size &&
			      b->mtime_s == (int64_t)sb->st_mtim.tv_sec &&
			      b->mtime_ns == (int64_t)sb->st_mtim.tv_nsec));
}

static enum sweep_read
plan_mbox(struct box *b, const char *path, const struct stat *sb,
	  uint64_t *from_r)
{
	char head[sizeof b->head], tail[sizeof b->tail];

	if (!same_file(b, sb, false) || (uint64_t)sb->st_size < b->stop)
		return SWEEP_FULL;      /* rotated, or truncated */
	edge_digests(path, b->stop, head, tail);
	if (strcmp(head, b->head) != 0 || strcmp(tail, b->tail) != 0)
		return SWEEP_FULL;      /* rewritten */
	if ((uint64_t)sb->st_size == b->stop)
		return same_file(b, sb, true) ? SWEEP_SKIP : SWEEP_FULL;
	*from_r = b->stop;
	return SWEEP_FROM;
}

enum sweep_read
sweep_state_plan(struct sweep_state *st, const char *path, bool maildir,
		 uint64_t *from_r, unsigned long *before_r)
{
	struct box *b = find_box(st, path);
	struct stat sb;
	enum sweep_read r;

	*from_r = 0;
	*before_r = 0;
	if (b == NULL || stat_of(path, &sb) < 0)
		return SWEEP_FULL;
	if (maildir)
		r = strcmp(b->kind, "maildir") == 0 && same_file(b, &sb, false)
			? SWEEP_FROM : SWEEP_FULL;
	else if (strcmp(b->kind, "mbox") == 0)
		r = plan_mbox(b, path, &sb, from_r);
	else
		r = same_file(b, &sb, true) ? SWEEP_SKIP : SWEEP_FULL;
	if (r != SWEEP_FULL) {
		*before_r = b->messages;
		b->live = true;
	}
	return r;
}

/* A Maildir file's name without its folder and flags: it moves from new/
 * to cur/ and gains flags, and stays the same message. */
static char *
unique_name(const char *name)
{
	const char *base = strrchr(name, '/');
	const char *colon;

	base = base ? base + 1 : name;
	colon = strchr(base, ':');
	return colon ? xstrndup(base, (size_t)(colon - base)) : xstrdup(base);
}

bool
sweep_state_seen(const char *name, void *ctx)
{
	const struct box *b = ctx;
	char *u = unique_name(name);
	bool seen = b->nnames > 0 &&
		bsearch(&u, b->names, b->nnames, sizeof *b->names, cmp_str);

	free(u);
	return seen;
}

void *
sweep_state_maildir(struct sweep_state *st, const char *path)
{
	return find_box(st, path);
}

/* ---- noting ----------------------------------------------------------- */

static const char *
kind_of(const struct mailbox *mb)
{
	if (tarball_of_staged(mailbox_path(mb)))
		return "member";
	if (mailbox_kind(mb) == MAILBOX_MAILDIR)
		return "maildir";
	if (mailbox_compression(mb) != MAILBOX_PLAIN)
		return "compressed";
	return mailbox_kind(mb) == MAILBOX_MBOX ? "mbox" : "file";
}

static void
note_names(struct box *b, const struct mailbox *mb, bool again)
{
	size_t n = mailbox_message_count(mb), have = again ? 0 : b->nnames;

	if (again) {
		for (size_t i = 0; i < b->nnames; i++)
			free(b->names[i]);
		b->nnames = 0;
	}
	b->names = xrealloc(b->names, (have + n + 1) * sizeof *b->names);
	for (size_t i = 0; i < n; i++)
		b->names[b->nnames++] = unique_name(mailbox_file_name(mb, i));
	qsort(b->names, b->nnames, sizeof *b->names, cmp_str);
}

void
sweep_state_note_read(struct sweep_state *st, const struct mailbox *mb,
		      const char *path, uint64_t from, unsigned long before)
{
	struct box *b = find_box(st, path);
	size_t n = mailbox_message_count(mb), len = 0;
	struct stat sb;
	uint64_t end;

	if (stat_of(path, &sb) < 0)
		return;         /* gone: read whole next time */
	if (b == NULL) {
		xgrow((void **)&st->boxes, &st->boxes_alloc, st->nboxes + 1,
		      sizeof *st->boxes);
		b = &st->boxes[st->nboxes++];
		memset(b, 0, sizeof *b);
		b->path = xstrdup(path);
	}
	free(b->kind);
	b->kind = xstrdup(kind_of(mb));
	b->dev = (uint64_t)sb.st_dev;
	b->ino = (uint64_t)sb.st_ino;
	b->size = (uint64_t)sb.st_size;
	b->mtime_s = (int64_t)sb.st_mtim.tv_sec;
	b->mtime_ns = (int64_t)sb.st_mtim.tv_nsec;
	b->messages = before + n;
	b->live = true;
	if (strcmp(b->kind, "maildir") == 0) {
		note_names(b, mb, before == 0);
		return;
	}
	/* an mbox stops after its last message read: bytes appended since
	 * it was mapped are read next time */
	if (n > 0)
		mailbox_message_range(mb, n - 1, &(uint64_t){ 0 }, &end);
	else {
		(void)mailbox_content(mb, &len);
		end = from > 0 ? from : len;
	}
	b->stop = strcmp(b->kind, "mbox") == 0 ? end : b->size;
	edge_digests(path, b->stop, b->head, b->tail);
}

/* ---- the listing ------------------------------------------------------ */

void
sweep_state_known(const struct sweep_state *st, sweep_known_fn fn, void *ctx)
{
	for (size_t i = 0; i < st->nlisting; i++)
		fn(&st->listing[i], ctx);
}

static void
listing_free(struct sweep_state *st)
{
	for (size_t i = 0; i < st->nlisting; i++)
		free(st->listing[i].path);
	free(st->listing);
	st->listing = NULL;
	st->nlisting = 0;
}

void
sweep_state_set_listing(struct sweep_state *st, const struct tree *t)
{
	listing_free(st);
	st->listing = xcalloc(t->count + 1, sizeof *st->listing);
	for (size_t i = 0; i < t->count; i++)
		if (!t->entries[i].pending) {
			st->listing[st->nlisting] = t->entries[i];
			st->listing[st->nlisting++].path =
				xstrdup(t->entries[i].path);
		}
}

/* ---- writing ---------------------------------------------------------- */

static json_t *
box_json(const struct box *b)
{
	json_t *names = json_array();

	for (size_t i = 0; i < b->nnames; i++)
		json_array_append_new(names, json_string(b->names[i]));
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s,"
			 " s:s, s:o}", "path", b->path, "kind", b->kind,
			 "dev", (json_int_t)b->dev, "ino", (json_int_t)b->ino,
			 "size", (json_int_t)b->size,
			 "mtime_s", (json_int_t)b->mtime_s,
			 "mtime_ns", (json_int_t)b->mtime_ns,
			 "stop", (json_int_t)b->stop,
			 "messages", (json_int_t)b->messages, "head", b->head,
			 "tail", b->tail, "names", names);
}

static json_t *
entry_json(const struct tree_entry *e)
{
	char d[DIGEST_TEXT_SIZE];

	digest_format(d, "sha256", e->sha256);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path",
			 e->path, "sha256", d, "size", (json_int_t)e->size,
			 "dev", (json_int_t)e->dev, "ino", (json_int_t)e->ino,
			 "mtime_s", (json_int_t)e->mtime.tv_sec,
			 "mtime_ns", (json_int_t)e->mtime.tv_nsec);
}

int
sweep_state_save(struct sweep_state *st, struct errbuf *err)
{
	json_t *boxes = json_array(), *findings = json_array();
	json_t *listing = json_array(), *root;
	char *text;
	int rc;

	for (size_t i = 0; i < st->nboxes; i++)
		if (st->boxes[i].live)
			json_array_append_new(boxes, box_json(&st->boxes[i]));
	for (size_t i = 0; i < st->nfindings; i++)
		json_array_append_new(findings,
				      state_finding_json(&st->findings[i]));
	for (size_t i = 0; i < st->nlisting; i++)
		json_array_append_new(listing, entry_json(&st->listing[i]));
	root = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o}", "format",
			 "listscrub-sweep-state", "v", SWEEP_STATE_VERSION,
			 "rules", st->rules, "mailboxes", boxes, "findings",
			 findings, "listing", listing);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	rc = file_replace(st->path, 0600, text, strlen(text), err);
	free(text);
	return rc;
}

void
sweep_state_close(struct sweep_state **stp)
{
	struct sweep_state *st = *stp;

	if (st == NULL)
		return;
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	for (size_t i = 0; i < st->nboxes; i++) {
		free(st->boxes[i].path);
		free(st->boxes[i].kind);
		for (size_t k = 0; k < st->boxes[i].nnames; k++)
			free(st->boxes[i].names[k]);
		free(st->boxes[i].names);
	}
	free(st->boxes);
	state_clear_findings(st);
	free(st->findings);
	listing_free(st);
	free(st->path);
	free(st);
	*stp = NULL;
}
