/* rules.h -- personal-data rules: loading rule files (listscrub-rules(5)),
 * and finding their matches in text.
 *
 * A rule is a PCRE2 pattern (JIT-compiled) with a prefilter that says
 * where a match can be: near a literal ("@", "AKIA"), or at a cluster of
 * at least N digits.  Only the windows around prefilter hits are searched,
 * so that a dozen rules cost about one pass over the text.  A match then
 * has to pass the rule's validator (validate.h) and, when the rule asks,
 * have a context word nearby.  Overlapping matches of different rules are
 * resolved by priority (a checksum-backed identifier beats a phone
 * number).  Lines that quote Message-ID, References or In-Reply-To, and
 * PGP armour, are never matched.
 */
#ifndef LISTSCRUB_RULES_H
#define LISTSCRUB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;
struct ruleset;
struct rule_scanner;

/* RULE_IGNORE: text that looks like personal data and is public by
 * design (a patch trailer, the list's own address in its footer).  Its
 * hits win overlaps like any other and are then dropped, so they hide
 * the lower-priority findings they cover. */
enum rule_action { RULE_REDACT, RULE_FLAG, RULE_IGNORE };

/* "redact", "flag" or "ignore". */
const char *rule_action_name(enum rule_action action);
enum rule_scope { RULE_SCOPE_BODY = 1, RULE_SCOPE_HEADER = 2 };

struct rule_info {
	const char *id;
	const char *entity;
	const char *description;
	const char *validator;          /* "none" when it has none */
	const char *file;               /* where it was defined */
	unsigned int line;
	enum rule_action action;
	const char *severity;
	unsigned int scope;             /* enum rule_scope bits */
	bool require_context;
};

/* caller owns: ruleset_free */
struct ruleset *ruleset_new(void);

/* Load a rule file, or every *.rules file of a directory (in name order).
 * A rule id defined twice is an error.  Returns 0 or -1 (err says file,
 * line and what is wrong). */
int ruleset_load(struct ruleset *rs, const char *path, struct errbuf *err);

/* The default rules (with_default) and then each of paths[0..n). */
int ruleset_load_all(struct ruleset *rs, char *const *paths, size_t n,
		     bool with_default, struct errbuf *err);

size_t ruleset_count(const struct ruleset *rs);
const struct rule_info *ruleset_rule(const struct ruleset *rs, uint32_t i);
/* The index of rule id, or -1. */
long ruleset_find(const struct ruleset *rs, const char *id);

void ruleset_free(struct ruleset **rs);

/* The directory of the default rules: $LISTSCRUB_RULES_DIR; else, for a
 * program run from its build folder, its source tree's rules/; else the
 * installed ones, configured at build time.  Not thread-safe: called
 * before the workers start. */
const char *rules_default_dir(void);

/* ---- finding -------------------------------------------------------------- */

struct rule_hit {
	size_t start, end;      /* of the value, in the scanned text */
	uint32_t rule;
	bool context;           /* a context word was near */
};

typedef int (*rule_hit_fn)(const struct rule_hit *hit, void *ctx);

/* Per-thread match state; caller owns: rule_scanner_free. */
struct rule_scanner *rule_scanner_new(const struct ruleset *rs);
void rule_scanner_free(struct rule_scanner **sc);

/* Only rule `only` (an index), or every rule when only < 0. */
void rule_scanner_only(struct rule_scanner *sc, long only);

/* Find every match in text of the rules whose scope includes scope, and
 * call fn for each in text order after overlaps are resolved: a hit
 * covered by a higher-priority one, or overlapped by an ignore rule's,
 * goes; two hits that each reach out of the other are both reported.
 * Hits of ignore rules are not reported, except with rule_scanner_only
 * (the examples of an ignore rule).  fn's non-zero return stops and is
 * returned.  -1 when PCRE2 could not finish a match (match or depth
 * limit, memory): nothing is reported, rule_scanner_error says why, and
 * the caller must treat the text as not searched. */
int rule_scan(struct rule_scanner *sc, const char *text, size_t len,
	      enum rule_scope scope, rule_hit_fn fn, void *ctx);

/* Why the last rule_scan returned -1, as one line into out. */
void rule_scanner_error(const struct rule_scanner *sc, char *out,
			size_t size);

/* How much work one match may take before it fails (PCRE2's match and
 * depth limits). */
#define RULES_MATCH_LIMIT 1000000
#define RULES_DEPTH_LIMIT 10000


/* ---- examples (rules check) --------------------------------------------- */

/* Run the examples file of rule i: every "+" line must give exactly the
 * spans marked [[...]], every "-" line nothing.  Returns the number of
 * failing lines (each described through report), or -1 with err filled
 * when the file cannot be read or has no "+" or no "-" line. */
typedef void (*example_report_fn)(const char *file, unsigned int line,
				  const char *why, void *ctx);
int rules_run_examples(const struct ruleset *rs, uint32_t i,
		       const char *examples_path, example_report_fn report,
		       void *ctx, struct errbuf *err);

#endif
