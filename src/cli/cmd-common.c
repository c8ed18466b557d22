/* cmd-common.c -- what every command does: report errors, parse its
 * options, run the selection. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/report.h"
#include "hyperkitty/site.h"
#include "lib/errbuf.h"
#include "mail/mailbox.h"

int
cmd_parse(const char *cmd, const char *synopsis, int argc, char **argv,
	  const struct opt_spec *specs, int *first_r)
{
	struct errbuf err;
	bool help;

	errbuf_clear(&err);
	*first_r = opt_parse(argc, argv, specs, &help, &err);
	if (*first_r < 0)
		return usage_error(cmd, err.msg);
	if (help) {
		opt_usage(stdout, synopsis, specs);
		return EXIT_CLEAN;
	}
	return -1;
}

int
cmd_start(const char *cmd, const char *synopsis, int argc, char **argv,
	  const struct opt_spec *specs, struct select_opts *o, int *first_r)
{
	struct errbuf err;
	int rc = cmd_parse(cmd, synopsis, argc, argv, specs, first_r);

	errbuf_clear(&err);
	if (rc >= 0)
		return rc;
	if (*first_r >= argc && o->hyperkitty == NULL)
		return usage_error(cmd, "no PATH given");
	if (*first_r < argc && o->hyperkitty)
		return usage_error(cmd, "give PATHs or --hyperkitty, not both");
	if (select_opts_resolve(o, &err) < 0)
		return usage_error(cmd, err.msg);
	o->paths = argv + *first_r;
	o->npaths = (size_t)(argc - *first_r);
	return o->hyperkitty ? open_hyperkitty(cmd, o->hyperkitty, &o->site,
					       &o->paths, &o->npaths) : -1;
}

int
open_hyperkitty(const char *cmd, const char *settings, struct hk_site **site,
		char *const **paths, size_t *npaths)
{
	static char *root[1];
	struct errbuf err;

	errbuf_clear(&err);
	if ((*site = hk_site_export(settings, &err)) == NULL) {
		char *shown = hk_settings_shown(settings);

		report(D_HYPERKITTY, NULL, "%s: cannot read the HyperKitty site "
		       "'%s': %s", cmd, shown, err.msg);
		free(shown);
		return EXIT_ERROR;
	}
	root[0] = (char *)hk_site_root(*site);
	*paths = root;
	*npaths = 1;
	return -1;
}

int
need_selector(const char *cmd, const struct select_opts *o)
{
	if (select_opts_has_selector(o))
		return -1;
	return usage_error(cmd, "nothing to select: give --message-id, "
			   "--message-ids, --address, --addresses, --rules or "
			   "--detect (--no-default-rules turned off the "
			   "default rules)");
}

int
run_selection(struct select_opts *o, char *const *paths, size_t npaths,
	      struct mailbox_list *boxes, struct selection *sel)
{
	int rc;

	mailbox_walk(boxes, paths, npaths);
	report_walk(boxes);
	rc = select_walked(o, boxes, sel);
	progress_line_stop();
	return rc;
}

int
check_hyperkitty_split(const struct mailbox_list *boxes)
{
	struct errbuf err;

	errbuf_clear(&err);
	for (size_t b = 0; b < boxes->count; b++)
		if (hk_check_split(mailbox_path(boxes->items[b]),
				   mailbox_message_count(boxes->items[b]),
				   &err) < 0) {
			report(D_HYPERKITTY, NULL, "%s", err.msg);
			return -1;
		}
	return 0;
}

int
select_walked(struct select_opts *o, struct mailbox_list *boxes,
	      struct selection *sel)
{
	struct errbuf err;

	errbuf_clear(&err);
	for (size_t b = 0; b < boxes->count; b++)
		progress_line_plan(mailbox_path(boxes->items[b]), o->quiet);
	progress_line_start(o->quiet);
	if (select_run(boxes, &o->settings, sel, &err) < 0) {
		report(D_INTERNAL, NULL, "%s", err.msg);
		return -1;
	}
	if (check_hyperkitty_split(boxes) < 0) {
		selection_release(sel);
		return -1;
	}
	report_problems(boxes, sel);
	for (size_t i = 0; i < sel->n_ids_not_found; i++)
		report(D_MESSAGE_ID_NOT_FOUND, NULL, "Message-ID number %zu of "
		       "the ones given%s%s%s is in no message of the PATHs given",
		       sel->ids_not_found[i] + 1, o->show_matches ? " (<" : "",
		       o->show_matches ? o->ids[sel->ids_not_found[i]] : "",
		       o->show_matches ? ">)" : "");
	return 0;
}
