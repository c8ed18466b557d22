/* redact-body.c -- redaction in body parts: in place where the part is
 * written as it is, else decoded, replaced and encoded again in the same
 * transfer encoding with the part's line ends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "act/encode.h"
#include "act/redact-private.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/msg.h"


static size_t
trailing_line_ends(const char *p, size_t len)
{
	size_t n = 0;

	while (len > 0 && p[len - 1] == '\n') {
		n++;
		len -= len >= 2 && p[len - 2] == '\r' ? 2 : 1;
	}
	return n;
}

/* The blank lines after a part's text (the mbox separator, the line
 * before a boundary) are not text: the encoded part ends with as many. */
static char *
keep_trailing_lines(const char *raw_part, size_t raw_len, char *encoded,
		    size_t *elen, const char *eol)
{
	size_t want = trailing_line_ends(raw_part, raw_len);
	struct buf b = { encoded, *elen, *elen + 1 };

	for (size_t have = trailing_line_ends(encoded, *elen); have < want;
	     have++)
		buf_str(&b, eol);
	*elen = b.len;
	return b.p;
}

void
redact_body_part(struct redactor *r, const struct msg_part *part)
{
	struct spans sp = { 0 };
	const char *raw_part = r->raw + part->raw_offset;
	const char *eol;
	size_t nlen, elen;
	char *clean, *encoded;

	find_spans(r, part->text, part->len, part->flags & PART_HTML, &sp);
	if (sp.n == 0) {
		free(sp.s);
		return;
	}
	r->spans += sp.n;
	if (!(part->flags & PART_DECODED)) {
		for (size_t i = 0; i < sp.n; i++)
			add_edit(r, part->raw_offset + sp.s[i][0],
				 part->raw_offset + sp.s[i][1],
				 xstrdup(r->marker), strlen(r->marker));
		free(sp.s);
		return;
	}
	if (part->flags & PART_CONVERTED) {
		r->failed = errbuf_set(r->err, "part %u is in a charset that "
				       "listscrub reads but cannot write back; "
				       "delete this message instead (--action "
				       "delete)", part->number);
		free(sp.s);
		return;
	}
	eol = LINE_END_OF(raw_part, part->raw_len);
	clean = replace_spans(part->text, part->len, &sp, r->marker, &nlen);
	encoded = part->encoding == PART_BASE64
		? redact_encode_base64(clean, nlen, eol, &elen)
		: redact_encode_qp(clean, nlen, eol, &elen);
	encoded = keep_trailing_lines(raw_part, part->raw_len, encoded, &elen,
				      eol);
	add_edit(r, part->raw_offset, part->raw_offset + part->raw_len, encoded,
		 elen);
	free(clean);
	free(sp.s);
}
