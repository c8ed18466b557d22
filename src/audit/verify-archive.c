/* verify-archive.c -- the checks of the archive as it is now: the files
 * against the listing after, the messages inside the changed files, and
 * that nothing the run removed is back. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/incident.h"
#include "audit/verify-private.h"
#include "detect/addrset.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/msgid.h"
#include "select/select.h"


static bool
includes_equal(const struct scope *sc, const json_t *inc)
{
	if (json_array_size(inc) != sc->count)
		return false;
	for (size_t i = 0; i < sc->count; i++)
		if (strcmp(json_string_value(json_array_get(inc, i)),
			   sc->includes[i]) != 0)
			return false;
	return true;
}

/* The archive's scope: the PATHs the purge was given, or its root. */
int
resolve_scope(struct vctx *v, struct errbuf *err)
{
	const json_t *inc = json_object_get(json_object_get(
		json_object_get(v->header, "archive"), "scope"), "include");
	char **names = xcalloc(json_array_size(inc) + 1, sizeof *names);
	struct stat st;
	int rc;

	if (scope_from_paths(&v->scope, v->s->paths, v->s->npaths, err) < 0) {
		free(names);
		return -1;
	}
	if (includes_equal(&v->scope, inc)) {
		free(names);
		return 0;
	}
	scope_release(&v->scope);
	if (v->s->npaths != 1 || stat(v->s->paths[0], &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		free(names);
		return errbuf_set(err, "the PATHs do not cover the scope the "
				  "manifest records: give the archive's root "
				  "directory, or the same PATHs purge was given");
	}
	for (size_t i = 0; i < json_array_size(inc); i++)
		names[i] = (char *)json_string_value(json_array_get(inc, i));
	rc = scope_from_root(&v->scope, v->s->paths[0], names,
			     json_array_size(inc), err);
	free(names);
	return rc;
}

/* The incident's manifest directory is not part of the archive. */
static char *
manifests_dir(const struct vctx *v)
{
	char *run = realpath(v->s->manifest_dir, NULL), *dir;

	if (run == NULL)
		return NULL;
	dir = path_dir(run);
	free(run);
	return dir;
}

static void
note_post_run_change(const char *path, enum tree_change change, void *ctx)
{
	static const char *const what[] = {
		[TREE_ADDED] = "added after the run",
		[TREE_REMOVED] = "missing since the run",
		[TREE_CHANGED] = "changed after the run",
	};

	if (change != TREE_SAME)
		finding(ctx, CHECK_ARCHIVE, "%s: %s", what[change], path);
}

void
check_archive(struct vctx *v)
{
	char *skip = manifests_dir(v);
	struct errbuf err;

	if (!needs(v, CHECK_ARCHIVE, CHECK_LISTINGS)) {
		free(skip);
		return;
	}
	errbuf_clear(&err);
	if (tree_list(&v->now, &v->scope, skip, NULL, &err) < 0)
		vset(v, CHECK_ARCHIVE, STATUS_FAIL, "cannot list the archive: %s",
		     err.msg);
	else {
		tree_diff(&v->after, &v->now, note_post_run_change, v);
		if (v->rep->checks[CHECK_ARCHIVE].n_findings == 0)
			vset(v, CHECK_ARCHIVE, STATUS_OK, "all %zu files are as "
			     "tree-after.sha256 lists them, none added or "
			     "missing", v->now.count);
		else
			vset(v, CHECK_ARCHIVE, STATUS_FAIL, "the archive is not "
			     "as the run left it");
	}
	free(skip);
}


/* The digests of the messages the file holds now. */
static int
current_digests(struct vctx *v, const char *rel, size_t expect,
		unsigned char (**d)[DIGEST_LEN], size_t *n)
{
	char *path = scope_absolute(&v->scope, rel);
	struct mailbox *mb = mailbox_new(path);
	struct errbuf err;
	int rc = 0;

	*d = NULL;
	*n = 0;
	errbuf_clear(&err);
	if (expect == 0)        /* an empty array, never NULL, on success */
		*d = xcalloc(1, DIGEST_LEN);
	else {
		rc = mailbox_load(mb, &err);
		if (rc == 0 && mailbox_kind(mb) != MAILBOX_MBOX)
			rc = errbuf_set(&err, "it is not an mbox any more");
		if (rc == 0)
			rc = manifest_message_digests(mb, d, n, &err);
		if (rc < 0)
			finding(v, CHECK_MESSAGES, "%s: %s", rel, err.msg);
	}
	mailbox_free(&mb);
	free(path);
	return rc;
}

/* Rebuild the per-message values before the run: the act's keyed digest
 * where a message was deleted, the current messages elsewhere in order. */
static bool
rebuild_before(const struct vctx *v, const char *rel, size_t total,
	       const unsigned char (*now)[DIGEST_LEN], size_t n_now,
	       unsigned char (*values)[DIGEST_LEN])
{
	size_t c = 0, i = 0;

	for (size_t k = 1; k + 1 < v->m.count; k++) {
		const json_t *a = v->m.lines[k];
		long long at = json_int(json_object_get(a, "pos_before"), "index");

		/* a message deferred to a later run is still there, as it was */
		if (!str_is(a, "t", "act") || !str_is(a, "file", rel) ||
		    str_is(a, "action", "defer-message"))
			continue;
		if (at < (long long)i || at >= (long long)total)
			return false;
		for (; i < (size_t)at; i++) {
			if (c >= n_now)
				return false;
			memcpy(values[i], now[c++], DIGEST_LEN);
		}
		json_digest(a, "before", "hmac-sha256", values[i++]);
		/* a plan's file still holds it; a redacted message stays */
		c += !v->apply || str_is(a, "action", "redact-message");
	}
	for (; i < total; i++) {
		if (c >= n_now)
			return false;
		memcpy(values[i], now[c++], DIGEST_LEN);
	}
	return c == n_now;
}

static bool
root_is(const json_t *state, const unsigned char (*values)[DIGEST_LEN],
	size_t n)
{
	unsigned char root[DIGEST_LEN], want[DIGEST_LEN];

	manifest_msgs_root(values, n, root);
	return json_digest(state, "msgs_root", "sha256", want) &&
	       json_int(state, "msgs") == (long long)n &&
	       memcmp(root, want, DIGEST_LEN) == 0;
}

static void
check_file_messages(struct vctx *v, const json_t *f)
{
	const json_t *before = json_object_get(f, "before");
	const json_t *after = json_object_get(f, "after");
	const char *rel = json_str(f, "path");
	size_t total = (size_t)json_int(before, "msgs");
	size_t expect = v->apply ? (size_t)json_int(after, "msgs") : total;
	unsigned char (*now)[DIGEST_LEN], (*values)[DIGEST_LEN];
	size_t n_now;

	if (current_digests(v, rel, expect, &now, &n_now) < 0)
		return;
	if (v->apply && !root_is(after, (const void *)now, n_now))
		finding(v, CHECK_MESSAGES, "%s: its %zu messages are not the ones "
			"the run left (msgs_root after differs)", rel, n_now);
	values = xcalloc(total + 1, DIGEST_LEN);
	if (!rebuild_before(v, rel, total, (const void *)now, n_now, values) ||
	    !root_is(before, (const void *)values, total))
		finding(v, CHECK_MESSAGES, "%s: the messages now plus the "
			"deleted ones recorded are not the file before the run "
			"(msgs_root before differs): a change the manifest does "
			"not list", rel);
	free(values);
	free(now);
}

void
check_messages(struct vctx *v)
{
	size_t files = 0;

	if (!needs(v, CHECK_MESSAGES, CHECK_LISTINGS))
		return;
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		const json_t *f = v->m.lines[i];

		if (!str_is(f, "t", "file") ||
		    !json_object_get(json_object_get(f, "before"), "msgs") ||
		    (v->apply && json_is_null(json_object_get(f, "after"))))
			continue;
		files++;
		check_file_messages(v, f);
	}
	if (v->rep->checks[CHECK_MESSAGES].n_findings == 0)
		vset(v, CHECK_MESSAGES, STATUS_OK, "in the %zu changed mbox "
		     "files, the kept messages and the deleted ones recorded "
		     "give both message roots", files);
	else
		vset(v, CHECK_MESSAGES, STATUS_FAIL, "a changed file holds "
		     "changes the manifest does not record");
}


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
	unsigned char (*deferred)[DIGEST_LEN];  /* sorted: left by --limit */
	size_t n_deferred;
	size_t deferred_seen;                   /* of those, holding a token */
	size_t in_not_mail;                     /* files not mail holding one */
	size_t failures;                        /* everything else found */
};

static void
token_key(const char *addr, size_t len, char *out, void *ctx)
{
	incident_mac_text(ctx, MAC_TOKEN, addr, len, out);
}

static int
compare_digests(const void *a, const void *b)
{
	return memcmp(a, b, DIGEST_LEN);
}

static void
push_digest(unsigned char (**arr)[DIGEST_LEN], size_t *n,
	    const unsigned char d[DIGEST_LEN])
{
	*arr = xreallocarray(*arr, *n + 1, DIGEST_LEN);
	memcpy((*arr)[(*n)++], d, DIGEST_LEN);
}

static bool
selected_by_id(const json_t *act)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(act, "reasons"), i, r)
		if (strcmp(json_string_value(r) ?: "", "message-id") == 0 ||
		    strcmp(json_string_value(r) ?: "", "thread") == 0)
			return true;
	return false;
}

static void
collect_removed(const struct vctx *v, struct removed *rm)
{
	rm->tokens = addrset_new_keyed(token_key,
				       (void *)v->s->incident_key);
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		const json_t *a = v->m.lines[i], *hit;
		unsigned char d[DIGEST_LEN];
		size_t k;

		if (!str_is(a, "t", "act"))
			continue;
		json_array_foreach(json_object_get(a, "hits"), k, hit)
			addrset_add_key(rm->tokens, json_str(hit, "tok"));
		json_digest(a, "before", "hmac-sha256", d);
		if (str_is(a, "action", "defer-message")) {
			push_digest(&rm->deferred, &rm->n_deferred, d);
			continue;       /* still there, for a later run */
		}
		push_digest(&rm->msgs, &rm->n_msgs, d);
		/* A message deleted for its Message-ID (or its thread) must
		 * not be back under it; one deleted for what it held may have
		 * a namesake that never held it.  A redacted one stays. */
		if (str_is(a, "action", "delete-message") &&
		    json_digest(a, "mid", "hmac-sha256", d)) {
			if (selected_by_id(a))
				push_digest(&rm->mids, &rm->n_mids, d);
			else
				push_digest(&rm->held_mids, &rm->n_held_mids, d);
		}
	}
	if (rm->n_mids > 0)	/* qsort wants a non-NULL array */
		qsort(rm->mids, rm->n_mids, DIGEST_LEN, compare_digests);
	if (rm->n_msgs > 0)	/* qsort wants a non-NULL array */
		qsort(rm->msgs, rm->n_msgs, DIGEST_LEN, compare_digests);
	if (rm->n_deferred > 0)
		qsort(rm->deferred, rm->n_deferred, DIGEST_LEN,
		      compare_digests);
	if (rm->n_held_mids > 0)
		qsort(rm->held_mids, rm->n_held_mids, DIGEST_LEN,
		      compare_digests);
}

static bool
holds(const unsigned char (*arr)[DIGEST_LEN], size_t n,
      const unsigned char d[DIGEST_LEN])
{
	return n > 0 && bsearch(d, arr, n, DIGEST_LEN, compare_digests) != NULL;
}

/* A deleted message back in place: by its bytes, or by the Message-ID
 * it was deleted for.  A message under the Message-ID of one deleted for
 * what it held (an address, a rule) is noted: it does not hold that (the
 * token search says so), but the auditor should know it is there. */
static void
look_for_messages(struct vctx *v, struct removed *rm,
		  const struct mailbox *mb)
{
	for (size_t i = 0; i < mailbox_message_count(mb); i++) {
		unsigned char d[DIGEST_LEN];
		char *id = NULL;
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;

		if (mailbox_message(mb, i, &raw, &len, &off, &owned, NULL) < 0)
			continue;
		incident_mac(v->s->incident_key, MAC_MESSAGE, raw, len, d);
		if (holds((const void *)rm->msgs, rm->n_msgs, d)) {
			rm->failures++;
			finding(v, CHECK_GONE, "%s:#%zu (offset %llu): a deleted or "
				"redacted original is back, byte for byte", mailbox_path(mb), i,
				(unsigned long long)off);
		}
		else if ((id = msgid_of_message(raw, len)) != NULL) {
			incident_mac(v->s->incident_key, MAC_MESSAGE_ID, id,
				     strlen(id), d);
			if (holds((const void *)rm->mids, rm->n_mids, d)) {
				rm->failures++;
				finding(v, CHECK_GONE, "%s:#%zu (offset %llu): a "
					"message with the Message-ID of a deleted "
					"one", mailbox_path(mb), i,
					(unsigned long long)off);
			} else if (holds((const void *)rm->held_mids,
				       rm->n_held_mids, d)) {
				rm->namesakes = xreallocarray(
					rm->namesakes, rm->n_namesakes + 1,
					sizeof *rm->namesakes);
				rm->namesakes[rm->n_namesakes++] = xasprintf(
					"note: %s:#%zu (offset %llu) has the "
					"Message-ID of a message deleted for what "
					"it held; it does not hold it",
					mailbox_path(mb), i,
					(unsigned long long)off);
			}
		}
		free(id);
		if (owned)
			free((char *)raw);
	}
}

/* Is item one of the messages the run deferred to a later run? */
static bool
is_deferred(const struct vctx *v, const struct removed *rm,
	    const struct mailbox *mb, const struct selected *item)
{
	unsigned char d[DIGEST_LEN];
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;

	if (rm->n_deferred == 0 ||
	    mailbox_message(mb, item->index, &raw, &len, &off, &owned, NULL) < 0)
		return false;
	incident_mac(v->s->incident_key, MAC_MESSAGE, raw, len, d);
	if (owned)
		free((char *)raw);
	return holds((const void *)rm->deferred, rm->n_deferred, d);
}

/* Tokens found: in a message deferred to a later run they are expected
 * (counted, not checked); anywhere else they are a failure. */
static void
report_tokens(struct vctx *v, struct removed *rm,
	      const struct mailbox_list *boxes, const struct selection *sel)
{
	for (size_t k = 0; k < sel->count; k++) {
		const struct selected *it = &sel->items[k];
		const struct select_match *m = &it->matches[0];

		if (is_deferred(v, rm, boxes->items[it->mailbox], it)) {
			rm->deferred_seen++;
			continue;
		}
		if (mailbox_is_pipermail_part(boxes->items[it->mailbox])) {
			finding(v, CHECK_GONE, "%s: %zu occurrence(s) of a leaked "
				"token the run recorded, in a file of a pipermail "
				"tree the run did not clean (the page or attachment "
				"of a message it kept, an attachment it held): purge "
				"that message too, purge again with --attachments "
				"remove, or remove them by hand",
				mailbox_path(boxes->items[it->mailbox]),
				it->n_matches);
			rm->in_not_mail++;
			continue;
		}
		if (mailbox_kind(boxes->items[it->mailbox]) == MAILBOX_NOT_MAIL) {
			finding(v, CHECK_GONE, "%s: %zu occurrence(s) of a leaked "
				"token the run recorded, in a file that is not mail "
				"(listscrub never changes it): remove them by hand",
				mailbox_path(boxes->items[it->mailbox]),
				it->n_matches);
			rm->in_not_mail++;
			continue;
		}
		rm->failures++;
		finding(v, CHECK_GONE, "%s:#%zu (offset %llu, part %u): %zu "
			"occurrence(s) of a leaked token the run recorded",
			mailbox_path(boxes->items[it->mailbox]), it->index,
			(unsigned long long)it->offset, m->part, it->n_matches);
	}
}

static int
scan_archive(struct vctx *v, struct removed *rm, size_t *messages_r,
	     size_t *binary_r, struct errbuf *err)
{
	struct select_settings ss = {
		.addresses = rm->tokens, .thread = THREAD_MODE_NONE,
		.jobs = v->s->jobs,
	};
	char **paths = xcalloc(v->scope.count + 1, sizeof *paths);
	struct mailbox_list boxes = { 0 };
	struct selection sel;
	int rc;

	for (size_t i = 0; i < v->scope.count; i++)
		paths[i] = scope_absolute(&v->scope, v->scope.includes[i]);
	mailbox_walk(&boxes, paths, v->scope.count);
	for (size_t i = 0; i < boxes.n_notes; i++)
		if (diag_info(boxes.notes[i].code)->level == DIAG_ERROR) {
			rm->failures++;
			finding(v, CHECK_GONE, "%s could not be read: %s",
				boxes.notes[i].path, diag_info(
					boxes.notes[i].code)->text);
		}
	rc = select_run(&boxes, &ss, &sel, err);
	if (rc == 0) {
		report_tokens(v, rm, &boxes, &sel);
		for (size_t b = 0; b < boxes.count; b++)
			if (mailbox_is_loaded(boxes.items[b]))
				look_for_messages(v, rm, boxes.items[b]);
		for (size_t p = 0; p < sel.n_problems; p++)
			if (sel.problems[p].fatal) {
				rm->failures++;
				finding(v, CHECK_GONE, "%s could not be read: "
					"%s", mailbox_path(boxes.items[
						sel.problems[p].mailbox]),
					sel.problems[p].text);
			}
		*messages_r = sel.messages;
		*binary_r = sel.binary_parts;
		selection_release(&sel);
	}
	mailbox_list_release(&boxes);
	for (size_t i = 0; i < v->scope.count; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

void
check_gone(struct vctx *v)
{
	char kid[INCIDENT_KID_TEXT_SIZE];
	struct removed rm = { 0 };
	size_t messages = 0, binary = 0;
	struct errbuf err;

	if (!needs(v, CHECK_GONE, CHECK_SIGNATURE))
		return;
	v->rep->checks[CHECK_GONE].required = v->apply;
	if (!v->apply) {
		vset(v, CHECK_GONE, STATUS_NOT_CHECKED, "a plan removes nothing");
		return;
	}
	if (v->s->incident_key == NULL) {
		vset(v, CHECK_GONE, STATUS_NOT_CHECKED, "without the incident key "
		     "(--incident-key) nobody can tell what was removed, so "
		     "whether it is gone is not checked");
		return;
	}
	incident_key_id(v->s->incident_key, kid);
	if (!str_is(v->header, "kid", kid)) {
		vset(v, CHECK_GONE, STATUS_FAIL, "the incident key given (id %s) "
		     "is not this incident's (id %s)", kid,
		     json_str(v->header, "kid"));
		return;
	}
	collect_removed(v, &rm);
	errbuf_clear(&err);
	if (scan_archive(v, &rm, &messages, &binary, &err) < 0)
		vset(v, CHECK_GONE, STATUS_FAIL, "cannot scan the archive: %s",
		     err.msg);
	else if (rm.failures > 0)
		vset(v, CHECK_GONE, STATUS_FAIL, "something the run removed is in "
		     "the archive again%s", rm.in_not_mail ? ", and leaked tokens "
		     "are still in files that are not mail" : "");
	else if (rm.in_not_mail > 0)
		vset(v, CHECK_GONE, STATUS_FAIL, "leaked tokens the run recorded "
		     "are still readable in %zu files that are not mail (see "
		     "each for what to do)", rm.in_not_mail);
	else if (rm.n_deferred > 0)
		vset(v, CHECK_GONE, STATUS_NOT_CHECKED, "none of the %zu "
		     "originals the run deleted or redacted is in any of the %zu "
		     "messages now, and its leaked tokens are nowhere else; but "
		     "the %zu messages it deferred to a later run (--limit) are "
		     "not checked (%zu of them still hold a token): run the "
		     "next stage and verify it", rm.n_msgs, messages,
		     rm.n_deferred, rm.deferred_seen);
	else
		vset(v, CHECK_GONE, STATUS_OK, "none of the %zu originals the run "
		     "deleted or redacted, nor of the %zu leaked tokens it "
		     "recorded, is in any of the %zu "
		     "messages now (headers, decoded parts, HTML forms)%s",
		     rm.n_msgs, addrset_count(rm.tokens), messages,
		     binary ? "; binary attachments have no text to search: "
		     "see the note below" : "");
	if (binary)
		finding(v, CHECK_GONE, "note: %zu binary attachments (images, "
			"archives, PDF) were not searched", binary);
	for (size_t i = 0; i < rm.n_namesakes; i++) {
		finding(v, CHECK_GONE, "%s", rm.namesakes[i]);
		free(rm.namesakes[i]);
	}
	free(rm.namesakes);
	free(rm.held_mids);
	addrset_free(&rm.tokens);
	free(rm.mids);
	free(rm.msgs);
	free(rm.deferred);
}
