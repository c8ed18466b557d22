/* sweep-report.c -- a sweep's summary: short text, JSON, and the mail
 * of the text with sendmail(8).  Only counts, rule ids, mailbox paths
 * and message numbers: never a matched text. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/print.h"
#include "cli/sweep-run.h"
#include "lib/buf.h"
#include "lib/errbuf.h"

char *
sweep_text(const struct sweep_summary *s)
{
	const struct sweep_counts *n = s->n;
	struct buf b = { 0 };

	buf_addf(&b, "listscrub sweep: %zu %s, %zu %s (%zu unchanged, %zu "
		 "read from where the last run stopped, %zu read whole%s); "
		 "%zu %s, %llu bytes read in %.2f s\n", s->cf->narchives,
		 plural(s->cf->narchives, "archive", "archives"), n->mailboxes,
		 plural(n->mailboxes, "mailbox", "mailboxes"), n->unchanged,
		 n->incremental, n->full,
		 n->rules_changed ? ": the rules changed" : "",
		 n->messages_read, plural(n->messages_read, "message",
					  "messages"),
		 (unsigned long long)n->bytes_read, n->seconds);
	if (n->failed)
		buf_addf(&b, "%zu %s could not be read (see the errors)\n",
			 n->failed, plural(n->failed, "mailbox", "mailboxes"));
	buf_addf(&b, "%zu new %s", s->npending,
		 plural(s->npending, "finding", "findings"));
	if (n->baselined)
		buf_addf(&b, " (%zu more found and accepted before)",
			 n->baselined);
	if (n->accepted)
		buf_addf(&b, "; %zu accepted into the baseline now",
			 n->accepted);
	buf_str(&b, "\n");
	for (size_t i = 0; i < s->npending; i++) {
		const struct sweep_finding *f = &s->pending[i];

		buf_addf(&b, "  %s:#%lu%s%s%s: %s\n", f->path, f->message - 1,
			 f->file ? " (" : "", f->file ? f->file : "",
			 f->file ? ")" : "", f->rule);
	}
	if (s->manifest)
		buf_addf(&b, "manifest: %s\n", s->manifest);
	return b.p ? b.p : calloc(1, 1);
}

static void
count_into(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	json_object_set_new(o, key, json_integer(v ? json_integer_value(v) + 1
						 : 1));
}

/* JSON Lines as every command prints them (listscrub(1) JSON OUTPUT):
 * the header, one line per new finding (its message as "index", from 0,
 * as scan's), then the summary. */
void
sweep_print_json(const struct sweep_summary *s)
{
	const struct sweep_counts *n = s->n;
	json_t *by_rule = json_object(), *by_list = json_object();

	for (size_t i = 0; i < s->npending; i++) {
		const struct sweep_finding *f = &s->pending[i];
		json_t *o = json_pack("{s:o, s:I, s:s}", "path",
				      json_text(f->path), "index",
				      (json_int_t)f->message - 1, "rule",
				      f->rule);

		if (f->file)
			json_object_set_new(o, "file", json_text(f->file));
		json_object_set_new(o, "list", f->list ? json_text(f->list)
				    : json_null());
		json_line(stdout, o);
		count_into(by_rule, f->rule);
		if (f->list)
			count_into(by_list, f->list);
	}
	json_summary(stdout, json_pack(
		"{s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:b,"
		" s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:f, s:i}",
		"archives", (json_int_t)s->cf->narchives,
		"mailboxes", "total", (json_int_t)n->mailboxes,
		"unchanged", (json_int_t)n->unchanged,
		"incremental", (json_int_t)n->incremental,
		"full", (json_int_t)n->full, "failed", (json_int_t)n->failed,
		"bytes_read", (json_int_t)n->bytes_read,
		"messages_read", (json_int_t)n->messages_read,
		"rules_changed", n->rules_changed,
		"findings", "found", (json_int_t)n->found,
		"new", (json_int_t)s->npending,
		"baselined", (json_int_t)n->baselined,
		"accepted", (json_int_t)n->accepted,
		"baseline", (json_int_t)n->baseline_size,
		"by_rule", by_rule, "by_list", by_list,
		"manifest", s->manifest ? json_text(s->manifest) : json_null(),
		"duration_s", n->seconds, "exit", s->exit_status));
}

static bool
header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int
sweep_mail(const char *addr, const char *subject, const char *text,
	   struct errbuf *err)
{
	const char *sendmail = getenv("LISTSCRUB_SENDMAIL");
	int fds[2], status;
	pid_t pid;
	FILE *out;

	if (sendmail == NULL || sendmail[0] == '\0')
		sendmail = "/usr/sbin/sendmail";
	if (!header_safe(addr) || addr[0] == '\0' || addr[0] == '-')
		return errbuf_set(err, "--mail-to: give one address, without "
				  "control characters");
	if (pipe(fds) < 0)
		return errbuf_errno(err, errno, "cannot make a pipe");
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return errbuf_errno(err, errno, "cannot fork");
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execl(sendmail, sendmail, "-t", "-oi", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	out = fdopen(fds[1], "w");
	fprintf(out, "To: %s\nSubject: %s\nContent-Type: text/plain; "
		"charset=utf-8\nAuto-Submitted: auto-generated\n\n%s", addr,
		subject, text);
	fclose(out);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return errbuf_set(err, "'%s -t -oi' failed (exit %d): the "
				  "summary was not mailed", sendmail,
				  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
