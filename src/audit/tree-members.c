/* tree-members.c -- the listing lines of a tarball's members
 * ("TARBALL//member", the SHA-256 of each member's content), read as the
 * tarball streams by. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit/digest.h"
#include "audit/tree-private.h"
#include "audit/tree.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/pipermail.h"
#include "mail/tarball.h"

bool
tree_entry_is_member(const struct tree_entry *e)
{
	return strstr(e->path, "//") != NULL;
}

struct member_hash {
	struct tree *members;           /* what the tarballs add */
	size_t first;                   /* this tarball's first line there */
	const struct tree_entry *tarball;
	struct sha256_stream *s;
	struct tree_entry *cur;
};

static void
member_done(struct member_hash *mh)
{
	if (mh->cur)
		sha256_stream_final(mh->s, mh->cur->sha256);
	sha256_stream_free(&mh->s);
	mh->cur = NULL;
}

static int
hash_member(void *ctx, const char *name, const char *hardlink_to,
	    const void *data, size_t len)
{
	struct member_hash *mh = ctx;
	struct tree *m = mh->members;
	struct tree_entry *e;
	char *target;

	if (data) {
		sha256_stream_update(mh->s, data, len);
		mh->cur->size += len;
		return 0;
	}
	member_done(mh);
	xgrow((void **)&m->entries, &m->alloc, m->count + 1, sizeof *m->entries);
	e = &m->entries[m->count++];
	memset(e, 0, sizeof *e);
	e->path = xasprintf("%s//%s", mh->tarball->path, name);
	if (!path_is_safe(e->path))
		return -1;
	if (hardlink_to == NULL) {
		mh->cur = e;
		mh->s = sha256_stream_new();
		return 0;
	}
	/* a hard link: the content of the member it names, listed before */
	target = xasprintf("%s//%s", mh->tarball->path, hardlink_to);
	for (size_t i = mh->first; i + 1 < m->count; i++)
		if (strcmp(m->entries[i].path, target) == 0) {
			memcpy(e->sha256, m->entries[i].sha256, DIGEST_LEN);
			e->size = m->entries[i].size;
			free(target);
			return 0;
		}
	free(target);
	return -1;
}

/* Is rel inside a pipermail list folder?  A tarball there is an
 * attachment of a message, never opened (mail/walk.c does the same). */
static bool
in_pipermail_list(const struct scope *sc, const char *rel)
{
	char *dir = xstrdup(rel), *slash;
	bool in = false;

	while (!in && (slash = strrchr(dir, '/')) != NULL) {
		char *abs;

		*slash = '\0';
		abs = scope_absolute(sc, dir);
		in = pm_is_list_dir(abs);
		free(abs);
	}
	free(dir);
	return in;
}

/* Keep the member lines of m from first on only when there are some and
 * they name every member once; otherwise drop them (a tarball the walk
 * refuses, mail/tarball.h, is listed as one file). */
static void
keep_members(struct tree *m, size_t first, bool ok)
{
	size_t n = m->count - first;

	if (ok && n > 1) {
		qsort(m->entries + first, n, sizeof *m->entries,
		      tree_compare_entries);
		for (size_t i = first + 1; ok && i < m->count; i++)
			ok = strcmp(m->entries[i - 1].path, m->entries[i].path) != 0;
	}
	if (ok)
		return;
	for (size_t i = first; i < m->count; i++)
		free(m->entries[i].path);
	m->count = first;
}

/* Every tarball listed gets a line for each member: what a purge
 * changes inside it, and verify checks, is named there. */
void
tree_list_members(struct tree *t, const struct scope *sc)
{
	struct tree m = { 0 };

	for (size_t i = 0; i < t->count; i++) {
		size_t first = m.count;
		struct member_hash mh = { .members = &m, .first = first,
					  .tarball = &t->entries[i] };
		char *abs;
		int rc;

		if (tree_entry_is_member(&t->entries[i]))
			continue;
		abs = scope_absolute(sc, t->entries[i].path);
		if (tarball_sniff(abs, NULL) == 1 &&
		    !in_pipermail_list(sc, t->entries[i].path)) {
			rc = tarball_each_member(abs, hash_member, &mh, NULL);
			member_done(&mh);
			keep_members(&m, first, rc == 0);
		}
		free(abs);
	}
	for (size_t i = 0; i < m.count; i++) {
		xgrow((void **)&t->entries, &t->alloc, t->count + 1,
		      sizeof *t->entries);
		t->entries[t->count++] = m.entries[i];
	}
	free(m.entries);
	if (t->count > 0)
		qsort(t->entries, t->count, sizeof *t->entries,
		      tree_compare_entries);
}
