/* msg.c -- header fields, Message-IDs and the MIME walk over raw bytes. */
#include "config.h"

#include <ctype.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mailutils/errno.h>
#include <mailutils/filter.h>
#include <mailutils/mime.h>
#include <mailutils/stream.h>
#include <mailutils/util.h>

#include "mail/decode.h"
#include "mail/msg.h"
#include "lib/text.h"
#include "lib/xalloc.h"

#define MSGID_MAX 998

/* ---- header fields ---------------------------------------------------- */

void
header_iter_init(struct header_iter *it, const char *p, size_t len)
{
	it->p = p;
	it->len = len;
	it->pos = 0;
}

static size_t
eol_at(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);

	return nl ? (size_t)(nl - p) : len;
}

static bool
is_blank_line(const char *p, size_t len, size_t pos)
{
	return pos >= len || p[pos] == '\n' ||
		(p[pos] == '\r' && (pos + 1 >= len || p[pos + 1] == '\n'));
}

int
header_iter_next(struct header_iter *it, struct header_field *f)
{
	const char *p = it->p;
	size_t len = it->len;

	while (!is_blank_line(p, len, it->pos)) {
		size_t start = it->pos, e = eol_at(p, len, start), colon, vend;

		/* the field's extent: this line and its continuation lines */
		vend = e;
		it->pos = e < len ? e + 1 : len;
		while (it->pos < len && (p[it->pos] == ' ' || p[it->pos] == '\t')) {
			vend = eol_at(p, len, it->pos);
			it->pos = vend < len ? vend + 1 : len;
		}
		if (p[start] == ' ' || p[start] == '\t')
			continue;       /* continuation without a field */
		for (colon = start; colon < e && p[colon] != ':'; colon++)
			;
		if (colon == e)
			continue;       /* no colon: not a field */
		if (vend > start && p[vend - 1] == '\r')
			vend--;
		f->name = p + start;
		f->name_len = colon - start;
		while (f->name_len > 0 && (f->name[f->name_len - 1] == ' ' ||
					   f->name[f->name_len - 1] == '\t'))
			f->name_len--;
		colon++;
		while (colon < vend && (p[colon] == ' ' || p[colon] == '\t'))
			colon++;
		f->value = p + colon;
		f->value_len = vend - colon;
		f->offset = colon;
		return 1;
	}
	return 0;
}

bool
header_name_is_id(const char *name, size_t len)
{
	static const char *const ids[] = {
		"Message-ID", "In-Reply-To", "References", "Resent-Message-ID",
		"Content-ID",
	};

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (len == strlen(ids[i]) && strncasecmp(name, ids[i], len) == 0)
			return true;
	return false;
}

bool
header_name_is(const struct header_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

size_t
header_field_at(const char *hdr, size_t pos, const char **name_r)
{
	size_t start = pos, n = 0;

	/* back to the start of the line, then over continuation lines */
	for (;;) {
		while (start > 0 && hdr[start - 1] != '\n')
			start--;
		if (start == 0 || (hdr[start] != ' ' && hdr[start] != '\t'))
			break;
		start--;
	}
	while (start + n < pos && hdr[start + n] != ':')
		n++;
	*name_r = hdr + start;
	return start + n < pos ? n : 0;
}

size_t
msg_header_end(const char *raw, size_t len, size_t *body_r)
{
	size_t pos = 0;

	while (pos < len) {
		if (raw[pos] == '\n') {
			*body_r = pos + 1;
			return pos + 1;
		}
		if (raw[pos] == '\r' && pos + 1 < len && raw[pos + 1] == '\n') {
			*body_r = pos + 2;
			return pos + 2;
		}
		pos = eol_at(raw, len, pos);
		if (pos < len)
			pos++;
	}
	*body_r = len;
	return len;
}

size_t
msg_from_line_len(const char *raw, size_t len)
{
	size_t e;

	if (len < 5 || memcmp(raw, "From ", 5) != 0)
		return 0;
	e = eol_at(raw, len, 0);
	return e < len ? e + 1 : len;
}

const char *
header_find(const char *p, size_t len, const char *name, size_t *value_len_r)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, p, len);
	while (header_iter_next(&it, &f))
		if (header_name_is(&f, name)) {
			*value_len_r = f.value_len;
			return f.value;
		}
	return NULL;
}

char *
header_unfold(const char *value, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (value[i] != '\r' && value[i] != '\n')
			out[n++] = value[i];
	out[n] = '\0';
	return out;
}

/* Does p[0..len) hold "=?"?  memchr for the rare '?' beats memmem on
 * the long header blocks of list mail (DKIM, ARC, Received). */
static bool
has_word_start(const char *p, size_t len)
{
	for (const char *q = p; (q = memchr(q, '?', len - (size_t)(q - p)));
	     q++)
		if (q > p && q[-1] == '=')
			return true;
	return false;
}

const char *
msg_header_value(const char *raw, size_t len, const char *name,
		 size_t *value_len_r)
{
	size_t from_len = msg_from_line_len(raw, len), body;

	msg_header_end(raw + from_len, len - from_len, &body);
	return header_find(raw + from_len, body, name, value_len_r);
}

char *
header_get_decoded(const char *raw, size_t len, const char *name)
{
	size_t vlen;
	const char *v = msg_header_value(raw, len, name, &vlen);

	return v ? header_decode_value(v, vlen) : NULL;
}

char *
header_decode_value(const char *v, size_t vlen)
{
	char *unfolded, *decoded = NULL;

	unfolded = header_unfold(v, vlen);
	if (!has_word_start(unfolded, strlen(unfolded)) ||
	    mu_rfc2047_decode("UTF-8", unfolded, &decoded) != 0)
		return unfolded;
	free(unfolded);
	return decoded;
}

/* ---- Message-IDs ------------------------------------------------------ */

static size_t
copy_id(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < MSGID_MAX; i++)
		if (!isspace((unsigned char)s[i]))
			out[n++] = s[i];
	return n;
}

size_t
msgid_each(const char *value, size_t len,
	   int (*fn)(const char *id, size_t id_len, void *ctx), void *ctx)
{
	char id[MSGID_MAX];
	size_t seen = 0, i = 0, n;

	if (memchr(value, '<', len) == NULL) {
		n = copy_id(value, len, id);
		if (n > 0) {
			seen++;
			fn(id, n, ctx);
		}
		return seen;
	}
	while (i < len) {
		const char *lt = memchr(value + i, '<', len - i), *gt;

		if (lt == NULL)
			break;
		i = (size_t)(lt - value) + 1;
		gt = memchr(value + i, '>', len - i);
		if (gt == NULL)
			break;
		n = copy_id(value + i, (size_t)(gt - value) - i, id);
		i = (size_t)(gt - value) + 1;
		if (n == 0)
			continue;
		seen++;
		if (fn(id, n, ctx) != 0)
			break;
	}
	return seen;
}

char *
msgid_normalize(const char *s)
{
	size_t len = strlen(s), n;
	char *out = xmalloc(len + 1);
	const char *b = s, *e = s + len;

	trim_bracketed(&b, &e);
	n = copy_id(b, (size_t)(e - b), out);
	out[n] = '\0';
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- MIME ------------------------------------------------------------- */

enum cte {
	CTE_IDENTITY,           /* 7bit, 8bit, binary, or none */
	CTE_BASE64,
	CTE_QP,
	CTE_UNKNOWN,
};

struct entity_type {
	char type[64];          /* "text/plain", lower case */
	char boundary[200];
	char charset[64];
	enum cte cte;
};

/* Buffers kept from message to message, so that a walk allocates
 * nothing in the common case. */
struct msg_walker {
	unsigned int flags;     /* enum msg_walker_flags */
	char *decoded;          /* transfer-decoded part */
	size_t decoded_alloc;
	char *converted;        /* charset-converted part */
	size_t converted_alloc;
	char *words;            /* decoded RFC 2047 words of a header */
	size_t words_alloc;
	char *scratch;
	size_t scratch_alloc;
};

struct walk {
	const char *raw;
	size_t len;
	msg_part_fn fn;
	void *ctx;
	struct msg_walk_report *report;
	unsigned int next_part;
	struct msg_walker *mw;
};

struct msg_walker *
msg_walker_new(unsigned int flags)
{
	struct msg_walker *mw = xcalloc(1, sizeof *mw);

	mw->flags = flags;
	return mw;
}

void
msg_walker_free(struct msg_walker **mwp)
{
	struct msg_walker *mw = *mwp;

	if (mw == NULL)
		return;
	free(mw->decoded);
	free(mw->converted);
	free(mw->words);
	free(mw->scratch);
	free(mw);
	*mwp = NULL;
}

static void
note_problem(struct walk *w, enum msg_problem problem, unsigned int part,
	     size_t offset)
{
	if (w->report->problem == MSG_PROBLEM_NONE) {
		w->report->problem = problem;
		w->report->part = part;
		w->report->offset = offset;
	}
}

/* Value of parameter name in a Content-Type value (quotes removed). */
static bool
ct_param(const char *v, size_t len, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name), i = 0;

	while (i < len) {
		const char *semi = memchr(v + i, ';', len - i);
		size_t j, k = 0;

		if (semi == NULL)
			return false;
		i = (size_t)(semi - v) + 1;
		while (i < len && isspace((unsigned char)v[i]))
			i++;
		if (len - i <= n || strncasecmp(v + i, name, n) != 0)
			continue;
		j = i + n;
		while (j < len && isspace((unsigned char)v[j]))
			j++;
		if (j >= len || v[j] != '=')
			continue;
		j++;
		while (j < len && isspace((unsigned char)v[j]))
			j++;
		if (j < len && v[j] == '"') {
			for (j++; j < len && v[j] != '"' && k + 1 < outsz; j++) {
				if (v[j] == '\\' && j + 1 < len)
					j++;
				if (v[j] != '\r' && v[j] != '\n')
					out[k++] = v[j];
			}
		} else {
			for (; j < len && v[j] != ';' && !isspace((unsigned char)v[j]) &&
			       k + 1 < outsz; j++)
				out[k++] = v[j];
		}
		out[k] = '\0';
		return k > 0;
	}
	return false;
}

static void
lower_token(const char *v, size_t len, char *out, size_t outsz)
{
	size_t i = 0, k = 0;

	while (i < len && isspace((unsigned char)v[i]))
		i++;
	for (; i < len && v[i] != ';' && !isspace((unsigned char)v[i]) &&
	       k + 1 < outsz; i++)
		out[k++] = (char)tolower((unsigned char)v[i]);
	out[k] = '\0';
}

static void
read_entity_type(const char *hdr, size_t len, struct entity_type *t)
{
	struct header_iter it;
	struct header_field f;
	char cte[32] = "";

	memset(t, 0, sizeof *t);
	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f)) {
		if (header_name_is(&f, "Content-Type")) {
			lower_token(f.value, f.value_len, t->type, sizeof t->type);
			ct_param(f.value, f.value_len, "boundary", t->boundary,
				 sizeof t->boundary);
			ct_param(f.value, f.value_len, "charset", t->charset,
				 sizeof t->charset);
		} else if (header_name_is(&f, "Content-Transfer-Encoding"))
			lower_token(f.value, f.value_len, cte, sizeof cte);
	}
	if (cte[0] == '\0' || strcmp(cte, "7bit") == 0 ||
	    strcmp(cte, "8bit") == 0 || strcmp(cte, "binary") == 0)
		t->cte = CTE_IDENTITY;
	else if (strcmp(cte, "base64") == 0)
		t->cte = CTE_BASE64;
	else if (strcmp(cte, "quoted-printable") == 0)
		t->cte = CTE_QP;
	else
		t->cte = CTE_UNKNOWN;
}

/* Charsets whose bytes for ASCII characters are not ASCII: addresses in
 * them are invisible until converted. */
static bool
needs_charset_conversion(const char *charset)
{
	static const char *const prefixes[] = {
		"utf-16", "utf-32", "ucs-2", "ucs-4", "utf-7", "unicode",
		"utf16", "utf32", "ucs2", "ucs4", "utf7",
	};

	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncasecmp(charset, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static bool
charset_known(const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);

	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}

/* Read a Mailutils filter stream to its end into mw->converted. */
static int
drain_stream(struct msg_walker *mw, mu_stream_t s, size_t *len_r)
{
	size_t used = 0;

	for (;;) {
		size_t got = 0;

		xgrow((void **)&mw->converted, &mw->converted_alloc, used + 65536, 1);
		if (mu_stream_read(s, mw->converted + used,
				   mw->converted_alloc - used, &got) != 0)
			return -1;
		if (got == 0)
			break;
		used += got;
	}
	*len_r = used;
	return 0;
}

/* Convert text in a charset that hides ASCII (UTF-16, UTF-7) to UTF-8
 * with Mailutils' iconv filter.  Returns 0 with the result in
 * mw->converted, -1 when the charset is unknown or conversion fails. */
static int
convert_charset(struct msg_walker *mw, const char *charset, const char *text,
		size_t len, size_t *out_len_r)
{
	mu_stream_t in, flt;
	int rc;

	/* Mailutils leaks its filter chain when iconv does not know the
	 * charset, so ask iconv first. */
	if (!charset_known(charset))
		return -1;
	if (mu_static_memory_stream_create(&in, text, len) != 0)
		return -1;
	rc = mu_decode_filter(&flt, in, NULL, charset, "UTF-8");
	mu_stream_unref(in);
	if (rc != 0)
		return -1;
	rc = drain_stream(mw, flt, out_len_r);
	mu_stream_destroy(&flt);
	return rc;
}

/* Transfer-decode into mw->decoded; *bad_r when base64 had junk. */
static const char *
transfer_decode(struct msg_walker *mw, enum cte cte, const char *body,
		size_t len, size_t *out_len_r, bool *bad_r)
{
	*bad_r = false;
	if (cte != CTE_BASE64 && cte != CTE_QP) {
		*out_len_r = len;
		return body;
	}
	xgrow((void **)&mw->decoded, &mw->decoded_alloc, DECODE_MAX_OUT(len), 1);
	*out_len_r = cte == CTE_BASE64
		? decode_base64(body, len, mw->decoded, bad_r)
		: decode_qp(body, len, mw->decoded);
	return mw->decoded;
}

static int
hand_over_raw(struct walk *w, unsigned int number, unsigned int flags,
	      const char *text, size_t len, size_t raw_offset, size_t raw_len,
	      enum cte cte)
{
	struct msg_part part = {
		.number = number, .flags = flags, .text = text, .len = len,
		.raw_offset = raw_offset, .raw_len = raw_len,
		.encoding = cte == CTE_BASE64 ? PART_BASE64
			: cte == CTE_QP ? PART_QP : PART_IDENTITY,
	};

	return w->fn(&part, w->ctx);
}

/* A part handed over as its raw bytes. */
static int
hand_over(struct walk *w, unsigned int number, unsigned int flags,
	  const char *text, size_t len, size_t raw_offset)
{
	return hand_over_raw(w, number, flags, text, len, raw_offset,
			     flags & PART_DECODED ? 0 : len, CTE_IDENTITY);
}

/* Length of the encoded word "=?charset?X?text?=" at p, or 0. */
static size_t
encoded_word_len(const char *p, size_t len)
{
	size_t i = 2;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	while (i < len && p[i] != '?' && !isspace((unsigned char)p[i]))
		i++;
	if (i + 2 >= len || p[i] != '?' || p[i + 2] != '?')
		return 0;
	for (i += 3; i + 1 < len; i++) {
		if (p[i] == '?' && p[i + 1] == '=')
			return i + 2;
		if (isspace((unsigned char)p[i]))
			return 0;
	}
	return 0;
}

/* Could decoding this run of encoded words reveal an '@'?  Decoding
 * through Mailutils costs an iconv set-up per call; most display names
 * cannot hold an address and are skipped. */
static bool
run_may_hold_at(struct msg_walker *mw, const char *run, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = encoded_word_len(run + i, len - i);
		const char *q1, *text;

		if (n == 0) {
			i++;
			continue;
		}
		/* =?charset?E?text?= */
		q1 = memchr(run + i + 2, '?', n - 2);
		text = q1 + 3;
		if (strncasecmp(run + i + 2, "utf-7", 5) == 0 ||
		    strncasecmp(run + i + 2, "unicode-1-1-utf-7", 17) == 0)
			return true;
		xgrow((void **)&mw->scratch, &mw->scratch_alloc,
		      DECODE_MAX_OUT(n), 1);
		if (decode_word_may_hold_at(q1[1], text,
					    (size_t)(run + i + n - 2 - text),
					    mw->scratch))
			return true;
		i += n;
	}
	return false;
}

/* Append "Name: decoded" for each run of adjacent encoded words in a
 * field (white space between them does not count, RFC 2047 §6.2), so
 * that an address split over two words is whole again.  Only the decoded
 * words are written: the rest of the field is searched raw already. */
static void
decode_word_runs(struct walk *w, const struct header_field *f, char **out,
		 size_t *used, size_t *alloc, unsigned int number,
		 size_t raw_offset)
{
	char *v = header_unfold(f->value, f->value_len);
	size_t len = strlen(v), i = 0;

	while (i < len) {
		size_t n = encoded_word_len(v + i, len - i), end, j;
		char *run, *decoded = NULL;

		if (n == 0) {
			i++;
			continue;
		}
		end = i + n;
		for (j = end; j < len && isspace((unsigned char)v[j]); j++)
			;
		while (j < len && (n = encoded_word_len(v + j, len - j)) > 0) {
			end = j + n;
			for (j = end; j < len && isspace((unsigned char)v[j]); j++)
				;
		}
		if (!run_may_hold_at(w->mw, v + i, end - i)) {
			i = end;        /* no address can hide in it */
			continue;
		}
		run = xstrndup(v + i, end - i);
		if (mu_rfc2047_decode("UTF-8", run, &decoded) != 0)
			note_problem(w, MSG_PROBLEM_BAD_HEADER_ENCODING, number,
				     raw_offset + f->offset);
		else {
			size_t need = f->name_len + 2 + strlen(decoded) + 2;

			xgrow((void **)out, alloc, *used + need, 1);
			*used += (size_t)snprintf(*out + *used, need, "%.*s: %s\n",
						  (int)f->name_len, f->name,
						  decoded);
			free(decoded);
		}
		free(run);
		i = end;
	}
	free(v);
}

/* The decoded encoded words of a header block, as "Name: text" lines. */
static int
walk_encoded_words(struct walk *w, const char *hdr, size_t len,
		   unsigned int number, size_t raw_offset)
{
	struct msg_walker *mw = w->mw;
	struct header_iter it;
	struct header_field f;
	size_t used = 0;

	if (!has_word_start(hdr, len))
		return 0;
	header_iter_init(&it, hdr, len);
	while (header_iter_next(&it, &f))
		if (has_word_start(f.value, f.value_len))
			decode_word_runs(w, &f, &mw->words, &used,
					 &mw->words_alloc, number, raw_offset);
	if (used == 0)
		return 0;
	return hand_over(w, number, PART_HEADER | PART_DECODED, mw->words, used,
			 raw_offset);
}

static int walk_entity(struct walk *w, size_t start, size_t end,
		       unsigned int depth, bool top);

/* Find the next delimiter line "--boundary" at or after pos; returns its
 * offset or end, and whether it is the closing one.  The needle is the
 * whole "--boundary", so patches full of "--" lines cost nothing. */
static size_t
find_delimiter(const struct walk *w, size_t pos, size_t end,
	       const char *boundary, size_t blen, bool *closing_r)
{
	char needle[sizeof ((struct entity_type *)0)->boundary + 2];

	needle[0] = needle[1] = '-';
	memcpy(needle + 2, boundary, blen);
	while (pos < end) {
		const char *hit = memmem(w->raw + pos, end - pos, needle, blen + 2);
		size_t at;

		if (hit == NULL)
			break;
		at = (size_t)(hit - w->raw);
		pos = at + 2 + blen;
		if (at > 0 && w->raw[at - 1] != '\n')
			continue;
		*closing_r = end - pos >= 2 && memcmp(w->raw + pos, "--", 2) == 0;
		return at;
	}
	*closing_r = false;
	return end;
}

static size_t
after_line(const struct walk *w, size_t pos, size_t end)
{
	const char *nl = memchr(w->raw + pos, '\n', end - pos);

	return nl ? (size_t)(nl - w->raw) + 1 : end;
}

/* The line end before a delimiter belongs to the delimiter (RFC 2046). */
static size_t
trim_before_delimiter(const struct walk *w, size_t start, size_t at)
{
	if (at > start && w->raw[at - 1] == '\n')
		at--;
	if (at > start && w->raw[at - 1] == '\r')
		at--;
	return at;
}

static int
walk_multipart(struct walk *w, const struct entity_type *t, size_t body,
	       size_t end, unsigned int depth, unsigned int number)
{
	size_t blen = strlen(t->boundary), pos = body, at;
	bool closing = false;
	int rc;

	at = find_delimiter(w, pos, end, t->boundary, blen, &closing);
	/* The preamble is not a part, but it is in the archive: search it. */
	if (at > pos && (rc = hand_over(w, number, 0, w->raw + pos,
					trim_before_delimiter(w, pos, at) - pos,
					pos)) != 0)
		return rc;
	while (at < end && !closing) {
		size_t part_start = after_line(w, at, end), next;

		next = find_delimiter(w, part_start, end, t->boundary, blen,
				      &closing);
		if (next == end)
			note_problem(w, MSG_PROBLEM_NO_CLOSING_BOUNDARY, number,
				     part_start);
		rc = walk_entity(w, part_start,
				 next == end ? end
				 : trim_before_delimiter(w, part_start, next),
				 depth + 1, false);
		if (rc != 0)
			return rc;
		at = next;
	}
	if (at < end) {
		size_t epilogue = after_line(w, at, end);

		if (epilogue < end)
			return hand_over(w, number, 0, w->raw + epilogue,
					 end - epilogue, epilogue);
	}
	return 0;
}

static int
walk_leaf(struct walk *w, const struct entity_type *t, size_t body,
	  size_t end, unsigned int number)
{
	bool texty = t->type[0] == '\0' || strncmp(t->type, "text/", 5) == 0 ||
		strncmp(t->type, "message/", 8) == 0;
	unsigned int flags = strcmp(t->type, "text/html") == 0 ? PART_HTML : 0;
	const char *text;
	size_t len, converted_len;
	bool bad;

	if (t->cte == CTE_BASE64 && !texty)     /* binary: no text to hand over */
		return hand_over_raw(w, number, PART_BINARY, w->raw + body, 0,
				     body, end - body, t->cte);
	if (t->cte == CTE_UNKNOWN)
		note_problem(w, MSG_PROBLEM_BAD_ENCODING, number, body);
	if ((w->mw->flags & MSG_WALK_AT_ONLY) && t->cte == CTE_QP &&
	    !(flags & PART_HTML) && !needs_charset_conversion(t->charset) &&
	    !decode_qp_may_hold_at(w->raw + body, end - body))
		return 0;       /* nothing the caller looks for can be there */
	text = transfer_decode(w->mw, t->cte, w->raw + body, end - body, &len,
			       &bad);
	if (bad)
		note_problem(w, MSG_PROBLEM_BAD_ENCODING, number, body);
	if (text != w->raw + body)
		flags |= PART_DECODED;
	if (t->charset[0] && needs_charset_conversion(t->charset)) {
		if (convert_charset(w->mw, t->charset, text, len,
				    &converted_len) == 0)
			return hand_over_raw(w, number, flags | PART_DECODED |
					     PART_CONVERTED, w->mw->converted,
					     converted_len, body, end - body,
					     t->cte);
		note_problem(w, MSG_PROBLEM_UNKNOWN_CHARSET, number, body);
	}
	return hand_over_raw(w, number, flags, text, len, body, end - body,
			     t->cte);
}

static int
walk_entity(struct walk *w, size_t start, size_t end, unsigned int depth,
	    bool top)
{
	struct entity_type t;
	size_t body, hdr_end;
	unsigned int number = top ? 0 : w->next_part++;
	int rc;

	w->report->parts++;
	if (w->report->parts > MSG_MAX_PARTS) {
		note_problem(w, MSG_PROBLEM_TOO_MANY_PARTS, number, start);
		return hand_over(w, number, 0, w->raw + start, end - start,
				 start);
	}
	hdr_end = msg_header_end(w->raw + start, end - start, &body);
	hdr_end += start;
	body += start;
	if ((rc = hand_over(w, number, PART_HEADER, w->raw + start,
			    hdr_end - start, start)) != 0)
		return rc;
	if ((rc = walk_encoded_words(w, w->raw + start, hdr_end - start, number,
				     start)) != 0)
		return rc;
	read_entity_type(w->raw + start, hdr_end - start, &t);
	if (top)
		number = w->next_part++;
	if (depth >= MSG_MAX_MIME_DEPTH) {
		note_problem(w, MSG_PROBLEM_TOO_DEEP, number, body);
		return hand_over(w, number, 0, w->raw + body, end - body, body);
	}
	if (strncmp(t.type, "multipart/", 10) == 0) {
		if (t.boundary[0] != '\0')
			return walk_multipart(w, &t, body, end, depth, number);
		note_problem(w, MSG_PROBLEM_NO_BOUNDARY, number, body);
	} else if (strcmp(t.type, "message/rfc822") == 0 &&
		   t.cte == CTE_IDENTITY) {
		return walk_entity(w, body, end, depth + 1, false);
	}
	return walk_leaf(w, &t, body, end, number);
}

int
msg_walk(struct msg_walker *mw, const char *raw, size_t len, msg_part_fn fn,
	 void *ctx, struct msg_walk_report *report)
{
	struct walk w = {
		.raw = raw, .len = len, .fn = fn, .ctx = ctx, .report = report,
		.next_part = 1, .mw = mw,
	};

	memset(report, 0, sizeof *report);
	return walk_entity(&w, 0, len, 0, true);
}

const char *
msg_problem_text(enum msg_problem problem)
{
	switch (problem) {
	case MSG_PROBLEM_NONE:
		return "no problem";
	case MSG_PROBLEM_NO_CLOSING_BOUNDARY:
		return "multipart without its closing boundary (searched to the end)";
	case MSG_PROBLEM_NO_BOUNDARY:
		return "multipart without a boundary parameter (searched as raw text)";
	case MSG_PROBLEM_BAD_ENCODING:
		return "part cannot be transfer-decoded (searched as raw bytes)";
	case MSG_PROBLEM_UNKNOWN_CHARSET:
		return "part has a charset that cannot be converted (searched as raw bytes)";
	case MSG_PROBLEM_TOO_DEEP:
		return "MIME nesting deeper than 32 levels (searched as raw bytes)";
	case MSG_PROBLEM_TOO_MANY_PARTS:
		return "more than 4096 MIME parts (the rest searched as raw bytes)";
	case MSG_PROBLEM_BAD_HEADER_ENCODING:
		return "header has RFC 2047 words that cannot be decoded (searched raw)";
	}
	return "unknown problem";
}
