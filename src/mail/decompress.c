/* decompress.c -- inflate a compressed file into a private temp, a
 * window at a time, within the caps. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/decompress.h"
#include "mail/limits.h"

#define IN_CHUNK  (256u << 10)
#define OUT_CHUNK (1u << 20)    /* a cap stops the inflating near it */
/* libarchive hands nothing of a block it fails in: smaller blocks say
 * more closely where a stream broke */
#define ARCHIVE_CHUNK (64u << 10)

static const struct {
	const char *name, *suffix, *check;
} formats[] = {
	[MAILBOX_PLAIN] = { "plain", "", "" },
	[MAILBOX_GZIP]  = { "gzip", ".gz", "gzip -t" },
	[MAILBOX_BZIP2] = { "bzip2", ".bz2", "bzip2 -t" },
	[MAILBOX_XZ]    = { "xz", ".xz", "xz -t" },
	[MAILBOX_LZMA]  = { "lzma", ".lzma", "xz -t" },
	[MAILBOX_ZSTD]  = { "zstd", ".zst", "zstd -t" },
};

/* Where the inflated bytes go, and what they cost so far. */
struct sink {
	int fd;
	const char *path;               /* the compressed file */
	const char *tmpdir;
	uint64_t insize, used;
	enum mailbox_compression c;
};

const char *
decompress_suffix(enum mailbox_compression c)
{
	return formats[c].suffix;
}

/* What the first bytes say.  .lzma has no real magic (properties and a
 * dictionary size): only a candidate, libarchive decides. */
static enum mailbox_compression
sniff(const unsigned char *p, size_t len)
{
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return MAILBOX_GZIP;
	if (len >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
		return MAILBOX_BZIP2;
	if (len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return MAILBOX_XZ;
	if (len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return MAILBOX_ZSTD;
	if (len >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return MAILBOX_LZMA;
	return MAILBOX_PLAIN;
}

/* An unlinked temp: O_TMPFILE where the file system has it, else a
 * name removed at once. */
static int
private_temp(const char *dir, struct errbuf *err)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR ||
		       errno == EINVAL)) {
		char *name = xasprintf("%s/.listscrub-inflate-XXXXXX", dir);

		fd = mkostemp(name, O_CLOEXEC);
		if (fd >= 0)
			unlink(name);
		free(name);
	}
	if (fd < 0)
		return errbuf_errno(err, errno, "cannot create a temp file in "
				    "'%s' (TMPDIR) to decompress into", dir);
	return fd;
}

static int
too_much(const struct sink *s, struct errbuf *err)
{
	const struct mail_limits *lim = mail_get_limits();
	bool size = s->used > lim->inflated_size;

	if (!size && !(s->used > MAIL_INFLATE_RATIO_FLOOR &&
		       s->used / (s->insize ? s->insize : 1) >=
		       lim->inflate_ratio))
		return 0;
	return errbuf_set(err, "'%s' inflates to more than %s (%llu MB of it "
			  "from %llu bytes): a decompression bomb, or an "
			  "archive too large for the caps; not read.  If it "
			  "is an archive, raise --max-inflated-size MB "
			  "(default %llu) or --max-inflate-ratio N (default "
			  "%u)", s->path, size ? "--max-inflated-size"
			  : "--max-inflate-ratio times its size",
			  (unsigned long long)(s->used >> 20),
			  (unsigned long long)s->insize,
			  (unsigned long long)(MAIL_DEFAULT_INFLATED_SIZE >> 20),
			  MAIL_DEFAULT_INFLATE_RATIO);
}

static int
sink_write(struct sink *s, const void *buf, size_t len, struct errbuf *err)
{
	const char *p = buf;

	s->used += len;
	if (too_much(s, err) < 0)
		return -1;
	while (s->fd >= 0 && len > 0) {
		ssize_t w = write(s->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == ENOSPC || errno == EDQUOT))
			return errbuf_set(err, "no room left in '%s' (TMPDIR) "
					  "to decompress '%s' into (%llu MB "
					  "of it written): it needs as much "
					  "free space as the file inflates "
					  "to; free some, or set TMPDIR to a "
					  "folder with more", s->tmpdir,
					  s->path, (unsigned long long)
					  (s->used >> 20));
		if (w <= 0)
			return errbuf_errno(err, w < 0 ? errno : EIO, "cannot "
					    "write to the temp file in '%s' "
					    "(TMPDIR) that '%s' is "
					    "decompressed into", s->tmpdir,
					    s->path);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
broken(const struct sink *s, const char *why, struct errbuf *err)
{
	return errbuf_set(err, "'%s' is not a complete %s file (%s, at "
			  "inflated offset %llu); check it with %s", s->path,
			  formats[s->c].name, why, (unsigned long long)s->used,
			  formats[s->c].check);
}

/* Refill zs from fd when it has used up its input; *eof_r at the end. */
static int
refill(z_stream *zs, int fd, unsigned char *in, bool *eof_r,
       const struct sink *s, struct errbuf *err)
{
	ssize_t n;

	if (zs->avail_in > 0 || *eof_r)
		return 0;
	do
		n = read(fd, in, IN_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", s->path);
	*eof_r = n == 0;
	zs->next_in = in;
	zs->avail_in = (uInt)n;
	return 0;
}

/* One gzip member after another, each checked (CRC, length) by zlib. */
static int
inflate_gzip(int fd, struct sink *s, struct errbuf *err)
{
	unsigned char *in = xmalloc(IN_CHUNK), *out = xmalloc(OUT_CHUNK);
	z_stream zs;
	bool eof = false;
	int rc = -1;

	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(in);
		free(out);
		return errbuf_set(err, "cannot start zlib for '%s'", s->path);
	}
	for (;;) {
		int zrc;

		if (refill(&zs, fd, in, &eof, s, err) < 0)
			break;
		zs.next_out = out;
		zs.avail_out = OUT_CHUNK;
		zrc = inflate(&zs, Z_NO_FLUSH);
		if (sink_write(s, out, OUT_CHUNK - zs.avail_out, err) < 0)
			break;
		if (zrc == Z_STREAM_END) {
			if (refill(&zs, fd, in, &eof, s, err) < 0)
				break;
			if (zs.avail_in == 0 && eof) {
				rc = 0;
				break;
			}
			inflateReset(&zs);      /* the next member */
			continue;
		}
		if (zrc == Z_BUF_ERROR && zs.avail_in == 0 && eof) {
			broken(s, "cut short", err);
			break;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			broken(s, zs.msg ? zs.msg : "zlib error", err);
			break;
		}
	}
	inflateEnd(&zs);
	free(in);
	free(out);
	return rc;
}

/* bzip2, xz, lzma, zstd: libarchive's filters under its raw format.
 * *c_r becomes MAILBOX_PLAIN when no filter took it after all. */
static int
inflate_archive(int fd, struct sink *s, enum mailbox_compression *c_r,
		struct errbuf *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *out = NULL;
	int rc = -1;

	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, fd, IN_CHUNK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		broken(s, archive_error_string(a) ? archive_error_string(a)
		       : "unreadable", err);
		goto done;
	}
	if (archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE) {
		*c_r = MAILBOX_PLAIN;
		rc = 0;
		goto done;
	}
	out = xmalloc(ARCHIVE_CHUNK);
	for (;;) {
		la_ssize_t n = archive_read_data(a, out, ARCHIVE_CHUNK);

		if (n == 0) {
			rc = 0;
			break;
		}
		if (n < 0) {
			broken(s, archive_error_string(a)
			       ? archive_error_string(a) : "unreadable", err);
			break;
		}
		if (sink_write(s, out, (size_t)n, err) < 0)
			break;
	}
done:
	free(out);
	archive_read_free(a);
	return rc;
}

int
decompress_open(int fd, const char *path, uint64_t insize,
		enum mailbox_compression *c_r, int *fd_r, uint64_t *len_r,
		struct errbuf *err)
{
	unsigned char head[8];
	ssize_t got = pread(fd, head, sizeof head, 0);
	const char *dir = getenv("TMPDIR");
	struct sink s = { .path = path, .insize = insize };
	int rc;

	*c_r = MAILBOX_PLAIN;
	*fd_r = -1;
	*len_r = 0;
	if (got < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	s.c = sniff(head, (size_t)got);
	if (s.c == MAILBOX_PLAIN)
		return 0;
	s.tmpdir = dir && *dir ? dir : "/tmp";
	if ((s.fd = private_temp(s.tmpdir, err)) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		rc = errbuf_errno(err, errno, "cannot read '%s'", path);
	else
		rc = s.c == MAILBOX_GZIP ? inflate_gzip(fd, &s, err)
			: inflate_archive(fd, &s, &s.c, err);
	if (rc < 0 || s.c == MAILBOX_PLAIN) {
		close(s.fd);
		return rc;
	}
	*c_r = s.c;
	*fd_r = s.fd;
	*len_r = s.used;
	return 0;
}

int
decompress_check(int fd, const char *path, uint64_t insize,
		 struct errbuf *err)
{
	unsigned char head[8];
	ssize_t got = pread(fd, head, sizeof head, 0);
	struct sink s = { .fd = -1, .path = path, .insize = insize,
			  .tmpdir = "" };

	if (got < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	if ((s.c = sniff(head, (size_t)got)) != MAILBOX_GZIP)
		return 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	return inflate_gzip(fd, &s, err);
}
