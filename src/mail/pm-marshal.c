/* pm-marshal.c -- reading the database files' marshal dict and the
 * article records' pickle text, in place. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/pm-marshal.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

/* Mailman's objects nest two deep; anything near this is hostile, and
 * the reader recurses. */
#define MAX_DEPTH 64

struct reader {
	struct pm_mfile *m;
	size_t pos;
	struct pm_sv *refs;     /* the 't' strings, for 'R' */
	size_t n_refs, refs_alloc;
	struct errbuf *err;
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
			  "writes: byte %zu: %s", r->m->path, at, what);
}

static int
read_i32(struct reader *r, size_t at, int32_t *v_r)
{
	const unsigned char *q = r->m->p + r->pos;
	uint32_t u;

	*v_r = 0;
	if (r->m->len - r->pos < 4)
		return bad(r, at, "the file ends inside the object");
	u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
	    (uint32_t)q[3] << 24;
	/* two's complement without an implementation-defined cast */
	*v_r = u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
	r->pos += 4;
	return 0;
}

bool
pm_utf8_ok(const unsigned char *s, size_t n)
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

static int read_object(struct reader *r, unsigned depth, struct pm_mobj *o);

static int
read_string(struct reader *r, struct pm_mobj *o)
{
	struct pm_mfile *m = r->m;
	int32_t n;

	if (read_i32(r, o->at, &n) < 0)
		return -1;
	if (n < 0)
		return bad(r, o->at, "a string of negative length %ld", (long)n);
	if ((size_t)n > m->len - r->pos)
		return bad(r, o->at, "a string of %ld bytes runs past the end "
			   "of the file", (long)n);
	o->str = (struct pm_sv){ m->p + r->pos, (size_t)n, true };
	r->pos += (size_t)n;
	if (o->type == 'u' && !pm_utf8_ok(o->str.p, o->str.len))
		return bad(r, o->at, "a unicode string that is not UTF-8");
	if (o->type == 't') {
		m->refs = true;
		xgrow((void **)&r->refs, &r->refs_alloc, r->n_refs + 1,
		      sizeof *r->refs);
		r->refs[r->n_refs++] = o->str;
	}
	xgrow((void **)&m->strs, &m->strs_alloc, m->n_strs + 1,
	      sizeof *m->strs);
	m->strs[m->n_strs++] = (struct pm_mstr){ o->at, o->type, o->str };
	return 0;
}

/* A long: a signed digit count, then 15-bit digits, the last nonzero. */
static int
read_long(struct reader *r, size_t at)
{
	const unsigned char *p = r->m->p;
	uint32_t digits;
	int32_t n;

	if (read_i32(r, at, &n) < 0)
		return -1;
	if (n == INT32_MIN)
		return bad(r, at, "a long of %ld digits", (long)n);
	digits = (uint32_t)(n < 0 ? -n : n);
	if (digits > (r->m->len - r->pos) / 2)
		return bad(r, at, "a long of %lu digits runs past the end of "
			   "the file", (unsigned long)digits);
	for (uint32_t i = 0; i < digits; i++) {
		unsigned d = p[r->pos] | (unsigned)p[r->pos + 1] << 8;

		if (d > 0x7fff || (i == digits - 1 && d == 0))
			return bad(r, r->pos, "a long with a bad digit");
		r->pos += 2;
	}
	return 0;
}

static int
read_tuple(struct reader *r, unsigned depth, struct pm_mobj *o)
{
	struct pm_sv prev = { 0 }, last = { 0 };
	int32_t n;

	if (read_i32(r, o->at, &n) < 0)
		return -1;
	if (n < 0)
		return bad(r, o->at, "a tuple of negative size %ld", (long)n);
	if ((size_t)n > r->m->len - r->pos)     /* each item takes a byte */
		return bad(r, o->at, "a tuple of %ld items runs past the end "
			   "of the file", (long)n);
	for (int32_t i = 0; i < n; i++) {
		struct pm_mobj item;

		if (read_object(r, depth + 1, &item) < 0)
			return -1;
		prev = last;
		last = item.str;
	}
	if (n >= 2)
		o->penult = prev;
	return 0;
}

/* The items of a dict after its '{', through its '0'; those of the
 * file's own dict (top) go to its items. */
static int
read_dict(struct reader *r, unsigned depth, bool top)
{
	struct pm_mfile *m = r->m;

	for (;;) {
		struct pm_mobj key, value;
		size_t start = r->pos;

		if (r->pos >= m->len)
			return bad(r, r->pos, "the file ends before the dict's "
				   "end (0)");
		if (m->p[r->pos] == '0') {
			r->pos++;
			return 0;
		}
		if (read_object(r, depth + 1, &key) < 0 ||
		    read_object(r, depth + 1, &value) < 0)
			return -1;
		if (!top)
			continue;
		xgrow((void **)&m->items, &m->items_alloc, m->count + 1,
		      sizeof *m->items);
		m->items[m->count++] = (struct pm_mitem){
			start, r->pos, key, value,
		};
	}
}

static int
read_object(struct reader *r, unsigned depth, struct pm_mobj *o)
{
	size_t at = r->pos;
	int32_t idx;

	memset(o, 0, sizeof *o);
	o->at = at;
	if (r->pos >= r->m->len)
		return bad(r, at, "the file ends inside an object");
	if (depth > MAX_DEPTH)
		return bad(r, at, "objects nested more than %d deep", MAX_DEPTH);
	o->type = r->m->p[r->pos++];
	switch (o->type) {
	case 's':
	case 't':
	case 'u':
		return read_string(r, o);
	case 'R':
		r->m->refs = true;
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
		return read_tuple(r, depth, o);
	case '{':
		return read_dict(r, depth, false);
	case '0':
		return bad(r, at, "a null object (0) where an object must be");
	default:
		return bad(r, at, "type code 0x%02x, which is not one Mailman "
			   "writes", o->type);
	}
}

int
pm_marshal_read(struct pm_mfile *m, struct errbuf *err)
{
	struct reader r = { .m = m, .err = err };
	int rc = -1;

	if (m->len == 0) {
		bad(&r, 0, "the file is empty");
		goto out;
	}
	if (m->p[0] != '{') {
		bad(&r, 0, "type code 0x%02x where the dict must be", m->p[0]);
		goto out;
	}
	r.pos = 1;
	if (read_dict(&r, 0, true) < 0)
		goto out;
	if (r.pos != m->len) {
		bad(&r, r.pos, "data after the dict's end (%zu bytes)",
		    m->len - r.pos);
		goto out;
	}
	rc = 0;
out:
	free(r.refs);
	return rc;
}

void
pm_marshal_release(struct pm_mfile *m)
{
	free(m->items);
	free(m->strs);
	m->items = NULL;
	m->strs = NULL;
	m->count = m->items_alloc = m->n_strs = m->strs_alloc = 0;
}

/* ---- pickle text ---------------------------------------------------- */

static bool
is_opcode_start(const unsigned char *p, size_t i)
{
	/* after an argument's newline, or after an opcode that has none */
	return i == 0 || (p[i - 1] != '\0' &&
			  strchr("\n(sadltu0be", p[i - 1]) != NULL);
}

/* Mailman puts every string on a line of its own with its newlines
 * escaped, so this cannot match inside one. */
bool
pm_pickle_next(const unsigned char *p, size_t len, const char *name,
	       size_t *from, struct pm_sv *value)
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
		*value = (struct pm_sv){ p + v, j - v, true };
		*from = j + 2;
		return true;
	}
	return false;
}

#define MARK (-2)               /* a stack item: the pickle's MARK */
#define OTHER (-1)              /* one that is not a string */

/* Just enough of the pickle machine to know which strings are dict keys:
 * its stack (of a string's index, OTHER or MARK) and its memo. */
struct pmachine {
	long *stack;
	size_t depth, stack_alloc;
	struct memo { unsigned long n; long item; } *memo;
	size_t n_memo, memo_alloc;
	struct pm_pstr *strs;
	size_t n_strs, strs_alloc;
	const char *why;        /* what was wrong, at the opcode */
};

static bool
fail(struct pmachine *pm, const char *why)
{
	pm->why = why;
	return false;
}

static void
push(struct pmachine *pm, long item)
{
	xgrow((void **)&pm->stack, &pm->stack_alloc, pm->depth + 1,
	      sizeof *pm->stack);
	pm->stack[pm->depth++] = item;
}

/* Pop the top n objects into it, the deepest first. */
static bool
pop(struct pmachine *pm, size_t n, long *it)
{
	for (size_t i = n; i-- > 0;) {
		if (pm->depth == 0 || pm->stack[pm->depth - 1] == MARK)
			return fail(pm, "an opcode with too few objects for it");
		it[i] = pm->stack[--pm->depth];
	}
	return true;
}

/* Pop through the topmost MARK: where its objects began, 0 if none. */
static size_t
pop_mark(struct pmachine *pm)
{
	size_t i = pm->depth;

	while (i > 0 && pm->stack[i - 1] != MARK)
		i--;
	if (i == 0)
		fail(pm, "an opcode that needs a MARK with none before it");
	else
		pm->depth = i - 1;
	return i;
}

static void
set_key(struct pmachine *pm, long item)
{
	if (item >= 0)
		pm->strs[item].key = true;
}

static long
add_str(struct pmachine *pm, size_t off, size_t len, unsigned char op)
{
	xgrow((void **)&pm->strs, &pm->strs_alloc, pm->n_strs + 1,
	      sizeof *pm->strs);
	pm->strs[pm->n_strs] = (struct pm_pstr){ off, len, op, false };
	return (long)pm->n_strs++;
}

static bool
memo_index(const unsigned char *arg, size_t n, unsigned long *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (arg[i] < '0' || arg[i] > '9')
			return false;
		*v = *v * 10 + (arg[i] - '0');
	}
	return n > 0 && n < 10;
}

/* One opcode, its argument line at p[arg] (alen bytes, without its
 * newline): false with pm->why when it is not one a protocol-0 pickle
 * of Mailman's can hold. */
static bool
step(struct pmachine *pm, unsigned char op, const unsigned char *p,
     size_t arg, size_t alen)
{
	size_t top = pm->depth, base;
	unsigned long n;
	long it[3];

	switch (op) {
	case '(':
		push(pm, MARK);
		return true;
	case 'S':
		if (alen < 2 || (p[arg] != '\'' && p[arg] != '"') ||
		    p[arg + alen - 1] != p[arg])
			return fail(pm, "a string (S) not between quotes");
		push(pm, add_str(pm, arg + 1, alen - 2, 'S'));
		return true;
	case 'V':
		push(pm, add_str(pm, arg, alen, 'V'));
		return true;
	case 'I': case 'L': case 'F': case 'N': case 'c':
		push(pm, OTHER);
		return true;
	case 'p':
	case 'g':
		if (!memo_index(p + arg, alen, &n))
			return fail(pm, "a memo index that is not a number");
		for (size_t i = pm->n_memo; op == 'g' && i-- > 0;)
			if (pm->memo[i].n == n) {
				push(pm, pm->memo[i].item);
				return true;
			}
		if (op == 'g')
			return fail(pm, "a memo get (g) of nothing put");
		if (!pop(pm, 1, it))
			return false;
		push(pm, it[0]);
		xgrow((void **)&pm->memo, &pm->memo_alloc, pm->n_memo + 1,
		      sizeof *pm->memo);
		pm->memo[pm->n_memo++] = (struct memo){ n, it[0] };
		return true;
	case 's':               /* dict, key, value: the dict stays */
		if (!pop(pm, 3, it))
			return false;
		set_key(pm, it[1]);
		push(pm, OTHER);
		return true;
	case 'a': case 'b': case 'R':   /* one object made of two */
		if (!pop(pm, 2, it))
			return false;
		push(pm, OTHER);
		return true;
	case '0': case '2':
		if (!pop(pm, 1, it))
			return false;
		for (int k = op == '2' ? 2 : 0; k > 0; k--)
			push(pm, it[0]);
		return true;
	case 'd':
		if ((base = pop_mark(pm)) == 0)
			return false;
		if ((top - base) % 2)
			return fail(pm, "a dict of an odd number of objects");
		for (size_t i = base; i < top; i += 2)
			set_key(pm, pm->stack[i]);
		push(pm, OTHER);
		return true;
	case 'l': case 't': case 'i': case '1':
		if (pop_mark(pm) == 0)
			return false;
		if (op != '1')
			push(pm, OTHER);
		return true;
	default:
		return fail(pm, "an opcode that is not of protocol 0");
	}
}

/* How many argument lines op takes. */
static int
arg_lines(unsigned char op)
{
	if (op == 'i' || op == 'c')
		return 2;       /* module and class */
	return op && strchr("SVILFgp", op) ? 1 : 0;
}

int
pm_pickle_strings(const unsigned char *p, size_t len, const char *path,
		  size_t at, struct pm_pstr **strs_r, size_t *n_r,
		  struct errbuf *err)
{
	struct pmachine pm = { 0 };
	size_t pos = 0, op_at = 0;
	bool stopped = false;

	while (pos < len && !stopped && !pm.why) {
		unsigned char op = p[op_at = pos++];
		size_t arg = pos, alen = 0;

		for (int k = arg_lines(op); k > 0 && !pm.why; k--) {
			const unsigned char *nl = memchr(p + pos, '\n',
							 len - pos);

			if (nl == NULL) {
				pm.why = "the text ends inside an argument";
				break;
			}
			arg = pos;
			alen = (size_t)(nl - p) - pos;
			pos += alen + 1;
		}
		if (op == '.')
			stopped = true;
		else if (!pm.why)
			step(&pm, op, p, arg, alen);
	}
	if (!pm.why && !stopped) {
		pm.why = "the text ends before its STOP (.)";
	} else if (!pm.why && pos != len) {
		pm.why = "text after its STOP (.)";
		op_at = pos;
	}
	free(pm.stack);
	free(pm.memo);
	if (pm.why) {
		free(pm.strs);
		return errbuf_set(err, "'%s': the article record at byte %zu "
				  "is not the pickle text Mailman writes: "
				  "byte %zu of it: %s", path, at, op_at,
				  pm.why);
	}
	*strs_r = pm.strs;
	*n_r = pm.n_strs;
	return 0;
}

size_t
pm_pickle_unit(unsigned char op, const unsigned char *s, size_t len, size_t i)
{
	size_t n = 2;

	if (op == 0 || s[i] != '\\' || len - i < 2)
		return 1;
	if (op == 'V') {
		n = s[i + 1] == 'u' ? 6 : s[i + 1] == 'U' ? 10 : 1;
		for (size_t j = 2; j < n; j++)
			if (i + j >= len || !isxdigit(s[i + j]))
				return 1;
		return n;
	}
	if (s[i + 1] == 'x')
		n = 4;
	else if (s[i + 1] >= '0' && s[i + 1] <= '7')   /* octal: 1 to 3 */
		while (n < 4 && i + n < len && s[i + n] >= '0' &&
		       s[i + n] <= '7')
			n++;
	return n < len - i ? n : len - i;
}
