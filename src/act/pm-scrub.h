/* pm-scrub.h -- what a redaction takes out of a message, taken out of the
 * pipermail files that show the message too: its page, the pages that
 * link to it, the index pages.  A token is an address or a text a rule
 * matched; pages show it HTML-escaped, and an address also as Mailman
 * munges it ("user at example.org") and as links write it (%40, &#64;).
 * Every form is replaced by the marker. */
#ifndef LISTSCRUB_PM_SCRUB_H
#define LISTSCRUB_PM_SCRUB_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* The forms of tokens[0..n) a page may show, longest first where they
 * start alike.  Caller owns: pm_forms_free. */
struct pm_forms;
struct pm_forms *pm_forms_new(char *const *tokens, size_t n);
void pm_forms_free(struct pm_forms **f);

/* text with every form replaced by marker (HTML-escaped); *count_r the
 * replacements made. */
void pm_scrub(const struct pm_forms *f, const char *text, size_t len,
	      const char *marker, struct buf *out, size_t *count_r);

/* Does text show any form? */
bool pm_shows(const struct pm_forms *f, const char *text, size_t len);

#endif
