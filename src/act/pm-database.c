/* pm-database.c -- a volume's records dropped from its marshal files,
 * and redacted tokens taken out of their strings. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "act/pm-database.h"
#include "act/pm-edits.h"
#include "mail/pm-marshal.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

enum { DB_ARTICLE, DB_DATE, DB_AUTHOR, DB_SUBJECT, DB_THREAD, DB_FILES };

static const char *const db_names[DB_FILES] = {
	"article", "date", "author", "subject", "thread",
};

struct db_file {
	char *path;
	char *data;             /* owned */
	size_t len;
	bool present;
	struct pm_mfile m;
	bool *drop;             /* per item of m */
	size_t n_drop;
	size_t dropped_before;  /* by the edit this one extends */
};

/* A record tied to a page: its msgid and date. */
struct target {
	struct pm_sv msgid, date;
};

/* Its bytes: those of the edit edits already has of it, else the file's;
 * a file that is not there is not present. */
static int
load_file(struct db_file *f, struct pm_edits *edits, struct errbuf *err)
{
	struct pm_edit *ed = pm_edits_find(edits, f->path);
	struct errbuf rerr;

	if (ed && ed->data) {
		f->data = xmalloc(ed->len + 1);
		memcpy(f->data, ed->data, ed->len);
		f->len = ed->len;
		f->dropped_before = ed->dropped;
	} else if (read_regular_file(f->path, &f->data, &f->len, &rerr) < 0) {
		if (rerr.code == ENOENT)
			return 0;
		if (err)
			*err = rerr;
		return -1;
	}
	f->present = true;
	f->m.path = f->path;
	f->m.p = (const unsigned char *)f->data;
	f->m.len = f->len;
	if (pm_marshal_read(&f->m, err) < 0)
		return -1;
	f->drop = xcalloc(f->m.count ? f->m.count : 1, sizeof *f->drop);
	return 0;
}

static void
free_files(struct db_file *files)
{
	for (int k = 0; k < DB_FILES; k++) {
		free(files[k].path);
		free(files[k].data);
		free(files[k].drop);
		pm_marshal_release(&files[k].m);
	}
}

static bool
sv_eq(struct pm_sv a, struct pm_sv b)
{
	return a.ok && b.ok && a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* The date component of an index entry's key: a tuple's item [-2], or
 * the part after the NUL of a pre-2.0 "subject\0date" string key, or
 * the whole of a date alone. */
static struct pm_sv
key_date(const struct pm_mobj *key)
{
	struct pm_sv date = key->str;
	const unsigned char *nul = NULL;

	if (key->type == '(')
		return key->penult;
	for (size_t i = 0; date.ok && i < date.len; i++)
		if (date.p[i] == '\0')
			nul = date.p + i;
	if (nul) {
		date.len -= (size_t)(nul + 1 - date.p);
		date.p = nul + 1;
	}
	return date;
}

/* The article entries whose filename is one of pages: marked to drop,
 * their msgid and date in targets; found[i] when page i has one. */
static int
tie_pages(struct db_file *f, char *const *pages, size_t n, bool *found,
	  struct target **targets_r, size_t *n_targets_r, struct errbuf *err)
{
	struct target *t = NULL;
	size_t nt = 0, alloc = 0;

	for (size_t k = 0; k < f->m.count; k++) {
		const struct pm_mitem *e = &f->m.items[k];
		struct pm_sv fname, date = { 0 }, other, v = e->value.str;
		size_t from = 0, dfrom = 0;
		bool tied = false;

		if (!e->key.str.ok || !v.ok)
			continue;
		/* every filename it gives: a second one cannot hide it */
		while (pm_pickle_next(v.p, v.len, "filename", &from, &fname))
			for (size_t i = 0; i < n; i++)
				if (fname.len == strlen(pages[i]) &&
				    memcmp(fname.p, pages[i], fname.len) == 0)
					found[i] = tied = true;
		if (!tied)
			continue;
		/* without its date the other files' entries cannot be told
		 * from those of a namesake's record: stop, not guess */
		if (!pm_pickle_next(v.p, v.len, "date", &dfrom, &date) ||
		    date.len != 11) {
			free(t);
			return errbuf_set(err, "'%s': the article record at byte "
					  "%zu has no date as Mailman writes it",
					  f->path, e->start);
		}
		while (pm_pickle_next(v.p, v.len, "date", &dfrom, &other))
			if (!sv_eq(other, date)) {
				free(t);
				return errbuf_set(err, "'%s': the article record "
						  "at byte %zu has two dates",
						  f->path, e->start);
			}
		f->drop[k] = true;
		f->n_drop++;
		xgrow((void **)&t, &alloc, nt + 1, sizeof *t);
		t[nt++] = (struct target){ e->key.str, date };
	}
	*targets_r = t;
	*n_targets_r = nt;
	return 0;
}

static void
mark_entries(struct db_file *f, const struct target *t, size_t nt,
	     bool by_date)
{
	for (size_t k = 0; k < f->m.count; k++) {
		const struct pm_mitem *e = &f->m.items[k];

		for (size_t i = 0; i < nt && !f->drop[k]; i++)
			if (sv_eq(e->value.str, t[i].msgid) &&
			    (!by_date || sv_eq(key_date(&e->key), t[i].date))) {
				f->drop[k] = true;
				f->n_drop++;
			}
	}
}

/* The dict without its dropped entries, every kept one copied verbatim.
 * An interned string ('t') is numbered by its place in the file, and an
 * 'R' names it by that number: dropping one would renumber the rest. */
static int
rebuild(const struct db_file *f, char **data_r, size_t *len_r,
	struct errbuf *err)
{
	char *out;
	size_t len = 0;

	if (f->m.refs)
		return errbuf_set(err, "'%s' holds interned strings (marshal "
				  "codes t and R), which listscrub cannot take "
				  "entries out of safely; Mailman's `bin/arch "
				  "--wipe` must regenerate it", f->path);
	out = xmalloc(f->len);
	out[len++] = '{';
	for (size_t k = 0; k < f->m.count; k++) {
		const struct pm_mitem *e = &f->m.items[k];

		if (f->drop[k])
			continue;
		memcpy(out + len, f->data + e->start, e->end - e->start);
		len += e->end - e->start;
	}
	out[len++] = '0';
	*data_r = out;
	*len_r = len;
	return 0;
}

int
pm_database_drop(const char *list_dir, const char *volume,
		 char *const *pages, size_t n, struct pm_edits *edits,
		 size_t *no_record_r, struct errbuf *err)
{
	struct db_file files[DB_FILES];
	char *out[DB_FILES] = { 0 };
	size_t out_len[DB_FILES] = { 0 };
	struct target *targets = NULL;
	size_t n_targets = 0, no_record = 0;
	bool *found = xcalloc(n ? n : 1, sizeof *found);
	int rc = -1;

	memset(files, 0, sizeof files);
	for (int k = 0; k < DB_FILES; k++)
		files[k].path = xasprintf("%s/database/%s-%s", list_dir,
					  volume, db_names[k]);
	if (load_file(&files[DB_ARTICLE], edits, err) < 0 ||
	    tie_pages(&files[DB_ARTICLE], pages, n, found, &targets,
		      &n_targets, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!found[i])
			no_record++;
	if (n_targets > 0) {
		for (int k = DB_DATE; k < DB_FILES; k++) {
			if (load_file(&files[k], edits, err) < 0)
				goto out;
			/* a namesake's entries differ in date; the thread
			 * keys hold no date of the message itself */
			mark_entries(&files[k], targets, n_targets,
				     k != DB_THREAD);
		}
	}
	for (int k = 0; k < DB_FILES; k++)
		if (files[k].n_drop > 0 &&
		    rebuild(&files[k], &out[k], &out_len[k], err) < 0)
			goto out;
	/* all or nothing: edits change only once every file is read */
	for (int k = 0; k < DB_FILES; k++) {
		struct pm_edit *ed;

		if (out[k] == NULL)
			continue;
		ed = pm_edits_add(edits, PM_EDIT_DATABASE, files[k].path,
				  out[k], out_len[k]);
		out[k] = NULL;
		ed->dropped = files[k].dropped_before + files[k].n_drop;
	}
	*no_record_r = no_record;
	rc = 0;
out:
	free_files(files);
	for (int k = 0; k < DB_FILES; k++)
		free(out[k]);
	free(targets);
	free(found);
	return rc;
}

/* ---- redaction ------------------------------------------------------ */

/* The spellings of the tokens, longest first, so that at any place the
 * whole of the longest one goes and no part of it is left. */
struct forms {
	struct form {
		char *s;
		size_t len;
	} *f;
	size_t n, alloc;
};

/* Takes s; NULL is no form, and neither is one already there. */
static void
form_add(struct forms *fs, char *s)
{
	size_t len = s ? strlen(s) : 0;

	for (size_t i = 0; len && i < fs->n; i++)
		if (fs->f[i].len == len && strncasecmp(fs->f[i].s, s, len) == 0)
			len = 0;
	if (len == 0) {
		free(s);
		return;
	}
	xgrow((void **)&fs->f, &fs->alloc, fs->n + 1, sizeof *fs->f);
	fs->f[fs->n++] = (struct form){ s, len };
}

static int
longest_first(const void *a, const void *b)
{
	size_t x = ((const struct form *)a)->len;
	size_t y = ((const struct form *)b)->len;

	return (x < y) - (x > y);
}

/* s as pickle text spells it: in S'...' (repr), its non-ASCII bytes as
 * \xNN; in a V line (raw-unicode-escape), s read as UTF-8 (else NULL),
 * Latin-1 characters as their byte and the others as \uXXXX, or as
 * \UXXXXXXXX (a wide Python 2). */
static char *
spelled(const char *s, bool v)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct buf b = { 0 };

	if (v && !pm_utf8_ok(p, n))
		return NULL;
	for (size_t i = 0; i < n;) {
		uint32_t cp = p[i];
		size_t k = !v || cp < 0x80 ? 0 : cp < 0xe0 ? 1 : cp < 0xf0 ? 2 : 3;

		if (k)
			cp &= 0x3f >> k;
		for (size_t j = 1; j <= k; j++)
			cp = cp << 6 | (p[i + j] & 0x3f);
		i += k + 1;
		if (cp < (v ? 0x100u : 0x80u)) {
			unsigned char c = (unsigned char)cp;

			buf_add(&b, &c, 1);
		} else {
			buf_addf(&b, !v ? "\\x%02x" : cp < 0x10000 ? "\\u%04x" :
				 "\\U%08x", (unsigned)cp);
		}
	}
	buf_add(&b, "", 0);
	return b.p;
}

/* plain: what any string may hold; pickle: also how pickle text spells
 * those.  An address L@D also as Mailman munges it and links write it. */
static void
forms_build(struct forms *plain, struct forms *pickle, char *const *tokens,
	    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *t = tokens[i], *at = strchr(t, '@');
		char *base[4] = { xstrdup(t) };
		int nb = 1;

		if (at && !strchr(at + 1, '@')) {
			int l = (int)(at - t);

			base[nb++] = xasprintf("%.*s at %s", l, t, at + 1);
			base[nb++] = xasprintf("%.*s%%40%s", l, t, at + 1);
			base[nb++] = xasprintf("%.*s&#64;%s", l, t, at + 1);
		}
		for (int k = 0; k < nb; k++) {
			char *v = spelled(base[k], true);

			form_add(plain, xstrdup(base[k]));
			form_add(pickle, spelled(base[k], false));
			form_add(pickle, v ? spelled(v, false) : NULL);
			form_add(pickle, v);
			form_add(pickle, base[k]);
		}
	}
	if (plain->n > 1)
		qsort(plain->f, plain->n, sizeof *plain->f, longest_first);
	if (pickle->n > 1)
		qsort(pickle->f, pickle->n, sizeof *pickle->f, longest_first);
}

static void
forms_free(struct forms *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->f[i].s);
	free(fs->f);
}

/* s with every form replaced by marker, appended to out: the count of
 * replacements. */
static size_t
redact_text(const struct forms *fs, unsigned char op, const unsigned char *s,
	    size_t len, const char *marker, struct buf *out)
{
	size_t count = 0, from = 0, u;
	bool after_bs = false;

	for (size_t i = 0; i < len; i += u) {
		size_t m = 0;

		u = pm_pickle_unit(op, s, len, i);
		/* in a V line "\" then the marker could read as an escape */
		for (size_t k = 0; k < fs->n && !m && !after_bs; k++) {
			size_t n = fs->f[k].len, j = i;

			/* the C locale's: ASCII letters only */
			if (n > len - i ||
			    strncasecmp((const char *)s + i, fs->f[k].s, n) != 0)
				continue;
			while (j < i + n)
				j += pm_pickle_unit(op, s, len, j);
			if (j == i + n)
				m = n;
		}
		after_bs = m == 0 && op == 'V' && u == 1 && s[i] == '\\';
		if (m == 0)
			continue;
		buf_add(out, s + from, i - from);
		buf_str(out, marker);
		from = i + m;
		u = m;
		count++;
	}
	if (count)
		buf_add(out, s + from, len - from);
	return count;
}

/* An article record's pickle text with every form replaced inside its
 * string arguments.  The names of its attributes (dict keys) stay: they
 * are not the message's, and Mailman reads the record by them. */
static int
redact_pickle(const struct db_file *f, const struct pm_mstr *ms,
	      const struct forms *fs, const char *marker, struct buf *out,
	      size_t *count_r, struct errbuf *err)
{
	const unsigned char *p = ms->str.p;
	struct pm_pstr *ps;
	size_t n, from = 0, count = 0;
	struct buf arg = { 0 };

	*count_r = 0;
	/* a record without any form need not be one this can read */
	if (redact_text(fs, 0, p, ms->str.len, marker, &arg) == 0)
		return 0;
	if (pm_pickle_strings(p, ms->str.len, f->path, ms->at, &ps, &n,
			      err) < 0) {
		buf_release(&arg);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t c;

		buf_reset(&arg);
		if (ps[i].key)
			continue;
		c = redact_text(fs, ps[i].op, p + ps[i].off, ps[i].len, marker,
				&arg);
		if (c == 0)
			continue;
		buf_add(out, p + from, ps[i].off - from);
		buf_add(out, arg.p, arg.len);
		from = ps[i].off + ps[i].len;
		count += c;
	}
	if (count)
		buf_add(out, p + from, ms->str.len - from);
	buf_release(&arg);
	free(ps);
	*count_r = count;
	return 0;
}

/* f's bytes, each string object that holds a form re-encoded with its
 * new length, into out; *changed_r how many (0: out is not to be used).
 * A 't' keeps its place in the table 'R' indexes, so its references
 * follow it.  Two keys made equal stay two entries as written: marshal
 * allows that, and Python keeps the last. */
static int
redact_file(const struct db_file *f, bool article, const struct forms *plain,
	    const struct forms *pickle, const char *marker, struct buf *out,
	    size_t *changed_r, struct errbuf *err)
{
	const struct pm_mfile *m = &f->m;
	struct buf s = { 0 };
	size_t from = 0, item = 0, changed = 0;
	int rc = -1;

	for (size_t i = 0; i < m->n_strs; i++) {
		const struct pm_mstr *ms = &m->strs[i];
		unsigned char head[5] = { ms->type };
		size_t count;

		/* an article record: a value of the file's own dict */
		while (article && item < m->count &&
		       m->items[item].value.at < ms->at)
			item++;
		buf_reset(&s);
		if (article && item < m->count &&
		    m->items[item].value.at == ms->at && ms->type != 'u') {
			if (redact_pickle(f, ms, pickle, marker, &s, &count,
					  err) < 0)
				goto out;
		} else {
			count = redact_text(plain, 0, ms->str.p, ms->str.len,
					    marker, &s);
		}
		if (count == 0)
			continue;
		if (ms->type == 'u' &&
		    !pm_utf8_ok((const unsigned char *)s.p, s.len)) {
			errbuf_format(err, "'%s': byte %zu: the unicode string is "
				      "no longer UTF-8 once redacted (a token that "
				      "is not UTF-8?)", f->path, ms->at);
			goto out;
		}
		if (s.len > INT32_MAX) {
			errbuf_format(err, "'%s': byte %zu: the string is too long "
				      "once redacted", f->path, ms->at);
			goto out;
		}
		for (int b = 0; b < 4; b++)
			head[1 + b] = (unsigned char)(s.len >> 8 * b);
		buf_add(out, f->data + from, ms->at - from);
		buf_add(out, head, sizeof head);
		buf_add(out, s.p, s.len);
		from = ms->at + sizeof head + ms->str.len;
		changed++;
	}
	if (changed)
		buf_add(out, f->data + from, f->len - from);
	*changed_r = changed;
	rc = 0;
out:
	buf_release(&s);
	return rc;
}

int
pm_database_redact(const char *list_dir, const char *volume,
		   char *const *tokens, size_t n, const char *marker,
		   struct pm_edits *edits, struct errbuf *err)
{
	struct db_file files[DB_FILES];
	struct buf out[DB_FILES];
	size_t changed[DB_FILES] = { 0 };
	struct forms plain = { 0 }, pickle = { 0 };
	int rc = -1;

	/* spliced into pickle text as it is: it must end no string */
	if (strpbrk(marker, "'\"\\\n") != NULL)
		return errbuf_set(err, "the marker '%s' holds a quote, a "
				  "backslash or a newline, which pickle text "
				  "cannot take as it is", marker);
	memset(files, 0, sizeof files);
	memset(out, 0, sizeof out);
	forms_build(&plain, &pickle, tokens, n);
	for (int k = 0; k < DB_FILES && plain.n > 0; k++) {
		files[k].path = xasprintf("%s/database/%s-%s", list_dir,
					  volume, db_names[k]);
		if (load_file(&files[k], edits, err) < 0 ||
		    (files[k].present &&
		     redact_file(&files[k], k == DB_ARTICLE, &plain, &pickle,
				 marker, &out[k], &changed[k], err) < 0))
			goto out;
	}
	/* all or nothing: edits change only once every file is read */
	for (int k = 0; k < DB_FILES; k++) {
		if (changed[k] == 0)
			continue;
		pm_edits_add(edits, PM_EDIT_DATABASE, files[k].path,
			     out[k].p, out[k].len)->dropped =
			files[k].dropped_before + changed[k];
		out[k].p = NULL;
	}
	rc = 0;
out:
	free_files(files);
	for (int k = 0; k < DB_FILES; k++)
		buf_release(&out[k]);
	forms_free(&plain);
	forms_free(&pickle);
	return rc;
}
