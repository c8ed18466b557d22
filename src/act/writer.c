/* writer.c -- a mailbox's changes: prepared beside it, then committed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/journal.h"
#include "act/lock.h"
#include "act/output.h"
#include "act/writer.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/mbox.h"

/* What a new copy that reads back wrong means. */
#define WRONG_COPY "the disk did not keep what was written, or listscrub " \
	"has a bug: check the file system and report it"

/* A message file to remove or replace (Maildir, single file). */
struct file_change {
	char *path;
	struct stat st;                 /* as prepared: must not change */
	struct temp temp;               /* replaced: its new copy */
	bool remove;
	char *backup;                   /* made by prepare */
};

struct prepared {
	struct mailbox *mb;
	struct writer_settings ws;
	size_t n;                       /* changes */
	bool *done;
	struct change_digests view;
	bool in_place;                  /* a plain mbox, journalled */
	unsigned char (*before)[DIGEST_LEN], (*after)[DIGEST_LEN];
	/* an mbox */
	struct temp temp;
	struct journal journal;
	char *backup;
	/* message files */
	struct file_change *files;
};

/* ---- an mbox ------------------------------------------------------------------ */

/* Copy [from, to) of the original: in the kernel where it can (no page of
 * it enters this process), else from its content. */
static int
copy_range(struct out *o, int src_fd, int dst_fd, const char *content,
	   uint64_t from, uint64_t to, const char *path, struct errbuf *err)
{
	while (src_fd >= 0 && dst_fd >= 0 && from < to) {
		loff_t off = (loff_t)from;
		ssize_t n = copy_file_range(src_fd, &off, dst_fd, NULL, to - from,
					    0);

		if (n > 0) {
			from += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno == EXDEV || errno == ENOSYS ||
		    errno == EOPNOTSUPP || errno == EINVAL)
			break;          /* by hand, below */
		return errbuf_errno(err, errno, "cannot copy '%s' into its new "
				    "copy", path);
	}
	return from < to ? out_write(o, content + from, to - from, err) : 0;
}

/* The kept byte ranges of mbox mb, and a changed message's new bytes in
 * its place (del[0..n): the messages changed). */
static int
write_kept(const struct mailbox *mb, size_t n, struct out *o, int src_fd,
	   int dst_fd, const size_t *del, const struct message_change *changes,
	   struct errbuf *err)
{
	const struct mbox_split *s = mailbox_split(mb);
	const char *path = mailbox_path(mb);
	size_t len;
	const char *content = mailbox_content(mb, &len);
	uint64_t from = 0;

	for (size_t k = 0; k < n; k++) {
		const struct mbox_msg *m = &s->msgs[del[k]];

		if (copy_range(o, src_fd, dst_fd, content, from, m->start, path,
			       err) < 0 ||
		    (changes && changes[k].data &&
		     out_write(o, changes[k].data, changes[k].len, err) < 0))
			return -1;
		from = m->end;
	}
	return copy_range(o, src_fd, dst_fd, content, from, len, path, err);
}

static int
write_new_copy(struct prepared *p, struct out *o, int src_fd, int dst_fd,
	       const size_t *del, const struct message_change *changes,
	       struct errbuf *err)
{
	return write_kept(p->mb, p->n, o, src_fd, dst_fd, del, changes, err);
}

int
writer_new_size(const struct mailbox *mb, const size_t *indices,
		const struct message_change *changes, size_t n,
		uint64_t *size_r, struct errbuf *err)
{
	struct out *o;
	size_t len;
	int rc;

	if (mailbox_kind(mb) != MAILBOX_MBOX || !mailbox_content(mb, &len))
		return errbuf_set(err, "'%s': not an mbox in memory",
				  mailbox_path(mb));
	o = out_open(-1, mailbox_path(mb),
		     mailbox_compression(mb) == MAILBOX_GZIP, err);
	if (!o)
		return -1;
	rc = write_kept(mb, n, o, -1, -1, indices, changes, err);
	if (out_finish(&o, size_r, err) < 0)
		rc = -1;
	return rc;
}

/* The SHA-256 of every message as it is, and of every message the new
 * copy must hold. */
static void
expect_digests(struct prepared *p, const size_t *del,
	       const struct message_change *changes)
{
	size_t n = mailbox_message_count(p->mb), k = 0;

	p->before = xcalloc(n + 1, DIGEST_LEN);
	p->after = xcalloc(n + 1, DIGEST_LEN);
	p->view.n_after = 0;
	for (size_t i = 0; i < n; i++) {
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;

		if (mailbox_message(p->mb, i, &raw, &len, &off, &owned,
				    NULL) == 0) {
			sha256_of(raw, len, p->before[i]);
			if (owned)
				free((char *)raw);
		}
		if (k < p->n && del[k] == i) {
			if (changes && changes[k].data)
				sha256_of(changes[k].data, changes[k].len,
					  p->after[p->view.n_after++]);
			k++;
		} else
			memcpy(p->after[p->view.n_after++], p->before[i],
			       DIGEST_LEN);
	}
	p->view.before = (const void *)p->before;
	p->view.n_before = n;
	p->view.after = (const void *)p->after;
}

/* Read the new copy back as the next run will: it must split into the
 * messages expected, each byte for byte (by SHA-256). */
static int
check_new_copy(struct prepared *p, const char *temp, struct errbuf *err)
{
	struct mailbox *now = mailbox_new(temp);
	uint64_t preamble = mailbox_split(p->mb)->preamble_len;
	const char *was, *is;
	size_t n = 0, was_len, is_len;
	int rc = mailbox_load(now, err);

	/* the bytes before the first message (a BOM, empty lines) stay */
	was = mailbox_content(p->mb, &was_len);
	is = rc == 0 ? mailbox_content(now, &is_len) : NULL;
	if (rc == 0 && (is_len < preamble || memcmp(is, was, preamble) != 0 ||
			(p->view.n_after == 0 && is_len != preamble)))
		rc = errbuf_set(err, "the new copy of '%s' does not keep the "
				"bytes before the first message (%s); nothing "
				"was changed", mailbox_path(p->mb), WRONG_COPY);
	if (rc == 0 && p->view.n_after > 0) {
		n = mailbox_message_count(now);
		if (mailbox_split(now) == NULL)
			rc = errbuf_set(err, "the new copy of '%s' is not an mbox "
					"(%s); nothing was changed",
					mailbox_path(p->mb), WRONG_COPY);
	}
	if (rc == 0 && n != p->view.n_after)
		rc = errbuf_set(err, "the new copy of '%s' holds %zu messages, "
				"not the %zu kept (%s); nothing was changed",
				mailbox_path(p->mb), n, p->view.n_after,
				WRONG_COPY);
	for (size_t i = 0; rc == 0 && i < p->view.n_after; i++) {
		unsigned char d[DIGEST_LEN];
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;

		if (mailbox_message(now, i, &raw, &len, &off, &owned, err) < 0) {
			rc = -1;
			break;
		}
		sha256_of(raw, len, d);
		if (owned)
			free((char *)raw);
		if (memcmp(d, p->after[i], DIGEST_LEN) != 0)
			rc = errbuf_set(err, "message %zu of the new copy of '%s' "
					"is not the one expected (%s); nothing was "
					"changed", i, mailbox_path(p->mb), WRONG_COPY);
	}
	mailbox_free(&now);
	if (rc == 0)
		rc = sha256_of_file(temp, p->view.file_after,
				    &p->view.size_after, err);
	p->view.has_file_after = rc == 0;
	return rc;
}

static int
prepare_mbox(struct prepared *p, const size_t *del,
	     const struct message_change *changes, struct errbuf *err)
{
	struct mailbox *mb = p->mb;
	const char *path = mailbox_path(mb);
	bool gzip = mailbox_compression(mb) == MAILBOX_GZIP;
	struct out *o = NULL;
	struct stat st;
	char *temp = NULL;
	int src_fd = -1, rc = -1;

	if (mailbox_check_unchanged(mb, err) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", path);
	if (temp_create(&p->temp, path, err) < 0)
		return -1;
	if ((o = out_open(p->temp.fd, path, gzip, err)) == NULL)
		goto out;
	if (!gzip)
		src_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (write_new_copy(p, o, src_fd, gzip ? -1 : p->temp.fd, del, changes,
			   err) < 0 || out_close(&o, err) < 0 ||
	    temp_finish(&p->temp, path, st.st_mode, st.st_uid, st.st_gid,
			err) < 0)
		goto out;
	expect_digests(p, del, changes);
	temp = temp_path(&p->temp, path);
	if (check_new_copy(p, temp, err) < 0)
		goto out;
	/* An in-place rewrite changes the original's inode: a backup must be
	 * a copy, not a link. */
	if (p->ws.backup_dir &&
	    backup_file(p->ws.backup_dir, path, gzip, &p->backup, err) < 0)
		goto out;
	p->in_place = !gzip;
	p->journal.old_size = (uint64_t)st.st_size;
	p->journal.new_size = p->view.size_after;
	p->journal.first = p->n > 0 ? mailbox_split(mb)->msgs[del[0]].start
		: (uint64_t)st.st_size;
	if (p->journal.first > p->journal.new_size)
		p->journal.first = p->journal.new_size;
	memcpy(p->journal.new_file, p->view.file_after, DIGEST_LEN);
	snprintf(p->journal.temp, sizeof p->journal.temp, "%s", p->temp.name);
	rc = 0;
out:
	out_close(&o, NULL);
	if (src_fd >= 0)
		close(src_fd);
	free(temp);
	return rc;
}

/* *made_r: the mbox holds its new copy (even when -1: what came after
 * the change failed). */
static int
commit_mbox(struct prepared *p, bool *made_r, struct errbuf *err)
{
	const char *path = mailbox_path(p->mb);
	int fd, rc;
	bool recovered;

	*made_r = false;
	if (mailbox_check_unchanged(p->mb, err) < 0)
		return -1;
	if (!p->in_place)
		return temp_commit(&p->temp, path, made_r, err);
	fd = p->ws.lock ? mbox_lock_fd(p->ws.lock)
		: open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s' for writing",
				    path);
	rc = journal_commit(fd, path, &p->journal, made_r, err);
	mailbox_forget_content(p->mb);  /* its bytes changed under the map */
	/* A passing fault (a full disk freed, an interrupted write): finish
	 * from the journal at once; else it stays for the next run. */
	if (rc < 0 && journal_pending(path)) {
		struct errbuf again;

		if (journal_recover(fd, path, &recovered, &again) == 0 &&
		    recovered)
			rc = 0;
	}
	if (rc == 0)
		*made_r = true;
	if (*made_r)
		p->temp.name[0] = '\0';         /* the journal drops it */
	if (!p->ws.lock)
		close(fd);
	return rc;
}

/* ---- message files: Maildir, single ------------------------------------------ */

static int
prepare_file(struct prepared *p, struct file_change *f,
	     const struct message_change *ch, size_t index, struct errbuf *err)
{
	bool gzip = mailbox_compression(p->mb) == MAILBOX_GZIP;
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;
	struct out *o;
	char *dir;
	int rc;

	f->path = mailbox_file_of(p->mb, index);
	f->temp.fd = f->temp.dirfd = -1;
	if (lstat(f->path, &f->st) < 0)
		return errbuf_errno(err, errno, "cannot change '%s'", f->path);
	if (!S_ISREG(f->st.st_mode))
		return errbuf_set(err, "'%s' is not a regular file (a symbolic "
				  "link?): listscrub does not change it",
				  f->path);
	dir = path_dir(f->path);
	rc = access(dir, W_OK) < 0
		? errbuf_errno(err, errno, "cannot change files in '%s'", dir)
		: 0;
	free(dir);
	if (rc < 0)
		return -1;
	if (mailbox_message(p->mb, index, &raw, &len, &off, &owned, err) < 0)
		return -1;
	sha256_of(raw, len, p->before[p->view.n_before++]);
	if (owned)
		free((char *)raw);
	f->remove = !(ch && ch->data);
	p->view.n_after++;
	if (!f->remove) {
		sha256_of(ch->data, ch->len, p->after[p->view.n_after - 1]);
		if (temp_create(&f->temp, f->path, err) < 0 ||
		    (o = out_open(f->temp.fd, f->path, gzip, err)) == NULL)
			return -1;
		rc = out_write(o, ch->data, ch->len, err);
		if (out_close(&o, err) < 0 || rc < 0 ||
		    temp_finish(&f->temp, f->path, f->st.st_mode, f->st.st_uid,
				f->st.st_gid, err) < 0)
			return -1;
	}
	if (p->ws.backup_dir &&
	    backup_file(p->ws.backup_dir, f->path, true, &f->backup, err) < 0)
		return -1;
	return 0;
}

static int
prepare_files(struct prepared *p, const size_t *indices,
	      const struct message_change *changes, struct errbuf *err)
{
	if (mailbox_kind(p->mb) == MAILBOX_SINGLE &&
	    mailbox_check_unchanged(p->mb, err) < 0)
		return -1;
	p->files = xcalloc(p->n + 1, sizeof *p->files);
	p->before = xcalloc(p->n + 1, DIGEST_LEN);
	p->after = xcalloc(p->n + 1, DIGEST_LEN);
	p->view.before = (const void *)p->before;
	p->view.after = (const void *)p->after;
	for (size_t k = 0; k < p->n; k++) {
		p->files[k].temp.fd = p->files[k].temp.dirfd = -1;
		if (prepare_file(p, &p->files[k], changes ? &changes[k] : NULL,
				 indices[k], err) < 0)
			return -1;
	}
	return 0;
}

/* Still the file that was prepared: nobody replaced or changed it. */
static bool
unchanged(const struct file_change *f)
{
	struct stat st;

	return lstat(f->path, &st) == 0 && st.st_dev == f->st.st_dev &&
		st.st_ino == f->st.st_ino && st.st_size == f->st.st_size &&
		st.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
		st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec;
}

static int
commit_files(struct prepared *p, struct errbuf *err)
{
	for (size_t k = 0; k < p->n; k++) {
		struct file_change *f = &p->files[k];

		if (!unchanged(f))
			return errbuf_set(err, "'%s' changed or went away since "
					  "it was read; it and the files after "
					  "it were not changed: run purge again",
					  f->path);
		if (f->remove) {
			struct errbuf why;

			if (unlink(f->path) < 0)
				return errbuf_errno(err, errno, "cannot remove "
						    "'%s'", f->path);
			/* gone: made, whatever the fsync says */
			p->done[k] = true;
			if (fsync_dir_of(f->path, &why) < 0)
				return errbuf_set(err, "'%s' was removed, but %s: "
						  NOT_DURABLE, f->path,
						  why.msg);
		} else if (temp_commit(&f->temp, f->path, &p->done[k],
				       err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the interface -------------------------------------------------------------- */

int
writer_prepare(struct mailbox *mb, const size_t *indices,
	       const struct message_change *changes, size_t n,
	       const struct writer_settings *ws, struct prepared **p_r,
	       struct errbuf *err)
{
	struct prepared *p = xcalloc(1, sizeof *p);
	int rc;

	p->mb = mb;
	p->n = n;
	p->done = xcalloc(n + 1, sizeof *p->done);
	p->temp.fd = p->temp.dirfd = -1;
	if (ws)
		p->ws = *ws;
	switch (mailbox_kind(mb)) {
	case MAILBOX_MBOX:
		rc = prepare_mbox(p, indices, changes, err);
		break;
	case MAILBOX_MAILDIR:
	case MAILBOX_SINGLE:
		rc = prepare_files(p, indices, changes, err);
		break;
	case MAILBOX_NOT_MAIL:
		rc = errbuf_set(err, "'%s' is not mail: listscrub never "
				"changes it", mailbox_path(mb));
		break;
	default:
		rc = errbuf_set(err, "'%s' was not loaded", mailbox_path(mb));
		break;
	}
	if (rc < 0) {
		writer_abandon(p);
		writer_prepared_free(&p);
	}
	*p_r = p;
	return rc;
}

const struct change_digests *
writer_digests(const struct prepared *p)
{
	return &p->view;
}

int
writer_commit(struct prepared *p, struct errbuf *err)
{
	bool made;
	int rc;

	if (p->n == 0)
		return 0;
	if (mailbox_kind(p->mb) != MAILBOX_MBOX)
		return commit_files(p, err);
	rc = commit_mbox(p, &made, err);
	for (size_t k = 0; made && k < p->n; k++)
		p->done[k] = true;
	return rc;
}

bool
writer_done(const struct prepared *p, size_t k)
{
	return p->done[k];
}

static void
drop_backup(char **backup)
{
	if (*backup)
		unlink(*backup);
	free(*backup);
	*backup = NULL;
}

void
writer_abandon(struct prepared *p)
{
	bool any_done = false;

	for (size_t k = 0; k < p->n; k++)
		any_done |= p->done[k];
	if (!journal_pending(mailbox_path(p->mb)))
		temp_discard(&p->temp);
	if (!any_done)
		drop_backup(&p->backup);
	for (size_t k = 0; p->files && k < p->n; k++) {
		temp_discard(&p->files[k].temp);
		if (!p->done[k])
			drop_backup(&p->files[k].backup);
	}
}

void
writer_prepared_free(struct prepared **pp)
{
	struct prepared *p = *pp;

	if (p == NULL)
		return;
	if (p->temp.dirfd >= 0)
		close(p->temp.dirfd);
	for (size_t k = 0; p->files && k < p->n; k++) {
		if (p->files[k].temp.dirfd >= 0)
			close(p->files[k].temp.dirfd);
		free(p->files[k].path);
		free(p->files[k].backup);
	}
	free(p->files);
	free(p->backup);
	free(p->before);
	free(p->after);
	free(p->done);
	free(p);
	*pp = NULL;
}

int
writer_apply(struct mailbox *mb, const size_t *indices,
	     const struct message_change *changes, size_t n,
	     const struct writer_settings *ws, struct errbuf *err)
{
	struct prepared *p;
	int rc;

	if (n == 0)
		return 0;
	if (writer_prepare(mb, indices, changes, n, ws, &p, err) < 0)
		return -1;
	rc = writer_commit(p, err);
	writer_abandon(p);
	writer_prepared_free(&p);
	return rc;
}
