/* report.h -- the one way listscrub speaks on stderr: a diagnostic of the
 * catalog (lib/diag.h) with where it happened,
 *
 *   listscrub: [LOCUS: ]ID: TEXT
 *
 * and the worst exit status the diagnostics so far imply, so that a
 * command's status reflects what it reported. */
#ifndef LISTSCRUB_REPORT_H
#define LISTSCRUB_REPORT_H

#include "lib/diag.h"

struct mailbox_list;
struct selection;

/* Print a diagnostic; locus ("PATH" or "PATH:#N (offset O, part P)") may
 * be NULL. */
void report(enum diag_code code, const char *locus, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The problems a selection met, each with its locus. */
void report_problems(const struct mailbox_list *boxes,
		     const struct selection *sel);

/* What the walk over the PATHs passed over, each with its path. */
void report_walk(const struct mailbox_list *boxes);

/* A usage error of command cmd: the diagnostic, and where to look. */
int usage_error(const char *cmd, const char *msg);

/* status, or the worse one a diagnostic reported so far implies. */
int report_exit_status(int status);

#endif
