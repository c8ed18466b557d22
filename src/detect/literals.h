/* literals.h -- many short literals found in one pass over a text.
 *
 * The rules' prefilters ("@", " at ", "password", "AKIA") used to be one
 * memmem pass each, two dozen passes over every text.  A literal set
 * tests each position once against a bitmap of the first two bytes of
 * every literal (case-folded), and compares the few candidates in full.
 * Literals are matched either ASCII-case-insensitively or exactly.
 */
#ifndef LISTSCRUB_LITERALS_H
#define LISTSCRUB_LITERALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct literal_set;

/* caller owns: literal_set_free */
struct literal_set *literal_set_new(void);
void literal_set_free(struct literal_set **ls);

/* Add a literal of n >= 1 bytes (copied), reported with tag. */
void literal_set_add(struct literal_set *ls, const char *bytes, size_t n,
		     bool caseless, uint32_t tag);

size_t literal_set_count(const struct literal_set *ls);

/* Call fn(tag, offset) for every occurrence of every literal in text, in
 * offset order (literals that start at the same offset in the order
 * added).  Occurrences may overlap. */
typedef void (*literal_hit_fn)(uint32_t tag, size_t offset, void *ctx);
void literal_set_scan(const struct literal_set *ls, const char *text,
		      size_t len, literal_hit_fn fn, void *ctx);

#endif
