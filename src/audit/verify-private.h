/* verify-private.h -- what the checks of verify share: the context of
 * one verification, and how a check records its result.  The checks of
 * the manifest itself are in verify-manifest.c, those of the archive in
 * verify-archive.c, the order of them in verify.c.  Not for other
 * modules. */
#ifndef LISTSCRUB_VERIFY_PRIVATE_H
#define LISTSCRUB_VERIFY_PRIVATE_H

#include <jansson.h>
#include <stdbool.h>

#include "audit/manifest.h"
#include "audit/tree.h"
#include "audit/verify.h"

#define MAX_FINDINGS 100

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
};

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
void check_archive(struct vctx *v);
void check_messages(struct vctx *v);
void check_chain(struct vctx *v);
void check_gone(struct vctx *v);

#endif
