/* test-pm-database.c -- a pipermail volume's marshal files, built here by
 * a small encoder: pages dropped with every other entry kept byte for
 * byte, namesakes, hostile bytes, and a volume of the real corpus checked
 * by Python's own marshal. */
#include "config.h"

#include "helpers.h"

#include <stdbool.h>

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

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pm_database__tuple_keys_drop_one_keep_the_rest),
	cmocka_unit_test(test_pm_database__nul_string_keys_drop_one_keep_the_rest),
	cmocka_unit_test(test_pm_database__namesakes),
	cmocka_unit_test(test_pm_database__no_record_and_missing_files),
	cmocka_unit_test(test_pm_database__several_pages_and_calls),
	cmocka_unit_test(test_pm_database__pickle_forms),
	cmocka_unit_test(test_pm_database__hostile_bytes),
	cmocka_unit_test(test_pm_database__interned_strings),
	cmocka_unit_test(test_pm_database__real_volume),
};

RUN_TESTS(tests)
