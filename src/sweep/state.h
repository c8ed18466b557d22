/* state.h -- what the last sweep read, so that the next reads only what
 * is new (listscrub-sweep(1) STATE).  One JSON file, versioned, written
 * whole with a temporary file, fsync and rename, under a lock (a second
 * sweep on the same state fails).
 *
 * Per mailbox: its identity (device, inode, size, mtime), where the last
 * run stopped (an mbox: the end of its last message; a Maildir: the
 * names of its files seen), how many messages came before, and SHA-256
 * digests of the first and of the last 64 KB before the stop: an
 * unchanged file costs two small reads, never a read of the whole,
 * while a file rewritten, truncated or rotated (inode changed, shorter,
 * a digest that differs) is read again whole.  Compressed files and
 * tarball members are read whole whenever their file changed.  A
 * changed rule set (its digest is kept) reads everything again.
 */
#ifndef LISTSCRUB_SWEEP_STATE_H
#define LISTSCRUB_SWEEP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;
struct mailbox;
struct sweep_state;
struct tree;
struct tree_entry;

#define SWEEP_STATE_VERSION 1

enum sweep_read {
	SWEEP_SKIP,             /* unchanged: not read */
	SWEEP_FROM,             /* grown: read from *from_r (an mbox), or
				   the files not seen (a Maildir) */
	SWEEP_FULL,             /* new, changed or rules changed */
};

/* A finding not accepted into the baseline yet: it is reported by every
 * run until it is. */
struct sweep_finding {
	char fp[65];            /* its keyed fingerprint, hex */
	char *path;             /* the mailbox */
	char *file;             /* a Maildir message's file, or NULL */
	unsigned long message;  /* 1-based number in the mailbox */
	char *rule;
	char *list;             /* the archive's list, or NULL */
};

/* Lock and read path (none yet: an empty state).  rules is the digest of
 * the rules and detectors: when it differs from the state's, every
 * mailbox is read whole and the findings left are dropped. */
int sweep_state_open(const char *path, const char *rules,
		     struct sweep_state **st_r, struct errbuf *err);

bool sweep_state_rules_changed(const struct sweep_state *st);

/* What to read of the mailbox at path (a walked mailbox's path):
 * *before_r is the number of messages read of it before. */
enum sweep_read sweep_state_plan(struct sweep_state *st, const char *path,
				 bool maildir, uint64_t *from_r,
				 unsigned long *before_r);

/* For mailbox_skip_files: was the Maildir file name seen (ctx: the
 * state's entry, from sweep_state_maildir)? */
bool sweep_state_seen(const char *name, void *ctx);
void *sweep_state_maildir(struct sweep_state *st, const char *path);

/* mb, known as path (its path, or a tarball member's shown name), was
 * read (from offset from, 0: whole), its messages numbered from before:
 * note where it stops now. */
void sweep_state_note_read(struct sweep_state *st, const struct mailbox *mb,
			   const char *path, uint64_t from,
			   unsigned long before);

/* The findings carried over; the ones of path are dropped (read whole
 * again, they are found again). */
size_t sweep_state_findings(const struct sweep_state *st,
			    const struct sweep_finding **f_r);
void sweep_state_drop_findings(struct sweep_state *st, const char *path);

/* Keep only the findings for which keep says true: the others were
 * accepted, or their message is gone. */
typedef bool (*sweep_keep_fn)(const struct sweep_finding *f, void *ctx);
void sweep_state_keep_findings(struct sweep_state *st, sweep_keep_fn keep,
			       void *ctx);
void sweep_state_add_finding(struct sweep_state *st,
			     const struct sweep_finding *f);

/* The archive's files hashed by the last run (for its manifest's
 * listing), and the listing of this run to keep. */
typedef void (*sweep_known_fn)(const struct tree_entry *e, void *ctx);
void sweep_state_known(const struct sweep_state *st, sweep_known_fn fn,
		       void *ctx);
void sweep_state_set_listing(struct sweep_state *st, const struct tree *t);

/* Write the state: the mailboxes planned or noted this run (the others
 * are gone), the findings, the listing. */
int sweep_state_save(struct sweep_state *st, struct errbuf *err);

/* Unlock and free. */
void sweep_state_close(struct sweep_state **st);

#endif
