/* test-mbox.c -- the mbox splitter. */
#include "config.h"

#include "helpers.h"

#include "lib/errbuf.h"
#include "mail/mbox.h"

#define SEP1 "From alice@example.org Mon Jan  5 10:00:00 2015\n"
#define SEP2 "From bob@example.net Tue Jan  6 11:30:00 2015\n"
#define SEP3 "From carol@example.org Wed Jan  7 12:45:01 2015\n"
#define MSG(sep, id, body) sep "From: x@example.org\nMessage-ID: <" id ">\n\n" body

static void
split_ok(const char *data, struct mbox_split *s)
{
	struct errbuf err;

	if (mbox_split(data, strlen(data), s, NULL, NULL, &err) < 0)
		fail_msg("split failed: %s", err.msg);
}

static void
test_mbox__from_line_shapes(void **state)
{
	static const struct { const char *line; bool ok; } cases[] = {
		{ "From alice@example.org Mon Jan  5 10:00:00 2015", true },
		{ "From alice@example.org Mon Jan 5 10:00 2015", true },
		{ "From mboxrd@z Thu Jan  1 00:00:00 1970", true },
		{ "From a@b Mon Jan 04 10:00:00 +0000 2021", true },
		{ "From a@b Mon Jan  4 10:00:00 PST 2021", true },
		{ "From user at example.org  Mon Jan  5 10:00:00 2015", true },
		{ "From a@b Mon Jan  5 10:00:00 2015 remote from x", true },
		{ "From a@b Mon Jan  5 10:00:00 2015\r", true },
		{ "From here on, we use the new server.", false },
		/* old archivers' RFC 822 envelope dates (pre-2.0 pipermail) */
		{ "From a@b Sat, 1 Jan 2005 10:00:00 +0000", true },
		{ "From g@d.com Sun, 15 Aug 1999 02:37:17 -0400 (EDT)", true },
		{ "From x@y 23 Aug 1999 03:15:23 GMT", true },
		{ "From 1 Jan 2020 onwards the list moves", false },
		{ "From what do I see, you're not asking", false },
		{ "From a b 1 Jan 2005 10:00:00", false },
		{ "From a@b Mon Jan  5 10:00:00", false },
		{ "From a@b Mon Foo  5 10:00:00 2015", false },
		{ "From: a@b Mon Jan  5 10:00:00 2015", false },
		{ ">From a@b Mon Jan  5 10:00:00 2015", false },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++)
		if (mbox_is_from_line(cases[i].line, strlen(cases[i].line)) !=
		    cases[i].ok)
			fail_msg("case %zu: '%s' should %sbe a From_ line", i,
				 cases[i].line, cases[i].ok ? "" : "not ");
}

static void
test_mbox__splits_three_messages(void **state)
{
	const char *data = MSG(SEP1, "1@x", "one\n\n") MSG(SEP2, "2@x", "two\n\n")
		MSG(SEP3, "3@x", "three\n");
	struct mbox_split s;

	(void)state;
	split_ok(data, &s);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.msgs[0].start, 0);
	assert_int_equal(s.msgs[0].end, s.msgs[1].start);
	assert_int_equal(s.msgs[1].end, s.msgs[2].start);
	assert_int_equal(s.msgs[2].end, strlen(data));
	assert_memory_equal(data + s.msgs[1].start, SEP2, strlen(SEP2));
	assert_int_equal(s.format, MBOX_FORMAT_MBOXO);
	mbox_split_release(&s);
}

static void
test_mbox__unescaped_from_lines_do_not_split(void **state)
{
	/* prose after a blank line, and a From_-shaped line not followed by
	 * a header (cleanarch's rule) */
	const char *data = MSG(SEP1, "1@x",
			       "text\n\nFrom here on, all is new.\n\n"
			       SEP2 "not a header line\n\n")
		MSG(SEP3, "3@x", "three\n");
	struct mbox_split s;

	(void)state;
	split_ok(data, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.unescaped_from_lines, 2);
	mbox_split_release(&s);
}

static void
test_mbox__separator_without_blank_line_is_recorded(void **state)
{
	/* Mailman's cleanarch rule: a From_ line followed by a header line
	 * separates, blank line before or not (pipermail .txt files have
	 * none after an attachment footer).  Each such one is recorded. */
	const char *data = MSG(SEP1, "1@x", "URL: http://x/a.bin\n" SEP2
			       "X-Header: y\n\nbody\n\n") MSG(SEP3, "3@x", "c\n");
	struct mbox_split s;

	(void)state;
	split_ok(data, &s);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.n_unblanked, 1);
	assert_int_equal(s.unblanked[0], s.msgs[1].start);
	assert_int_equal(s.msgs[0].end, s.msgs[1].start);
	assert_memory_equal(data + s.msgs[1].start, SEP2, strlen(SEP2));
	mbox_split_release(&s);
}

static void
test_mbox__detects_variants(void **state)
{
	struct mbox_split s;

	(void)state;
	split_ok(MSG(SEP1, "1@x", ">From me\n\n") MSG(SEP2, "2@x", "b\n"), &s);
	assert_int_equal(s.format, MBOX_FORMAT_MBOXO);
	assert_int_equal(s.escaped_from_lines, 1);
	mbox_split_release(&s);
	split_ok(MSG(SEP1, "1@x", ">>From me\n>From you\n\n") MSG(SEP2, "2@x", "b\n"),
		 &s);
	assert_int_equal(s.format, MBOX_FORMAT_MBOXRD);
	assert_int_equal(s.rd_escaped_from_lines, 1);
	mbox_split_release(&s);
	split_ok(SEP1 "Content-Length: 8\n\n>From x\n\n"
		 SEP2 "Content-Length: 2\n\nb\n", &s);
	assert_int_equal(s.format, MBOX_FORMAT_MBOXCL);
	assert_int_equal(s.content_length_msgs, 2);
	mbox_split_release(&s);
}

static void
test_mbox__content_length_frames_mboxcl2(void **state)
{
	/* The body of message 1 holds a line that looks exactly like a
	 * separator; its Content-Length says it is body. */
	const char *body = "quoted:\n\n" SEP2 "Subject: inner\n\nend\n";
	char data[1024];
	struct mbox_split s;

	(void)state;
	snprintf(data, sizeof data, SEP1 "Content-Length: %zu\n\n%s\n"
		 SEP3 "Content-Length: 2\n\nc\n", strlen(body), body);
	split_ok(data, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.format, MBOX_FORMAT_MBOXCL2);
	assert_memory_equal(data + s.msgs[1].start, SEP3, strlen(SEP3));
	mbox_split_release(&s);
}

static void
test_mbox__stale_content_length_is_ignored(void **state)
{
	struct mbox_split s;

	(void)state;
	split_ok(SEP1 "Content-Length: 9999\n\nshort\n\n" MSG(SEP2, "2@x", "b\n"),
		 &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.content_length_msgs, 0);
	mbox_split_release(&s);
}

static void
test_mbox__contradicting_content_length_is_unsafe(void **state)
{
	const char *body = "x\n\n" SEP2 "Subject: inner\n\nend\n";
	char data[1024];
	struct mbox_split s;
	struct errbuf err;

	(void)state;
	snprintf(data, sizeof data, SEP1 "Content-Length: %zu\n\n%s\n"
		 SEP3 "Content-Length: 500\n\nc\n\n" SEP1 "A: b\n\nd\n",
		 strlen(body), body);
	assert_int_equal(mbox_split(data, strlen(data), &s, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot split safely"));
	assert_non_null(strstr(err.msg, "offset"));
}

static void
test_mbox__crlf_bom_and_preamble(void **state)
{
	const char *crlf = "From a@b Mon Jan  5 10:00:00 2015\r\nA: b\r\n\r\nx\r\n\r\n"
		"From a@b Mon Jan  5 10:00:01 2015\r\nA: c\r\n\r\ny\r\n";
	const char *bom = "\xef\xbb\xbf\n" MSG(SEP1, "1@x", "a\n\n") MSG(SEP2, "2@x", "b\n");
	struct mbox_split s;

	(void)state;
	split_ok(crlf, &s);
	assert_int_equal(s.count, 2);
	assert_true(s.flags & MBOX_HAS_CRLF);
	mbox_split_release(&s);
	split_ok(bom, &s);
	assert_int_equal(s.count, 2);
	assert_true(s.flags & MBOX_HAS_BOM);
	assert_int_equal(s.preamble_len, 4);
	assert_int_equal(s.msgs[0].start, 4);
	mbox_split_release(&s);
}

static void
test_mbox__rejects_non_mbox(void **state)
{
	struct mbox_split s;
	struct errbuf err;

	(void)state;
	assert_false(mbox_looks_like_mbox("Subject: x\n\nbody\n", 17));
	assert_int_equal(mbox_split("Subject: x\n\n", 12, &s, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not an mbox"));
	assert_false(mbox_looks_like_mbox("From here on\n", 13));
}

/* A file shorter than public-inbox's "From mboxrd@z " is read to its
 * end and no further (the buffer is exactly its size, for ASan). */
static void
test_mbox__short_file_read_within_bounds(void **state)
{
	static const char text[] = "From \nh:\n\n 2a";
	char *data = malloc(sizeof text - 1);
	struct mbox_split s;
	struct errbuf err;

	(void)state;
	memcpy(data, text, sizeof text - 1);
	assert_int_equal(mbox_split(data, sizeof text - 1, &s, NULL, NULL,
				    &err), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.format, MBOX_FORMAT_MBOXO);
	mbox_split_release(&s);
	free(data);
}

static void
test_mbox__spans_cover_every_byte(void **state)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	struct mbox_split s;
	uint64_t covered;

	(void)state;
	for (int i = 0; i < 500; i++)
		fprintf(f, "From a@b Mon Jan  5 10:%02d:00 2015\nMessage-ID: <%d@x>\n\n"
			"body %d\n%s\n", i % 60, i, i, i % 7 ? "" : "From the start\n");
	fclose(f);
	split_ok(data, &s);
	assert_int_equal(s.count, 500);
	covered = s.preamble_len;
	for (size_t i = 0; i < s.count; i++) {
		assert_int_equal(s.msgs[i].start, covered);
		covered = s.msgs[i].end;
	}
	assert_int_equal(covered, len);
	mbox_split_release(&s);
	free(data);
}

/* Separators are looked for 16 bytes at a time: one after a body of any
 * length, and one in the last bytes of the file, are all found. */
static void
test_mbox__separators_at_every_offset(void **state)
{
	(void)state;
	for (size_t n = 0; n < 40; n++) {
		char data[512], body[64];
		struct mbox_split s;
		size_t second;

		memset(body, 'b', n);
		body[n] = '\0';
		snprintf(data, sizeof data, MSG(SEP1, "1@x", "%s\n\n"), body);
		second = strlen(data);
		snprintf(data + second, sizeof data - second, "%s",
			 MSG(SEP2, "2@x", "two\n"));
		split_ok(data, &s);
		assert_int_equal(s.count, 2);
		assert_int_equal(s.msgs[1].start, second);
		assert_int_equal(s.msgs[1].end, strlen(data));
		mbox_split_release(&s);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mbox__separators_at_every_offset),
	cmocka_unit_test(test_mbox__from_line_shapes),
	cmocka_unit_test(test_mbox__splits_three_messages),
	cmocka_unit_test(test_mbox__unescaped_from_lines_do_not_split),
	cmocka_unit_test(test_mbox__separator_without_blank_line_is_recorded),
	cmocka_unit_test(test_mbox__detects_variants),
	cmocka_unit_test(test_mbox__content_length_frames_mboxcl2),
	cmocka_unit_test(test_mbox__stale_content_length_is_ignored),
	cmocka_unit_test(test_mbox__contradicting_content_length_is_unsafe),
	cmocka_unit_test(test_mbox__crlf_bom_and_preamble),
	cmocka_unit_test(test_mbox__rejects_non_mbox),
	cmocka_unit_test(test_mbox__short_file_read_within_bounds),
	cmocka_unit_test(test_mbox__spans_cover_every_byte),
};

RUN_TESTS(tests)
