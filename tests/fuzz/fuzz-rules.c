/* fuzz-rules.c -- the rules engine (detect/rules.h) with the shipped
 * rules of rules/, over text as a header block and as a body.
 * Invariants: hits lie inside the text, in text order, name a rule whose
 * scope holds the one searched and which is not an ignore rule; a scan
 * that fails says why; the same text scanned twice gives the same hits. */
#include "config.h"

#include <string.h>

#include "detect/rules.h"
#include "fuzz.h"
#include "lib/errbuf.h"

static struct ruleset *rules;

struct scan_state {
	size_t len;
	enum rule_scope scope;
	size_t last_start;
	size_t hits;
	size_t sum;             /* of every hit's start, end and rule */
};

static int
on_hit(const struct rule_hit *hit, void *ctx)
{
	struct scan_state *st = ctx;
	const struct rule_info *ri;

	FUZZ_CHECK(hit->start < hit->end && hit->end <= st->len);
	FUZZ_CHECK(hit->start >= st->last_start);
	FUZZ_CHECK(hit->rule < ruleset_count(rules));
	ri = ruleset_rule(rules, hit->rule);
	FUZZ_CHECK(ri->scope & st->scope);
	FUZZ_CHECK(ri->action != RULE_IGNORE);
	st->last_start = hit->start;
	st->hits++;
	st->sum += hit->start * 31 + hit->end * 7 + hit->rule;
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rules = fuzz_shipped_rules();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule_scanner *sc = rule_scanner_new(rules);
	const char *text = (const char *)data;

	for (int s = 0; s < 2; s++) {
		enum rule_scope scope = s ? RULE_SCOPE_HEADER : RULE_SCOPE_BODY;
		struct scan_state st = { .len = size, .scope = scope };
		struct scan_state again = { .len = size, .scope = scope };
		int rc = rule_scan(sc, text, size, scope, on_hit, &st);

		FUZZ_CHECK(rc == 0 || rc == -1);
		if (rc < 0) {
			char why[ERRBUF_SIZE];

			FUZZ_CHECK(st.hits == 0);
			why[0] = '\0';
			rule_scanner_error(sc, why, sizeof why);
			FUZZ_CHECK(why[0] != '\0');
			continue;
		}
		FUZZ_CHECK(rule_scan(sc, text, size, scope, on_hit, &again) == 0);
		FUZZ_CHECK(again.hits == st.hits && again.sum == st.sum);
	}
	rule_scanner_free(&sc);
	return 0;
}
