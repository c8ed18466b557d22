/* rules-scan.c -- finding the matches of a rule set in a text: prefilter
 * anchors (literals, digit clusters), windows searched with PCRE2,
 * validators and context words, exclusions, overlaps by priority. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/literals.h"
#include "detect/rules-private.h"
#include "lib/xalloc.h"
#include "mail/msgid.h"

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
	int pcre2_error;                /* of this rule_scan, or 0 */
	uint32_t error_rule;
	size_t error_offset;
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
	/* Bounded work per window: a pattern that backtracks without end on
	 * some input stops with an error, which fails the search closed. */
	pcre2_set_match_limit(sc->mctx, RULES_MATCH_LIMIT);
	pcre2_set_depth_limit(sc->mctx, RULES_DEPTH_LIMIT);
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

/* isdigit, which is the same in every locale, without its call */
static inline bool
is_digit(char c)
{
	return (unsigned int)((unsigned char)c - (unsigned char)'0') < 10u;
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
	while (i < len && !is_digit(t[i]))
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
			if (is_digit(t[i])) {
				digits++;
				i++;
			} else if (i + 1 < len && is_cluster_sep(t[i]) &&
				   is_digit(t[i + 1]))
				i += 1;
			else if (i + 2 < len && is_cluster_sep(t[i]) &&
				 is_cluster_sep(t[i + 1]) &&
				 is_digit(t[i + 2]))
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
	return text_in_quoted_id(t, len, start);
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

		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc <= 0) {
			/* not "no match": the match could not be completed */
			if (sc->pcre2_error == 0) {
				sc->pcre2_error = rc < 0 ? rc : PCRE2_ERROR_NOMEMORY;
				sc->error_rule = ri;
				sc->error_offset = pos;
			}
			return limit + 1;
		}
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

/* Does hit a win over hit b, where they overlap?  The higher priority,
 * then the longer. */
static bool
wins(const struct rule_scanner *sc, const struct rule_hit *a,
     const struct rule_hit *b)
{
	int pa = sc->rs->rules[a->rule].priority;
	int pb = sc->rs->rules[b->rule].priority;

	return pa > pb || (pa == pb && a->end - a->start > b->end - b->start);
}

static bool
is_ignore(const struct rule_scanner *sc, const struct rule_hit *h)
{
	return sc->rs->rules[h->rule].info.action == RULE_IGNORE;
}

/* Of two overlapping hits, the loser goes when the winner covers it or
 * is an ignore rule (public by design); when each reaches out of the
 * other, both stay, so that redaction takes out their union and no part
 * of either stays readable. */
static bool
drops(const struct rule_scanner *sc, const struct rule_hit *winner,
      const struct rule_hit *loser)
{
	return is_ignore(sc, winner) ||
		(winner->start <= loser->start && loser->end <= winner->end);
}

static void
resolve_overlaps(struct rule_scanner *sc)
{
	size_t out = 0;

	if (sc->nhits > 1)
		qsort(sc->hits, sc->nhits, sizeof *sc->hits, compare_hits);
	for (size_t i = 0; i < sc->nhits; i++) {
		struct rule_hit h = sc->hits[i];
		bool keep = true;

		/* the kept hits that overlap h (sorted by start: the last) */
		for (size_t k = out; k-- > 0 && keep;) {
			struct rule_hit *o = &sc->hits[k];

			if (o->end <= h.start)
				continue;
			if (wins(sc, &h, o)) {
				if (drops(sc, &h, o)) {
					memmove(o, o + 1,
						(out - k - 1) * sizeof *o);
					out--;
				}
			} else if (drops(sc, o, &h))
				keep = false;
		}
		if (keep)
			sc->hits[out++] = h;
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
	sc->pcre2_error = 0;
	prepare_rules(sc, text, len, scope);
	for (uint32_t ri = 0; ri < sc->rs->count; ri++)
		if (sc->active[ri])
			scan_rule(sc, ri, text, len);
	if (sc->pcre2_error)
		return -1;
	resolve_overlaps(sc);
	for (size_t i = 0; i < sc->nhits; i++) {
		int rc = fn(&sc->hits[i], ctx);

		if (rc)
			return rc;
	}
	return 0;
}

void
rule_scanner_error(const struct rule_scanner *sc, char *out, size_t size)
{
	char msg[120];

	pcre2_get_error_message(sc->pcre2_error, (PCRE2_UCHAR *)msg, sizeof msg);
	snprintf(out, size, "rule %s could not finish matching at offset %zu "
		 "(%s): the text is not known to be clean",
		 sc->rs->rules[sc->error_rule].info.id, sc->error_offset, msg);
}
