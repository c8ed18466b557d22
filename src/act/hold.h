/* hold.h -- a run that will write takes hold of its mailboxes before it
 * reads them: every mbox under the PATHs is locked (dotlock and kernel
 * lock, act/lock.h), an in-place rewrite an earlier run left unfinished
 * is finished (act/journal.h), the temps killed runs left beside it are
 * removed, and a file that changed between the walk
 * and its lock (mail delivered meanwhile) is read again.  From then on
 * no delivery can change what the run decides about, and no delivery
 * waits on a file that goes away.
 */
#ifndef LISTSCRUB_HOLD_H
#define LISTSCRUB_HOLD_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct lock_set;
struct mailbox_list;

/* What taking hold found. */
struct hold_report {
	size_t locked;                  /* mboxes locked */
	char **reread;                  /* mboxes read again: changed
					   between walk and lock */
	size_t n_reread;
	char **recovered;               /* mboxes whose interrupted rewrite
					   was finished */
	size_t n_recovered;
	size_t temps_removed;           /* left by killed runs */
	bool lock_failed;               /* the failure was a lock not had */
};

/* Load every mailbox of boxes (those that fail are left to the
 * selection, which reports them), lock every mbox into ls, finish
 * interrupted rewrites, reload what changed.  -1 with err filled when a
 * lock cannot be had in time or an interrupted rewrite cannot be
 * finished: nothing was written then. */
int hold_mailboxes(struct mailbox_list *boxes, struct lock_set *ls,
		   struct hold_report *rep, struct errbuf *err);

void hold_report_release(struct hold_report *rep);

#endif
