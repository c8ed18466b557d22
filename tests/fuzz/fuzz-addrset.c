/* fuzz-addrset.c -- the address finder (detect/addrset.h) in all its
 * forms: plain, " at ", "(at)", "(a)", and in HTML "&#64;", "&#x40;",
 * "&commat;", "%40".  The first line of the input lists addresses to add
 * (beside two fixed ones), the rest is the text searched.  Invariants:
 * hits lie inside the text (form by form, not in text order), name an
 * address of the set, start
 * with its local part and end with its domain (case aside); the pre-check
 * of header words (text_may_hold_address) is never narrower than the
 * finder on text that is not HTML. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "detect/addrset.h"
#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/decode.h"

struct scan_state {
	const struct addrset *set;
	const char *text;
	size_t len;
	size_t hits;
};

static int
on_hit(const struct addr_hit *hit, void *ctx)
{
	struct scan_state *st = ctx;
	const char *addr, *at;
	size_t local, domain;

	FUZZ_CHECK(hit->start < hit->end && hit->end <= st->len);
	FUZZ_CHECK(hit->which < addrset_count(st->set));
	addr = addrset_get(st->set, hit->which);
	at = strchr(addr, '@');
	FUZZ_CHECK(at != NULL);
	st->hits++;
	local = (size_t)(at - addr);
	domain = strlen(at + 1);
	FUZZ_CHECK(hit->end - hit->start >= local + domain + 1);
	FUZZ_CHECK(strncasecmp(st->text + hit->start, addr, local) == 0);
	FUZZ_CHECK(strncasecmp(st->text + hit->end - domain, at + 1,
			       domain) == 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	size_t head = nl ? (size_t)(nl - p) : 0;
	const char *text = nl ? nl + 1 : p;
	size_t len = size - (size_t)(text - p);
	struct addrset *set = addrset_new();
	struct errbuf err;
	char *list = strndup(p, head), *save = NULL;

	FUZZ_CHECK(addrset_add(set, "ann@example.org", &err) == 0);
	FUZZ_CHECK(addrset_add(set, "b.o-b+x@sub.lists.example.com", &err) == 0);
	for (char *a = strtok_r(list, " ,\t", &save); a && addrset_count(set) < 16;
	     a = strtok_r(NULL, " ,\t", &save)) {
		size_t before = addrset_count(set);
		int rc = addrset_add(set, a, &err);

		FUZZ_CHECK(rc >= -1 && rc <= 1);
		FUZZ_CHECK(addrset_count(set) == before + (rc == 0));
		if (rc >= 0)    /* adding it again finds it there */
			FUZZ_CHECK(addrset_add(set, a, &err) == 1);
	}
	free(list);
	for (unsigned int flags = 0; flags <= ADDRSCAN_HTML; flags += ADDRSCAN_HTML) {
		struct scan_state st = { set, text, len, 0 };

		FUZZ_CHECK(addrset_scan(set, text, len, flags, on_hit, &st) == 0);
		/* the pre-check is for text that is not HTML (header words) */
		if (st.hits > 0 && flags == 0)
			FUZZ_CHECK(text_may_hold_address(text, len));
	}
	addrset_free(&set);
	return 0;
}
