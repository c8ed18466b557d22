/* record.c -- building, checking and signing one run's manifest. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/incident.h"
#include "audit/manifest.h"
#include "audit/merkle.h"
#include "audit/minisign.h"
#include "audit/record-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "select/select.h"

/* Messages read for their keyed digests: the mapping is let go behind
 * them in steps of this. */
#define RELEASE_BYTES (8u << 20)

int
record_begin(struct record **rp, const struct record_settings *s,
	     const struct scope *sc, const char *skip_dir, struct errbuf *err)
{
	struct record *r = xcalloc(1, sizeof *r);

	r->s = *s;
	r->sc = sc;
	now_text(r->started);
	/* listed now, read later (record_hash_before): a changed mbox's
	 * digest comes from the writer's pass over its bytes */
	if (tree_list_unhashed(&r->before, sc, skip_dir, err) < 0) {
		free(r);
		return -1;
	}
	*rp = r;
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

void
record_known_digest(struct record *r, const struct tree_entry *known)
{
	(void)tree_take_digest(&r->before, known);
}

const struct tree *
record_listing(const struct record *r)
{
	return &r->before;
}

int
record_hash_before(struct record *r, struct errbuf *err)
{
	return tree_hash_pending(&r->before, r->sc, err);
}

int
record_read_before(struct record *r, struct errbuf *err)
{
	return record_hash_before(r, err);
}

static json_t *
msgs_json(const struct merkle *m)
{
	unsigned char root[DIGEST_LEN];

	merkle_root(m, root);
	return json_pack("{s:I, s:o}", "msgs", (json_int_t)merkle_count(m),
			 "msgs_root", digest_json("sha256", root));
}

/* The trees over an mbox's messages before (the changed ones by their
 * keyed digest: the plain digest of a removed message would let anyone
 * with a copy confirm it) and after its changes (the kept as they were,
 * the redacted as made), straight from the digests before: the lists
 * are not copied, since they grow with the mailbox. */
static void
mbox_msgs(struct changed_file *f, const unsigned char (*before)[DIGEST_LEN],
	  size_t count, const struct selected *items,
	  const struct message_change *changes,
	  const unsigned char (*keyed)[DIGEST_LEN], size_t n)
{
	struct merkle *was = merkle_new(), *is = merkle_new();
	size_t k = 0;

	for (size_t i = 0; i < count; i++) {
		if (k < n && items[k].index == i) {
			merkle_add(was, keyed[k], DIGEST_LEN);
			if (changes && changes[k].redacted)
				merkle_add(is, changes[k].sha256, DIGEST_LEN);
			k++;
			continue;
		}
		merkle_add(was, before[i], DIGEST_LEN);
		merkle_add(is, before[i], DIGEST_LEN);
	}
	f->before_msgs = msgs_json(was);
	f->after_msgs = msgs_json(is);
	merkle_free(&was);
	merkle_free(&is);
}

/* An mbox: per-message values before and after its changes, and an act
 * per change.  The digests before are the writer's (d), or for a plan
 * read here. */
static int
record_mbox(struct record *r, struct mailbox *mb,
	    const struct selected *items, const struct message_change *changes,
	    size_t n, const struct change_digests *d, char *rel,
	    struct errbuf *err)
{
	struct changed_file *f = record_add_changed(r, mb, rel);
	unsigned char (*own)[DIGEST_LEN] = NULL, (*keyed)[DIGEST_LEN];
	const unsigned char (*before)[DIGEST_LEN];
	size_t count, k = 0, released = 0;

	if (d) {
		before = d->before;
		count = d->n_before;
		f->has_file_after = d->has_file_after;
		memcpy(f->file_after, d->file_after, DIGEST_LEN);
		f->size_after = d->size_after;
		if (d->has_file_before) {
			struct tree_entry known = {
				.path = rel, .size = d->size_before,
				.dev = d->dev, .ino = d->ino, .mtime = d->mtime,
			};

			memcpy(known.sha256, d->file_before, DIGEST_LEN);
			(void)tree_take_digest(&r->before, &known);
		}
	} else if (manifest_message_digests(mb, &own, &count, err) < 0)
		return -1;
	else
		before = (const void *)own;
	keyed = xcalloc(n + 1, DIGEST_LEN);
	for (size_t i = 0; i < count && k < n; i++) {
		if (items[k].index != i)
			continue;
		struct act_input in = {
			mb, &items[k], changes ? &changes[k] : NULL, rel, i,
			false,
		};

		if (record_act(r, &in, keyed[k], err) < 0)
			break;
		k++;
		/* the mapping is let go behind the messages read: memory
		 * holds the one at hand, not the mailbox */
		if (items[k - 1].offset > released + RELEASE_BYTES) {
			mailbox_release_pages(mb, released,
					      (size_t)items[k - 1].offset);
			released = (size_t)items[k - 1].offset;
		}
	}
	mailbox_release_pages(mb, released, SIZE_MAX);
	if (k == n)
		mbox_msgs(f, before, count, items, changes, (const void *)keyed,
			  n);
	free(keyed);
	free(own);
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
			!(changes && changes[k].redacted);
		if (record_act(r, &in, mac, err) < 0)
			return -1;
	}
	return 0;
}

int
record_mailbox(struct record *r, struct mailbox *mb,
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
	r->compressed |= mailbox_compression(mb) != MAILBOX_PLAIN;
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
				free(r->acts[k].line);
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

	if (record_hash_before(r, err) < 0 ||
	    derive_after(r, &rf.after_tree, err) < 0)
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
record_note_hyperkitty(struct record *r, json_t *site_run)
{
	json_decref(r->hyperkitty);
	r->hyperkitty = site_run;
}

void
record_free(struct record **rp)
{
	struct record *r = *rp;

	if (r == NULL)
		return;
	json_decref(r->hyperkitty);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].rel);
		json_decref(r->files[i].before_msgs);
		json_decref(r->files[i].after_msgs);
		json_decref(r->files[i].what);
	}
	for (size_t i = 0; i < r->nacts; i++) {
		free(r->acts[i].file);
		free(r->acts[i].line);
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
