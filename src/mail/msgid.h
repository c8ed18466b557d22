/* msgid.h -- Message-IDs: in Message-ID, In-Reply-To and References
 * values, as users give them, the first one of a raw message, and lines
 * of quoted text that cite one. */
#ifndef LISTSCRUB_MSGID_H
#define LISTSCRUB_MSGID_H

#include <stdbool.h>
#include <stddef.h>

/* IDs up to this long are handled on the stack; longer ones (not valid,
 * but met) are handled whole on the heap. */
#define MSGID_MAX 998

/* Call fn for each Message-ID in a Message-ID, In-Reply-To or References
 * value, in order.  IDs are given without angle brackets and without
 * folding white space; a value with no <...> token counts as one bare ID.
 * fn returns non-zero to stop.  Returns the number of IDs seen. */
size_t msgid_each(const char *value, size_t len,
		  int (*fn)(const char *id, size_t id_len, void *ctx),
		  void *ctx);

/* Normalise a Message-ID as given by a user: strip white space and one
 * pair of angle brackets.  Caller owns; NULL when nothing is left. */
char *msgid_normalize(const char *s);
/* The Message-ID of raw message text (From_ line allowed), without <>;
 * caller owns.  NULL when it has none. */
char *msgid_of_message(const char *raw, size_t len);

/* Is text[pos] inside a Message-ID that a Message-ID, References or
 * In-Reply-To field names, quoted in a body ("> Message-ID: <...>", "see
 * Message-ID: <...> below", a References list folded over lines)?  What
 * looks like an address there is an ID.  Only the <...> tokens right
 * after the field name count: "Bank references: IBAN DE89..." is text. */
bool text_in_quoted_id(const char *text, size_t len, size_t pos);

#endif
