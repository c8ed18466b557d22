/* select-opts.c -- the selector options every reading command takes
 * (SPEC §2 SELECT): reading the lists, building the address set,
 * loading the rules, and the selection settings. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "detect/addrset.h"
#include "detect/mass.h"
#include "detect/rules.h"
#include "hyperkitty/site.h"
#include "lib/datetime.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/addrspec.h"
#include "mail/limits.h"
#include "mail/msgid.h"

const char *const thread_keywords[] = { "subtree", "whole", "none", NULL };

const char *const format_keywords[] = { "text", "json", NULL };

static const enum thread_mode thread_modes[] = {
	THREAD_MODE_SUBTREE, THREAD_MODE_WHOLE, THREAD_MODE_NONE,
};

void
limit_opts_init(struct limit_opts *l)
{
	l->mime_depth = MAIL_DEFAULT_MIME_DEPTH;
	l->mime_parts = MAIL_DEFAULT_MIME_PARTS;
	l->header_line_kb = MAIL_DEFAULT_HEADER_LINE >> 10;
	l->inflated_mb = MAIL_DEFAULT_INFLATED_SIZE >> 20;
	l->inflate_ratio = MAIL_DEFAULT_INFLATE_RATIO;
}

int
limit_opts_apply(const struct limit_opts *l, struct errbuf *err)
{
	const unsigned long most = 1ul << 31;   /* unsigned int, and no
						   overflow of KB or MB */

	if (l->mime_depth == 0 || l->mime_parts == 0 ||
	    l->header_line_kb == 0 || l->inflated_mb == 0 ||
	    l->inflate_ratio == 0 || l->mime_depth > most ||
	    l->mime_parts > most || l->header_line_kb > most ||
	    l->inflated_mb > most || l->inflate_ratio > most)
		return errbuf_set(err, "--max-mime-depth, --max-mime-parts, "
				  "--max-header-line, --max-inflated-size and "
				  "--max-inflate-ratio take a number from 1 "
				  "to %lu", most);
	mail_set_limits(&(struct mail_limits){
		.mime_depth = (unsigned int)l->mime_depth,
		.mime_parts = (unsigned int)l->mime_parts,
		.header_line = (size_t)l->header_line_kb << 10,
		.inflated_size = (uint64_t)l->inflated_mb << 20,
		.inflate_ratio = (unsigned int)l->inflate_ratio,
	});
	return 0;
}

void
select_opts_init(struct select_opts *o)
{
	memset(o, 0, sizeof *o);
	o->thread = 0;
	o->format = FORMAT_TEXT;
	limit_opts_init(&o->limits);
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

bool
select_opts_finds_spans(const struct select_opts *o)
{
	return o->addresses.count || o->address_files.count ||
		o->rule_paths.count || o->detects.count || !has_target(o);
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
	size_t len, lineno = 0, taken = 0;
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
		taken++;
		if (fn(o, s, err) < 0) {
			char msg[ERRBUF_SIZE];

			memcpy(msg, err->msg, sizeof msg);
			rc = errbuf_set(err, "%s:%zu: %s", path, lineno, msg);
		}
	}
	free(data);
	/* An empty list selects nothing: never a silent no-op run. */
	if (rc == 0 && taken == 0)
		rc = errbuf_set(err, "%s: the list is empty (no line that is not "
				"blank or a # comment)", path);
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

/* A bare address, or a line as list_members -f prints one ("Name
 * <addr>", "\"Doe, Ann\" <addr>"). */
static int
take_address(struct select_opts *o, const char *s, struct errbuf *err)
{
	char *spec = addrspec_of_line(s);
	int rc = addrset_add(o->addrset, spec ? spec : s, err);

	free(spec);
	return rc < 0 ? -1 : 0;
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

	if (limit_opts_apply(&o->limits, err) < 0)
		return -1;
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
	s->keep_text = o->show_matches || o->keep_text;
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
	hk_site_free(&o->site);
	for (size_t i = 0; i < o->nids; i++)
		free(o->ids[i]);
	free(o->ids);
	o->ids = NULL;
	o->nids = 0;
}
