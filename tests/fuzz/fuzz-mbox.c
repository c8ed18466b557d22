/* fuzz-mbox.c -- the mbox splitter (mail/mbox.h).  Invariants: the
 * preamble and the messages cover the input exactly and in order, every
 * message starts with a From_ line, and the separators recorded without
 * an empty line are "From " lines, in order. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/mbox.h"

static void
progress(size_t done, void *ctx)
{
	size_t *last = ctx;

	FUZZ_CHECK(done >= *last);
	*last = done;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct mbox_split split = { 0 };
	struct errbuf err;
	size_t last = 0;
	bool looks = mbox_looks_like_mbox(p, size);
	uint64_t pos;

	if (mbox_split(p, size, &split, progress, &last, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		mbox_split_release(&split);
		return 0;
	}
	FUZZ_CHECK(last <= size);
	FUZZ_CHECK(mbox_format_name(split.format) != NULL);
	FUZZ_CHECK(split.preamble_len <= size);
	pos = split.preamble_len;
	for (size_t i = 0; i < split.count; i++) {
		const struct mbox_msg *m = &split.msgs[i];
		const char *nl;
		size_t line;

		FUZZ_CHECK(m->start == pos);    /* no gap, no overlap */
		FUZZ_CHECK(m->end > m->start);
		FUZZ_CHECK(m->end <= size);
		pos = m->end;
		/* a message starts with a "From " line */
		FUZZ_CHECK(m->end - m->start >= 5);
		FUZZ_CHECK(memcmp(p + m->start, "From ", 5) == 0);
		nl = memchr(p + m->start, '\n', m->end - m->start);
		line = nl ? (size_t)(nl - (p + m->start)) : m->end - m->start;
		if (line > 0 && p[m->start + line - 1] == '\r')
			line--;
		/* the date of a From_ line lies inside it */
		FUZZ_CHECK(mbox_from_line_date(p + m->start, line) <= line);
	}
	if (split.count > 0)
		FUZZ_CHECK(pos == size);        /* the last one ends the file */
	else
		FUZZ_CHECK(split.preamble_len == size);
	FUZZ_CHECK(split.count == 0 || looks);
	/* separators noted without an empty line: "From " lines, in order
	 * (one a consistent Content-Length later swallowed stays noted) */
	for (size_t i = 0; i < split.n_unblanked; i++) {
		uint64_t at = split.unblanked[i];

		FUZZ_CHECK(i == 0 || at > split.unblanked[i - 1]);
		FUZZ_CHECK(at + 5 <= size && memcmp(p + at, "From ", 5) == 0);
	}
	mbox_split_release(&split);
	return 0;
}
