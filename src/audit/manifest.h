/* manifest.h -- the bytes of manifest.jsonl (listscrub-manifest(5)).
 *
 * One JSON object per line, LF only, no blank line, no CR anywhere, keys
 * sorted, no insignificant white space, integers only: exactly what
 * jansson writes with JSON_COMPACT | JSON_SORT_KEYS.  Line 1 is the
 * header, the last line the footer; the file and act lines between are
 * the Merkle leaves (RFC 6962, the line bytes without LF), together with
 * the header.  A reader checks a line's form by parsing it and writing it
 * again: any other spelling of the same value is refused, and digests are
 * always computed over the raw bytes, never over a re-serialisation.
 */
#ifndef LISTSCRUB_MANIFEST_H
#define LISTSCRUB_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/digest.h"

struct errbuf;
struct manifest_writer;

/* 2: the listings are signed, acts may be defer-message, mode may be
 * partial.  Runs of version 1 are still read and verified. */
#define MANIFEST_VERSION 2
#define MANIFEST_VERSION_MIN 1
#define MANIFEST_NAME "manifest.jsonl"

/* What a reader of manifests takes at most (listscrub-verify(1)): a
 * file of a run directory (part_bytes), one line of a manifest or
 * listing (line_bytes) and the lines of one manifest or listing
 * (entries).  More is refused before it is parsed. */
struct manifest_limits {
	uint64_t part_bytes;
	size_t line_bytes;
	size_t entries;
};

#define MANIFEST_PART_MAX_DEFAULT ((uint64_t)1 << 30)   /* 1 GiB */
#define MANIFEST_LINE_MAX_DEFAULT ((size_t)1 << 20)     /* 1 MiB */
#define MANIFEST_ENTRIES_MAX_DEFAULT ((size_t)10000000)

/* For the whole process (a command sets them once, before reading). */
void manifest_set_limits(const struct manifest_limits *l);
const struct manifest_limits *manifest_get_limits(void);

/* Read a regular file of a run directory whole, refused past part_bytes
 * (checked before it is read); caller owns *data_r (NUL-terminated). */
int manifest_read_part(const char *path, char **data_r, size_t *len_r,
		       struct errbuf *err);

/* caller owns: manifest_writer_free */
struct manifest_writer *manifest_writer_new(void);

/* Append obj (borrowed) as the next line, a Merkle leaf. */
int manifest_writer_add(struct manifest_writer *w, json_t *obj,
			struct errbuf *err);

/* The same for a line already written by manifest_line (one obj, no
 * line end). */
int manifest_writer_add_line(struct manifest_writer *w, const char *line,
			     size_t len, struct errbuf *err);

/* The root over the lines added so far. */
void manifest_writer_root(const struct manifest_writer *w,
			  unsigned char out[DIGEST_LEN]);

/* Append the footer (not a leaf); no line may follow. */
int manifest_writer_finish(struct manifest_writer *w, json_t *footer,
			   struct errbuf *err);

const char *manifest_writer_text(const struct manifest_writer *w,
				 size_t *len_r);

void manifest_writer_free(struct manifest_writer **w);

/* The canonical line of obj, without LF; caller owns.  NULL when obj
 * holds a real number or a string that is not UTF-8. */
char *manifest_line(const json_t *obj);

/* A manifest read back, its form checked. */
struct manifest {
	json_t **lines;                 /* parsed objects */
	const char **raw;               /* each line's bytes in text */
	size_t *raw_len;                /* without LF */
	size_t count;
	char *text;                     /* the whole file */
	size_t len;
	long long version;              /* MANIFEST_VERSION_MIN.. */
};

/* Read path and check the byte rules and the line order: header first,
 * footer last, file lines then act lines, each with "n" counting from 1.
 * -1 with err naming the line that breaks a rule. */
int manifest_read(const char *path, struct manifest *m, struct errbuf *err);

/* The Merkle root over every line but the footer. */
void manifest_root(const struct manifest *m, unsigned char out[DIGEST_LEN]);

const json_t *manifest_header(const struct manifest *m);
const json_t *manifest_footer(const struct manifest *m);

void manifest_release(struct manifest *m);

/* The trusted comment that signs file ("manifest.jsonl" or
 * "summary.json") of the run with this header and footer:
 * "lmr1 file=F incident=I seq=N mode=M root=HEX acts=N files=N
 * tree_after=HEX prev=HEX|none finished=TIME".  Caller owns; NULL when a
 * field is missing. */
char *manifest_trusted_comment(const char *file, const json_t *header,
			       const json_t *footer);

/* Field helpers for readers: the string, integer or digest at key, or
 * NULL / -1 / false when absent or of another type. */
const char *json_str(const json_t *obj, const char *key);
long long json_int(const json_t *obj, const char *key);
bool json_digest(const json_t *obj, const char *key, const char *alg,
		 unsigned char out[DIGEST_LEN]);

struct mailbox;

/* The SHA-256 of each message of a loaded mailbox, in file order (the
 * bytes mailbox_message gives); caller owns *digests_r. */
int manifest_message_digests(const struct mailbox *mb,
			     unsigned char (**digests_r)[DIGEST_LEN],
			     size_t *count_r, struct errbuf *err);

#endif
