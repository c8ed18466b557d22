/* plan-file.h -- what listscrub asks of HyperKitty, and what it answers.
 *
 * The plan names each email to change by list, message_id_hash and row,
 * with the digest of its export as the plan saw it: the app refuses the
 * whole plan when any email is gone or changed since.  A redaction
 * carries the email's export as listscrub redacted it; the app maps it
 * back onto the row (subject, sender name and address, content,
 * attachments).  The report says, email by email, what was done, and
 * gives the digests of HyperKitty's tables before and after: the one
 * truth the run's manifest records (contrib/hyperkitty/README).
 */
#ifndef LISTSCRUB_HK_PLAN_FILE_H
#define LISTSCRUB_HK_PLAN_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct hk_message;
struct json_t;

struct hk_plan_entry {
	const struct hk_message *email;
	bool redact;                    /* else deleted */
	const char *data;               /* redact: the new export bytes */
	size_t len;
};

/* Write the plan to path (mode 0600, atomically).  -1 with err filled. */
int hk_plan_write(const char *path, const char *incident,
		  const struct hk_plan_entry *entries, size_t n,
		  struct errbuf *err);

enum hk_done { HK_NOT_DONE, HK_DELETED, HK_REDACTED };

/* The app's report on a plan. */
struct hk_report {
	bool done;                      /* status "done": committed */
	char status[32];                /* "done", "refused", "failed" */
	char error[400];                /* its one-line error, or "" */
	struct json_t *json;            /* the whole report (owned) */
};

/* Read the report at path.  -1 with err filled when it is missing or not
 * a report (then nothing may be assumed done). */
int hk_report_read(const char *path, struct hk_report *rep,
		   struct errbuf *err);

/* What became of the plan's email k (of entries, as written) by the
 * report, and the digest of its export after ("" when none).  An email
 * the report does not name there was not changed. */
enum hk_done hk_report_outcome(const struct hk_report *rep, size_t k,
			       const struct hk_message *email,
			       const char **digest_after_r);

void hk_report_release(struct hk_report *rep);

#endif
