/* verify-interrupted.c -- the runs of an incident that stopped before
 * their manifest was written (listscrub-manifest(5)): each record
 * NNNN.interrupted-K must be signed by the pinned key, and the states it
 * gives must be those the listing of the run that resolved it shows.
 * Verified alone, a record says what the stopped run changed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/minisign.h"
#include "audit/record.h"
#include "audit/verify-private.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

/* The first field of two trusted comments that differs, for the report. */
static void
first_difference(const char *got, const char *want, char *out, size_t size)
{
	size_t i = 0, start = 0;

	while (got[i] && got[i] == want[i]) {
		if (got[i] == ' ')
			start = i + 1;
		i++;
	}
	snprintf(out, size, "%.*s", (int)strcspn(want + start, "="),
		 want + start);
}

bool
check_signed_text(struct vctx *v, enum verify_check check, const char *dir,
		  const char *name, const char *want, const char *data,
		  size_t len)
{
	char *sigpath = xasprintf("%s/%s.minisig", dir, name);
	char *sig = NULL, *trusted = NULL, field[64];
	struct errbuf err;
	size_t siglen;
	bool ok = false;

	errbuf_clear(&err);
	if (manifest_read_part(sigpath, &sig, &siglen, &err) < 0)
		finding(v, check, "%s/%s.minisig: missing or unreadable (%s)",
			dir, name, err.msg);
	else if (ms_verify(v->s->pubkey, data, len, sig, siglen, &trusted,
			   &err) < 0)
		finding(v, check, "%s/%s: %s", dir, name, err.msg);
	else if (want == NULL || strcmp(trusted, want) != 0) {
		first_difference(trusted, want ? want : "", field, sizeof field);
		finding(v, check, "%s/%s: the signed trusted comment does not "
			"match the file (field '%s'): the signature belongs to "
			"another run or incident", dir, name, field);
	} else
		ok = true;
	free(sigpath);
	free(sig);
	free(trusted);
	return ok;
}

/* One record: the stopped run's intent and the next run's resolution. */
struct irec {
	const char *dir;
	char *itext, *rtext;
	size_t ilen, rlen;
	json_t *intent, *res;
	unsigned long seq, by;          /* the stopped run, the resolver */
};

static bool
load_json(struct vctx *v, enum verify_check c, const char *dir,
	  const char *name, char **text_r, size_t *len_r, json_t **obj_r)
{
	char *path = in_dir(dir, name);
	struct errbuf err;

	errbuf_clear(&err);
	*obj_r = NULL;
	if (manifest_read_part(path, text_r, len_r, &err) < 0)
		finding(v, c, "%s: %s", path, err.msg);
	else if ((*obj_r = json_loadb(*text_r, *len_r,
				      JSON_REJECT_DUPLICATES, NULL)) == NULL)
		finding(v, c, "%s: not JSON", path);
	free(path);
	return *obj_r != NULL;
}

static bool
irec_load(struct vctx *v, enum verify_check c, const char *dir,
	  struct irec *r)
{
	bool ok;

	memset(r, 0, sizeof *r);
	r->dir = dir;
	ok = load_json(v, c, dir, INTENT_NAME, &r->itext, &r->ilen,
		       &r->intent);
	ok = load_json(v, c, dir, RESOLUTION_NAME, &r->rtext, &r->rlen,
		       &r->res) && ok;
	if (ok && (!json_is_array(json_object_get(r->intent, "files")) ||
		   !json_is_array(json_object_get(r->intent, "acts")) ||
		   !json_is_array(json_object_get(r->res, "files")) ||
		   json_int(r->res, "by") < 1 || json_int(r->res, "seq") < 1 ||
		   !json_equal(json_object_get(r->res, "seq"),
			       json_object_get(r->intent, "seq")) ||
		   !json_str(r->res, "outcome"))) {
		finding(v, c, "%s: a missing or bad field in %s or %s (files, "
			"acts, seq, by or outcome)", dir, INTENT_NAME,
			RESOLUTION_NAME);
		ok = false;
	}
	r->seq = (unsigned long)json_int(r->res, "seq");
	r->by = (unsigned long)json_int(r->res, "by");
	return ok;
}

static void
irec_release(struct irec *r)
{
	free(r->itext);
	free(r->rtext);
	json_decref(r->intent);
	json_decref(r->res);
}

/* Both files signed by the pinned key, as purge signs them. */
static bool
irec_signed(struct vctx *v, enum verify_check c, const struct irec *r)
{
	const char *started = json_str(r->intent, "started");
	const char *incident = json_str(r->intent, "incident");
	const char *outcome = json_str(r->res, "outcome");
	const char *resolved = json_str(r->res, "resolved");
	char *iwant = incident && started ? record_intent_comment(incident,
		r->seq, started) : NULL;
	char *rwant = outcome && resolved ? record_resolution_comment(r->seq,
		outcome, resolved, r->by) : NULL;
	bool ok = check_signed_text(v, c, r->dir, INTENT_NAME, iwant, r->itext,
				    r->ilen);

	ok = check_signed_text(v, c, r->dir, RESOLUTION_NAME, rwant, r->rtext,
			       r->rlen) && ok;
	free(iwant);
	free(rwant);
	return ok;
}

/* Is text the tree-before listing m's header commits to? */
static bool
commits_to_before(const struct manifest *m, const char *text, size_t len)
{
	unsigned char want[DIGEST_LEN];
	struct tree_digest d;

	tree_digest_of_text(text, len, &d);
	return json_digest(json_object_get(manifest_header(m), "tree_before"),
			   "file", "sha256", want) &&
		memcmp(want, d.file, DIGEST_LEN) == 0;
}

/* The listing of the archive made before run `by`, as its signed
 * manifest commits to it. */
static bool
resolver_listing(struct vctx *v, enum verify_check c, const struct irec *r,
		 const char *incident_dir, struct tree *t)
{
	char *dir = xasprintf("%s/%04lu", incident_dir, r->by);
	char *mpath = in_dir(dir, MANIFEST_NAME), *lpath, *text = NULL;
	struct manifest m = { 0 };
	struct errbuf err;
	size_t len;
	bool ok = false;

	errbuf_clear(&err);
	lpath = in_dir(dir, "tree-before.sha256");
	if (manifest_read(mpath, &m, &err) < 0)
		finding(v, c, "%s/%s: run %lu, which resolved it, cannot be "
			"read (%s): the resolution cannot be checked", r->dir,
			RESOLUTION_NAME, r->by, err.msg);
	else if (!check_signed_file(v, c, dir, MANIFEST_NAME, &m, m.text,
				    m.len))
		;       /* the finding says why */
	else if (manifest_read_part(lpath, &text, &len, &err) < 0)
		finding(v, c, "%s: %s", lpath, err.msg);
	else if (!commits_to_before(&m, text, len))
		finding(v, c, "%s is not the listing run %lu's manifest commits "
			"to", lpath, r->by);
	else if (tree_parse(t, text, len, &err) < 0)
		finding(v, c, "%s: %s", lpath, err.msg);
	else
		ok = true;
	if (m.text)
		manifest_release(&m);
	free(text);
	free(lpath);
	free(mpath);
	free(dir);
	return ok;
}

static const json_t *
intent_file(const struct irec *r, const char *path)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(r->intent, "files"), i, f)
		if (str_is(f, "path", path))
			return f;
	return NULL;
}

/* Does the listing show path as the state the resolution gives?  Other
 * states ("other", "missing") claim nothing to compare. */
static bool
state_agrees(const json_t *f, const char *state, const struct tree *t)
{
	const struct tree_entry *e = tree_find(t, json_str(f, "path"));
	unsigned char before[DIGEST_LEN], after[DIGEST_LEN];
	bool has_before = json_digest(f, "before", "sha256", before);

	if (strcmp(state, "before") == 0)
		return e && has_before &&
			memcmp(e->sha256, before, DIGEST_LEN) == 0;
	if (strcmp(state, "after") != 0)
		return true;
	if (json_is_true(json_object_get(f, "removed")))
		return e == NULL;
	if (json_digest(f, "after", "sha256", after))
		return e && memcmp(e->sha256, after, DIGEST_LEN) == 0;
	/* no new bytes in the intent: changed is all that can be told */
	return e && !(has_before && memcmp(e->sha256, before, DIGEST_LEN) == 0);
}

/* Each state the resolution gives is the one run `by`'s tree-before
 * shows, and the outcome is the one the states give. */
static bool
irec_cross_check(struct vctx *v, enum verify_check c, const struct irec *r,
		 const char *incident_dir)
{
	const json_t *files = json_object_get(r->res, "files"), *s;
	size_t i, after = 0, before = 0, other = 0, bad = 0;
	struct tree t = { 0 };
	const char *outcome;

	if (!resolver_listing(v, c, r, incident_dir, &t))
		return false;
	if (json_array_size(files) !=
	    json_array_size(json_object_get(r->intent, "files"))) {
		finding(v, c, "%s/%s does not give a state for each file of "
			"the intent", r->dir, RESOLUTION_NAME);
		bad++;
	}
	json_array_foreach(files, i, s) {
		const char *path = json_str(s, "path");
		const char *state = json_str(s, "state");
		const json_t *f = path ? intent_file(r, path) : NULL;

		if (!f || !state || !state_agrees(f, state, &t)) {
			finding(v, c, "%s/%s: %s is recorded as '%s', but run "
				"%lu's tree-before.sha256 does not show it so",
				r->dir, RESOLUTION_NAME, path ? path : "?",
				state ? state : "?", r->by);
			bad++;
		}
		after += state && strcmp(state, "after") == 0;
		before += state && strcmp(state, "before") == 0;
		other += !state || (strcmp(state, "after") &&
				    strcmp(state, "before"));
	}
	outcome = before == 0 && other == 0 ? "done"
		: after == 0 && other == 0 ? "not-carried-out" : "partial";
	if (!str_is(r->res, "outcome", outcome)) {
		finding(v, c, "%s/%s: the outcome is not '%s', which its "
			"states give", r->dir, RESOLUTION_NAME, outcome);
		bad++;
	}
	tree_release(&t);
	return bad == 0;
}

/* Was run seq's manifest written after all (its intent not yet gone)? */
static bool
has_manifest(const char *incident_dir, unsigned long seq)
{
	char *path = xasprintf("%s/%04lu/%s", incident_dir, seq, MANIFEST_NAME);
	struct stat st;
	bool yes = stat(path, &st) == 0;

	free(path);
	return yes;
}

static void
check_record(struct vctx *v, const char *incident_dir, const char *dir)
{
	struct irec r;
	bool ok = irec_load(v, CHECK_RUN, dir, &r);

	if (ok) {
		finding(v, CHECK_RUN, "%s: a run that stopped half-way, "
			"recorded by the next run as '%s'", dir,
			json_str(r.res, "outcome"));
		ok = irec_signed(v, CHECK_RUN, &r);
		ok = ok && irec_cross_check(v, CHECK_RUN, &r, incident_dir);
	}
	if (ok && str_is(r.res, "outcome", "done"))
		finding(v, CHECK_RUN, "%s: its %zu changes were carried out by "
			"run %lu, recorded after the fact by run %lu (verify "
			"--manifest on it lists them)", dir,
			json_array_size(json_object_get(r.intent, "acts")),
			r.seq, r.by);
	if (!ok)
		vset(v, CHECK_RUN, STATUS_FAIL, "the record of a run of this "
		     "incident that stopped half-way is not signed as it should "
		     "be or does not agree with the listing of the run that "
		     "resolved it");
	irec_release(&r);
}

void
check_unfinished(struct vctx *v)
{
	char *incident_dir = path_dir(v->s->manifest_dir), **names;
	struct errbuf err;
	unsigned long seq;
	size_t n;

	if (dir_names(incident_dir, &names, &n, &err) < 0) {
		free(incident_dir);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", incident_dir, names[i]);

		if (record_is_intent_name(names[i], &seq) &&
		    !has_manifest(incident_dir, seq)) {
			vset(v, CHECK_RUN, STATUS_FAIL, "a run of this incident "
			     "stopped half-way: its signed intent is there, its "
			     "manifest is not; run the same purge again (it "
			     "records what that run did), then verify again");
			finding(v, CHECK_RUN, "%s: run %lu, unfinished", p, seq);
		} else if (record_is_interrupted_name(names[i], NULL))
			check_record(v, incident_dir, p);
		free(p);
	}
	dir_names_free(names, n);
	free(incident_dir);
}

/* ---- a record verified alone ------------------------------------------ */

static void
not_for_record(struct vctx *v, enum verify_check c, unsigned long by)
{
	v->rep->checks[c].required = false;
	vset(v, c, STATUS_NOT_CHECKED, "not for the record of a stopped run: "
	     "verify run %lu, which resolved it, for the archive as it is", by);
}

/* Each act of the intent, with what became of it. */
static size_t
list_acts(struct vctx *v, const struct irec *r)
{
	const json_t *a, *s;
	size_t i, j, unknown = 0;

	json_array_foreach(json_object_get(r->intent, "acts"), i, a) {
		const char *file = json_str(a, "file"), *state = "other";

		json_array_foreach(json_object_get(r->res, "files"), j, s)
			if (file && str_is(s, "path", file))
				state = json_str(s, "state");
		if (state && strcmp(state, "after") == 0)
			finding(v, CHECK_RUN, "%s %s, message %lld: carried out "
				"by run %lu, recorded after the fact by run %lu",
				json_str(a, "action"), file, json_int(
					json_object_get(a, "pos_before"),
					"index"), r->seq, r->by);
		else if (state && strcmp(state, "before") == 0)
			finding(v, CHECK_RUN, "%s %s, message %lld: not carried "
				"out by run %lu", json_str(a, "action"), file,
				json_int(json_object_get(a, "pos_before"),
					 "index"), r->seq);
		else {
			finding(v, CHECK_RUN, "%s %s, message %lld: the file is "
				"in neither state: check it by hand",
				json_str(a, "action"), file ? file : "?",
				json_int(json_object_get(a, "pos_before"),
					 "index"));
			unknown++;
		}
	}
	return unknown;
}

void
verify_interrupted(struct vctx *v)
{
	char *incident_dir = path_dir(v->s->manifest_dir);
	struct irec r;
	size_t unknown;

	if (!irec_load(v, CHECK_SYNTAX, v->s->manifest_dir, &r))
		vset(v, CHECK_SYNTAX, STATUS_FAIL, "not the record of a run "
		     "that stopped half-way (%s and %s)", INTENT_NAME,
		     RESOLUTION_NAME);
	else
		vset(v, CHECK_SYNTAX, STATUS_OK, "the intent of run %lu, which "
		     "stopped before its manifest was written, and its "
		     "resolution by run %lu", r.seq, r.by);
	if (needs(v, CHECK_SIGNATURE, CHECK_SYNTAX)) {
		if (irec_signed(v, CHECK_SIGNATURE, &r))
			vset(v, CHECK_SIGNATURE, STATUS_OK, "%s and %s signed "
			     "by the pinned key; the trusted comments match",
			     INTENT_NAME, RESOLUTION_NAME);
		else
			vset(v, CHECK_SIGNATURE, STATUS_FAIL, "not signed as it "
			     "should be by the pinned key");
	}
	if (needs(v, CHECK_LISTINGS, CHECK_SIGNATURE)) {
		if (irec_cross_check(v, CHECK_LISTINGS, &r, incident_dir))
			vset(v, CHECK_LISTINGS, STATUS_OK, "each file's state "
			     "is the one run %lu's signed tree-before.sha256 "
			     "shows", r.by);
		else
			vset(v, CHECK_LISTINGS, STATUS_FAIL, "the resolution "
			     "does not agree with the listing of run %lu",
			     r.by);
	}
	if (needs(v, CHECK_RUN, CHECK_LISTINGS)) {
		unknown = list_acts(v, &r);
		vset(v, CHECK_RUN, unknown ? STATUS_FAIL : STATUS_OK, "run %lu "
		     "stopped before its manifest was written; run %lu recorded "
		     "it after the fact as '%s'%s", r.seq, r.by,
		     json_str(r.res, "outcome"), unknown ? ": what became of "
		     "some changes cannot be told" : "");
	}
	for (int c = CHECK_COMPLETENESS; c < CHECK_COUNT; c++)
		if (c != CHECK_RUN && c != CHECK_LISTINGS)
			not_for_record(v, (enum verify_check)c, r.by);
	irec_release(&r);
	free(incident_dir);
}
