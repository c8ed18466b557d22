/* hold.c -- lock every mbox before reading it; finish what a crash left. */
#include "config.h"

#include <stdlib.h>

#include "act/hold.h"
#include "act/journal.h"
#include "act/lock.h"
#include "act/output.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/tarball.h"

/* Is path an mbox (plain or compressed), by its first bytes?  What it is
 * once loaded; a file that cannot be loaded is the selection's to
 * report. */
static bool
is_mbox(struct mailbox *mb)
{
	struct errbuf err;

	return mailbox_load(mb, &err) == 0 && mailbox_kind(mb) == MAILBOX_MBOX;
}

static void
note_path(char ***paths, size_t *n, const char *path)
{
	*paths = xreallocarray(*paths, *n + 1, sizeof **paths);
	(*paths)[(*n)++] = xstrdup(path);
}

static void
free_paths(char ***paths, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*paths)[i]);
	free(*paths);
	*paths = NULL;
	*n = 0;
}

static int
finish_rewrite(struct mailbox *mb, struct lock_set *ls,
	       struct hold_report *rep, struct errbuf *err)
{
	const char *path = mailbox_path(mb);
	bool recovered;

	if (!journal_pending(path))
		return 0;
	mailbox_unload(mb);     /* its bytes are about to change */
	if (journal_recover(mbox_lock_fd(lock_set_find(ls, path)), path,
			    &recovered, err) < 0)
		return -1;
	if (recovered)
		note_path(&rep->recovered, &rep->n_recovered, path);
	return 0;
}

int
hold_mailboxes(struct mailbox_list *boxes, struct lock_set *ls,
	       struct hold_report *rep, struct errbuf *err)
{
	for (size_t i = 0; i < boxes->count; i++) {
		struct mailbox *mb = boxes->items[i];
		struct errbuf changed;
		size_t swept;

		/* A journal beside it means an unfinished rewrite: the file
		 * is an mbox whatever its bytes say now. */
		if (!is_mbox(mb) && !journal_pending(mailbox_path(mb)))
			continue;
		if (lock_set_add(ls, mailbox_path(mb), err) < 0) {
			rep->lock_failed = true;
			return -1;
		}
		if (finish_rewrite(mb, ls, rep, err) < 0 ||
		    temp_sweep(mailbox_path(mb), &swept, err) < 0)
			return -1;
		rep->temps_removed += swept;
		rep->locked++;
		if (!mailbox_is_loaded(mb)) {   /* rewritten just now */
			(void)mailbox_load(mb, &changed);
			continue;
		}
		if (mailbox_check_unchanged(mb, &changed) == 0)
			continue;
		/* changed between the walk and the lock: read it again,
		 * under the lock now */
		mailbox_unload(mb);
		if (mailbox_load(mb, &changed) == 0)
			note_path(&rep->reread, &rep->n_reread,
				  mailbox_path(mb));
	}
	/* a tarball is written back whole, beside itself, under its lock */
	for (size_t i = 0; i < tarball_count(); i++) {
		const char *path = tarball_path(tarball_at(i));
		size_t swept;

		if (lock_set_add(ls, path, err) < 0) {
			rep->lock_failed = true;
			return -1;
		}
		if (temp_sweep(path, &swept, err) < 0)
			return -1;
		rep->temps_removed += swept;
	}
	return 0;
}

void
hold_report_release(struct hold_report *rep)
{
	free_paths(&rep->recovered, &rep->n_recovered);
	free_paths(&rep->reread, &rep->n_reread);
}
