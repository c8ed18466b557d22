/* tarball-write.c -- a staged tarball written back member by member. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/tarball-write.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/tarball.h"

#define COPY_BLOCK (256u << 10)

/* The format to write: GNU tar as it was; any other tar as restricted
 * pax (ustar headers, pax ones for the members that need them).  The
 * reader knows only the first header's: a pax archive whose first
 * member needs no pax header reads as ustar, and writing ustar would
 * lose the long names and pax data of later members. */
static int
write_format(struct archive *r)
{
	int f = archive_format(r);

	return (f & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR &&
		f != ARCHIVE_FORMAT_TAR_GNUTAR
		? ARCHIVE_FORMAT_TAR_PAX_RESTRICTED : f;
}

/* A writer in the reader's format and compression, onto fd. */
static struct archive *
writer_like(struct archive *r, int fd, const char *path, struct errbuf *err)
{
	struct archive *w = archive_write_new();
	int filters = archive_filter_count(r);

	if (w == NULL)
		out_of_memory(0);
	/* the last of the reader's filters is the file itself */
	for (int i = 0; i + 1 < filters; i++)
		if (archive_write_add_filter(w, archive_filter_code(r, i)) !=
		    ARCHIVE_OK)
			goto fail;
	if (archive_write_set_format(w, write_format(r)) != ARCHIVE_OK ||
	    archive_write_open_fd(w, fd) != ARCHIVE_OK)
		goto fail;
	return w;
fail:
	errbuf_format(err, "cannot write '%s' back in its format: %s", path,
		      archive_error_string(w));
	archive_write_free(w);
	return NULL;
}

/* The staged file's content as the member's data. */
static int
copy_staged(struct archive *w, const char *file, uint64_t size,
	    const char *path, struct errbuf *err)
{
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *buf;
	uint64_t done = 0;
	int rc = 0;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot read the staged member "
				    "'%s' of '%s'", file, path);
	buf = xmalloc(COPY_BLOCK);
	while (rc == 0 && done < size) {
		ssize_t n = read(fd, buf, COPY_BLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = errbuf_errno(err, n < 0 ? errno : EIO, "cannot read "
					  "the staged member '%s' of '%s'",
					  file, path);
		else if (archive_write_data(w, buf, (size_t)n) != n)
			rc = errbuf_set(err, "cannot write the new copy of "
					"'%s': %s", path,
					archive_error_string(w));
		else
			done += (uint64_t)n;
	}
	free(buf);
	close(fd);
	return rc;
}

/* The original member's data, as it is. */
static int
copy_original(struct archive *r, struct archive *w, const char *path,
	      struct errbuf *err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int rc;

	while ((rc = archive_read_data_block(r, &buf, &len, &off)) == ARCHIVE_OK)
		if (archive_write_data(w, buf, len) != (la_ssize_t)len)
			return errbuf_set(err, "cannot write the new copy of "
					  "'%s': %s", path,
					  archive_error_string(w));
	if (rc != ARCHIVE_EOF)
		return errbuf_set(err, "cannot read '%s': %s", path,
				  archive_error_string(r));
	return 0;
}

static bool
same_bytes(const char *a, const char *b)
{
	int fa = open(a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int fb = open(b, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *x = xmalloc(COPY_BLOCK), *y = xmalloc(COPY_BLOCK);
	bool same = fa >= 0 && fb >= 0;

	while (same) {
		ssize_t n = read(fa, x, COPY_BLOCK), m;

		if (n <= 0) {
			same = n == 0 && read(fb, y, 1) == 0;
			break;
		}
		m = read(fb, y, (size_t)n);
		same = m == n && memcmp(x, y, (size_t)n) == 0;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	free(x);
	free(y);
	return same;
}

/* A staged hard link file and the staged member it links to: still one
 * file (1), two files with the same bytes (0: each is written with its
 * content), or parted with other bytes, or its target gone (-1: this
 * run changed one name of a file and not the other, and writing the
 * other would keep what the run removed). */
static int
link_state(const struct tarball *tb, const char *file, const char *to_raw,
	   const struct stat *st)
{
	char *to = tarball_member_name(to_raw), *to_file;
	struct stat tst;
	int state = -1;

	if (to == NULL)
		return -1;
	to_file = xasprintf("%s/%s", tarball_root(tb), to);
	if (lstat(to_file, &tst) == 0)
		state = tst.st_dev == st->st_dev && tst.st_ino == st->st_ino ? 1
			: same_bytes(file, to_file) ? 0 : -1;
	free(to_file);
	free(to);
	return state;
}

/* A regular member, or a hard link to one: its staged file's content
 * under the original header, or left out when this run removed it.  A
 * hard link whose target went or changed apart from it becomes a
 * regular member with its own content. */
static int
copy_file_member(const struct tarball *tb, struct archive *w,
		 struct archive_entry *e, struct tarball_copy *c,
		 struct errbuf *err)
{
	const char *path = tarball_path(tb), *link = archive_entry_hardlink(e);
	char *name = tarball_member_name(archive_entry_pathname(e)), *file;
	struct archive_entry *out;
	struct stat st;
	int rc = 0;

	if (name == NULL || name[0] == '\0') {
		free(name);
		return errbuf_set(err, "'%s' has a member with an unsafe name: "
				  "not written back", path);
	}
	file = xasprintf("%s/%s", tarball_root(tb), name);
	free(name);
	if (lstat(file, &st) < 0) {
		if (errno == ENOENT)
			c->left_out++;          /* removed by this run */
		else
			rc = errbuf_errno(err, errno, "cannot stat the staged "
					  "'%s'", file);
		free(file);
		return rc;
	}
	if (link) {
		int state = link_state(tb, file, link, &st);

		if (state < 0)
			rc = errbuf_set(err, "'%s': members '%s' and '%s' are "
					"one file (a hard link), and this run "
					"changed one of them only: not written "
					"back; extract it, purge the folder and "
					"pack it again",
					path, archive_entry_pathname(e), link);
		else if (state == 1 && archive_write_header(w, e) != ARCHIVE_OK)
			rc = errbuf_set(err, "cannot write the new copy of "
					"'%s': %s", path, archive_error_string(w));
		if (state != 0) {       /* refused, or still a link */
			free(file);
			return rc;
		}
	}
	out = archive_entry_clone(e);
	archive_entry_set_hardlink(out, NULL);
	archive_entry_set_filetype(out, AE_IFREG);      /* a link has none */
	archive_entry_set_size(out, st.st_size);
	archive_entry_sparse_clear(out);        /* written whole */
	c->written++;
	if (archive_write_header(w, out) != ARCHIVE_OK)
		rc = errbuf_set(err, "cannot write the new copy of '%s': %s",
				path, archive_error_string(w));
	else
		rc = copy_staged(w, file, (uint64_t)st.st_size, path, err);
	archive_entry_free(out);
	free(file);
	return rc;
}

static int
copy_member(const struct tarball *tb, struct archive *r, struct archive *w,
	    struct archive_entry *e, struct tarball_copy *c, struct errbuf *err)
{
	if (archive_entry_filetype(e) == AE_IFREG ||
	    archive_entry_hardlink(e) != NULL)
		return copy_file_member(tb, w, e, c, err);
	/* folders, symbolic links, devices: as they were */
	if (archive_write_header(w, e) != ARCHIVE_OK)
		return errbuf_set(err, "cannot write the new copy of '%s': %s",
				  tarball_path(tb), archive_error_string(w));
	return copy_original(r, w, tarball_path(tb), err);
}

/* ---- read back ---------------------------------------------------------------- */

struct read_back {
	const struct tarball *tb;
	int fd;                         /* the staged file of this member */
	char *buf;
	size_t members;
	bool differs;
};

static int
compare_member(void *ctx, const char *name, const char *hardlink_to,
	       const void *data, size_t len)
{
	struct read_back *rb = ctx;

	if (hardlink_to)                /* kept only where still linked */
		return 0;
	if (data == NULL) {             /* a member begins */
		char *file = xasprintf("%s/%s", tarball_root(rb->tb), name);

		if (rb->fd >= 0)
			close(rb->fd);
		rb->fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		free(file);
		rb->members++;
		rb->differs |= rb->fd < 0;
		return rb->differs;
	}
	for (size_t done = 0; done < len; ) {
		ssize_t n = read(rb->fd, rb->buf, len - done > COPY_BLOCK
				 ? COPY_BLOCK : len - done);

		if (n <= 0 || memcmp(rb->buf, (const char *)data + done,
				     (size_t)n) != 0) {
			rb->differs = true;
			return 1;
		}
		done += (size_t)n;
	}
	return 0;
}

static int
read_back(const struct tarball *tb, const char *temp, size_t members,
	  struct errbuf *err)
{
	struct read_back rb = { .tb = tb, .fd = -1, .buf = xmalloc(COPY_BLOCK) };
	int rc = tarball_each_member(temp, compare_member, &rb, err);

	if (rb.fd >= 0)
		close(rb.fd);
	free(rb.buf);
	if (rc < 0)
		return -1;
	if (rc > 0 || rb.differs || rb.members != members)
		return errbuf_set(err, "the new copy of '%s' does not read back "
				  "as written (a failing disk or a file system "
				  "that lies?); nothing was changed",
				  tarball_path(tb));
	return 0;
}

/* ---- the copy ------------------------------------------------------------------ */

int
tarball_copy_possible(const struct tarball *tb, struct errbuf *err)
{
	if (tb == NULL || tarball_writable(tb))
		return 0;
	return errbuf_set(err, "'%s' is a %s archive, which listscrub reads "
			  "but does not write: extract it, purge the folder and "
			  "pack it again", tarball_path(tb),
			  tarball_format_name(tb));
}

int
tarball_copy_write(const struct tarball *tb, struct tarball_copy *c,
		   struct errbuf *err)
{
	const char *path = tarball_path(tb);
	struct archive *r, *w = NULL;
	struct archive_entry *e;
	struct stat st;
	char *temp;
	int rc = 0, hrc;

	memset(c, 0, sizeof *c);
	c->temp.fd = -1;
	if (tarball_copy_possible(tb, err) < 0 ||
	    tarball_check_unchanged(tb, err) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", path);
	if (sha256_of_file(path, c->before, &c->size_before, err) < 0 ||
	    (r = tarball_open_reader(path, err)) == NULL)
		return -1;
	if (temp_create(&c->temp, path, err) < 0) {
		archive_read_free(r);
		return -1;
	}
	while (rc == 0 && (hrc = archive_read_next_header(r, &e)) != ARCHIVE_EOF) {
		if (hrc < ARCHIVE_WARN)
			rc = errbuf_set(err, "cannot read '%s': %s", path,
					archive_error_string(r));
		else if (w == NULL &&
			 (w = writer_like(r, c->temp.fd, path, err)) == NULL)
			rc = -1;
		else
			rc = copy_member(tb, r, w, e, c, err);
	}
	if (w && archive_write_close(w) != ARCHIVE_OK && rc == 0)
		rc = errbuf_set(err, "cannot write the new copy of '%s': %s",
				path, archive_error_string(w));
	if (w)
		archive_write_free(w);
	archive_read_free(r);
	if (rc == 0)
		rc = temp_finish(&c->temp, path, st.st_mode, st.st_uid,
				 st.st_gid, err);
	temp = temp_path(&c->temp, path);
	if (rc == 0)
		rc = read_back(tb, temp, c->written, err);
	if (rc == 0)
		rc = sha256_of_file(temp, c->after, &c->size_after, err);
	free(temp);
	if (rc < 0)
		temp_discard(&c->temp);
	return rc;
}

int
tarball_copy_commit(const struct tarball *tb, struct tarball_copy *c,
		    bool *made_r, struct errbuf *err)
{
	return temp_commit(&c->temp, tarball_path(tb), made_r, err);
}

void
tarball_copy_discard(struct tarball_copy *c)
{
	temp_discard(&c->temp);
}
