/* cmd-common.c -- selector options, running a selection, printing it. */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "detect/addrset.h"
#include "detect/mass.h"
#include "detect/rules.h"
#include "lib/datetime.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/msg.h"
#include "mail/msgid.h"

const char *const thread_keywords[] = { "subtree", "whole", "none", NULL };
const char *const format_keywords[] = { "text", "json", NULL };

static const enum thread_mode thread_modes[] = {
	THREAD_MODE_SUBTREE, THREAD_MODE_WHOLE, THREAD_MODE_NONE,
};

void
print_error(const char *fmt, ...)
{
	va_list ap;

	fputs("listscrub: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
usage_error(const char *cmd, const char *msg)
{
	print_error("%s: %s", cmd, msg);
	fprintf(stderr, "Try 'listscrub %s --help' or 'man listscrub-%s'.\n",
		cmd, cmd);
	return EXIT_ERROR;
}

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
	if (*first_r >= argc)
		return usage_error(cmd, "no PATH given");
	if (select_opts_resolve(o, &err) < 0)
		return usage_error(cmd, err.msg);
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

void
select_opts_init(struct select_opts *o)
{
	memset(o, 0, sizeof *o);
	o->thread = 0;
	o->format = FORMAT_TEXT;
}

/* Does the user target something (messages, addresses or rules)?  If
 * not, the default rules make the run a personal-data sweep. */
static bool
has_target(const struct select_opts *o)
{
	return o->message_ids.count || o->message_id_files.count ||
		o->addresses.count || o->address_files.count ||
		o->rule_paths.count;
}

bool
select_opts_has_selector(const struct select_opts *o)
{
	return has_target(o) || o->ruleset != NULL || o->detects.count;
}

/* "mass-recipients[=N]" or "address-lists[=N]". */
static int
resolve_detect(struct select_settings *s, const char *arg, struct errbuf *err)
{
	static const char *const kinds[] = { "mass-recipients", "address-lists" };
	unsigned int *targets[] = { &s->mass_recipients, &s->address_lists };

	for (size_t k = 0; k < 2; k++) {
		size_t n = strlen(kinds[k]);
		unsigned long v = MASS_DEFAULT_THRESHOLD;
		char *end;

		if (strncmp(arg, kinds[k], n) != 0 ||
		    (arg[n] != '\0' && arg[n] != '='))
			continue;
		if (arg[n] == '=') {
			v = strtoul(arg + n + 1, &end, 10);
			if (arg[n + 1] == '\0' || *end != '\0' || v < 2 ||
			    v > 100000)
				return errbuf_set(err, "--detect %s: N must be a "
						  "number from 2 to 100000", arg);
		}
		*targets[k] = (unsigned int)v;
		return 0;
	}
	return errbuf_set(err, "--detect '%s': give mass-recipients[=N] or "
			  "address-lists[=N]", arg);
}

static int
resolve_rules(struct select_opts *o, struct errbuf *err)
{
	bool use_default = !has_target(o) && !o->no_default_rules;

	if (o->rule_paths.count == 0 && !use_default)
		return 0;
	o->ruleset = ruleset_new();
	return ruleset_load_all(o->ruleset, o->rule_paths.items,
				o->rule_paths.count, use_default, err);
}

static void
add_id(struct select_opts *o, char *id)
{
	o->ids = xreallocarray(o->ids, o->nids + 1, sizeof *o->ids);
	o->ids[o->nids++] = id;
}

/* Call fn for each line of a list file that is not blank or a comment. */
static int
each_line(const char *path, int (*fn)(struct select_opts *, const char *,
				      struct errbuf *),
	  struct select_opts *o, struct errbuf *err)
{
	char *data, *line, *save = NULL;
	size_t len, lineno = 0;
	int rc = 0;

	if (read_whole_file(path, &data, &len, err) < 0)
		return -1;
	for (char *p = data; p < data + len; p++)
		if (*p == '\0')
			*p = '\n';
	for (line = data; line && rc == 0; line = save) {
		char *nl = strchr(line, '\n'), *s = line;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		s[strcspn(s, "\r")] = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (fn(o, s, err) < 0) {
			char msg[ERRBUF_SIZE];

			memcpy(msg, err->msg, sizeof msg);
			rc = errbuf_set(err, "%s:%zu: %s", path, lineno, msg);
		}
	}
	free(data);
	return rc;
}

static int
take_id(struct select_opts *o, const char *s, struct errbuf *err)
{
	char *id = msgid_normalize(s);

	if (id == NULL)
		return errbuf_set(err, "empty Message-ID");
	add_id(o, id);
	return 0;
}

static int
take_address(struct select_opts *o, const char *s, struct errbuf *err)
{
	return addrset_add(o->addrset, s, err) < 0 ? -1 : 0;
}

static int
resolve_date(const char *arg, const char *name, bool *set_r, int64_t *t_r,
	     struct errbuf *err)
{
	if (arg == NULL)
		return 0;
	if (datetime_parse_arg(arg, t_r) < 0)
		return errbuf_set(err, "--%s: '%s' is not a date (use "
				  "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)", name, arg);
	*set_r = true;
	return 0;
}

int
select_opts_resolve(struct select_opts *o, struct errbuf *err)
{
	struct select_settings *s = &o->settings;

	for (size_t i = 0; i < o->message_ids.count; i++)
		if (take_id(o, o->message_ids.items[i], err) < 0)
			return errbuf_set(err, "--message-id: empty Message-ID");
	for (size_t i = 0; i < o->message_id_files.count; i++)
		if (each_line(o->message_id_files.items[i], take_id, o, err) < 0)
			return -1;
	if (o->addresses.count || o->address_files.count)
		o->addrset = addrset_new();
	for (size_t i = 0; i < o->addresses.count; i++)
		if (take_address(o, o->addresses.items[i], err) < 0) {
			char msg[ERRBUF_SIZE];

			memcpy(msg, err->msg, sizeof msg);
			return errbuf_set(err, "--address (number %zu): %s",
					  i + 1, msg);
		}
	for (size_t i = 0; i < o->address_files.count; i++)
		if (each_line(o->address_files.items[i], take_address, o, err) < 0)
			return -1;
	memset(s, 0, sizeof *s);
	if (resolve_date(o->since, "since", &s->since_set, &s->since, err) < 0 ||
	    resolve_date(o->until, "until", &s->until_set, &s->until, err) < 0)
		return -1;
	for (size_t i = 0; i < o->detects.count; i++)
		if (resolve_detect(s, o->detects.items[i], err) < 0)
			return -1;
	if (resolve_rules(o, err) < 0)
		return -1;
	s->rules = o->ruleset;
	s->keep_text = o->show_matches;
	s->addresses = o->addrset;
	s->message_ids = o->ids;
	s->n_message_ids = o->nids;
	s->thread = thread_modes[o->thread];
	s->list = o->list;
	s->jobs = (unsigned int)o->jobs;
	return 0;
}

void
select_opts_release(struct select_opts *o)
{
	opt_list_release(&o->message_ids);
	opt_list_release(&o->message_id_files);
	opt_list_release(&o->addresses);
	opt_list_release(&o->address_files);
	opt_list_release(&o->rule_paths);
	opt_list_release(&o->detects);
	addrset_free(&o->addrset);
	ruleset_free(&o->ruleset);
	for (size_t i = 0; i < o->nids; i++)
		free(o->ids[i]);
	free(o->ids);
	o->ids = NULL;
	o->nids = 0;
}

void
print_problems(const struct mailbox_list *boxes, const struct selection *sel)
{
	for (size_t i = 0; i < sel->n_problems; i++) {
		const struct select_problem *p = &sel->problems[i];
		const struct mailbox *mb = &boxes->items[p->mailbox];

		if (p->index == SIZE_MAX) {
			print_error("error: %s", p->text);
			continue;
		}
		{
			char *path = mailbox_file_of(mb, p->index);

			print_error("%s:#%zu (offset %llu, part %u): %s: %s", path,
				    p->index, (unsigned long long)p->offset,
				    p->part, p->fatal ? "error" : "warning",
				    p->text);
			free(path);
		}
	}
}

int
run_selection(struct select_opts *o, char *const *paths, size_t npaths,
	      struct mailbox_list *boxes, struct selection *sel)
{
	struct errbuf err;

	errbuf_clear(&err);
	if (mailbox_walk(boxes, paths, npaths, &err) < 0) {
		print_error("%s", err.msg);
		return -1;
	}
	if (select_run(boxes, &o->settings, sel, &err) < 0) {
		print_error("%s", err.msg);
		return -1;
	}
	print_problems(boxes, sel);
	return 0;
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

const char *
item_action_name(enum item_action action)
{
	return action == ITEM_DELETE ? "delete"
		: action == ITEM_REDACT ? "redact" : "flag";
}

enum item_action
default_action(const struct select_opts *o, const struct selected *item)
{
	/* SPEC §2: whole messages for Message-ID and thread selections,
	 * redaction of the matched spans for address and rule selections;
	 * a message whose every match is of a "flag" rule is only shown. */
	if (item->reasons & (SELECT_MESSAGE_ID | SELECT_THREAD))
		return ITEM_DELETE;
	for (size_t k = 0; k < item->n_matches; k++) {
		const struct select_match *m = &item->matches[k];

		if (m->kind != MATCH_RULE ||
		    ruleset_rule(o->ruleset, m->which)->action == RULE_REDACT)
			return ITEM_REDACT;
	}
	return ITEM_FLAG;
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

void
print_selected(FILE *out, const struct select_opts *o,
	       const struct mailbox_list *boxes, const struct selected *item,
	       const char *action, const char *state)
{
	const struct mailbox *mb = &boxes->items[item->mailbox];
	const char *id = item->message_id ? item->message_id : "";
	char *path = mailbox_file_of(mb, item->index);

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
		json_object_set_new(j, "reasons", reasons_json(item->reasons));
		json_object_set_new(j, "action", json_string(action));
		if (state)
			json_object_set_new(j, "state", json_string(state));
		json_object_set_new(j, "matches", matches_json(o, item));
		line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		fprintf(out, "%s\n", line);
		free(line);
		json_decref(j);
	} else {
		fprintf(out, "%s:%zu offset=%llu <%s> reasons=", path, item->index,
			(unsigned long long)item->offset, id);
		reasons_text(out, item->reasons);
		fprintf(out, " action=%s%s%s matches=%zu\n", action,
			state ? " state=" : "", state ? state : "",
			item->n_matches);
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
	const struct mbox_split *s = &mb->split;

	fprintf(out, "# %s: %s, %zu messages", mb->path, mailbox_format_name(mb),
		mailbox_message_count(mb));
	if (mb->kind == MAILBOX_MBOX) {
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
