/* verify-private.h -- what the checks of verify share: the context of
 * one verification, and how a check records its result.  The checks of
 * the manifest itself are in verify-manifest.c, those of the archive in
 * verify-archive.c, the order of them in verify.c.  Not for other
 * modules.  The messages check, and the gone check's work on each
 * message (in the selection's pass), are in verify-messages.c. */
#ifndef LISTSCRUB_VERIFY_PRIVATE_H
#define LISTSCRUB_VERIFY_PRIVATE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/manifest.h"
#include "audit/tree.h"
#include "audit/verify.h"
#include "lib/errbuf.h"

#define MAX_FINDINGS 100

struct addrset;
struct file_acts;
struct mailbox_list;

struct vctx {
	const struct verify_settings *s;
	struct verify_report *rep;
	struct manifest m;
	const json_t *header, *footer;
	bool apply;                     /* files changed: apply or partial */
	bool partial;                   /* the run stopped part-way */
	struct tree before, after;      /* the listings, as recorded */
	struct scope scope;
	struct tree now;                /* the archive as it is */
	struct file_digests *pre;       /* the changed mbox files' message
					   digests, taken by the gone check's
					   pass (verify-messages.c); sorted */
	size_t n_pre;
	struct file_acts *acts;         /* check_messages: by file, then line */
	size_t n_acts;
	/* The archive's listing, taken on a thread of its own while the
	 * messages are read (start_archive, check_archive). */
	pthread_t lister;
	bool listing;                   /* lister runs */
	char *skip;                     /* the manifest directory */
	int list_rc;
	struct errbuf list_err;
};

/* The SHA-256 of each message of a changed mbox file, or why they could
 * not be had (the text of a messages finding). */
struct file_digests {
	char *rel;
	unsigned char (*d)[DIGEST_LEN];
	size_t n;
	char *error;                    /* NULL: d holds n digests */
};

/* The keyed values of what the run removed, to look for. */
struct removed {
	struct addrset *tokens;                 /* keyed: "hmac-sha256:..." */
	unsigned char (*mids)[DIGEST_LEN];      /* sorted: deleted by ID */
	size_t n_mids;
	unsigned char (*held_mids)[DIGEST_LEN]; /* sorted: deleted for what
						   they held */
	size_t n_held_mids;
	char **namesakes;                       /* notes: their Message-IDs
						   in other messages */
	size_t n_namesakes;
	unsigned char (*msgs)[DIGEST_LEN];      /* sorted */
	size_t n_msgs;
	/* The lengths of those originals, sorted: a message of another
	 * length is not one of them, and needs no keyed digest.  Not known
	 * (a line without pos_before.len): every message gets one. */
	uint64_t *lens;
	size_t n_lens;
	bool lens_known;
	unsigned char (*deferred)[DIGEST_LEN];  /* sorted: left by --limit */
	size_t n_deferred;
	size_t deferred_seen;                   /* of those, holding a token */
	size_t in_not_mail;                     /* files not mail holding one */
	size_t failures;                        /* everything else found */
};

/* The gone check's work on every message of every loaded mailbox, done
 * inside the selection's pass that searches for the leaked tokens (its
 * hook), so that each message is read once: what rm holds (findings, by
 * look_end), and the digests of the changed mbox files (v->pre). */
struct look;
struct select_hook;
struct look *look_begin(struct vctx *v, struct removed *rm);
const struct select_hook *look_hook(struct look *lk);
/* The findings (when report_findings), in mailbox and message order;
 * frees *lk. */
void look_end(struct look **lk, bool report_findings);

/* Is d in the sorted array arr of n digests? */
bool digest_held(const unsigned char (*arr)[DIGEST_LEN], size_t n,
		 const unsigned char d[DIGEST_LEN]);

void vset(struct vctx *v, enum verify_check c, enum check_status st,
	  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A line of detail behind a check's result (at most MAX_FINDINGS). */
void finding(struct vctx *v, enum verify_check c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

bool passed(const struct vctx *v, enum verify_check c);

/* Checks that need an earlier one that did not pass are not run: false
 * (and c NOT CHECKED) when dep did not pass. */
bool needs(struct vctx *v, enum verify_check c, enum verify_check dep);

/* dir/name; caller frees. */
char *in_dir(const char *dir, const char *name);

/* Is the string at key of obj want? */
bool str_is(const json_t *obj, const char *key, const char *want);

/* Verify dir/name against its .minisig; the trusted comment must be the
 * one m's header and footer give.  Failures are findings of check. */
bool check_signed_file(struct vctx *v, enum verify_check check,
		       const char *dir, const char *name,
		       const struct manifest *m, const char *data, size_t len);

/* Verify dir/name against its .minisig by the pinned key; the trusted
 * comment must be want (NULL: none can be, the file is not what it should
 * be).  Failures are findings of check. */
bool check_signed_text(struct vctx *v, enum verify_check check,
		       const char *dir, const char *name, const char *want,
		       const char *data, size_t len);

/* The runs of the incident (in the folder of this one) that stopped
 * before their manifest was written: an intent not yet resolved, or a
 * record of one that is not signed or does not agree with the listing of
 * the run that resolved it, fails the run check (verify-interrupted.c). */
void check_unfinished(struct vctx *v);

/* v->s->manifest_dir is a record NNNN.interrupted-K: check it instead of
 * a run, and list what the stopped run changed. */
void verify_interrupted(struct vctx *v);

/* The checks, in the order verify.c runs them. */
void check_syntax(struct vctx *v);
void check_signature(struct vctx *v);
void check_completeness(struct vctx *v);
void check_run(struct vctx *v);
void check_listings(struct vctx *v);
int resolve_scope(struct vctx *v, struct errbuf *err);
/* Start listing the archive as it is now (when the listings passed);
 * check_archive waits for it and compares. */
void start_archive(struct vctx *v);
void check_archive(struct vctx *v);
void check_messages(struct vctx *v);
void check_chain(struct vctx *v);
/* Run before check_messages: its pass also takes the digests that check
 * needs (v->pre). */
void check_gone(struct vctx *v);

#endif
