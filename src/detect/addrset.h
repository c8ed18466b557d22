/* addrset.h -- a set of leaked e-mail addresses and a finder for them in
 * text.
 *
 * Addresses are compared case-insensitively, as whole addresses: the local
 * part must not continue to the left (a letter, digit, '.', '_', '+', '-')
 * and the domain must not continue to the right, so "ann@example.org"
 * matches neither "joann@example.org" nor "ann@example.org.evil".  The
 * munged forms "ann at example.org", "ann(at)example.org" and
 * "ann(a)example.org" (spaces allowed around brackets) are found too.  With
 * ADDRSCAN_HTML the separators "&#64;", "&#x40;", "&commat;" and "%40"
 * (mailto: links) count as '@' too.
 */
#ifndef LISTSCRUB_ADDRSET_H
#define LISTSCRUB_ADDRSET_H

#include <stddef.h>
#include <stdint.h>

struct addrset;
struct errbuf;

#define ADDRSET_MAX_LEN 320

enum addrscan_flags {
	ADDRSCAN_HTML = 1 << 0,
};

struct addr_hit {
	size_t start, end;      /* byte offsets into the scanned text */
	uint32_t which;         /* index of the address, in order added */
};

typedef int (*addr_hit_fn)(const struct addr_hit *hit, void *ctx);

/* caller owns: addrset_free */
struct addrset *addrset_new(void);

/* A set that holds keyed digests of addresses instead of the addresses
 * (an auditor's view of a manifest): every candidate found in text is
 * lower-cased, passed through fn into out (NUL-terminated, shorter than
 * ADDRSET_MAX_LEN) and looked up.  fn must be safe to call from several
 * threads at once. */
typedef void (*addr_key_fn)(const char *addr, size_t len, char *out,
			    void *ctx);
struct addrset *addrset_new_keyed(addr_key_fn fn, void *ctx);

/* Add a key as fn makes them (for keyed sets). */
void addrset_add_key(struct addrset *set, const char *key);

/* Add one address (white space and one pair of <> are stripped).
 * Returns 0, 1 when it was already in the set, or -1 (err filled) when
 * it is not an address. */
int addrset_add(struct addrset *set, const char *addr, struct errbuf *err);

size_t addrset_count(const struct addrset *set);

/* The address at index which, lower case; borrowed until addrset_free. */
const char *addrset_get(const struct addrset *set, uint32_t which);

/* Call fn for every occurrence in text, form by form (the munged ones
 * first): not in text order, callers that need it sort.  fn's non-zero
 * return stops the scan and is returned; otherwise 0. */
int addrset_scan(const struct addrset *set, const char *text, size_t len,
		 unsigned int flags, addr_hit_fn fn, void *ctx);

void addrset_free(struct addrset **set);

#endif
