/* pm-edits.h -- the file changes that carry a purge into a Mailman 2
 * pipermail tree (listscrub-pipermail(7)): every page, index, database
 * file and attachment that changes, with its new bytes, built in memory
 * before anything is written.  The pipermail writer (act/pipermail)
 * collects them, the run's record lists each one, and the commit writes
 * each by temp, fsync and rename, or unlinks it. */
#ifndef LISTSCRUB_PM_EDITS_H
#define LISTSCRUB_PM_EDITS_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;

enum pm_edit_kind {
	PM_EDIT_TOMBSTONE,      /* a message page replaced by its tombstone */
	PM_EDIT_NEIGHBOUR,      /* a page whose previous/next link moved on */
	PM_EDIT_INDEX,          /* a volume's thread/date/subject/author page */
	PM_EDIT_TOC,            /* the list's index.html (download sizes) */
	PM_EDIT_DATABASE,       /* a database/VOL-* marshal file */
	PM_EDIT_ATTACHMENT,     /* a scrubbed attachment, removed */
	PM_EDIT_REDACTED,       /* a redacted message's page, rewritten */
	PM_EDIT_HELD,           /* an attachment of a redacted message that
				   holds what was redacted, left as it is
				   (listed only: --attachments remove) */
};

/* "tombstone", "neighbour", "index", "toc", "database", "attachment",
 * "redacted", "held". */
const char *pm_edit_kind_name(enum pm_edit_kind kind);

struct pm_edit {
	enum pm_edit_kind kind;
	char *path;             /* the file, as the walk would name it */
	char *data;             /* its new bytes; NULL when removed */
	size_t len;
	bool remove;            /* unlink it (an attachment) */
	size_t dropped;         /* entries or links taken out of it */
	bool done;              /* set by the commit */
	char *temp;             /* prepared: its new copy, beside it */
	char *list_dir;         /* the list folder it belongs to */
	char *volume;           /* the volume whose messages it shows;
				   NULL: the whole list's (index.html) */
};

struct pm_edits {
	struct pm_edit *items;  /* caller owns: pm_edits_release */
	size_t count, alloc;
	bool journaled;         /* a journal names the new copies: they stay
				   for the next run when these are dropped
				   (act/pm-journal.h) */
};

/* Does the edit change its file (rewrite or remove)?  A held attachment
 * does not. */
bool pm_edit_changes(const struct pm_edit *ed);

/* The bytes path has now in this purge: its edit's, or the file's.
 * Caller frees. */
int pm_edits_current(struct pm_edits *e, const char *path, char **data_r,
		     size_t *len_r, struct errbuf *err);

/* The edit of path, or NULL. */
struct pm_edit *pm_edits_find(struct pm_edits *e, const char *path);

/* A new edit of path (copied); data (taken over, may be NULL) its new
 * bytes.  An edit of the same path replaces the old one's bytes. */
struct pm_edit *pm_edits_add(struct pm_edits *e, enum pm_edit_kind kind,
			     const char *path, char *data, size_t len);

/* Say where ed belongs (pm_purge_build does, for every edit). */
void pm_edit_place(struct pm_edit *ed, const char *list_dir,
		   const char *volume);

/* Drop every edit (and the temps of those prepared, not committed). */
void pm_edits_release(struct pm_edits *e);

/* A removed attachment's folder (and its day's) goes once empty. */
void pm_remove_empty_parents(const char *path);

/* Write each edit to a temp beside its file (fsynced), then, in
 * pm_edits_commit, rename them over the files and unlink the removed
 * ones (and their folders once empty); each edit's done says whether it
 * was made. */
int pm_edits_prepare(struct pm_edits *e, struct errbuf *err);
int pm_edits_commit(struct pm_edits *e, struct errbuf *err);
void pm_edits_abandon(struct pm_edits *e);

#endif
