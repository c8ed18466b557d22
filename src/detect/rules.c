/* rules.c -- rule sets: reading rule files (listscrub-rules(5)) and
 * compiling their patterns. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/rules-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

struct ruleset *
ruleset_new(void)
{
	return xcalloc(1, sizeof(struct ruleset));
}

const char *
rule_action_name(enum rule_action action)
{
	return action == RULE_REDACT ? "redact"
		: action == RULE_FLAG ? "flag" : "ignore";
}

size_t
ruleset_count(const struct ruleset *rs)
{
	return rs->count;
}

const struct rule_info *
ruleset_rule(const struct ruleset *rs, uint32_t i)
{
	return &rs->rules[i].info;
}

long
ruleset_find(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->count; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void
rule_release(struct rule *r)
{
	pcre2_code_free(r->code);
	free(r->pattern);
	for (size_t i = 0; i < r->n_literals; i++)
		free(r->literals[i]);
	for (size_t i = 0; i < r->n_context; i++)
		free(r->context[i]);
	free(r->id);
	free(r->entity);
	free(r->description);
	free(r->validator);
	free(r->file);
	free(r->severity);
}

void
ruleset_free(struct ruleset **rsp)
{
	struct ruleset *rs = *rsp;

	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->count; i++)
		rule_release(&rs->rules[i]);
	free(rs->rules);
	free(rs);
	*rsp = NULL;
}

const char *
rules_default_dir(void)
{
	static char *tree;

	return shipped_folder("LISTSCRUB_RULES_DIR", "rules",
			      LISTSCRUB_RULES_DIR, &tree);
}


struct parse {
	const char *file;
	unsigned int line;
	struct errbuf *err;
};

static int
parse_error(const struct parse *ps, const char *what)
{
	return errbuf_set(ps->err, "%s:%u: %s", ps->file, ps->line, what);
}

static char *
trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "\x20", "\n", "\r", "\t" and "\\", so that a word can start or end
 * with a space and a class can hold any byte.  Returns the new length. */
static size_t
unescape(char *w)
{
	char *out = w;

	for (char *p = w; *p; p++) {
		if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
		    isxdigit((unsigned char)p[3])) {
			char hex[3] = { p[2], p[3], 0 };

			*out++ = (char)strtol(hex, NULL, 16);
			p += 3;
		} else if (p[0] == '\\' && p[1] && strchr("nrt\\", p[1])) {
			p++;
			*out++ = *p == 'n' ? '\n' : *p == 'r' ? '\r'
				: *p == 't' ? '\t' : '\\';
		} else
			*out++ = *p;
	}
	*out = '\0';
	return (size_t)(out - w);
}

/* Split a comma-separated list into owned, trimmed words, lower-cased
 * unless keep_case. */
static int
split_words(char *value, bool keep_case, char **out, size_t max,
	    size_t *n_r, const struct parse *ps)
{
	char *save = NULL;

	/* a field given again replaces the list */
	for (size_t i = 0; i < *n_r; i++)
		free(out[i]);
	*n_r = 0;
	for (char *w = strtok_r(value, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		w = trim(w);
		if (*w == '\0')
			continue;
		if (*n_r == max)
			return parse_error(ps, "too many words in the list");
		unescape(w);
		for (char *p = w; *p && !keep_case; p++)
			*p = (char)tolower((unsigned char)*p);
		out[(*n_r)++] = xstrdup(w);
	}
	return 0;
}

/* "literal:A,B", "exact:A,B", "digits:N" or "none". */
static int
parse_prefilter(struct rule *r, char *value, const struct parse *ps)
{
	if (strcmp(value, "none") == 0) {
		r->prefilter = PREFILTER_NONE;
		return 0;
	}
	if (strncmp(value, "digits:", 7) == 0) {
		char *end;
		unsigned long n = strtoul(value + 7, &end, 10);

		if (*end != '\0' || n < MIN_CLUSTER_DIGITS || n > 40)
			return parse_error(ps, "prefilter digits:N needs N in 4..40");
		r->prefilter = PREFILTER_DIGITS;
		r->min_digits = (unsigned int)n;
		return 0;
	}
	if (strncmp(value, "literal:", 8) == 0 ||
	    strncmp(value, "exact:", 6) == 0) {
		bool exact = value[0] == 'e';

		r->prefilter = PREFILTER_LITERAL;
		r->literals_exact = exact;
		if (split_words(value + (exact ? 6 : 8), exact, r->literals,
				MAX_LITERALS, &r->n_literals, ps) < 0)
			return -1;
		if (r->n_literals == 0)
			return parse_error(ps, "prefilter literal: needs a literal");
		return 0;
	}
	return parse_error(ps, "prefilter must be literal:A,B..., exact:A,B..., "
			   "digits:N or none");
}

/* A class such as "A-Za-z0-9._%+-": ranges and single bytes, with the
 * escapes of unescape. */
static int
parse_token_class(struct rule *r, char *value, const struct parse *ps)
{
	size_t n = unescape(value);

	memset(r->token, 0, sizeof r->token);
	for (size_t i = 0; i < n; i++) {
		unsigned char lo = (unsigned char)value[i], hi = lo;

		if (i + 2 < n && value[i + 1] == '-') {
			hi = (unsigned char)value[i + 2];
			i += 2;
		}
		if (hi < lo)
			return parse_error(ps, "token: a range runs backwards");
		for (unsigned int c = lo; c <= hi; c++)
			r->token[c] = true;
	}
	return 0;
}

static int
parse_size(const char *value, size_t lo, size_t hi, size_t *out,
	   const struct parse *ps, const char *what)
{
	char *end;
	unsigned long v = strtoul(value, &end, 10);

	if (*value == '\0' || *end != '\0' || v < lo || v > hi)
		return parse_error(ps, what);
	*out = v;
	return 0;
}

static int
parse_yes_no(const char *value, bool *out, const struct parse *ps)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*out = value[0] == 'y';
		return 0;
	}
	return parse_error(ps, "expected yes or no");
}

static int
parse_scope(struct rule *r, const char *value, const struct parse *ps)
{
	if (strcmp(value, "body") == 0)
		r->info.scope = RULE_SCOPE_BODY;
	else if (strcmp(value, "header") == 0)
		r->info.scope = RULE_SCOPE_HEADER;
	else if (strcmp(value, "any") == 0)
		r->info.scope = RULE_SCOPE_BODY | RULE_SCOPE_HEADER;
	else
		return parse_error(ps, "scope must be body, header or any");
	return 0;
}

/* A field given again in a rule replaces the value before. */
static void
set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int
set_field(struct rule *r, const char *key, char *value, const struct parse *ps)
{
	size_t n;

	if (strcmp(key, "entity") == 0)
		set_string(&r->entity, value);
	else if (strcmp(key, "description") == 0)
		set_string(&r->description, value);
	else if (strcmp(key, "pattern") == 0)
		set_string(&r->pattern, value);
	else if (strcmp(key, "prefilter") == 0)
		return parse_prefilter(r, value, ps);
	else if (strcmp(key, "token") == 0)
		return parse_token_class(r, value, ps);
	else if (strcmp(key, "max-length") == 0)
		return parse_size(value, 1, 65536, &r->max_length, ps,
				  "max-length must be 1..65536");
	else if (strcmp(key, "validator") == 0) {
		r->validate = NULL;
		if (strcmp(value, "none") != 0 &&
		    (r->validate = validator_find(value)) == NULL)
			return parse_error(ps, "unknown validator (see "
					   "listscrub-rules(5) for the list)");
		set_string(&r->validator, value);
	} else if (strcmp(key, "context") == 0)
		return split_words(value, false, r->context, MAX_CONTEXT_WORDS,
				   &r->n_context, ps);
	else if (strcmp(key, "window") == 0)
		return parse_size(value, 0, 1000, &r->window, ps,
				  "window must be 0..1000");
	else if (strcmp(key, "require-context") == 0)
		return parse_yes_no(value, &r->info.require_context, ps);
	else if (strcmp(key, "action") == 0) {
		if (strcmp(value, "redact") && strcmp(value, "flag") &&
		    strcmp(value, "ignore"))
			return parse_error(ps, "action must be redact, flag or "
					   "ignore");
		r->info.action = value[0] == 'r' ? RULE_REDACT
			: value[0] == 'f' ? RULE_FLAG : RULE_IGNORE;
	} else if (strcmp(key, "severity") == 0) {
		if (strcmp(value, "low") && strcmp(value, "medium") &&
		    strcmp(value, "high") && strcmp(value, "critical"))
			return parse_error(ps, "severity must be low, medium, "
					   "high or critical");
		set_string(&r->severity, value);
	} else if (strcmp(key, "scope") == 0)
		return parse_scope(r, value, ps);
	else if (strcmp(key, "priority") == 0) {
		if (parse_size(value, 0, 100, &n, ps,
			       "priority must be 0..100") < 0)
			return -1;
		r->priority = (int)n;
	} else
		return parse_error(ps, "unknown field");
	return 0;
}

static bool
id_is_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
			return false;
	return true;
}

static struct rule *
start_rule(struct ruleset *rs, const char *id, const struct parse *ps)
{
	struct rule *r;

	if (!id_is_valid(id)) {
		parse_error(ps, "a rule id is 1-64 of A-Z a-z 0-9 . _ -");
		return NULL;
	}
	if (ruleset_find(rs, id) >= 0) {
		parse_error(ps, "this rule id is defined twice");
		return NULL;
	}
	xgrow((void **)&rs->rules, &rs->alloc, rs->count + 1, sizeof *rs->rules);
	r = &rs->rules[rs->count++];
	memset(r, 0, sizeof *r);
	r->id = xstrdup(id);
	r->file = xstrdup(ps->file);
	r->info.line = ps->line;
	r->info.scope = RULE_SCOPE_BODY;
	r->max_length = DEFAULT_MAX_LENGTH;
	r->window = DEFAULT_WINDOW;
	return r;
}

static int
compile_rule(struct ruleset *rs, struct rule *r, struct errbuf *err)
{
	int code;
	PCRE2_SIZE where;
	uint32_t groups;
	char msg[200];

	if (r->pattern == NULL)
		return errbuf_set(err, "%s:%u: rule %s has no pattern", r->file,
				  r->info.line, r->id);
	r->code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED,
				PCRE2_USE_OFFSET_LIMIT, &code, &where, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
		return errbuf_set(err, "%s:%u: rule %s: pattern does not compile "
				  "at offset %zu: %s", r->file, r->info.line,
				  r->id, (size_t)where, msg);
	}
	pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);  /* interpreted if not */
	r->value_group = pcre2_substring_number_from_name(
		r->code, (PCRE2_SPTR)"value");
	if (r->value_group < 0)
		r->value_group = 0;
	pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (groups + 1 > rs->max_groups)
		rs->max_groups = groups + 1;
	if (r->prefilter != PREFILTER_NONE) {
		bool any = false;

		for (size_t c = 0; c < 256; c++)
			any |= r->token[c];
		if (!any)
			return errbuf_set(err, "%s:%u: rule %s has a prefilter but "
					  "no token class", r->file,
					  r->info.line, r->id);
	}
	r->info.id = r->id;
	r->info.entity = r->entity ? r->entity : r->id;
	r->info.description = r->description ? r->description : "";
	r->info.validator = r->validator ? r->validator : "none";
	r->info.file = r->file;
	r->info.severity = r->severity ? r->severity : "medium";
	return 0;
}

static int
parse_line(struct ruleset *rs, struct rule **cur, char *line,
	   const struct parse *ps)
{
	char *s = trim(line), *eq;

	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "rule ", 5) == 0 || strncmp(s, "rule\t", 5) == 0) {
		if (*cur && compile_rule(rs, *cur, ps->err) < 0)
			return -1;
		*cur = start_rule(rs, trim(s + 5), ps);
		return *cur ? 0 : -1;
	}
	if (*cur == NULL)
		return parse_error(ps, "a field before the first \"rule ID\" line");
	eq = strchr(s, '=');
	if (eq == NULL)
		return parse_error(ps, "expected \"field = value\"");
	*eq = '\0';
	return set_field(*cur, trim(s), trim(eq + 1), ps);
}

static int
load_file(struct ruleset *rs, const char *path, struct errbuf *err)
{
	struct parse ps = { .file = path, .err = err };
	struct rule *cur = NULL;
	char *data, *line;
	size_t len, first = rs->count;
	int rc = 0;

	if (read_whole_file(path, &data, &len, err) < 0)
		return -1;
	if (memchr(data, '\0', len))
		rc = errbuf_set(err, "%s: not a rule file (it holds NUL bytes)",
				path);
	for (char *p = data; rc == 0 && p < data + len; p = line) {
		char *nl = memchr(p, '\n', (size_t)(data + len - p));

		line = nl ? nl + 1 : data + len;
		if (nl)
			*nl = '\0';
		ps.line++;
		rc = parse_line(rs, &cur, p, &ps);
	}
	if (rc == 0 && cur)
		rc = compile_rule(rs, cur, err);
	if (rc == 0 && rs->count == first)
		rc = errbuf_set(err, "%s: no rule in this file", path);
	free(data);
	return rc;
}

static int
load_dir(struct ruleset *rs, const char *path, struct errbuf *err)
{
	char **names;
	size_t n, found = 0;
	int rc = 0;

	if (dir_names(path, &names, &n, err) < 0) {
		char msg[ERRBUF_SIZE];

		memcpy(msg, err->msg, sizeof msg);
		return errbuf_set(err, "cannot read the rule directory: %s", msg);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t l = strlen(names[i]);
		char *file;

		if (l <= 6 || strcmp(names[i] + l - 6, ".rules") != 0)
			continue;
		found++;
		file = xasprintf("%s/%s", path, names[i]);
		rc = load_file(rs, file, err);
		free(file);
	}
	dir_names_free(names, n);
	if (rc == 0 && found == 0)
		rc = errbuf_set(err, "no *.rules file in '%s'", path);
	return rc;
}

int
ruleset_load(struct ruleset *rs, const char *path, struct errbuf *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errbuf_errno(err, errno, "cannot read rules '%s'", path);
	return S_ISDIR(st.st_mode) ? load_dir(rs, path, err)
		: load_file(rs, path, err);
}

int
ruleset_load_all(struct ruleset *rs, char *const *paths, size_t n,
		 bool with_default, struct errbuf *err)
{
	if (with_default && ruleset_load(rs, rules_default_dir(), err) < 0) {
		char msg[ERRBUF_SIZE];

		memcpy(msg, err->msg, sizeof msg);
		return errbuf_set(err, "the default rules: %s (set "
				  "LISTSCRUB_RULES_DIR, or give --rules)", msg);
	}
	for (size_t i = 0; i < n; i++)
		if (ruleset_load(rs, paths[i], err) < 0)
			return -1;
	return 0;
}
