/* print.c -- the selection as people and programs read it: one text
 * line or one JSON object per message, problems on stderr. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "act/plan.h"
#include "cli/cmd.h"
#include "cli/print.h"
#include "detect/addrset.h"
#include "detect/mass.h"
#include "detect/rules.h"
#include "hyperkitty/message-id-hash.h"
#include "hyperkitty/site.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/tarball.h"
#include "mail/msg.h"
#include "mail/words.h"

static const char *json_command = "";
static bool json_started;

void
json_output_for(const char *command)
{
	json_command = command;
}

void
json_line(FILE *out, json_t *j)
{
	char *line;

	if (!json_started) {
		json_started = true;
		json_line(out, json_pack("{s:{s:i, s:s, s:s}}", "listscrub",
					 "format", JSON_FORMAT, "command",
					 json_command, "version",
					 PACKAGE_VERSION));
	}
	/* json_pack gives NULL for text that is not UTF-8: the line says
	 * so rather than break the stream (callers use json_text) */
	line = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	fprintf(out, "%s\n", line ? line
		: "{\"error\":\"a line could not be written as JSON\"}");
	free(line);
	json_decref(j);
}

void
json_summary(FILE *out, json_t *counts)
{
	json_line(out, json_pack("{s:o}", "summary", counts));
}

const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);
	char *copy;
	size_t n;

	if (j != NULL)
		return j;
	/* Not UTF-8 (a Latin-1 subject, an odd file name): keep the ASCII,
	 * mark every other byte with U+FFFD, so that the line stays JSON. */
	n = strlen(s);
	copy = xmalloc(3 * n + 1);
	n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x80)
			copy[n++] = (char)*p;
		else {
			memcpy(copy + n, "\xef\xbf\xbd", 3);
			n += 3;
		}
	copy[n] = '\0';
	j = json_string(copy);
	free(copy);
	return j;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t need;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	need = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < need ||
	    (p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	for (size_t k = 1; k < need; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return need;
}

char *
text_escaped(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct buf b = { 0 };

	buf_add(&b, "", 0);
	for (size_t i = 0; i < n;) {
		size_t u = p[i] >= 0x80 ? utf8_len(p + i, n - i) : 0, run = 0;

		if (u) {
			buf_add(&b, s + i, u);
			i += u;
			continue;
		}
		/* printable ASCII in one copy: paths are escaped per hit */
		while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f &&
		       p[i + run] != '\\')
			run++;
		if (run) {
			buf_add(&b, s + i, run);
			i += run;
			continue;
		}
		if (p[i] == '\\')
			buf_addf(&b, "\\\\");
		else if (p[i] == '\n')
			buf_addf(&b, "\\n");
		else if (p[i] == '\t')
			buf_addf(&b, "\\t");
		else if (p[i] == '\r')
			buf_addf(&b, "\\r");
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			buf_addf(&b, "\\x%02x", p[i]);
		i++;
	}
	return b.p;
}

static const char *const reason_names[SELECT_REASONS] = {
	"message-id", "thread", "address", "rule", "mass-recipients",
	"address-list",
};

static json_t *
reasons_json(unsigned int reasons)
{
	json_t *a = json_array();

	for (size_t i = 0; i < SELECT_REASONS; i++)
		if (reasons & (1u << i))
			json_array_append_new(a, json_string(reason_names[i]));
	return a;
}

static void
reasons_text(FILE *out, unsigned int reasons)
{
	const char *sep = "";

	for (size_t i = 0; i < SELECT_REASONS; i++)
		if (reasons & (1u << i)) {
			fprintf(out, "%s%s", sep, reason_names[i]);
			sep = ",";
		}
}

/* The rule id a match reports: a rule's id, or the selector's name. */
const char *
match_rule_name(const struct select_opts *o, const struct select_match *m)
{
	switch (m->kind) {
	case MATCH_RULE:
		return ruleset_rule(o->ruleset, m->which)->id;
	case MATCH_MASS_RECIPIENT:
		return "mass-recipients";
	case MATCH_ADDRESS_LIST:
		return "address-list";
	default:
		return "address";
	}
}

static const char *
match_text(const struct select_opts *o, const struct select_match *m)
{
	if (m->kind == MATCH_ADDRESS)
		return addrset_get(o->addrset, m->which);
	return m->text ? m->text : "";
}

static json_t *
matches_json(const struct select_opts *o, const struct selected *item)
{
	json_t *a = json_array();

	for (size_t k = 0; k < item->n_matches; k++) {
		const struct select_match *m = &item->matches[k];
		json_t *j = json_object();

		json_object_set_new(j, "rule", json_string(match_rule_name(o, m)));
		if (m->kind == MATCH_RULE) {
			const struct rule_info *ri = ruleset_rule(o->ruleset,
								  m->which);

			json_object_set_new(j, "entity", json_string(ri->entity));
			json_object_set_new(j, "action", json_string(
				rule_action_name(ri->action)));
			json_object_set_new(j, "context", json_boolean(m->context));
		}
		json_object_set_new(j, "part", json_integer(m->part));
		json_object_set_new(j, "start", json_integer((json_int_t)m->start));
		json_object_set_new(j, "end", json_integer((json_int_t)m->end));
		json_object_set_new(j, "decoded",
				    json_boolean(m->flags & PART_DECODED));
		if (o->show_matches)
			json_object_set_new(j, "text", json_text(match_text(o, m)));
		json_array_append_new(a, j);
	}
	return a;
}

/* ---- a message's Date and Subject, with what may not be shown masked ---- */

struct spans {
	struct mass_span *v;
	size_t n, alloc;
};

static void
add_span(struct spans *sp, size_t start, size_t end)
{
	xgrow((void **)&sp->v, &sp->alloc, sp->n + 1, sizeof *sp->v);
	sp->v[sp->n++] = (struct mass_span){ start, end };
}

static int
take_run(const struct mass_span *span, void *ctx)
{
	add_span(ctx, span->start, span->end);
	return 0;
}

static void
take_found(void *ctx, enum match_kind kind, uint32_t which, size_t start,
	   size_t end, bool context)
{
	add_span(ctx, start, end);
}

static int
by_start(const void *a, const void *b)
{
	const struct mass_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* text with every address in it, and all the selection finds, as
 * "[masked]": a Subject that names the leak is shown without it.  When
 * the rules cannot finish, the whole text is masked. */
static char *
masked(const struct select_opts *o, const char *text)
{
	size_t len = strlen(text), at = 0;
	struct rule_scanner *rs = o->ruleset ? rule_scanner_new(o->ruleset)
		: NULL;
	struct spans sp = { 0 };
	struct buf b = { 0 };

	mass_address_runs(text, len, 1, take_run, &sp);
	if (select_search_text(&o->settings, rs, text, len, PART_DECODED,
			       take_found, &sp) < 0)
		add_span(&sp, 0, len);
	rule_scanner_free(&rs);
	if (sp.n)
		qsort(sp.v, sp.n, sizeof *sp.v, by_start);
	buf_add(&b, "", 0);
	for (size_t i = 0; i < sp.n; i++) {
		if (sp.v[i].end <= at)
			continue;       /* inside the span before */
		if (sp.v[i].start >= at) {
			buf_add(&b, text + at, sp.v[i].start - at);
			buf_addf(&b, "[masked]");
		}
		at = sp.v[i].end;
	}
	buf_add(&b, text + at, len - at);
	free(sp.v);
	return b.p;
}

/* Date and Subject of a selected message, decoded (NULL when absent);
 * the Subject masked unless --show-matches. */
static void
headline(const struct select_opts *o, const struct mailbox *mb, size_t index,
	 char **date_r, char **subject_r)
{
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;
	struct errbuf err;

	*date_r = *subject_r = NULL;
	if (mailbox_message(mb, index, &raw, &len, &off, &owned, &err) < 0)
		return;
	*date_r = header_get_decoded(raw, len, "Date");
	*subject_r = header_get_decoded(raw, len, "Subject");
	if (owned)
		free((void *)raw);
	if (*subject_r && !o->show_matches) {
		char *m = masked(o, *subject_r);

		free(*subject_r);
		*subject_r = m;
	}
}

char *
print_shown(char *path)
{
	char *shown = tarball_shown_text(path);
	char *hk = hk_shown_text(shown);

	free(path);
	free(shown);
	return hk;
}

void
hyperkitty_json(json_t *j, const struct mailbox *mb, size_t index,
		const char *message_id)
{
	const struct hk_message *m = hk_message_at(mailbox_path(mb), index);
	char hash[HK_HASH_SIZE];

	if (m) {
		json_object_set_new(j, "list", json_text(m->list));
		json_object_set_new(j, "message_id_hash",
				    json_text(m->message_id_hash));
		json_object_set_new(j, "thread_id", json_text(m->thread_id));
		json_object_set_new(j, "url", json_text(m->url));
	} else if (message_id && *message_id) {
		hk_message_id_hash(message_id, hash);
		json_object_set_new(j, "message_id_hash", json_string(hash));
	}
}

void
hyperkitty_text(FILE *out, const struct mailbox *mb, size_t index,
		const char *message_id)
{
	const struct hk_message *m = hk_message_at(mailbox_path(mb), index);
	char hash[HK_HASH_SIZE];

	if (m) {
		char *url = text_escaped(m->url);

		fprintf(out, " message-id-hash=%s thread=%s url=%s",
			m->message_id_hash, m->thread_id, url);
		free(url);
	} else if (message_id && *message_id) {
		hk_message_id_hash(message_id, hash);
		fprintf(out, " message-id-hash=%s", hash);
	}
}

void
print_selected(FILE *out, const struct select_opts *o,
	       const struct mailbox_list *boxes, const struct selected *item,
	       const char *action, const char *state)
{
	const struct mailbox *mb = boxes->items[item->mailbox];
	const char *id = item->message_id ? item->message_id : "";
	char *path = print_shown(mailbox_file_of(mb, item->index));
	const char *page = item->page;
	char *date = NULL, *subject = NULL;

	if (o->headlines && !item->not_mail)
		headline(o, mb, item->index, &date, &subject);
	if (o->format == FORMAT_JSON) {
		json_t *j = json_object();

		json_object_set_new(j, "path", json_text(path));
		json_object_set_new(j, "index", json_integer((json_int_t)item->index));
		json_object_set_new(j, "offset", json_integer((json_int_t)item->offset));
		json_object_set_new(j, "length", json_integer((json_int_t)item->length));
		json_object_set_new(j, "format", json_string(mailbox_format_name(mb)));
		json_object_set_new(j, "message_id", id[0] ? json_text(id)
				    : json_null());
		hyperkitty_json(j, mb, item->index, id);
		if (page)
			json_object_set_new(j, "page", json_text(page));
		if (o->headlines && !item->not_mail) {
			json_object_set_new(j, "date", date ? json_text(date)
					    : json_null());
			json_object_set_new(j, "subject", subject
					    ? json_text(subject) : json_null());
		}
		json_object_set_new(j, "reasons", reasons_json(item->reasons));
		json_object_set_new(j, "action", json_string(action));
		if (state)
			json_object_set_new(j, "state", json_string(state));
		json_object_set_new(j, "matches", matches_json(o, item));
		if (item->binary_parts)
			json_object_set_new(j, "unsearched_parts", json_integer(
				(json_int_t)item->binary_parts));
		if (item->finishes)
			json_object_set_new(j, "finishes", json_integer(
				(json_int_t)item->finishes));
		json_line(out, j);
	} else {
		char *epath = text_escaped(path), *eid = text_escaped(id);

		fprintf(out, "%s:#%zu offset=%llu <%s>%s%s reasons=", epath,
			item->index, (unsigned long long)item->offset, eid,
			page ? " page=" : "", page ? page : "");
		free(epath);
		free(eid);
		reasons_text(out, item->reasons);
		fprintf(out, " action=%s%s%s matches=%zu", action,
			state ? " state=" : "", state ? state : "",
			item->n_matches);
		if (item->binary_parts)
			fprintf(out, " unsearched-attachments=%zu",
				item->binary_parts);
		if (item->finishes)
			fprintf(out, " [left by run %04lu (interrupted)]",
				item->finishes);
		hyperkitty_text(out, mb, item->index, id);
		fputc('\n', out);
		if (o->headlines && !item->not_mail) {
			char *edate = text_escaped(date ? date : "-"),
				*esubject = text_escaped(subject ? subject : "-");

			fprintf(out, "    Date: %s  Subject: %s\n", edate, esubject);
			free(edate);
			free(esubject);
		}
		for (size_t k = 0; o->show_matches && k < item->n_matches; k++) {
			const struct select_match *m = &item->matches[k];

			fprintf(out, "  part %u %s[%llu,%llu) %s %s\n",
				m->part, m->flags & PART_DECODED ? "decoded" : "raw",
				(unsigned long long)m->start,
				(unsigned long long)m->end, match_rule_name(o, m),
				match_text(o, m));
		}
	}
	free(path);
	free(date);
	free(subject);
}

void
print_mailbox_line(FILE *out, const struct mailbox *mb)
{
	const struct mbox_split *s = mailbox_split(mb);
	char *shown = print_shown(xstrdup(mailbox_path(mb)));
	char *path = text_escaped(shown);

	free(shown);
	fprintf(out, "# %s: %s, %zu %s", path, mailbox_format_name(mb),
		mailbox_message_count(mb),
		plural(mailbox_message_count(mb), "message", "messages"));
	free(path);
	if (s) {
		if (s->flags & MBOX_HAS_CRLF)
			fputs(", CRLF", out);
		if (s->flags & MBOX_HAS_BOM)
			fputs(", BOM", out);
		if (s->unescaped_from_lines)
			fprintf(out, ", %zu unescaped From %s in bodies",
				s->unescaped_from_lines,
				plural(s->unescaped_from_lines, "line", "lines"));
	}
	fputc('\n', out);
}

void
print_purge_summary(FILE *out, int format, bool apply, const struct plan *plan,
		    const struct selection *sel)
{
	size_t deleted = plan_count(plan, ITEM_DELETE, OUTCOME_CHANGED);
	size_t redacted = plan_count(plan, ITEM_REDACT, OUTCOME_CHANGED);
	size_t empty = plan_count(plan, ITEM_REDACT, OUTCOME_NOTHING_FOUND);
	size_t not_made = plan_count(plan, ITEM_DELETE, OUTCOME_NOT_MADE) +
		plan_count(plan, ITEM_REDACT, OUTCOME_NOT_MADE);
	size_t deferred = 0, files = 0, flagged;

	plan_flagged(plan, &flagged);
	for (size_t i = 0; i < plan_box_count(plan); i++) {
		const struct plan_box *box = plan_box(plan, i);
		bool changed = false;

		for (size_t k = 0; k < box->count; k++) {
			deferred += box->items[k].state == PLAN_DEFERRED;
			changed |= box->items[k].state == PLAN_PLANNED &&
				box->items[k].outcome == OUTCOME_CHANGED;
		}
		files += changed;
	}
	if (format == FORMAT_JSON) {
		json_summary(out, json_pack(
			"{s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"messages", (json_int_t)sel->messages,
			"selected", (json_int_t)sel->count, "applied", apply,
			"delete", (json_int_t)deleted, "redact", (json_int_t)redacted,
			"mailboxes", (json_int_t)files,
			"deferred", (json_int_t)deferred,
			"nothing_to_redact", (json_int_t)empty,
			"not_made", (json_int_t)not_made,
			"flagged", (json_int_t)flagged));
		return;
	}
	fprintf(out, "# %zu %s read; %s %zu %s", sel->messages,
		plural(sel->messages, "message", "messages"),
		apply ? "deleted" : "would delete", deleted,
		plural(deleted, "message", "messages"));
	if (redacted)
		fprintf(out, " and %s %zu", apply ? "redacted" : "redact",
			redacted);
	fprintf(out, " in %zu %s", files, plural(files, "mailbox", "mailboxes"));
	if (deferred)
		fprintf(out, " (%zu more left for a later run by --limit)",
			deferred);
	if (!apply)
		fprintf(out, "; nothing was changed: add --apply to do it");
	fputc('\n', out);
	if (empty)
		fprintf(out, "# %zu %s selected for redaction %s nothing the "
			"selection can take out: left as %s\n", empty,
			plural(empty, "message", "messages"),
			plural(empty, "holds", "hold"),
			plural(empty, "it is", "they are"));
	if (not_made)
		fprintf(out, "# %zu planned %s not made: the run stopped (see "
			"the errors)\n", not_made,
			plural(not_made, "change was", "changes were"));
}

static void
count_clause(struct buf *b, size_t n, const char *one, const char *many)
{
	if (n == 0)
		return;
	buf_addf(b, "%s%zu %s", b->len ? ", " : "", n, n == 1 ? one : many);
}

void
print_passed_over(FILE *out, const struct mailbox_list *boxes,
		  const struct selection *sel)
{
	size_t not_mail = 0, links = 0, special = 0, failed = 0, pipermail = 0;
	struct buf b = { 0 };

	for (size_t i = 0; i < boxes->count; i++) {
		bool part = mailbox_is_pipermail_part(boxes->items[i]);

		pipermail += part;
		not_mail += !part &&
			mailbox_kind(boxes->items[i]) == MAILBOX_NOT_MAIL;
	}
	for (size_t i = 0; i < boxes->n_notes; i++) {
		enum diag_code c = boxes->notes[i].code;

		links += c == D_SYMLINK_NOT_FOLLOWED ||
			 c == D_SYMLINK_OUTSIDE || c == D_SYMLINK_LOOP;
		special += c == D_NOT_REGULAR_FILE;
		failed += c == D_PATH_MISSING || c == D_DIRECTORY_UNREADABLE;
	}
	count_clause(&b, boxes->pipermail_links, "link of a pipermail volume's "
		     "index.html to its thread.html", "links of pipermail "
		     "volumes' index.html to their thread.html");
	count_clause(&b, pipermail, "page, index, database file or attachment "
		     "of pipermail trees (searched as text, changed only with "
		     "their messages)", "pages, indexes, database files and "
		     "attachments of pipermail trees (searched as text, "
		     "changed only with their messages)");
	count_clause(&b, not_mail, "file that is not mail (searched as text, "
		     "never changed)", "files that are not mail (searched as "
		     "text, never changed)");
	count_clause(&b, links, "symbolic link (not followed)",
		     "symbolic links (not followed)");
	count_clause(&b, special, "FIFO, socket or device (never opened)",
		     "FIFOs, sockets or devices (never opened)");
	count_clause(&b, boxes->ignored, "dot file, dotlock or Maildir "
		     "index (or tmp/)", "dot files, dotlocks and Maildir "
		     "indexes (or tmp/)");
	count_clause(&b, failed, "PATH that could not be read",
		     "PATHs that could not be read");
	if (sel->binary_parts)
		fprintf(out, "# not searched: %zu binary attachment%s in %zu "
			"message%s (images, archives, PDF: no text to read)\n",
			sel->binary_parts, sel->binary_parts == 1 ? "" : "s",
			sel->binary_messages, sel->binary_messages == 1 ? "" : "s");
	if (b.len)
		fprintf(out, "# passed over: %s\n", b.p);
	if (sel->messages == not_mail)
		fprintf(out, "# no message was read in the PATHs given\n");
	buf_release(&b);
}
