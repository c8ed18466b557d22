/* cmd-threads.c -- print the thread that holds a Message-ID. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/report.h"
#include "lib/errbuf.h"
#include "lib/hash.h"
#include "lib/xalloc.h"
#include "mail/msg.h"
#include "mail/msgid.h"
#include "mail/pipermail.h"
#include "mail/words.h"

struct tree_printer {
	const struct select_opts *o;
	const struct mailbox_list *boxes;
	const struct selection *sel;
	const struct thread_index *ti;
	unsigned char *seen;
	size_t messages, missing;       /* printed, for the summary */
};

static void
print_message(struct tree_printer *tp, unsigned int depth, uint32_t m)
{
	const struct mailbox *mb;
	size_t b, i, len = 0;
	const char *raw;
	uint64_t off;
	bool owned;
	struct errbuf err;
	char *id = NULL, *subject = NULL, *date = NULL, *path, *page;
	/* a Subject often names people (addresses, phone numbers): it is
	 * personal data, printed only when asked for */
	bool show = tp->o->show_matches;

	tp->messages++;
	selection_locate(tp->sel, tp->boxes->count, m, &b, &i);
	mb = tp->boxes->items[b];
	if (mailbox_message(mb, i, &raw, &len, &off, &owned, &err) == 0) {
		id = msgid_of_message(raw, len);
		subject = header_get_decoded(raw, len, "Subject");
		date = header_get_decoded(raw, len, "Date");
		if (owned)
			free((void *)raw);
	}
	path = print_shown(mailbox_file_of(mb, i));
	page = mailbox_is_pipermail_text(mb)
		? pm_page_of(mailbox_path(mb), i, mailbox_message_count(mb))
		: NULL;
	if (tp->o->format == FORMAT_JSON) {
		json_t *j = json_object();

		json_object_set_new(j, "depth", json_integer(depth));
		json_object_set_new(j, "message_id", id ? json_text(id) : json_null());
		hyperkitty_json(j, mb, i, id);
		json_object_set_new(j, "path", json_text(path));
		json_object_set_new(j, "index", json_integer((json_int_t)i));
		if (page)
			json_object_set_new(j, "page", json_text(page));
		json_object_set_new(j, "offset", json_integer((json_int_t)off));
		json_object_set_new(j, "length", json_integer((json_int_t)len));
		json_object_set_new(j, "date", date ? json_text(date) : json_null());
		json_object_set_new(j, "subject", subject && show
				    ? json_text(subject) : json_null());
		json_line(stdout, j);
	} else {
		char *eid = text_escaped(id ? id : ""), *epath = text_escaped(path);
		char *edate = text_escaped(date ? date : "-");
		char *esubject = text_escaped(subject && show ? subject : "");

		printf("%*s<%s> %s:#%zu%s%s", (int)depth * 2, "", eid, epath, i,
		       page ? " page=" : "", page ? page : "");
		hyperkitty_text(stdout, mb, i, id);
		printf("  %s  %s\n", edate, esubject);
		free(eid);
		free(epath);
		free(edate);
		free(esubject);
	}
	free(path);
	free(page);
	free(id);
	free(subject);
	free(date);
}

static void
print_missing(struct tree_printer *tp, unsigned int depth)
{
	tp->missing++;
	if (tp->o->format == FORMAT_JSON)
		json_line(stdout, json_pack("{s:i, s:b}", "depth", (int)depth,
					    "missing", 1));
	else
		printf("%*s(a message that is not in the archive)\n",
		       (int)depth * 2, "");
}

static void
print_tree(struct tree_printer *tp, uint32_t c, unsigned int depth)
{
	uint32_t m = thread_index_first_message(tp->ti, c);

	if (tp->seen[c])
		return;
	tp->seen[c] = 1;
	if (m == THREAD_NONE)
		print_missing(tp, depth);
	for (; m != THREAD_NONE; m = thread_index_next_copy(tp->ti, m))
		print_message(tp, depth, m);
	for (uint32_t k = thread_index_first_child(tp->ti, c); k != THREAD_NONE;
	     k = thread_index_next_sibling(tp->ti, k))
		print_tree(tp, k, depth + 1);
}

static int
print_threads(const struct select_opts *o, const struct mailbox_list *boxes,
	      const struct selection *sel)
{
	struct tree_printer tp = { o, boxes, sel, sel->threads, NULL, 0, 0 };
	size_t found = 0;

	for (size_t i = 0; i < o->nids; i++) {
		struct idhash h = idhash_of(o->ids[i], strlen(o->ids[i]));
		uint32_t c = thread_index_find(sel->threads, h), root;

		if (c == THREAD_NONE) {
			report(D_THREAD_NOT_FOUND, NULL, "threads: no message and no reference with "
				    "Message-ID <%s> in the paths given", o->ids[i]);
			continue;
		}
		found++;
		root = thread_index_root(sel->threads, c);
		free(tp.seen);
		tp.seen = xcalloc(thread_index_containers(sel->threads) + 1, 1);
		print_tree(&tp, root, 0);
	}
	free(tp.seen);
	if (o->format == FORMAT_JSON)
		json_summary(stdout, json_pack("{s:I, s:I, s:I, s:I}",
			"threads", (json_int_t)found, "not_found",
			(json_int_t)(o->nids - found), "messages",
			(json_int_t)tp.messages, "missing", (json_int_t)tp.missing));
	return found == o->nids ? EXIT_CLEAN : EXIT_FINDINGS;
}

int
cmd_threads(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub threads --message-id ID [--format text|json] "
		"[--show-matches] PATH...";
	struct select_opts o;
	struct opt_spec specs[] = {
		{ "message-id", OPT_LIST, &o.message_ids, "ID",
		  "show the thread that holds this Message-ID (repeatable)",
		  NULL },
		{ "message-ids", OPT_LIST, &o.message_id_files, "FILE",
		  "Message-IDs, one per line", NULL },
		{ "format", OPT_KEYWORD, &o.format, "text|json", "output format",
		  format_keywords },
		{ "jobs", OPT_UINT, &o.jobs, "N",
		  "worker threads (default: one per core)", NULL },
		{ "show-matches", OPT_FLAG, &o.show_matches, NULL,
		  "print the Subjects (they may hold personal data)", NULL },
		QUIET_OPT_SPEC(&o.quiet),
		LIMIT_OPT_SPECS(&o.limits),
		HYPERKITTY_OPT_SPEC(&o.hyperkitty),
		{ 0 },
	};
	struct mailbox_list boxes = { 0 };
	struct selection sel;
	int first, rc;

	select_opts_init(&o);
	if ((rc = cmd_start("threads", synopsis, argc, argv, specs, &o,
			    &first)) >= 0)
		;
	else if (o.nids == 0)
		rc = usage_error("threads", "give --message-id or --message-ids");
	else {
		o.settings.thread = THREAD_MODE_NONE;
		o.settings.keep_threads = true;
		if (run_selection(&o, o.paths, o.npaths, &boxes, &sel) < 0)
			rc = EXIT_ERROR;
		else {
			rc = selection_has_fatal(&sel) ? EXIT_ERROR
				: print_threads(&o, &boxes, &sel);
			selection_release(&sel);
		}
	}
	mailbox_list_release(&boxes);
	select_opts_release(&o);
	return rc;
}
