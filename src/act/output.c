/* output.c -- temps beside originals, plain or compressed output, backups. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>
#include <zlib.h>

#include "act/output.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"

#define WRITE_CHUNK (8u << 20)
#define GZIP_LEVEL 6
/* The other compressions at their command-line tools' default levels
 * (libarchive's filter option "compression-level"). */
static const struct {
	int (*add)(struct archive *);
	const char *level;
} packers[] = {
	[MAILBOX_BZIP2] = { archive_write_add_filter_bzip2, "9" },
	[MAILBOX_XZ]    = { archive_write_add_filter_xz, "6" },
	[MAILBOX_LZMA]  = { archive_write_add_filter_lzma, "6" },
	[MAILBOX_ZSTD]  = { archive_write_add_filter_zstd, "3" },
};

static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ---- temps --------------------------------------------------------------- */

int
temp_create(struct temp *t, const char *path, struct errbuf *err)
{
	char *dir = path_dir(path);

	memset(t, 0, sizeof *t);
	t->fd = -1;
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		errbuf_format_errno(err, errno, "cannot open directory '%s'", dir);
		free(dir);
		return -1;
	}
	for (int attempt = 0; t->fd < 0 && attempt < 100; attempt++) {
		snprintf(t->name, sizeof t->name, ".%.200s.listscrub-%ld-%d",
			 base_of(path), (long)getpid(), attempt);
		t->fd = openat(t->dirfd, t->name,
			       O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (t->fd < 0 && errno != EEXIST)
			break;
	}
	if (t->fd < 0) {
		errbuf_format_errno(err, errno, "cannot create a temp file in '%s'",
				    dir);
		close(t->dirfd);
		t->dirfd = -1;
		t->name[0] = '\0';
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

int
temp_finish(struct temp *t, const char *path, unsigned int mode,
	    unsigned int uid, unsigned int gid, struct errbuf *err)
{
	int rc = 0;

	if (fchmod(t->fd, (mode_t)mode & 07777) < 0)
		rc = errbuf_errno(err, errno, "cannot set the mode of the new "
				  "'%s'", path);
	else if (fchown(t->fd, (uid_t)uid, (gid_t)gid) < 0 && errno != EPERM)
		rc = errbuf_errno(err, errno, "cannot set the owner of the new "
				  "'%s'", path);
	else if (fsync(t->fd) < 0)
		rc = errbuf_errno(err, errno, "cannot fsync the new copy of "
				  "'%s'", path);
	if (close(t->fd) < 0 && rc == 0)
		rc = errbuf_errno(err, errno, "cannot write the new copy of "
				  "'%s'", path);
	t->fd = -1;
	return rc;
}

int
temp_commit(struct temp *t, const char *path, bool *made_r,
	    struct errbuf *err)
{
	*made_r = false;
	if (renameat(t->dirfd, t->name, t->dirfd, base_of(path)) < 0)
		return errbuf_errno(err, errno, "cannot rename the new copy "
				    "over '%s'", path);
	/* from here on the change is made, durable or not */
	t->name[0] = '\0';
	*made_r = true;
	if (fsync(t->dirfd) < 0)
		return errbuf_errno(err, errno, "'%s' was replaced, but its "
				    "directory could not be fsynced: "
				    NOT_DURABLE, path);
	return 0;
}

void
temp_discard(struct temp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->dirfd >= 0 && t->name[0])
		unlinkat(t->dirfd, t->name, 0);
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->fd = t->dirfd = -1;
	t->name[0] = '\0';
}

char *
temp_path(const struct temp *t, const char *path)
{
	char *dir = path_dir(path), *out = xasprintf("%s/%s", dir, t->name);

	free(dir);
	return out;
}

/* Is name (in path's folder) something a killed run left?  Temps are
 * ".NAME.listscrub-PID-N", the journal's own temp
 * ".NAME.listscrub-journal.tmp-XXXXXX"; the journal itself is not. */
static bool
is_left_over(const char *name, const char *base)
{
	size_t blen = strlen(base);
	const char *rest;
	char *end;
	long pid;

	if (name[0] != '.' || strncmp(name + 1, base, blen) != 0 ||
	    strncmp(name + 1 + blen, ".listscrub-", 11) != 0)
		return false;
	rest = name + 1 + blen + 11;
	if (strncmp(rest, "journal.tmp-", 12) == 0)
		return true;
	pid = strtol(rest, &end, 10);
	if (end == rest || *end != '-' || pid <= 0 || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Is name the temp of a dotlock (liblockfile's ".lkPPPPPXHOST": PID, a
 * hex digit, this host's name up to its first dot) whose process is
 * gone?  Left when a run is killed between creating it and linking it to
 * NAME.lock. */
static bool
is_dead_lock_temp(const char *name)
{
	char host[256], *dot, *end;
	size_t hlen, nlen = strlen(name);
	long pid;

	if (strncmp(name, ".lk", 3) != 0 || gethostname(host, sizeof host) < 0)
		return false;
	host[sizeof host - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	hlen = strlen(host);
	/* at least five digits of PID and the hex digit before the host */
	if (nlen < 3 + 5 + 1 + hlen || strcmp(name + nlen - hlen, host) != 0)
		return false;
	{
		char digits[32];
		size_t dlen = nlen - hlen - 1 - 3;

		if (dlen >= sizeof digits)
			return false;
		memcpy(digits, name + 3, dlen);
		digits[dlen] = '\0';
		pid = strtol(digits, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == (long)getpid())
			return false;
	}
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Is name a temp of a killed run, whatever file it was for? */
static bool
is_dead_temp(const char *name)
{
	const char *at = name[0] == '.' ? strstr(name, ".listscrub-") : NULL;
	char *end;
	long pid;

	if (!at || at == name)
		return false;
	pid = strtol(at + 11, &end, 10);
	if (end == at + 11 || *end != '-' || pid <= 0 || pid == (long)getpid())
		return false;
	strtol(end + 1, &end, 10);
	return *end == '\0' && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Remove from dir what killed runs left: beside base, or (base NULL)
 * beside any file. */
static int
sweep_dir(const char *dir, const char *base, size_t *removed_r,
	  struct errbuf *err)
{
	char **names;
	size_t n;

	if (dir_names(dir, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *p;

		if (!(base ? is_left_over(names[i], base) ||
		      is_dead_lock_temp(names[i]) : is_dead_temp(names[i])))
			continue;
		p = xasprintf("%s/%s", dir, names[i]);
		if (unlink(p) == 0)
			(*removed_r)++;
		free(p);
	}
	dir_names_free(names, n);
	return 0;
}

int
temp_sweep_folder(const char *dir, size_t *removed_r, struct errbuf *err)
{
	return sweep_dir(dir, NULL, removed_r, err);
}

int
temp_sweep(const char *path, size_t *removed_r, struct errbuf *err)
{
	char *dir = path_dir(path);
	int rc;

	*removed_r = 0;
	rc = sweep_dir(dir, base_of(path), removed_r, err);
	free(dir);
	return rc;
}

/* ---- plain or compressed ----------------------------------------------------- */

struct out {
	int fd;                         /* -1: only count */
	uint64_t written;
	const char *what;
	enum mailbox_compression c;
	z_stream zs;                    /* MAILBOX_GZIP */
	unsigned char *zbuf;
	struct archive *a;              /* the others */
	struct errbuf *err;             /* of the write under way, for pack_out */
	bool write_failed;              /* pack_out filled err */
};

static int
write_all(int fd, const char *p, size_t len, const char *what,
	  struct errbuf *err)
{
	if (fd < 0)
		return 0;
	while (len > 0) {
		ssize_t w = write(fd, p, len > WRITE_CHUNK ? WRITE_CHUNK : len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errbuf_errno(err, w < 0 ? errno : EIO, "cannot "
					    "write the new copy of '%s'", what);
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
					  o->what);
		if (write_all(o->fd, (char *)o->zbuf,
			      WRITE_CHUNK - o->zs.avail_out, o->what, err) < 0)
			return -1;
		o->written += WRITE_CHUNK - o->zs.avail_out;
	} while (o->zs.avail_out == 0 ||
		 (flush == Z_FINISH && zrc != Z_STREAM_END));
	return 0;
}

/* libarchive's output: counted, and written unless only counting. */
static la_ssize_t
pack_out(struct archive *a, void *ctx, const void *p, size_t len)
{
	struct out *o = ctx;
	struct errbuf mine;

	if (write_all(o->fd, p, len, o->what, o->err ? o->err : &mine) < 0) {
		o->write_failed = true;
		archive_set_error(a, EIO, "write failed");
		return -1;
	}
	o->written += len;
	return (la_ssize_t)len;
}

/* A raw archive of one entry: the compressed stream and nothing else. */
static int
pack_open(struct out *o, struct errbuf *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	o->a = archive_write_new();
	o->err = err;
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "data");
	/* no padding of the last block: the file ends where the stream does */
	rc = packers[o->c].add(o->a) != ARCHIVE_OK ||
		archive_write_set_filter_option(o->a, NULL, "compression-level",
						packers[o->c].level) != ARCHIVE_OK ||
		archive_write_set_format_raw(o->a) != ARCHIVE_OK ||
		archive_write_set_bytes_in_last_block(o->a, 1) != ARCHIVE_OK ||
		archive_write_open2(o->a, o, NULL, pack_out, NULL, NULL)
		!= ARCHIVE_OK ||
		archive_write_header(o->a, e) != ARCHIVE_OK ? -1 : 0;
	archive_entry_free(e);
	if (rc < 0 && !o->write_failed)
		errbuf_format(err, "cannot start compressing '%s' (%s)", o->what,
			      archive_error_string(o->a)
			      ? archive_error_string(o->a) : "libarchive");
	return rc;
}

struct out *
out_open(int fd, const char *what, enum mailbox_compression c,
	 struct errbuf *err)
{
	struct out *o = xcalloc(1, sizeof *o);

	o->fd = fd;
	o->what = what;
	o->c = c;
	if (c == MAILBOX_PLAIN)
		return o;
	if (c != MAILBOX_GZIP) {
		if (pack_open(o, err) == 0)
			return o;
		archive_write_free(o->a);
		free(o);
		return NULL;
	}
	if (deflateInit2(&o->zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(o);
		errbuf_format(err, "cannot start zlib for '%s'", what);
		return NULL;
	}
	o->zbuf = xmalloc(WRITE_CHUNK);
	return o;
}

static int
pack_write(struct out *o, const char *p, size_t len, struct errbuf *err)
{
	o->err = err;
	while (len > 0) {
		la_ssize_t w = archive_write_data(o->a, p, len);

		if (w <= 0) {
			if (!o->write_failed)
				errbuf_format(err, "cannot compress the new copy "
					      "of '%s' (%s)", o->what,
					      archive_error_string(o->a)
					      ? archive_error_string(o->a)
					      : "libarchive");
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
out_write(struct out *o, const void *data, size_t len, struct errbuf *err)
{
	const char *p = data;

	if (o->c == MAILBOX_PLAIN) {
		o->written += len;
		return write_all(o->fd, p, len, o->what, err);
	}
	if (o->c != MAILBOX_GZIP)
		return pack_write(o, p, len, err);
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

int
out_close(struct out **op, struct errbuf *err)
{
	return out_finish(op, NULL, err);
}

int
out_finish(struct out **op, uint64_t *written_r, struct errbuf *err)
{
	struct out *o = *op;
	int rc = 0;

	if (o == NULL)
		return 0;
	if (o->c == MAILBOX_GZIP) {
		rc = err || written_r ? deflate_some(o, Z_FINISH, err) : 0;
		deflateEnd(&o->zs);
		free(o->zbuf);
	} else if (o->a) {
		/* closing flushes the trailer; a discarded one is only freed */
		o->err = err;
		if ((err || written_r) &&
		    archive_write_close(o->a) != ARCHIVE_OK) {
			if (!o->write_failed)
				errbuf_format(err, "cannot finish the new copy "
					      "of '%s' (%s)", o->what,
					      archive_error_string(o->a)
					      ? archive_error_string(o->a)
					      : "libarchive");
			rc = -1;
		}
		archive_write_free(o->a);
	}
	if (written_r)
		*written_r = o->written;
	free(o);
	*op = NULL;
	return rc;
}

/* ---- backups ------------------------------------------------------------------ */

static int
copy_file(const char *from, const char *to, struct errbuf *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	struct stat st;
	int rc = 0;

	if (in < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", from);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return errbuf_errno(err, errno, "cannot create backup '%s'", to);
	}
	if (fstat(in, &st) < 0)
		rc = errbuf_errno(err, errno, "cannot stat '%s'", from);
	for (off_t done = 0; rc == 0 && done < st.st_size;) {
		char buf[65536];
		ssize_t got = copy_file_range(in, NULL, out, NULL,
					      (size_t)(st.st_size - done), 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {         /* another file system: by hand */
			got = read(in, buf, sizeof buf);
			if (got > 0 && write_all(out, buf, (size_t)got, to,
						 err) < 0)
				rc = -1;
		}
		if (rc == 0 && got <= 0)
			rc = errbuf_errno(err, got < 0 ? errno : EIO,
					  "cannot copy '%s' to '%s'", from, to);
		done += got > 0 ? got : 0;
	}
	if (rc == 0 && fsync(out) < 0)
		rc = errbuf_errno(err, errno, "cannot fsync backup '%s'", to);
	close(in);
	close(out);
	if (rc < 0)
		unlink(to);
	return rc;
}

static bool
same_bytes(const char *a, const char *b)
{
	char *x, *y;
	size_t lx, ly;
	bool same;

	if (read_whole_file(a, &x, &lx, NULL) < 0)
		return false;
	if (read_whole_file(b, &y, &ly, NULL) < 0) {
		free(x);
		return false;
	}
	same = lx == ly && memcmp(x, y, lx) == 0;
	free(x);
	free(y);
	return same;
}

static bool
has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

int
backup_file(const char *backup_dir, const char *path, bool link_ok,
	    char **made_r, struct errbuf *err)
{
	/* a path with ".." in it is kept at its real absolute path: no
	 * backup lands outside backup_dir */
	char *real = has_dotdot(path) ? realpath(path, NULL) : NULL;
	const char *rel = real ? real : path;
	char *target;
	int rc = 0;

	*made_r = NULL;
	if (has_dotdot(rel))
		return errbuf_errno(err, errno, "cannot resolve '%s' for its "
				    "backup", path);
	while (*rel == '/')
		rel++;
	target = xasprintf("%s/%s", backup_dir, rel);
	free(real);
	if (make_parent_dirs(target, err) < 0) {
		free(target);
		return -1;
	}
	if (access(target, F_OK) == 0) {
		if (!same_bytes(path, target))
			rc = errbuf_set(err, "backup '%s' already exists; choose "
					"another --backup-dir", target);
		free(target);
		return rc;
	}
	if (!link_ok || link(path, target) < 0)
		rc = !link_ok || errno == EXDEV || errno == EPERM
			? copy_file(path, target, err)
			: errbuf_errno(err, errno, "cannot keep a backup of "
				       "'%s' in '%s'", path, target);
	if (rc == 0 && fsync_dir_of(target, err) < 0)
		rc = -1;
	if (rc == 0)
		*made_r = target;
	else
		free(target);
	return rc;
}
