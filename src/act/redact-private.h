/* redact-private.h -- what the parts of redaction share: the spans the
 * finder reports, the edits they become, and the redactor that collects
 * them over one message (redact.c, redact-header.c, redact-body.c).  Not
 * for other modules. */
#ifndef LISTSCRUB_REDACT_PRIVATE_H
#define LISTSCRUB_REDACT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "act/redact.h"

struct msg_part;

/* Replace raw[start, end) with text. */
struct edit {
	size_t start, end;
	char *text;
	size_t len;
};

struct spans {
	size_t (*s)[2];
	size_t n, alloc;
};

struct redactor {
	redact_find_fn find;
	void *ctx;
	const char *marker;
	const char *raw;
	struct edit *edits;
	size_t nedits, edits_alloc;
	size_t spans, binary_parts;
	struct errbuf *err;
	int failed;
};

/* A span the finder reports (the finder's add function). */
void add_span(void *ctx, size_t start, size_t end);

/* Replace raw[start, end) with text (taken over). */
void add_edit(struct redactor *r, size_t start, size_t end, char *text,
	      size_t len);

/* The finder's spans in text, sorted, overlapping ones merged. */
void find_spans(struct redactor *r, const char *text, size_t len,
		unsigned int flags, struct spans *sp);

/* text with every span replaced by the marker; caller frees. */
char *replace_spans(const char *text, size_t len, const struct spans *sp,
		    const char *marker, size_t *out_len);

/* Do the two bytes a, b appear in a row in p[0, len)?  memchr for the
 * first is several times faster than memmem over a whole header block or
 * part, where the pair is mostly absent. */
bool holds_pair(const char *p, size_t len, char a, char b);

/* The line end a part or a header block writes: CRLF when it holds one. */
#define LINE_END_OF(p, len) (holds_pair((p), (len), '\r', '\n') ? "\r\n" : "\n")

/* Does any span overlap [start, end)? */
bool spans_touch(const struct spans *sp, size_t start, size_t end);

/* The edits of a header block (redact-header.c) and of a body part
 * (redact-body.c). */
void redact_header(struct redactor *r, const struct msg_part *part);
void redact_body_part(struct redactor *r, const struct msg_part *part);

#endif
