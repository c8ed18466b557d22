/* sweep-run.h -- what cmd-sweep.c (the run) hands to sweep-report.c (its
 * summary: text, JSON, mail).  Not for other modules. */
#ifndef LISTSCRUB_SWEEP_RUN_H
#define LISTSCRUB_SWEEP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sweep/settings.h"
#include "sweep/state.h"

struct sweep_counts {
	size_t mailboxes, unchanged, incremental, full, failed;
	uint64_t bytes_read;
	size_t messages_read;
	size_t found;           /* findings this run read */
	size_t baselined;       /* ... of which were accepted before */
	size_t accepted;        /* added to the baseline now (--accept) */
	size_t baseline_size;
	bool rules_changed;
	double seconds;
};

struct sweep_summary {
	const struct sweep_config *cf;
	const struct sweep_counts *n;
	const struct sweep_finding *pending;    /* not accepted */
	size_t npending;
	const char *manifest;   /* its folder, or NULL when not written */
	int exit_status;
};

/* The short text summary (no personal data: counts, rule ids, mailbox
 * paths and message numbers); caller owns. */
char *sweep_text(const struct sweep_summary *s);

/* The JSON summary ("format": 1) on stdout. */
void sweep_print_json(const struct sweep_summary *s);

/* Send text to addr with sendmail(8) ($LISTSCRUB_SENDMAIL, else
 * /usr/sbin/sendmail) -t -oi.  Returns 0, or -1 with err filled. */
int sweep_mail(const char *addr, const char *subject, const char *text,
	       struct errbuf *err);

#endif
