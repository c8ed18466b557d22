/* purge-usage.c -- what purge refuses to start with (cli/purge-opts.h). */
#include "config.h"

#include <string.h>

#include "act/plan.h"
#include "cli/purge-opts.h"
#include "cli/report.h"

/* The marker goes into header fields, quoted display names, HTML and
 * parts of any ASCII-compatible charset: printable ASCII only, without
 * the bytes that would end a quoted string or start markup. */
static int
marker_usage(const char *marker)
{
	size_t n = strlen(marker);

	if (n == 0 || n > 64)
		return usage_error("purge", "--marker takes 1 to 64 characters");
	for (size_t i = 0; i < n; i++)
		if (marker[i] < 0x20 || marker[i] > 0x7e ||
		    strchr("\"\\<>&", marker[i]))
			return usage_error("purge", "--marker takes printable "
					   "ASCII without \" \\ < > &");
	return -1;
}

/* The tombstone's notice is HTML-escaped where it goes; it is one line
 * of text: no control characters, and short. */
static int
tombstone_usage(const char *text)
{
	size_t n = text ? strlen(text) : 1;

	if (n == 0 || n > 500)
		return usage_error("purge", "--tombstone-text takes 1 to 500 "
				   "bytes");
	for (size_t i = 0; text && i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return usage_error("purge", "--tombstone-text takes one "
					   "line of text, without control "
					   "characters");
	return -1;
}

static int
manifest_usage(const struct purge_opts *po)
{
	if (po->sign_key_path == NULL || po->incident_key_path == NULL ||
	    po->incident == NULL)
		return usage_error("purge", "a run with --apply or "
				   "--manifest-dir writes a signed manifest: "
				   "give --incident ID, --sign-key FILE and "
				   "--incident-key FILE (make the keys with "
				   "'listscrub keygen')");
	if (!incident_id_is_valid(po->incident))
		return usage_error("purge", "--incident takes 1 to 64 letters, "
				   "digits, '.', '_' or '-'");
	return -1;
}

/* A HyperKitty site is read from a temporary export: its manifests go
 * where the admin says, and what only files have (backups, Mailman 2
 * locks, pipermail pages) does not apply. */
static int
hyperkitty_usage(const struct purge_opts *po)
{
	if ((po->apply || po->manifest_dir) && po->manifest_dir == NULL &&
	    po->hyperkitty_run == HK_RUN_YES)
		return usage_error("purge", "with --hyperkitty, give "
				   "--manifest-dir DIR: the site's export is "
				   "a temporary folder");
	if (po->backup_dir || po->mailman_home)
		return usage_error("purge", "--backup-dir and --mailman-home "
				   "are for files; with --hyperkitty, back "
				   "the database up with its own tools");
	return -1;
}

int
purge_usage(const struct purge_opts *po)
{
	int rc;

	if ((rc = marker_usage(po->marker)) >= 0 ||
	    (rc = tombstone_usage(po->tombstone_text)) >= 0)
		return rc;
	if (po->action == PLAN_ACTION_REDACT &&
	    !select_opts_finds_spans(&po->sel))
		return usage_error("purge", "--action redact takes out what an "
				   "address, a rule or a detection matched; "
				   "Message-IDs alone select whole messages: "
				   "add --address, --rules or --detect, or use "
				   "--action delete");
	if ((po->apply || po->manifest_dir) && (rc = manifest_usage(po)) >= 0)
		return rc;
	if (po->sel.hyperkitty)
		return hyperkitty_usage(po);
	return -1;
}
