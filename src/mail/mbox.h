/* mbox.h -- split an mbox held in memory into raw message byte ranges.
 *
 * Our own splitter over raw bytes (SPEC §3): Mailutils' driver rewrites
 * archives and reads headers at ~66 MB/s.  A line "From " starts a message
 * when it has the shape of a From_ line (an envelope date: ctime-style, or
 * the RFC 822 date of old archivers) and the next line looks like a header
 * field, as Mailman's cleanarch checks.  An empty line before it is not
 * required (pipermail's .txt files have none after an attachment footer);
 * such separators are recorded, for reports.  Content-Length framing
 * (mboxcl2) is honoured only when it is consistent; an mbox whose
 * Content-Length headers contradict its separators cannot be split safely.
 *
 * Message i spans [start, end): its From_ line, headers, body and the empty
 * separator line, if any, before the next From_ line.  Bytes before the first
 * message (a UTF-8 BOM, empty lines) form the preamble, which is always
 * kept.  Nothing here allocates except the message array.
 */
#ifndef LISTSCRUB_MBOX_H
#define LISTSCRUB_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;

enum mbox_format {
	MBOX_FORMAT_MBOXO,      /* From_ split; body "From " -> ">From " */
	MBOX_FORMAT_MBOXRD,     /* From_ split; ">*From " gains one '>' */
	MBOX_FORMAT_MBOXCL,     /* Content-Length, mboxo escaping */
	MBOX_FORMAT_MBOXCL2,    /* Content-Length, no escaping */
};

enum mbox_flags {
	MBOX_HAS_BOM  = 1 << 0, /* file starts with a UTF-8 BOM */
	MBOX_HAS_CRLF = 1 << 1, /* header lines end in CRLF */
};

struct mbox_msg {
	uint64_t start;         /* offset of the From_ line */
	uint64_t end;           /* offset just past the message */
};

struct mbox_split {
	enum mbox_format format;
	unsigned int flags;             /* enum mbox_flags */
	uint64_t preamble_len;          /* bytes kept before message 0 */
	struct mbox_msg *msgs;          /* caller owns: mbox_split_release() */
	size_t count;
	size_t alloc;
	/* Evidence behind the format, for reports. */
	size_t unescaped_from_lines;    /* "From " body lines that were not
					   separators */
	size_t escaped_from_lines;      /* ">From " lines */
	size_t rd_escaped_from_lines;   /* ">>From " lines (mboxrd only) */
	size_t content_length_msgs;     /* messages framed by Content-Length */
	size_t content_length_splits;   /* undated separators ("From - ")
					   that a Content-Length points at */
	uint64_t *unblanked;            /* separators without an empty line */
	size_t n_unblanked;             /* before them, by offset */
	size_t unblanked_alloc;
};

/* True when data starts (after an optional BOM and empty lines) with a
 * valid From_ line, or with any "From " line followed by a header field
 * (Netscape's "From - "): the test that makes a file an mbox. */
bool mbox_looks_like_mbox(const char *data, size_t len);

/* True when line (without its line end) has the shape of a From_ line. */
bool mbox_is_from_line(const char *line, size_t len);

/* Where the envelope date of a From_ line starts (the sender is
 * line[5..that), spaces after it included); 0 when line is not one. */
size_t mbox_from_line_date(const char *line, size_t len);

/* Told every MBOX_PROGRESS_BYTES that the splitter is done with data
 * before offset done (it looks back at most one line), so that a caller
 * with a mapped file can let those pages go. */
#define MBOX_PROGRESS_BYTES (16u << 20)
typedef void (*mbox_progress_fn)(size_t done, void *ctx);

/* Split data into messages.  Returns 0, or -1 with err filled when the file
 * cannot be split safely (not an mbox, or contradicting Content-Length
 * framing).  split is caller-owned and released with mbox_split_release.
 * progress may be NULL. */
int mbox_split(const char *data, size_t len, struct mbox_split *split,
	       mbox_progress_fn progress, void *ctx, struct errbuf *err);

void mbox_split_release(struct mbox_split *split);

const char *mbox_format_name(enum mbox_format format);

#endif
