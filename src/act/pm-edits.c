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
		[PM_EDIT_REDACTED] = "redacted",
		[PM_EDIT_HELD] = "held",
	};

	return names[kind];
}

bool
pm_edit_changes(const struct pm_edit *ed)
{
	return ed->remove || ed->data;
}

int
pm_edits_current(struct pm_edits *e, const char *path, char **data_r,
		 size_t *len_r, struct errbuf *err)
{
	const struct pm_edit *ed = pm_edits_find(e, path);

	if (!ed || !ed->data)
		return read_regular_file(path, data_r, len_r, err);
	*data_r = xmalloc(ed->len + 1);
	memcpy(*data_r, ed->data, ed->len);
	(*data_r)[ed->len] = '\0';
	*len_r = ed->len;
	return 0;
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
pm_edit_place(struct pm_edit *ed, const char *list_dir, const char *volume)
{
	free(ed->list_dir);
	free(ed->volume);
	ed->list_dir = xstrdup(list_dir);
	ed->volume = volume ? xstrdup(volume) : NULL;
}

void
pm_edits_release(struct pm_edits *e)
{
	pm_edits_abandon(e);
	for (size_t i = 0; i < e->count; i++) {
		free(e->items[i].path);
		free(e->items[i].data);
		free(e->items[i].list_dir);
		free(e->items[i].volume);
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
	if (!ed->data)
		return 0;       /* removed at the commit, or only held */
	if (temp_create(&t, ed->path, err) < 0)
		return -1;
	o = out_open(t.fd, ed->path, MAILBOX_PLAIN, err);
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

void
pm_remove_empty_parents(const char *path)
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
		struct errbuf why;

		if (!pm_edit_changes(ed))
			continue;
		if (ed->remove) {
			if (unlink(ed->path) < 0 && errno != ENOENT)
				return errbuf_errno(err, errno, "%s: cannot "
						    "remove it", ed->path);
			pm_remove_empty_parents(ed->path);
			ed->done = true;
		} else {
			if (rename(ed->temp, ed->path) < 0)
				return errbuf_errno(err, errno, "cannot rename "
						    "the new copy over '%s'",
						    ed->path);
			free(ed->temp);
			ed->temp = NULL;
			/* renamed: made, whatever the fsync says */
			ed->done = true;
			if (fsync_dir_of(ed->path, &why) < 0)
				return errbuf_set(err, "'%s' was replaced, but "
						  "%s: " NOT_DURABLE, ed->path,
						  why.msg);
		}
	}
	return 0;
}

void
pm_edits_abandon(struct pm_edits *e)
{
	for (size_t i = 0; i < e->count; i++)
		if (e->items[i].temp) {
			if (!e->journaled)
				(void)unlink(e->items[i].temp);
			free(e->items[i].temp);
			e->items[i].temp = NULL;
		}
}
