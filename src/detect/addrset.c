/* addrset.c -- leaked addresses and a finder anchored on '@'.
 *
 * Every '@' (or HTML/URL form of it) is a candidate: the local part is read
 * to the left, the domain to the right, and the lower-cased pair is looked
 * up in a hash table.  Finding '@' is a memchr, so plain text is searched
 * at memory speed whatever the number of addresses.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/addrset.h"
#include "lib/errbuf.h"
#include "lib/hash.h"
#include "lib/hashtab.h"
#include "lib/text.h"
#include "lib/xalloc.h"
#include "mail/rawscan.h"

#define SHAPE_BITS 65536

struct addrset {
	char **addrs;           /* lower case, in order added */
	size_t *lens;
	size_t count, alloc;
	struct hashtab *table;  /* index of addrs by hash64 */
	/* One bit per address shape (length, first and last bytes): most
	 * candidates in mail are not leaked addresses, and this rules them
	 * out before the keyed hash, which costs more than the rest of the
	 * lookup.  Unkeyed sets only. */
	uint64_t shapes[SHAPE_BITS / 64];
	/* The same for the domains (addrset_add only): a candidate's domain
	 * is read before any of its local parts, and most rule it out. */
	uint64_t domain_shapes[SHAPE_BITS / 64];
	addr_key_fn key_fn;     /* keyed sets: what the table holds */
	void *key_ctx;
};

enum char_class {
	CC_LOCAL  = 1 << 0,     /* may appear in a local part */
	CC_WORD   = 1 << 1,     /* continues a word: no address starts after it */
	CC_DOMAIN = 1 << 2,     /* may appear in a domain */
};

/* Filled once by addrset_new, before any scan can run. */
static unsigned char char_class[256];
static unsigned char lower[256];        /* tolower in the C locale */

static void
init_char_classes(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char k = 0;

		if (isalnum(c))
			k |= CC_LOCAL | CC_WORD | CC_DOMAIN;
		if (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c))
			k |= CC_LOCAL;
		if (c == '.' || c == '_' || c == '+' || c == '-')
			k |= CC_WORD;
		if (c == '.' || c == '-' || c >= 0x80)
			k |= CC_DOMAIN;
		char_class[c] = k;
		lower[c] = (unsigned char)tolower(c);
	}
}

static inline bool
is_local_char(unsigned char c)
{
	return char_class[c] & CC_LOCAL;
}

static inline bool
is_word_char(unsigned char c)
{
	return char_class[c] & CC_WORD;
}

static inline bool
is_domain_char(unsigned char c)
{
	return char_class[c] & CC_DOMAIN;
}

struct addrset *
addrset_new(void)
{
	struct addrset *set = xcalloc(1, sizeof *set);

	init_char_classes();
	set->table = hashtab_new();
	return set;
}

struct addrset *
addrset_new_keyed(addr_key_fn fn, void *ctx)
{
	struct addrset *set = addrset_new();

	set->key_fn = fn;
	set->key_ctx = ctx;
	return set;
}

static inline unsigned int
shape_of(const char *key, size_t len)
{
	const unsigned char *k = (const unsigned char *)key;

	return (unsigned int)(len * 0x9e5u ^ k[0] * 0x3b1u ^ k[1] * 0x71u ^
			      k[len - 1] * 0x1f3u ^ k[len - 2] * 0x0d7u) &
		(SHAPE_BITS - 1);
}

static inline bool
shape_known(const struct addrset *set, const char *key, size_t len)
{
	unsigned int b = shape_of(key, len);

	return set->shapes[b / 64] >> (b % 64) & 1;
}

static void
note_domain(struct addrset *set, const char *dom, size_t len)
{
	unsigned int b;

	if (len < 2)
		return;         /* no shape: domain_known lets it through */
	b = shape_of(dom, len);
	set->domain_shapes[b / 64] |= UINT64_C(1) << (b % 64);
}

/* May dom[0..len) (lower case) be the domain of an address of the set? */
static inline bool
domain_known(const struct addrset *set, const char *dom, size_t len)
{
	unsigned int b;

	if (set->key_fn != NULL || len < 2)
		return true;
	b = shape_of(dom, len);
	return set->domain_shapes[b / 64] >> (b % 64) & 1;
}

struct lookup_key {
	const char *key;
	size_t len;
};

static bool
same_address(uint32_t item, const void *key, void *ctx)
{
	const struct addrset *set = ctx;
	const struct lookup_key *k = key;

	return set->lens[item] == k->len &&
		memcmp(set->addrs[item], k->key, k->len) == 0;
}

static int64_t
lookup(const struct addrset *set, const char *key, size_t len, uint64_t h)
{
	struct lookup_key k = { key, len };
	uint32_t item = hashtab_find(set->table, h, same_address, &k,
				     (void *)set);

	return item == HASHTAB_NONE ? -1 : (int64_t)item;
}

/* Add key[0..len) unless present; 1 when it was. */
static int
insert(struct addrset *set, const char *key, size_t len)
{
	uint64_t h = hash64(key, len);

	if (lookup(set, key, len, h) >= 0)
		return 1;
	xgrow((void **)&set->addrs, &set->alloc, set->count + 1,
	      sizeof *set->addrs);
	set->lens = xreallocarray(set->lens, set->alloc, sizeof *set->lens);
	set->addrs[set->count] = xstrndup(key, len);
	set->lens[set->count] = len;
	if (len >= 2) {
		unsigned int b = shape_of(key, len);

		set->shapes[b / 64] |= UINT64_C(1) << (b % 64);
	}
	hashtab_insert(set->table, h, (uint32_t)set->count);
	set->count++;
	return 0;
}

int
addrset_add(struct addrset *set, const char *addr, struct errbuf *err)
{
	char key[ADDRSET_MAX_LEN + 1];
	const char *b = addr, *e = addr + strlen(addr), *at;
	size_t len;

	trim_bracketed(&b, &e);
	len = (size_t)(e - b);
	at = memchr(b, '@', len);
	if (len == 0 || len > ADDRSET_MAX_LEN || at == NULL || at == b ||
	    at == e - 1 || memchr(at + 1, '@', (size_t)(e - at - 1)) != NULL)
		return errbuf_set(err, "not an e-mail address (expected "
				  "local@domain, at most %d characters)",
				  ADDRSET_MAX_LEN);
	for (const char *p = b; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (p != at && !(p < at ? is_local_char(c) : is_domain_char(c)))
			return errbuf_set(err, "not an e-mail address: character "
					  "%zu is not allowed there",
					  (size_t)(p - b) + 1);
		key[p - b] = (char)tolower(c);
	}
	key[len] = '\0';
	note_domain(set, key + (at - b) + 1, len - (size_t)(at - b) - 1);
	return insert(set, key, len);
}

void
addrset_add_key(struct addrset *set, const char *key)
{
	insert(set, key, strlen(key));
}

size_t
addrset_count(const struct addrset *set)
{
	return set ? set->count : 0;
}

const char *
addrset_get(const struct addrset *set, uint32_t which)
{
	return which < set->count ? set->addrs[which] : NULL;
}

/* The separator at text[i], as its length; 0 when there is none. */
static size_t
separator_len(const char *text, size_t len, size_t i, unsigned int flags)
{
	static const char *const html_forms[] = {
		"&#64;", "&#x40;", "&#X40;", "&commat;", "%40",
	};

	if (text[i] == '@')
		return 1;
	if (!(flags & ADDRSCAN_HTML))
		return 0;
	for (size_t k = 0; k < sizeof html_forms / sizeof html_forms[0]; k++) {
		size_t n = strlen(html_forms[k]);

		if (len - i >= n && strncasecmp(text + i, html_forms[k], n) == 0)
			return n;
	}
	return 0;
}

/* Look a candidate address (lower case) up, through the key function
 * of a keyed set. */
static int64_t
find_candidate(const struct addrset *set, const char *key, size_t klen)
{
	char keyed[ADDRSET_MAX_LEN + 1];

	if (set->key_fn == NULL)
		return klen < 2 || !shape_known(set, key, klen) ? -1
			: lookup(set, key, klen, hash64(key, klen));
	set->key_fn(key, klen, keyed, set->key_ctx);
	klen = strlen(keyed);
	return lookup(set, keyed, klen, hash64(keyed, klen));
}

/* Try the address around a separator at [sep, sep_end); 1 and hit filled
 * when it is in the set. */
static int
match_at(const struct addrset *set, const char *text, size_t len, size_t sep,
	 size_t sep_end, struct addr_hit *hit)
{
	char full[2 * ADDRSET_MAX_LEN + 1], *at = full + ADDRSET_MAX_LEN;
	size_t dom_end = sep_end, t0 = sep, dlen;

	while (dom_end < len && is_domain_char((unsigned char)text[dom_end]))
		dom_end++;
	while (dom_end > sep_end && (text[dom_end - 1] == '.' ||
				     text[dom_end - 1] == '-'))
		dom_end--;
	dlen = dom_end - sep_end;
	if (dlen == 0 || dlen >= ADDRSET_MAX_LEN)
		return 0;
	/* The longest candidate, lower case, once, '@' at a fixed place:
	 * each shorter one is a suffix of it.  The domain first: most rule
	 * the candidate out before any local part is read. */
	for (size_t k = 0; k < dlen; k++)
		at[1 + k] = lower[(unsigned char)text[sep_end + k]];
	if (!domain_known(set, at + 1, dlen))
		return 0;
	at[0] = '@';
	while (t0 > 0 && sep - t0 < ADDRSET_MAX_LEN &&
	       is_local_char((unsigned char)text[t0 - 1])) {
		t0--;
		at[(ptrdiff_t)t0 - (ptrdiff_t)sep] =
			(char)lower[(unsigned char)text[t0]];
	}
	/* Longest local part first; then each start after a character that
	 * may belong to the text around an address (quote, '=', '/', ...). */
	for (size_t c = t0; c < sep; c++) {
		size_t llen = sep - c, klen = llen + 1 + dlen;
		int64_t which;

		if (c > t0 && is_word_char((unsigned char)text[c - 1]))
			continue;
		if (text[c] == '.' || klen > ADDRSET_MAX_LEN)
			continue;
		which = find_candidate(set, at - llen, klen);
		if (which >= 0) {
			hit->start = c;
			hit->end = dom_end;
			hit->which = (uint32_t)which;
			return 1;
		}
	}
	return 0;
}

/* The munged separator at text[i] ("(at)" or "(a)", after a '('), as its
 * length with the spaces around it; 0 when there is none. */
static size_t
bracket_at_len(const char *text, size_t len, size_t i)
{
	size_t n = len - i >= 4 && memcmp(text + i, "(at)", 4) == 0 ? 4
		: len - i >= 3 && memcmp(text + i, "(a)", 3) == 0 ? 3 : 0;

	while (n > 0 && i + n < len && text[i + n] == ' ')
		n++;
	return n;
}

/* What a trigger at a position starts, in the order hits are reported
 * (callers depend on it): the munged forms, then the '@' forms. */
enum trigger { TRIG_BRACKET, TRIG_AT_WORD, TRIG_SEPARATOR, TRIG_KINDS };

struct hit_list {
	struct addr_hit own[64];        /* most texts: no allocation */
	struct addr_hit *h;
	uint8_t *kind;
	uint8_t own_kind[64];
	size_t n, alloc;
};

static void
hit_list_add(struct hit_list *hl, const struct addr_hit *hit, enum trigger k)
{
	if (hl->n == hl->alloc) {
		size_t alloc = hl->alloc * 2;
		struct addr_hit *h = xreallocarray(NULL, alloc, sizeof *h);
		uint8_t *kind = xmalloc(alloc);

		memcpy(h, hl->h, hl->n * sizeof *h);
		memcpy(kind, hl->kind, hl->n);
		if (hl->h != hl->own) {
			free(hl->h);
			free(hl->kind);
		}
		hl->h = h;
		hl->kind = kind;
		hl->alloc = alloc;
	}
	hl->h[hl->n] = *hit;
	hl->kind[hl->n++] = (uint8_t)k;
}

/* The state of the one pass: where each form may next start.  Pipermail
 * and hand-munged forms ("ann at example.org", "ann(at)example.org",
 * "ann (a) example.org", separator included in the hit) and '@' forms are
 * found in one pass over the text; rarer spellings ("[at]", "AT",
 * "arobase") are left to the email-munged rule. */
struct scan_state {
	const struct addrset *set;
	const char *text;
	size_t len;
	unsigned int flags;
	size_t next_at_word;    /* " at " occurrences do not overlap */
	size_t next_sep;        /* '@' forms: past the last hit */
	struct hit_list hits;
};

static void
munged_hit(struct scan_state *st, size_t sep, size_t end, enum trigger k)
{
	struct addr_hit hit;

	while (sep > 0 && st->text[sep - 1] == ' ')
		sep--;
	if (match_at(st->set, st->text, st->len, sep, end, &hit))
		hit_list_add(&st->hits, &hit, k);
}

/* Whatever starts at text[i]. */
static void
try_position(struct scan_state *st, size_t i)
{
	const char *t = st->text;
	size_t len = st->len, n;
	struct addr_hit hit;

	switch (t[i]) {
	case '(':
		if ((n = bracket_at_len(t, len, i)) > 0)
			munged_hit(st, i, i + n, TRIG_BRACKET);
		return;
	case ' ':
		if (i >= st->next_at_word && len - i >= 4 &&
		    memcmp(t + i, " at ", 4) == 0) {
			st->next_at_word = i + 4;
			munged_hit(st, i, i + 4, TRIG_AT_WORD);
		}
		return;
	}
	if (i < st->next_sep || (n = separator_len(t, len, i, st->flags)) == 0)
		return;
	if (match_at(st->set, t, len, i, i + n, &hit)) {
		hit_list_add(&st->hits, &hit, TRIG_SEPARATOR);
		st->next_sep = hit.end;
	} else
		st->next_sep = i + n;
}

/* 16 positions at a time: which of p[0..16) may start a trigger, one bit
 * each (reads p[0..19)); only the few marked positions are looked at. */
static inline unsigned int
block_triggers(const char *p, bool html)
{
	rawscan_v16 b0 = rawscan_load(p), b1 = rawscan_load(p + 1),
		b2 = rawscan_load(p + 2), b3 = rawscan_load(p + 3);
	rawscan_v16 m = (rawscan_v16)(b0 == '@') |
		((rawscan_v16)(b0 == '(') & (rawscan_v16)(b1 == 'a')) |
		((rawscan_v16)(b0 == ' ') & (rawscan_v16)(b1 == 'a') &
		 (rawscan_v16)(b2 == 't') & (rawscan_v16)(b3 == ' '));

	if (html)
		m |= (rawscan_v16)(b0 == '&') | (rawscan_v16)(b0 == '%');
	return rawscan_mask(m);
}

int
addrset_scan(const struct addrset *set, const char *text, size_t len,
	     unsigned int flags, addr_hit_fn fn, void *ctx)
{
	struct scan_state st = {
		.set = set, .text = text, .len = len, .flags = flags,
	};
	bool html = flags & ADDRSCAN_HTML;
	size_t i = 0;
	int rc = 0;

	if (set == NULL || set->count == 0)
		return 0;
	st.hits.h = st.hits.own;
	st.hits.kind = st.hits.own_kind;
	st.hits.alloc = sizeof st.hits.own / sizeof st.hits.own[0];
	for (; len >= 19 && i <= len - 19; i += 16)
		for (unsigned int m = block_triggers(text + i, html); m;
		     m &= m - 1)
			try_position(&st, i + (size_t)__builtin_ctz(m));
	for (; i < len; i++)
		try_position(&st, i);
	for (int k = 0; k < TRIG_KINDS && rc == 0; k++)
		for (size_t h = 0; h < st.hits.n && rc == 0; h++)
			if (st.hits.kind[h] == k)
				rc = fn(&st.hits.h[h], ctx);
	if (st.hits.h != st.hits.own) {
		free(st.hits.h);
		free(st.hits.kind);
	}
	return rc;
}

void
addrset_free(struct addrset **setp)
{
	struct addrset *set = *setp;

	if (set == NULL)
		return;
	for (size_t i = 0; i < set->count; i++)
		free(set->addrs[i]);
	free(set->addrs);
	free(set->lens);
	hashtab_free(&set->table);
	free(set);
	*setp = NULL;
}
