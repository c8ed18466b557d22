/* purge-opts.h -- what purge is told on its command line, and what it
 * refuses to start with. */
#ifndef LISTSCRUB_PURGE_OPTS_H
#define LISTSCRUB_PURGE_OPTS_H

#include <stdbool.h>

#include "cli/cmd.h"

/* --attachments: what becomes of a redacted pipermail message's scrubbed
 * attachments that still hold what was redacted. */
enum attachments_policy { ATTACHMENTS_LIST, ATTACHMENTS_REMOVE };

/* --hyperkitty-run: the app run by purge, or its command printed. */
enum hyperkitty_run { HK_RUN_YES, HK_RUN_NO };

struct purge_opts {
	struct select_opts sel;
	bool apply;
	int action;
	const char *marker;
	const char *tombstone_text;     /* pipermail; NULL: the default */
	const char *mailman_home;       /* pipermail: take Mailman's locks */
	int attachments;                /* pipermail: enum attachments_policy */
	unsigned long limit;            /* 0 = no limit */
	const char *backup_dir;
	unsigned long lock_timeout;
	int hyperkitty_run;             /* enum hyperkitty_run */
	const char *hyperkitty_plan;    /* --hyperkitty-run=no: the plan */
	/* the manifest */
	const char *manifest_dir, *sign_key_path, *password_file;
	const char *incident, *incident_key_path, *operator_name;
};

/* -1 when the options make a run, else the usage error's exit status
 * (printed): the marker, the tombstone text, --action redact without a
 * selector that finds spans, a manifest without its keys, --hyperkitty
 * with options only files have. */
int purge_usage(const struct purge_opts *po);

#endif
