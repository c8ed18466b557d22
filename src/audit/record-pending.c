/* record-pending.c -- the changes runs that stopped half-way planned,
 * as their signed intents list them: the intent of a killed run (kept in
 * NNNN.interrupted-K by the run that resolved it) and that of a run that
 * failed after its first change (kept in its own NNNN, beside the
 * manifest of what it did make).  A later run finds which are still to
 * make by the message digests (listscrub-purge(1)). */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/manifest.h"
#include "audit/record-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "select/select.h"

static json_t *
load_json(const char *dir, const char *name, struct errbuf *err)
{
	char *path = xasprintf("%s/%s", dir, name), *data;
	json_t *obj = NULL;
	size_t len;

	if (manifest_read_part(path, &data, &len, err) == 0) {
		obj = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
		free(data);
		if (!json_is_object(obj)) {
			json_decref(obj);
			obj = NULL;
			errbuf_format(err, "'%s' is not JSON", path);
		}
	}
	free(path);
	return obj;
}

/* The reason names of an act as enum select_reason bits, named as
 * record-lines.c names them. */
static unsigned int
reason_bits(const json_t *names)
{
	unsigned int bits = 0;

	for (unsigned int i = 0; i < SELECT_REASONS; i++) {
		json_t *one = reasons_json(1u << i), *name;
		size_t k;

		json_array_foreach(names, k, name)
			if (json_equal(name, json_array_get(one, 0)))
				bits |= 1u << i;
		json_decref(one);
	}
	return bits;
}

/* Was the file of act found changed ("after") when the run was resolved?
 * Its acts were made then.  states NULL: not resolved (a failed run's
 * manifest says what it made; the digests tell the rest). */
static bool
file_made(const json_t *states, const char *file)
{
	const json_t *s;
	size_t i;

	json_array_foreach(states, i, s) {
		const char *path = json_str(s, "path");

		if (path && strcmp(path, file) == 0)
			return strcmp(json_str(s, "state") ?: "", "after") == 0;
	}
	return false;
}

static void
take_acts(const json_t *intent, const json_t *states, unsigned long seq,
	  struct pending_act **out, size_t *n)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(intent, "acts"), i, a) {
		const char *action = json_str(a, "action");
		const char *file = json_str(a, "file");
		struct pending_act p = { .seq = seq };
		long long index = json_int(json_object_get(a, "pos_before"),
					   "index");

		if (action == NULL || file == NULL || !path_is_safe(file) ||
		    (strcmp(action, "delete-message") != 0 &&
		     strcmp(action, "redact-message") != 0) ||
		    !json_digest(a, "before", "hmac-sha256", p.before) ||
		    file_made(states, file))
			continue;
		p.redact = strcmp(action, "redact-message") == 0;
		p.index = index < 0 ? SIZE_MAX : (size_t)index;
		p.reasons = reason_bits(json_object_get(a, "reasons"));
		p.file = xstrdup(file);
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = p;
	}
}

/* The intent of the stopped run that dir records, with its resolution
 * (NULL for a failed run's own directory); NULL intent: nothing to do. */
static int
load_record(const char *dir, bool resolved, json_t **intent_r,
	    json_t **res_r, struct errbuf *err)
{
	char *path = xasprintf("%s/%s", dir, INTENT_NAME);
	struct stat st;
	bool has_intent = lstat(path, &st) == 0;

	free(path);
	*intent_r = *res_r = NULL;
	if (!has_intent && !resolved)
		return 0;       /* a run that finished, or failed unchanged */
	if (resolved &&
	    (*res_r = load_json(dir, RESOLUTION_NAME, err)) == NULL)
		return -1;
	if (resolved && strcmp(json_str(*res_r, "outcome") ?: "", "done") == 0)
		return 0;
	if ((*intent_r = load_json(dir, INTENT_NAME, err)) == NULL)
		return -1;
	return 0;
}

int
record_pending_acts(const char *manifest_dir, struct pending_act **out_r,
		    size_t *n_r, struct errbuf *err)
{
	char **names;
	size_t n;
	int rc = 0;

	*out_r = NULL;
	*n_r = 0;
	if (dir_names(manifest_dir, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *dir = xasprintf("%s/%s", manifest_dir, names[i]), *end;
		unsigned long seq = strtoul(names[i], &end, 10);
		bool resolved = record_is_interrupted_name(names[i], &seq);
		json_t *intent = NULL, *res = NULL;

		if (resolved || (*end == '\0' && end != names[i] && seq > 0))
			rc = load_record(dir, resolved, &intent, &res, err);
		if (rc < 0) {
			char why[ERRBUF_SIZE];

			memcpy(why, err->msg, sizeof why);
			errbuf_format(err, "what the stopped run recorded in "
				      "'%s' cannot be read: %s", dir, why);
		} else if (intent)
			take_acts(intent, res ? json_object_get(res, "files")
				  : NULL, seq, out_r, n_r);
		json_decref(intent);
		json_decref(res);
		free(dir);
	}
	dir_names_free(names, n);
	return rc;
}

void
pending_acts_free(struct pending_act *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].file);
	free(a);
}
