/* writer.c -- atomic rewrite of an mbox; unlink of Maildir files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "mail/mailbox.h"
#include "act/writer.h"
#include "lib/xalloc.h"

#define WRITE_CHUNK (8u << 20)

/* ---- output: plain or gzip --------------------------------------------- */

struct out {
	int fd;
	int src_fd;             /* the original, for copy_file_range; or -1 */
	const char *path;       /* for messages */
	z_stream zs;
	bool gzip;
	unsigned char *zbuf;
};

static int
write_all(int fd, const char *p, size_t len, const char *path,
	  struct errbuf *err)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len > WRITE_CHUNK ? WRITE_CHUNK : len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errbuf_errno(err, errno, "cannot write the new "
					    "copy of '%s'", path);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
deflate_some(struct out *o, int flush, struct errbuf *err)
{
	int zrc;

	do {
		o->zs.next_out = o->zbuf;
		o->zs.avail_out = WRITE_CHUNK;
		zrc = deflate(&o->zs, flush);
		if (zrc == Z_STREAM_ERROR)
			return errbuf_set(err, "zlib failed compressing '%s'",
					  o->path);
		if (write_all(o->fd, (char *)o->zbuf,
			      WRITE_CHUNK - o->zs.avail_out, o->path, err) < 0)
			return -1;
	} while (o->zs.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
	return 0;
}

static int
out_write(struct out *o, const char *p, size_t len, struct errbuf *err)
{
	if (!o->gzip)
		return write_all(o->fd, p, len, o->path, err);
	while (len > 0) {
		size_t n = len > WRITE_CHUNK ? WRITE_CHUNK : len;

		o->zs.next_in = (unsigned char *)p;
		o->zs.avail_in = (uInt)n;
		if (deflate_some(o, Z_NO_FLUSH, err) < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int
out_open(struct out *o, int fd, const char *path, bool gzip,
	 struct errbuf *err)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->src_fd = -1;
	o->path = path;
	o->gzip = gzip;
	if (!gzip)
		return 0;
	if (deflateInit2(&o->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return errbuf_set(err, "cannot start zlib for '%s'", path);
	o->zbuf = xmalloc(WRITE_CHUNK);
	return 0;
}

static int
out_finish(struct out *o, struct errbuf *err)
{
	int rc = 0;

	if (o->gzip) {
		rc = deflate_some(o, Z_FINISH, err);
		deflateEnd(&o->zs);
		free(o->zbuf);
		o->zbuf = NULL;
	}
	return rc;
}

/* ---- temp file beside the original ------------------------------------- */

struct temp {
	int fd;
	int dirfd;
	char name[NAME_MAX + 1];        /* set once it has a name */
	bool anonymous;                 /* O_TMPFILE: no name yet */
};

static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int
temp_open(struct temp *t, const char *path, struct errbuf *err)
{
	char *dir = path_dir(path);

	memset(t, 0, sizeof *t);
	t->fd = -1;
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		errbuf_errno(err, errno, "cannot open directory '%s'", dir);
		free(dir);
		return -1;
	}
#ifdef O_TMPFILE
	/* An unnamed file: a crash before the rename leaves nothing behind.
	 * It is named later through /proc, so only where /proc is there. */
	if (access("/proc/self/fd", F_OK) == 0) {
		t->fd = openat(t->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
			       0600);
		t->anonymous = t->fd >= 0;
	}
#endif
	for (int attempt = 0; t->fd < 0 && attempt < 100; attempt++) {
		snprintf(t->name, sizeof t->name, ".%.200s.listscrub-%ld-%d",
			 base_of(path), (long)getpid(), attempt);
		t->fd = openat(t->dirfd, t->name,
			       O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (t->fd < 0 && errno != EEXIST)
			break;
	}
	if (t->fd < 0) {
		errbuf_errno(err, errno, "cannot create a temp file in '%s'",
			     dir);
		close(t->dirfd);
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

static void
temp_abandon(struct temp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (!t->anonymous && t->name[0])
		unlinkat(t->dirfd, t->name, 0);
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->fd = t->dirfd = -1;
}

/* Give an O_TMPFILE file a name so that it can be renamed into place. */
static int
temp_name(struct temp *t, const char *path, struct errbuf *err)
{
	char proc[64];

	if (!t->anonymous)
		return 0;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", t->fd);
	for (int attempt = 0; attempt < 100; attempt++) {
		snprintf(t->name, sizeof t->name, ".%.200s.listscrub-%ld-%d",
			 base_of(path), (long)getpid(), attempt);
		if (linkat(AT_FDCWD, proc, t->dirfd, t->name,
			   AT_SYMLINK_FOLLOW) == 0) {
			t->anonymous = false;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	t->name[0] = '\0';
	return errbuf_errno(err, errno, "cannot name the new copy of '%s'",
			    path);
}

/* ---- identity and backups ---------------------------------------------- */

static int
copy_file(const char *from, const char *to, struct errbuf *err)
{
	char *data;
	size_t len;
	int fd, rc;

	if (read_whole_file(from, &data, &len, err) < 0)
		return -1;
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(data);
		return errbuf_errno(err, errno, "cannot create backup '%s'", to);
	}
	rc = write_all(fd, data, len, to, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = errbuf_errno(err, errno, "cannot fsync backup '%s'", to);
	close(fd);
	free(data);
	return rc;
}

/* Keep the original at backup_dir/<path as given, without a leading />:
 * a hard link when on the same file system, else a copy. */
static int
backup(const char *backup_dir, const char *path, struct errbuf *err)
{
	const char *rel = path;
	char *target;
	int rc = 0;

	while (*rel == '/')
		rel++;
	target = xasprintf("%s/%s", backup_dir, rel);
	if (make_parent_dirs(target, err) < 0) {
		free(target);
		return -1;
	}
	if (access(target, F_OK) == 0)
		rc = errbuf_set(err, "backup '%s' already exists; choose "
				"another --backup-dir", target);
	else if (link(path, target) < 0)
		rc = errno == EXDEV || errno == EPERM
			? copy_file(path, target, err)
			: errbuf_errno(err, errno, "cannot keep a backup of "
				       "'%s' in '%s'", path, target);
	if (rc == 0) {
		char *dir = path_dir(target);
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	free(target);
	return rc;
}

/* ---- mbox -------------------------------------------------------------- */

/* Copy [from, to) of the original: in the kernel where it can
 * (copy_file_range: no page of it enters this process), else from the
 * mapping, letting each piece's pages go once written. */
static int
copy_range(struct out *o, struct mailbox *mb, uint64_t from, uint64_t to,
	   struct errbuf *err)
{
	size_t len;
	const char *data = mailbox_content(mb, &len);

	while (o->src_fd >= 0 && from < to) {
		loff_t off = (loff_t)from;
		ssize_t n = copy_file_range(o->src_fd, &off, o->fd, NULL,
					    to - from, 0);

		if (n > 0) {
			from += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno == EXDEV || errno == ENOSYS ||
		    errno == EOPNOTSUPP || errno == EINVAL) {
			o->src_fd = -1;         /* fall back to write() */
			break;
		}
		return errbuf_errno(err, errno, "cannot copy '%s' into its new "
				    "copy", o->path);
	}
	while (from < to) {
		size_t n = to - from > WRITE_CHUNK ? WRITE_CHUNK : to - from;

		if (out_write(o, data + from, n, err) < 0)
			return -1;
		mailbox_release_pages(mb, from, from + n);
		from += n;
	}
	return 0;
}

static int
write_kept(struct out *o, struct mailbox *mb, const size_t *del,
	   const struct message_change *changes, size_t n, struct errbuf *err)
{
	const struct mbox_split *s = mailbox_split(mb);
	size_t len;
	uint64_t from = 0;

	/* Copy everything between changed messages in as few copies as
	 * there are gaps; a redacted message is written in its place. */
	for (size_t k = 0; k < n; k++) {
		const struct mbox_msg *m = &s->msgs[del[k]];

		if (m->start > from && copy_range(o, mb, from, m->start, err) < 0)
			return -1;
		if (changes && changes[k].data &&
		    out_write(o, changes[k].data, changes[k].len, err) < 0)
			return -1;
		from = m->end;
	}
	mailbox_content(mb, &len);
	return copy_range(o, mb, from, len, err);
}

static int
rewrite_mbox(struct mailbox *mb, const size_t *del,
	     const struct message_change *changes, size_t n,
	     const struct writer_settings *ws, struct errbuf *err)
{
	struct temp t;
	struct out o;
	struct stat st;
	int src_fd, rc;

	if (stat(mailbox_path(mb), &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", mailbox_path(mb));
	if (temp_open(&t, mailbox_path(mb), err) < 0)
		return -1;
	if (out_open(&o, t.fd, mailbox_path(mb), mailbox_compression(mb) == MAILBOX_GZIP,
		     err) < 0)
		goto fail;
	if (!o.gzip)
		o.src_fd = open(mailbox_path(mb), O_RDONLY | O_CLOEXEC);
	src_fd = o.src_fd;
	rc = write_kept(&o, mb, del, changes, n, err);
	if (src_fd >= 0)
		close(src_fd);
	if (rc < 0 || out_finish(&o, err) < 0)
		goto fail;
	if (fchmod(t.fd, st.st_mode & 07777) < 0) {
		errbuf_errno(err, errno, "cannot set the mode of the new '%s'",
			     mailbox_path(mb));
		goto fail;
	}
	if (fchown(t.fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) {
		errbuf_errno(err, errno, "cannot set the owner of the new '%s'",
			     mailbox_path(mb));
		goto fail;
	}
	if (fsync(t.fd) < 0) {
		errbuf_errno(err, errno, "cannot fsync the new copy of '%s'",
			     mailbox_path(mb));
		goto fail;
	}
	/* Last look before the switch: nobody wrote to the original. */
	if (mailbox_check_unchanged(mb, err) < 0 ||
	    (ws && ws->backup_dir && backup(ws->backup_dir, mailbox_path(mb), err) < 0) ||
	    temp_name(&t, mailbox_path(mb), err) < 0)
		goto fail;
	if (renameat(t.dirfd, t.name, t.dirfd, base_of(mailbox_path(mb))) < 0) {
		errbuf_errno(err, errno, "cannot rename the new copy over '%s'",
			     mailbox_path(mb));
		goto fail;
	}
	t.name[0] = '\0';
	if (fsync(t.dirfd) < 0) {
		errbuf_errno(err, errno, "'%s' was replaced, but its directory "
			     "could not be fsynced", mailbox_path(mb));
		temp_abandon(&t);
		return -1;
	}
	temp_abandon(&t);
	return 0;
fail:
	if (o.gzip && o.zbuf) {
		deflateEnd(&o.zs);
		free(o.zbuf);
	}
	temp_abandon(&t);
	return -1;
}

/* ---- files: Maildir and single messages -------------------------------- */

static int
unlink_message(const char *path, const struct writer_settings *ws,
	       struct errbuf *err)
{
	if (ws && ws->backup_dir && backup(ws->backup_dir, path, err) < 0)
		return -1;
	if (unlink(path) < 0)
		return errbuf_errno(err, errno, "cannot remove '%s'", path);
	return fsync_dir_of(path, err);
}

/* A redacted message file replaced atomically, mode kept. */
static int
replace_message(const char *path, const struct message_change *ch,
		const struct writer_settings *ws, struct errbuf *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", path);
	if (ws && ws->backup_dir && backup(ws->backup_dir, path, err) < 0)
		return -1;
	return file_replace(path, st.st_mode & 07777, ch->data, ch->len, err);
}

static int
change_file(const char *path, const struct message_change *ch,
	    const struct writer_settings *ws, struct errbuf *err)
{
	return ch && ch->data ? replace_message(path, ch, ws, err)
		: unlink_message(path, ws, err);
}

static int
change_files(struct mailbox *mb, const size_t *del,
	     const struct message_change *changes, size_t n,
	     const struct writer_settings *ws, struct errbuf *err)
{
	if (mailbox_kind(mb) == MAILBOX_SINGLE) {
		if (mailbox_check_unchanged(mb, err) < 0)
			return -1;
		return change_file(mailbox_path(mb), changes, ws, err);
	}
	for (size_t k = 0; k < n; k++) {
		char *path = mailbox_file_of(mb, del[k]);
		int rc = change_file(path, changes ? &changes[k] : NULL, ws, err);

		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
writer_apply(struct mailbox *mb, const size_t *indices,
	     const struct message_change *changes, size_t n,
	     const struct writer_settings *ws, struct errbuf *err)
{
	if (n == 0)
		return 0;
	switch (mailbox_kind(mb)) {
	case MAILBOX_MBOX:
		if (mailbox_check_unchanged(mb, err) < 0)
			return -1;
		return rewrite_mbox(mb, indices, changes, n, ws, err);
	case MAILBOX_MAILDIR:
	case MAILBOX_SINGLE:
		return change_files(mb, indices, changes, n, ws, err);
	case MAILBOX_NOT_MAIL:
		return errbuf_set(err, "'%s' is not mail: listscrub never "
				  "changes it", mailbox_path(mb));
	case MAILBOX_UNKNOWN:
		break;
	}
	return errbuf_set(err, "'%s' was not loaded", mailbox_path(mb));
}
