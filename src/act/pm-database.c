/* pm-database.c -- dropping a volume's records from its marshal files. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/pm-database.h"
#include "act/pm-edits.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

/* Mailman's objects nest two deep; anything near this is hostile, and
 * the reader recurses. */
#define MAX_DEPTH 64

enum { DB_ARTICLE, DB_DATE, DB_AUTHOR, DB_SUBJECT, DB_THREAD, DB_FILES };

static const char *const db_names[DB_FILES] = {
	"article", "date", "author", "subject", "thread",
};

/* Some bytes of the file: a string object's payload. */
struct sv {
	const unsigned char *p;
	size_t len;
	bool ok;                /* false: the object is not a string */
};

struct db_entry {
	size_t start, end;      /* the key's type byte to the value's end */
	struct sv key;          /* when the key is a string */
	struct sv date;         /* the key's date component */
	struct sv value;
	bool drop;
};

struct db_file {
	char *path;
	char *data;             /* owned */
	size_t len;
	bool present;
	bool refs;              /* holds 't' or 'R' codes */
	struct db_entry *entries;
	size_t count, alloc;
	size_t n_drop;
	size_t dropped_before;  /* by the edit this one extends */
};

/* A record tied to a page: its msgid and date. */
struct target {
	struct sv msgid, date;
};

struct reader {
	const unsigned char *p;
	size_t len, pos;
	const char *path;
	struct sv *refs;        /* the 't' strings, for 'R' */
	size_t n_refs, refs_alloc;
	bool has_refs;
	struct errbuf *err;
};

/* What read_object saw of one object. */
struct obj {
	unsigned char type;
	struct sv str;          /* s, t, u, or the string R names */
	struct sv penult;       /* a tuple's item [-2], when a string */
};

static int bad(struct reader *r, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(struct reader *r, size_t at, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return errbuf_set(r->err, "'%s' is not the marshal data Mailman "
			  "writes: byte %zu: %s", r->path, at, what);
}

static int
read_i32(struct reader *r, size_t at, int32_t *v_r)
{
	const unsigned char *q = r->p + r->pos;
	uint32_t u;

	if (r->len - r->pos < 4)
		return bad(r, at, "the file ends inside the object");
	u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
	    (uint32_t)q[3] << 24;
	/* two's complement without an implementation-defined cast */
	*v_r = u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
	r->pos += 4;
	return 0;
}

/* As Python 2 and 3 decode it: surrogates pass. */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp, min;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff)
			return false;
		i += k + 1;
	}
	return true;
}

static int read_object(struct reader *r, unsigned depth, struct obj *o);

static int
read_string(struct reader *r, size_t at, struct obj *o)
{
	int32_t n;

	if (read_i32(r, at, &n) < 0)
		return -1;
	if (n < 0)
		return bad(r, at, "a string of negative length %ld", (long)n);
	if ((size_t)n > r->len - r->pos)
		return bad(r, at, "a string of %ld bytes runs past the end of "
			   "the file", (long)n);
	o->str = (struct sv){ r->p + r->pos, (size_t)n, true };
	r->pos += (size_t)n;
	if (o->type == 'u' && !utf8_ok(o->str.p, o->str.len))
		return bad(r, at, "a unicode string that is not UTF-8");
	if (o->type == 't') {
		r->has_refs = true;
		xgrow((void **)&r->refs, &r->refs_alloc, r->n_refs + 1,
		      sizeof *r->refs);
		r->refs[r->n_refs++] = o->str;
	}
	return 0;
}

/* A long: a signed digit count, then 15-bit digits, the last nonzero. */
static int
read_long(struct reader *r, size_t at)
{
	uint32_t digits;
	int32_t n;

	if (read_i32(r, at, &n) < 0)
		return -1;
	if (n == INT32_MIN)
		return bad(r, at, "a long of %ld digits", (long)n);
	digits = (uint32_t)(n < 0 ? -n : n);
	if (digits > (r->len - r->pos) / 2)
		return bad(r, at, "a long of %lu digits runs past the end of "
			   "the file", (unsigned long)digits);
	for (uint32_t i = 0; i < digits; i++) {
		unsigned d = r->p[r->pos] | (unsigned)r->p[r->pos + 1] << 8;

		if (d > 0x7fff || (i == digits - 1 && d == 0))
			return bad(r, r->pos, "a long with a bad digit");
		r->pos += 2;
	}
	return 0;
}

static int
read_tuple(struct reader *r, size_t at, unsigned depth, struct obj *o)
{
	struct sv prev = { 0 }, last = { 0 };
	int32_t n;

	if (read_i32(r, at, &n) < 0)
		return -1;
	if (n < 0)
		return bad(r, at, "a tuple of negative size %ld", (long)n);
	if ((size_t)n > r->len - r->pos)    /* each item takes a byte */
		return bad(r, at, "a tuple of %ld items runs past the end of "
			   "the file", (long)n);
	for (int32_t i = 0; i < n; i++) {
		struct obj item;

		if (read_object(r, depth + 1, &item) < 0)
			return -1;
		prev = last;
		last = item.str;
	}
	if (n >= 2)
		o->penult = prev;
	return 0;
}

/* The items of a dict after its '{', through its '0'; each one's range
 * and strings go to f when f is not NULL (the file's own dict). */
static int
read_dict(struct reader *r, unsigned depth, struct db_file *f)
{
	for (;;) {
		struct db_entry *e;
		struct obj key, value;
		size_t start = r->pos;

		if (r->pos >= r->len)
			return bad(r, r->pos, "the file ends before the dict's "
				   "end (0)");
		if (r->p[r->pos] == '0') {
			r->pos++;
			return 0;
		}
		if (read_object(r, depth + 1, &key) < 0 ||
		    read_object(r, depth + 1, &value) < 0)
			return -1;
		if (f == NULL)
			continue;
		xgrow((void **)&f->entries, &f->alloc, f->count + 1,
		      sizeof *f->entries);
		e = &f->entries[f->count++];
		memset(e, 0, sizeof *e);
		e->start = start;
		e->end = r->pos;
		e->key = key.str;
		e->value = value.str;
		if (key.type == '(') {
			e->date = key.penult;
		} else if (key.str.ok) {
			/* pre-2.0 keys: "subject\0date", or the date alone */
			const unsigned char *nul = NULL;

			for (size_t i = 0; i < key.str.len; i++)
				if (key.str.p[i] == '\0')
					nul = key.str.p + i;
			e->date = key.str;
			if (nul) {
				e->date.len -= (size_t)(nul + 1 - key.str.p);
				e->date.p = nul + 1;
			}
		}
	}
}

static int
read_object(struct reader *r, unsigned depth, struct obj *o)
{
	size_t at = r->pos;
	int32_t idx;

	memset(o, 0, sizeof *o);
	if (r->pos >= r->len)
		return bad(r, at, "the file ends inside an object");
	if (depth > MAX_DEPTH)
		return bad(r, at, "objects nested more than %d deep", MAX_DEPTH);
	o->type = r->p[r->pos++];
	switch (o->type) {
	case 's':
	case 't':
	case 'u':
		return read_string(r, at, o);
	case 'R':
		r->has_refs = true;
		if (read_i32(r, at, &idx) < 0)
			return -1;
		if (idx < 0 || (size_t)idx >= r->n_refs)
			return bad(r, at, "a string reference (R) to entry %ld "
				   "of %zu", (long)idx, r->n_refs);
		o->str = r->refs[idx];
		return 0;
	case 'i':
		return read_i32(r, at, &idx);
	case 'N':
	case 'T':
	case 'F':
		return 0;
	case 'l':
		return read_long(r, at);
	case '(':
		return read_tuple(r, at, depth, o);
	case '{':
		return read_dict(r, depth, NULL);
	case '0':
		return bad(r, at, "a null object (0) where an object must be");
	default:
		return bad(r, at, "type code 0x%02x, which is not one Mailman "
			   "writes", o->type);
	}
}

static int
parse_file(struct db_file *f, struct errbuf *err)
{
	struct reader r = {
		.p = (const unsigned char *)f->data, .len = f->len,
		.path = f->path, .err = err,
	};
	int rc = -1;

	if (f->len == 0) {
		bad(&r, 0, "the file is empty");
		goto out;
	}
	if (r.p[0] != '{') {
		bad(&r, 0, "type code 0x%02x where the dict must be", r.p[0]);
		goto out;
	}
	r.pos = 1;
	if (read_dict(&r, 0, f) < 0)
		goto out;
	if (r.pos != r.len) {
		bad(&r, r.pos, "data after the dict's end (%zu bytes)",
		    r.len - r.pos);
		goto out;
	}
	f->refs = r.has_refs;
	rc = 0;
out:
	free(r.refs);
	return rc;
}

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
	return parse_file(f, err);
}

static bool
sv_eq(struct sv a, struct sv b)
{
	return a.ok && b.ok && a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static bool
is_opcode_start(const unsigned char *p, size_t i)
{
	/* after an argument's newline, or after an opcode that has none */
	return i == 0 || (p[i - 1] != '\0' &&
			  strchr("\n(sadltu0be", p[i - 1]) != NULL);
}

/* The next S'name'\np<N>\nS'value' of a protocol-0 pickle (either quote,
 * the memo put optional) at or after *from; the value stops at its quote
 * and holds no escape.  Mailman puts every string on a line of its own
 * with its newlines escaped, so this cannot match inside one. */
static bool
pickle_next(const unsigned char *p, size_t len, const char *name,
	    size_t *from, struct sv *value)
{
	size_t nl = strlen(name);

	for (size_t i = *from; i + nl + 4 <= len; i++) {
		size_t j = i + 2 + nl, v;
		unsigned char q = p[i + 1];

		if (p[i] != 'S' || (q != '\'' && q != '"') ||
		    memcmp(p + i + 2, name, nl) != 0 || p[j] != q ||
		    p[j + 1] != '\n' || !is_opcode_start(p, i))
			continue;
		j += 2;
		if (j < len && p[j] == 'p') {
			size_t d = ++j;

			while (j < len && p[j] >= '0' && p[j] <= '9')
				j++;
			if (j == d || j >= len || p[j] != '\n')
				continue;
			j++;
		}
		if (len - j < 2 || p[j] != 'S' ||
		    (p[j + 1] != '\'' && p[j + 1] != '"'))
			continue;
		q = p[j + 1];
		v = j + 2;
		for (j = v; j < len && p[j] != q && p[j] != '\\' &&
		     p[j] != '\n'; j++)
			;
		if (j + 1 >= len || p[j] != q || p[j + 1] != '\n')
			continue;
		*value = (struct sv){ p + v, j - v, true };
		*from = j + 2;
		return true;
	}
	return false;
}

/* The article entries whose filename is one of pages: marked to drop,
 * their msgid and date in targets; found[i] when page i has one. */
static int
tie_pages(struct db_file *f, char *const *pages, size_t n, bool *found,
	  struct target **targets_r, size_t *n_targets_r, struct errbuf *err)
{
	struct target *t = NULL;
	size_t nt = 0, alloc = 0;

	for (size_t k = 0; k < f->count; k++) {
		struct db_entry *e = &f->entries[k];
		struct sv fname, date = { 0 }, other;
		size_t from = 0, dfrom = 0;
		bool tied = false;

		if (!e->key.ok || !e->value.ok)
			continue;
		/* every filename it gives: a second one cannot hide it */
		while (pickle_next(e->value.p, e->value.len, "filename", &from,
				   &fname))
			for (size_t i = 0; i < n; i++)
				if (fname.len == strlen(pages[i]) &&
				    memcmp(fname.p, pages[i], fname.len) == 0)
					found[i] = tied = true;
		if (!tied)
			continue;
		/* without its date the other files' entries cannot be told
		 * from those of a namesake's record: stop, not guess */
		if (!pickle_next(e->value.p, e->value.len, "date", &dfrom,
				 &date) || date.len != 11) {
			free(t);
			return errbuf_set(err, "'%s': the article record at byte "
					  "%zu has no date as Mailman writes it",
					  f->path, e->start);
		}
		while (pickle_next(e->value.p, e->value.len, "date", &dfrom,
				   &other))
			if (!sv_eq(other, date)) {
				free(t);
				return errbuf_set(err, "'%s': the article record "
						  "at byte %zu has two dates",
						  f->path, e->start);
			}
		e->drop = true;
		f->n_drop++;
		xgrow((void **)&t, &alloc, nt + 1, sizeof *t);
		t[nt++] = (struct target){ e->key, date };
	}
	*targets_r = t;
	*n_targets_r = nt;
	return 0;
}

static void
mark_entries(struct db_file *f, const struct target *t, size_t nt,
	     bool by_date)
{
	for (size_t k = 0; k < f->count; k++) {
		struct db_entry *e = &f->entries[k];

		for (size_t i = 0; i < nt && !e->drop; i++)
			if (sv_eq(e->value, t[i].msgid) &&
			    (!by_date || sv_eq(e->date, t[i].date))) {
				e->drop = true;
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

	if (f->refs)
		return errbuf_set(err, "'%s' holds interned strings (marshal "
				  "codes t and R), which listscrub cannot take "
				  "entries out of safely; Mailman's `bin/arch "
				  "--wipe` must regenerate it", f->path);
	out = xmalloc(f->len);
	out[len++] = '{';
	for (size_t k = 0; k < f->count; k++) {
		const struct db_entry *e = &f->entries[k];

		if (e->drop)
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
	for (int k = 0; k < DB_FILES; k++) {
		free(files[k].path);
		free(files[k].data);
		free(files[k].entries);
		free(out[k]);
	}
	free(targets);
	free(found);
	return rc;
}
