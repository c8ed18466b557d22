/* walk.c -- expand the PATHs given into mailboxes: Maildirs, their
 * Maildir++ folders, and every regular file under a directory. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox-private.h"
#include "mail/pipermail.h"
#include "mail/tarball.h"

static struct mailbox *
list_add(struct mailbox_list *list, const char *path, enum mailbox_kind kind)
{
	struct mailbox *mb;
	struct stat st;

	xgrow((void **)&list->items, &list->alloc, list->count + 1,
	      sizeof *list->items);
	mb = list->items[list->count++] = mailbox_new(path);
	mb->kind = kind;
	mb->root = list->walk_root ? xstrdup(list->walk_root) : NULL;
	if (stat(path, &st) == 0) {
		mb->dev = st.st_dev;
		mb->ino = st.st_ino;
	}
	return mb;
}

/* Input positions by file identity, then position (qsort_r). */
static int
compare_identity(const void *a, const void *b, void *ctx)
{
	const struct mailbox_list *list = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct mailbox *x = list->items[i];
	const struct mailbox *y = list->items[j];

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return i < j ? -1 : i > j;      /* keep input order among equals */
}

/* A file reached twice (a PATH inside another PATH, a link given on the
 * command line) is one mailbox: keep its first appearance. */
static void
drop_duplicates(struct mailbox_list *list)
{
	size_t *order = xcalloc(list->count + 1, sizeof *order);
	bool *dup = xcalloc(list->count + 1, sizeof *dup);
	size_t out = 0;

	for (size_t i = 0; i < list->count; i++)
		order[i] = i;
	if (list->count > 1)
		qsort_r(order, list->count, sizeof *order, compare_identity,
			list);
	for (size_t k = 1; k < list->count; k++) {
		const struct mailbox *x = list->items[order[k]];
		const struct mailbox *prev = list->items[order[k - 1]];

		if (x->ino != 0 && x->dev == prev->dev && x->ino == prev->ino)
			dup[order[k]] = true;
	}
	for (size_t i = 0; i < list->count; i++) {
		if (dup[i]) {
			mailbox_free(&list->items[i]);
			continue;
		}
		list->items[out++] = list->items[i];
	}
	list->count = out;
	free(order);
	free(dup);
}

enum diag_code
symlink_verdict(const char *path, const char *root)
{
	char *target = realpath(path, NULL), *top;
	enum diag_code code = D_SYMLINK_OUTSIDE;
	size_t n;

	if (target == NULL)
		return D_SYMLINK_LOOP;
	top = root ? realpath(root, NULL) : NULL;
	n = top ? strlen(top) : 0;
	if (top && strncmp(target, top, n) == 0 &&
	    (target[n] == '/' || target[n] == '\0' || strcmp(top, "/") == 0))
		code = D_SYMLINK_NOT_FOLLOWED;
	free(top);
	free(target);
	return code;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_maildir(const char *path)
{
	char *cur = xasprintf("%s/cur", path), *new = xasprintf("%s/new", path);
	bool yes = is_dir(cur) && is_dir(new);

	free(cur);
	free(new);
	return yes;
}

static void walk_dir(struct mailbox_list *list, const char *dir);
static void walk_path(struct mailbox_list *list, const char *path, bool top);
static void add_note(struct mailbox_list *list, const char *path,
		     enum diag_code code, const char *detail);

/* Files that are locks or indexes of mail programs, not mail. */
static bool
is_ignored_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' ||
		(n > 5 && strcmp(name + n - 5, ".lock") == 0);
}

/* What a Maildir holds beside its messages: the mail store's own
 * indexes and markers, and tmp/ (deliveries not finished: they appear in
 * new/ when they are). */
static bool
is_maildir_metadata(const char *name)
{
	static const char *const exact[] = {
		"tmp", "maildirfolder", "maildirsize", "subscriptions",
		"dovecot-uidlist", "dovecot-keywords",
	};
	static const char *const prefixes[] = {
		"dovecot.index", "dovecot-uidvalidity", "courierimap",
	};

	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* A Maildir (its cur/ and new/), its Maildir++ subfolders (".Name"
 * directories), and whatever else is in it, walked as anywhere else: a
 * message file or a folder kept beside cur/ and new/ is read too. */
static void
walk_maildir(struct mailbox_list *list, const char *dir)
{
	struct errbuf err;
	char **names;
	size_t n;

	list_add(list, dir, MAILBOX_MAILDIR);
	if (dir_names(dir, &names, &n, &err) < 0) {
		add_note(list, dir, D_DIRECTORY_UNREADABLE, err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *sub;

		if (strcmp(names[i], "cur") == 0 || strcmp(names[i], "new") == 0)
			continue;
		sub = xasprintf("%s/%s", dir, names[i]);
		if (names[i][0] == '.' && is_dir(sub) && is_maildir(sub))
			walk_maildir(list, sub);
		else if (is_ignored_name(names[i]) ||
			 is_maildir_metadata(names[i]))
			list->ignored++;
		else
			walk_path(list, sub, false);
		free(sub);
	}
	dir_names_free(names, n);
}

static void
add_note(struct mailbox_list *list, const char *path, enum diag_code code,
	 const char *detail)
{
	struct walk_note *n;

	xgrow((void **)&list->notes, &list->notes_alloc, list->n_notes + 1,
	      sizeof *list->notes);
	n = &list->notes[list->n_notes++];
	n->path = xstrdup(path);
	n->code = code;
	n->detail = detail ? xstrdup(detail) : NULL;
}

/* Every file found under a pipermail list folder is one of its parts,
 * but for the volume texts (LIST/VOL.txt and .gz beside LIST/VOL/). */
static void
mark_pipermail_parts(struct mailbox_list *list, size_t first,
		     size_t first_note, const char *list_dir)
{
	size_t n = strlen(list_dir), out = first_note;

	/* Mailman links each VOL/index.html to thread.html: not news */
	for (size_t i = first_note; i < list->n_notes; i++) {
		struct walk_note *note = &list->notes[i];
		const char *base = strrchr(note->path, '/');

		if (note->code == D_SYMLINK_NOT_FOLLOWED && base &&
		    strcmp(base, "/index.html") == 0) {
			list->pipermail_links++;
			free(note->path);
			free(note->detail);
			continue;
		}
		list->notes[out++] = *note;
	}
	list->n_notes = out;

	for (size_t i = first; i < list->count; i++) {
		struct mailbox *mb = list->items[i];
		const char *rel = mb->path + n + 1;
		char *vol = strchr(rel, '/') ? NULL : pm_volume_of_name(rel);
		char *dir = vol ? xasprintf("%s/%s", list_dir, vol) : NULL;

		mb->pipermail_text = dir && is_dir(dir);
		mb->pipermail_part = !mb->pipermail_text;
		free(vol);
		free(dir);
	}
}

/* A tarball is walked as the tree its members make, staged (tarball.h);
 * false when path is not one.  One inside a staged tarball, or in a
 * pipermail list folder (an attachment of a message), is not opened: a
 * file like any other there. */
static bool
walk_tarball(struct mailbox_list *list, const char *path)
{
	const struct tarball *tb;
	const char *outer_root = list->walk_root;
	struct errbuf err;

	if (tarball_of_staged(path) || list->in_pipermail_list > 0)
		return false;
	/* one that cannot be read is the mailbox reader's to report */
	if (tarball_sniff(path, &err) <= 0)
		return false;
	tb = tarball_of_file(path);
	if (tb == NULL)
		tb = tarball_stage(path, &err);
	if (tb == NULL) {
		add_note(list, path, D_TARBALL_REFUSED, err.msg);
		return true;
	}
	list->walk_root = tarball_root(tb);
	walk_path(list, tarball_root(tb), false);
	list->walk_root = outer_root;
	return true;
}

static void
walk_path(struct mailbox_list *list, const char *path, bool top)
{
	struct stat st;

	if ((top ? stat(path, &st) : lstat(path, &st)) < 0) {
		add_note(list, path, D_PATH_MISSING, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode))
		add_note(list, path, symlink_verdict(path, list->walk_root),
			 NULL);
	else if (S_ISDIR(st.st_mode)) {
		size_t first = list->count, first_note = list->n_notes;

		if (is_maildir(path))
			walk_maildir(list, path);
		else if (pm_is_list_dir(path)) {
			list->in_pipermail_list++;
			walk_dir(list, path);
			list->in_pipermail_list--;
			mark_pipermail_parts(list, first, first_note, path);
		} else
			walk_dir(list, path);
	} else if (S_ISREG(st.st_mode)) {
		if (!walk_tarball(list, path))
			list_add(list, path, MAILBOX_UNKNOWN);
	} else
		add_note(list, path, D_NOT_REGULAR_FILE, NULL);
}

static void
walk_dir(struct mailbox_list *list, const char *dir)
{
	struct errbuf err;
	char **names;
	size_t n;

	if (dir_names(dir, &names, &n, &err) < 0) {
		add_note(list, dir, D_DIRECTORY_UNREADABLE, err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *sub;

		if (is_ignored_name(names[i])) {
			list->ignored++;
			continue;
		}
		sub = xasprintf("%s/%s", dir, names[i]);
		walk_path(list, sub, false);
		free(sub);
	}
	dir_names_free(names, n);
}

void
mailbox_walk(struct mailbox_list *list, char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(paths[i]);
		char *p = xstrdup(paths[i]);

		while (len > 1 && p[len - 1] == '/')
			p[--len] = '\0';
		list->walk_root = p;
		walk_path(list, p, true);
		list->walk_root = NULL;
		free(p);
	}
	drop_duplicates(list);
}

bool
mailbox_walk_failed(const struct mailbox_list *list)
{
	for (size_t i = 0; i < list->n_notes; i++)
		if (diag_info(list->notes[i].code)->level == DIAG_ERROR)
			return true;
	return false;
}
