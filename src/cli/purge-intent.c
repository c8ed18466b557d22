/* purge-intent.c -- what earlier runs of the incident left half-way,
 * accounted for and reported before this run starts, and what they
 * planned and did not make, made by this run. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "act/plan.h"
#include "audit/incident.h"
#include "audit/record.h"
#include "audit/tree.h"
#include "cli/purge-intent.h"
#include "cli/report.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

int
purge_resolve_intents(const struct next_run *next, const struct scope *sc,
		      const struct ms_secret *key, const char *operator_name)
{
	struct intent_outcome *out;
	size_t n, temps;
	struct errbuf err;
	int rc;

	errbuf_clear(&err);
	rc = record_resolve_intents(next, sc, key, operator_name, &out, &n,
				    &temps, &err);
	for (size_t i = 0; i < n; i++) {
		if (out[i].record == NULL)
			continue;       /* the one that failed: err says */
		report(D_REWRITE_FINISHED, out[i].record, "run %lu stopped "
		       "before its manifest was written; its intent is now "
		       "recorded as '%s' (files changed: %zu, unchanged: %zu, "
		       "in neither state: %zu)%s", out[i].seq, out[i].outcome,
		       out[i].after, out[i].before, out[i].other,
		       out[i].other ? ": check those by hand (mail "
		       "delivered since?)" : "");
	}
	if (temps > 0)
		report(D_REWRITE_FINISHED, NULL, "removed %zu temp directories "
		       "that killed runs left in '%s'", temps,
		       next->manifest_dir);
	if (rc < 0)
		report(D_MANIFEST_NOT_WRITTEN, NULL, "purge: a run that stopped "
		       "half-way cannot be accounted for: %s; nothing was "
		       "changed", err.msg);
	intent_outcomes_free(out, n);
	return rc;
}

/* ---- finishing them ---------------------------------------------------- */

/* The message file of a Maildir at rel ("cur/NAME" or "new/NAME") that
 * file names, or NULL when file is not in it. */
static const char *
maildir_part(const char *file, const char *rel)
{
	size_t n = strlen(rel);
	const char *rest = file;

	if (strcmp(rel, ".") != 0) {
		if (strncmp(file, rel, n) != 0 || file[n] != '/')
			return NULL;
		rest = file + n + 1;
	}
	if ((strncmp(rest, "cur/", 4) != 0 && strncmp(rest, "new/", 4) != 0) ||
	    strchr(rest + 4, '/') != NULL)
		return NULL;
	return rest;
}

/* Does act p name mailbox mb (at rel), and is message i the place it
 * names (an mbox's index, a Maildir's file)? */
static bool
names_box(const struct pending_act *p, const struct mailbox *mb,
	  const char *rel)
{
	if (mailbox_kind(mb) == MAILBOX_MAILDIR)
		return maildir_part(p->file, rel) != NULL;
	return strcmp(p->file, rel) == 0;
}

static bool
names_place(const struct pending_act *p, const struct mailbox *mb,
	    const char *rel, size_t i)
{
	if (mailbox_kind(mb) == MAILBOX_MAILDIR)
		return strcmp(maildir_part(p->file, rel),
			      mailbox_file_name(mb, i)) == 0;
	return p->index == i;
}

/* The keyed digest of every message of mb, as the acts hold them; a
 * message that cannot be read gets none (all zero) and matches none. */
static unsigned char (*
box_macs(const struct mailbox *mb, const struct incident_key *key))[DIGEST_LEN]
{
	size_t n = mailbox_message_count(mb);
	unsigned char (*macs)[DIGEST_LEN] = xcalloc(n + 1, DIGEST_LEN);

	for (size_t i = 0; i < n; i++) {
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;
		struct errbuf err;

		if (mailbox_message(mb, i, &raw, &len, &off, &owned, &err) < 0)
			continue;
		incident_mac(key, MAC_MESSAGE, raw, len, macs[i]);
		if (owned)
			free((char *)raw);
	}
	return macs;
}

/* The message of mb act p is about, still as it was before (its digest):
 * at the place p names, else anywhere in mb (a Maildir file moved from
 * new/ to cur/); SIZE_MAX when it is gone or changed. */
static size_t
find_message(const struct pending_act *p, const struct mailbox *mb,
	     const char *rel, unsigned char (*macs)[DIGEST_LEN], bool *taken)
{
	size_t n = mailbox_message_count(mb), any = SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		if (taken[i] || memcmp(macs[i], p->before, DIGEST_LEN) != 0)
			continue;
		if (names_place(p, mb, rel, i))
			return i;
		if (any == SIZE_MAX)
			any = i;
	}
	return any;
}

static struct selected *
find_item(struct selection *sel, size_t mailbox, size_t index)
{
	for (size_t k = 0; k < sel->count; k++)
		if (sel->items[k].mailbox == mailbox &&
		    sel->items[k].index == index)
			return &sel->items[k];
	return NULL;
}

/* Act p is still to make on message i of mailbox b: into this run.  A
 * deletion is added as it was planned; a redaction takes its spans from
 * this run's selectors, and is reported when they find none.  Returns
 * whether it was taken. */
static bool
take_act(const struct pending_act *p, const struct select_settings *ss,
	 const struct mailbox_list *boxes, size_t b, size_t i,
	 struct selection *sel)
{
	struct selected *item = find_item(sel, b, i);
	char *path, *file;

	if (item && item->finishes)
		return false;   /* two records of the same change */
	if (!p->redact) {
		item = selection_add(sel, boxes, b, i);
		item->reasons |= p->reasons;
		item->finishes = p->seq;
		return true;
	}
	if (item && default_action(ss, item) == ITEM_DELETE)
		return false;   /* this run deletes it anyway */
	if (item && default_action(ss, item) == ITEM_REDACT) {
		item->finishes = p->seq;
		item->finishes_redact = true;
		return true;
	}
	file = mailbox_file_of(boxes->items[b], i);
	path = xasprintf("%s:#%zu", file, i);
	report(D_INTERRUPTED_UNCOVERED, path, "run %04lu planned to redact it "
	       "and stopped half-way; this run's selectors find nothing to "
	       "take out of it, so it is left as it is: run the selectors of "
	       "run %04lu again (see its intent), or delete it", p->seq,
	       p->seq);
	free(file);
	free(path);
	return false;
}

/* Take the acts that name mailbox b; counts[k] counts those of acts[k]'s
 * run taken. */
static void
take_box(const struct pending_act *acts, size_t n,
	 const struct incident_key *key, const struct select_settings *ss,
	 const struct mailbox_list *boxes, size_t b, const char *rel,
	 struct selection *sel, size_t *counts)
{
	const struct mailbox *mb = boxes->items[b];
	unsigned char (*macs)[DIGEST_LEN] = NULL;
	bool *taken = NULL;

	for (size_t k = 0; k < n; k++) {
		size_t i;

		if (!names_box(&acts[k], mb, rel))
			continue;
		if (macs == NULL) {
			macs = box_macs(mb, key);
			taken = xcalloc(mailbox_message_count(mb) + 1,
					sizeof *taken);
		}
		i = find_message(&acts[k], mb, rel, macs, taken);
		if (i == SIZE_MAX)
			continue;       /* made, or changed since */
		taken[i] = true;
		counts[k] += take_act(&acts[k], ss, boxes, b, i, sel);
	}
	free(macs);
	free(taken);
}

int
purge_take_pending(const struct next_run *next, const struct scope *sc,
		   const struct incident_key *key,
		   const struct select_settings *ss,
		   const struct mailbox_list *boxes, struct selection *sel)
{
	struct pending_act *acts;
	size_t n, *counts;
	struct errbuf err;

	errbuf_clear(&err);
	if (record_pending_acts(next->manifest_dir, &acts, &n, &err) < 0) {
		report(D_MANIFEST_NOT_WRITTEN, NULL, "purge: a run that stopped "
		       "half-way cannot be finished: %s; nothing was changed",
		       err.msg);
		return -1;
	}
	counts = xcalloc(n + 1, sizeof *counts);
	for (size_t b = 0; n > 0 && b < boxes->count; b++) {
		char *rel = scope_relative(sc, mailbox_path(boxes->items[b]),
					   &err);

		if (rel)
			take_box(acts, n, key, ss, boxes, b, rel, sel, counts);
		free(rel);
	}
	/* one line per run: the acts are in run order */
	for (size_t k = 0, sum = 0; k < n; k++) {
		sum += counts[k];
		if (sum > 0 && (k + 1 == n || acts[k + 1].seq != acts[k].seq))
			report(D_INTERRUPTED_FINISHED, NULL, "%zu changes run "
			       "%04lu planned and did not make (it stopped "
			       "half-way) are made by this run: listed as "
			       "left by run %04lu (interrupted)", sum,
			       acts[k].seq, acts[k].seq);
		if (k + 1 == n || acts[k + 1].seq != acts[k].seq)
			sum = 0;
	}
	free(counts);
	pending_acts_free(acts, n);
	return 0;
}
