/* inspect.c -- a HyperKitty run checked against its site
 * (hyperkitty/inspect.h). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verify.h"
#include "hyperkitty/inspect.h"
#include "hyperkitty/site.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"

static const char *
str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* The emails the run changed, as the query names them. */
static json_t *
query_json(const json_t *run, size_t *n_r)
{
	json_t *named = json_array(), *a;
	const json_t *unnamed = json_object_get(run, "unnamed");
	size_t i;

	json_array_foreach(json_object_get(run, "actions"), i, a) {
		const char *status = str(a, "status");

		if (strcmp(status, "deleted") && strcmp(status, "redacted"))
			continue;
		json_array_append_new(named, json_pack(
			"{s:s, s:s, s:O, s:s, s:O}", "list", str(a, "list"),
			"message_id_hash", str(a, "message_id_hash"),
			"email_id", json_object_get(a, "email_id"),
			"act", strcmp(status, "deleted") ? "redact" : "delete",
			"digest_after", json_object_get(a, "digest_after")
			? json_object_get(a, "digest_after") : json_null()));
	}
	*n_r = json_array_size(named);
	return json_pack("{s:i, s:o, s:O}", "listscrub_hyperkitty_query", 1,
			 "named", named, "excluded_threads",
			 json_object_get(unnamed, "excluded_threads")
			 ? json_object_get(unnamed, "excluded_threads")
			 : json_array());
}

/* One email the run changed, as the site has it now. */
static void
check_named(struct check_result *r, const json_t *q, const json_t *now)
{
	const char *list = str(q, "list"), *hash = str(q, "message_id_hash");
	bool deleted = strcmp(str(q, "act"), "delete") == 0;
	const char *index = str(now, "index");

	if (deleted) {
		if (json_is_true(json_object_get(now, "email")))
			check_finding(r, "hyperkitty:%s message %s: deleted by the "
				    "run, but in the emails table", list, hash);
		if (json_integer_value(json_object_get(now, "attachments")) > 0)
			check_finding(r, "hyperkitty:%s message %s: its attachment "
				    "rows are left", list, hash);
		if (json_integer_value(json_object_get(now,
						       "attachment_files")) > 0)
			check_finding(r, "hyperkitty:%s message %s: its attachment "
				    "files are left on disk", list, hash);
		if (!strcmp(index, "present") || !strcmp(index, "stale"))
			check_finding(r, "hyperkitty:%s message %s: still in the "
				    "search index", list, hash);
		return;
	}
	if (!json_is_true(json_object_get(now, "email")))
		check_finding(r, "hyperkitty:%s message %s: redacted by the run, "
			    "and now gone from the emails table", list, hash);
	else if (strcmp(str(now, "digest"), str(q, "digest_after")))
		check_finding(r, "hyperkitty:%s message %s: not as the run left it "
			    "(changed since)", list, hash);
	if (!strcmp(index, "stale") || !strcmp(index, "absent"))
		check_finding(r, "hyperkitty:%s message %s: its search document is "
			    "%s (the index still shows the text before)", list,
			    hash, !strcmp(index, "stale") ? "stale" : "missing");
}

/* The rows not named: their digests now against the run's after. */
static size_t
check_unnamed(struct check_result *r, const json_t *run, const json_t *now)
{
	const json_t *after = json_object_get(json_object_get(run, "unnamed"),
					      "after");
	const char *table;
	json_t *want;
	size_t tables = 0;

	json_object_foreach((json_t *)after, table, want) {
		const json_t *is = json_object_get(now, table);

		tables++;
		if (strcmp(str(want, "digest"), str(is, "digest")))
			check_finding(r, "hyperkitty: the %s rows the run did not "
				    "name changed since the run (%lld rows then, "
				    "%lld now)", table,
				    (long long)json_integer_value(
					json_object_get(want, "rows")),
				    (long long)json_integer_value(
					json_object_get(is, "rows")));
	}
	return tables;
}

static void
evaluate(struct check_result *r, const json_t *query, const json_t *answer,
	 const json_t *run)
{
	const json_t *named = json_object_get(answer, "named"), *q;
	size_t i, tables;

	json_array_foreach(json_object_get(query, "named"), i, q) {
		const json_t *now = json_array_get(named, i);

		if (now == NULL || strcmp(str(now, "message_id_hash"),
					  str(q, "message_id_hash")))
			check_finding(r, "hyperkitty: the app's answer does not "
				    "name email %zu of the run", i + 1);
		else
			check_named(r, q, now);
	}
	tables = check_unnamed(r, run, json_object_get(answer, "unnamed"));
	r->status = r->n_findings ? STATUS_FAIL : STATUS_OK;
	if (r->n_findings)
		snprintf(r->detail, sizeof r->detail, "%zu %s about the emails "
			 "the run changed or the rows it did not name",
			 r->n_findings, r->n_findings == 1 ? "problem"
			 : "problems");
	else
		snprintf(r->detail, sizeof r->detail, "the %zu emails the run "
			 "changed are as it left them (deleted from the "
			 "emails, attachments and search index, or redacted), "
			 "and the rows of %zu tables it did not name are "
			 "unchanged", json_array_size(json_object_get(query,
			 "named")), tables);
}

void
hk_inspect(const struct hk_site *s, const struct json_t *run,
	   struct check_result *r)
{
	char *qpath = hk_site_file(s, "query.json");
	char *apath = hk_site_file(s, "answer.json");
	const char *args[] = { "listscrub_inspect", qpath, "--report", apath,
			       NULL };
	size_t n;
	json_t *query = query_json(run, &n), *answer = NULL;
	char *text = json_dumps(query, JSON_COMPACT | JSON_SORT_KEYS);
	json_error_t je;
	struct errbuf err;

	errbuf_clear(&err);
	r->required = true;
	if (file_replace(qpath, 0600, text, strlen(text), &err) < 0 ||
	    hk_site_run(s, args, &err) != 0) {
		r->status = STATUS_NOT_CHECKED;
		snprintf(r->detail, sizeof r->detail, "cannot ask the site: %.400s",
			 err.msg);
	} else if ((answer = json_load_file(apath, 0, &je)) == NULL ||
		   !json_object_get(answer, "listscrub_hyperkitty_inspect")) {
		r->status = STATUS_NOT_CHECKED;
		snprintf(r->detail, sizeof r->detail, "the site's app gave no "
			 "answer (%s)", je.text);
	} else {
		evaluate(r, query, answer, run);
		/* the app reaches the tables only: the index, the attachment
		 * folder and the caches were not asked */
		if (r->status == STATUS_OK && hk_site_is_database_url(s)) {
			r->status = STATUS_NOT_CHECKED;
			snprintf(r->detail, sizeof r->detail, "the emails and "
				 "tables are as the run left them, but a "
				 "database URL does not reach the site's search "
				 "index, attachment folder and caches: verify "
				 "with the site's settings");
		}
	}
	json_decref(answer);
	json_decref(query);
	free(text);
	free(qpath);
	free(apath);
}
