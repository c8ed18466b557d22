/* pm-edits.c -- the list of file changes of a pipermail purge. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/output.h"
#include "act/pm-edits.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

const char *
pm_edit_kind_name(enum pm_edit_kind kind)
{
	static const char *const names[] = {
		[PM_EDIT_TOMBSTONE] = "tombstone",
		[PM_EDIT_NEIGHBOUR] = "neighbour",
		[PM_EDIT_INDEX] = "index",
		[PM_EDIT_TOC] = "toc",
		[PM_EDIT_DATABASE] = "database",
		[PM_EDIT_ATTACHMENT] = "attachment",
	};

	return names[kind];
}

struct pm_edit *
pm_edits_find(struct pm_edits *e, const char *path)
{
	for (size_t i = 0; i < e->count; i++)
		if (strcmp(e->items[i].path, path) == 0)
			return &e->items[i];
	return NULL;
}

struct pm_edit *
pm_edits_add(struct pm_edits *e, enum pm_edit_kind kind, const char *path,
	     char *data, size_t len)
{
	struct pm_edit *ed = pm_edits_find(e, path);

	if (ed) {
		free(ed->data);
		ed->data = data;
		ed->len = len;
		return ed;
	}
	if (e->count == e->alloc) {
		e->alloc = e->alloc ? 2 * e->alloc : 16;
		e->items = xreallocarray(e->items, e->alloc, sizeof *e->items);
	}
	ed = &e->items[e->count++];
	memset(ed, 0, sizeof *ed);
	ed->kind = kind;
	ed->path = xstrdup(path);
	ed->data = data;
	ed->len = len;
	ed->remove = data == NULL && kind == PM_EDIT_ATTACHMENT;
	return ed;
}

void
pm_edits_release(struct pm_edits *e)
{
	pm_edits_abandon(e);
	for (size_t i = 0; i < e->count; i++) {
		free(e->items[i].path);
		free(e->items[i].data);
	}
	free(e->items);
	memset(e, 0, sizeof *e);
}

/* The new copy of one edit, written and fsynced beside its file, with
 * the file's mode and owner. */
static int
prepare_one(struct pm_edit *ed, struct errbuf *err)
{
	struct stat st;
	struct temp t;
	struct out *o;
	int rc;

	if (lstat(ed->path, &st) < 0)
		return errbuf_errno(err, errno, "%s: cannot read it", ed->path);
	if (!S_ISREG(st.st_mode))
		return errbuf_set(err, "%s: not a regular file (a link?): not "
				  "changed; nothing was changed", ed->path);
	if (ed->remove)
		return 0;
	if (temp_create(&t, ed->path, err) < 0)
		return -1;
	o = out_open(t.fd, ed->path, false, err);
	rc = o ? out_write(o, ed->data, ed->len, err) : -1;
	if (o && out_close(&o, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = temp_finish(&t, ed->path, st.st_mode & 07777, st.st_uid,
				 st.st_gid, err);
	if (rc < 0) {
		temp_discard(&t);
		return -1;
	}
	/* by name from here: a run may prepare more files than it may
	 * hold open */
	ed->temp = temp_path(&t, ed->path);
	close(t.dirfd);
	return 0;
}

int
pm_edits_prepare(struct pm_edits *e, struct errbuf *err)
{
	for (size_t i = 0; i < e->count; i++)
		if (prepare_one(&e->items[i], err) < 0) {
			pm_edits_abandon(e);
			return -1;
		}
	return 0;
}

/* A removed attachment's folder (and its day's) goes once empty. */
static void
remove_empty_parents(const char *path)
{
	char *dir = path_dir(path);

	if (rmdir(dir) == 0) {
		char *day = path_dir(dir);

		(void)rmdir(day);
		free(day);
	}
	free(dir);
}

int
pm_edits_commit(struct pm_edits *e, struct errbuf *err)
{
	for (size_t i = 0; i < e->count; i++) {
		struct pm_edit *ed = &e->items[i];

		if (ed->remove) {
			if (unlink(ed->path) < 0 && errno != ENOENT)
				return errbuf_errno(err, errno, "%s: cannot "
						    "remove it", ed->path);
			remove_empty_parents(ed->path);
		} else {
			if (rename(ed->temp, ed->path) < 0)
				return errbuf_errno(err, errno, "cannot rename "
						    "the new copy over '%s'",
						    ed->path);
			free(ed->temp);
			ed->temp = NULL;
			if (fsync_dir_of(ed->path, err) < 0)
				return -1;
		}
		ed->done = true;
	}
	return 0;
}

void
pm_edits_abandon(struct pm_edits *e)
{
	for (size_t i = 0; i < e->count; i++)
		if (e->items[i].temp) {
			(void)unlink(e->items[i].temp);
			free(e->items[i].temp);
			e->items[i].temp = NULL;
		}
}
