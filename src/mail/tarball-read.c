/* tarball-read.c -- a tarball read through libarchive: telling one by
 * its content, and its members streamed in order (for listings and the
 * read-back of a new copy). */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/tarball.h"

#define READ_BLOCK (64u << 10)

struct archive *
tarball_open_reader(const char *path, struct errbuf *err)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		out_of_memory(0);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, path, READ_BLOCK) != ARCHIVE_OK) {
		errbuf_format(err, "cannot read '%s' as a tarball: %s", path,
			      archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The magic numbers that may begin a tarball, so that not every file of
 * a tree is handed to libarchive. */
static bool
may_be_tarball(const unsigned char *p, size_t n)
{
	static const struct { const char *magic; size_t at, len; } m[] = {
		{ "\x1f\x8b", 0, 2 }, { "BZh", 0, 3 },
		{ "\xfd" "7zXZ\0", 0, 6 }, { "\x28\xb5\x2f\xfd", 0, 4 },
		{ "\x5d\0\0", 0, 3 }, { "PK\x03\x04", 0, 4 },
		{ "PK\x05\x06", 0, 4 }, { "ustar", 257, 5 },
	};

	for (size_t i = 0; i < sizeof m / sizeof *m; i++)
		if (n >= m[i].at + m[i].len &&
		    memcmp(p + m[i].at, m[i].magic, m[i].len) == 0)
			return true;
	return false;
}

int
tarball_sniff(const char *path, struct errbuf *err)
{
	unsigned char head[512];
	struct archive *a;
	struct archive_entry *e;
	ssize_t n;
	/* the walk decided whether to follow a link (a PATH given is) */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	n = read(fd, head, sizeof head);
	close(fd);
	if (n < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	if (!may_be_tarball(head, (size_t)n))
		return 0;
	if ((a = tarball_open_reader(path, NULL)) == NULL)
		return 0;
	rc = archive_read_next_header(a, &e);
	/* an empty tar is a tarball too (of nothing) */
	rc = rc == ARCHIVE_OK || (rc == ARCHIVE_EOF && archive_format(a) != 0);
	archive_read_free(a);
	return rc;
}

/* ---- members, streamed -------------------------------------------------------- */

int
tarball_each_member(const char *path, tarball_member_fn on_member, void *ctx,
		    struct errbuf *err)
{
	struct archive *a = tarball_open_reader(path, err);
	struct archive_entry *e;
	int rc = 0, hrc;

	if (a == NULL)
		return -1;
	while (rc == 0 && (hrc = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		char *name;
		const void *buf;
		size_t len;
		la_int64_t off;
		int drc = ARCHIVE_EOF;

		if (hrc < ARCHIVE_WARN) {
			rc = errbuf_set(err, "'%s' cannot be read: %s", path,
					archive_error_string(a));
			break;
		}
		/* a hard link's type is that of its target, or none */
		if (archive_entry_filetype(e) != AE_IFREG &&
		    archive_entry_hardlink(e) == NULL)
			continue;
		name = tarball_member_name(archive_entry_pathname(e));
		if (name == NULL || name[0] == '\0') {
			free(name);
			rc = errbuf_set(err, "'%s' has a member with an unsafe "
					"name", path);
			break;
		}
		if (archive_entry_hardlink(e) != NULL) {
			char *to = tarball_member_name(archive_entry_hardlink(e));

			rc = to ? on_member(ctx, name, to, NULL, 0)
				: errbuf_set(err, "'%s' has a hard link out of "
					     "it", path);
			free(to);
			free(name);
			continue;
		}
		rc = on_member(ctx, name, NULL, NULL, 0);
		while (rc == 0 && (drc = archive_read_data_block(a, &buf, &len,
								  &off)) == ARCHIVE_OK)
			rc = on_member(ctx, name, NULL, buf, len);
		if (rc == 0 && drc != ARCHIVE_EOF)
			rc = errbuf_set(err, "'%s' cannot be read past member "
					"'%s': %s", path, name,
					archive_error_string(a));
		free(name);
	}
	archive_read_free(a);
	return rc;
}
