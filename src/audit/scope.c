/* scope.c -- what a run was given: the archive root and its includes. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "audit/tree.h"
#include "lib/xalloc.h"
#include "mail/tarball.h"

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
			errbuf_format_errno(err, errno, "cannot resolve '%s'", paths[i]);
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

/* A staged member of a tarball is named "TARBALL//member" (mail/tarball.h). */
static char *
member_relative(const struct scope *sc, const char *path, struct errbuf *err)
{
	char *shown = tarball_shown(path), *sep, *rel = NULL;

	if (shown == NULL)
		return NULL;
	sep = strstr(shown, "//");
	*sep = '\0';
	rel = scope_relative(sc, shown, err);
	if (rel) {
		char *member = xasprintf("%s//%s", rel, sep + 2);

		free(rel);
		rel = member;
	}
	free(shown);
	return rel;
}

char *
scope_relative(const struct scope *sc, const char *path, struct errbuf *err)
{
	char *abs, *rel;

	if (tarball_of_staged(path))
		return member_relative(sc, path, err);
	abs = realpath(path, NULL);

	if (abs == NULL) {
		errbuf_format_errno(err, errno, "cannot resolve '%s'", path);
		return NULL;
	}
	rel = relative_to(sc->root, abs);
	free(abs);
	if (rel == NULL)
		errbuf_format(err, "'%s' is outside the archive root", path);
	return rel;
}

char *
scope_absolute(const struct scope *sc, const char *rel)
{
	char *abs, *staged;

	if (strcmp(rel, ".") == 0)
		return xstrdup(sc->root);
	abs = xasprintf("%s/%s", strcmp(sc->root, "/") == 0 ? "" : sc->root,
			rel);
	/* a member of a staged tarball is read where it is staged */
	if (strstr(rel, "//") && (staged = tarball_staged_file(abs)) != NULL) {
		free(abs);
		return staged;
	}
	return abs;
}

/* path made absolute with symbolic links resolved, where its tail does
 * not exist yet (a folder to be made) resolved as far as it does. */
static char *
resolve_to_be(const char *path)
{
	char *abs = realpath(path, NULL), *dir, *slash, *out;
	const char *base;

	if (abs || errno != ENOENT)
		return abs;
	dir = xstrdup(path);
	while ((slash = strrchr(dir, '/')) && slash[1] == '\0' && slash > dir)
		*slash = '\0';         /* "dir/" */
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : dir;
	if (slash == dir)
		out = xstrdup("/");
	else {
		if (slash)
			*slash = '\0';
		out = resolve_to_be(slash ? dir : ".");
	}
	if (out && strcmp(base, "..") == 0) {
		char *up = strrchr(out, '/');

		if (up && up != out)
			*up = '\0';
		else if (up)
			up[1] = '\0';
	} else if (out && *base && strcmp(base, ".") != 0) {
		char *joined = xasprintf("%s/%s", strcmp(out, "/") ? out : "",
					 base);

		free(out);
		out = joined;
	}
	free(dir);
	return out;
}

int
scope_keeps_out(const struct scope *sc, const char *path, const char *what,
		struct errbuf *err)
{
	char *abs = path ? resolve_to_be(path) : NULL;
	int rc = 0;

	if (path && abs == NULL)
		return errbuf_errno(err, errno, "cannot resolve %s '%s'", what,
				    path);
	for (size_t i = 0; abs && i < sc->count && rc == 0; i++) {
		char *inc = scope_absolute(sc, sc->includes[i]);
		size_t n = strlen(inc);

		if (strncmp(abs, inc, n) == 0 &&
		    (abs[n] == '\0' || abs[n] == '/' || strcmp(inc, "/") == 0))
			rc = errbuf_set(err, "%s '%s' is inside the archive being "
					"purged: what it keeps would become part "
					"of the archive (and of its next runs); "
					"choose a folder outside the PATHs", what,
					path);
		free(inc);
	}
	free(abs);
	return rc;
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
