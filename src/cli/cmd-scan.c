/* cmd-scan.c -- report what is selected; never changes anything. */
#include "config.h"

#include <stdlib.h>

#include "act/plan.h"
#include "cli/cmd.h"
#include "cli/print.h"
#include "lib/errbuf.h"

static void
print_scan(const struct select_opts *o, const struct mailbox_list *boxes,
	   const struct selection *sel)
{
	size_t k = 0, with = 0;

	for (size_t b = 0; b < boxes->count; b++) {
		const struct mailbox *mb = boxes->items[b];
		bool any = k < sel->count && sel->items[k].mailbox == b;

		with += any;

		if (o->format == FORMAT_TEXT && mailbox_is_loaded(mb) &&
		    (mailbox_kind(mb) != MAILBOX_SINGLE || any))
			print_mailbox_line(stdout, mb);
		for (; k < sel->count && sel->items[k].mailbox == b; k++) {
			enum item_action act = default_action(&o->settings,
							      &sel->items[k]);

			print_selected(stdout, o, boxes, &sel->items[k],
				       item_action_name(act), NULL);
		}
	}
	if (o->format == FORMAT_JSON) {
		json_summary(stdout, json_pack(
			"{s:I, s:I, s:I, s:I, s:I}", "messages",
			(json_int_t)sel->messages, "selected", (json_int_t)sel->count,
			"out_of_scope", (json_int_t)sel->out_of_scope,
			"mailboxes", (json_int_t)with, "unsearched_parts",
			(json_int_t)sel->binary_parts));
		return;
	}
	printf("# %zu %s read", sel->messages,
	       plural(sel->messages, "message", "messages"));
	if (sel->out_of_scope)
		printf(", %zu outside --since/--until/--list", sel->out_of_scope);
	printf(", %zu selected", sel->count);
	if (sel->count)
		printf(" in %zu %s", with, plural(with, "mailbox", "mailboxes"));
	printf("\n");
	print_passed_over(stdout, boxes, sel);
}

int
cmd_scan(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub scan [SELECT] [--show-matches] PATH...";
	struct select_opts o;
	struct opt_spec specs[] = {
		SELECT_OPT_SPECS(&o),
		{ "show-matches", OPT_FLAG, &o.show_matches, NULL,
		  "print the matched addresses (this prints personal data)",
		  NULL },
		{ 0 },
	};
	struct mailbox_list boxes = { 0 };
	struct selection sel;
	int first, rc;

	select_opts_init(&o);
	if ((rc = cmd_start("scan", synopsis, argc, argv, specs, &o, &first)) >= 0 ||
	    (rc = need_selector("scan", &o)) >= 0)
		;
	else if (run_selection(&o, o.paths, o.npaths, &boxes,
			       &sel) < 0)
		rc = EXIT_ERROR;
	else {
		print_scan(&o, &boxes, &sel);
		rc = selection_has_fatal(&sel) ? EXIT_ERROR
			: sel.count ? EXIT_FINDINGS : EXIT_CLEAN;
		selection_release(&sel);
	}
	mailbox_list_release(&boxes);
	select_opts_release(&o);
	return rc;
}
