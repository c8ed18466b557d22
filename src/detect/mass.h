/* mass.h -- mass disclosure: a message sent to many visible recipients,
 * and long runs of addresses pasted into a body.
 *
 * Counting is on addresses as written (anything shaped local@domain.tld,
 * reserved example domains included: they are someone's address in a
 * test archive too).  Mailman holds a post with 10 or more To+Cc
 * recipients; that is the default threshold of both detectors.
 */
#ifndef LISTSCRUB_MASS_H
#define LISTSCRUB_MASS_H

#include <stddef.h>

#define MASS_DEFAULT_THRESHOLD 10

struct mass_span {
	size_t start, end;
};

typedef int (*mass_span_fn)(const struct mass_span *span, void *ctx);

/* The recipients of a header block: every address in To, Cc, Resent-To
 * and Resent-Cc that is not also in From, Sender or List-Post.  When
 * there are at least threshold distinct ones, fn is called with the span
 * of each occurrence (offsets into hdr) and the count is returned;
 * otherwise 0 and fn is not called. */
size_t mass_recipients(const char *hdr, size_t len, unsigned int threshold,
		       mass_span_fn fn, void *ctx);

/* Runs of at least threshold addresses in text, each next to the one
 * before (at most 80 bytes apart, no blank line between): fn gets the
 * span of each run, from its first address to its last.  Returns the
 * number of runs. */
size_t mass_address_runs(const char *text, size_t len, unsigned int threshold,
			 mass_span_fn fn, void *ctx);

#endif
