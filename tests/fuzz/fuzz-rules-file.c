/* fuzz-rules-file.c -- the rule file reader (listscrub-rules(5),
 * detect/rules.h): the input is written as a rule file and loaded; when
 * it loads, its rules are compiled and run over the input itself and
 * over a sample text.  Invariants: a refused file says why; a loaded
 * rule has an id, an entity, a scope and a line inside the file; hits
 * lie inside the text. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "detect/rules.h"
#include "fuzz.h"
#include "lib/errbuf.h"

static const char sample[] =
	"From: Ann <ann@example.org>\nSubject: card 4111 1111 1111 1111\n\n"
	"call +49 30 1234567, IBAN DE89 3704 0044 0532 0130 00,\n"
	"password = hunter2, ann at example dot org, 75008 Paris\n";

struct scan_state {
	const struct ruleset *rs;
	size_t len;
};

static int
on_hit(const struct rule_hit *hit, void *ctx)
{
	struct scan_state *st = ctx;

	FUZZ_CHECK(hit->start < hit->end && hit->end <= st->len);
	FUZZ_CHECK(hit->rule < ruleset_count(st->rs));
	return 0;
}

static void
scan(const struct ruleset *rs, const char *text, size_t len)
{
	struct rule_scanner *sc = rule_scanner_new(rs);
	struct scan_state st = { rs, len };

	for (unsigned int scope = RULE_SCOPE_BODY; scope <= RULE_SCOPE_HEADER;
	     scope++)
		(void)rule_scan(sc, text, len, (enum rule_scope)scope, on_hit,
				&st);
	rule_scanner_free(&sc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096];
	struct ruleset *rs = ruleset_new();
	struct errbuf err;
	size_t lines = 1;

	snprintf(path, sizeof path, "%s/fuzz.rules", fuzz_scratch_dir());
	fuzz_write_file(path, data, size);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	errbuf_clear(&err);
	if (ruleset_load(rs, path, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		ruleset_free(&rs);
		return 0;
	}
	for (uint32_t i = 0; i < ruleset_count(rs); i++) {
		const struct rule_info *ri = ruleset_rule(rs, i);

		FUZZ_CHECK(ri->id != NULL && ri->id[0] != '\0');
		FUZZ_CHECK(ri->entity != NULL && ri->validator != NULL);
		FUZZ_CHECK(ri->scope != 0);
		FUZZ_CHECK(ri->line >= 1 && ri->line <= lines);
		FUZZ_CHECK(ruleset_find(rs, ri->id) == (long)i);
		FUZZ_CHECK(rule_action_name(ri->action) != NULL);
	}
	scan(rs, sample, sizeof sample - 1);
	scan(rs, (const char *)data, size);
	ruleset_free(&rs);
	return 0;
}
