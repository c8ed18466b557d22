/* baseline.c -- the reviewed findings' fingerprints: a sorted set in a
 * JSON file. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/incident.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "sweep/baseline.h"

#define BASELINE_VERSION 1

struct baseline {
	char *path;
	char kid[INCIDENT_KID_TEXT_SIZE];
	char **fps;             /* sorted after load; added at the end */
	size_t count, alloc, sorted;
};

void
sweep_fingerprint(const struct incident_key *key, const char *rule,
		  const char *rel_path, const char *message_id,
		  const char *text, size_t text_len,
		  char out[FINGERPRINT_SIZE])
{
	/* a message with a Message-ID is known by it wherever it lies (a
	 * mailbox rotated, a list moved): the path only stands in for one */
	bool by_id = message_id && message_id[0];
	size_t lr = strlen(rule) + 1, lp = by_id ? 1 : strlen(rel_path) + 1;
	size_t lm = strlen(message_id ? message_id : "") + 1;
	char *buf = xmalloc(lr + lp + lm + text_len + 1);
	unsigned char d[DIGEST_LEN];

	/* NUL between the fields: no two tuples give the same bytes */
	memcpy(buf, rule, lr);
	memcpy(buf + lr, by_id ? "" : rel_path, lp);
	memcpy(buf + lr + lp, message_id ? message_id : "", lm);
	memcpy(buf + lr + lp + lm, text, text_len);
	incident_mac(key, MAC_FINDING, buf, lr + lp + lm + text_len, d);
	hex_format(out, d, DIGEST_LEN);
	free(buf);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
push(struct baseline *b, const char *fp)
{
	xgrow((void **)&b->fps, &b->alloc, b->count + 1, sizeof *b->fps);
	b->fps[b->count++] = xstrdup(fp);
}

int
baseline_load(const char *path, const struct incident_key *key,
	      struct baseline **b_r, struct errbuf *err)
{
	struct baseline *b = xcalloc(1, sizeof *b);
	json_error_t je;
	json_t *root, *v;
	const char *kid;
	size_t i;

	b->path = xstrdup(path);
	incident_key_id(key, b->kid);
	*b_r = b;
	if ((root = json_load_file(path, 0, &je)) == NULL) {
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return 0;
		return errbuf_set(err, "%s:%d: not a sweep baseline: %s",
				  path, je.line, je.text);
	}
	kid = json_string_value(json_object_get(root, "kid"));
	if (json_integer_value(json_object_get(root, "v")) != BASELINE_VERSION ||
	    kid == NULL || strcmp(kid, b->kid) != 0) {
		json_decref(root);
		return errbuf_set(err, "'%s' is of another version or another "
				  "incident key (key id %s here): give the key "
				  "it was made with, or start a new baseline",
				  path, b->kid);
	}
	json_array_foreach(json_object_get(root, "fingerprints"), i, v)
		if (json_is_string(v) &&
		    strlen(json_string_value(v)) == FINGERPRINT_SIZE - 1)
			push(b, json_string_value(v));
	json_decref(root);
	/* sorted once, and a fingerprint given twice kept once */
	if (b->count)
		qsort(b->fps, b->count, sizeof *b->fps, cmp_str);
	for (size_t k = 0; k < b->count; k++)
		if (b->sorted > 0 && strcmp(b->fps[b->sorted - 1], b->fps[k]) == 0)
			free(b->fps[k]);
		else
			b->fps[b->sorted++] = b->fps[k];
	b->count = b->sorted;
	return 0;
}

bool
baseline_has(const struct baseline *b, const char *fp)
{
	if (b->sorted && bsearch(&fp, b->fps, b->sorted, sizeof *b->fps,
				 cmp_str))
		return true;
	for (size_t i = b->sorted; i < b->count; i++)
		if (strcmp(b->fps[i], fp) == 0)
			return true;
	return false;
}

void
baseline_add(struct baseline *b, const char *fp)
{
	if (!baseline_has(b, fp))
		push(b, fp);
}

size_t
baseline_count(const struct baseline *b)
{
	return b->count;
}

int
baseline_save(const struct baseline *b, struct errbuf *err)
{
	json_t *fps = json_array(), *root;
	char **sorted = xcalloc(b->count + 1, sizeof *sorted);
	char *text;
	int rc;

	if (b->count) {         /* fps is NULL while the baseline is empty */
		memcpy(sorted, b->fps, b->count * sizeof *sorted);
		qsort(sorted, b->count, sizeof *sorted, cmp_str);
	}
	for (size_t i = 0; i < b->count; i++)
		json_array_append_new(fps, json_string(sorted[i]));
	free(sorted);
	root = json_pack("{s:s, s:i, s:s, s:s, s:o}", "format",
			 "listscrub-sweep-baseline", "v", BASELINE_VERSION,
			 "mac", "hmac-sha256", "kid", b->kid, "fingerprints",
			 fps);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	rc = file_replace(b->path, 0600, text, strlen(text), err);
	free(text);
	return rc;
}

void
baseline_free(struct baseline **bp)
{
	struct baseline *b = *bp;

	if (b == NULL)
		return;
	for (size_t i = 0; i < b->count; i++)
		free(b->fps[i]);
	free(b->fps);
	free(b->path);
	free(b);
	*bp = NULL;
}
