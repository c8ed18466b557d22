/* report.c -- diagnostics on stderr, and the exit status they imply. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/report.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

/* The worst exit status reported in this process (one command). */
static int worst_status;

void
report(enum diag_code code, const char *locus, const char *fmt, ...)
{
	const struct diag_info *d = diag_info(code);
	char *text = NULL, *line;
	va_list ap;

	progress_line_hold();
	fputs("listscrub: ", stderr);
	if (locus) {
		char *shown = print_shown(xstrdup(locus));

		line = text_escaped(shown);
		free(shown);
		fprintf(stderr, "%s: ", line);
		free(line);
	}
	fprintf(stderr, "%s: ", d->id);
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	/* a file name with a newline stays on its line; a staged tarball
	 * member is named as the tarball's */
	line = print_shown(text ? text : xstrdup(fmt));
	text = line;
	line = text_escaped(text);
	fprintf(stderr, "%s\n", line);
	free(line);
	free(text);
	progress_line_release();
	if (d->exit_status > worst_status)
		worst_status = d->exit_status;
}

void
report_problems(const struct mailbox_list *boxes, const struct selection *sel)
{
	for (size_t i = 0; i < sel->n_problems; i++) {
		const struct select_problem *p = &sel->problems[i];
		const struct mailbox *mb = boxes->items[p->mailbox];
		char *path, *locus;

		if (p->index == SIZE_MAX) {
			report(p->code, mailbox_path(mb), "%s", p->text);
			continue;
		}
		path = mailbox_file_of(mb, p->index);
		if (asprintf(&locus, "%s:#%zu (offset %llu, part %u)", path,
			     p->index, (unsigned long long)p->offset,
			     p->part) < 0)
			locus = NULL;
		report(p->code, locus ? locus : path, "%s", p->text);
		free(locus);
		free(path);
	}
}

void
report_walk(const struct mailbox_list *boxes)
{
	for (size_t i = 0; i < boxes->n_notes; i++) {
		const struct walk_note *n = &boxes->notes[i];

		report(n->code, n->path, "%s%s%s", diag_info(n->code)->text,
		       n->detail ? ": " : "", n->detail ? n->detail : "");
	}
}

int
usage_error(const char *cmd, const char *msg)
{
	report(D_USAGE, NULL, "%s: %s", cmd, msg);
	fprintf(stderr, "Try 'listscrub %s --help' or 'man listscrub-%s'.\n",
		cmd, cmd);
	return EXIT_ERROR;
}

int
report_exit_status(int status)
{
	return status > worst_status ? status : worst_status;
}
