/* test-pm-database.c -- a pipermail volume's marshal files, built here by
 * a small encoder: pages dropped with every other entry kept byte for
 * byte, namesakes, hostile bytes, tokens redacted in every form and
 * place, and a volume of the real corpus checked by Python's own
 * marshal. */
#include "config.h"

#include "helpers.h"

#include <stdbool.h>
#include <strings.h>

#include "act/pm-database.h"
#include "act/pm-edits.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"

#define VOL "2010-May"

enum { ARTICLE, DATE, AUTHOR, SUBJECT, THREAD, KINDS };

static const char *const kinds[KINDS] = {
	"article", "date", "author", "subject", "thread",
};

struct msg {
	const char *page, *msgid, *date, *author, *subject, *thread;
	bool no_record;         /* its article record was overwritten */
};

static const struct msg three[] = {
	{ "000001.html", "a1@x.example", "01273501533", "Mayers, Phil",
	  "newbie question", "01273501533/a1@x.example-", false },
	{ "000002.html", "b2@y.example", "01273502679", "S\xc3\xa9" "bastien, L",
	  "re: newbie question", "01273501533/a1@x.example-01273502679/b2@y"
	  ".example-", false },
	{ "000003.html", "c3@z.example", "01273600000", "Campos, Oscar",
	  "deferred\t(reformatted)", "01273600000/c3@z.example-", false },
};

/* ---- a small marshal encoder ------------------------------------- */

static void
m_i32(struct buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char le[4] = { u & 0xff, u >> 8 & 0xff, u >> 16 & 0xff,
				u >> 24 & 0xff };

	buf_add(b, le, 4);
}

static void
m_str(struct buf *b, char type, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = strlen(s);
	buf_add(b, &type, 1);
	m_i32(b, (int32_t)len);
	buf_add(b, s, len);
}

static void
m_tuple(struct buf *b, int32_t n)
{
	buf_str(b, "(");
	m_i32(b, n);
}

/* "key\0tail", as the pre-2.0 keys are */
static void
m_nul_key(struct buf *b, const char *key, const char *tail)
{
	struct buf k = { 0 };

	buf_str(&k, key);
	buf_add(&k, "", 1);
	buf_str(&k, tail);
	m_str(b, 's', k.p, k.len);
	buf_release(&k);
}

/* The article pickle as Mailman 2.1 writes it (protocol 0, shortened). */
static char *
pickle(const struct msg *m)
{
	char *p;

	if (asprintf(&p, "(iMailman.Archiver.HyperArch\nArticle\np1\n(dp2\n"
		     "S'body'\np3\n(lp4\nsS'msgid'\np5\nS'%s'\np6\n"
		     "sS'date'\np7\nS'%s'\np8\nsS'subject'\np9\nS'[l] %s'\n"
		     "p10\nsS'filename'\np11\nS'%s'\np12\nsS'headers'\np13\n"
		     "(dp14\nsb.", m->msgid, m->date, m->subject, m->page) < 0)
		abort();
	return p;
}

/* One entry of kind for m: Mailman 2.1 tuple keys, or pre-2.0 strings. */
static void
m_entry(struct buf *b, int kind, const struct msg *m, bool old)
{
	char *p;

	switch (kind) {
	case ARTICLE:
		p = pickle(m);
		m_str(b, 's', m->msgid, SIZE_MAX);
		m_str(b, 's', p, SIZE_MAX);
		free(p);
		return;
	case DATE:
		if (old) {
			m_str(b, 's', m->date, SIZE_MAX);
		} else {
			m_tuple(b, 2);
			m_str(b, 's', m->date, SIZE_MAX);
			m_str(b, 's', m->msgid, SIZE_MAX);
		}
		break;
	case AUTHOR:
	case SUBJECT:
		if (old) {
			m_nul_key(b, kind == AUTHOR ? m->author : m->subject,
				  m->date);
		} else {
			m_tuple(b, 3);
			/* an author RFC 2047 decoded is unicode */
			m_str(b, kind == AUTHOR ? 'u' : 's',
			      kind == AUTHOR ? m->author : m->subject, SIZE_MAX);
			m_str(b, 's', m->date, SIZE_MAX);
			m_str(b, 's', m->msgid, SIZE_MAX);
		}
		break;
	case THREAD:
		if (old) {
			m_nul_key(b, m->thread, m->msgid);
		} else {
			m_tuple(b, 2);
			m_str(b, 's', m->thread, SIZE_MAX);
			m_str(b, 's', m->msgid, SIZE_MAX);
		}
		break;
	}
	m_str(b, 's', m->msgid, SIZE_MAX);
}

/* An entry of every other code a reader must take, for no message. */
static void
m_odd_entry(struct buf *b)
{
	static const unsigned char lng[] = { 'l', 0xfe, 0xff, 0xff, 0xff,
					     0x34, 0x12, 0x01, 0x00 };

	m_tuple(b, 2);
	m_str(b, 's', "zz", SIZE_MAX);
	buf_str(b, "N");
	m_tuple(b, 6);
	buf_str(b, "i");
	m_i32(b, -7);
	buf_str(b, "TF");
	buf_add(b, lng, sizeof lng);    /* -(0x1234 + (1 << 15)) */
	buf_str(b, "{");
	m_str(b, 's', "k", SIZE_MAX);
	m_str(b, 'u', "v\xe2\x82\xac", SIZE_MAX);
	buf_str(b, "0");
	m_str(b, 's', "", 0);
}

/* The file of kind for msgs but those in skip (a bit per index). */
static struct buf
m_file(int kind, const struct msg *msgs, size_t n, unsigned skip, bool old)
{
	struct buf b = { 0 };

	buf_str(&b, "{");
	for (size_t i = 0; i < n; i++) {
		if (i == 1 && kind == THREAD)
			m_odd_entry(&b);
		if (skip & 1u << i)
			continue;
		if (kind == ARTICLE && msgs[i].no_record)
			continue;
		m_entry(&b, kind, &msgs[i], old);
	}
	buf_str(&b, "0");
	return b;
}

/* ---- fixtures ----------------------------------------------------- */

struct fx {
	char *dir;
	struct pm_edits edits;
	struct errbuf err;
	size_t no_record;
};

static char *
db_name(int kind)
{
	char *name;

	if (asprintf(&name, "database/" VOL "-%s", kinds[kind]) < 0)
		abort();
	return name;
}

static char *
db_path(const struct fx *fx, int kind)
{
	char *path;

	if (asprintf(&path, "%s/database/" VOL "-%s", fx->dir,
		     kinds[kind]) < 0)
		abort();
	return path;
}

static void
put(struct fx *fx, int kind, const char *data, size_t len)
{
	char *name = db_name(kind);

	free(test_write(fx->dir, name, data, len));
	free(name);
}

static void
put_volume(struct fx *fx, const struct msg *msgs, size_t n, bool old)
{
	for (int k = 0; k < KINDS; k++) {
		struct buf b = m_file(k, msgs, n, 0, old);

		put(fx, k, b.p, b.len);
		buf_release(&b);
	}
}

static void
fx_start(struct fx *fx)
{
	memset(fx, 0, sizeof *fx);
	fx->dir = test_tempdir();
}

static void
fx_end(struct fx *fx)
{
	pm_edits_release(&fx->edits);
	test_rmtree(fx->dir);
	free(fx->dir);
}

static int
drop(struct fx *fx, const char *page)
{
	char *pages[] = { (char *)page };

	return pm_database_drop(fx->dir, VOL, pages, 1, &fx->edits,
				&fx->no_record, &fx->err);
}

static struct pm_edit *
edit_of(struct fx *fx, int kind)
{
	char *path = db_path(fx, kind);
	struct pm_edit *ed = pm_edits_find(&fx->edits, path);

	free(path);
	return ed;
}

/* The edit of kind holds exactly want, with dropped entries taken out. */
static void
assert_edit(struct fx *fx, int kind, const struct buf *want, size_t dropped)
{
	struct pm_edit *ed = edit_of(fx, kind);

	if (ed == NULL)
		fail_msg("no edit of %s", kinds[kind]);
	assert_int_equal(ed->kind, PM_EDIT_DATABASE);
	assert_int_equal(ed->dropped, dropped);
	assert_int_equal(ed->len, want->len);
	assert_memory_equal(ed->data, want->p, want->len);
}

/* The error names the file of kind and says at which byte. */
static void
assert_bad(struct fx *fx, int kind, const char *page, long byte)
{
	char *path = db_path(fx, kind), at[40];

	assert_int_equal(drop(fx, page), -1);
	if (strstr(fx->err.msg, path) == NULL)
		fail_msg("'%s' does not name %s", fx->err.msg, path);
	if (byte >= 0) {
		snprintf(at, sizeof at, "byte %ld:", byte);
		if (strstr(fx->err.msg, at) == NULL)
			fail_msg("'%s' does not say %s", fx->err.msg, at);
	}
	assert_int_equal(fx->edits.count, 0);
	free(path);
}

/* ---- tests -------------------------------------------------------- */

static void
check_drop_each(bool old)
{
	for (size_t i = 0; i < N_ELEMENTS(three); i++) {
		struct fx fx;

		fx_start(&fx);
		put_volume(&fx, three, N_ELEMENTS(three), old);
		assert_int_equal(drop(&fx, three[i].page), 0);
		assert_int_equal(fx.no_record, 0);
		assert_int_equal(fx.edits.count, KINDS);
		for (int k = 0; k < KINDS; k++) {
			struct buf want = m_file(k, three, N_ELEMENTS(three),
						 1u << i, old);

			assert_edit(&fx, k, &want, 1);
			buf_release(&want);
		}
		fx_end(&fx);
	}
}

static void
test_pm_database__tuple_keys_drop_one_keep_the_rest(void **state)
{
	(void)state;
	check_drop_each(false);
}

static void
test_pm_database__nul_string_keys_drop_one_keep_the_rest(void **state)
{
	(void)state;
	check_drop_each(true);
}

/* Two pages, one Message-ID: the later record overwrote the earlier,
 * whose index entries stay (another date); the thread goes by msgid. */
static void
test_pm_database__namesakes(void **state)
{
	static const struct msg msgs[] = {
		{ "000001.html", "a@x", "01139000000", "A, B", "s1", "t1", false },
		{ "000002.html", "dup@x", "01139002554", "Reid, D", "s2", "t2",
		  true },
		{ "000003.html", "dup@x", "01139002584", "Reid, D", "s2", "t3",
		  false },
	};
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_volume(&fx, msgs, N_ELEMENTS(msgs), false);
	assert_int_equal(drop(&fx, "000002.html"), 0);
	assert_int_equal(fx.no_record, 1);
	assert_int_equal(fx.edits.count, 0);

	assert_int_equal(drop(&fx, "000003.html"), 0);
	assert_int_equal(fx.no_record, 0);
	for (int k = 0; k < KINDS; k++) {
		unsigned skip = k == THREAD ? 6 : 4;
		struct buf want = m_file(k, msgs, N_ELEMENTS(msgs), skip, false);

		assert_edit(&fx, k, &want, k == THREAD ? 2 : 1);
		buf_release(&want);
	}
	fx_end(&fx);
}

static void
test_pm_database__no_record_and_missing_files(void **state)
{
	struct fx fx;
	struct buf b;

	(void)state;
	fx_start(&fx);
	/* no database at all: every page lacks its record */
	assert_int_equal(drop(&fx, "000001.html"), 0);
	assert_int_equal(fx.no_record, 1);

	for (int k = ARTICLE; k <= DATE; k++) {
		b = m_file(k, three, N_ELEMENTS(three), 0, false);
		put(&fx, k, b.p, b.len);
		buf_release(&b);
	}
	assert_int_equal(drop(&fx, "000099.html"), 0);
	assert_int_equal(fx.no_record, 1);
	assert_int_equal(fx.edits.count, 0);

	assert_int_equal(drop(&fx, "000002.html"), 0);
	assert_int_equal(fx.no_record, 0);
	assert_int_equal(fx.edits.count, 2);
	for (int k = ARTICLE; k <= DATE; k++) {
		b = m_file(k, three, N_ELEMENTS(three), 2, false);
		assert_edit(&fx, k, &b, 1);
		buf_release(&b);
	}
	fx_end(&fx);
}

/* Several pages at once, and a second call extending the first's edits. */
static void
test_pm_database__several_pages_and_calls(void **state)
{
	char *pages[] = { "000003.html", "000404.html", "000001.html" };
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_volume(&fx, three, N_ELEMENTS(three), false);
	assert_int_equal(pm_database_drop(fx.dir, VOL, pages, 3, &fx.edits,
					  &fx.no_record, &fx.err), 0);
	assert_int_equal(fx.no_record, 1);
	for (int k = 0; k < KINDS; k++) {
		struct buf want = m_file(k, three, N_ELEMENTS(three), 5, false);

		assert_edit(&fx, k, &want, 2);
		buf_release(&want);
	}
	assert_int_equal(drop(&fx, "000002.html"), 0);
	assert_int_equal(fx.edits.count, KINDS);
	for (int k = 0; k < KINDS; k++) {
		struct buf want = m_file(k, three, N_ELEMENTS(three), 7, false);

		assert_edit(&fx, k, &want, 3);
		buf_release(&want);
	}
	fx_end(&fx);
}

static void
put_article(struct fx *fx, const char *msgid, const char *pk)
{
	struct buf b = { 0 };

	buf_str(&b, "{");
	m_str(&b, 's', msgid, SIZE_MAX);
	m_str(&b, 's', pk, SIZE_MAX);
	buf_str(&b, "0");
	put(fx, ARTICLE, b.p, b.len);
	buf_release(&b);
}

/* The pickle read as text: either quote, the memo put optional; a
 * filename only a memo reference gives cannot be tied; a tied record
 * without a date stops the run. */
static void
test_pm_database__pickle_forms(void **state)
{
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_article(&fx, "m@x", "(dp1\nS\"date\"\nS\"01273501533\"\np2\n"
		    "sS\"filename\"\nS\"000007.html\"\nsb.");
	assert_int_equal(drop(&fx, "000007.html"), 0);
	assert_int_equal(fx.no_record, 0);
	assert_non_null(edit_of(&fx, ARTICLE));
	assert_int_equal(edit_of(&fx, ARTICLE)->len, 2);
	pm_edits_release(&fx.edits);

	/* 000007.html only as a list item and after a memo reference (g):
	 * not tied */
	put_article(&fx, "m@x", "(dp1\nS'filename'\np2\nS'000006.html'\np3\n"
		    "sS'date'\np4\nS'01273501533'\np5\nsS'x'\np6\n(lp7\n"
		    "g2\naS'000007.html'\np8\nasg3\nS'000007.html'\nsb.");
	assert_int_equal(drop(&fx, "000007.html"), 0);
	assert_int_equal(fx.no_record, 1);
	assert_int_equal(fx.edits.count, 0);
	/* a string holding the pattern, its newlines escaped */
	put_article(&fx, "m@x", "(dp1\nS\"S'filename'\\np2\\nS'000007.html'\"\n"
		    "p2\nsS'date'\np3\nS'01273501533'\np4\nsb.");
	assert_int_equal(drop(&fx, "000007.html"), 0);
	assert_int_equal(fx.no_record, 1);

	put_article(&fx, "m@x", "(dp1\nS'filename'\np2\nS'000007.html'\np3\n"
		    "sS'date'\np4\ng3\nsb.");
	assert_bad(&fx, ARTICLE, "000007.html", -1);
	assert_non_null(strstr(fx.err.msg, "no date"));
	fx_end(&fx);
}

/* Bytes that are not Mailman's marshal: -1, the file and byte named. */
static void
test_pm_database__hostile_bytes(void **state)
{
	struct buf good = m_file(DATE, three, N_ELEMENTS(three), 0, false);
	struct buf b = { 0 };
	struct fx fx;
	size_t at;

	(void)state;
	fx_start(&fx);
	put_volume(&fx, three, N_ELEMENTS(three), false);

	/* cut anywhere */
	for (size_t len = 0; len < good.len; len++) {
		put(&fx, DATE, good.p, len);
		assert_bad(&fx, DATE, "000001.html", -1);
	}
	/* trailing data */
	buf_add(&b, good.p, good.len);
	buf_str(&b, "0");
	put(&fx, DATE, b.p, b.len);
	assert_bad(&fx, DATE, "000001.html", (long)good.len);

	/* a type code that is not Mailman's: Python 3's FLAG_REF, ')' */
	for (int c = 0; c < 2; c++) {
		memcpy(b.p, good.p, good.len);
		b.p[1] = c ? ')' : (char)('(' | 0x80);
		put(&fx, DATE, b.p, good.len);
		assert_bad(&fx, DATE, "000001.html", 1);
	}
	/* a string length past the end, and a negative one: the first
	 * entry is ( n, s date, ...: its first string at byte 6 */
	memcpy(b.p, good.p, good.len);
	b.p[9] = 0x01;
	put(&fx, DATE, b.p, good.len);
	assert_bad(&fx, DATE, "000001.html", 6);
	b.p[9] = 0;
	b.p[10] = (char)0x80;
	put(&fx, DATE, b.p, good.len);
	assert_bad(&fx, DATE, "000001.html", 6);
	/* a tuple of more items than bytes */
	b.p[10] = 0;
	b.p[4] = 0x7f;
	put(&fx, DATE, b.p, good.len);
	assert_bad(&fx, DATE, "000001.html", 1);

	/* not a dict; empty; a null object as a value; bad UTF-8 */
	put(&fx, DATE, "s\0\0\0\0", 5);
	assert_bad(&fx, DATE, "000001.html", 0);
	put(&fx, DATE, "", 0);
	assert_bad(&fx, DATE, "000001.html", 0);
	put(&fx, DATE, "{N00", 4);
	assert_bad(&fx, DATE, "000001.html", 2);
	buf_reset(&b);
	buf_str(&b, "{");
	m_str(&b, 'u', "\xc3(", SIZE_MAX);
	buf_str(&b, "N0");
	put(&fx, DATE, b.p, b.len);
	assert_bad(&fx, DATE, "000001.html", 1);
	/* an 'R' with no 't' before it */
	put(&fx, DATE, "{R\0\0\0\0N0", 8);
	assert_bad(&fx, DATE, "000001.html", 1);
	/* a long with a digit past 15 bits */
	put(&fx, DATE, "{l\1\0\0\0\0\x80N0", 10);
	assert_bad(&fx, DATE, "000001.html", 6);
	/* nested deeper than anything Mailman writes */
	buf_reset(&b);
	buf_str(&b, "{");
	for (int i = 0; i < 1000; i++)
		m_tuple(&b, 1);
	buf_str(&b, "N");
	buf_str(&b, "N0");
	put(&fx, DATE, b.p, b.len);
	assert_bad(&fx, DATE, "000001.html", -1);
	assert_non_null(strstr(fx.err.msg, "nested"));

	/* the article file too */
	at = strlen("{");
	put(&fx, DATE, good.p, good.len);
	put(&fx, ARTICLE, "{s\xff\xff\xff\x7f", 6);
	assert_bad(&fx, ARTICLE, "000001.html", (long)at);

	buf_release(&b);
	buf_release(&good);
	fx_end(&fx);
}

/* 't' strings are numbered by their place and 'R' names them: such a
 * file is read (R resolved) but never cut; one with nothing to drop is
 * fine. */
static void
test_pm_database__interned_strings(void **state)
{
	struct buf b = { 0 };
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_volume(&fx, three, N_ELEMENTS(three), false);

	/* three[1] and three[2] in 2.1 form, the msgids interned */
	buf_str(&b, "{");
	for (int i = 1; i < 3; i++) {
		m_tuple(&b, 2);
		m_str(&b, 's', three[i].date, SIZE_MAX);
		m_str(&b, 't', three[i].msgid, SIZE_MAX);
		buf_str(&b, "R");
		m_i32(&b, i - 1);
	}
	buf_str(&b, "0");
	put(&fx, DATE, b.p, b.len);
	assert_int_equal(drop(&fx, "000001.html"), 0);
	assert_null(edit_of(&fx, DATE));
	assert_int_equal(fx.edits.count, KINDS - 1);
	pm_edits_release(&fx.edits);

	assert_bad(&fx, DATE, "000002.html", -1);
	assert_non_null(strstr(fx.err.msg, "bin/arch --wipe"));
	buf_release(&b);
	fx_end(&fx);
}

/* ---- redaction ---------------------------------------------------- */

#define MARKER "[redacted]"

/* A string as the file holds it, and as redaction must leave it. */
struct two {
	const char *in, *out;
};

#define SAME(s) { s, s }

static char *const leak_tokens[] = {
	"Jo.Doe@Example.org", "S\xc3\xa9" "bastien", "Micha\xc5\x82",
};

/* Every form of them these files may hold, for the checks. */
static char *const leak_forms[] = {
	"jo.doe@example.org", "jo.doe at example.org", "jo.doe%40example.org",
	"jo.doe&#64;example.org", "S\xc3\xa9" "bastien", "S\\xc3\\xa9" "bastien",
	"S\xe9" "bastien", "S\\xe9" "bastien", "Micha\xc5\x82",
	"Micha\\xc5\\x82", "Micha\\u0142",
};

struct leak_msg {
	struct two msgid, author, subject, thread;
	const char *date, *page;
	struct two pk[6];       /* the pickle's own slots, in order */
};

/* A record as Mailman 2.1 writes it, shortened: decoded email and
 * author (V), msgid, date, filename, email, author, two html_body lines
 * (the E2 era). */
static const char leak_pickle_fmt[] =
	"(iMailman.Archiver.HyperArch\nArticle\np1\n(dp2\nS'decoded'\np3\n"
	"(dp4\nS'email'\np5\nV%s\np6\nsS'author'\np7\nV%s\np8\nssS'msgid'\n"
	"p9\nS'%s'\np10\nsS'date'\np11\nS'%s'\np12\nsS'filename'\np13\n"
	"S'%s'\np14\nsg5\nS'%s'\np15\nsg7\nS'%s'\np16\nsS'html_body'\np17\n"
	"(lp18\nS'%s'\np19\naS'%s'\np20\nasb.";

static const struct leak_msg leaky[] = {
	{ SAME("a1@x.example"),
	  { "S\xc3\xa9" "bastien, Jo <jo.doe@example.org>",
	    MARKER ", Jo <" MARKER ">" },
	  { "mail jo.doe at example.org", "mail " MARKER },
	  SAME("01273501533/a1@x.example-"), "01273501533", "000001.html",
	  { { "jo.doe at example.org", MARKER },
	    { "S\xe9" "bastien Micha\\u0142", MARKER " " MARKER },
	    { "JO.DOE AT EXAMPLE.ORG", MARKER },
	    { "S\\xc3\\xa9" "bastien Micha\\xc5\\x82", MARKER " " MARKER },
	    { "<a href=\"mailto:jo.doe%40example.org\">jo.doe&#64;example.org"
	      "</a>\\n", "<a href=\"mailto:" MARKER "\">" MARKER "</a>\\n" },
	    { "Jo.Doe@Example.org wrote:\\njo.doe@example.orgx",
	      MARKER " wrote:\\n" MARKER "x" } } },
	/* nothing of the tokens: every byte as it was */
	{ SAME("b2@y.example"), SAME("Lefkowitz, Glyph"),
	  SAME("re: mail"), SAME("01273501533/a1@x.example-01273502679/b2@y"
				 ".example-"), "01273502679", "000002.html",
	  { SAME("glyph at example.com"), SAME("Glyph Lefkowitz"),
	    SAME("glyph at example.com"), SAME("Glyph Lefkowitz"),
	    SAME("Jo Doe wrote:"), SAME("> S\\xc3\\xa9" "b") } },
	/* a Message-ID that holds the address, in every file */
	{ { "20100601.jo.doe@example.org", "20100601." MARKER },
	  SAME("Campos, Oscar"), SAME("deferred\t(reformatted)"),
	  { "01273600000/20100601.jo.doe@example.org-",
	    "01273600000/20100601." MARKER "-" },
	  "01273600000", "000003.html",
	  { SAME("oscar at example.net"), SAME("Oscar Campos"),
	    SAME("oscar at example.net"), SAME("Oscar Campos"), SAME(""),
	    SAME("") } },
};

struct lfile {
	struct buf b;
	bool after;             /* the strings as redaction leaves them */
	size_t changed;
};

static void
l_str(struct lfile *lf, char type, struct two s)
{
	lf->changed += strcmp(s.in, s.out) != 0;
	m_str(&lf->b, type, lf->after ? s.out : s.in, SIZE_MAX);
}

static void
l_pickle(struct lfile *lf, const struct leak_msg *m)
{
	char *s[2];

	for (int k = 0; k < 2; k++) {
#define SLOT(t) (k ? (t).out : (t).in)
		if (asprintf(&s[k], leak_pickle_fmt, SLOT(m->pk[0]),
			     SLOT(m->pk[1]), SLOT(m->msgid), m->date, m->page,
			     SLOT(m->pk[2]), SLOT(m->pk[3]), SLOT(m->pk[4]),
			     SLOT(m->pk[5])) < 0)
			abort();
#undef SLOT
	}
	l_str(lf, 's', (struct two){ s[0], s[1] });
	free(s[0]);
	free(s[1]);
}

/* The file of kind for leaky, with odd entries: one of every other code
 * (author), and a nested dict whose unicode value holds the address
 * (subject). */
static struct lfile
leak_file(int kind, bool after)
{
	struct lfile lf = { .after = after };

	buf_str(&lf.b, "{");
	for (size_t i = 0; i < N_ELEMENTS(leaky); i++) {
		const struct leak_msg *m = &leaky[i];

		switch (kind) {
		case ARTICLE:
			l_str(&lf, 's', m->msgid);
			l_pickle(&lf, m);
			continue;
		case DATE:
			m_tuple(&lf.b, 2);
			m_str(&lf.b, 's', m->date, SIZE_MAX);
			break;
		case AUTHOR:
		case SUBJECT:
			m_tuple(&lf.b, 3);
			l_str(&lf, kind == AUTHOR ? 'u' : 's',
			      kind == AUTHOR ? m->author : m->subject);
			m_str(&lf.b, 's', m->date, SIZE_MAX);
			break;
		case THREAD:
			m_tuple(&lf.b, 2);
			l_str(&lf, 's', m->thread);
			break;
		}
		l_str(&lf, 's', m->msgid);
		l_str(&lf, 's', m->msgid);
	}
	if (kind == AUTHOR)
		m_odd_entry(&lf.b);
	if (kind == SUBJECT) {
		m_tuple(&lf.b, 2);
		m_str(&lf.b, 's', "zz", SIZE_MAX);
		buf_str(&lf.b, "N{");
		m_str(&lf.b, 's', "k", SIZE_MAX);
		l_str(&lf, 'u', (struct two){
			"to JO.DOE@example.org \xe2\x82\xac",
			"to " MARKER " \xe2\x82\xac" });
		buf_str(&lf.b, "0");
	}
	buf_str(&lf.b, "0");
	return lf;
}

static int
redact(struct fx *fx, char *const *tokens, size_t n)
{
	return pm_database_redact(fx->dir, VOL, tokens, n, MARKER, &fx->edits,
				  &fx->err);
}

/* Does p[0..len) hold any of forms, ASCII letters in any case? */
static bool
holds_form(const char *p, size_t len, char *const *forms, size_t n)
{
	for (size_t i = 0; i < len; i++)
		for (size_t k = 0; k < n; k++) {
			size_t fl = strlen(forms[k]);

			if (fl <= len - i && strncasecmp(p + i, forms[k], fl) == 0)
				return true;
		}
	return false;
}

struct pyresult {
	long old_n, new_n;      /* entries */
	int same_bytes;         /* marshal version 2 writes it back so, as
				   it did the old one (hand-made files
				   hold longs it writes as ints) */
	int kept;               /* each string without a form is as it was,
				   none with one keeps it */
	long left;              /* strings that hold a form */
};

/* Python 3 reads the old file and the new one (article: unpickling each
 * record, with a class that is not Mailman's, its attribute names aside)
 * and compares their strings in order. */
static struct pyresult
python_redacted(const char *old, const char *path, bool article,
		char *const *forms, size_t n)
{
	static const char script[] =
		"import io,marshal,os,pickle,sys\n"
		"class D:\n"
		"    def __init__(s,*a): pass\n"
		"class U(pickle.Unpickler):\n"
		"    def find_class(s,m,n): return D\n"
		"fs=[os.fsencode(f).lower() for f in sys.argv[4:]]\n"
		"has=lambda b: any(f in b.lower() for f in fs)\n"
		"def flat(o,rec):\n"
		"    if isinstance(o,bytes): return [o]\n"
		"    if isinstance(o,str): return [o.encode('utf-8','surrogatepass')]\n"
		"    if isinstance(o,D): return flat(o.__dict__,rec)\n"
		"    if isinstance(o,(tuple,list)): return [x for i in o for x in flat(i,rec)]\n"
		"    if isinstance(o,dict): return [x for k,v in o.items() for x in (flat(v,rec) if rec else flat(k,rec)+flat(v,rec))]\n"
		"    return []\n"
		"art=sys.argv[3]=='1'\n"
		"b=open(sys.argv[2],'rb').read()\n"
		"o=marshal.loads(open(sys.argv[1],'rb').read());n=marshal.loads(b)\n"
		"so=[];sn=[]\n"
		"for (ok,ov),(nk,nv) in zip(o.items(),n.items()):\n"
		"    so+=flat(ok,0);sn+=flat(nk,0)\n"
		"    if art: ov=U(io.BytesIO(ov),encoding='bytes').load();nv=U(io.BytesIO(nv),encoding='bytes').load()\n"
		"    so+=flat(ov,art);sn+=flat(nv,art)\n"
		"kept=len(so)==len(sn) and all(has(y)==0 if has(x) else x==y for x,y in zip(so,sn))\n"
		"ob=open(sys.argv[1],'rb').read()\n"
		"same=(marshal.dumps(n,2)==b)==(marshal.dumps(o,2)==ob)\n"
		"print(len(o),len(n),int(same),int(kept),sum(map(has,sn)))\n";
	struct pyresult r;
	struct buf cmd = { 0 };
	FILE *p;
	int got;

	buf_addf(&cmd, "python3 -c \"$PM_REDACTED\" '%s' '%s' %d", old, path,
		 article);
	for (size_t i = 0; i < n; i++) {
		assert_null(strchr(forms[i], '\''));
		buf_addf(&cmd, " '%s'", forms[i]);
	}
	setenv("PM_REDACTED", script, 1);
	p = popen(cmd.p, "r");
	assert_non_null(p);
	got = fscanf(p, "%ld %ld %d %d %ld", &r.old_n, &r.new_n, &r.same_bytes,
		     &r.kept, &r.left);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(got, 5);
	buf_release(&cmd);
	return r;
}

/* The edit ed of kind, read by Python against the file it replaces;
 * and its bytes hold no form, unless names (attribute names) may. */
static void
assert_python_redacted(struct fx *fx, const struct pm_edit *ed, int kind,
		       char *const *forms, size_t n, bool names)
{
	char *name, *out;
	struct pyresult r;

	if (asprintf(&name, "new-%s", kinds[kind]) < 0)
		abort();
	out = test_write(fx->dir, name, ed->data, ed->len);
	r = python_redacted(ed->path, out, kind == ARTICLE, forms, n);
	if (r.new_n != r.old_n || !r.same_bytes || !r.kept || r.left != 0)
		fail_msg("%s: %ld entries of %ld, rewritten the same: %d, the "
			 "rest kept: %d, strings with a form: %ld", kinds[kind],
			 r.new_n, r.old_n, r.same_bytes, r.kept, r.left);
	if (!names && holds_form(ed->data, ed->len, forms, n))
		fail_msg("%s: a form is left in its bytes", kinds[kind]);
	free(name);
	free(out);
}

static bool
have_python(void)
{
	return system("python3 -c '' 2>/dev/null") == 0;
}

static void
test_pm_database__redact_every_form(void **state)
{
	struct fx fx;

	(void)state;
	fx_start(&fx);
	for (int k = 0; k < KINDS; k++) {
		struct lfile lf = leak_file(k, false);

		put(&fx, k, lf.b.p, lf.b.len);
		buf_release(&lf.b);
	}
	if (redact(&fx, leak_tokens, N_ELEMENTS(leak_tokens)) < 0)
		fail_msg("%s", fx.err.msg);
	assert_int_equal(fx.edits.count, KINDS);
	for (int k = 0; k < KINDS; k++) {
		struct lfile want = leak_file(k, true);

		assert_true(want.changed > 0);
		assert_edit(&fx, k, &want.b, want.changed);
		if (have_python())
			assert_python_redacted(&fx, edit_of(&fx, k), k,
					       leak_forms,
					       N_ELEMENTS(leak_forms), false);
		buf_release(&want.b);
	}
	fx_end(&fx);
}

static void
test_pm_database__redact_nothing_to_do(void **state)
{
	char *none[] = { "nobody@nowhere.example", "" };
	struct fx fx;

	(void)state;
	fx_start(&fx);
	/* no database at all */
	assert_int_equal(redact(&fx, leak_tokens, 1), 0);
	assert_int_equal(fx.edits.count, 0);

	put_volume(&fx, three, N_ELEMENTS(three), false);
	assert_int_equal(redact(&fx, none, 2), 0);
	assert_int_equal(redact(&fx, none, 0), 0);
	assert_int_equal(fx.edits.count, 0);
	/* one file holds it, and only that one changes */
	none[0] = "Mayers";
	assert_int_equal(redact(&fx, none, 1), 0);
	assert_int_equal(fx.edits.count, 1);
	assert_non_null(edit_of(&fx, AUTHOR));
	fx_end(&fx);
}

/* Pickle text: an attribute's name is never changed, even by its memo
 * (g2 as a key again), and no escape is cut: the "n" of "\n" is no
 * match's start. */
static void
test_pm_database__redact_pickle_names_and_escapes(void **state)
{
	static const char in[] =
		"(dp1\nS'_lang'\np2\nVNg\np3\nsS'author'\np4\nS'NG, Jo\\nJo'\np5\n"
		"sS'x'\np6\n(dp7\ng2\ng5\nsg4\nVng\nss.";
	static const char out[] =
		"(dp1\nS'_lang'\np2\nV" MARKER "\np3\nsS'author'\np4\nS'" MARKER
		", Jo\\nJo'\np5\nsS'x'\np6\n(dp7\ng2\ng5\nsg4\nV" MARKER
		"\nss.";
	char *tokens[] = { "Ng", "nJo" };
	struct buf want = { 0 };
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_article(&fx, "m@x", in);
	if (redact(&fx, tokens, 2) < 0)
		fail_msg("%s", fx.err.msg);
	buf_str(&want, "{");
	m_str(&want, 's', "m@x", SIZE_MAX);
	m_str(&want, 's', out, SIZE_MAX);
	buf_str(&want, "0");
	assert_edit(&fx, ARTICLE, &want, 1);
	if (have_python())
		assert_python_redacted(&fx, edit_of(&fx, ARTICLE), ARTICLE,
				       (char *[]){ "ng" }, 1, true);
	buf_release(&want);
	fx_end(&fx);
}

/* A redaction extends the edits a drop made; an interned string ('t')
 * is written again in its place, and the 'R's naming it follow it. */
static void
test_pm_database__redact_after_drop_and_interned(void **state)
{
	char *seb[] = { "s\xc3\xa9" "bastien" }, *b2[] = { "B2@y.example" };
	struct msg after[N_ELEMENTS(three)];
	struct buf b = { 0 }, want = { 0 };
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_volume(&fx, three, N_ELEMENTS(three), false);
	assert_int_equal(drop(&fx, "000001.html"), 0);
	assert_int_equal(redact(&fx, seb, 1), 0);
	assert_int_equal(fx.edits.count, KINDS);
	memcpy(after, three, sizeof after);
	after[1].author = MARKER ", L";
	for (int k = 0; k < KINDS; k++) {
		struct buf w = m_file(k, after, N_ELEMENTS(after), 1, false);

		assert_edit(&fx, k, &w, k == AUTHOR ? 2 : 1);
		buf_release(&w);
	}
	pm_edits_release(&fx.edits);

	/* three[1] and three[2] in 2.1 form, the msgids interned */
	for (int pass = 0; pass < 2; pass++) {
		struct buf *o = pass ? &want : &b;

		buf_str(o, "{");
		for (int i = 1; i < 3; i++) {
			m_tuple(o, 2);
			m_str(o, 's', three[i].date, SIZE_MAX);
			m_str(o, 't', pass && i == 1 ? MARKER : three[i].msgid,
			      SIZE_MAX);
			buf_str(o, "R");
			m_i32(o, i - 1);
		}
		buf_str(o, "0");
	}
	put(&fx, DATE, b.p, b.len);
	assert_int_equal(redact(&fx, b2, 1), 0);
	assert_edit(&fx, DATE, &want, 1);
	buf_release(&b);
	buf_release(&want);
	fx_end(&fx);
}

/* What cannot be redacted safely: -1 naming the file and where, and no
 * edit made, though other files could change. */
static void
test_pm_database__redact_refusals(void **state)
{
	struct buf good = m_file(THREAD, three, N_ELEMENTS(three), 0, false);
	char *a1[] = { "a1@x.example" }, *lead[] = { "\xc3" };
	char *jo[] = { "jo@x" }, *nobody[] = { "nobody@x" };
	struct fx fx;

	(void)state;
	fx_start(&fx);
	put_volume(&fx, three, N_ELEMENTS(three), false);
	put(&fx, THREAD, good.p, good.len - 1);
	assert_int_equal(redact(&fx, a1, 1), -1);
	assert_non_null(strstr(fx.err.msg, "thread"));
	assert_non_null(strstr(fx.err.msg, "not the marshal data"));
	assert_int_equal(fx.edits.count, 0);
	put(&fx, THREAD, good.p, good.len);

	/* a token that splits a character of a unicode string */
	assert_int_equal(redact(&fx, lead, 1), -1);
	assert_non_null(strstr(fx.err.msg, "no longer UTF-8"));
	assert_int_equal(fx.edits.count, 0);

	/* a marker that would end a pickle's string */
	assert_int_equal(pm_database_redact(fx.dir, VOL, a1, 1, "[x']",
					    &fx.edits, &fx.err), -1);
	assert_int_equal(fx.edits.count, 0);

	/* pickle text that is not protocol 0 (q: BINPUT), or has no STOP:
	 * refused only when it holds a form (the record at byte 9) */
	put_article(&fx, "m@x", "(dp1\nS'a'\nq\x01S'jo@x'\nsb.");
	assert_int_equal(redact(&fx, nobody, 1), 0);
	assert_int_equal(fx.edits.count, 0);
	assert_int_equal(redact(&fx, jo, 1), -1);
	assert_non_null(strstr(fx.err.msg, "article record at byte 9 "));
	assert_non_null(strstr(fx.err.msg, "not of protocol 0"));
	put_article(&fx, "m@x", "(dp1\nS'a'\nS'jo@x'\ns");
	assert_int_equal(redact(&fx, jo, 1), -1);
	assert_non_null(strstr(fx.err.msg, "STOP"));
	assert_int_equal(fx.edits.count, 0);
	buf_release(&good);
	fx_end(&fx);
}

/* ---- the real corpus --------------------------------------------- */

static char *
corpora_dir(void)
{
	const char *env = getenv("LISTSCRUB_CORPORA"), *src;
	char *dir, *file;

	if (env && *env)
		return strdup(env);
	src = getenv("TEST_SRCDIR");
	if (src && *src) {
		if (asprintf(&dir, "%s/../shared/corpora", src) < 0)
			abort();
		return dir;
	}
	/* run by hand: beside the source tree this was compiled from */
	file = strdup(__FILE__);
	*(strrchr(file, '/') ? strrchr(file, '/') : file) = '\0';
	if (asprintf(&dir, "%s%s../../../shared/corpora", file,
		     *file ? "/" : "") < 0)
		abort();
	free(file);
	return dir;
}

/* Python 3 reads path and says its length and whether marshal version 2
 * writes it back byte for byte; and how it differs from old: how many
 * keys left it, whether every other value is the same. */
static void
python_check(const char *old, const char *path, long *old_n, long *new_n,
	     int *same_bytes, int *same_rest)
{
	static const char script[] =
		"import marshal,sys\n"
		"o=marshal.loads(open(sys.argv[1],'rb').read())\n"
		"b=open(sys.argv[2],'rb').read()\n"
		"d=marshal.loads(b)\n"
		"r=all(k in o and o[k]==d[k] for k in d)\n"
		"print(len(o),len(d),int(marshal.dumps(d,2)==b),int(r))\n";
	char *cmd;
	FILE *p;
	int n;

	if (asprintf(&cmd, "python3 -c \"$PM_CHECK\" '%s' '%s'", old,
		     path) < 0)
		abort();
	setenv("PM_CHECK", script, 1);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fscanf(p, "%ld %ld %d %d", old_n, new_n, same_bytes, same_rest);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(n, 4);
	free(cmd);
}

static void
test_pm_database__real_volume(void **state)
{
	char *corpora = corpora_dir(), *list, *vol_dir, **names, *page = NULL;
	size_t n_names;
	struct fx fx;

	(void)state;
	/* Not skip(): cmocka 1.1 reports it as "not ok # SKIP", which the
	 * TAP driver counts as a failure; a diagnostic line says it. */
	if (asprintf(&list, "%s/pipermail-twisted/archives/private/"
		     "twisted-web", corpora) < 0 ||
	    asprintf(&vol_dir, "%s/" VOL, list) < 0)
		abort();
	fx_start(&fx);
	if (access(list, F_OK) != 0 || dir_names(vol_dir, &names, &n_names,
						 &fx.err) < 0) {
		fprintf(stderr, "# skipped: %s is not here (the shared corpora "
			"are not part of this repository; LISTSCRUB_CORPORA "
			"names them)\n", list);
		free(corpora), free(list), free(vol_dir);
		fx_end(&fx);
		return;
	}
	if (system("python3 -c '' 2>/dev/null") != 0) {
		fprintf(stderr, "# skipped: no python3 to read the result\n");
		dir_names_free(names, n_names);
		free(corpora), free(list), free(vol_dir);
		fx_end(&fx);
		return;
	}
	/* its first message: the first NNNNNN.html, names being sorted */
	for (size_t i = 0; i < n_names && page == NULL; i++)
		if (strlen(names[i]) == 11 && strspn(names[i], "0123456789") == 6
		    && strcmp(names[i] + 6, ".html") == 0)
			page = names[i];
	assert_non_null(page);

	if (pm_database_drop(list, VOL, &page, 1, &fx.edits, &fx.no_record,
			     &fx.err) < 0)
		fail_msg("%s", fx.err.msg);
	assert_int_equal(fx.no_record, 0);
	assert_int_equal(fx.edits.count, KINDS);
	for (int k = 0; k < KINDS; k++) {
		struct pm_edit *ed = &fx.edits.items[k];
		char *name, *out;
		long old_n, new_n;
		int same_bytes, same_rest;

		assert_non_null(strstr(ed->path, kinds[k]));
		assert_int_equal(ed->dropped, 1);
		if (asprintf(&name, "%s-%s", VOL, kinds[k]) < 0)
			abort();
		out = test_write(fx.dir, name, ed->data, ed->len);
		python_check(ed->path, out, &old_n, &new_n, &same_bytes,
			     &same_rest);
		if (new_n != old_n - 1 || !same_bytes || !same_rest)
			fail_msg("%s: %ld entries of %ld, rewritten the same: %d, "
				 "the rest the same: %d", kinds[k], new_n, old_n,
				 same_bytes, same_rest);
		free(name);
		free(out);
	}
	dir_names_free(names, n_names);
	free(corpora);
	free(list);
	free(vol_dir);
	fx_end(&fx);
}

/* A poster's address (munged in the records) and surname (in the author
 * keys and records) redacted from a volume of the real corpus: Python
 * reads every new file, as many entries, no form left, every other
 * string as it was; a file without them is left alone. */
static void
test_pm_database__real_volume_redact(void **state)
{
	static char *const tokens[] = { "abierbaum@gmail.com", "Bierbaum" };
	static char *const forms[] = {
		"abierbaum@gmail.com", "abierbaum at gmail.com",
		"abierbaum%40gmail.com", "abierbaum&#64;gmail.com", "bierbaum",
	};
	char *corpora = corpora_dir(), *list, *article;
	struct fx fx;

	(void)state;
	if (asprintf(&list, "%s/pipermail-twisted/archives/private/"
		     "twisted-web", corpora) < 0 ||
	    asprintf(&article, "%s/database/2010-June-article", list) < 0)
		abort();
	fx_start(&fx);
	if (access(article, F_OK) != 0 || !have_python()) {
		fprintf(stderr, "# skipped: %s or python3 is not here (the "
			"shared corpora are not part of this repository; "
			"LISTSCRUB_CORPORA names them)\n", article);
		goto out;
	}
	if (pm_database_redact(list, "2010-June", tokens, 2, MARKER,
			       &fx.edits, &fx.err) < 0)
		fail_msg("%s", fx.err.msg);
	assert_int_equal(fx.edits.count, 2);
	for (int k = 0; k < KINDS; k++) {
		struct pm_edit *ed;
		char *path;

		if (asprintf(&path, "%s/database/2010-June-%s", list,
			     kinds[k]) < 0)
			abort();
		ed = pm_edits_find(&fx.edits, path);
		free(path);
		if (k != ARTICLE && k != AUTHOR) {
			assert_null(ed);
			continue;
		}
		assert_non_null(ed);
		assert_int_equal(ed->kind, PM_EDIT_DATABASE);
		assert_true(ed->dropped > 0);
		assert_python_redacted(&fx, ed, k, forms, N_ELEMENTS(forms),
				       false);
	}
out:
	free(corpora);
	free(list);
	free(article);
	fx_end(&fx);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pm_database__tuple_keys_drop_one_keep_the_rest),
	cmocka_unit_test(test_pm_database__nul_string_keys_drop_one_keep_the_rest),
	cmocka_unit_test(test_pm_database__namesakes),
	cmocka_unit_test(test_pm_database__no_record_and_missing_files),
	cmocka_unit_test(test_pm_database__several_pages_and_calls),
	cmocka_unit_test(test_pm_database__pickle_forms),
	cmocka_unit_test(test_pm_database__hostile_bytes),
	cmocka_unit_test(test_pm_database__interned_strings),
	cmocka_unit_test(test_pm_database__redact_every_form),
	cmocka_unit_test(test_pm_database__redact_nothing_to_do),
	cmocka_unit_test(test_pm_database__redact_pickle_names_and_escapes),
	cmocka_unit_test(test_pm_database__redact_after_drop_and_interned),
	cmocka_unit_test(test_pm_database__redact_refusals),
	cmocka_unit_test(test_pm_database__real_volume),
	cmocka_unit_test(test_pm_database__real_volume_redact),
};

RUN_TESTS(tests)
