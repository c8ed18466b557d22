/* record-lines.c -- the JSON of a run's manifest lines and summary
 * (listscrub-manifest(5)). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/incident.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/record-private.h"
#include "detect/addrset.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

void
now_text(char out[TIME_TEXT_SIZE])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, TIME_TEXT_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *
digest_json(const char *alg, const unsigned char d[DIGEST_LEN])
{
	char text[DIGEST_TEXT_SIZE];

	digest_format(text, alg, d);
	return json_string(text);
}

json_t *
mac_json(const struct record *r, const char *context, const void *data,
	 size_t len)
{
	char text[DIGEST_TEXT_SIZE];

	incident_mac_text(r->s.incident_key, context, data, len, text);
	return json_string(text);
}


json_t *
reasons_json(unsigned int reasons)
{
	json_t *a = json_array();

	/* sorted, as every array of names in the manifest */
	if (reasons & SELECT_ADDRESS)
		json_array_append_new(a, json_string("address"));
	if (reasons & SELECT_ADDRESS_LIST)
		json_array_append_new(a, json_string("address-list"));
	if (reasons & SELECT_MASS_RECIPIENTS)
		json_array_append_new(a, json_string("mass-recipients"));
	if (reasons & SELECT_MESSAGE_ID)
		json_array_append_new(a, json_string("message-id"));
	if (reasons & SELECT_RULE)
		json_array_append_new(a, json_string("rule"));
	if (reasons & SELECT_THREAD)
		json_array_append_new(a, json_string("thread"));
	return a;
}

static int
compare_hits(const void *a, const void *b)
{
	return strcmp(json_str(*(json_t *const *)a, "tok"),
		      json_str(*(json_t *const *)b, "tok"));
}

/* One hit object per distinct address, with its keyed token and count. */
json_t *
hits_json(const struct record *r, const struct selected *item)
{
	const struct addrset *set = r->s.selectors->addresses;
	size_t n = set ? addrset_count(set) : 0, *counts, distinct = 0;
	json_t **hits, *a = json_array();

	if (item->n_matches == 0 || set == NULL)
		return a;
	counts = xcalloc(n + 1, sizeof *counts);
	hits = xcalloc(n + 1, sizeof *hits);
	for (size_t k = 0; k < item->n_matches; k++)
		if (item->matches[k].kind == MATCH_ADDRESS)
			counts[item->matches[k].which]++;
	for (uint32_t w = 0; w < n; w++) {
		const char *addr = addrset_get(set, w);

		if (counts[w] == 0)
			continue;
		hits[distinct++] = json_pack(
			"{s:s, s:I, s:s, s:o}", "kind", "email", "n",
			(json_int_t)counts[w], "rule", "address", "tok",
			mac_json(r, MAC_TOKEN, addr, strlen(addr)));
	}
	qsort(hits, distinct, sizeof *hits, compare_hits);
	for (size_t k = 0; k < distinct; k++)
		json_array_append_new(a, hits[k]);
	free(hits);
	free(counts);
	return a;
}


static const char *
thread_mode_name(enum thread_mode m)
{
	return m == THREAD_MODE_WHOLE ? "whole"
		: m == THREAD_MODE_SUBTREE ? "subtree" : "none";
}

static int
compare_cstrings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
append_sorted(char **buf, size_t *len, const char *label, char **items,
	      size_t n)
{
	qsort(items, n, sizeof *items, compare_cstrings);
	for (size_t i = 0; i < n; i++) {
		size_t add = strlen(label) + strlen(items[i]) + 2;

		*buf = xrealloc(*buf, *len + add + 1);
		*len += (size_t)sprintf(*buf + *len, "%s %s\n", label, items[i]);
	}
}

/* What was asked for, as canonical bytes, keyed: the selectors are the
 * leaked data themselves. */
static json_t *
ruleset_json(const struct record *r)
{
	const struct select_settings *sel = r->s.selectors;
	size_t na = addrset_count(sel->addresses), len;
	char **addrs = xcalloc(na + 1, sizeof *addrs);
	char **ids = xcalloc(sel->n_message_ids + 1, sizeof *ids);
	char *buf = xasprintf("lmr-ruleset-v1\nthread %s\n",
			      thread_mode_name(sel->thread));
	json_t *mac;

	len = strlen(buf);
	for (uint32_t i = 0; i < na; i++)
		addrs[i] = (char *)addrset_get(sel->addresses, i);
	if (sel->n_message_ids > 0)
		memcpy(ids, sel->message_ids, sel->n_message_ids * sizeof *ids);
	append_sorted(&buf, &len, "message-id", ids, sel->n_message_ids);
	append_sorted(&buf, &len, "address", addrs, na);
	mac = mac_json(r, MAC_RULESET, buf, len);
	free(buf);
	free(addrs);
	free(ids);
	return mac;
}

static json_t *
rules_json(const struct record *r)
{
	const struct select_settings *sel = r->s.selectors;
	json_t *a = json_array();

	if (addrset_count(sel->addresses) > 0)
		json_array_append_new(a, json_pack("{s:s, s:s}", "id",
						   "address", "kind",
						   "email-exact"));
	if (sel->n_message_ids > 0)
		json_array_append_new(a, json_pack("{s:s, s:s}", "id",
						   "message-id", "kind",
						   "message-id"));
	if (sel->n_message_ids > 0 && sel->thread != THREAD_MODE_NONE) {
		char kind[32];

		snprintf(kind, sizeof kind, "thread-%s",
			 thread_mode_name(sel->thread));
		json_array_append_new(a, json_pack("{s:s, s:s}", "id", "thread",
						   "kind", kind));
	}
	return a;
}

static json_t *
archive_kind_json(const struct record *r)
{
	static const char *const names[] = {
		[MAILBOX_MBOX] = "mbox", [MAILBOX_MAILDIR] = "maildir",
		[MAILBOX_SINGLE] = "file",
	};
	char kind[64] = "";

	for (int k = MAILBOX_MBOX; k <= MAILBOX_SINGLE; k++)
		if (r->kinds & (1u << k)) {
			if (kind[0])
				strcat(kind, "+");
			strcat(kind, names[k]);
		}
	return json_string(kind[0] ? kind : "none");
}

static json_t *
listing_json(const struct tree_digest *d)
{
	return json_pack("{s:o, s:I, s:o}", "file",
			 digest_json("sha256", d->file), "files",
			 (json_int_t)d->files, "root",
			 digest_json("sha256", d->root));
}

static json_t *
string_array(char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

/* "apply", "plan", "sweep" (a scheduled sweep's report), or "partial"
 * for a run that stopped after changing some files (its manifest
 * records exactly those). */
static const char *
run_mode(const struct record *r)
{
	if (r->s.sweep)
		return "sweep";
	return !r->s.apply ? "plan" : r->partial ? "partial" : "apply";
}

json_t *
header_json(const struct record *r, const struct tree_digest *before)
{
	char kid[INCIDENT_KID_TEXT_SIZE], keyid[MS_KEYID_TEXT_SIZE];
	static char *const exclude[] = { "*.lock" };

	json_t *header;

	incident_key_id(r->s.incident_key, kid);
	ms_secret_keyid(r->s.sign_key, keyid);
	header = json_pack(
		"{s:{s:o, s:{s:o, s:o}}, s:s, s:s, s:s, s:s, s:s,"
		" s:{s:s, s:s, s:s}, s:s, s:n, s:o, s:o, s:o, s:I,"
		" s:{s:s, s:s}, s:s, s:s, s:s, s:o, s:i}",
		"archive", "kind", archive_kind_json(r), "scope",
		"exclude", string_array(exclude, 1),
		"include", string_array(r->sc->includes, r->sc->count),
		"hash", "sha256", "incident", r->s.incident, "kid", kid,
		"mac", "hmac-sha256", "mode", run_mode(r),
		"norm", "email", "email-v1", "mbox", "listscrub-split-v1",
		"message_id", "mid-v1",
		"operator", r->s.operator_name, "plan",
		"prev", r->s.prev ? digest_json("sha256", r->s.prev) : json_null(),
		"ruleset", ruleset_json(r), "rules", rules_json(r),
		"seq", (json_int_t)r->s.seq,
		"signer", "alg", "minisign-ed", "keyid", keyid,
		"started", r->started, "t", "header",
		"tool", "listscrub " PACKAGE_VERSION,
		"tree_before", listing_json(before), "v", MANIFEST_VERSION);
	if (r->hyperkitty)
		json_object_set(header, "hyperkitty", r->hyperkitty);
	return header;
}

static json_t *
state_json(const struct tree *t, const char *rel, json_t *msgs)
{
	const struct tree_entry *e = tree_find(t, rel);
	json_t *o = msgs ? json_deep_copy(msgs) : json_object();

	json_object_set_new(o, "sha256", digest_json("sha256", e->sha256));
	json_object_set_new(o, "size", json_integer((json_int_t)e->size));
	return o;
}

static int
compare_files(const void *a, const void *b)
{
	return strcmp(((const struct changed_file *)a)->rel,
		      ((const struct changed_file *)b)->rel);
}

int
add_file_lines(struct record *r, struct manifest_writer *w,
	       const struct tree *after, struct errbuf *err)
{
	if (r->nfiles > 0)	/* qsort wants a non-NULL array */
		qsort(r->files, r->nfiles, sizeof *r->files, compare_files);
	for (size_t i = 0; i < r->nfiles; i++) {
		struct changed_file *f = &r->files[i];
		json_t *o = json_pack("{s:o, s:I, s:s, s:s}", "before",
				      state_json(&r->before, f->rel,
						 f->before_msgs),
				      "n", (json_int_t)i + 1, "path", f->rel,
				      "t", "file");
		int rc;

		if (f->what)
			json_object_update(o, f->what);
		if (r->s.apply)
			json_object_set_new(o, "after", f->removed ? json_null()
					    : state_json(after, f->rel,
							 f->after_msgs));
		rc = manifest_writer_add(w, o, err);
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
compare_acts(const void *a, const void *b)
{
	const struct act *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

int
add_act_lines(struct record *r, struct manifest_writer *w, struct errbuf *err)
{
	if (r->nacts > 0)	/* qsort wants a non-NULL array */
		qsort(r->acts, r->nacts, sizeof *r->acts, compare_acts);
	for (size_t i = 0; i < r->nacts; i++) {
		/* "n" in its sorted place: after "mid", before "pos_after",
		 * keys every act line has (a quote in a string is escaped:
		 * the first match is the key) */
		const char *line = r->acts[i].line;
		const char *at = strstr(line, "\"pos_after\":");
		char *with;
		int rc;

		if (at == NULL)
			return errbuf_set(err, "an act line without its "
					  "position (a bug: report it)");
		with = xasprintf("%.*s\"n\":%zu,%s", (int)(at - line), line,
				 i + 1, at);
		rc = manifest_writer_add_line(w, with, strlen(with), err);
		free(with);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* {"delete-message": N, "redact-message": M}, the kinds that occur (a run
 * with no act counts zero deletions). */
static json_t *
acts_json(const struct record *r)
{
	static const char *const actions[] = {
		"delete-message", "redact-message", "defer-message",
	};
	size_t counts[3] = { 0 };
	json_t *o = json_object();

	for (size_t i = 0; i < r->nacts; i++)
		for (size_t k = 0; k < 3; k++)
			counts[k] += strcmp(r->acts[i].action, actions[k]) == 0;
	for (size_t k = 0; k < 3; k++)
		if (counts[k] > 0 || (k == 0 && r->nacts == 0))
			json_object_set_new(o, actions[k], json_integer(
				(json_int_t)counts[k]));
	return o;
}

json_t *
footer_json(const struct record *r, const unsigned char root[DIGEST_LEN],
	    const struct tree_digest *after, const char *finished)
{
	return json_pack("{s:o, s:{s:I, s:I}, s:s, s:o, s:s, s:o, s:i}",
			 "acts", acts_json(r),
			 "entries", "act", (json_int_t)r->nacts, "file",
			 (json_int_t)r->nfiles, "finished", finished,
			 "merkle_root", digest_json("sha256", root),
			 "t", "footer", "tree_after", listing_json(after),
			 "v", MANIFEST_VERSION);
}


json_t *
summary_json(const struct record *r, const char *manifest, size_t len,
	     const unsigned char root[DIGEST_LEN],
	     const struct tree_digest *after, const char *finished)
{
	unsigned char digest[DIGEST_LEN];

	sha256_of(manifest, len, digest);
	return json_pack(
		"{s:o, s:{s:I, s:I}, s:s, s:s, s:o, s:o, s:s, s:o, s:I,"
		" s:s, s:s, s:o, s:i}",
		"acts", acts_json(r),
		"entries", "act", (json_int_t)r->nacts, "file",
		(json_int_t)r->nfiles, "finished", finished,
		"incident", r->s.incident,
		"manifest", digest_json("sha256", digest),
		"merkle_root", digest_json("sha256", root),
		"mode", run_mode(r),
		"prev", r->s.prev ? digest_json("sha256", r->s.prev) : json_null(),
		"seq", (json_int_t)r->s.seq, "started", r->started,
		"tool", "listscrub " PACKAGE_VERSION,
		"tree_after", digest_json("sha256", after->root),
		"v", MANIFEST_VERSION);
}
