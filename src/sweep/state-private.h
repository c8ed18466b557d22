/* state-private.h -- the sweep state as state.c (mailboxes, listing,
 * the file) and state-findings.c (the findings carried over) share it.
 * Private to those two files. */
#ifndef LISTSCRUB_SWEEP_STATE_PRIVATE_H
#define LISTSCRUB_SWEEP_STATE_PRIVATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/digest.h"
#include "audit/tree.h"
#include "sweep/state.h"

struct box {
	char *path;
	char *kind;             /* mbox, compressed, file, maildir, member */
	uint64_t dev, ino, size, stop;
	int64_t mtime_s, mtime_ns;
	unsigned long messages;
	char head[DIGEST_LEN * 2 + 1], tail[DIGEST_LEN * 2 + 1];
	char **names;           /* a Maildir's files seen, sorted */
	size_t nnames;
	bool live;              /* planned or noted this run */
};

struct sweep_state {
	char *path;
	int lock_fd;
	char rules[DIGEST_LEN * 2 + 1];
	bool rules_changed;
	struct box *boxes;
	size_t nboxes, boxes_alloc;
	struct sweep_finding *findings;
	size_t nfindings, findings_alloc;
	struct tree_entry *listing;
	size_t nlisting;
};

/* A finding of the state file's JSON object o, added (one without a
 * path or a rule is left out). */
void state_read_finding(struct sweep_state *st, json_t *o);

/* Drop every finding (the state is closed). */
void state_clear_findings(struct sweep_state *st);

/* f as the state file keeps it. */
json_t *state_finding_json(const struct sweep_finding *f);

#endif
