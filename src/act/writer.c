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
#include "act/new-copy.h"
#include "act/output.h"
#include "act/spool.h"
#include "act/writer.h"
#include "act/writer-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/progress.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/mbox.h"

/* What memory holds of a mailbox while it is written or hashed. */
#define WINDOW ((uint64_t)8 << 20)
/* What a new copy that reads back wrong means. */
#define WRONG_COPY "the disk did not keep what was written, or listscrub " \
	"has a bug: check the file system and report it"

/* ---- an mbox ------------------------------------------------------------------ */

/* Lets go of a mailbox's mapped pages behind a reader, a window at a
 * time, so that memory holds a window, not the mailbox. */
struct behind {
	const struct mailbox *mb;
	uint64_t released;
};

static void
release_behind(struct behind *b, uint64_t upto)
{
	if (upto < b->released + WINDOW)
		return;
	mailbox_release_pages(b->mb, (size_t)b->released, (size_t)upto);
	b->released = upto;
}

/* Bytes [from, to) of mb's content, a window at a time. */
static int
write_range(struct behind *b, const char *content, uint64_t from,
	    uint64_t to, struct out *o, struct errbuf *err)
{
	while (from < to) {
		uint64_t end = to - from > WINDOW ? from + WINDOW : to;

		if (out_write(o, content + from, end - from, err) < 0)
			return -1;
		release_behind(b, end);
		from = end;
	}
	return 0;
}

/* The kept byte ranges of mbox mb, and a changed message's new bytes in
 * its place (del[0..n): the messages changed). */
static int
write_kept(const struct mailbox *mb, size_t n, struct out *o,
	   const size_t *del, const struct message_change *changes,
	   struct errbuf *err)
{
	const struct mbox_split *s = mailbox_split(mb);
	size_t len;
	const char *content = mailbox_content(mb, &len);
	struct behind b = { .mb = mb };
	uint64_t from = 0;

	for (size_t k = 0; k < n; k++) {
		const struct mbox_msg *m = &s->msgs[del[k]];

		progress_add(m->end - from, 0);
		if (write_range(&b, content, from, m->start, o, err) < 0 ||
		    (changes && changes[k].redacted &&
		     change_write(&changes[k], o, NULL, err) < 0))
			return -1;
		from = m->end;
	}
	progress_add(len - from, 0);
	if (write_range(&b, content, from, len, o, err) < 0)
		return -1;
	mailbox_release_pages(mb, 0, len);
	return 0;
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
	o = out_open(-1, mailbox_path(mb), mailbox_compression(mb), err);
	if (!o)
		return -1;
	rc = write_kept(mb, n, o, indices, changes, err);
	if (out_finish(&o, size_r, err) < 0)
		rc = -1;
	return rc;
}

/* The SHA-256 of every message as it is, and how many the new copy must
 * hold. */
static void
expect_digests(struct prepared *p, const size_t *del,
	       const struct message_change *changes)
{
	size_t n = mailbox_message_count(p->mb), k = 0;
	struct behind b = { .mb = p->mb };

	p->before = xcalloc(n + 1, DIGEST_LEN);
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
			release_behind(&b, off + len);
		}
		if (k < p->n && del[k] == i) {
			if (changes && changes[k].redacted)
				p->view.n_after++;
			k++;
		} else
			p->view.n_after++;
	}
	mailbox_release_pages(p->mb, 0, SIZE_MAX);
	p->view.before = (const void *)p->before;
	p->view.n_before = n;
}

/* The digest the next message of the new copy must have, walking the
 * original's messages from *i and the changes from *k: a kept one's as it
 * was, a redacted one's as made (the lists after are not kept: they grow
 * with the mailbox). */
static const unsigned char *
next_expected(const struct prepared *p, const size_t *del,
	      const struct message_change *changes, size_t *i, size_t *k)
{
	for (; *i < p->view.n_before; (*i)++) {
		const struct message_change *ch;

		if (*k >= p->n || del[*k] != *i)
			return p->before[(*i)++];
		ch = changes ? &changes[*k] : NULL;
		(*k)++;
		if (ch && ch->redacted) {
			(*i)++;
			return ch->sha256;
		}
	}
	return NULL;
}

/* Read the new copy back as the next run will: it must split into the
 * messages expected, each byte for byte (by SHA-256).  A temp that holds
 * the new copy from its first change on (p->temp_start > 0) holds the
 * messages from the first changed one on (the ones before, all kept, are
 * number 0 to del[0] - 1 of the new copy), and no file digest is taken
 * of it. */
static int
check_new_copy(struct prepared *p, const char *temp, const size_t *del,
	       const struct message_change *changes, struct errbuf *err)
{
	size_t first_kept = p->temp_start > 0 && p->n > 0 ? del[0] : 0;
	size_t at = first_kept, k = 0;
	struct mailbox *now = mailbox_new(temp);
	struct behind bn = { .mb = now };
	uint64_t preamble = p->temp_start > 0 ? 0
		: mailbox_split(p->mb)->preamble_len;
	const char *was, *is;
	size_t n = 0, was_len, is_len, want = p->view.n_after - first_kept;
	int rc = mailbox_load(now, err);

	/* the bytes before the first message (a BOM, empty lines) stay */
	was = mailbox_content(p->mb, &was_len);
	is = rc == 0 ? mailbox_content(now, &is_len) : NULL;
	if (rc == 0 && p->temp_start == 0 &&
	    (is_len < preamble || memcmp(is, was, preamble) != 0 ||
	     (want == 0 && is_len != preamble)))
		rc = errbuf_set(err, "the new copy of '%s' does not keep the "
				"bytes before the first message (%s); nothing "
				"was changed", mailbox_path(p->mb), WRONG_COPY);
	if (rc == 0 && want > 0) {
		n = mailbox_message_count(now);
		if (mailbox_split(now) == NULL)
			rc = errbuf_set(err, "the new copy of '%s' is not an mbox "
					"(%s); nothing was changed",
					mailbox_path(p->mb), WRONG_COPY);
	}
	if (rc == 0 && n != want)
		rc = errbuf_set(err, "the new copy of '%s' holds %zu messages, "
				"not the %zu kept (%s); nothing was changed",
				mailbox_path(p->mb), first_kept + n,
				p->view.n_after, WRONG_COPY);
	for (size_t i = 0; rc == 0 && i < want; i++) {
		const unsigned char *want_d;
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
		release_behind(&bn, off + len);
		want_d = next_expected(p, del, changes, &at, &k);
		if (want_d == NULL || memcmp(d, want_d, DIGEST_LEN) != 0)
			rc = errbuf_set(err, "message %zu of the new copy of '%s' "
					"is not the one expected (%s); nothing was "
					"changed", first_kept + i, mailbox_path(p->mb),
					WRONG_COPY);
	}
	mailbox_free(&now);
	if (rc == 0 && p->temp_start == 0)
		rc = sha256_of_file(temp, p->view.file_after,
				    &p->view.size_after, err);
	p->view.has_file_after = rc == 0;
	return rc;
}

/* A plain mbox's new copy, written and hashed in one pass (new-copy.h)
 * and read back.  Read back wrong, it is checked as a compressed one's
 * is, to say which message is not what it should be. */
static int
write_plain(struct prepared *p, const size_t *del,
	    const struct message_change *changes, const struct stat *st,
	    struct errbuf *err)
{
	const char *path = mailbox_path(p->mb);
	size_t count = mailbox_message_count(p->mb);
	struct new_copy nc = {
		.mb = p->mb, .del = del, .changes = changes, .n = p->n,
	};
	char *temp = temp_path(&p->temp, path);
	int rc, same = -1;

	p->before = nc.before = xcalloc(count + 1, DIGEST_LEN);
	rc = new_copy_write(&nc, p->temp.fd, err);
	progress_add((uint64_t)st->st_size, 0);
	p->view.before = (const void *)p->before;
	p->view.n_before = count;
	p->view.n_after = nc.n_after;
	if (rc == 0)
		rc = temp_finish(&p->temp, path, st->st_mode, st->st_uid,
				 st->st_gid, err);
	p->temp_start = nc.temp_start;
	if (rc == 0)
		same = new_copy_read_back(&nc, temp, err);
	/* the kept messages before the first change are not in the temp */
	if (same == 0 && check_new_copy(p, temp, del, changes, err) == 0)
		errbuf_format(err, "the new copy of '%s' does not read back "
			      "as written (%s); nothing was changed", path,
			      WRONG_COPY);
	if (same == 1) {
		memcpy(p->view.file_after, nc.file_after, DIGEST_LEN);
		p->view.size_after = nc.size_after;
		p->view.has_file_after = true;
		memcpy(p->view.file_before, nc.file_before, DIGEST_LEN);
		p->view.size_before = nc.size_before;
		p->view.dev = st->st_dev;
		p->view.ino = st->st_ino;
		p->view.mtime = st->st_mtim;
		p->view.has_file_before = true;
	}
	new_copy_release(&nc);
	free(temp);
	return same == 1 ? 0 : -1;
}

/* A compressed mbox: written through its compressor, then read back
 * through the same decompression as any other, split and hashed again. */
static int
write_compressed(struct prepared *p, const size_t *del,
		 const struct message_change *changes, const struct stat *st,
		 struct errbuf *err)
{
	const char *path = mailbox_path(p->mb);
	struct out *o = out_open(p->temp.fd, path, mailbox_compression(p->mb),
				 err);
	char *temp;
	int rc;

	if (o == NULL)
		return -1;
	rc = write_kept(p->mb, p->n, o, del, changes, err);
	if (out_close(&o, err) < 0 || rc < 0 ||
	    temp_finish(&p->temp, path, st->st_mode, st->st_uid, st->st_gid,
			err) < 0)
		return -1;
	expect_digests(p, del, changes);
	temp = temp_path(&p->temp, path);
	rc = check_new_copy(p, temp, del, changes, err);
	free(temp);
	return rc;
}

static int
prepare_mbox(struct prepared *p, const size_t *del,
	     const struct message_change *changes, struct errbuf *err)
{
	struct mailbox *mb = p->mb;
	const char *path = mailbox_path(mb);
	bool packed = mailbox_compression(mb) != MAILBOX_PLAIN;
	struct stat st;

	if (mailbox_check_unchanged(mb, err) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", path);
	progress_plan((uint64_t)st.st_size);
	if (temp_create(&p->temp, path, err) < 0)
		return -1;
	if ((packed ? write_compressed : write_plain)(p, del, changes, &st,
						     err) < 0)
		return -1;
	/* An in-place rewrite changes the original's inode: a backup must be
	 * a copy, not a link. */
	if (p->ws.backup_dir &&
	    backup_file(p->ws.backup_dir, path, packed, &p->backup, err) < 0)
		return -1;
	p->in_place = !packed;
	p->journal.old_size = (uint64_t)st.st_size;
	p->journal.new_size = p->view.size_after;
	p->journal.first = p->n > 0 ? mailbox_split(mb)->msgs[del[0]].start
		: (uint64_t)st.st_size;
	if (p->journal.first > p->journal.new_size)
		p->journal.first = p->journal.new_size;
	memcpy(p->journal.new_file, p->view.file_after, DIGEST_LEN);
	p->journal.temp_start = p->temp_start;
	snprintf(p->journal.temp, sizeof p->journal.temp, "%s", p->temp.name);
	return 0;
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
		rc = writer_prepare_files(p, indices, changes, err);
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
		return writer_commit_files(p, err);
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
