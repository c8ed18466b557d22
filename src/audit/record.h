/* record.h -- the signed manifest of one purge run, written into its own
 * directory (listscrub-manifest(5)):
 *
 *   manifest.jsonl          header, file lines, act lines, footer
 *   manifest.jsonl.minisig  minisign signature, trusted comment = summary
 *   tree-before.sha256      every file in scope before the run
 *   tree-after.sha256       ... and after it
 *   summary.json(.minisig)  counts and roots only: publishable
 *
 * The order of calls follows the run: record_begin lists the archive
 * before anything changes (its files are read by record_write_intent or
 * record_finish, whichever comes first, unless the writer's pass over a
 * changed mbox gave its digest); record_mailbox is told of each mailbox about to
 * change and reads its original bytes (a code path apart from the writer);
 * record_mailbox_done re-reads what the writer left and checks it holds
 * exactly the kept messages; record_finish lists the archive again and
 * writes the directory, signatures last.
 */
#ifndef LISTSCRUB_RECORD_H
#define LISTSCRUB_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/digest.h"
#include "mail/change.h"

struct errbuf;
struct incident_key;
struct json_t;
struct mailbox;
struct ms_secret;
struct record;
struct scope;
struct select_settings;
struct selected;
struct tree;
struct tree_entry;

struct record_settings {
	const char *incident;
	const char *operator_name;
	bool apply;                             /* else a plan */
	bool sweep;                             /* a sweep's report (mode
						   "sweep"): never applies */
	unsigned long seq;
	const unsigned char *prev;              /* SHA-256 of the previous
						   manifest; NULL when seq 1 */
	const struct incident_key *incident_key;
	const struct ms_secret *sign_key;
	const struct select_settings *selectors;        /* what was asked */
	const char *intent_dir;                 /* where record_write_intent
						   puts the intent; NULL:
						   none */
};

int record_begin(struct record **r, const struct record_settings *s,
		 const struct scope *sc, const char *skip_dir,
		 struct errbuf *err);

/* items[0..n) are the messages of mb the run changes (ascending index);
 * changes[k] says how item k changes (changes NULL: all are deleted); d
 * is what the writer prepared (NULL for a plan: read here).  Told before
 * the change is made: the original bytes are read for the keyed digests. */
int record_mailbox(struct record *r, struct mailbox *mb,
		   const struct selected *items,
		   const struct message_change *changes, size_t n,
		   const struct change_digests *d, struct errbuf *err);

/* Nothing of mb was changed: drop what record_mailbox noted for it. */
void record_forget(struct record *r, const struct mailbox *mb);

/* After the writer's commit: done[k] says whether change k was made;
 * what was not made leaves the record (an mbox is changed whole or not
 * at all). */
void record_mailbox_done(struct record *r, const struct mailbox *mb,
			 const struct selected *items, const bool *done,
			 size_t n);

/* A file that is not a mailbox changes with the mailboxes (a pipermail
 * page, index, database file or attachment; removed or rewritten): its
 * role ("tombstone", ...) and, for a tombstone, the message of the
 * volume text it showed (of, index; of NULL: none).  Told before the
 * change is made, as record_mailbox is. */
int record_file(struct record *r, const char *path, bool removed,
		const char *role, const char *of, size_t index,
		struct errbuf *err);

/* path's new bytes, known before the change (a pipermail edit's): their
 * digest goes into the intent and tree-after.  No-op for a path not
 * recorded. */
void record_file_after(struct record *r, const char *path, const void *data,
		       size_t len);

/* path (listed before the run) was rewritten as a whole by the run, its
 * new bytes known: a tarball written back (role "tarball"). */
int record_file_digest(struct record *r, const char *path, const char *role,
		       const unsigned char digest[DIGEST_LEN], uint64_t size);

/* That file was not changed after all (the run stopped before). */
void record_file_forget(struct record *r, const char *path);

/* None of those files was changed (r may be NULL). */
void record_forget_files(struct record *r);

/* A message --limit leaves for a later run: recorded as deferred, so
 * that verify does not look for it as gone. */
int record_deferred(struct record *r, const struct mailbox *mb,
		    const struct selected *item, struct errbuf *err);

/* Read the files of the listing before the run now, when something other
 * than the run's writer is about to change them (a HyperKitty run's new
 * export replaces the old).  -1 with err filled. */
int record_read_before(struct record *r, struct errbuf *err);

/* The run changed a HyperKitty database through its app (the files of
 * the record are the site's exports before and after): what the app
 * reported, its tables' digests before and after, goes into the header
 * as "hyperkitty" (listscrub-manifest(5)).  Takes site_run over. */
void record_note_hyperkitty(struct record *r, struct json_t *site_run);

/* The run stopped after changing some files: its manifest says "partial"
 * and records exactly what was changed. */
void record_mark_partial(struct record *r);

/* After the last record_mailbox / record_file and before the first
 * change: write and sign the run's intent (listscrub-manifest(5)) into
 * the settings' intent_dir, which appears whole or not at all: every
 * file the run will change with its digest before (and after, where the
 * new copy is built already) and the act lines.  record_finish removes
 * it once the manifest is written; a run that stops before leaves it
 * for the next run (record_resolve_intents) and for verify to find. */
int record_write_intent(struct record *r, struct errbuf *err);

/* List the archive again, write and sign everything into run_dir (which
 * must not exist; it appears complete or not at all): the manifest, its
 * summary and both listings, each signed. */
int record_finish(struct record *r, const char *run_dir, struct errbuf *err);

void record_free(struct record **r);

/* A file's digest known from an earlier listing (a sweep's state): the
 * file is not read again when its path and identity (device, inode,
 * size, mtime) are the entry's.  Between record_begin and record_finish. */
void record_known_digest(struct record *r, const struct tree_entry *known);

/* The listing of the archive before the run, every file hashed once
 * record_finish returned 0; borrowed until record_free. */
const struct tree *record_listing(const struct record *r);

/* The next run of incident in manifest_dir (created when missing), locked
 * against a second run until *lock_fd_r is closed: its seq is one more
 * than the highest numbered run there, prev the SHA-256 of that run's
 * manifest.  A run of another incident there is an error. */
struct next_run {
	unsigned long seq;
	bool has_prev;
	unsigned char prev[DIGEST_LEN];
	char *manifest_dir;             /* absolute */
	char *dir;                      /* the run's: manifest_dir/NNNN */
	char *intent_dir;               /* its intent: dir + ".intent" */
	int lock_fd;
};

int record_next_run(const char *manifest_dir, const char *incident,
		    struct next_run *next, struct errbuf *err);

void record_next_run_release(struct next_run *next);

/* What an earlier run that stopped half-way (its intent there, its
 * manifest not) turned out to have done, as the next run found it: each
 * file's digest now against its digest before and after.  outcome is
 * "done" (every change made), "partial" or "not-carried-out". */
struct intent_outcome {
	unsigned long seq;
	const char *outcome;
	size_t after, before, other;    /* files found changed, unchanged,
					   in neither state */
	char *record;                   /* its record now:
					   manifest_dir/NNNN.interrupted-K */
};

/* With next's lock held: turn every intent left in next->manifest_dir
 * into a signed record of its outcome (the intent kept beside it, the
 * resolution signed with key), and remove the temp directories killed
 * runs left there (*temps_r counts them).  sc resolves the intents'
 * paths.  Caller frees *out_r with intent_outcomes_free. */
int record_resolve_intents(const struct next_run *next, const struct scope *sc,
			   const struct ms_secret *key, const char *operator_name,
			   struct intent_outcome **out_r, size_t *n_r,
			   size_t *temps_r, struct errbuf *err);

void intent_outcomes_free(struct intent_outcome *o, size_t n);

/* A change a run that stopped half-way planned (an act of its intent)
 * that may still be to make: the intents of killed runs (NNNN.interrupted-K,
 * unless resolved "done") and of runs that failed after their first change
 * (kept in their NNNN beside the manifest of what they made), less the
 * files the resolution found changed.  Whether the message is still there
 * as it was, its keyed digest tells. */
struct pending_act {
	unsigned long seq;                      /* the run that planned it */
	bool redact;                            /* else a deletion */
	char *file;                             /* relative to the root */
	size_t index;                           /* in the file then */
	unsigned char before[DIGEST_LEN];       /* the message's keyed digest */
	unsigned int reasons;                   /* enum select_reason */
};

/* Every such act recorded in manifest_dir, in run order.  Caller frees
 * *out_r with pending_acts_free; -1 with err when a record cannot be
 * read. */
int record_pending_acts(const char *manifest_dir, struct pending_act **out_r,
			size_t *n_r, struct errbuf *err);
void pending_acts_free(struct pending_act *a, size_t n);

/* Is name "NNNN.intent": a run's intent (left when it stopped)? */
bool record_is_intent_name(const char *name, unsigned long *seq_r);

/* Does path (its last part) name "NNNN.interrupted-K": the record of a
 * run that stopped half-way, as the next run resolved it?  seq_r (or
 * NULL) gets NNNN. */
bool record_is_interrupted_name(const char *path, unsigned long *seq_r);

/* The trusted comments of an intent and of its resolution (by: the run
 * that resolved it): what purge signs and verify expects. */
char *record_intent_comment(const char *incident, unsigned long seq,
			    const char *started);
char *record_resolution_comment(unsigned long seq, const char *outcome,
				const char *resolved, unsigned long by);

#define INTENT_NAME "intent.json"
#define RESOLUTION_NAME "resolution.json"

#endif
