/* tree.c -- file listings of a scope (scope.c) and their digests. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "audit/manifest.h"
#include "audit/merkle.h"
#include "audit/tree-private.h"
#include "audit/tree.h"
#include "lib/xalloc.h"

/* ---- paths ------------------------------------------------------------------ */

static bool
utf8_valid(const unsigned char *s)
{
	while (*s) {
		size_t n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1
			: (*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 ? 3 : 4;

		if (n == 4 || (n == 1 && *s < 0xc2))
			return false;
		s++;
		for (size_t i = 0; i < n; i++, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

bool
path_is_safe(const char *path)
{
	const char *p = path;
	bool member = false;

	if (*path == '\0' || *path == '/' || strpbrk(path, "\r\n\\"))
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		/* one "//": a member of a tarball (mail/tarball.h) */
		if (n == 0 && !member) {
			member = true;
			if (*++p == '\0')
				return false;
			continue;
		}
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && *++p == '\0')
			return false;
	}
	return utf8_valid((const unsigned char *)path);
}

/* ---- listing ------------------------------------------------------------------ */

static bool
is_lock_name(const char *name)
{
	size_t n = strlen(name);

	return n >= 5 && strcmp(name + n - 5, ".lock") == 0;
}

static int
add_file(struct tree *t, const char *rel, const struct stat *st,
	 struct errbuf *err)
{
	struct tree_entry *e;

	if (!path_is_safe(rel))
		return errbuf_set(err, "cannot list '%s' in a manifest: names "
				  "with line breaks, backslashes or bytes that "
				  "are not UTF-8 are not supported; rename it, "
				  "or leave it out of the PATHs", rel);
	xgrow((void **)&t->entries, &t->alloc, t->count + 1, sizeof *t->entries);
	e = &t->entries[t->count++];
	memset(e, 0, sizeof *e);
	e->path = xstrdup(rel);
	e->size = (uint64_t)st->st_size;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->mtime = st->st_mtim;
	return 0;
}

static bool
is_dir_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Is name, in the folder dirfd, a Maildir's tmp/?  Deliveries in
 * progress, not archive content: the reader (mail/walk) skips it too,
 * and a delivery moves its files out at any moment. */
static bool
is_maildir_tmp(int dirfd, const char *name)
{
	return strcmp(name, "tmp") == 0 && is_dir_at(dirfd, "cur") &&
		is_dir_at(dirfd, "new");
}

/* A file or folder that went between readdir and its stat or open (a
 * delivery moving it, a program removing it) is not listed: gone. */
static int
walk_dir(struct tree *t, const struct scope *sc, const char *rel,
	 const char *skip_dir, struct errbuf *err)
{
	char *abs = scope_absolute(sc, rel);
	DIR *d = opendir(abs);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		rc = errno == ENOENT ? 0
			: errbuf_errno(err, errno, "cannot list '%s'", abs);
		free(abs);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *child_rel;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    is_lock_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			rc = errbuf_errno(err, errno, "cannot stat '%s/%s'",
					  abs, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode) && is_maildir_tmp(dirfd(d), de->d_name))
			continue;
		child_rel = strcmp(rel, ".") == 0 ? xstrdup(de->d_name)
			: xasprintf("%s/%s", rel, de->d_name);
		if (S_ISDIR(st.st_mode)) {
			char *child_abs = scope_absolute(sc, child_rel);

			if (skip_dir == NULL || strcmp(child_abs, skip_dir) != 0)
				rc = walk_dir(t, sc, child_rel, skip_dir, err);
			free(child_abs);
		} else if (S_ISREG(st.st_mode))
			rc = add_file(t, child_rel, &st, err);
		free(child_rel);
	}
	closedir(d);
	free(abs);
	return rc;
}

int
tree_compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path,
		      ((const struct tree_entry *)b)->path);
}

static void
drop_duplicate_paths(struct tree *t)
{
	size_t out = 0;

	for (size_t i = 0; i < t->count; i++) {
		if (out > 0 && strcmp(t->entries[out - 1].path,
				      t->entries[i].path) == 0) {
			free(t->entries[i].path);
			continue;
		}
		t->entries[out++] = t->entries[i];
	}
	t->count = out;
}

static bool
same_identity(const struct tree_entry *a, const struct tree_entry *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* The files to hash, shared by the threads that hash them. */
struct hash_work {
	struct tree *t;
	const struct scope *sc;
	size_t *todo;                   /* entries to hash */
	size_t n;
	struct errbuf *why;             /* one per entry of todo */
	int *rc;
	size_t next;                    /* the next of todo to take */
	pthread_mutex_t mu;
};

static void *
hash_worker(void *arg)
{
	struct hash_work *hw = arg;

	for (;;) {
		size_t j;
		struct tree_entry *e;
		char *abs;

		pthread_mutex_lock(&hw->mu);
		j = hw->next++;
		pthread_mutex_unlock(&hw->mu);
		if (j >= hw->n)
			return NULL;
		e = &hw->t->entries[hw->todo[j]];
		abs = scope_absolute(hw->sc, e->path);
		errbuf_clear(&hw->why[j]);
		hw->rc[j] = sha256_of_file(abs, e->sha256, &e->size,
					   &hw->why[j]);
		free(abs);
	}
}

/* Hash the files of hw: on two cores when there are several. */
static void
hash_files(struct hash_work *hw)
{
	pthread_t other;
	bool two = hw->n > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
		pthread_create(&other, NULL, hash_worker, hw) == 0;

	hash_worker(hw);
	if (two)
		pthread_join(other, NULL);
}

int
tree_hash_pending(struct tree *t, const struct scope *sc, struct errbuf *err)
{
	struct hash_work hw = { .t = t, .sc = sc };
	size_t out = 0;
	int rc = 0;

	hw.todo = xcalloc(t->count + 1, sizeof *hw.todo);
	for (size_t i = 0; i < t->count; i++)
		if (t->entries[i].pending)
			hw.todo[hw.n++] = i;
	hw.why = xcalloc(hw.n + 1, sizeof *hw.why);
	hw.rc = xcalloc(hw.n + 1, sizeof *hw.rc);
	pthread_mutex_init(&hw.mu, NULL);
	hash_files(&hw);
	pthread_mutex_destroy(&hw.mu);
	/* the first failure in path order, whichever thread met it; a
	 * file gone since it was listed is dropped */
	for (size_t j = 0; j < hw.n && rc == 0; j++) {
		struct tree_entry *e = &t->entries[hw.todo[j]];

		e->pending = false;
		if (hw.rc[j] < 0 && hw.why[j].code != ENOENT) {
			if (err)
				*err = hw.why[j];
			rc = -1;
		} else if (hw.rc[j] < 0) {
			free(e->path);
			e->path = NULL;
		}
	}
	free(hw.todo);
	free(hw.why);
	free(hw.rc);
	for (size_t i = 0; i < t->count; i++)
		if (t->entries[i].path)
			t->entries[out++] = t->entries[i];
	t->count = out;
	return rc;
}

/* ---- tarballs: a line per member ---------------------------------------- */

static int
list_files(struct tree *t, const struct scope *sc, const char *skip_dir,
	   struct errbuf *err)
{
	int rc = 0;

	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < sc->count && rc == 0; i++) {
		char *abs = scope_absolute(sc, sc->includes[i]);
		struct stat st;

		if (lstat(abs, &st) < 0)
			rc = errbuf_errno(err, errno, "cannot stat '%s'", abs);
		else if (S_ISDIR(st.st_mode))
			rc = walk_dir(t, sc, sc->includes[i], skip_dir, err);
		else if (S_ISREG(st.st_mode))
			rc = add_file(t, sc->includes[i], &st, err);
		free(abs);
	}
	if (rc < 0) {
		tree_release(t);
		return -1;
	}
	if (t->count > 0)	/* qsort wants a non-NULL array */
		qsort(t->entries, t->count, sizeof *t->entries,
		      tree_compare_entries);
	drop_duplicate_paths(t);
	tree_list_members(t, sc);
	return 0;
}

int
tree_list_unhashed(struct tree *t, const struct scope *sc,
		   const char *skip_dir, struct errbuf *err)
{
	if (list_files(t, sc, skip_dir, err) < 0)
		return -1;
	for (size_t i = 0; i < t->count; i++)
		t->entries[i].pending = !tree_entry_is_member(&t->entries[i]);
	return 0;
}

int
tree_list(struct tree *t, const struct scope *sc, const char *skip_dir,
	  const struct tree *reuse, struct errbuf *err)
{
	if (list_files(t, sc, skip_dir, err) < 0)
		return -1;
	for (size_t i = 0; i < t->count; i++) {
		struct tree_entry *e = &t->entries[i];
		const struct tree_entry *old = reuse ? tree_find(reuse, e->path)
			: NULL;

		/* unchanged since reuse was made: not read again */
		if (tree_entry_is_member(e))
			continue;       /* hashed as its tarball was read */
		if (old && same_identity(old, e))
			memcpy(e->sha256, old->sha256, DIGEST_LEN);
		else
			e->pending = true;
	}
	if (tree_hash_pending(t, sc, err) < 0) {
		tree_release(t);
		return -1;
	}
	return 0;
}

bool
tree_take_digest(struct tree *t, const struct tree_entry *known)
{
	struct tree_entry *e = t->count == 0 ? NULL
		: bsearch(known, t->entries, t->count, sizeof *t->entries,
			  tree_compare_entries);

	if (e == NULL || !e->pending || !same_identity(e, known))
		return false;
	memcpy(e->sha256, known->sha256, DIGEST_LEN);
	e->pending = false;
	return true;
}

char *
tree_text(const struct tree *t, size_t *len_r)
{
	size_t size = 1, len = 0;
	char *text;

	for (size_t i = 0; i < t->count; i++)
		size += 2 * DIGEST_LEN + 3 + strlen(t->entries[i].path);
	text = xmalloc(size);
	for (size_t i = 0; i < t->count; i++) {
		const struct tree_entry *e = &t->entries[i];
		size_t n = strlen(e->path);

		hex_format(text + len, e->sha256, DIGEST_LEN);
		len += 2 * DIGEST_LEN;
		memcpy(text + len, "  ", 2);
		memcpy(text + len + 2, e->path, n);
		len += 2 + n;
		text[len++] = '\n';
	}
	text[len] = '\0';
	*len_r = len;
	return text;
}

void
tree_digest_of_text(const char *text, size_t len, struct tree_digest *d)
{
	struct merkle *m = merkle_new();
	size_t pos = 0;

	sha256_of(text, len, d->file);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		merkle_add(m, text + pos, n);
		pos += n + 1;
	}
	merkle_root(m, d->root);
	d->files = merkle_count(m);
	merkle_free(&m);
}

int
tree_parse(struct tree *t, const char *text, size_t len, struct errbuf *err)
{
	const struct manifest_limits *lim = manifest_get_limits();
	size_t pos = 0, line = 0;

	memset(t, 0, sizeof *t);
	while (pos < len) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		char digest[DIGEST_TEXT_SIZE], *path;
		struct tree_entry *e;

		line++;
		if (n > lim->line_bytes || line > lim->entries) {
			tree_release(t);
			return errbuf_set(err, "line %zu is longer than %zu bytes "
					  "(--max-line) or past %zu lines "
					  "(--max-entries)", line, lim->line_bytes,
					  lim->entries);
		}
		if (nl == NULL || n < 2 * DIGEST_LEN + 3 ||
		    memcmp(p + 2 * DIGEST_LEN, "  ", 2) != 0) {
			tree_release(t);
			return errbuf_set(err, "line %zu is not '<sha256>  "
					  "<path>' ending in LF", line);
		}
		snprintf(digest, sizeof digest, "sha256:%.*s", 2 * DIGEST_LEN, p);
		path = xstrndup(p + 2 * DIGEST_LEN + 2, n - 2 * DIGEST_LEN - 2);
		xgrow((void **)&t->entries, &t->alloc, t->count + 1,
		      sizeof *t->entries);
		e = &t->entries[t->count++];
		memset(e, 0, sizeof *e);
		e->path = path;
		if (!digest_parse(digest, "sha256", e->sha256) ||
		    strlen(path) != n - 2 * DIGEST_LEN - 2 || !path_is_safe(path) ||
		    (t->count > 1 && strcmp(t->entries[t->count - 2].path,
					    path) >= 0)) {
			tree_release(t);
			return errbuf_set(err, "line %zu: a bad digest, an unsafe "
					  "path, or a path out of order or "
					  "repeated", line);
		}
		pos += n + 1;
	}
	return 0;
}

const struct tree_entry *
tree_find(const struct tree *t, const char *path)
{
	struct tree_entry key = { .path = (char *)path };

	if (t->count == 0)
		return NULL;
	return bsearch(&key, t->entries, t->count, sizeof key,
		       tree_compare_entries);
}

void
tree_diff(const struct tree *old, const struct tree *new, tree_diff_fn fn,
	  void *ctx)
{
	size_t i = 0, j = 0;

	/* a merge of the two sorted listings; past the end of one, the
	 * other's entries are all removed or all added */
	while (i < old->count || j < new->count) {
		const struct tree_entry *o, *n;
		int c;

		if (j == new->count) {
			fn(old->entries[i++].path, TREE_REMOVED, ctx);
			continue;
		}
		if (i == old->count) {
			fn(new->entries[j++].path, TREE_ADDED, ctx);
			continue;
		}
		o = &old->entries[i];
		n = &new->entries[j];
		c = strcmp(o->path, n->path);

		if (c < 0)
			fn(o->path, TREE_REMOVED, ctx);
		else if (c > 0)
			fn(n->path, TREE_ADDED, ctx);
		else
			fn(o->path, memcmp(o->sha256, n->sha256, DIGEST_LEN)
			   ? TREE_CHANGED : TREE_SAME, ctx);
		i += c <= 0;
		j += c >= 0;
	}
}

void
tree_release(struct tree *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->entries[i].path);
	free(t->entries);
	memset(t, 0, sizeof *t);
}
