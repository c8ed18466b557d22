/* record-private.h -- what the parts of a run's record share: its state
 * (record.c) and the JSON of its lines (record-lines.c).  Not for other
 * modules. */
#ifndef LISTSCRUB_RECORD_PRIVATE_H
#define LISTSCRUB_RECORD_PRIVATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit/digest.h"
#include "audit/record.h"
#include "audit/tree.h"

struct manifest_writer;
struct ms_secret;

#define TIME_TEXT_SIZE 32

/* A file the run changes: an mbox rewritten, or a message file removed
 * or replaced. */
struct changed_file {
	char *rel;
	const struct mailbox *mb;
	bool removed;                   /* Maildir or single message file */
	json_t *before_msgs;            /* mbox: {"msgs","msgs_root"} */
	json_t *after_msgs;             /* mbox: what it holds after */
	bool has_file_after;            /* the writer's digest of the file */
	unsigned char file_after[DIGEST_LEN];
	uint64_t size_after;
	json_t *what;                   /* not a mailbox: {"role", ...} */
};

struct act {
	char *file;
	size_t index;
	/* its line as the manifest writes it (compact, sorted keys), but
	 * without "n": text takes a tenth of the memory of a json_t */
	char *line;
	const char *action;             /* "redact-message", ... */
};

struct record {
	struct record_settings s;
	const struct scope *sc;
	char started[TIME_TEXT_SIZE];
	struct tree before;
	struct changed_file *files;
	size_t nfiles, files_alloc;
	struct act *acts;
	size_t nacts, acts_alloc;
	bool partial;                   /* stopped after changing something */
	unsigned int kinds;             /* 1 << enum mailbox_kind seen */
	bool compressed;
	bool intent_written;            /* its intent is in the manifest dir */
	json_t *hyperkitty;             /* the site's run (header), or NULL */
};

/* Write data as dir/name (new) and its signature as dir/name.minisig. */
int record_write_signed(const struct ms_secret *key, const char *dir,
			const char *name, const char *data, size_t len,
			const char *comment, struct errbuf *err);

/* Copy the signed intent (intent.json and its .minisig) from dir from
 * into dir to. */
int record_copy_intent(const char *from, const char *to, struct errbuf *err);

/* Read the files of the listing before the run that no change's pass
 * read already (record.c); before the first change, and again (a no-op)
 * at the end. */
int record_hash_before(struct record *r, struct errbuf *err);

/* The run's manifest is written: its intent goes (record-intent.c). */
void record_drop_intent(struct record *r);

/* Remove dir and the files in it (a run's temp directory); best effort. */
void record_remove_dir(const char *dir);

/* "YYYY-MM-DDTHH:MM:SSZ", now. */
void now_text(char out[TIME_TEXT_SIZE]);

json_t *digest_json(const char *alg, const unsigned char d[DIGEST_LEN]);

/* A file line for rel (taken over) of mb (NULL: a file that is not a
 * mailbox). */
struct changed_file *record_add_changed(struct record *r,
					const struct mailbox *mb, char *rel);

/* Drop the file lines and act lines of files of mb (rel only == NULL:
 * every file of mb). */
void record_drop_changed(struct record *r, const struct mailbox *mb,
			 const char *only);

/* The keyed digest of data under context, as JSON text. */
json_t *mac_json(const struct record *r, const char *context,
		 const void *data, size_t len);

/* The reasons of a selection, as a sorted array of names. */
json_t *reasons_json(unsigned int reasons);

/* One hit object per distinct leaked address of item. */
json_t *hits_json(const struct record *r, const struct selected *item);

json_t *header_json(const struct record *r, const struct tree_digest *before);
json_t *footer_json(const struct record *r,
		    const unsigned char root[DIGEST_LEN],
		    const struct tree_digest *after, const char *finished);
json_t *summary_json(const struct record *r, const char *manifest, size_t len,
		     const unsigned char root[DIGEST_LEN],
		     const struct tree_digest *after, const char *finished);

/* The file lines (sorted by path) and the act lines (by file, then
 * position), numbered, added to w. */
int add_file_lines(struct record *r, struct manifest_writer *w,
		   const struct tree *after, struct errbuf *err);
int add_act_lines(struct record *r, struct manifest_writer *w,
		  struct errbuf *err);

/* One message a run deletes or redacts, and where its act line puts it. */
struct act_input {
	const struct mailbox *mb;
	const struct selected *item;
	const struct message_change *ch;        /* NULL: deleted */
	const char *file;                       /* relative to the root */
	size_t index_in_file;
	bool deferred;                          /* left for a later run */
};

/* The act line of a deleted or redacted message (record-acts.c); its
 * keyed digest goes to *mac. */
int record_act(struct record *r, const struct act_input *in,
	       unsigned char mac[DIGEST_LEN], struct errbuf *err);

#endif
