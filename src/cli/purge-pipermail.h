/* purge-pipermail.h -- the pipermail side of purge: Mailman's list locks
 * taken, what a killed run left finished and reported, and the files it
 * changes as it prints them (one line each, text or JSON, and a summary
 * line). */
#ifndef LISTSCRUB_PURGE_PIPERMAIL_H
#define LISTSCRUB_PURGE_PIPERMAIL_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cmd.h"

struct pm_edits;

/* apply: the edits were to be made (each says whether it was). */
void print_pipermail_edits(FILE *out, const struct pm_edits *e, bool apply,
			   enum out_format format);

/* What became of path, a file that is not mail with matches, in a
 * pipermail purge: "pipermail-rewritten", "-removed", "-held",
 * "-not-made" (with apply; "-rewrite", "-remove" in a plan), or NULL
 * when the purge did not touch it. */
const char *pipermail_state_of(const char *path, const struct pm_edits *e,
			       bool apply);

/* Finish or drop what a killed run left in the pipermail trees of boxes,
 * reporting it (act/pm-journal.h).  -1 with err when it cannot. */
struct errbuf;
struct mailbox_list;
int pipermail_finish_interrupted(const struct mailbox_list *boxes,
				 struct errbuf *err);

/* With --mailman-home DIR: Mailman's list lock (DIR/locks/LIST.lock,
 * act/mm-lock.h) of every pipermail list of boxes, taken within timeout
 * seconds; -1, reported, when one cannot be had (none is held then).
 * Caller owns: pipermail_release_locks. */
struct mm_lock;
int pipermail_take_locks(const struct mailbox_list *boxes,
			 const char *mailman_home, unsigned int timeout,
			 struct mm_lock ***locks_r, size_t *n_r);
void pipermail_release_locks(struct mm_lock **locks, size_t n);

#endif
