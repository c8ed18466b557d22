/* record.c -- building, checking and signing one run's manifest. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detect/addrset.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "audit/incident.h"
#include "mail/mailbox.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/record.h"
#include "select/select.h"
#include "audit/tree.h"
#include "lib/xalloc.h"

#define TIME_TEXT_SIZE 32

/* A file the run changes: an mbox rewritten, or a message file removed. */
struct changed_file {
	char *rel;
	const struct mailbox *mb;
	bool removed;                   /* Maildir or single message file */
	json_t *before_msgs;            /* mbox: {"msgs","msgs_root"} */
	json_t *after_msgs;             /* mbox once rewritten */
	unsigned char (*kept)[DIGEST_LEN];      /* digests it must hold after */
	size_t nkept;
};

struct act {
	char *file;
	size_t index;
	json_t *obj;                    /* without "n" */
};

struct record {
	struct record_settings s;
	const struct scope *sc;
	char started[TIME_TEXT_SIZE];
	struct tree before;
	struct changed_file *files;
	size_t nfiles, files_alloc;
	struct act *acts;
	size_t nacts, acts_alloc;
	size_t nredacts;                /* of nacts */
	unsigned int kinds;             /* 1 << enum mailbox_kind seen */
	bool compressed;
};

static void
now_text(char out[TIME_TEXT_SIZE])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, TIME_TEXT_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
digest_json(const char *alg, const unsigned char d[DIGEST_LEN])
{
	char text[DIGEST_TEXT_SIZE];

	digest_format(text, alg, d);
	return json_string(text);
}

static json_t *
mac_json(const struct record *r, const char *context, const void *data,
	 size_t len)
{
	char text[DIGEST_TEXT_SIZE];

	incident_mac_text(r->s.incident_key, context, data, len, text);
	return json_string(text);
}

int
record_begin(struct record **rp, const struct record_settings *s,
	     const struct scope *sc, const char *skip_dir, struct errbuf *err)
{
	struct record *r = xcalloc(1, sizeof *r);

	r->s = *s;
	r->sc = sc;
	now_text(r->started);
	if (tree_list(&r->before, sc, skip_dir, NULL, err) < 0) {
		free(r);
		return -1;
	}
	*rp = r;
	return 0;
}

/* ---- what each message was ------------------------------------------------- */

static json_t *
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
static json_t *
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

static void
add_act(struct record *r, const char *file, size_t index, json_t *obj)
{
	struct act *a;

	xgrow((void **)&r->acts, &r->acts_alloc, r->nacts + 1, sizeof *r->acts);
	a = &r->acts[r->nacts++];
	a->file = xstrdup(file);
	a->index = index;
	a->obj = obj;
}

/* The act line of a deleted or redacted message; its keyed digest goes
 * to *mac. */
static int
record_act(struct record *r, const struct mailbox *mb,
	   const struct selected *item, const struct message_change *ch,
	   const char *file, size_t index_in_file,
	   unsigned char mac[DIGEST_LEN], struct errbuf *err)
{
	unsigned char after[DIGEST_LEN];
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;
	json_t *obj;

	if (mailbox_message(mb, item->index, &raw, &len, &off, &owned, err) < 0)
		return -1;
	incident_mac(r->s.incident_key, MAC_MESSAGE, raw, len, mac);
	if (owned)
		free((char *)raw);
	if (ch && ch->data)
		sha256_of(ch->data, ch->len, after);
	obj = json_pack(
		"{s:s, s:o, s:o, s:s, s:o, s:o, s:n, s:{s:I, s:I, s:I}, s:o, s:s}",
		"action", ch && ch->data ? "redact-message" : "delete-message",
		"after", ch && ch->data ? digest_json("sha256", after) : json_null(),
		"before",
		digest_json("hmac-sha256", mac), "file", file,
		"hits", hits_json(r, item),
		"mid", item->message_id
		? mac_json(r, MAC_MESSAGE_ID, item->message_id,
			   strlen(item->message_id)) : json_null(),
		"pos_after", "pos_before", "index", (json_int_t)index_in_file,
		"len", (json_int_t)len,
		"off", (json_int_t)(mb->kind == MAILBOX_MAILDIR ? 0 : off),
		"reasons", reasons_json(item->reasons), "t", "act");
	if (ch && ch->data) {
		json_object_set_new(obj, "spans", json_integer((json_int_t)ch->spans));
		r->nredacts++;
	}
	add_act(r, file, index_in_file, obj);
	return 0;
}

static struct changed_file *
add_changed(struct record *r, const struct mailbox *mb, char *rel)
{
	struct changed_file *f;

	xgrow((void **)&r->files, &r->files_alloc, r->nfiles + 1,
	      sizeof *r->files);
	f = &r->files[r->nfiles++];
	memset(f, 0, sizeof *f);
	f->rel = rel;
	f->mb = mb;
	return f;
}

static json_t *
msgs_json(const unsigned char (*values)[DIGEST_LEN], size_t n)
{
	unsigned char root[DIGEST_LEN];

	manifest_msgs_root(values, n, root);
	return json_pack("{s:I, s:o}", "msgs", (json_int_t)n, "msgs_root",
			 digest_json("sha256", root));
}

/* An mbox: per-message values before (plain digest, or the keyed one for
 * the deleted), and the digests of the kept messages, to check after. */
static int
record_mbox(struct record *r, const struct mailbox *mb,
	    const struct selected *items, const struct message_change *changes,
	    size_t n, char *rel, struct errbuf *err)
{
	struct changed_file *f = add_changed(r, mb, rel);
	unsigned char (*values)[DIGEST_LEN];
	size_t count, k = 0;

	if (manifest_message_digests(mb, &values, &count, err) < 0)
		return -1;
	f->kept = xcalloc(count + 1, DIGEST_LEN);
	for (size_t i = 0; i < count; i++) {
		if (k < n && items[k].index == i) {
			const struct message_change *ch = changes ? &changes[k]
				: NULL;

			if (record_act(r, mb, &items[k], ch, rel, i, values[i],
				       err) < 0)
				break;
			if (ch && ch->data)     /* it stays, redacted */
				sha256_of(ch->data, ch->len, f->kept[f->nkept++]);
			k++;
		} else
			memcpy(f->kept[f->nkept++], values[i], DIGEST_LEN);
	}
	if (k == n)
		f->before_msgs = msgs_json((const void *)values, count);
	free(values);
	return k == n ? 0 : -1;
}

/* Every changed file must be in the listing made before the run. */
static bool
listed(const struct record *r, const char *rel, struct errbuf *err)
{
	if (tree_find(&r->before, rel) != NULL)
		return true;
	errbuf_set(err, "'%s' is not in the listing of the archive made before "
		   "the run (created meanwhile?); run purge again", rel);
	return false;
}

static int
record_files(struct record *r, const struct mailbox *mb,
	     const struct selected *items, const struct message_change *changes,
	     size_t n, const char *box_rel, struct errbuf *err)
{
	for (size_t k = 0; k < n; k++) {
		unsigned char mac[DIGEST_LEN];
		char *rel = mb->kind == MAILBOX_MAILDIR
			? xasprintf("%s%s%s", strcmp(box_rel, ".") ? box_rel : "",
				    strcmp(box_rel, ".") ? "/" : "",
				    mb->files[items[k].index])
			: xstrdup(box_rel);

		if (!listed(r, rel, err)) {
			free(rel);
			return -1;
		}
		add_changed(r, mb, rel)->removed =
			!(changes && changes[k].data);
		if (record_act(r, mb, &items[k], changes ? &changes[k] : NULL,
			       rel, 0, mac, err) < 0)
			return -1;
	}
	return 0;
}

int
record_mailbox(struct record *r, const struct mailbox *mb,
	       const struct selected *items,
	       const struct message_change *changes, size_t n,
	       struct errbuf *err)
{
	char *rel = scope_relative(r->sc, mb->path, err);
	int rc;

	if (rel == NULL)
		return -1;
	if (mb->kind != MAILBOX_MAILDIR && !listed(r, rel, err)) {
		free(rel);
		return -1;
	}
	r->kinds |= 1u << mb->kind;
	r->compressed |= mb->compression == MAILBOX_GZIP;
	if (mb->kind == MAILBOX_MBOX)
		return record_mbox(r, mb, items, changes, n, rel, err);
	rc = record_files(r, mb, items, changes, n, rel, err);
	free(rel);
	return rc;
}

void
record_forget(struct record *r, const struct mailbox *mb)
{
	size_t out = 0;

	for (size_t i = 0; i < r->nfiles; i++) {
		struct changed_file *f = &r->files[i];

		if (f->mb != mb) {
			r->files[out++] = *f;
			continue;
		}
		/* its acts name the same files */
		for (size_t k = 0; k < r->nacts; k++)
			if (r->acts[k].file && strcmp(r->acts[k].file, f->rel) == 0) {
				free(r->acts[k].file);
				r->acts[k].file = NULL;
				json_decref(r->acts[k].obj);
			}
		free(f->rel);
		free(f->kept);
		json_decref(f->before_msgs);
		json_decref(f->after_msgs);
	}
	r->nfiles = out;
	out = 0;
	for (size_t k = 0; k < r->nacts; k++)
		if (r->acts[k].file)
			r->acts[out++] = r->acts[k];
	r->nacts = out;
}

/* ---- what the writer left ------------------------------------------------------ */

static int
check_rewritten(struct changed_file *f, struct errbuf *err)
{
	struct mailbox now = { .path = f->mb->path };
	unsigned char (*values)[DIGEST_LEN] = NULL;
	size_t count = 0;
	int rc = 0;

	if (f->nkept > 0) {
		if (mailbox_load(&now, err) < 0)
			return -1;
		rc = now.kind == MAILBOX_MBOX
			? manifest_message_digests(&now, &values, &count, err)
			: errbuf_set(err, "'%s' is no longer an mbox", now.path);
		mailbox_unload(&now);
	}
	if (rc == 0 && (count != f->nkept ||
			(count && memcmp(values, f->kept, count * DIGEST_LEN))))
		rc = errbuf_set(err, "'%s' after rewriting does not hold exactly "
				"the %zu kept messages (it holds %zu); this is a "
				"bug in listscrub: restore the file from "
				"--backup-dir and report it", f->mb->path,
				f->nkept, count);
	if (rc == 0)
		f->after_msgs = msgs_json((const void *)values, count);
	free(values);
	return rc;
}

int
record_mailbox_done(struct record *r, const struct mailbox *mb,
		    struct errbuf *err)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i].mb == mb && !r->files[i].removed &&
		    check_rewritten(&r->files[i], err) < 0)
			return -1;
	return 0;
}

/* ---- the listing after ----------------------------------------------------------- */

static const struct changed_file *
changed_at(const struct record *r, const char *rel)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].rel, rel) == 0)
			return &r->files[i];
	return NULL;
}

/* The before listing with the run's own changes applied: a removed file
 * leaves it, a rewritten one is hashed again.  Anything else that changed
 * meanwhile is not the run's doing and shows up when verified. */
static int
derive_after(const struct record *r, struct tree *after, struct errbuf *err)
{
	memset(after, 0, sizeof *after);
	for (size_t i = 0; i < r->before.count; i++) {
		const struct tree_entry *b = &r->before.entries[i];
		const struct changed_file *f = changed_at(r, b->path);
		struct tree_entry *e;

		if (f && f->removed && r->s.apply)
			continue;
		xgrow((void **)&after->entries, &after->alloc, after->count + 1,
		      sizeof *after->entries);
		e = &after->entries[after->count++];
		*e = *b;
		e->path = xstrdup(b->path);
		if (f && r->s.apply) {
			char *abs = scope_absolute(r->sc, b->path);
			int rc = sha256_of_file(abs, e->sha256, &e->size, err);

			free(abs);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- lines ------------------------------------------------------------------------- */

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

static json_t *
header_json(const struct record *r, const struct tree_digest *before)
{
	char kid[INCIDENT_KID_TEXT_SIZE], keyid[MS_KEYID_TEXT_SIZE];
	static char *const exclude[] = { "*.lock" };

	incident_key_id(r->s.incident_key, kid);
	ms_secret_keyid(r->s.sign_key, keyid);
	return json_pack(
		"{s:{s:o, s:{s:o, s:o}}, s:s, s:s, s:s, s:s, s:s,"
		" s:{s:s, s:s, s:s}, s:s, s:n, s:o, s:o, s:o, s:I,"
		" s:{s:s, s:s}, s:s, s:s, s:s, s:o, s:i}",
		"archive", "kind", archive_kind_json(r), "scope",
		"exclude", string_array(exclude, 1),
		"include", string_array(r->sc->includes, r->sc->count),
		"hash", "sha256", "incident", r->s.incident, "kid", kid,
		"mac", "hmac-sha256", "mode", r->s.apply ? "apply" : "plan",
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

static int
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

static int
add_act_lines(struct record *r, struct manifest_writer *w, struct errbuf *err)
{
	if (r->nacts > 0)	/* qsort wants a non-NULL array */
		qsort(r->acts, r->nacts, sizeof *r->acts, compare_acts);
	for (size_t i = 0; i < r->nacts; i++) {
		json_object_set_new(r->acts[i].obj, "n",
				    json_integer((json_int_t)i + 1));
		if (manifest_writer_add(w, r->acts[i].obj, err) < 0)
			return -1;
	}
	return 0;
}

/* {"delete-message": N, "redact-message": M}, the kinds that occur (a run
 * with no act counts zero deletions). */
static json_t *
acts_json(const struct record *r)
{
	size_t deletes = r->nacts - r->nredacts;
	json_t *o = json_object();

	if (deletes > 0 || r->nredacts == 0)
		json_object_set_new(o, "delete-message",
				    json_integer((json_int_t)deletes));
	if (r->nredacts > 0)
		json_object_set_new(o, "redact-message",
				    json_integer((json_int_t)r->nredacts));
	return o;
}

static json_t *
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

/* ---- the directory ------------------------------------------------------------------ */

static json_t *
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
		"mode", r->s.apply ? "apply" : "plan",
		"prev", r->s.prev ? digest_json("sha256", r->s.prev) : json_null(),
		"seq", (json_int_t)r->s.seq, "started", r->started,
		"tool", "listscrub " PACKAGE_VERSION,
		"tree_after", digest_json("sha256", after->root),
		"v", MANIFEST_VERSION);
}

static int
write_in(const char *dir, const char *name, const char *data, size_t len,
	 struct errbuf *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = file_create_new(path, 0600, data, len, err);

	free(path);
	return rc;
}

/* Write data as dir/name and its signature as dir/name.minisig. */
static int
write_signed(const struct record *r, const char *dir, const char *name,
	     const char *data, size_t len, const char *comment,
	     struct errbuf *err)
{
	char *sig, *signame;
	int rc;

	if (write_in(dir, name, data, len, err) < 0 ||
	    ms_sign(r->s.sign_key, data, len, comment, &sig, err) < 0)
		return -1;
	signame = xasprintf("%s.minisig", name);
	rc = write_in(dir, signame, sig, strlen(sig), err);
	free(signame);
	free(sig);
	return rc;
}

struct run_files {
	char *before, *after, *summary;
	size_t before_len, after_len, summary_len;
	const char *manifest;
	size_t manifest_len;
	char *manifest_comment, *summary_comment;
};

static int
write_run_dir(const struct record *r, const char *run_dir,
	      const struct run_files *rf, struct errbuf *err)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", run_dir);
	int rc = 0;

	if (mkdtemp(tmp) == NULL)
		rc = errbuf_errno(err, errno, "cannot create '%s'", tmp);
	if (rc == 0)
		rc = write_in(tmp, "tree-before.sha256", rf->before,
			      rf->before_len, err);
	if (rc == 0)
		rc = write_in(tmp, "tree-after.sha256", rf->after,
			      rf->after_len, err);
	if (rc == 0)
		rc = write_signed(r, tmp, "summary.json", rf->summary,
				  rf->summary_len, rf->summary_comment, err);
	/* the manifest's signature last: without it the run is incomplete */
	if (rc == 0)
		rc = write_signed(r, tmp, MANIFEST_NAME, rf->manifest,
				  rf->manifest_len, rf->manifest_comment, err);
	if (rc == 0 && rename(tmp, run_dir) < 0)
		rc = errbuf_errno(err, errno, "cannot rename '%s' to '%s'", tmp,
				  run_dir);
	if (rc == 0)
		rc = fsync_dir_of(run_dir, err);
	free(tmp);
	return rc;
}

/* Header, file and act lines, footer; the signed comments follow from
 * header and footer. */
static int
finish_lines(struct record *r, struct manifest_writer *w,
	     const struct tree *after, const struct tree_digest *before_d,
	     const struct tree_digest *after_d, struct run_files *rf,
	     unsigned char root[DIGEST_LEN], char *finished, struct errbuf *err)
{
	json_t *header = header_json(r, before_d), *footer = NULL;
	int rc = manifest_writer_add(w, header, err);

	if (rc == 0 && (add_file_lines(r, w, after, err) < 0 ||
			add_act_lines(r, w, err) < 0))
		rc = -1;
	if (rc == 0) {
		manifest_writer_root(w, root);
		now_text(finished);
		footer = footer_json(r, root, after_d, finished);
		rc = manifest_writer_finish(w, footer, err);
	}
	if (rc == 0) {
		rf->manifest_comment = manifest_trusted_comment(MANIFEST_NAME,
								header, footer);
		rf->summary_comment = manifest_trusted_comment("summary.json",
							       header, footer);
	}
	json_decref(header);
	json_decref(footer);
	return rc;
}

int
record_finish(struct record *r, const char *run_dir, struct errbuf *err)
{
	struct manifest_writer *w = manifest_writer_new();
	struct tree_digest before_d, after_d;
	struct run_files rf = { 0 };
	unsigned char root[DIGEST_LEN];
	char finished[TIME_TEXT_SIZE];
	struct tree after;
	json_t *summary;
	int rc = -1;

	if (derive_after(r, &after, err) < 0)
		goto out;
	rf.before = tree_text(&r->before, &rf.before_len);
	rf.after = tree_text(&after, &rf.after_len);
	tree_digest_of_text(rf.before, rf.before_len, &before_d);
	tree_digest_of_text(rf.after, rf.after_len, &after_d);
	if (finish_lines(r, w, &after, &before_d, &after_d, &rf, root, finished,
			 err) < 0)
		goto out;
	rf.manifest = manifest_writer_text(w, &rf.manifest_len);
	summary = summary_json(r, rf.manifest, rf.manifest_len, root, &after_d,
			       finished);
	rf.summary = manifest_line(summary);
	json_decref(summary);
	rf.summary_len = strlen(rf.summary);
	rf.summary = xrealloc(rf.summary, rf.summary_len + 2);
	rf.summary[rf.summary_len++] = '\n';
	rf.summary[rf.summary_len] = '\0';
	rc = write_run_dir(r, run_dir, &rf, err);
out:
	free(rf.before);
	free(rf.after);
	free(rf.summary);
	free(rf.manifest_comment);
	free(rf.summary_comment);
	tree_release(&after);
	manifest_writer_free(&w);
	return rc;
}

void
record_free(struct record **rp)
{
	struct record *r = *rp;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].rel);
		free(r->files[i].kept);
		json_decref(r->files[i].before_msgs);
		json_decref(r->files[i].after_msgs);
	}
	for (size_t i = 0; i < r->nacts; i++) {
		free(r->acts[i].file);
		json_decref(r->acts[i].obj);
	}
	free(r->files);
	free(r->acts);
	tree_release(&r->before);
	free(r);
	*rp = NULL;
}

/* ---- runs of an incident ------------------------------------------------------------- */

static bool
is_run_name(const char *name, unsigned long *seq_r)
{
	char *end;

	if (name[0] < '0' || name[0] > '9')
		return false;
	errno = 0;
	*seq_r = strtoul(name, &end, 10);
	return *end == '\0' && errno == 0 && *seq_r > 0;
}

static unsigned long
highest_run(const char *manifest_dir, struct errbuf *err)
{
	DIR *d = opendir(manifest_dir);
	unsigned long best = 0, seq;
	struct dirent *de;

	if (d == NULL) {
		errbuf_errno(err, errno, "cannot list '%s'", manifest_dir);
		return ULONG_MAX;
	}
	while ((de = readdir(d)) != NULL)
		if (is_run_name(de->d_name, &seq) && seq > best)
			best = seq;
	closedir(d);
	return best;
}

/* prev = SHA-256 of the last run's manifest, which must be this incident's. */
static int
read_prev(const char *manifest_dir, unsigned long seq, const char *incident,
	  struct next_run *next, struct errbuf *err)
{
	char *path = xasprintf("%s/%04lu/%s", manifest_dir, seq, MANIFEST_NAME);
	struct manifest m;
	const char *theirs;
	int rc = manifest_read(path, &m, err);

	if (rc == 0) {
		theirs = json_str(manifest_header(&m), "incident");
		if (theirs == NULL || strcmp(theirs, incident) != 0)
			rc = errbuf_set(err, "'%s' holds runs of incident '%s', "
					"not '%s': give each incident its own "
					"--manifest-dir", manifest_dir,
					theirs ? theirs : "?", incident);
		sha256_of(m.text, m.len, next->prev);
		manifest_release(&m);
	} else {
		char why[ERRBUF_SIZE];

		memcpy(why, err->msg, sizeof why);
		rc = errbuf_set(err, "the last run '%s' cannot be read, so the "
				"next one cannot be chained to it: %s", path,
				why);
	}
	free(path);
	return rc;
}

int
record_next_run(const char *manifest_dir, const char *incident,
		struct next_run *next, struct errbuf *err)
{
	char *lock_path = xasprintf("%s/.lock", manifest_dir);
	unsigned long last;

	memset(next, 0, sizeof *next);
	next->lock_fd = -1;
	if (make_parent_dirs(lock_path, err) < 0)
		goto fail;
	next->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (next->lock_fd < 0) {
		errbuf_errno(err, errno, "cannot open '%s'", lock_path);
		goto fail;
	}
	if (flock(next->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		errbuf_set(err, "another listscrub run is writing to '%s'; wait "
			   "for it to finish", manifest_dir);
		goto fail;
	}
	next->manifest_dir = realpath(manifest_dir, NULL);
	last = next->manifest_dir ? highest_run(next->manifest_dir, err)
		: (unsigned long)errbuf_errno(err, errno, "cannot resolve '%s'",
					      manifest_dir);
	if (last == ULONG_MAX ||
	    (last > 0 && read_prev(next->manifest_dir, last, incident, next,
				   err) < 0))
		goto fail;
	next->seq = last + 1;
	next->has_prev = last > 0;
	next->dir = xasprintf("%s/%04lu", next->manifest_dir, next->seq);
	free(lock_path);
	return 0;
fail:
	free(lock_path);
	record_next_run_release(next);
	return -1;
}

void
record_next_run_release(struct next_run *next)
{
	if (next->lock_fd >= 0)
		close(next->lock_fd);
	next->lock_fd = -1;
	free(next->dir);
	free(next->manifest_dir);
	next->dir = next->manifest_dir = NULL;
}
