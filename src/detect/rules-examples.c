/* rules-examples.c -- a rule's examples file (rules check): every "+"
 * line must give exactly its marked spans, every "-" line nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"


/* Unescape \n, \t, \\ and take out [[ ]] marks into spans. */
static size_t
example_text(const char *in, char *out, struct span *spans, size_t *nspans,
	     size_t max_spans, bool *bad)
{
	size_t n = 0;
	bool open = false;

	*nspans = 0;
	*bad = false;
	for (const char *p = in; *p; p++) {
		if (p[0] == '[' && p[1] == '[') {
			/* "[[a [[b]]" and "a]] [[b]]" are mistakes, not spans */
			if (open || *nspans == max_spans) {
				*bad = true;
				break;
			}
			spans[*nspans].start = n;
			open = true;
			p++;
		} else if (p[0] == ']' && p[1] == ']') {
			if (!open) {
				*bad = true;
				break;
			}
			spans[(*nspans)++].end = n;
			open = false;
			p++;
		} else if (p[0] == '\\' && p[1]) {
			p++;
			out[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		} else
			out[n++] = *p;
	}
	out[n] = '\0';
	*bad |= open;
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
