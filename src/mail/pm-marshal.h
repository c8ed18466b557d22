/* pm-marshal.h -- the bytes of a pipermail volume's database files, read
 * (listscrub-pipermail(7)): each file is one Python-2 marshal dict, and
 * the values of VOL-article are protocol-0 pickle text, read as text and
 * never unpickled (its INST opcode would import and build a class).
 * Nothing here allocates what it reads: every string is a view of the
 * caller's bytes, so a change can be spliced in at its offset.
 */
#ifndef LISTSCRUB_PM_MARSHAL_H
#define LISTSCRUB_PM_MARSHAL_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;

/* Some bytes of a file: a string object's payload. */
struct pm_sv {
	const unsigned char *p;
	size_t len;
	bool ok;                /* false: the object is not a string */
};

/* What the reader saw of one object. */
struct pm_mobj {
	unsigned char type;
	size_t at;              /* its type byte */
	struct pm_sv str;       /* s, t, u, or the string R names */
	struct pm_sv penult;    /* a tuple's item [-2], when a string */
};

/* An item of the file's dict. */
struct pm_mitem {
	size_t start, end;      /* the key's type byte to the value's end */
	struct pm_mobj key, value;
};

/* A string object: its type byte at at ('s', 't' or 'u'), its int32
 * length, then its payload str. */
struct pm_mstr {
	size_t at;
	unsigned char type;
	struct pm_sv str;
};

struct pm_mfile {
	const char *path;               /* borrowed: named in errors */
	const unsigned char *p;         /* borrowed */
	size_t len;
	struct pm_mitem *items;         /* the dict's, in file order */
	size_t count, items_alloc;
	struct pm_mstr *strs;           /* every string object, in order */
	size_t n_strs, strs_alloc;
	bool refs;                      /* holds 't' or 'R' codes */
};

/* Read m->p[0..m->len) as the marshal dict Mailman writes, filling the
 * rest of m.  -1 with err naming m->path and the byte where it is not. */
int pm_marshal_read(struct pm_mfile *m, struct errbuf *err);

void pm_marshal_release(struct pm_mfile *m);

/* Is s[0..n) UTF-8 as Python 2 and 3 decode it (surrogates pass)? */
bool pm_utf8_ok(const unsigned char *s, size_t n);

/* The next S'name'\np<N>\nS'value' of pickle text p[0..len) (either
 * quote, the memo put optional) at or after *from: *value the bytes
 * between the value's quotes, which hold no escape; *from past it. */
bool pm_pickle_next(const unsigned char *p, size_t len, const char *name,
		    size_t *from, struct pm_sv *value);

/* A string argument of pickle text. */
struct pm_pstr {
	size_t off, len;        /* its text within the pickle */
	unsigned char op;       /* 'S': between its quotes, repr-escaped;
				   'V': its line, raw-unicode-escaped */
	bool key;               /* used as a dict key (an attribute's name) */
};

/* The string arguments of the protocol-0 pickle p[0..len), in order
 * (caller frees *strs_r), each marked when the pickle uses it as a dict
 * key, directly or by its memo.  -1 with err naming path and the
 * record's byte at when the text is not a pickle Mailman writes. */
int pm_pickle_strings(const unsigned char *p, size_t len, const char *path,
		      size_t at, struct pm_pstr **strs_r, size_t *n_r,
		      struct errbuf *err);

/* The length of the escape (or the byte) at s[i] of a string argument
 * s[0..len) of op ('S', 'V'; 0: a marshal string, which has none).  A
 * change that began or ended inside one would leave half an escape,
 * which Python may not read. */
size_t pm_pickle_unit(unsigned char op, const unsigned char *s, size_t len,
		      size_t i);

#endif
