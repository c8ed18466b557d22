/* verify-archive.c -- the checks of the archive as it is now: the files
 * against the listing after, and that nothing the run removed is back
 * (the messages inside the changed files: verify-messages.c). */
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

static void *
list_archive(void *arg)
{
	struct vctx *v = arg;

	errbuf_clear(&v->list_err);
	v->list_rc = tree_list(&v->now, &v->scope, v->skip, NULL, &v->list_err);
	return NULL;
}

void
start_archive(struct vctx *v)
{
	if (!needs(v, CHECK_ARCHIVE, CHECK_LISTINGS))
		return;
	v->skip = manifests_dir(v);
	if (pthread_create(&v->lister, NULL, list_archive, v) == 0)
		v->listing = true;
	else
		list_archive(v);
}

void
check_archive(struct vctx *v)
{
	if (!passed(v, CHECK_LISTINGS))
		return;
	if (v->listing)
		pthread_join(v->lister, NULL);
	v->listing = false;
	if (v->list_rc < 0)
		vset(v, CHECK_ARCHIVE, STATUS_FAIL, "cannot list the archive: %s",
		     v->list_err.msg);
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
	free(v->skip);
	v->skip = NULL;
}


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

/* The length of a removed original, when its line gives it. */
static void
push_len(struct removed *rm, const json_t *pos)
{
	const json_t *len = json_object_get(pos, "len");

	if (!json_is_integer(len) || json_integer_value(len) < 0) {
		rm->lens_known = false;
		return;
	}
	rm->lens = xreallocarray(rm->lens, rm->n_lens + 1, sizeof *rm->lens);
	rm->lens[rm->n_lens++] = (uint64_t)json_integer_value(len);
}

static void
collect_removed(const struct vctx *v, struct removed *rm)
{
	rm->lens_known = true;
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
		push_len(rm, json_object_get(a, "pos_before"));
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

bool
digest_held(const unsigned char (*arr)[DIGEST_LEN], size_t n,
	    const unsigned char d[DIGEST_LEN])
{
	return n > 0 && bsearch(d, arr, n, DIGEST_LEN, compare_digests) != NULL;
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
	return digest_held((const void *)rm->deferred, rm->n_deferred, d);
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
	struct look *lk = look_begin(v, rm);
	struct select_settings ss = {
		.addresses = rm->tokens, .thread = THREAD_MODE_NONE,
		.jobs = v->s->jobs, .hook = look_hook(lk),
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
		look_end(&lk, true);
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
	look_end(&lk, false);
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
	free(rm.lens);
}
