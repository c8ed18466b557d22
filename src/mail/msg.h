/* msg.h -- one message's view over its raw bytes: header fields, the
 * Message-ID family, and a MIME walk that hands every text part to a
 * callback, decoded.
 *
 * Header parsing and the MIME structure are ours, over raw byte ranges
 * (Mailutils' MIME parser reads a byte at a time).  Mailutils does the
 * jobs that need it: transfer decoding (base64, quoted-printable), charset
 * conversion for charsets that are not ASCII-compatible, and RFC 2047.
 * Offsets are relative to the start of the raw message given to msg_init.
 */
#ifndef LISTSCRUB_MSG_H
#define LISTSCRUB_MSG_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct msg_walker;

#define MSG_MAX_MIME_DEPTH 32
#define MSG_MAX_PARTS      4096

struct header_field {
	const char *name;
	size_t name_len;
	const char *value;      /* raw, possibly folded, without line end */
	size_t value_len;
	size_t offset;          /* of the value within the scanned block */
};

struct header_iter {
	const char *p;
	size_t len;
	size_t pos;
};

/* Iterate the header fields of a header block [p, p+len). */
void header_iter_init(struct header_iter *it, const char *p, size_t len);
/* 1 with f filled, 0 at the end of the block.  A line without a colon is
 * skipped (Mailutils stops there and loses every later field). */
int header_iter_next(struct header_iter *it, struct header_field *f);

bool header_name_is(const struct header_field *f, const char *name);

/* Is name[0..len) a field that holds Message-IDs (Message-ID,
 * In-Reply-To, References, Resent-Message-ID, Content-ID)?  What looks
 * like an address there is an ID. */
bool header_name_is_id(const char *name, size_t len);

/* The name of the field that holds byte pos of a header block: sets
 * *name_r and returns the name's length (0 when pos is in no field's
 * value). */
size_t header_field_at(const char *hdr, size_t pos, const char **name_r);

/* Length of the header block of raw[0..len) including the empty line that
 * ends it, and where the body starts.  A message without an empty line is
 * all header. */
size_t msg_header_end(const char *raw, size_t len, size_t *body_r);

/* Skip an mbox From_ line at the start of raw; returns its length. */
size_t msg_from_line_len(const char *raw, size_t len);

/* First value of header name in [p, p+len), raw; NULL when absent. */
const char *header_find(const char *p, size_t len, const char *name,
			size_t *value_len_r);

/* The first value of header name in a raw message (a From_ line first is
 * allowed), raw and folded; NULL when absent. */
const char *msg_header_value(const char *raw, size_t len, const char *name,
			     size_t *value_len_r);

/* The value of header name in a raw message (a From_ line first is
 * allowed), unfolded, with RFC 2047 words decoded to UTF-8 where they
 * can be.  Caller owns; NULL when absent. */
char *header_get_decoded(const char *raw, size_t len, const char *name);

/* A header value unfolded, RFC 2047 words decoded to UTF-8 where they
 * can be.  Caller owns. */
char *header_decode_value(const char *value, size_t len);

/* Unfold a header value (drop CR/LF of folded lines); caller owns. */
char *header_unfold(const char *value, size_t len);

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

/* A text part, handed to msg_walk's callback. */
enum part_flags {
	PART_HEADER  = 1 << 0,  /* a header block (part 0 or a part's MIME
				   header or an attached message's header) */
	PART_HTML    = 1 << 1,  /* text/html: entities and %xx apply */
	PART_DECODED = 1 << 2,  /* text is decoded; offsets are into it */
	PART_CONVERTED = 1 << 3,        /* ... and converted to UTF-8 */
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

enum msg_problem {
	MSG_PROBLEM_NONE,
	MSG_PROBLEM_NO_CLOSING_BOUNDARY,
	MSG_PROBLEM_NO_BOUNDARY,
	MSG_PROBLEM_BAD_ENCODING,
	MSG_PROBLEM_UNKNOWN_CHARSET,
	MSG_PROBLEM_TOO_DEEP,
	MSG_PROBLEM_TOO_MANY_PARTS,
	MSG_PROBLEM_BAD_HEADER_ENCODING,
};

/* The first problem the walk met, with where: the part was scanned as raw
 * bytes (never skipped), and the caller reports it. */
struct msg_walk_report {
	enum msg_problem problem;
	unsigned int part;
	size_t offset;          /* in raw */
	unsigned int parts;     /* parts seen */
};

typedef int (*msg_part_fn)(const struct msg_part *part, void *ctx);

enum msg_walker_flags {
	/* The caller looks for '@' only (leaked addresses): a
	 * quoted-printable text part that shows neither '@' nor "=40" is not
	 * decoded or handed over.  (Not for HTML parts, whose entities and
	 * %40 can stand for '@'.) */
	MSG_WALK_AT_ONLY = 1 << 0,
};

/* Buffers for walking, reused from message to message; one per thread.
 * caller owns: msg_walker_free (NULL-safe, sets *mw to NULL). */
struct msg_walker *msg_walker_new(unsigned int flags);
void msg_walker_free(struct msg_walker **mw);

/* Walk raw[0..len) (no From_ line): the header block (and, as a second
 * header block of "Name: text" lines, the RFC 2047 words that could hide
 * an '@', decoded), then every leaf part that holds text, decoded.  Binary
 * parts (non-text with base64) are handed over with PART_BINARY and no
 * text.  fn's non-zero return stops the walk and is returned. */
int msg_walk(struct msg_walker *mw, const char *raw, size_t len,
	     msg_part_fn fn, void *ctx, struct msg_walk_report *report);

const char *msg_problem_text(enum msg_problem problem);

#endif
