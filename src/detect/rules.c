/* rules.c -- rule files, and their matches in text. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "detect/literals.h"
#include "detect/rules.h"
#include "detect/validate.h"
#include "lib/xalloc.h"

#define DEFAULT_MAX_LENGTH 128
#define DEFAULT_WINDOW     40
#define MAX_LITERALS       16
#define MAX_CONTEXT_WORDS  32
#define MIN_CLUSTER_DIGITS 4    /* digits:N rules need N >= this */

enum prefilter_kind { PREFILTER_NONE, PREFILTER_LITERAL, PREFILTER_DIGITS };

struct rule {
	struct rule_info info;
	char *pattern;
	pcre2_code *code;
	int value_group;                /* "value" group number, or 0 */
	validator_fn validate;
	enum prefilter_kind prefilter;
	char *literals[MAX_LITERALS];   /* lower case unless literals_exact */
	size_t n_literals;
	bool literals_exact;            /* "exact:" prefilter: case matters */
	unsigned int min_digits;
	bool token[256];                /* bytes a match may start over */
	size_t max_length;
	char *context[MAX_CONTEXT_WORDS];
	size_t n_context;
	size_t window;
	int priority;
	/* owned copies of the info strings */
	char *id, *entity, *description, *validator, *file, *severity;
};

struct ruleset {
	struct rule *rules;
	size_t count, alloc;
	uint32_t max_groups;
};

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
	const char *env = getenv("LISTSCRUB_RULES_DIR");

	return env && *env ? env : LISTSCRUB_RULES_DIR;
}

/* ---- parsing ------------------------------------------------------------ */

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

static int
set_field(struct rule *r, const char *key, char *value, const struct parse *ps)
{
	size_t n;

	if (strcmp(key, "entity") == 0)
		r->entity = xstrdup(value);
	else if (strcmp(key, "description") == 0)
		r->description = xstrdup(value);
	else if (strcmp(key, "pattern") == 0)
		r->pattern = xstrdup(value);
	else if (strcmp(key, "prefilter") == 0)
		return parse_prefilter(r, value, ps);
	else if (strcmp(key, "token") == 0)
		return parse_token_class(r, value, ps);
	else if (strcmp(key, "max-length") == 0)
		return parse_size(value, 1, 65536, &r->max_length, ps,
				  "max-length must be 1..65536");
	else if (strcmp(key, "validator") == 0) {
		if (strcmp(value, "none") != 0 &&
		    (r->validate = validator_find(value)) == NULL)
			return parse_error(ps, "unknown validator (see "
					   "listscrub-rules(5) for the list)");
		r->validator = xstrdup(value);
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
		r->severity = xstrdup(value);
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
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_dir(struct ruleset *rs, const char *path, struct errbuf *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;

	if (d == NULL)
		return errbuf_errno(err, errno, "cannot open rule directory '%s'",
				    path);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 6 && strcmp(de->d_name + l - 6, ".rules") == 0) {
			xgrow((void **)&names, &alloc, n + 1, sizeof *names);
			names[n++] = xasprintf("%s/%s", path, de->d_name);
		}
	}
	closedir(d);
	if (n == 0)
		rc = errbuf_set(err, "no *.rules file in '%s'", path);
	else
		qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_file(rs, names[i], err);
		free(names[i]);
	}
	free(names);
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

/* ---- finding ------------------------------------------------------------- */

struct span {
	size_t start, end;
};

/* Offsets where a rule's match can end its backward search, ascending. */
struct anchor_list {
	size_t *at;
	size_t n, alloc;
};

struct rule_scanner {
	const struct ruleset *rs;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	long only;
	struct rule_hit *hits;
	size_t nhits, hits_alloc;
	struct literal_set *literals;   /* every literal prefilter, tag = rule */
	bool *active;                   /* rule runs in this rule_scan */
	struct anchor_list *literal_anchors;    /* per rule */
	struct span *clusters;          /* digit clusters: start, end */
	unsigned int *cluster_digits;
	size_t nclusters, clusters_alloc, digits_alloc;
	struct anchor_list digit_anchors;
	struct span *excluded;          /* armour, quoted ID lines */
	size_t nexcluded, excluded_alloc;
	bool excluded_done;
};

struct rule_scanner *
rule_scanner_new(const struct ruleset *rs)
{
	struct rule_scanner *sc = xcalloc(1, sizeof *sc);

	sc->rs = rs;
	sc->only = -1;
	sc->md = pcre2_match_data_create(rs->max_groups ? rs->max_groups : 1,
					 NULL);
	sc->mctx = pcre2_match_context_create(NULL);
	if (sc->md == NULL || sc->mctx == NULL)
		out_of_memory(sizeof *sc);
	sc->literals = literal_set_new();
	for (uint32_t ri = 0; ri < rs->count; ri++) {
		const struct rule *r = &rs->rules[ri];

		for (size_t k = 0; k < r->n_literals; k++)
			literal_set_add(sc->literals, r->literals[k],
					strlen(r->literals[k]),
					!r->literals_exact, ri);
	}
	sc->active = xcalloc(rs->count ? rs->count : 1, sizeof *sc->active);
	sc->literal_anchors = xcalloc(rs->count ? rs->count : 1,
				      sizeof *sc->literal_anchors);
	return sc;
}

void
rule_scanner_free(struct rule_scanner **scp)
{
	struct rule_scanner *sc = *scp;

	if (sc == NULL)
		return;
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mctx);
	free(sc->hits);
	literal_set_free(&sc->literals);
	for (size_t ri = 0; ri < sc->rs->count; ri++)
		free(sc->literal_anchors[ri].at);
	free(sc->literal_anchors);
	free(sc->active);
	free(sc->clusters);
	free(sc->cluster_digits);
	free(sc->digit_anchors.at);
	free(sc->excluded);
	free(sc);
	*scp = NULL;
}

void
rule_scanner_only(struct rule_scanner *sc, long only)
{
	sc->only = only;
}

static bool
is_cluster_sep(char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' ||
		c == ')';
}

/* Does any of the eight bytes of w lie in '0'..'9'?  (A byte b counts
 * when 0x2f < b < 0x3a, with bytes >= 0x80 excluded; the usual
 * "has a byte between" word trick.) */
static bool
word_has_digit(uint64_t w)
{
	const uint64_t ones = UINT64_MAX / 255, low7 = ones * 127;
	uint64_t x = w & low7;

	return ((ones * (127 + ':') - x) & ~w & (x + ones * (127 - '/')) &
		ones * 128) != 0;
}

/* The first digit in t[i..len), or len. */
static size_t
next_digit(const char *t, size_t i, size_t len)
{
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, t + i, 8);
		if (word_has_digit(w))
			break;
	}
	while (i < len && !isdigit((unsigned char)t[i]))
		i++;
	return i;
}

/* Runs of digits joined by at most two separators ("(506) 243-1885",
 * "DE89 3704 0044"), with how many digits each holds. */
static void
find_clusters(struct rule_scanner *sc, const char *t, size_t len)
{
	size_t i = 0;

	sc->nclusters = 0;
	while ((i = next_digit(t, i, len)) < len) {
		size_t start, digits = 0;

		start = i;
		while (i < len) {
			if (isdigit((unsigned char)t[i])) {
				digits++;
				i++;
			} else if (i + 1 < len && is_cluster_sep(t[i]) &&
				   isdigit((unsigned char)t[i + 1]))
				i += 1;
			else if (i + 2 < len && is_cluster_sep(t[i]) &&
				 is_cluster_sep(t[i + 1]) &&
				 isdigit((unsigned char)t[i + 2]))
				i += 2;
			else
				break;
		}
		if (digits < MIN_CLUSTER_DIGITS)
			continue;
		xgrow((void **)&sc->clusters, &sc->clusters_alloc,
		      sc->nclusters + 1, sizeof *sc->clusters);
		xgrow((void **)&sc->cluster_digits, &sc->digits_alloc,
		      sc->nclusters + 1, sizeof *sc->cluster_digits);
		sc->clusters[sc->nclusters] = (struct span){ start, i };
		sc->cluster_digits[sc->nclusters++] = (unsigned int)digits;
	}
}

static void
add_anchor(struct anchor_list *list, size_t pos)
{
	if (list->n > 0 && list->at[list->n - 1] == pos)
		return;         /* two literals of one rule at one offset */
	xgrow((void **)&list->at, &list->alloc, list->n + 1, sizeof *list->at);
	list->at[list->n++] = pos;
}

static void
collect_literal(uint32_t rule, size_t offset, void *ctx)
{
	struct rule_scanner *sc = ctx;

	if (sc->active[rule])
		add_anchor(&sc->literal_anchors[rule], offset);
}

/* Where rule r can match: after a prefilter literal (found for every rule
 * at once by rule_scan) or a digit cluster. */
static const struct anchor_list *
find_anchors(struct rule_scanner *sc, uint32_t ri)
{
	const struct rule *r = &sc->rs->rules[ri];

	if (r->prefilter == PREFILTER_LITERAL)
		return &sc->literal_anchors[ri];
	sc->digit_anchors.n = 0;
	for (size_t c = 0; c < sc->nclusters; c++)
		if (sc->cluster_digits[c] >= r->min_digits)
			add_anchor(&sc->digit_anchors, sc->clusters[c].start);
	return &sc->digit_anchors;
}

static bool
near_context(const struct rule *r, const char *t, size_t len, size_t start,
	     size_t end)
{
	size_t from = start > r->window ? start - r->window : 0;
	size_t to = end + r->window < len ? end + r->window : len;

	for (size_t k = 0; k < r->n_context; k++) {
		const char *word = r->context[k];       /* lower case */
		size_t n = strlen(word);

		for (size_t i = from; i + n <= to; i++)
			if (tolower((unsigned char)t[i]) == word[0] &&
			    strncasecmp(t + i, word, n) == 0 &&
			    (i == 0 || !isalnum((unsigned char)t[i - 1])))
				return true;
	}
	return false;
}

static void
add_excluded(struct rule_scanner *sc, size_t start, size_t end)
{
	xgrow((void **)&sc->excluded, &sc->excluded_alloc, sc->nexcluded + 1,
	      sizeof *sc->excluded);
	sc->excluded[sc->nexcluded++] = (struct span){ start, end };
}

/* PGP armour that is not a private key: signatures, messages, public
 * keys hold random letters and digits. */
static void
find_armour(struct rule_scanner *sc, const char *t, size_t len)
{
	static const char *const kinds[] = {
		"-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP MESSAGE-----",
		"-----BEGIN PGP PUBLIC KEY BLOCK-----",
	};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const char *p = t, *end;

		while ((p = memmem(p, len - (size_t)(p - t), kinds[k],
				   strlen(kinds[k]))) != NULL) {
			end = memmem(p, len - (size_t)(p - t), "-----END PGP", 12);
			end = end ? end + 12 : t + len;
			add_excluded(sc, (size_t)(p - t), (size_t)(end - t));
			p = end;
		}
	}
}

bool
text_on_id_line(const char *t, size_t pos)
{
	static const char *const names[] = {
		"message-id:", "references:", "in-reply-to:",
	};
	size_t s = pos;

	while (s > 0 && t[s - 1] != '\n')
		s--;
	for (; s < pos; s++) {
		int c = tolower((unsigned char)t[s]);

		if (c != 'm' && c != 'r' && c != 'i')
			continue;
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
			if (pos - s >= strlen(names[k]) &&
			    strncasecmp(t + s, names[k], strlen(names[k])) == 0)
				return true;
	}
	return false;
}

static bool
is_excluded(struct rule_scanner *sc, const char *t, size_t len, size_t start)
{
	if (!sc->excluded_done) {
		sc->nexcluded = 0;
		if (memmem(t, len, "-----BEGIN PGP ", 15))
			find_armour(sc, t, len);
		sc->excluded_done = true;
	}
	for (size_t i = 0; i < sc->nexcluded; i++)
		if (start >= sc->excluded[i].start && start < sc->excluded[i].end)
			return true;
	return text_on_id_line(t, start);
}

static void
consider(struct rule_scanner *sc, uint32_t ri, const char *t, size_t len,
	 size_t start, size_t end)
{
	const struct rule *r = &sc->rs->rules[ri];
	struct rule_hit *h;
	bool context;

	if (end <= start || end - start > r->max_length ||
	    (r->validate && !r->validate(t + start, end - start)))
		return;
	context = r->n_context > 0 && near_context(r, t, len, start, end);
	if (r->info.require_context && !context)
		return;
	if (is_excluded(sc, t, len, start))
		return;
	xgrow((void **)&sc->hits, &sc->hits_alloc, sc->nhits + 1,
	      sizeof *sc->hits);
	h = &sc->hits[sc->nhits++];
	h->start = start;
	h->end = end;
	h->rule = ri;
	h->context = context;
}

/* Matches of rule ri that start in [from, limit]; returns where the last
 * one ended (the next search starts there). */
static size_t
match_range(struct rule_scanner *sc, uint32_t ri, const char *t, size_t len,
	    size_t from, size_t limit)
{
	const struct rule *r = &sc->rs->rules[ri];
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
	size_t pos = from;

	pcre2_set_offset_limit(sc->mctx, limit);
	while (pos <= limit && pos <= len) {
		int rc = pcre2_match(r->code, (PCRE2_SPTR)t, len, pos, 0, sc->md,
				     sc->mctx);
		size_t g = (size_t)r->value_group;

		if (rc <= 0)
			break;
		if (ov[2 * g] != PCRE2_UNSET)
			consider(sc, ri, t, len, ov[2 * g], ov[2 * g + 1]);
		pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return pos;
}

static void
scan_rule(struct rule_scanner *sc, uint32_t ri, const char *t, size_t len)
{
	const struct rule *r = &sc->rs->rules[ri];
	const struct anchor_list *anchors;
	size_t done = 0;

	if (r->prefilter == PREFILTER_NONE) {
		match_range(sc, ri, t, len, 0, len);
		return;
	}
	anchors = find_anchors(sc, ri);
	for (size_t a = 0; a < anchors->n; a++) {
		size_t at = anchors->at[a], from = at;

		if (at < done)
			continue;
		/* back over the bytes a match may start with */
		while (from > done && at - from < r->max_length &&
		       r->token[(unsigned char)t[from - 1]])
			from--;
		done = match_range(sc, ri, t, len, from, at);
	}
}

static int
compare_hits(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/* Of overlapping hits keep the higher priority, then the longer. */
static void
resolve_overlaps(struct rule_scanner *sc)
{
	size_t out = 0;

	if (sc->nhits > 1)
		qsort(sc->hits, sc->nhits, sizeof *sc->hits, compare_hits);
	for (size_t i = 0; i < sc->nhits; i++) {
		struct rule_hit *h = &sc->hits[i], *last;
		int ph, pl;

		if (out == 0 || h->start >= sc->hits[out - 1].end) {
			sc->hits[out++] = *h;
			continue;
		}
		last = &sc->hits[out - 1];
		ph = sc->rs->rules[h->rule].priority;
		pl = sc->rs->rules[last->rule].priority;
		if (ph > pl || (ph == pl && h->end - h->start >
				last->end - last->start))
			*last = *h;
	}
	sc->nhits = out;
	if (sc->only >= 0)
		return;
	out = 0;
	for (size_t i = 0; i < sc->nhits; i++)
		if (sc->rs->rules[sc->hits[i].rule].info.action != RULE_IGNORE)
			sc->hits[out++] = sc->hits[i];
	sc->nhits = out;
}

/* Which rules run on this text, and where their literals are. */
static void
prepare_rules(struct rule_scanner *sc, const char *text, size_t len,
	      enum rule_scope scope)
{
	const struct ruleset *rs = sc->rs;
	bool any_literal = false, any_digits = false;

	for (uint32_t ri = 0; ri < rs->count; ri++) {
		const struct rule *r = &rs->rules[ri];

		sc->active[ri] = (sc->only < 0 || (long)ri == sc->only) &&
				 (r->info.scope & scope);
		sc->literal_anchors[ri].n = 0;
		any_literal |= sc->active[ri] && r->prefilter == PREFILTER_LITERAL;
		any_digits |= sc->active[ri] && r->prefilter == PREFILTER_DIGITS;
	}
	if (any_literal)
		literal_set_scan(sc->literals, text, len, collect_literal, sc);
	if (any_digits)
		find_clusters(sc, text, len);
}

int
rule_scan(struct rule_scanner *sc, const char *text, size_t len,
	  enum rule_scope scope, rule_hit_fn fn, void *ctx)
{
	sc->nhits = 0;
	sc->excluded_done = false;
	prepare_rules(sc, text, len, scope);
	for (uint32_t ri = 0; ri < sc->rs->count; ri++)
		if (sc->active[ri])
			scan_rule(sc, ri, text, len);
	resolve_overlaps(sc);
	for (size_t i = 0; i < sc->nhits; i++) {
		int rc = fn(&sc->hits[i], ctx);

		if (rc)
			return rc;
	}
	return 0;
}

/* ---- examples -------------------------------------------------------------- */

/* Unescape \n, \t, \\ and take out [[ ]] marks into spans. */
static size_t
example_text(const char *in, char *out, struct span *spans, size_t *nspans,
	     size_t max_spans, bool *bad)
{
	size_t n = 0;

	*nspans = 0;
	*bad = false;
	for (const char *p = in; *p; p++) {
		if (p[0] == '[' && p[1] == '[') {
			if (*nspans == max_spans) {
				*bad = true;
				break;
			}
			spans[*nspans].start = n;
			p++;
		} else if (p[0] == ']' && p[1] == ']') {
			if (*nspans == max_spans) {
				*bad = true;
				break;
			}
			spans[(*nspans)++].end = n;
			p++;
		} else if (p[0] == '\\' && p[1]) {
			p++;
			out[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	return n;
}

struct collected {
	struct span spans[16];
	size_t n;
	bool overflow;
};

static int
collect_hit(const struct rule_hit *hit, void *ctx)
{
	struct collected *c = ctx;

	if (c->n == sizeof c->spans / sizeof c->spans[0]) {
		c->overflow = true;
		return 1;
	}
	c->spans[c->n++] = (struct span){ hit->start, hit->end };
	return 0;
}

static const char *
check_example(struct rule_scanner *sc, bool positive, const char *line,
	      char *why, size_t why_size)
{
	char *text = xmalloc(strlen(line) + 1);
	struct span want[16];
	struct collected got = { .n = 0 };
	size_t nwant, len;
	bool bad, same;

	len = example_text(line, text, want, &nwant, 16, &bad);
	if (bad || (positive && nwant == 0) || (!positive && nwant > 0)) {
		free(text);
		return "a + line needs [[marked]] spans, a - line none";
	}
	rule_scan(sc, text, len, RULE_SCOPE_BODY | RULE_SCOPE_HEADER,
		  collect_hit, &got);
	same = got.n == nwant && !got.overflow;
	for (size_t i = 0; same && i < nwant; i++)
		same = got.spans[i].start == want[i].start &&
			got.spans[i].end == want[i].end;
	if (!same) {
		size_t o = (size_t)snprintf(why, why_size, "%s: found",
					    positive ? "must match" :
					    "must not match");

		for (size_t i = 0; i < got.n && o < why_size; i++)
			o += (size_t)snprintf(why + o, why_size - o, " [%zu,%zu)",
					      got.spans[i].start,
					      got.spans[i].end);
		if (got.n == 0 && o < why_size)
			snprintf(why + o, why_size - o, " nothing");
	}
	free(text);
	return same ? NULL : why;
}

int
rules_run_examples(const struct ruleset *rs, uint32_t i, const char *path,
		   example_report_fn report, void *ctx, struct errbuf *err)
{
	struct rule_scanner *sc;
	char *data, why[300];
	size_t len, plus = 0, minus = 0;
	unsigned int lineno = 0;
	int failed = 0;

	if (read_whole_file(path, &data, &len, err) < 0)
		return -1;
	sc = rule_scanner_new(rs);
	rule_scanner_only(sc, (long)i);
	for (char *p = data, *next; p < data + len; p = next) {
		char *nl = memchr(p, '\n', (size_t)(data + len - p));
		const char *problem;

		next = nl ? nl + 1 : data + len;
		if (nl)
			*nl = '\0';
		lineno++;
		if (*p == '\0' || *p == '#')
			continue;
		if ((*p != '+' && *p != '-') || p[1] != ' ') {
			report(path, lineno, "a line starts with \"+ \", \"- \" "
			       "or \"#\"", ctx);
			failed++;
			continue;
		}
		plus += *p == '+';
		minus += *p == '-';
		problem = check_example(sc, *p == '+', p + 2, why, sizeof why);
		if (problem) {
			report(path, lineno, problem, ctx);
			failed++;
		}
	}
	rule_scanner_free(&sc);
	free(data);
	if (plus == 0 || minus == 0)
		return errbuf_set(err, "%s: every rule needs examples it must "
				  "match (+) and must not match (-)", path);
	return failed;
}
