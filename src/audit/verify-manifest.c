/* verify-manifest.c -- the checks of the run's own files: syntax,
 * signatures, completeness, the listings, and the chain of runs. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/minisign.h"
#include "audit/verify-private.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"


static bool
is_digest(const json_t *obj, const char *key, const char *alg)
{
	unsigned char d[DIGEST_LEN];

	return json_digest(obj, key, alg, d);
}

static bool
is_listing(const json_t *l)
{
	return is_digest(l, "file", "sha256") && is_digest(l, "root", "sha256") &&
	       json_int(l, "files") >= 0;
}

/* The modes a run of this version may have: "partial" (a run that
 * stopped after changing some files) and "sweep" (a scheduled sweep's
 * report: checked as a plan is) are of version 2. */
static bool
mode_known(const char *mode, long long version)
{
	return mode && (strcmp(mode, "apply") == 0 || strcmp(mode, "plan") == 0 ||
			(version >= 2 && (strcmp(mode, "partial") == 0 ||
					  strcmp(mode, "sweep") == 0)));
}

static const char *
header_problem(const json_t *h, long long version)
{
	const json_t *norm = json_object_get(h, "norm");
	const json_t *prev = json_object_get(h, "prev");
	const json_t *inc = json_object_get(json_object_get(
		json_object_get(h, "archive"), "scope"), "include");
	const char *mode = json_str(h, "mode"), *kid = json_str(h, "kid");
	const json_t *item;
	size_t i;

	if (!json_str(h, "incident") || json_int(h, "seq") < 1)
		return "incident or seq";
	if (!mode_known(mode, version))
		return "mode";
	if (!kid || strlen(kid) != 16 || !str_is(h, "hash", "sha256") ||
	    !str_is(h, "mac", "hmac-sha256"))
		return "kid, hash or mac";
	if (!str_is(norm, "email", "email-v1") ||
	    !str_is(norm, "mbox", "listscrub-split-v1") ||
	    !str_is(norm, "message_id", "mid-v1"))
		return "norm (an unknown normaliser: refusing to guess)";
	if (!json_is_null(prev) && !is_digest(h, "prev", "sha256"))
		return "prev";
	if (!is_listing(json_object_get(h, "tree_before")))
		return "tree_before";
	if (!json_is_array(inc) || json_array_size(inc) == 0)
		return "archive.scope.include";
	json_array_foreach(inc, i, item) {
		const char *p = json_string_value(item);

		if (!p || (strcmp(p, ".") && !path_is_safe(p)))
			return "archive.scope.include (an unsafe path)";
	}
	return NULL;
}

static bool
is_state(const json_t *st)
{
	const json_t *msgs = json_object_get(st, "msgs");

	return json_is_object(st) && is_digest(st, "sha256", "sha256") &&
	       json_int(st, "size") >= 0 &&
	       (msgs == NULL || (json_int(st, "msgs") >= 0 &&
				 is_digest(st, "msgs_root", "sha256")));
}

static const char *
file_problem(const json_t *f, bool apply)
{
	const json_t *after = json_object_get(f, "after");
	const char *path = json_str(f, "path");

	if (!path || !path_is_safe(path))
		return "path";
	if (!is_state(json_object_get(f, "before")))
		return "before";
	if (apply ? !(json_is_null(after) || is_state(after)) : after != NULL)
		return "after";
	return NULL;
}

/* The actions of an act line: "defer-message" (a selected message
 * --limit left for a later run) is of version 2. */
static bool
action_known(const json_t *a, long long version)
{
	return str_is(a, "action", "delete-message") ||
		str_is(a, "action", "redact-message") ||
		(version >= 2 && str_is(a, "action", "defer-message"));
}

static const char *
act_problem(const json_t *a, long long version)
{
	const json_t *pos = json_object_get(a, "pos_before");
	const json_t *hits = json_object_get(a, "hits"), *hit;
	const json_t *mid = json_object_get(a, "mid");
	const char *file = json_str(a, "file");
	size_t i;

	if (!action_known(a, version))
		return "action (this listscrub knows delete-message, "
			"redact-message and, from version 2, defer-message)";
	if (str_is(a, "action", "redact-message") &&
	    !is_digest(a, "after", "sha256"))
		return "after (a redacted message's digest)";
	if (!file || !path_is_safe(file))
		return "file";
	if (!is_digest(a, "before", "hmac-sha256") ||
	    !(json_is_null(mid) || is_digest(a, "mid", "hmac-sha256")))
		return "before or mid";
	if (json_int(pos, "index") < 0 || json_int(pos, "len") < 0 ||
	    json_int(pos, "off") < 0)
		return "pos_before";
	if (!json_is_array(hits))
		return "hits";
	json_array_foreach(hits, i, hit)
		if (!is_digest(hit, "tok", "hmac-sha256") || json_int(hit, "n") < 1)
			return "hits";
	return NULL;
}

static const char *
footer_problem(const json_t *f)
{
	const json_t *entries = json_object_get(f, "entries");

	if (!is_digest(f, "merkle_root", "sha256") ||
	    !is_listing(json_object_get(f, "tree_after")) ||
	    json_int(entries, "act") < 0 || json_int(entries, "file") < 0 ||
	    !json_is_object(json_object_get(f, "acts")) ||
	    !json_str(f, "finished"))
		return "merkle_root, tree_after, entries, acts or finished";
	return NULL;
}

void
check_syntax(struct vctx *v)
{
	char *path = in_dir(v->s->manifest_dir, MANIFEST_NAME);
	struct errbuf err;
	const char *bad = NULL;
	size_t line = 0;

	errbuf_clear(&err);
	if (manifest_read(path, &v->m, &err) < 0) {
		vset(v, CHECK_SYNTAX, STATUS_FAIL, "%s: %s", MANIFEST_NAME,
		     err.msg);
		free(path);
		return;
	}
	v->header = manifest_header(&v->m);
	v->footer = manifest_footer(&v->m);
	v->partial = str_is(v->header, "mode", "partial");
	v->apply = str_is(v->header, "mode", "apply") || v->partial;
	if ((bad = header_problem(v->header, v->m.version)) == NULL &&
	    (line = v->m.count - 1, bad = footer_problem(v->footer)) == NULL)
		for (line = 1; line + 1 < v->m.count; line++)
			if ((bad = str_is(v->m.lines[line], "t", "file")
			     ? file_problem(v->m.lines[line], v->apply)
			     : act_problem(v->m.lines[line], v->m.version)))
				break;
	if (bad)        /* an unsafe path is refused here, never opened */
		vset(v, CHECK_SYNTAX, STATUS_FAIL, "'%s' line %zu: a missing or "
		     "bad field: %s%s", path, line + 1, bad,
		     strcmp(bad, "path") && strcmp(bad, "file") ? "" : " (a "
		     "path must be relative, inside the archive, without '..')");
	free(path);
	if (bad)
		return;
	vset(v, CHECK_SYNTAX, STATUS_OK, "%zu lines: header, %lld files, "
	     "%lld acts, footer; incident %s, run %lld, %s", v->m.count,
	     json_int(json_object_get(v->footer, "entries"), "file"),
	     json_int(json_object_get(v->footer, "entries"), "act"),
	     json_str(v->header, "incident"), json_int(v->header, "seq"),
	     json_str(v->header, "mode"));
}


/* Verify dir/name against its .minisig; the trusted comment must be the
 * one the manifest's header and footer give. */
bool
check_signed_file(struct vctx *v, enum verify_check check, const char *dir,
		  const char *name, const struct manifest *m, const char *data,
		  size_t len)
{
	char *want = manifest_trusted_comment(name, manifest_header(m),
					      manifest_footer(m));
	bool ok = check_signed_text(v, check, dir, name, want, data, len);

	free(want);
	return ok;
}

/* summary.json must be the summary of this manifest. */
static bool
check_summary(struct vctx *v)
{
	char *path = in_dir(v->s->manifest_dir, "summary.json"), *text;
	unsigned char want[DIGEST_LEN], got[DIGEST_LEN];
	struct errbuf err;
	json_t *sum = NULL;
	size_t len;
	bool ok = false;

	if (manifest_read_part(path, &text, &len, &err) < 0) {
		finding(v, CHECK_SIGNATURE, "summary.json: %s", err.msg);
		free(path);
		return false;
	}
	sha256_of(v->m.text, v->m.len, want);
	sum = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (sum && json_digest(sum, "manifest", "sha256", got) &&
	    memcmp(got, want, DIGEST_LEN) == 0 &&
	    json_equal(json_object_get(sum, "merkle_root"),
		       json_object_get(v->footer, "merkle_root")) &&
	    json_equal(json_object_get(sum, "seq"),
		       json_object_get(v->header, "seq")))
		ok = check_signed_file(v, CHECK_SIGNATURE, v->s->manifest_dir,
				       "summary.json", &v->m, text, len);
	else
		finding(v, CHECK_SIGNATURE, "summary.json does not summarise "
			"this manifest (its digest, root or seq differ)");
	json_decref(sum);
	free(text);
	free(path);
	return ok;
}

void
check_signature(struct vctx *v)
{
	char keyid[MS_KEYID_TEXT_SIZE];
	bool ok;

	if (!needs(v, CHECK_SIGNATURE, CHECK_SYNTAX))
		return;
	ok = check_signed_file(v, CHECK_SIGNATURE, v->s->manifest_dir,
			       MANIFEST_NAME, &v->m, v->m.text, v->m.len);
	ok = check_summary(v) && ok;
	ms_public_keyid(v->s->pubkey, keyid);
	if (ok)
		vset(v, CHECK_SIGNATURE, STATUS_OK, "manifest.jsonl and "
		     "summary.json signed by the pinned key %s; the trusted "
		     "comments match the manifest", keyid);
	else
		vset(v, CHECK_SIGNATURE, STATUS_FAIL, "not signed as it should "
		     "be by the pinned key %s", keyid);
}


/* The footer's "acts": each action that occurs with its count (a run
 * without acts counts zero deletions). */
static json_t *
counted_acts(const struct vctx *v)
{
	json_t *acts = json_object();

	for (size_t i = 1; i + 1 < v->m.count; i++) {
		const char *action = json_str(v->m.lines[i], "action");

		if (str_is(v->m.lines[i], "t", "act") && action)
			json_object_set_new(acts, action, json_integer(
				json_integer_value(json_object_get(acts,
								   action)) + 1));
	}
	if (json_object_size(acts) == 0)
		json_object_set_new(acts, "delete-message", json_integer(0));
	return acts;
}

void
check_completeness(struct vctx *v)
{
	const json_t *entries = json_object_get(v->footer, "entries");
	unsigned char root[DIGEST_LEN], want[DIGEST_LEN];
	long long files = 0, nacts = 0;
	json_t *acts;

	if (!needs(v, CHECK_COMPLETENESS, CHECK_SYNTAX))
		return;
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		bool is_file = str_is(v->m.lines[i], "t", "file");

		files += is_file;
		nacts += !is_file;
	}
	acts = counted_acts(v);
	manifest_root(&v->m, root);
	json_digest(v->footer, "merkle_root", "sha256", want);
	if (memcmp(root, want, DIGEST_LEN) != 0)
		vset(v, CHECK_COMPLETENESS, STATUS_FAIL, "the Merkle root of the "
		     "lines is not the footer's: a line was changed, added or "
		     "removed");
	else if (files != json_int(entries, "file") ||
		 nacts != json_int(entries, "act") ||
		 !json_equal(acts, json_object_get(v->footer, "acts")))
		vset(v, CHECK_COMPLETENESS, STATUS_FAIL, "the footer's counts do "
		     "not match the lines (%lld files, %lld acts)", files, nacts);
	else
		vset(v, CHECK_COMPLETENESS, STATUS_OK, "Merkle root over %zu "
		     "lines and the counts match the footer", v->m.count - 1);
	json_decref(acts);
}

/* Did the run finish?  A partial run records exactly what it changed
 * before it stopped, and its incident is not done. */
void
check_run(struct vctx *v)
{
	const json_t *acts = json_object_get(v->footer, "acts");

	if (!needs(v, CHECK_RUN, CHECK_SIGNATURE))
		return;
	if (v->partial)
		vset(v, CHECK_RUN, STATUS_FAIL, "the run stopped part-way (mode "
		     "partial): it records the %lld changes it made before the "
		     "error, and the incident is not done; run the purge again "
		     "and verify that run",
		     json_integer_value(json_object_get(acts, "delete-message")) +
		     json_integer_value(json_object_get(acts, "redact-message")));
	else if (json_object_get(acts, "defer-message"))
		vset(v, CHECK_RUN, STATUS_OK, "the run finished (mode %s); it "
		     "left %lld selected messages to a later run (--limit)",
		     json_str(v->header, "mode"),
		     json_int(acts, "defer-message"));
	else
		vset(v, CHECK_RUN, STATUS_OK, "the run finished (mode %s)",
		     json_str(v->header, "mode"));
}


/* Read a listing, check it against what header or footer commits to. */
static bool
read_listing(struct vctx *v, const char *name, const json_t *commit,
	     struct tree *t)
{
	char *path = in_dir(v->s->manifest_dir, name), *text;
	unsigned char file[DIGEST_LEN], root[DIGEST_LEN];
	struct tree_digest d;
	struct errbuf err;
	size_t len;
	bool ok = false;

	errbuf_clear(&err);
	if (manifest_read_part(path, &text, &len, &err) < 0) {
		finding(v, CHECK_LISTINGS, "%s: %s", name, err.msg);
		free(path);
		return false;
	}
	tree_digest_of_text(text, len, &d);
	json_digest(commit, "file", "sha256", file);
	json_digest(commit, "root", "sha256", root);
	if (memcmp(d.file, file, DIGEST_LEN) || memcmp(d.root, root, DIGEST_LEN) ||
	    (long long)d.files != json_int(commit, "files"))
		finding(v, CHECK_LISTINGS, "%s is not the listing the manifest "
			"commits to (its digest, root or count differ)", name);
	else if (tree_parse(t, text, len, &err) < 0)
		finding(v, CHECK_LISTINGS, "%s: %s", name, err.msg);
	else	/* from version 2 the listings are signed for stock tools */
		ok = v->m.version < 2 ||
			check_signed_file(v, CHECK_LISTINGS, v->s->manifest_dir,
					  name, &v->m, text, len);
	free(text);
	free(path);
	return ok;
}

static bool
entry_matches(const struct tree *t, const char *path, const json_t *state)
{
	const struct tree_entry *e = tree_find(t, path);
	unsigned char d[DIGEST_LEN];

	return e && json_digest(state, "sha256", "sha256", d) &&
	       memcmp(d, e->sha256, DIGEST_LEN) == 0;
}

static const json_t *
file_line(const struct vctx *v, const char *path)
{
	for (size_t i = 1; i + 1 < v->m.count; i++)
		if (str_is(v->m.lines[i], "t", "file") &&
		    str_is(v->m.lines[i], "path", path))
			return v->m.lines[i];
	return NULL;
}

/* Each file line agrees with both listings. */
static void
check_file_lines(struct vctx *v)
{
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		const json_t *f = v->m.lines[i], *after;
		const char *path = json_str(f, "path");

		if (!str_is(f, "t", "file"))
			continue;
		after = json_object_get(f, "after");
		if (!entry_matches(&v->before, path, json_object_get(f, "before")))
			finding(v, CHECK_LISTINGS, "file line %lld (%s): 'before' "
				"is not its line in tree-before.sha256",
				json_int(f, "n"), path);
		if (v->apply && (json_is_null(after)
				 ? tree_find(&v->after, path) != NULL
				 : !entry_matches(&v->after, path, after)))
			finding(v, CHECK_LISTINGS, "file line %lld (%s): 'after' "
				"is not its line in tree-after.sha256",
				json_int(f, "n"), path);
	}
}

/* Every path the run changed has a file line, and only those. */
static void
check_difference(const char *path, enum tree_change change, void *ctx)
{
	struct vctx *v = ctx;
	bool has_line = file_line(v, path) != NULL;

	if (change != TREE_SAME && (!v->apply || !has_line))
		finding(v, CHECK_LISTINGS, "%s differs between the listings but "
			"%s", path, v->apply ? "has no file line"
			: "a plan changes nothing");
	if (change == TREE_SAME && has_line && v->apply)
		finding(v, CHECK_LISTINGS, "%s has a file line but did not "
			"change", path);
}

void
check_listings(struct vctx *v)
{
	bool ok;

	if (!needs(v, CHECK_LISTINGS, CHECK_COMPLETENESS))
		return;
	ok = read_listing(v, "tree-before.sha256",
			  json_object_get(v->header, "tree_before"), &v->before);
	ok = read_listing(v, "tree-after.sha256",
			  json_object_get(v->footer, "tree_after"), &v->after) &&
	     ok;
	if (ok) {
		check_file_lines(v);
		tree_diff(&v->before, &v->after, check_difference, v);
	}
	if (v->rep->checks[CHECK_LISTINGS].n_findings == 0)
		vset(v, CHECK_LISTINGS, STATUS_OK, "tree-before.sha256 (%zu "
		     "files) and tree-after.sha256 (%zu files) are the listings "
		     "signed for%s, and differ exactly in the %lld files listed",
		     v->before.count, v->after.count,
		     v->m.version >= 2 ? " (each with its own signature)" : "",
		     json_int(json_object_get(v->footer, "entries"), "file"));
	else
		vset(v, CHECK_LISTINGS, STATUS_FAIL, "the listings do not agree "
		     "with the manifest");
}


static void
note_between_runs(const char *path, enum tree_change change, void *ctx)
{
	static const char *const what[] = {
		[TREE_ADDED] = "appeared", [TREE_REMOVED] = "disappeared",
		[TREE_CHANGED] = "changed",
	};

	if (change != TREE_SAME)
		finding(ctx, CHECK_CHAIN, "note: %s %s between the runs", path,
			what[change]);
}

/* Which files changed between the previous run's end and this one's
 * start: normal mail delivery, or someone's hand.  Listed, not failed. */
static void
list_changes_between(struct vctx *v, const char *prev_dir)
{
	char *path = in_dir(prev_dir, "tree-after.sha256"), *text = NULL;
	struct tree prev_after;
	struct errbuf err;
	size_t len;

	if (manifest_read_part(path, &text, &len, &err) == 0 &&
	    tree_parse(&prev_after, text, len, &err) == 0) {
		tree_diff(&prev_after, &v->before, note_between_runs, v);
		tree_release(&prev_after);
	}
	free(text);
	free(path);
}

static bool
chain_links(struct vctx *v, const struct manifest *prev, const char *prev_dir)
{
	const json_t *ph = manifest_header(prev);
	unsigned char digest[DIGEST_LEN], want[DIGEST_LEN];

	sha256_of(prev->text, prev->len, digest);
	if (!json_digest(v->header, "prev", "sha256", want) ||
	    memcmp(digest, want, DIGEST_LEN) != 0)
		finding(v, CHECK_CHAIN, "'prev' is not the SHA-256 of the "
			"previous manifest given (a run is missing, or a fork)");
	else if (json_int(ph, "seq") + 1 != json_int(v->header, "seq") ||
		 !json_equal(json_object_get(ph, "incident"),
			     json_object_get(v->header, "incident")))
		finding(v, CHECK_CHAIN, "the previous run is not run %lld of "
			"the same incident", json_int(v->header, "seq") - 1);
	else
		return check_signed_file(v, CHECK_CHAIN, prev_dir, MANIFEST_NAME,
					 prev, prev->text, prev->len);
	return false;
}

void
check_chain(struct vctx *v)
{
	const char *prev_dir = v->s->prev_dir;
	long long seq = json_int(v->header, "seq");
	struct manifest prev;
	struct errbuf err;
	char *path;

	if (!needs(v, CHECK_CHAIN, CHECK_SIGNATURE))
		return;
	v->rep->checks[CHECK_CHAIN].required = seq > 1;
	if (prev_dir == NULL) {
		if (seq == 1 && json_is_null(json_object_get(v->header, "prev")))
			vset(v, CHECK_CHAIN, STATUS_OK, "the first run of the "
			     "incident");
		else
			vset(v, CHECK_CHAIN, STATUS_NOT_CHECKED, "run %lld "
			     "follows run %lld: give --prev DIR to check the "
			     "chain", seq, seq - 1);
		return;
	}
	path = in_dir(prev_dir, MANIFEST_NAME);
	errbuf_clear(&err);
	if (manifest_read(path, &prev, &err) < 0)
		vset(v, CHECK_CHAIN, STATUS_FAIL, "the previous run: %s", err.msg);
	else if (!chain_links(v, &prev, prev_dir))
		vset(v, CHECK_CHAIN, STATUS_FAIL, "this run does not follow the "
		     "previous run given");
	else {
		list_changes_between(v, prev_dir);
		vset(v, CHECK_CHAIN, STATUS_OK, "follows run %lld (signed by the "
		     "same key)%s", seq - 1,
		     v->rep->checks[CHECK_CHAIN].n_findings
		     ? "; files changed between the runs are noted below" : "");
	}
	if (prev.text)
		manifest_release(&prev);
	free(path);
}
