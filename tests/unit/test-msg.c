/* test-msg.c -- header fields, Message-IDs, the MIME walk. */
#include "config.h"

#include "helpers.h"

#include "lib/buf.h"
#include "mail/header.h"
#include "mail/msg.h"
#include "mail/msgid.h"
#include "mail/words.h"

static void
test_msg__iterates_folded_fields(void **state)
{
	const char *hdr = "Subject: a\n b\nX-Empty:\nno colon here\n"
		"To: c@example.org,\r\n\td@example.org\r\nFrom : e\n\nbody\n";
	struct header_iter it;
	struct header_field f;
	static const char *const names[] = { "Subject", "X-Empty", "To", "From" };
	static const char *const values[] = {
		"a\n b", "", "c@example.org,\r\n\td@example.org", "e",
	};
	size_t n = 0;

	(void)state;
	header_iter_init(&it, hdr, strlen(hdr));
	while (header_iter_next(&it, &f)) {
		assert_true(n < N_ELEMENTS(names));
		assert_true(header_name_is(&f, names[n]));
		if (f.value_len != strlen(values[n]) ||
		    memcmp(f.value, values[n], f.value_len) != 0)
			fail_msg("field %zu: got '%.*s'", n, (int)f.value_len, f.value);
		assert_memory_equal(hdr + f.offset, values[n], f.value_len);
		n++;
	}
	assert_int_equal(n, 4);
}

/* A field written "Name : value" (RFC 5322 obsolete syntax) is named
 * alike by the iterator and by header_field_at: an ID stays an ID. */
static void
test_msg__field_at_reads_obsolete_names(void **state)
{
	static const char hdr[] = "Subject: x\nMessage-ID \t: <ann@example.org>\n";
	const char *at = strstr(hdr, "ann@"), *name;
	size_t n;

	(void)state;
	n = header_field_at(hdr, (size_t)(at - hdr), &name);
	assert_int_equal(n, 10);
	assert_true(header_name_is_id(name, n));
	assert_int_equal(header_field_at(hdr, 3, &name), 0);
}

static void
test_msg__finds_header_end(void **state)
{
	size_t body;

	(void)state;
	assert_int_equal(msg_header_end("A: b\n\nx", 7, &body), 6);
	assert_int_equal(body, 6);
	assert_int_equal(msg_header_end("A: b\r\n\r\nx", 9, &body), 8);
	assert_int_equal(msg_header_end("A: b\n", 5, &body), 5);
	assert_int_equal(body, 5);
	assert_int_equal(msg_header_end("\nbody", 5, &body), 1);
}

struct ids {
	char got[8][64];
	size_t n;
};

static int
collect_id(const char *id, size_t len, void *ctx)
{
	struct ids *ids = ctx;

	snprintf(ids->got[ids->n++], 64, "%.*s", (int)len, id);
	return 0;
}

static void
test_msg__reads_message_id_lists(void **state)
{
	static const struct { const char *value; const char *want[4]; } cases[] = {
		{ "<a@x> <b@y>\n\t<c@z>", { "a@x", "b@y", "c@z" } },
		{ "<a@x>", { "a@x" } },
		{ "  bare@id  ", { "bare@id" } },
		{ "<broken\n @fold>", { "broken@fold" } },
		{ "<> <x@y> (comment <not@this>", { "x@y", "not@this" } },
		{ "", { NULL } },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct ids ids = { .n = 0 };
		size_t want = 0;

		msgid_each(cases[i].value, strlen(cases[i].value), collect_id, &ids);
		while (want < 4 && cases[i].want[want])
			want++;
		if (ids.n != want)
			fail_msg("case %zu: %zu IDs, want %zu", i, ids.n, want);
		for (size_t k = 0; k < want; k++)
			assert_string_equal(ids.got[k], cases[i].want[k]);
	}
}

static void
test_msg__normalises_user_ids(void **state)
{
	char *id;

	(void)state;
	id = msgid_normalize("  <abc@example.org> ");
	assert_string_equal(id, "abc@example.org");
	free(id);
	id = msgid_normalize("abc@example.org");
	assert_string_equal(id, "abc@example.org");
	free(id);
	assert_null(msgid_normalize(" <> "));
}

static struct msg_walker *walker;

struct seen_part {
	unsigned int number, flags;
	char text[512];
};

struct walk_log {
	struct seen_part parts[16];
	size_t n;
};

static int
log_part(const struct msg_part *part, void *ctx)
{
	struct walk_log *log = ctx;
	struct seen_part *p = &log->parts[log->n++];

	p->number = part->number;
	p->flags = part->flags;
	snprintf(p->text, sizeof p->text, "%.*s", (int)part->len, part->text);
	return 0;
}

static const struct seen_part *
find_text(const struct walk_log *log, const char *needle)
{
	for (size_t i = 0; i < log->n; i++)
		if (strstr(log->parts[i].text, needle))
			return &log->parts[i];
	return NULL;
}

static const char mime_message[] =
	"From: =?utf-8?q?J=C3=BCrgen_=3Cjm=40example=2Eorg=3E?= <j@example.org>\n"
	"Subject: test\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"==b1\"\n"
	"\n"
	"preamble text\n"
	"--==b1\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"write to soft=\n"
	"break=40example.org please\n"
	"--==b1\n"
	"Content-Type: text/html; charset=utf-8\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"PHA+bWFpbHRvOmh0bWwlNDBleGFtcGxlLm9yZzwvcD4=\n"
	"--==b1\n"
	"Content-Type: application/octet-stream\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"YmluYXJ5QGV4YW1wbGUub3Jn\n"
	"--==b1\n"
	"Content-Type: image/png\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n"
	"--==b1\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: inner@example.org\n"
	"Subject: inner\n"
	"\n"
	"inner body\n"
	"--==b1--\n"
	"epilogue\n";

static void
test_msg__walks_and_decodes_parts(void **state)
{
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;
	const struct seen_part *p;

	(void)state;
	assert_int_equal(msg_walk(walker, mime_message, strlen(mime_message),
				  log_part, &log, &rep), 0);
	assert_int_equal(rep.problem, MSG_PROBLEM_NONE);
	/* quoted-printable, soft line break joined */
	p = find_text(&log, "softbreak@example.org");
	assert_non_null(p);
	assert_true(p->flags & PART_DECODED);
	/* base64 HTML, decoded and flagged */
	p = find_text(&log, "html%40example.org");
	assert_non_null(p);
	assert_true(p->flags & PART_HTML);
	/* RFC 2047 display name decoded into its own header block */
	p = find_text(&log, "jm@example.org");
	assert_non_null(p);
	assert_int_equal(p->number, 0);
	assert_true(p->flags & PART_HEADER);
	/* an attached message's header is searched too */
	assert_non_null(find_text(&log, "inner@example.org"));
	assert_non_null(find_text(&log, "preamble text"));
	assert_non_null(find_text(&log, "epilogue"));
	/* a base64 attachment whose type says binary but which is text
	 * (a list of members sent as application/octet-stream) is searched */
	p = find_text(&log, "binary@example.org");
	assert_non_null(p);
	assert_true(p->flags & PART_SNIFFED);
	assert_true(p->flags & PART_DECODED);
	/* a binary one (a PNG) is not handed over as text */
	assert_null(find_text(&log, "iVBORw0K"));
	assert_null(find_text(&log, "PNG"));
}

static void
test_msg__reports_missing_closing_boundary(void **state)
{
	const char *m = "Content-Type: multipart/mixed; boundary=zz\n\n"
		"--zz\nContent-Type: text/plain\n\nlost@example.org\n";
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;

	(void)state;
	msg_walk(walker, m, strlen(m), log_part, &log, &rep);
	assert_int_equal(rep.problem, MSG_PROBLEM_NO_CLOSING_BOUNDARY);
	assert_non_null(find_text(&log, "lost@example.org"));
}

static void
test_msg__multipart_without_boundary_is_searched_raw(void **state)
{
	const char *m = "Content-Type: multipart/mixed\n\nraw@example.org\n";
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;

	(void)state;
	msg_walk(walker, m, strlen(m), log_part, &log, &rep);
	assert_int_equal(rep.problem, MSG_PROBLEM_NO_BOUNDARY);
	assert_non_null(find_text(&log, "raw@example.org"));
}

static void
test_msg__converts_utf16_text(void **state)
{
	/* "a@b.org" in UTF-16LE, base64 */
	const char *m = "Content-Type: text/plain; charset=utf-16le\n"
		"Content-Transfer-Encoding: base64\n\nYQBAAGIALgBvAHIAZwA=\n";
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;

	(void)state;
	msg_walk(walker, m, strlen(m), log_part, &log, &rep);
	assert_int_equal(rep.problem, MSG_PROBLEM_NONE);
	assert_non_null(find_text(&log, "a@b.org"));
}

static void
test_msg__unknown_encoding_is_searched_raw(void **state)
{
	const char *m = "Content-Transfer-Encoding: x-uuencode\n\nraw@example.org\n";
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;

	(void)state;
	msg_walk(walker, m, strlen(m), log_part, &log, &rep);
	assert_int_equal(rep.problem, MSG_PROBLEM_BAD_ENCODING);
	assert_non_null(find_text(&log, "raw@example.org"));
}

static void
test_msg__decodes_header_values(void **state)
{
	const char *m = "From x Mon Jan  5 10:00:00 2015\n"
		"Subject: =?iso-8859-1?q?caf=E9?=\n  tail\n\nbody\n";
	char *v;

	(void)state;
	v = header_get_decoded(m, strlen(m), "Subject");
	assert_string_equal(v, "café  tail");
	free(v);
	assert_null(header_get_decoded(m, strlen(m), "To"));
}

/* RFC 2047 8's examples, a character split between two words, and the
 * values Mailutils failed on (and leaked): each decodes, or keeps its
 * bytes, and the text around the words is kept. */
static void
test_msg__decodes_encoded_words_as_rfc2047_says(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "=?ISO-8859-1?Q?a?=", "a" },
		{ "=?ISO-8859-1?Q?a?= b", "a b" },
		{ "=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab" },
		{ "=?ISO-8859-1?Q?a?=\n  =?ISO-8859-1?Q?b?=", "ab" },
		{ "=?ISO-8859-1?Q?a_b?=", "a b" },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)" },
		{ "=?utf-8?b?w6k=?= x", "\xc3\xa9 x" },
		/* the two bytes of U+00E9 in two words */
		{ "=?utf-8?q?=C3?= =?utf-8?q?=A9?=", "\xc3\xa9" },
		/* not UTF-8: its bytes, searched as they are */
		{ "=?utf-8?q?ann=FF@example.org?=", "ann\xff@example.org" },
		/* an unknown charset: its bytes */
		{ "=?koi7-r?q?ann@example.org?=", "ann@example.org" },
		/* ... and the words after it decoded once, not twice */
		{ "=?koi7-r?q?a?= =?utf-8?q?b?=", "ab" },
		/* not encoded words (no B or Q; a space in the charset) */
		{ "=?x?b\xff?AGEA?=", "=?x?b\xff?AGEA?=" },
		{ "=?ab cd=?Q?x?=", "=?ab cd=?Q?x?=" },
		{ "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *v = header_decode_value(cases[i].value,
					      strlen(cases[i].value));

		assert_string_equal(v, cases[i].want);
		free(v);
	}
}

static int
make_walker(void **state)
{
	(void)state;
	walker = msg_walker_new();
	return 0;
}

static int
drop_walker(void **state)
{
	(void)state;
	msg_walker_free(&walker);
	return 0;
}

/* Every text part is handed over decoded: a munged address ("ann at
 * x.org") has no '@' and no "=40", and must be found all the same. */
static void
test_msg__every_qp_part_is_decoded(void **state)
{
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\nContent-Transfer-Encoding: quoted-printable\n\nno addr=\nhere\n"
		"--b\nContent-Transfer-Encoding: quoted-printable\n\nann a=\nt x.org\n"
		"--b\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
		"ann&#64;x.org\n--b--\n";
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;

	(void)state;
	msg_walk(walker, m, strlen(m), log_part, &log, &rep);
	assert_non_null(find_text(&log, "no addrhere"));
	assert_non_null(find_text(&log, "ann at x.org"));
	assert_non_null(find_text(&log, "ann&#64;x.org"));
}

/* Words in a charset iconv does not know are kept as their bytes: an
 * address in them reads right (Mailutils would fail the whole value). */
static void
test_msg__unknown_charset_words_as_bytes(void **state)
{
	static const char v[] = "=?koi7-r?B?Qm9iIDxsZWFrQHZpY3RpbS5leGFtcGxlPg==?= "
		"=?x-nosuch?Q?_tail?= end";
	char *d = header_decode_value(v, sizeof v - 1);

	(void)state;
	assert_string_equal(d, "Bob <leak@victim.example> tail end");
	free(d);
}

/* A munged address split over two encoded words is decoded as a run:
 * neither word alone looks like one ("ann a", "t example.org"). */
static void
test_msg__split_munged_address_words_decoded(void **state)
{
	static const char hdr[] = "From: =?utf-8?q?ann_a?= "
		"=?utf-8?q?t_example.org?= <x@example.net>\n";
	struct header_iter it;
	struct header_field f;
	struct buf out = { 0 }, scratch = { 0 };

	(void)state;
	header_iter_init(&it, hdr, sizeof hdr - 1);
	assert_int_equal(header_iter_next(&it, &f), 1);
	assert_int_equal(words_decode_field(&f, &out, &scratch), 0);
	assert_non_null(out.p);
	assert_non_null(strstr(out.p, "ann at example.org"));
	free(out.p);
	free(scratch.p);
}

/* The end of the header, found 16 bytes at a time, against the plain
 * reading of RFC 5322 (the first empty line), for every length of first
 * line, LF and CRLF, with and without a body. */
static size_t
naive_header_end(const char *p, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl;

		if (p[pos] == '\n')
			return pos + 1;
		if (p[pos] == '\r' && pos + 1 < len && p[pos + 1] == '\n')
			return pos + 2;
		nl = memchr(p + pos, '\n', len - pos);
		if (nl == NULL)
			break;
		pos = (size_t)(nl - p) + 1;
	}
	return len;
}

static void
test_msg__header_end_at_every_offset(void **state)
{
	static const char *const ends[] = { "\n", "\r\n" };
	static const char *const bodies[] = { "", "body\n", "\n\n", "\r" };

	(void)state;
	for (size_t e = 0; e < N_ELEMENTS(ends); e++)
		for (size_t b = 0; b < N_ELEMENTS(bodies); b++)
			for (size_t n = 0; n < 50; n++) {
				char m[256];
				size_t len, body, got;

				snprintf(m, sizeof m, "A: %.*s%sB: c%s%s%s", (int)n,
					 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
					 ends[e], ends[e], n % 2 ? ends[e] : "",
					 bodies[b]);
				len = strlen(m);
				got = msg_header_end(m, len, &body);
				if (got != naive_header_end(m, len) || body != got)
					fail_msg("'%s': %zu, want %zu", m, got,
						 naive_header_end(m, len));
			}
}

/* The walk reads each header once and decodes only what it must; what
 * only an encoded part holds is still handed over as text. */
static void
test_msg__hits_only_in_encoded_parts(void **state)
{
	const char *m =
		"Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\nnothing here\n"
		/* "write to ann@example.org" */
		"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
		"d3JpdGUgdG8gYW5uQGV4YW1wbGUub3Jn\n"
		/* a text sent as a binary type: "list: bob@example.net" */
		"--b\nContent-Type: application/octet-stream\n"
		"Content-Transfer-Encoding: base64\n\nbGlzdDogYm9iQGV4YW1wbGUubmV0\n"
		/* a munged form cut by a soft line break */
		"--b\nContent-Type: text/plain\n"
		"Content-Transfer-Encoding: quoted-printable\n\n"
		"mail cy a=\nt example.com or dy=28at)example.com\n--b--\n";
	struct walk_log log = { .n = 0 };
	struct msg_walk_report rep;
	const struct seen_part *p;

	(void)state;
	msg_walk(walker, m, strlen(m), log_part, &log, &rep);
	assert_int_equal(rep.problem, MSG_PROBLEM_NONE);
	p = find_text(&log, "ann@example.org");
	assert_non_null(p);
	assert_true(p->flags & PART_DECODED);
	p = find_text(&log, "bob@example.net");
	assert_non_null(p);
	assert_true(p->flags & PART_SNIFFED);
	assert_non_null(find_text(&log, "cy at example.com"));
	assert_non_null(find_text(&log, "dy(at)example.com"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_msg__header_end_at_every_offset),
	cmocka_unit_test(test_msg__hits_only_in_encoded_parts),
	cmocka_unit_test(test_msg__split_munged_address_words_decoded),
	cmocka_unit_test(test_msg__unknown_charset_words_as_bytes),
	cmocka_unit_test(test_msg__every_qp_part_is_decoded),
	cmocka_unit_test(test_msg__iterates_folded_fields),
	cmocka_unit_test(test_msg__field_at_reads_obsolete_names),
	cmocka_unit_test(test_msg__finds_header_end),
	cmocka_unit_test(test_msg__reads_message_id_lists),
	cmocka_unit_test(test_msg__normalises_user_ids),
	cmocka_unit_test(test_msg__walks_and_decodes_parts),
	cmocka_unit_test(test_msg__reports_missing_closing_boundary),
	cmocka_unit_test(test_msg__multipart_without_boundary_is_searched_raw),
	cmocka_unit_test(test_msg__converts_utf16_text),
	cmocka_unit_test(test_msg__unknown_encoding_is_searched_raw),
	cmocka_unit_test(test_msg__decodes_header_values),
	cmocka_unit_test(test_msg__decodes_encoded_words_as_rfc2047_says),
};

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, make_walker, drop_walker);
}
