/* tree.h -- the listing of every file of an archive with its SHA-256, in
 * GNU sha256sum format ("<64 hex>  <path>\n", paths relative to the
 * archive root, sorted bytewise), so that `sha256sum -c` run from the
 * root checks it with coreutils alone.
 *
 * The scope is what a purge was given: its root is the deepest directory
 * holding every PATH, its includes the PATHs relative to that root ("."
 * for the root itself).  Symbolic links are not followed and dotlock files
 * ("*.lock") are not listed: they come and go with every delivery.
 */
#ifndef LISTSCRUB_TREE_H
#define LISTSCRUB_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "audit/digest.h"

struct errbuf;

struct scope {
	char *root;             /* absolute; never written to a manifest */
	char **includes;        /* relative to root, sorted */
	size_t count;
};

struct tree_entry {
	char *path;             /* relative to the root */
	unsigned char sha256[DIGEST_LEN];
	uint64_t size;
	/* identity when hashed, so an unchanged file need not be read again */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	bool pending;           /* listed, not hashed yet */
};

struct tree {
	struct tree_entry *entries;     /* sorted by path */
	size_t count, alloc;
};

/* What a listing commits to: the SHA-256 of its text, the RFC 6962 root
 * over its lines (without LF) and the number of lines. */
struct tree_digest {
	unsigned char file[DIGEST_LEN];
	unsigned char root[DIGEST_LEN];
	size_t files;
};

int scope_from_paths(struct scope *sc, char *const *paths, size_t n,
		     struct errbuf *err);

/* A scope with the given root and includes (as a manifest records them). */
int scope_from_root(struct scope *sc, const char *root,
		    char *const *includes, size_t n, struct errbuf *err);

/* path (which must exist) relative to the scope's root; caller owns.
 * NULL with err filled when it is outside the root. */
char *scope_relative(const struct scope *sc, const char *path,
		     struct errbuf *err);

/* The absolute path of a relative one; caller owns. */
char *scope_absolute(const struct scope *sc, const char *rel);

/* -1 with err naming what when path (which need not exist yet) is one
 * of the scope's PATHs or inside one; 0 for NULL. */
int scope_keeps_out(const struct scope *sc, const char *path, const char *what,
		    struct errbuf *err);

void scope_release(struct scope *sc);

/* List and hash every file in scope.  skip_dir (absolute, or NULL) is left
 * out (the manifest directory, when it is inside the archive).  Files
 * whose path and identity are unchanged since reuse was made are not
 * read again. */
int tree_list(struct tree *t, const struct scope *sc, const char *skip_dir,
	      const struct tree *reuse, struct errbuf *err);

/* tree_list without reading a file: every entry is pending until
 * tree_take_digest gives it its digest or tree_hash_pending reads it. */
int tree_list_unhashed(struct tree *t, const struct scope *sc,
		       const char *skip_dir, struct errbuf *err);

/* known's digest for the pending entry of its path, when that entry's
 * identity (device, inode, size, mtime) is known's: the same file, read
 * once by whoever read it anyway.  False when it is not taken. */
bool tree_take_digest(struct tree *t, const struct tree_entry *known);

/* Hash the pending entries (on two cores when there are several); one
 * gone meanwhile is dropped. */
int tree_hash_pending(struct tree *t, const struct scope *sc,
		      struct errbuf *err);

/* The sha256sum text; caller owns. */
char *tree_text(const struct tree *t, size_t *len_r);

void tree_digest_of_text(const char *text, size_t len, struct tree_digest *d);

/* Parse a listing, checking its form: sorted, no path twice, safe
 * relative paths.  -1 with err naming the line. */
int tree_parse(struct tree *t, const char *text, size_t len,
	       struct errbuf *err);

const struct tree_entry *tree_find(const struct tree *t, const char *path);

enum tree_change { TREE_SAME, TREE_ADDED, TREE_REMOVED, TREE_CHANGED };

/* Call fn for every path of old and new, in path order, with how it
 * differs from old to new. */
typedef void (*tree_diff_fn)(const char *path, enum tree_change change,
			     void *ctx);
void tree_diff(const struct tree *old, const struct tree *new,
	       tree_diff_fn fn, void *ctx);

/* Is path (relative) one a manifest may hold: not empty, no leading '/',
 * no "." or ".." component, no NUL/CR/LF or backslash, valid UTF-8? */
bool path_is_safe(const char *path);

void tree_release(struct tree *t);

#endif
