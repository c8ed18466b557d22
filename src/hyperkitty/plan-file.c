/* plan-file.c -- the plan given to HyperKitty's app and its report
 * (hyperkitty/plan-file.h). */
#include "config.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hyperkitty/plan-file.h"
#include "hyperkitty/site.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

static json_t *
base64_json(const char *data, size_t len)
{
	size_t size = sodium_base64_ENCODED_LEN(len,
						sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(size);
	json_t *j;

	sodium_bin2base64(b64, size, (const unsigned char *)data, len,
			  sodium_base64_VARIANT_ORIGINAL);
	j = json_string(b64);
	free(b64);
	return j;
}

int
hk_plan_write(const char *path, const char *incident,
	      const struct hk_plan_entry *entries, size_t n,
	      struct errbuf *err)
{
	json_t *actions = json_array(), *plan;
	char *text;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct hk_message *m = entries[i].email;
		json_t *a = json_pack("{s:s, s:s, s:I, s:s, s:s}",
				      "list", m->list,
				      "message_id_hash", m->message_id_hash,
				      "email_id", (json_int_t)m->email_id,
				      "digest", m->digest, "act",
				      entries[i].redact ? "redact" : "delete");

		if (entries[i].redact)
			json_object_set_new(a, "message",
					    base64_json(entries[i].data,
							entries[i].len));
		json_array_append_new(actions, a);
	}
	plan = json_pack("{s:i, s:s, s:o}", "listscrub_hyperkitty_plan", 1,
			 "incident", incident ? incident : "", "actions",
			 actions);
	text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(plan);
	rc = file_replace(path, 0600, text, strlen(text), err);
	free(text);
	return rc;
}

static void
copy_field(char *out, size_t size, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(out, size, "%s", v ? v : "");
}

int
hk_report_read(const char *path, struct hk_report *rep, struct errbuf *err)
{
	json_error_t je;

	memset(rep, 0, sizeof *rep);
	rep->json = json_load_file(path, 0, &je);
	if (!json_is_object(rep->json) ||
	    !json_object_get(rep->json, "listscrub_hyperkitty_report")) {
		json_decref(rep->json);
		rep->json = NULL;
		return errbuf_set(err, "HyperKitty's app left no report at '%s' "
				  "(%s): whether it changed the database is "
				  "not known; run 'listscrub scan --hyperkitty' "
				  "to see the archive as it is", path, je.text);
	}
	copy_field(rep->status, sizeof rep->status, rep->json, "status");
	copy_field(rep->error, sizeof rep->error, rep->json, "error");
	rep->done = strcmp(rep->status, "done") == 0;
	return 0;
}

enum hk_done
hk_report_outcome(const struct hk_report *rep, size_t k,
		  const struct hk_message *email, const char **digest_after_r)
{
	json_t *a = json_array_get(json_object_get(rep->json, "actions"), k);
	const char *list = json_string_value(json_object_get(a, "list"));
	const char *hash = json_string_value(json_object_get(a,
							     "message_id_hash"));
	const char *status = json_string_value(json_object_get(a, "status"));
	const char *after = json_string_value(json_object_get(a,
							      "digest_after"));

	*digest_after_r = "";
	/* the report answers the plan's actions in their order */
	if (!rep->done || !list || !hash || !status ||
	    strcmp(list, email->list) || strcmp(hash, email->message_id_hash))
		return HK_NOT_DONE;
	*digest_after_r = after ? after : "";
	return !strcmp(status, "deleted") ? HK_DELETED
		: !strcmp(status, "redacted") ? HK_REDACTED : HK_NOT_DONE;
}

void
hk_report_release(struct hk_report *rep)
{
	json_decref(rep->json);
	rep->json = NULL;
}
