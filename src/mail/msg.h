/* msg.h -- the MIME walk of one message over its raw bytes: the header
 * block, the decoded RFC 2047 words that could hide an address, then
 * every leaf part that holds text, transfer-decoded and (for charsets
 * that hide ASCII) converted, handed to a callback.
 *
 * The MIME structure is ours, over raw byte ranges (Mailutils' MIME
 * parser reads a byte at a time).  Mailutils does the jobs that need it:
 * charset conversion for charsets that are not ASCII-compatible, and
 * RFC 2047 (words.h).  Offsets are relative to the start of the raw
 * message given to msg_walk.
 */
#ifndef LISTSCRUB_MSG_H
#define LISTSCRUB_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/diag.h"

struct errbuf;
struct header_field;
struct msg_walker;

/* A text part, handed to msg_walk's callback. */
enum part_flags {
	PART_HEADER  = 1 << 0,  /* a header block (part 0 or a part's MIME
				   header or an attached message's header) */
	PART_HTML    = 1 << 1,  /* text/html: entities and %xx apply */
	PART_DECODED = 1 << 2,  /* text is decoded; offsets are into it */
	PART_CONVERTED = 1 << 3,        /* ... and converted to UTF-8 */
	PART_ENVELOPE = 1 << 5, /* the mbox From_ line (with PART_HEADER) */
	PART_SNIFFED = 1 << 6,  /* a base64 attachment of a non-text type
				   that is text all the same (a CSV sent as
				   application/octet-stream): decoded */
	PART_BINARY  = 1 << 4,  /* a base64 attachment that is not text:
				   handed over with no text (len 0) */
};

enum part_encoding { PART_IDENTITY, PART_QP, PART_BASE64 };

struct msg_part {
	unsigned int number;    /* 0 for the message header, 1.. in walk order */
	unsigned int flags;     /* enum part_flags */
	const char *text;       /* borrowed: valid during the callback */
	size_t len;
	size_t raw_offset;      /* where the part's bytes start in raw */
	size_t raw_len;         /* how many raw bytes it spans; 0 for the
				   decoded RFC 2047 words of a header */
	enum part_encoding encoding;    /* of a leaf's raw bytes */
};

/* What can go wrong in a walk: codes of the diagnostics catalog. */
enum msg_problem {
	MSG_PROBLEM_NONE = D_NONE,
	MSG_PROBLEM_NO_CLOSING_BOUNDARY = D_MIME_NO_CLOSING_BOUNDARY,
	MSG_PROBLEM_NO_BOUNDARY = D_MIME_NO_BOUNDARY,
	MSG_PROBLEM_BAD_ENCODING = D_MIME_BAD_ENCODING,
	MSG_PROBLEM_UNKNOWN_CHARSET = D_MIME_UNKNOWN_CHARSET,
	MSG_PROBLEM_TOO_DEEP = D_MIME_TOO_DEEP,
	MSG_PROBLEM_TOO_MANY_PARTS = D_MIME_TOO_MANY_PARTS,
	MSG_PROBLEM_BAD_HEADER_ENCODING = D_HEADER_BAD_WORDS,
	MSG_PROBLEM_PARAMETER_TOO_LONG = D_MIME_PARAMETER_TOO_LONG,
	MSG_PROBLEM_HEADER_UNKNOWN_CHARSET = D_HEADER_UNKNOWN_CHARSET,
	MSG_PROBLEM_HEADER_LINE_TOO_LONG = D_HEADER_LINE_TOO_LONG,
};

/* The first problem the walk met, with where: the part was scanned as raw
 * bytes (never skipped), and the caller reports it.  Encoded words in a
 * charset iconv does not know are only flagged (searched as their bytes,
 * and counted per mailbox by the caller, not one line per message). */
struct msg_walk_report {
	enum msg_problem problem;
	unsigned int part;
	size_t offset;          /* in raw */
	unsigned int parts;     /* parts seen */
	enum msg_problem cap;   /* the first cap of mail/limits.h hit
				   (TOO_DEEP, TOO_MANY_PARTS,
				   HEADER_LINE_TOO_LONG), or NONE: from
				   there on the message was searched as
				   raw bytes, so its walk is not whole */
	bool unknown_charset_words;
};

typedef int (*msg_part_fn)(const struct msg_part *part, void *ctx);

/* Buffers for walking, reused from message to message; one per thread.
 * The walk applies the caps of mail_get_limits() (mail/limits.h).
 * caller owns: msg_walker_free (NULL-safe, sets *mw to NULL). */
struct msg_walker *msg_walker_new(void);
void msg_walker_free(struct msg_walker **mw);

/* The header of raw[0..len) (no From_ line), read once for the message:
 * its fields (borrowed: valid until the walker reads another header) and
 * where it ends, as msg_header_end says.  A msg_walk of the same bytes
 * that follows reuses them instead of reading the header again. */
size_t msg_walker_header(struct msg_walker *mw, const char *raw, size_t len,
			 const struct header_field **fields_r,
			 size_t *hdr_end_r);

/* Walk raw[0..len) (no From_ line): the header block (and, as a second
 * header block of "Name: text" lines, the RFC 2047 words that could hide
 * an '@', decoded), then every leaf part that holds text, decoded.  Binary
 * parts (non-text with base64) are handed over with PART_BINARY and no
 * text.  fn's non-zero return stops the walk and is returned. */
int msg_walk(struct msg_walker *mw, const char *raw, size_t len,
	     msg_part_fn fn, void *ctx, struct msg_walk_report *report)
	__attribute__((nonnull(1, 2, 6)));


#endif
