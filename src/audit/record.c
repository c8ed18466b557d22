/* record.c -- building, checking and signing one run's manifest. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/incident.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/record-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

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

/* One message a run deletes or redacts, and where its act line puts it. */
struct act_input {
	const struct mailbox *mb;
	const struct selected *item;
	const struct message_change *ch;        /* NULL: deleted */
	const char *file;                       /* relative to the root */
	size_t index_in_file;
	bool deferred;                          /* left for a later run */
};

/* The act line of a deleted or redacted message; its keyed digest goes
 * to *mac. */
static int
record_act(struct record *r, const struct act_input *in,
	   unsigned char mac[DIGEST_LEN], struct errbuf *err)
{
	const struct mailbox *mb = in->mb;
	const struct selected *item = in->item;
	const struct message_change *ch = in->ch;
	const char *file = in->file;
	size_t index_in_file = in->index_in_file;
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
		"action", in->deferred ? "defer-message"
		: ch && ch->data ? "redact-message" : "delete-message",
		"after", ch && ch->data ? digest_json("sha256", after) : json_null(),
		"before",
		digest_json("hmac-sha256", mac), "file", file,
		"hits", hits_json(r, item),
		"mid", item->message_id
		? mac_json(r, MAC_MESSAGE_ID, item->message_id,
			   strlen(item->message_id)) : json_null(),
		"pos_after", "pos_before", "index", (json_int_t)index_in_file,
		"len", (json_int_t)len,
		"off", (json_int_t)(mailbox_kind(mb) == MAILBOX_MAILDIR ? 0 : off),
		"reasons", reasons_json(item->reasons), "t", "act");
	if (ch && ch->data)
		json_object_set_new(obj, "spans", json_integer((json_int_t)ch->spans));
	if (item->finishes)     /* left by a run that stopped half-way */
		json_object_set_new(obj, "finishes",
				    json_integer((json_int_t)item->finishes));
	add_act(r, file, index_in_file, obj);
	return 0;
}


struct changed_file *
record_add_changed(struct record *r, const struct mailbox *mb, char *rel)
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

/* The digests of an mbox's messages before, and after its changes, when
 * the writer has not prepared them (a plan): read here. */
static int
plan_digests(const struct mailbox *mb, const struct selected *items,
	     const struct message_change *changes, size_t n,
	     unsigned char (**before_r)[DIGEST_LEN], size_t *count_r,
	     unsigned char (**after_r)[DIGEST_LEN], size_t *n_after_r,
	     struct errbuf *err)
{
	unsigned char (*before)[DIGEST_LEN], (*after)[DIGEST_LEN];
	size_t count, k = 0, m = 0;

	if (manifest_message_digests(mb, &before, &count, err) < 0)
		return -1;
	after = xcalloc(count + 1, DIGEST_LEN);
	for (size_t i = 0; i < count; i++) {
		if (k < n && items[k].index == i) {
			if (changes && changes[k].data)
				sha256_of(changes[k].data, changes[k].len,
					  after[m++]);
			k++;
		} else
			memcpy(after[m++], before[i], DIGEST_LEN);
	}
	*before_r = before;
	*count_r = count;
	*after_r = after;
	*n_after_r = m;
	return 0;
}

/* An mbox: per-message values before (plain digest, or the keyed one for
 * the changed), the messages it holds after, and an act per change. */
static int
record_mbox(struct record *r, const struct mailbox *mb,
	    const struct selected *items, const struct message_change *changes,
	    size_t n, const struct change_digests *d, char *rel,
	    struct errbuf *err)
{
	struct changed_file *f = record_add_changed(r, mb, rel);
	unsigned char (*values)[DIGEST_LEN], (*own_after)[DIGEST_LEN] = NULL;
	size_t count, n_after, k = 0;

	if (d) {
		count = d->n_before;
		values = xcalloc(count + 1, DIGEST_LEN);
		memcpy(values, d->before, count * DIGEST_LEN);
		n_after = d->n_after;
		f->has_file_after = d->has_file_after;
		memcpy(f->file_after, d->file_after, DIGEST_LEN);
		f->size_after = d->size_after;
	} else if (plan_digests(mb, items, changes, n, &values, &count,
				&own_after, &n_after, err) < 0)
		return -1;
	f->after_msgs = msgs_json(d ? d->after : (const void *)own_after,
				  n_after);
	for (size_t i = 0; i < count && k < n; i++) {
		if (items[k].index != i)
			continue;
		struct act_input in = {
			mb, &items[k], changes ? &changes[k] : NULL, rel, i,
			false,
		};

		if (record_act(r, &in, values[i], err) < 0)
			break;
		k++;
	}
	if (k == n)
		f->before_msgs = msgs_json((const void *)values, count);
	free(values);
	free(own_after);
	return k == n ? 0 : -1;
}

/* Every changed file must be in the listing made before the run. */
static bool
listed(const struct record *r, const char *rel, struct errbuf *err)
{
	if (tree_find(&r->before, rel) != NULL)
		return true;
	errbuf_format(err, "'%s' is not in the listing of the archive made before "
		      "the run (created meanwhile?); run purge again", rel);
	return false;
}

/* The path of message k's file, relative to the scope's root. */
static char *
message_file_rel(const struct mailbox *mb, size_t index, const char *box_rel)
{
	if (mailbox_kind(mb) != MAILBOX_MAILDIR)
		return xstrdup(box_rel);
	return xasprintf("%s%s%s", strcmp(box_rel, ".") ? box_rel : "",
			 strcmp(box_rel, ".") ? "/" : "",
			 mailbox_file_name(mb, index));
}

static int
record_files(struct record *r, const struct mailbox *mb,
	     const struct selected *items, const struct message_change *changes,
	     size_t n, const char *box_rel, struct errbuf *err)
{
	for (size_t k = 0; k < n; k++) {
		unsigned char mac[DIGEST_LEN];
		char *rel = message_file_rel(mb, items[k].index, box_rel);
		struct act_input in = {
			mb, &items[k], changes ? &changes[k] : NULL, rel, 0,
			false,
		};

		if (!listed(r, rel, err)) {
			free(rel);
			return -1;
		}
		record_add_changed(r, mb, rel)->removed =
			!(changes && changes[k].data);
		if (record_act(r, &in, mac, err) < 0)
			return -1;
	}
	return 0;
}

int
record_mailbox(struct record *r, const struct mailbox *mb,
	       const struct selected *items,
	       const struct message_change *changes, size_t n,
	       const struct change_digests *d, struct errbuf *err)
{
	char *rel = scope_relative(r->sc, mailbox_path(mb), err);
	int rc;

	if (rel == NULL)
		return -1;
	if (mailbox_kind(mb) != MAILBOX_MAILDIR && !listed(r, rel, err)) {
		free(rel);
		return -1;
	}
	r->kinds |= 1u << mailbox_kind(mb);
	r->compressed |= mailbox_compression(mb) == MAILBOX_GZIP;
	if (mailbox_kind(mb) == MAILBOX_MBOX)
		return record_mbox(r, mb, items, changes, n, d, rel, err);
	rc = record_files(r, mb, items, changes, n, rel, err);
	free(rel);
	return rc;
}



void
record_drop_changed(struct record *r, const struct mailbox *mb, const char *only)
{
	size_t out = 0;

	for (size_t i = 0; i < r->nfiles; i++) {
		struct changed_file *f = &r->files[i];

		if (f->mb != mb || (only && strcmp(f->rel, only) != 0)) {
			r->files[out++] = *f;
			continue;
		}
		/* its acts name the same file */
		for (size_t k = 0; k < r->nacts; k++)
			if (r->acts[k].file && strcmp(r->acts[k].file, f->rel) == 0) {
				free(r->acts[k].file);
				r->acts[k].file = NULL;
				json_decref(r->acts[k].obj);
			}
		free(f->rel);
		json_decref(f->before_msgs);
		json_decref(f->after_msgs);
		json_decref(f->what);
	}
	r->nfiles = out;
	out = 0;
	for (size_t k = 0; k < r->nacts; k++)
		if (r->acts[k].file)
			r->acts[out++] = r->acts[k];
	r->nacts = out;
}

void
record_forget(struct record *r, const struct mailbox *mb)
{
	record_drop_changed(r, mb, NULL);
}

void
record_mailbox_done(struct record *r, const struct mailbox *mb,
		    const struct selected *items, const bool *done, size_t n)
{
	char *box_rel = scope_relative(r->sc, mailbox_path(mb), NULL);

	if (box_rel == NULL)
		return;
	for (size_t k = 0; k < n; k++) {
		char *rel;

		if (done[k])
			continue;
		if (mailbox_kind(mb) == MAILBOX_MBOX) {
			record_drop_changed(r, mb, NULL);      /* all or nothing */
			break;
		}
		rel = message_file_rel(mb, items[k].index, box_rel);
		record_drop_changed(r, mb, rel);
		free(rel);
	}
	free(box_rel);
}


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
		if (f && r->s.apply && f->has_file_after) {
			memcpy(e->sha256, f->file_after, DIGEST_LEN);
			e->size = f->size_after;
		} else if (f && r->s.apply) {
			char *abs = scope_absolute(r->sc, b->path);
			int rc = sha256_of_file(abs, e->sha256, &e->size, err);

			free(abs);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
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

int
record_write_signed(const struct ms_secret *key, const char *dir,
		    const char *name, const char *data, size_t len,
		    const char *comment, struct errbuf *err)
{
	char *sig, *signame;
	int rc;

	if (write_in(dir, name, data, len, err) < 0 ||
	    ms_sign(key, data, len, comment, &sig, err) < 0)
		return -1;
	signame = xasprintf("%s.minisig", name);
	rc = write_in(dir, signame, sig, strlen(sig), err);
	free(signame);
	free(sig);
	return rc;
}

/* What the run directory gets, and the digests and times behind it. */
struct run_files {
	char *before, *after, *summary;
	size_t before_len, after_len, summary_len;
	const char *manifest;
	size_t manifest_len;
	char *manifest_comment, *summary_comment;
	char *before_comment, *after_comment;
	struct tree after_tree;
	struct tree_digest before_d, after_d;
	unsigned char root[DIGEST_LEN];
	char finished[TIME_TEXT_SIZE];
};

static int
write_run_dir(const struct record *r, const char *run_dir,
	      const struct run_files *rf, struct errbuf *err)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", run_dir);
	int rc = 0;

	if (mkdtemp(tmp) == NULL)
		rc = errbuf_errno(err, errno, "cannot create '%s'", tmp);
	/* the listings are signed too: an auditor with minisign and
	 * sha256sum alone checks what they say */
	if (rc == 0)
		rc = record_write_signed(r->s.sign_key, tmp,
					 "tree-before.sha256", rf->before,
					 rf->before_len, rf->before_comment, err);
	if (rc == 0)
		rc = record_write_signed(r->s.sign_key, tmp,
					 "tree-after.sha256", rf->after,
					 rf->after_len, rf->after_comment, err);
	if (rc == 0)
		rc = record_write_signed(r->s.sign_key, tmp,
					 "summary.json", rf->summary,
					 rf->summary_len, rf->summary_comment, err);
	/* a run that failed half-way keeps what it planned: the next run
	 * makes what is left of it (record_pending_acts) */
	if (rc == 0 && r->partial && r->intent_written)
		rc = record_copy_intent(r->s.intent_dir, tmp, err);
	/* the manifest's signature last: without it the run is incomplete */
	if (rc == 0)
		rc = record_write_signed(r->s.sign_key, tmp,
					 MANIFEST_NAME, rf->manifest,
					 rf->manifest_len, rf->manifest_comment, err);
	if (rc == 0 && rename(tmp, run_dir) < 0)
		rc = errbuf_errno(err, errno, "cannot rename '%s' to '%s'", tmp,
				  run_dir);
	if (rc == 0)
		rc = fsync_dir_of(run_dir, err);
	else            /* a full disk: no half run directory is left */
		record_remove_dir(tmp);
	free(tmp);
	return rc;
}

/* Header, file and act lines, footer; the signed comments follow from
 * header and footer. */
static int
finish_lines(struct record *r, struct manifest_writer *w,
	     struct run_files *rf, struct errbuf *err)
{
	json_t *header = header_json(r, &rf->before_d), *footer = NULL;
	int rc = manifest_writer_add(w, header, err);

	if (rc == 0 && (add_file_lines(r, w, &rf->after_tree, err) < 0 ||
			add_act_lines(r, w, err) < 0))
		rc = -1;
	if (rc == 0) {
		manifest_writer_root(w, rf->root);
		now_text(rf->finished);
		footer = footer_json(r, rf->root, &rf->after_d, rf->finished);
		rc = manifest_writer_finish(w, footer, err);
	}
	if (rc == 0) {
		rf->manifest_comment = manifest_trusted_comment(MANIFEST_NAME,
								header, footer);
		rf->summary_comment = manifest_trusted_comment("summary.json",
							       header, footer);
		rf->before_comment = manifest_trusted_comment(
			"tree-before.sha256", header, footer);
		rf->after_comment = manifest_trusted_comment(
			"tree-after.sha256", header, footer);
	}
	json_decref(header);
	json_decref(footer);
	return rc;
}

int
record_finish(struct record *r, const char *run_dir, struct errbuf *err)
{
	struct manifest_writer *w = manifest_writer_new();
	struct run_files rf = { 0 };
	json_t *summary;
	int rc = -1;

	if (derive_after(r, &rf.after_tree, err) < 0)
		goto out;
	rf.before = tree_text(&r->before, &rf.before_len);
	rf.after = tree_text(&rf.after_tree, &rf.after_len);
	tree_digest_of_text(rf.before, rf.before_len, &rf.before_d);
	tree_digest_of_text(rf.after, rf.after_len, &rf.after_d);
	if (finish_lines(r, w, &rf, err) < 0)
		goto out;
	rf.manifest = manifest_writer_text(w, &rf.manifest_len);
	summary = summary_json(r, rf.manifest, rf.manifest_len, rf.root,
			       &rf.after_d, rf.finished);
	rf.summary = manifest_line(summary);
	json_decref(summary);
	rf.summary_len = strlen(rf.summary);
	rf.summary = xrealloc(rf.summary, rf.summary_len + 2);
	rf.summary[rf.summary_len++] = '\n';
	rf.summary[rf.summary_len] = '\0';
	rc = write_run_dir(r, run_dir, &rf, err);
	if (rc == 0)            /* the manifest accounts for the run now */
		record_drop_intent(r);
out:
	free(rf.before);
	free(rf.after);
	free(rf.summary);
	free(rf.manifest_comment);
	free(rf.summary_comment);
	free(rf.before_comment);
	free(rf.after_comment);
	tree_release(&rf.after_tree);
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
		json_decref(r->files[i].before_msgs);
		json_decref(r->files[i].after_msgs);
		json_decref(r->files[i].what);
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

int
record_deferred(struct record *r, const struct mailbox *mb,
		const struct selected *item, struct errbuf *err)
{
	char *box_rel = scope_relative(r->sc, mailbox_path(mb), err), *rel;
	unsigned char mac[DIGEST_LEN];
	int rc;

	if (box_rel == NULL)
		return -1;
	rel = message_file_rel(mb, item->index, box_rel);
	{
		struct act_input in = {
			mb, item, NULL, rel,
			mailbox_kind(mb) == MAILBOX_MBOX ? item->index : 0, true,
		};

		rc = record_act(r, &in, mac, err);
	}
	free(rel);
	free(box_rel);
	return rc;
}

void
record_mark_partial(struct record *r)
{
	r->partial = true;
}
