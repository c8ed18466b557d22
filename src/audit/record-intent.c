/* record-intent.c -- a run's signed intent, written before its first
 * change, and what the next run makes of an intent whose run stopped
 * before its manifest was written (listscrub-manifest(5)). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/record-private.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

#define INTENT_VERSION 1

void
record_remove_dir(const char *dir)
{
	struct errbuf ignored;
	char **names;
	size_t n;

	if (dir_names(dir, &names, &n, &ignored) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *p = xasprintf("%s/%s", dir, names[i]);

			(void)unlink(p);
			free(p);
		}
		dir_names_free(names, n);
	}
	if (rmdir(dir) < 0 && errno == ENOTDIR)
		(void)unlink(dir);
}

static json_t *
intent_files(const struct record *r)
{
	json_t *files = json_array();

	for (size_t i = 0; i < r->nfiles; i++) {
		const struct changed_file *f = &r->files[i];
		const struct tree_entry *e = tree_find(&r->before, f->rel);
		json_t *o = json_pack("{s:s}", "path", f->rel);

		if (e)
			json_object_set_new(o, "before",
					    digest_json("sha256", e->sha256));
		if (f->removed)
			json_object_set_new(o, "removed", json_true());
		else if (f->has_file_after)
			json_object_set_new(o, "after",
					    digest_json("sha256", f->file_after));
		json_array_append_new(files, o);
	}
	return files;
}

/* The intent's line: its other members, after "acts" (the first key in
 * sorted order), the act lines as they are: the same bytes as the whole
 * dumped at once, without a second copy of every act as JSON. */
static char *
intent_line(const struct record *r, json_t *rest)
{
	char *others = manifest_line(rest);
	struct buf b = { 0 };

	if (others == NULL)
		return NULL;
	buf_str(&b, "{\"acts\":[");
	for (size_t i = 0; i < r->nacts; i++) {
		if (i > 0)
			buf_str(&b, ",");
		buf_str(&b, r->acts[i].line);
	}
	buf_str(&b, "],");
	buf_str(&b, others + 1);
	free(others);
	return b.p;
}

int
record_copy_intent(const char *from, const char *to, struct errbuf *err)
{
	int rc = 0;

	for (int k = 0; rc == 0 && k < 2; k++) {
		const char *part = k ? INTENT_NAME ".minisig" : INTENT_NAME;
		char *src = xasprintf("%s/%s", from, part), *dst, *data;
		size_t len;

		dst = xasprintf("%s/%s", to, part);
		rc = manifest_read_part(src, &data, &len, err);
		if (rc == 0) {
			rc = file_create_new(dst, 0600, data, len, err);
			free(data);
		}
		free(src);
		free(dst);
	}
	return rc;
}

/* Write text and its signature into a new temp beside final, then
 * rename it there: the directory appears whole or not at all. */
static int
write_signed_dir(const struct ms_secret *key, const char *final,
		 const char *name, const char *text, const char *comment,
		 const char *copy_from, struct errbuf *err)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", final);
	int rc = 0;

	if (mkdtemp(tmp) == NULL)
		rc = errbuf_errno(err, errno, "cannot create '%s'", tmp);
	if (rc == 0 && copy_from)
		rc = record_copy_intent(copy_from, tmp, err);
	if (rc == 0)
		rc = record_write_signed(key, tmp, name, text, strlen(text),
					 comment, err);
	if (rc == 0 && rename(tmp, final) < 0)
		rc = errbuf_errno(err, errno, "cannot rename '%s' to '%s'", tmp,
				  final);
	if (rc == 0)
		rc = fsync_dir_of(final, err);
	else
		record_remove_dir(tmp);
	free(tmp);
	return rc;
}

int
record_write_intent(struct record *r, struct errbuf *err)
{
	json_t *obj;
	char *line, *text, *comment;
	int rc;

	/* the listing before the run is whole before its first change */
	if (record_hash_before(r, err) < 0)
		return -1;
	if (r->s.intent_dir == NULL || !r->s.apply)
		return 0;
	obj = json_pack("{s:o, s:s, s:s, s:s, s:o, s:I, s:s, s:s, s:s, "
			"s:i}", "files", intent_files(r),
			"incident", r->s.incident, "mode", "intent",
			"operator", r->s.operator_name,
			"prev", r->s.prev ? digest_json("sha256", r->s.prev)
			: json_null(), "seq", (json_int_t)r->s.seq,
			"started", r->started, "t", "intent",
			"tool", "listscrub " PACKAGE_VERSION,
			"v", INTENT_VERSION);
	line = intent_line(r, obj);
	json_decref(obj);
	if (line == NULL)
		return errbuf_set(err, "the run's intent cannot be written as "
				  "JSON");
	text = xasprintf("%s\n", line);
	comment = record_intent_comment(r->s.incident, r->s.seq, r->started);
	rc = write_signed_dir(r->s.sign_key, r->s.intent_dir, INTENT_NAME, text,
			      comment, NULL, err);
	r->intent_written = rc == 0;
	free(comment);
	free(text);
	free(line);
	return rc;
}

void
record_drop_intent(struct record *r)
{
	if (r->intent_written) {
		record_remove_dir(r->s.intent_dir);
		r->intent_written = false;
	}
}

char *
record_intent_comment(const char *incident, unsigned long seq,
		      const char *started)
{
	return xasprintf("lmi1 file=%s incident=%s seq=%lu mode=intent "
			 "started=%s", INTENT_NAME, incident, seq, started);
}

char *
record_resolution_comment(unsigned long seq, const char *outcome,
			  const char *resolved, unsigned long by)
{
	return xasprintf("lmi1 file=%s seq=%lu outcome=%s resolved=%s by=%lu",
			 RESOLUTION_NAME, seq, outcome, resolved, by);
}

bool
record_is_intent_name(const char *name, unsigned long *seq_r)
{
	char *end;

	if (name[0] < '0' || name[0] > '9')
		return false;
	*seq_r = strtoul(name, &end, 10);
	return strcmp(end, ".intent") == 0 && *seq_r > 0;
}

bool
record_is_interrupted_name(const char *path, unsigned long *seq_r)
{
	size_t len = strlen(path);
	const char *base;
	unsigned long seq, k;
	char *end;

	while (len > 1 && path[len - 1] == '/')         /* "DIR/" too */
		len--;
	base = path + len;
	while (base > path && base[-1] != '/')
		base--;
	if (base[0] < '0' || base[0] > '9')
		return false;
	seq = strtoul(base, &end, 10);
	if (strncmp(end, ".interrupted-", 13) != 0 || end[13] < '1' ||
	    end[13] > '9')
		return false;
	k = strtoul(end + 13, &end, 10);
	if (seq_r)
		*seq_r = seq;
	return (*end == '\0' || *end == '/') && seq > 0 && k > 0;
}

/* ---- the next run ----------------------------------------------------- */

/* "after", "before", "other" or "missing": where rel is now, against what
 * the intent says it was and would be. */
static const char *
file_state(const json_t *f, const struct scope *sc)
{
	const char *rel = json_str(f, "path");
	unsigned char now[DIGEST_LEN], before[DIGEST_LEN], after[DIGEST_LEN];
	bool has_before = json_digest(f, "before", "sha256", before);
	bool has_after = json_digest(f, "after", "sha256", after);
	bool removed = json_is_true(json_object_get(f, "removed"));
	struct errbuf err;
	struct stat st;
	uint64_t size;
	char *abs;
	int rc;

	if (rel == NULL || !path_is_safe(rel))
		return "other";         /* never read outside the archive */
	abs = scope_absolute(sc, rel);
	rc = lstat(abs, &st) < 0 ? -1 : sha256_of_file(abs, now, &size, &err);
	free(abs);
	if (rc < 0)
		return removed ? "after" : "missing";
	if (has_before && memcmp(now, before, DIGEST_LEN) == 0)
		return "before";
	if (has_after)
		return memcmp(now, after, DIGEST_LEN) == 0 ? "after" : "other";
	/* a rewritten page whose new bytes the intent does not hold */
	return removed ? "other" : "after";
}

static char *
free_record_name(const char *manifest_dir, unsigned long seq)
{
	for (unsigned int k = 1;; k++) {
		char *p = xasprintf("%s/%04lu.interrupted-%u", manifest_dir,
				    seq, k);
		struct stat st;

		if (lstat(p, &st) < 0)
			return p;
		free(p);
	}
}

static int
resolve_one(const char *manifest_dir, const char *intent_dir,
	    unsigned long seq, unsigned long by, const struct scope *sc,
	    const struct ms_secret *key, const char *operator_name,
	    struct intent_outcome *out, struct errbuf *err)
{
	char *path = xasprintf("%s/%s", intent_dir, INTENT_NAME), *data;
	char *line = NULL, *text, *comment, now[TIME_TEXT_SIZE];
	json_t *intent = NULL, *states = json_array(), *res;
	size_t len, i;
	json_t *f;
	int rc = manifest_read_part(path, &data, &len, err);

	memset(out, 0, sizeof *out);
	out->seq = seq;
	if (rc == 0) {
		intent = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
		free(data);
		if (!json_is_array(json_object_get(intent, "files")))
			rc = errbuf_set(err, "'%s' is not a run's intent: move "
					"it out of the manifest directory and "
					"run again", path);
	}
	json_array_foreach(json_object_get(intent, "files"), i, f) {
		const char *st = file_state(f, sc);

		json_array_append_new(states, json_pack("{s:s?, s:s}", "path",
							json_str(f, "path"),
							"state", st));
		if (strcmp(st, "after") == 0)
			out->after++;
		else if (strcmp(st, "before") == 0)
			out->before++;
		else
			out->other++;
	}
	out->outcome = out->before == 0 && out->other == 0 ? "done"
		: out->after == 0 && out->other == 0 ? "not-carried-out"
		: "partial";
	now_text(now);
	/* by: the run that resolves it, whose tree-before verify checks
	 * the states against */
	res = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:i}",
			"by", (json_int_t)by, "files", states, "incident",
			json_str(intent, "incident") ? json_str(intent, "incident")
			: "?", "note", "the run stopped before its manifest was "
			"written; the next run compared each file it meant to "
			"change with its digests before and after",
			"operator", operator_name, "outcome", out->outcome,
			"seq", (json_int_t)seq, "resolved", now,
			"t", "resolution", "v", INTENT_VERSION);
	if (rc == 0 && (line = manifest_line(res)) == NULL)
		rc = errbuf_set(err, "the resolution of '%s' cannot be written "
				"as JSON", intent_dir);
	if (rc == 0) {
		out->record = free_record_name(manifest_dir, seq);
		text = xasprintf("%s\n", line);
		comment = record_resolution_comment(seq, out->outcome, now,
						    by);
		rc = write_signed_dir(key, out->record, RESOLUTION_NAME, text,
				      comment, intent_dir, err);
		free(comment);
		free(text);
	}
	if (rc == 0)
		record_remove_dir(intent_dir);
	json_decref(res);
	json_decref(intent);
	free(line);
	free(path);
	return rc;
}

int
record_resolve_intents(const struct next_run *next, const struct scope *sc,
		       const struct ms_secret *key, const char *operator_name,
		       struct intent_outcome **out_r, size_t *n_r,
		       size_t *temps_r, struct errbuf *err)
{
	char **names;
	size_t n;
	int rc = 0;

	*out_r = NULL;
	*n_r = *temps_r = 0;
	if (dir_names(next->manifest_dir, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *p = xasprintf("%s/%s", next->manifest_dir, names[i]);
		char *run = NULL;
		unsigned long seq;
		struct stat st;

		/* the lock is ours: no live run is writing any temp here */
		if (strstr(names[i], ".tmp-") != NULL) {
			record_remove_dir(p);
			(*temps_r)++;
		} else if (record_is_intent_name(names[i], &seq)) {
			run = xasprintf("%s/%04lu/%s", next->manifest_dir, seq,
					MANIFEST_NAME);
			if (stat(run, &st) == 0)        /* finished after all */
				record_remove_dir(p);
			else {
				*out_r = xreallocarray(*out_r, *n_r + 1,
						       sizeof **out_r);
				rc = resolve_one(next->manifest_dir, p, seq,
						 next->seq, sc,
						 key, operator_name,
						 &(*out_r)[*n_r], err);
				(*n_r)++;
			}
		}
		free(run);
		free(p);
	}
	dir_names_free(names, n);
	return rc;
}

void
intent_outcomes_free(struct intent_outcome *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(o[i].record);
	free(o);
}
