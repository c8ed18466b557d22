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
#include "detect/rules.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/tarball.h"
#include "mail/msg.h"

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

char *
print_shown(char *path)
{
	char *shown = tarball_shown_text(path);

	free(path);
	return shown;
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

	if (o->format == FORMAT_JSON) {
		json_t *j = json_object();
		char *line;

		json_object_set_new(j, "path", json_text(path));
		json_object_set_new(j, "index", json_integer((json_int_t)item->index));
		json_object_set_new(j, "offset", json_integer((json_int_t)item->offset));
		json_object_set_new(j, "length", json_integer((json_int_t)item->length));
		json_object_set_new(j, "format", json_string(mailbox_format_name(mb)));
		json_object_set_new(j, "message_id", id[0] ? json_text(id)
				    : json_null());
		if (page)
			json_object_set_new(j, "page", json_text(page));
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
		line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		fprintf(out, "%s\n", line);
		free(line);
		json_decref(j);
	} else {
		char *epath = text_escaped(path), *eid = text_escaped(id);

		fprintf(out, "%s:%zu offset=%llu <%s>%s%s reasons=", epath,
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
		fputc('\n', out);
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
}

void
print_mailbox_line(FILE *out, const struct mailbox *mb)
{
	const struct mbox_split *s = mailbox_split(mb);
	char *shown = print_shown(xstrdup(mailbox_path(mb)));
	char *path = text_escaped(shown);

	free(shown);
	fprintf(out, "# %s: %s, %zu messages", path,
		mailbox_format_name(mb), mailbox_message_count(mb));
	free(path);
	if (s) {
		if (s->flags & MBOX_HAS_CRLF)
			fputs(", CRLF", out);
		if (s->flags & MBOX_HAS_BOM)
			fputs(", BOM", out);
		if (s->unescaped_from_lines)
			fprintf(out, ", %zu unescaped From lines in bodies",
				s->unescaped_from_lines);
	}
	fputc('\n', out);
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
