/* print-pipermail.h -- the pipermail side of purge: the files it
 * changes, as it prints them (one line each, text or JSON, and a
 * summary line), and what a killed run left, finished and reported. */
#ifndef LISTSCRUB_PRINT_PIPERMAIL_H
#define LISTSCRUB_PRINT_PIPERMAIL_H

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

#endif
