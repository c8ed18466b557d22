/* redact.h -- take matched spans out of one message, keeping everything
 * else byte for byte.
 *
 * The finder (the same search that selected the message) is run again on
 * every part: header blocks as written, and each text part decoded.
 *   - In To, Cc, Bcc, Resent-To, Resent-Cc and Mail-Followup-To a leaked
 *     address leaves the list with its display name; in From, Sender,
 *     Reply-To it becomes "MARKER" <redacted@redacted.invalid>.  An
 *     address found only in a display name's RFC 2047 words counts too.
 *   - Other header fields: the span becomes the marker; a span inside
 *     RFC 2047 words is decoded, replaced, and the value re-encoded.
 *   - Text parts written as they are: the span becomes the marker.
 *   - Quoted-printable and base64 text parts: decoded, replaced, and
 *     encoded again in the same encoding with the part's line ends.
 * Then the result is walked again: it must have the same number of MIME
 * parts, and the finder must find nothing more.  A Content-Length field
 * of the message is updated.  Binary attachments are counted, not read.
 */
#ifndef LISTSCRUB_REDACT_H
#define LISTSCRUB_REDACT_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;

typedef void (*redact_add_fn)(void *add_ctx, size_t start, size_t end);

/* Call add for each span to take out of text; flags are the part's
 * enum part_flags (PART_HEADER for a header block, PART_HTML).  Spans in
 * Message-ID fields must not be reported: they are IDs, never redacted. */
typedef void (*redact_find_fn)(void *ctx, const char *text, size_t len,
			       unsigned int flags, redact_add_fn add,
			       void *add_ctx);

struct redact_result {
	char *data;             /* the new message; caller frees */
	size_t len;
	size_t spans;           /* spans replaced */
	size_t binary_parts;    /* attachments that were not checked */
};

/* Redact raw[0..len) (a message without its mbox From_ line).  Returns 0
 * (res->spans may be 0: nothing found), or -1 with err filled when the
 * message cannot be redacted safely (a part in a charset we cannot write
 * back, the check after redaction failed, or the walk hit a cap of
 * mail/limits.h and read the rest as raw bytes); the message is then left
 * as it is and the caller must not write. */
int redact_message(redact_find_fn find, void *ctx, const char *marker,
		   const char *raw, size_t len, struct redact_result *res,
		   struct errbuf *err);

/* The mbox From_ line line[0..len) (its line end included): when the
 * finder finds anything in the envelope sender, the sender becomes
 * redacted@redacted.invalid and the date and line end stay, so the
 * separator stays one.  res->data is NULL when nothing was found.  -1
 * when something is found outside the sender (it cannot be taken out
 * without breaking the separator: delete the message instead). */
int redact_from_line(redact_find_fn find, void *ctx, const char *line,
		     size_t len, struct redact_result *res,
		     struct errbuf *err);

#endif
