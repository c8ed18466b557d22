/* verify.c -- the checks of listscrub-verify(1), step by step. */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/incident.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/tree.h"
#include "audit/verify.h"
#include "detect/addrset.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/msg.h"
#include "mail/msgid.h"
#include "select/select.h"

#define MAX_FINDINGS 100

struct vctx {
	const struct verify_settings *s;
	struct verify_report *rep;
	struct manifest m;
	const json_t *header, *footer;
	bool apply;
	struct tree before, after;      /* the listings, as recorded */
	struct scope scope;
	struct tree now;                /* the archive as it is */
};

static const char *const check_names[CHECK_COUNT] = {
	[CHECK_SYNTAX] = "syntax", [CHECK_SIGNATURE] = "signature",
	[CHECK_COMPLETENESS] = "completeness", [CHECK_LISTINGS] = "listings",
	[CHECK_ARCHIVE] = "archive", [CHECK_MESSAGES] = "messages",
	[CHECK_CHAIN] = "chain", [CHECK_GONE] = "gone",
};

const char *
verify_check_name(enum verify_check c)
{
	return check_names[c];
}

/* ---- results ------------------------------------------------------------------ */

static void
vset(struct vctx *v, enum verify_check c, enum check_status st,
     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
vset(struct vctx *v, enum verify_check c, enum check_status st,
     const char *fmt, ...)
{
	struct check_result *r = &v->rep->checks[c];
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
}

static void
finding(struct vctx *v, enum verify_check c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
finding(struct vctx *v, enum verify_check c, const char *fmt, ...)
{
	struct check_result *r = &v->rep->checks[c];
	char buf[ERRBUF_SIZE];
	va_list ap;

	if (r->n_findings > MAX_FINDINGS)
		return;
	if (r->n_findings == MAX_FINDINGS)
		snprintf(buf, sizeof buf, "(more not shown)");
	else {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
	}
	r->findings = xreallocarray(r->findings, r->n_findings + 1,
				    sizeof *r->findings);
	r->findings[r->n_findings++] = xstrdup(buf);
}

static bool
passed(const struct vctx *v, enum verify_check c)
{
	return v->rep->checks[c].status == STATUS_OK;
}

/* Checks that need an earlier one that did not pass are not run. */
static bool
needs(struct vctx *v, enum verify_check c, enum verify_check dep)
{
	if (passed(v, dep))
		return true;
	vset(v, c, STATUS_NOT_CHECKED, "needs the %s check to pass first",
	     check_names[dep]);
	return false;
}

static char *
in_dir(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* ---- 1. syntax ----------------------------------------------------------------- */

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

static bool
str_is(const json_t *obj, const char *key, const char *want)
{
	const char *s = json_str(obj, key);

	return s && strcmp(s, want) == 0;
}

static const char *
header_problem(const json_t *h)
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
	if (!mode || (strcmp(mode, "apply") && strcmp(mode, "plan")))
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

static const char *
act_problem(const json_t *a)
{
	const json_t *pos = json_object_get(a, "pos_before");
	const json_t *hits = json_object_get(a, "hits"), *hit;
	const json_t *mid = json_object_get(a, "mid");
	const char *file = json_str(a, "file");
	size_t i;

	if (!str_is(a, "action", "delete-message") &&
	    !str_is(a, "action", "redact-message"))
		return "action (this listscrub knows delete-message and "
			"redact-message)";
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

static void
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
	free(path);
	v->header = manifest_header(&v->m);
	v->footer = manifest_footer(&v->m);
	v->apply = str_is(v->header, "mode", "apply");
	if ((bad = header_problem(v->header)) == NULL &&
	    (bad = footer_problem(v->footer)) == NULL)
		for (line = 1; line + 1 < v->m.count && bad == NULL; line++)
			bad = str_is(v->m.lines[line], "t", "file")
				? file_problem(v->m.lines[line], v->apply)
				: act_problem(v->m.lines[line]);
	if (bad) {
		vset(v, CHECK_SYNTAX, STATUS_FAIL, "line %zu: a missing or bad "
		     "field: %s", line ? line : 1, bad);
		return;
	}
	vset(v, CHECK_SYNTAX, STATUS_OK, "%zu lines: header, %lld files, "
	     "%lld acts, footer; incident %s, run %lld, %s", v->m.count,
	     json_int(json_object_get(v->footer, "entries"), "file"),
	     json_int(json_object_get(v->footer, "entries"), "act"),
	     json_str(v->header, "incident"), json_int(v->header, "seq"),
	     json_str(v->header, "mode"));
}

/* ---- 2. signature -------------------------------------------------------------- */

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

/* Verify dir/name against its .minisig; the trusted comment must be the
 * one the manifest's header and footer give. */
static bool
check_signed_file(struct vctx *v, enum verify_check check, const char *dir,
		  const char *name, const struct manifest *m, const char *data,
		  size_t len)
{
	char *sigpath = xasprintf("%s/%s.minisig", dir, name);
	char *sig = NULL, *trusted = NULL, *want, field[64];
	struct errbuf err;
	size_t siglen;
	bool ok = false;

	errbuf_clear(&err);
	want = manifest_trusted_comment(name, manifest_header(m),
					manifest_footer(m));
	if (read_whole_file(sigpath, &sig, &siglen, &err) < 0)
		finding(v, check, "%s.minisig: missing or unreadable "
			"(%s)", name, err.msg);
	else if (ms_verify(v->s->pubkey, data, len, sig, siglen, &trusted,
			   &err) < 0)
		finding(v, check, "%s: %s", name, err.msg);
	else if (want == NULL || strcmp(trusted, want) != 0) {
		first_difference(trusted, want ? want : "", field, sizeof field);
		finding(v, check, "%s: the signed trusted comment does "
			"not match the manifest (field '%s'): the signature "
			"belongs to another run or incident", name, field);
	} else
		ok = true;
	free(sigpath);
	free(sig);
	free(trusted);
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

	if (read_whole_file(path, &text, &len, &err) < 0) {
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

static void
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

/* ---- 3. completeness ------------------------------------------------------------- */

static void
check_completeness(struct vctx *v)
{
	const json_t *entries = json_object_get(v->footer, "entries");
	const json_t *acts = json_object_get(v->footer, "acts");
	unsigned char root[DIGEST_LEN], want[DIGEST_LEN];
	long long files = 0, nacts = 0, deletes = 0, redacts = 0;

	if (!needs(v, CHECK_COMPLETENESS, CHECK_SYNTAX))
		return;
	for (size_t i = 1; i + 1 < v->m.count; i++) {
		bool is_file = str_is(v->m.lines[i], "t", "file");

		files += is_file;
		nacts += !is_file;
		deletes += !is_file && str_is(v->m.lines[i], "action",
					      "delete-message");
		redacts += !is_file && str_is(v->m.lines[i], "action",
					      "redact-message");
	}
	manifest_root(&v->m, root);
	json_digest(v->footer, "merkle_root", "sha256", want);
	if (memcmp(root, want, DIGEST_LEN) != 0)
		vset(v, CHECK_COMPLETENESS, STATUS_FAIL, "the Merkle root of the "
		     "lines is not the footer's: a line was changed, added or "
		     "removed");
	else if (files != json_int(entries, "file") ||
		 nacts != json_int(entries, "act") ||
		 json_object_size(acts) != (size_t)(1 + (deletes > 0 &&
							 redacts > 0)) ||
		 (deletes > 0 || redacts == 0
		  ? json_int(acts, "delete-message") != deletes
		  : json_object_get(acts, "delete-message") != NULL) ||
		 (redacts > 0 ? json_int(acts, "redact-message") != redacts
		  : json_object_get(acts, "redact-message") != NULL))
		vset(v, CHECK_COMPLETENESS, STATUS_FAIL, "the footer's counts do "
		     "not match the lines (%lld files, %lld acts)", files, nacts);
	else
		vset(v, CHECK_COMPLETENESS, STATUS_OK, "Merkle root over %zu "
		     "lines and the counts match the footer", v->m.count - 1);
}

/* ---- 4. listings ------------------------------------------------------------------- */

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
	if (read_whole_file(path, &text, &len, &err) < 0) {
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
	else
		ok = true;
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

static void
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
		     "signed for, and differ exactly in the %lld files listed",
		     v->before.count, v->after.count,
		     json_int(json_object_get(v->footer, "entries"), "file"));
	else
		vset(v, CHECK_LISTINGS, STATUS_FAIL, "the listings do not agree "
		     "with the manifest");
}

/* ---- 5. the archive now ------------------------------------------------------------- */

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
static int
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

static void
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

/* ---- 6. messages inside the changed files --------------------------------------------- */

/* The digests of the messages the file holds now. */
static int
current_digests(struct vctx *v, const char *rel, size_t expect,
		unsigned char (**d)[DIGEST_LEN], size_t *n)
{
	struct mailbox mb = { .path = scope_absolute(&v->scope, rel) };
	struct errbuf err;
	int rc = 0;

	*d = NULL;
	*n = 0;
	errbuf_clear(&err);
	if (expect > 0) {
		rc = mailbox_load(&mb, &err);
		if (rc == 0 && mb.kind != MAILBOX_MBOX)
			rc = errbuf_set(&err, "it is not an mbox any more");
		if (rc == 0)
			rc = manifest_message_digests(&mb, d, n, &err);
		if (rc < 0)
			finding(v, CHECK_MESSAGES, "%s: %s", rel, err.msg);
		mailbox_unload(&mb);
	}
	free(mb.path);
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

		if (!str_is(a, "t", "act") || !str_is(a, "file", rel))
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

static void
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

/* ---- 7. the chain of runs ------------------------------------------------------------ */

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

	if (read_whole_file(path, &text, &len, &err) == 0 &&
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

static void
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

/* ---- 8. gone ---------------------------------------------------------------------------- */

/* The keyed values of what the run removed, to look for. */
struct removed {
	struct addrset *tokens;                 /* keyed: "hmac-sha256:..." */
	unsigned char (*mids)[DIGEST_LEN];      /* sorted */
	size_t n_mids;
	unsigned char (*msgs)[DIGEST_LEN];      /* sorted */
	size_t n_msgs;
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
		/* a redacted message stays under its Message-ID */
		if (str_is(a, "action", "delete-message") &&
		    json_digest(a, "mid", "hmac-sha256", d))
			push_digest(&rm->mids, &rm->n_mids, d);
		json_digest(a, "before", "hmac-sha256", d);
		push_digest(&rm->msgs, &rm->n_msgs, d);
	}
	if (rm->n_mids > 0)	/* qsort wants a non-NULL array */
		qsort(rm->mids, rm->n_mids, DIGEST_LEN, compare_digests);
	if (rm->n_msgs > 0)	/* qsort wants a non-NULL array */
		qsort(rm->msgs, rm->n_msgs, DIGEST_LEN, compare_digests);
}

static bool
holds(const unsigned char (*arr)[DIGEST_LEN], size_t n,
      const unsigned char d[DIGEST_LEN])
{
	return n > 0 && bsearch(d, arr, n, DIGEST_LEN, compare_digests) != NULL;
}

/* A deleted message back in place: by its bytes or by its Message-ID. */
static void
look_for_messages(struct vctx *v, const struct removed *rm,
		  const struct mailbox *mb)
{
	for (size_t i = 0; i < mailbox_message_count(mb); i++) {
		unsigned char d[DIGEST_LEN];
		char id[1024];
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;

		if (mailbox_message(mb, i, &raw, &len, &off, &owned, NULL) < 0)
			continue;
		incident_mac(v->s->incident_key, MAC_MESSAGE, raw, len, d);
		if (holds((const void *)rm->msgs, rm->n_msgs, d))
			finding(v, CHECK_GONE, "%s:#%zu (offset %llu): a deleted or "
				"redacted original is back, byte for byte", mb->path, i,
				(unsigned long long)off);
		else if (msgid_of_message(raw, len, id, sizeof id) &&
			 (incident_mac(v->s->incident_key, MAC_MESSAGE_ID, id,
				       strlen(id), d),
			  holds((const void *)rm->mids, rm->n_mids, d)))
			finding(v, CHECK_GONE, "%s:#%zu (offset %llu): a message "
				"with the Message-ID of a deleted one", mb->path,
				i, (unsigned long long)off);
		if (owned)
			free((char *)raw);
	}
}

static void
report_tokens(struct vctx *v, const struct mailbox_list *boxes,
	      const struct selection *sel)
{
	for (size_t k = 0; k < sel->count; k++) {
		const struct selected *it = &sel->items[k];
		const struct select_match *m = &it->matches[0];

		finding(v, CHECK_GONE, "%s:#%zu (offset %llu, part %u): %zu "
			"occurrence(s) of a leaked token the run recorded",
			boxes->items[it->mailbox].path, it->index,
			(unsigned long long)it->offset, m->part, it->n_matches);
	}
}

static int
scan_archive(struct vctx *v, const struct removed *rm, size_t *messages_r,
	     struct errbuf *err)
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
	rc = mailbox_walk(&boxes, paths, v->scope.count, err);
	if (rc == 0)
		rc = select_run(&boxes, &ss, &sel, err);
	if (rc == 0) {
		report_tokens(v, &boxes, &sel);
		for (size_t b = 0; b < boxes.count; b++)
			if (boxes.items[b].loaded)
				look_for_messages(v, rm, &boxes.items[b]);
		for (size_t p = 0; p < sel.n_problems; p++)
			if (sel.problems[p].fatal)
				finding(v, CHECK_GONE, "%s could not be read: "
					"%s", boxes.items[sel.problems[p].mailbox]
					.path, sel.problems[p].text);
		*messages_r = sel.messages;
		selection_release(&sel);
	}
	mailbox_list_release(&boxes);
	for (size_t i = 0; i < v->scope.count; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

static void
check_gone(struct vctx *v)
{
	char kid[INCIDENT_KID_TEXT_SIZE];
	struct removed rm = { 0 };
	size_t messages = 0;
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
	if (scan_archive(v, &rm, &messages, &err) < 0)
		vset(v, CHECK_GONE, STATUS_FAIL, "cannot scan the archive: %s",
		     err.msg);
	else if (v->rep->checks[CHECK_GONE].n_findings > 0)
		vset(v, CHECK_GONE, STATUS_FAIL, "something the run removed is in "
		     "the archive again");
	else
		vset(v, CHECK_GONE, STATUS_OK, "none of the %zu originals the run "
		     "deleted or redacted, nor of the %zu leaked tokens it "
		     "recorded, is in any of the %zu "
		     "messages now (headers, decoded parts, HTML forms)",
		     rm.n_msgs, addrset_count(rm.tokens), messages);
	addrset_free(&rm.tokens);
	free(rm.mids);
	free(rm.msgs);
}

/* ---- the run ------------------------------------------------------------------------------- */

int
verify_run(const struct verify_settings *s, struct verify_report *rep,
	   struct errbuf *err)
{
	struct vctx v = { .s = s, .rep = rep };
	int rc = 0;

	memset(rep, 0, sizeof *rep);
	for (int c = 0; c < CHECK_COUNT; c++) {
		rep->checks[c].required = c != CHECK_CHAIN;
		rep->checks[c].status = STATUS_NOT_CHECKED;
	}
	check_syntax(&v);
	if (passed(&v, CHECK_SYNTAX) && resolve_scope(&v, err) < 0)
		rc = -1;
	if (rc == 0) {
		check_signature(&v);
		check_completeness(&v);
		check_listings(&v);
		check_archive(&v);
		check_messages(&v);
		check_chain(&v);
		check_gone(&v);
	}
	if (v.m.text)
		manifest_release(&v.m);
	tree_release(&v.before);
	tree_release(&v.after);
	tree_release(&v.now);
	scope_release(&v.scope);
	return rc;
}

void
verify_report_release(struct verify_report *rep)
{
	for (int c = 0; c < CHECK_COUNT; c++) {
		for (size_t i = 0; i < rep->checks[c].n_findings; i++)
			free(rep->checks[c].findings[i]);
		free(rep->checks[c].findings);
	}
	memset(rep, 0, sizeof *rep);
}
