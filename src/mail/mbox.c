/* mbox.c -- split an mbox held in memory into raw message byte ranges. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errbuf.h"
#include "mail/mbox.h"
#include "mail/rawscan.h"
#include "lib/xalloc.h"

static const char *const weekdays[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static bool
token_in(const char *p, size_t avail, const char *const *list, size_t n)
{
	if (avail < 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (memcmp(p, list[i], 3) == 0)
			return true;
	return false;
}

static size_t
skip_spaces(const char *p, size_t i, size_t len)
{
	while (i < len && p[i] == ' ')
		i++;
	return i;
}

static size_t
count_digits(const char *p, size_t i, size_t len)
{
	size_t n = 0;

	while (i + n < len && isdigit((unsigned char)p[i + n]))
		n++;
	return n;
}

/* "Www Mmm dd hh:mm[:ss] [zone ...] yyyy ..." starting at p. */
static bool
ctime_date_at(const char *p, size_t len)
{
	size_t i = 3, n;

	if (!token_in(p, len, weekdays, 7) || i >= len || p[i] != ' ')
		return false;
	i = skip_spaces(p, i, len);
	if (!token_in(p + i, len - i, months, 12))
		return false;
	i += 3;
	if (i >= len || p[i] != ' ')
		return false;
	i = skip_spaces(p, i, len);
	n = count_digits(p, i, len);
	if (n < 1 || n > 2)
		return false;
	i += n;
	if (i >= len || p[i] != ' ')
		return false;
	i = skip_spaces(p, i, len);
	n = count_digits(p, i, len);
	if (n < 1 || n > 2 || i + n >= len || p[i + n] != ':')
		return false;
	i += n + 1;
	if (count_digits(p, i, len) != 2)
		return false;
	i += 2;
	if (i < len && p[i] == ':') {
		if (count_digits(p, i + 1, len) != 2)
			return false;
		i += 3;
	}
	/* The year is one of the next three tokens (zones may come first). */
	for (int tok = 0; tok < 3; tok++) {
		if (i >= len || p[i] != ' ')
			return false;
		i = skip_spaces(p, i, len);
		n = count_digits(p, i, len);
		if (n == 4 && (i + n == len || p[i + n] == ' '))
			return true;
		while (i < len && p[i] != ' ')
			i++;
	}
	return false;
}

/* "[Www, ]d[d] Mmm yyyy hh:mm[:ss] ..." at p: the RFC 822 date that old
 * archivers (pre-2.0 pipermail) wrote into From_ lines. */
static bool
rfc822_date_at(const char *p, size_t len)
{
	size_t i = 0, n;

	if (token_in(p, len, weekdays, 7) && len > 5 && p[3] == ',' &&
	    p[4] == ' ')
		i = skip_spaces(p, 4, len);
	n = count_digits(p, i, len);
	if (n < 1 || n > 2 || i + n >= len || p[i + n] != ' ')
		return false;
	i = skip_spaces(p, i + n, len);
	if (!token_in(p + i, len - i, months, 12) || i + 3 >= len ||
	    p[i + 3] != ' ')
		return false;
	i = skip_spaces(p, i + 3, len);
	if (count_digits(p, i, len) != 4 || i + 4 >= len || p[i + 4] != ' ')
		return false;
	i = skip_spaces(p, i + 4, len);
	n = count_digits(p, i, len);
	if (n < 1 || n > 2 || i + n >= len || p[i + n] != ':' ||
	    count_digits(p, i + n + 1, len) != 2)
		return false;
	i += n + 3;
	return i == len || p[i] == ' ' || p[i] == ':';
}

size_t
mbox_from_line_date(const char *line, size_t len)
{
	size_t first_space;

	if (len >= 1 && line[len - 1] == '\n')
		len--;
	if (len >= 1 && line[len - 1] == '\r')
		len--;
	if (len < 5 || memcmp(line, "From ", 5) != 0)
		return 0;
	/* The sender may hold spaces (pipermail's "user at example.org"), so
	 * look for a ctime date after any space. */
	for (size_t i = 5; i + 3 < len; i++)
		if (line[i - 1] == ' ' && line[i] != ' ' &&
		    ctime_date_at(line + i, len - i))
			return i;
	/* Or an RFC 822 date after a sender of one word. */
	for (first_space = 5; first_space < len && line[first_space] != ' ';
	     first_space++)
		;
	if (first_space > 5 && first_space + 1 < len &&
	    rfc822_date_at(line + first_space + 1, len - first_space - 1))
		return first_space + 1;
	return 0;
}

bool
mbox_is_from_line(const char *line, size_t len)
{
	return mbox_from_line_date(line, len) > 0;
}

/* A header field line: printable ASCII name without space or colon, then
 * a colon (cleanarch's test). */
static bool
is_header_line(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] > ' ' && p[i] < 127 && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':';
}

static size_t
line_end(const char *data, size_t len, size_t pos)
{
	const char *nl = memchr(data + pos, '\n', len - pos);

	return nl ? (size_t)(nl - data) : len;
}

static size_t
next_line(const char *data, size_t len, size_t pos)
{
	size_t e = line_end(data, len, pos);

	return e < len ? e + 1 : len;
}

static bool
is_empty_line_at(const char *data, size_t len, size_t pos)
{
	return pos < len && (data[pos] == '\n' ||
			     (data[pos] == '\r' && pos + 1 < len &&
			      data[pos + 1] == '\n'));
}

static size_t
skip_preamble(const char *data, size_t len, unsigned int *flags)
{
	size_t p = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		*flags |= MBOX_HAS_BOM;
		p = 3;
	}
	while (is_empty_line_at(data, len, p))
		p = next_line(data, len, p);
	return p;
}

/* Does an mbox start at p: a From_ line with an envelope date, or any
 * "From " line followed by a header field (the first line of a file is
 * a separator whatever its date says: Netscape wrote "From - ")? */
static bool
starts_mbox(const char *data, size_t len, size_t p)
{
	size_t eol = line_end(data, len, p), next;

	if (mbox_is_from_line(data + p, eol - p))
		return true;
	if (eol - p < 5 || memcmp(data + p, "From ", 5) != 0)
		return false;
	next = eol < len ? eol + 1 : len;
	return is_header_line(data + next, line_end(data, len, next) - next);
}

bool
mbox_looks_like_mbox(const char *data, size_t len)
{
	unsigned int flags = 0;

	return starts_mbox(data, len, skip_preamble(data, len, &flags));
}

/* Does an empty line end just before pos (a line start)? */
static bool
blank_line_before(const char *data, size_t pos)
{
	return (pos >= 2 && data[pos - 2] == '\n') ||
		(pos >= 3 && data[pos - 2] == '\r' && data[pos - 3] == '\n');
}

/* A separator without a date: "From" and a sender alone, the sender
 * "-" (Netscape) or an address (Gmail's "From 1844...@xxx").  Followed
 * by a header field it is a separator; "From here" or "From Russia with
 * love" in a body are not. */
static bool
is_undated_from_line(const char *line, size_t len)
{
	const char *at;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
			   line[len - 1] == ' '))
		len--;
	if (len < 6 || memcmp(line, "From ", 5) != 0 ||
	    memchr(line + 5, ' ', len - 5) || memchr(line + 5, '\t', len - 5))
		return false;
	if (len == 6 && line[5] == '-')
		return true;
	at = memchr(line + 5, '@', len - 5);
	return at && at > line + 5 && at < line + len - 1;
}

/* Is the "From " at pos (a line start) a message separator?  As Mailman's
 * cleanarch decides: a From_ line with an envelope date, followed by a
 * header field line (or an undated "From -" or "From ADDRESS" followed
 * by one).
 * An empty line before it is usual, not required: pipermail's monthly
 * .txt files have none after an attachment footer. */
static bool
is_separator(const char *data, size_t len, size_t pos)
{
	size_t eol, next;

	eol = line_end(data, len, pos);
	if (!mbox_is_from_line(data + pos, eol - pos) &&
	    !is_undated_from_line(data + pos, eol - pos))
		return false;
	next = eol < len ? eol + 1 : len;
	return is_header_line(data + next, line_end(data, len, next) - next);
}

/* prefix in lower case */
static bool
ascii_prefix_ci(const char *p, size_t avail, const char *prefix)
{
	size_t n = strlen(prefix);

	/* the first byte alone rules out nearly every line */
	return avail >= n && (p[0] | 0x20) == prefix[0] &&
		strncasecmp(p, prefix, n) == 0;
}

/* Find Content-Length in message m's header; returns the body start and
 * the length, or false when the header has none or it does not parse. */
static bool
content_length(const char *data, const struct mbox_msg *m,
	       uint64_t *body_r, uint64_t *cl_r)
{
	size_t len = m->end;
	size_t p = next_line(data, len, m->start);
	bool found = false;
	uint64_t cl = 0;

	while (p < len && !is_empty_line_at(data, len, p)) {
		if (ascii_prefix_ci(data + p, len - p, "content-length:")) {
			size_t i = p + 15, e = line_end(data, len, p);

			while (i < e && (data[i] == ' ' || data[i] == '\t'))
				i++;
			found = i < e && isdigit((unsigned char)data[i]);
			for (cl = 0; i < e && isdigit((unsigned char)data[i]); i++)
				cl = cl * 10 + (uint64_t)(data[i] - '0');
		}
		p = next_line(data, len, p);
	}
	if (!found || p >= len)
		return false;
	*body_r = next_line(data, len, p);
	*cl_r = cl;
	return true;
}

/* Content-Length of each message, read while its header is still in
 * memory, so that the framing check never touches the file again. */
struct cl_info {
	uint64_t *body;         /* body start; UINT64_MAX: no Content-Length */
	uint64_t *len;
	size_t alloc;
};

static void
close_msg(const char *data, struct mbox_split *s, struct cl_info *cl,
	  uint64_t end)
{
	size_t i = s->count - 1;

	s->msgs[i].end = end;
	if (i >= cl->alloc) {   /* as many as the split has room for */
		size_t want = s->alloc > i ? s->alloc : i + 1;

		cl->body = xreallocarray(cl->body, want, sizeof *cl->body);
		cl->len = xreallocarray(cl->len, want, sizeof *cl->len);
		cl->alloc = want;
	}
	if (!content_length(data, &s->msgs[i], &cl->body[i], &cl->len[i]))
		cl->body[i] = UINT64_MAX;
}

static void
note_unblanked(struct mbox_split *s, uint64_t pos)
{
	xgrow((void **)&s->unblanked, &s->unblanked_alloc, s->n_unblanked + 1,
	      sizeof *s->unblanked);
	s->unblanked[s->n_unblanked++] = pos;
}

static void
push_msg(struct mbox_split *s, uint64_t start)
{
	xgrow((void **)&s->msgs, &s->alloc, s->count + 1, sizeof *s->msgs);
	s->msgs[s->count].start = start;
	s->msgs[s->count].end = start;
	s->count++;
}

/* The next "From " in data[from..len), or NULL. */
static const char *
find_from(const char *data, size_t from, size_t len)
{
	size_t at = from + rawscan_from(data + from, len - from);

	return at < len ? data + at : NULL;
}

/* Classify every "From " that starts a line: separator, escaped or not. */
static void
split_on_separators(const char *data, size_t len, struct mbox_split *s,
		    struct cl_info *cl, mbox_progress_fn progress, void *ctx)
{
	size_t cursor = s->msgs[0].start + 5, told = 0;

	for (;;) {
		const char *hit = find_from(data, cursor, len);
		size_t pos, k;

		if (hit == NULL)
			break;
		pos = (size_t)(hit - data);
		cursor = pos + 5;
		if (progress && pos - told > MBOX_PROGRESS_BYTES) {
			told = s->msgs[s->count - 1].start;
			progress(told, ctx);
		}
		for (k = pos; k > 0 && data[k - 1] == '>'; k--)
			;
		if (k > 0 && data[k - 1] != '\n')
			continue;               /* not at a line start */
		if (pos - k == 1)
			s->escaped_from_lines++;
		else if (pos - k > 1)
			s->rd_escaped_from_lines++;
		else if (is_separator(data, len, pos)) {
			close_msg(data, s, cl, pos);
			push_msg(s, pos);
			if (!blank_line_before(data, pos))
				note_unblanked(s, pos);
		} else
			s->unescaped_from_lines++;
	}
	close_msg(data, s, cl, len);
}

/* Where message i's Content-Length ends inside it, at a "From " line
 * followed by a header field (an undated separator, "From - "), split
 * it there: the length says where the next message starts.  Returns the
 * number of splits made. */
static size_t
split_at_content_length(const char *data, size_t len, struct mbox_split *s,
			struct cl_info *cl)
{
	size_t made = 0;

	for (size_t i = 0; i < s->count; i++) {
		uint64_t end, at;
		size_t eol, next;

		if (cl->body[i] == UINT64_MAX)
			continue;
		end = cl->body[i] + cl->len[i];
		if (end < cl->body[i] || end >= s->msgs[i].end)
			continue;
		at = end;
		if (is_empty_line_at(data, len, at))   /* the empty line */
			at = next_line(data, len, at);
		if (at <= s->msgs[i].start || at >= s->msgs[i].end ||
		    data[at - 1] != '\n' || len - at < 5 ||
		    memcmp(data + at, "From ", 5) != 0)
			continue;
		eol = line_end(data, len, at);
		next = eol < len ? eol + 1 : len;
		if (!is_header_line(data + next, line_end(data, len, next) - next))
			continue;
		/* message i ends at, a new one i + 1 starts there */
		push_msg(s, 0);
		memmove(&s->msgs[i + 2], &s->msgs[i + 1],
			(s->count - i - 2) * sizeof *s->msgs);
		if (cl->alloc < s->alloc) {
			cl->body = xreallocarray(cl->body, s->alloc,
						 sizeof *cl->body);
			cl->len = xreallocarray(cl->len, s->alloc,
						sizeof *cl->len);
			cl->alloc = s->alloc;
		}
		memmove(&cl->body[i + 2], &cl->body[i + 1],
			(s->count - i - 2) * sizeof *cl->body);
		memmove(&cl->len[i + 2], &cl->len[i + 1],
			(s->count - i - 2) * sizeof *cl->len);
		s->msgs[i + 1].start = at;
		s->msgs[i + 1].end = s->msgs[i].end;
		s->msgs[i].end = at;
		if (!content_length(data, &s->msgs[i + 1], &cl->body[i + 1],
				    &cl->len[i + 1]))
			cl->body[i + 1] = UINT64_MAX;
		if (s->unescaped_from_lines > 0)
			s->unescaped_from_lines--;
		made++;
	}
	return made;
}

/* Does a Content-Length end at pos fit a boundary at b (allowing for the
 * empty separator line that follows the body)? */
static bool
cl_end_fits(const char *data, uint64_t cl_end, uint64_t b)
{
	if (cl_end == b)
		return true;
	if (cl_end + 1 == b && data[cl_end] == '\n')
		return true;
	return cl_end + 2 == b && data[cl_end] == '\r' && data[cl_end + 1] == '\n';
}

/* Honour Content-Length where it is consistent: a message whose length
 * reaches over later separators swallows them (mboxcl2 bodies are not
 * escaped).  Returns -1 when lengths contradict the separators. */
static int
apply_content_length(const char *data, size_t len, struct mbox_split *s,
		     const struct cl_info *info, struct errbuf *err)
{
	size_t stale = 0, swallowing = 0, with_cl = 0, first_stale = 0;
	size_t out = 0;

	for (size_t i = 0; i < s->count; i++) {
		uint64_t body = info->body[i], cl = info->len[i], cl_end;
		size_t j;

		if (body == UINT64_MAX)
			continue;
		with_cl++;
		cl_end = body + cl;
		if (cl_end > len || cl_end < body)
			cl_end = len + 3;       /* cannot fit anywhere */
		if (cl_end <= len && cl_end_fits(data, cl_end, s->msgs[i].end))
			continue;
		for (j = i + 1; j < s->count; j++)
			if (cl_end <= len &&
			    cl_end_fits(data, cl_end, s->msgs[j].end))
				break;
		if (j < s->count && cl_end > s->msgs[i].end) {
			swallowing++;
			continue;
		}
		if (stale++ == 0)
			first_stale = i;
	}
	if (swallowing > 0 && stale > 0)
		return errbuf_set(err, "cannot split safely: message %zu at "
				  "offset %llu has a Content-Length that "
				  "contradicts the From_ separators, while "
				  "others rely on Content-Length; check the file "
				  "by hand (formail -Y, or cleanarch)",
				  first_stale,
				  (unsigned long long)s->msgs[first_stale].start);
	s->content_length_msgs = stale == 0 ? with_cl : 0;
	if (swallowing == 0)
		return 0;
	/* Merge every message into the one whose length covers it. */
	for (size_t i = 0; i < s->count; out++) {
		uint64_t body = info->body[i], cl = info->len[i];
		size_t j = i + 1;

		s->msgs[out] = s->msgs[i];
		if (body != UINT64_MAX) {
			while (j < s->count && body + cl > s->msgs[j].start) {
				s->msgs[out].end = s->msgs[j].end;
				s->unescaped_from_lines++;
				j++;
			}
		}
		i = j;
	}
	s->count = out;
	return 0;
}

/* mboxo and mboxrd differ only where a line already started ">From ";
 * public-inbox marks its mboxrd exports with the sender "mboxrd@z". */
static enum mbox_format
guess_format(const char *data, const struct mbox_split *s)
{
	static const char rd_sender[] = "From mboxrd@z ";

	if (s->content_length_msgs == s->count && s->count > 0)
		return s->escaped_from_lines > 0 && s->unescaped_from_lines == 0
			? MBOX_FORMAT_MBOXCL : MBOX_FORMAT_MBOXCL2;
	if (s->rd_escaped_from_lines > 0 ||
	    (s->msgs[0].end - s->msgs[0].start >= sizeof rd_sender - 1 &&
	     memcmp(data + s->msgs[0].start, rd_sender,
		    sizeof rd_sender - 1) == 0))
		return MBOX_FORMAT_MBOXRD;
	return MBOX_FORMAT_MBOXO;
}

int
mbox_split(const char *data, size_t len, struct mbox_split *s,
	   mbox_progress_fn progress, void *ctx, struct errbuf *err)
{
	struct cl_info cl = { 0 };
	size_t p, eol;
	int rc;

	memset(s, 0, sizeof *s);
	p = skip_preamble(data, len, &s->flags);
	eol = line_end(data, len, p);
	if (!starts_mbox(data, len, p))
		return errbuf_set(err, "not an mbox: no From_ line at offset %zu",
				  p);
	if (eol > p && data[eol - 1] == '\r')
		s->flags |= MBOX_HAS_CRLF;
	s->preamble_len = p;
	push_msg(s, p);
	split_on_separators(data, len, s, &cl, progress, ctx);
	s->content_length_splits = split_at_content_length(data, len, s, &cl);
	rc = apply_content_length(data, len, s, &cl, err);
	free(cl.body);
	free(cl.len);
	if (rc < 0) {
		mbox_split_release(s);
		return -1;
	}
	s->format = guess_format(data, s);
	return 0;
}

void
mbox_split_release(struct mbox_split *s)
{
	free(s->msgs);
	free(s->unblanked);
	s->msgs = NULL;
	s->unblanked = NULL;
	s->count = s->alloc = 0;
	s->n_unblanked = s->unblanked_alloc = 0;
}

const char *
mbox_format_name(enum mbox_format format)
{
	switch (format) {
	case MBOX_FORMAT_MBOXO:   return "mboxo";
	case MBOX_FORMAT_MBOXRD:  return "mboxrd";
	case MBOX_FORMAT_MBOXCL:  return "mboxcl";
	case MBOX_FORMAT_MBOXCL2: return "mboxcl2";
	}
	return "mbox";
}
