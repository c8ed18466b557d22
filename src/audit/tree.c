/* tree.c -- archive scope, file listings and their digests. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "audit/merkle.h"
#include "audit/tree.h"
#include "lib/xalloc.h"

/* ---- scope ----------------------------------------------------------------- */

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the includes; a PATH given twice is one include. */
static void
sort_unique(struct scope *sc)
{
	size_t out = 0;

	qsort(sc->includes, sc->count, sizeof *sc->includes, compare_strings);
	for (size_t i = 0; i < sc->count; i++) {
		if (out > 0 && strcmp(sc->includes[out - 1], sc->includes[i]) == 0)
			free(sc->includes[i]);
		else
			sc->includes[out++] = sc->includes[i];
	}
	sc->count = out;
}

/* Narrow root (absolute) to the deepest directory that also holds dir. */
static void
narrow_root(char *root, const char *dir)
{
	size_t keep = 0;

	for (size_t i = 0;; i++) {
		bool end_r = root[i] == '\0' || root[i] == '/';
		bool end_d = dir[i] == '\0' || dir[i] == '/';

		if (end_r && end_d) {
			keep = i;
			if (root[i] == '\0' || dir[i] == '\0')
				break;
		} else if (root[i] != dir[i])
			break;
	}
	if (keep == 0)
		strcpy(root, "/");
	else
		root[keep] = '\0';
}

static char *
relative_to(const char *root, const char *abs)
{
	size_t n = strlen(root);

	if (strcmp(root, abs) == 0)
		return xstrdup(".");
	if (strcmp(root, "/") == 0)
		return xstrdup(abs + 1);
	if (strncmp(root, abs, n) == 0 && abs[n] == '/')
		return xstrdup(abs + n + 1);
	return NULL;
}

/* The directory an operand contributes to the root: itself or its parent. */
static char *
operand_dir(const char *abs, const struct stat *st)
{
	char *dir = xstrdup(abs);

	if (!S_ISDIR(st->st_mode)) {
		*strrchr(dir, '/') = '\0';
		if (dir[0] == '\0')
			strcpy(dir, "/");
	}
	return dir;
}

int
scope_from_paths(struct scope *sc, char *const *paths, size_t n,
		 struct errbuf *err)
{
	memset(sc, 0, sizeof *sc);
	sc->includes = xcalloc(n + 1, sizeof *sc->includes);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char *dir;

		sc->includes[i] = realpath(paths[i], NULL);
		sc->count = i + 1;
		if (sc->includes[i] == NULL || stat(sc->includes[i], &st) < 0) {
			errbuf_errno(err, errno, "cannot resolve '%s'", paths[i]);
			scope_release(sc);
			return -1;
		}
		dir = operand_dir(sc->includes[i], &st);
		if (sc->root == NULL)
			sc->root = dir;
		else {
			narrow_root(sc->root, dir);
			free(dir);
		}
	}
	/* now that the root is known, make the includes relative to it */
	for (size_t i = 0; i < sc->count; i++) {
		char *rel = relative_to(sc->root, sc->includes[i]);

		free(sc->includes[i]);
		sc->includes[i] = rel;
	}
	sort_unique(sc);
	return 0;
}

int
scope_from_root(struct scope *sc, const char *root, char *const *includes,
		size_t n, struct errbuf *err)
{
	memset(sc, 0, sizeof *sc);
	sc->root = realpath(root, NULL);
	if (sc->root == NULL)
		return errbuf_errno(err, errno, "cannot resolve '%s'", root);
	sc->includes = xcalloc(n + 1, sizeof *sc->includes);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(includes[i], ".") != 0 && !path_is_safe(includes[i])) {
			scope_release(sc);
			return errbuf_set(err, "unsafe scope path '%s'",
					  includes[i]);
		}
		sc->includes[sc->count++] = xstrdup(includes[i]);
	}
	sort_unique(sc);
	return 0;
}

char *
scope_relative(const struct scope *sc, const char *path, struct errbuf *err)
{
	char *abs = realpath(path, NULL), *rel;

	if (abs == NULL) {
		errbuf_errno(err, errno, "cannot resolve '%s'", path);
		return NULL;
	}
	rel = relative_to(sc->root, abs);
	free(abs);
	if (rel == NULL)
		errbuf_set(err, "'%s' is outside the archive root", path);
	return rel;
}

char *
scope_absolute(const struct scope *sc, const char *rel)
{
	if (strcmp(rel, ".") == 0)
		return xstrdup(sc->root);
	return xasprintf("%s/%s", strcmp(sc->root, "/") == 0 ? "" : sc->root,
			 rel);
}

void
scope_release(struct scope *sc)
{
	for (size_t i = 0; i < sc->count; i++)
		free(sc->includes[i]);
	free(sc->includes);
	free(sc->root);
	memset(sc, 0, sizeof *sc);
}

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

	if (*path == '\0' || *path == '/' || strpbrk(path, "\r\n\\"))
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

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

static int
walk_dir(struct tree *t, const struct scope *sc, const char *rel,
	 const char *skip_dir, struct errbuf *err)
{
	char *abs = scope_absolute(sc, rel);
	DIR *d = opendir(abs);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		rc = errbuf_errno(err, errno, "cannot list '%s'", abs);
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
			rc = errbuf_errno(err, errno, "cannot stat '%s/%s'",
					  abs, de->d_name);
			break;
		}
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

static int
compare_entries(const void *a, const void *b)
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

static int
hash_entries(struct tree *t, const struct scope *sc, const struct tree *reuse,
	     struct errbuf *err)
{
	for (size_t i = 0; i < t->count; i++) {
		struct tree_entry *e = &t->entries[i];
		const struct tree_entry *old = reuse ? tree_find(reuse, e->path)
			: NULL;
		char *abs;
		int rc;

		if (old && same_identity(old, e)) {
			memcpy(e->sha256, old->sha256, DIGEST_LEN);
			continue;
		}
		abs = scope_absolute(sc, e->path);
		rc = sha256_of_file(abs, e->sha256, &e->size, err);
		free(abs);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
tree_list(struct tree *t, const struct scope *sc, const char *skip_dir,
	  const struct tree *reuse, struct errbuf *err)
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
	if (rc == 0) {
		if (t->count > 0)	/* qsort wants a non-NULL array */
			qsort(t->entries, t->count, sizeof *t->entries, compare_entries);
		drop_duplicate_paths(t);
		rc = hash_entries(t, sc, reuse, err);
	}
	if (rc < 0)
		tree_release(t);
	return rc;
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
	size_t pos = 0, line = 0;

	memset(t, 0, sizeof *t);
	while (pos < len) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		char digest[DIGEST_TEXT_SIZE], *path;
		struct tree_entry *e;

		line++;
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
	return bsearch(&key, t->entries, t->count, sizeof key, compare_entries);
}

void
tree_diff(const struct tree *old, const struct tree *new, tree_diff_fn fn,
	  void *ctx)
{
	size_t i = 0, j = 0;

	while (i < old->count || j < new->count) {
		const struct tree_entry *o = i < old->count ? &old->entries[i] : NULL;
		const struct tree_entry *n = j < new->count ? &new->entries[j] : NULL;
		int c = !o ? 1 : !n ? -1 : strcmp(o->path, n->path);

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
