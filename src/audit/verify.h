/* verify.h -- the auditor's checks of one run's manifest directory
 * against the archive as it is now (listscrub-verify(1)).
 *
 * Each check ends OK, FAIL or NOT CHECKED, with one line of detail and
 * the findings behind a failure (paths, message numbers: never personal
 * data, which the verifier does not know anyway).  A check that needs an
 * earlier one which failed is not run.
 */
#ifndef LISTSCRUB_VERIFY_H
#define LISTSCRUB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/errbuf.h"

struct incident_key;
struct ms_public;

enum verify_check {
	CHECK_SYNTAX,           /* byte rules, line order, known versions */
	CHECK_SIGNATURE,        /* minisign signatures, trusted comments */
	CHECK_COMPLETENESS,     /* Merkle root and counts */
	CHECK_RUN,              /* the run finished (not mode partial) */
	CHECK_LISTINGS,         /* tree-before/after against the manifest */
	CHECK_ARCHIVE,          /* the archive now equals tree-after */
	CHECK_MESSAGES,         /* per-message roots of the changed files */
	CHECK_CHAIN,            /* prev and seq against the previous run */
	CHECK_GONE,             /* nothing removed is present any more */
	CHECK_HYPERKITTY,       /* a HyperKitty site, asked through its app
				   (hyperkitty/inspect.h) */
	CHECK_COUNT
};

enum check_status { STATUS_OK, STATUS_FAIL, STATUS_NOT_CHECKED };

struct check_result {
	enum check_status status;
	bool required;          /* NOT CHECKED here makes the verdict partial */
	char detail[ERRBUF_SIZE];
	char **findings;
	size_t n_findings;
};

struct verify_settings {
	const char *manifest_dir;
	const struct ms_public *pubkey;
	const struct incident_key *incident_key;        /* or NULL */
	const char *prev_dir;                           /* or NULL */
	char *const *paths;             /* the archive: its root, or the */
	size_t npaths;                  /* PATHs the purge was given */
	unsigned int jobs;
};

struct verify_report {
	struct check_result checks[CHECK_COUNT];
	/* The run was made on a HyperKitty site: what its app reported
	 * (the manifest header's "hyperkitty"; set only when the signature
	 * check passed), for the hyperkitty check; else NULL. */
	struct json_t *hyperkitty;
};

/* Run every check.  -1 with err filled only when the run itself cannot
 * go on (the archive PATHs cannot be resolved); a bad manifest is a
 * failed check, not an error. */
int verify_run(const struct verify_settings *s, struct verify_report *rep,
	       struct errbuf *err);

const char *verify_check_name(enum verify_check c);

/* Add a finding to r (a check run outside verify_run: the hyperkitty
 * check); past a cap, "(more not shown)" once. */
void check_finding(struct check_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void verify_report_release(struct verify_report *rep);

#endif
