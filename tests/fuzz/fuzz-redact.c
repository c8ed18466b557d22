/* fuzz-redact.c -- redaction (act/redact.h) of one message with the same
 * search purge runs (select_search_text: two leaked addresses and the
 * shipped rules).  Invariants: a message without findings comes back
 * byte for byte; a redacted one re-parses with the same number of MIME
 * parts and nothing in it is found any more, but the markers; an
 * envelope From_ line stays one.  Independent of the redactor's own
 * check: the walk and the search are run again here. */
#include "config.h"

#include <string.h>

#include "act/redact.h"
#include "detect/addrset.h"
#include "detect/rules.h"
#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/header.h"
#include "mail/mbox.h"
#include "mail/msg.h"
#include "select/select.h"

#define MARKER "[redacted]"
#define ENVELOPE "redacted@redacted.invalid"

static struct addrset *addresses;
static struct ruleset *rules;
static struct select_settings settings;

struct finder {
	struct rule_scanner *sc;
	redact_add_fn add;
	void *add_ctx;
	const char *text;
	size_t len;
	size_t left;            /* findings outside the markers */
	bool failed;
};

/* Is [start, end) inside a marker the redaction wrote (a rule may take
 * "[redacted]" after "password = " for a value), or the envelope
 * address of a redacted sender? */
static bool
is_marker(const char *text, size_t len, size_t start, size_t end)
{
	size_t m = strlen(MARKER);

	for (size_t p = end > m ? end - m : 0; p <= start && p + m <= len; p++)
		if (memcmp(text + p, MARKER, m) == 0 && end <= p + m)
			return true;
	return end - start == strlen(ENVELOPE) &&
	       memcmp(text + start, ENVELOPE, end - start) == 0;
}

static void
found(void *ctx, enum match_kind kind, uint32_t which, size_t start,
      size_t end, bool context)
{
	struct finder *f = ctx;

	(void)context;
	if (kind == MATCH_RULE &&
	    ruleset_rule(rules, which)->action != RULE_REDACT)
		return;
	FUZZ_CHECK(start < end && end <= f->len);
	if (f->add)
		f->add(f->add_ctx, start, end);
	else if (!is_marker(f->text, f->len, start, end))
		f->left++;      /* the check: found again after redaction */
}

static void
find(void *ctx, const char *text, size_t len, unsigned int flags,
     redact_add_fn add, void *add_ctx)
{
	struct finder *f = ctx;

	f->add = add;
	f->add_ctx = add_ctx;
	f->text = text;
	f->len = len;
	if (select_search_text(&settings, f->sc, text, len, flags, found, f) < 0)
		f->failed = true;
}

static int
count_left(const struct msg_part *part, void *ctx)
{
	struct finder *f = ctx;

	if (!(part->flags & PART_BINARY))
		find(f, part->text, part->len, part->flags, NULL, NULL);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf err;

	(void)argc;
	(void)argv;
	rules = fuzz_shipped_rules();
	addresses = addrset_new();
	if (addrset_add(addresses, "ann@example.org", &err) < 0 ||
	    addrset_add(addresses, "bob@lists.example.com", &err) < 0) {
		fprintf(stderr, "fuzz-redact: %s\n", err.msg);
		exit(1);
	}
	settings.addresses = addresses;
	settings.rules = rules;
	return 0;
}

static int
no_part(const struct msg_part *part, void *ctx)
{
	(void)part;
	(void)ctx;
	return 0;
}

static unsigned int
parts_of(const char *raw, size_t len)
{
	struct msg_walker *mw = msg_walker_new();
	struct msg_walk_report rep;

	msg_walk(mw, raw, len, no_part, NULL, &rep);
	msg_walker_free(&mw);
	return rep.parts;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	size_t from = msg_from_line_len(raw, size);
	struct finder f = { .sc = rule_scanner_new(rules) };
	struct redact_result res, env;
	struct errbuf err;

	if (redact_from_line(find, &f, raw, from, &env, &err) == 0 && env.data) {
		/* the new envelope is still a From_ line */
		size_t n = env.len;

		while (n > 0 && (env.data[n - 1] == '\n' || env.data[n - 1] == '\r'))
			n--;
		FUZZ_CHECK(mbox_is_from_line(env.data, n));
		FUZZ_CHECK(env.spans > 0);
	}
	free(env.data);
	f.failed = false;
	if (redact_message(find, &f, MARKER, raw + from, size - from, &res,
			   &err) == 0 && !f.failed) {
		if (res.spans == 0)
			FUZZ_CHECK(res.len == size - from &&
				   memcmp(res.data, raw + from, res.len) == 0);
		else {
			struct msg_walker *mw = msg_walker_new();
			struct msg_walk_report rep;

			FUZZ_CHECK(parts_of(res.data, res.len) ==
				   parts_of(raw + from, size - from));
			f.left = 0;
			msg_walk(mw, res.data, res.len, count_left, &f, &rep);
			msg_walker_free(&mw);
			FUZZ_CHECK(f.failed || f.left == 0);
		}
	}
	free(res.data);
	rule_scanner_free(&f.sc);
	return 0;
}
