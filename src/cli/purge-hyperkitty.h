/* purge-hyperkitty.h -- purge --apply on a HyperKitty site: the plan made
 * on the site's export is carried out by HyperKitty's own code, through
 * the listscrub_hyperkitty app, in one transaction (hyperkitty/site.h).
 *
 * The emails to change are sent with the digest of their export as the
 * plan saw it and, for a redaction, their export as listscrub redacted
 * it; the app refuses the whole plan when one of them changed since.
 * What the app reports done is the one truth: the outcomes of the plan
 * are set from it, and the run's record is told of the site as the app
 * left it (a new export), with the app's table digests before and after.
 */
#ifndef LISTSCRUB_PURGE_HYPERKITTY_H
#define LISTSCRUB_PURGE_HYPERKITTY_H

#include <stdbool.h>

struct hk_site;
struct mailbox_list;
struct plan;
struct record;

struct hk_purge_settings {
	struct hk_site *site;
	struct record *record;          /* the run's; NULL: none */
	const char *incident;
	bool run;                       /* false: write the plan to plan_file
					   and print the command */
	const char *plan_file;
};

/* 0 with the plan's outcomes set from the app's report (and the record
 * told); 1 the same, after a warning that the app could not clean its
 * search index or caches after the change; or -1 after the error is
 * printed (which says whether the database was changed: the app makes
 * all of the plan or nothing, in one transaction). */
int purge_hyperkitty(const struct hk_purge_settings *hs, struct plan *plan,
		     struct mailbox_list *boxes);

#endif
