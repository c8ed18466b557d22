/* journal.c -- in-place rewrite of an mbox, and its recovery. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/journal.h"
#include "act/output.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

#define JOURNAL_MAGIC "listscrub-journal 2"
/* before temp_start: the temp was always a whole copy */
#define JOURNAL_MAGIC_1 "listscrub-journal 1"
#define COPY_CHUNK (8u << 20)

/* ".NAME.listscrub-journal" beside path; caller frees. */
static char *
journal_path(const char *path)
{
	char *dir = path_dir(path), *out;
	const char *slash = strrchr(path, '/');

	out = xasprintf("%s/.%s.listscrub-journal", dir, slash ? slash + 1 : path);
	free(dir);
	return out;
}

static char *
in_folder_of(const char *path, const char *name)
{
	char *dir = path_dir(path), *out = xasprintf("%s/%s", dir, name);

	free(dir);
	return out;
}

static int
write_journal(const char *path, const struct journal *j, struct errbuf *err)
{
	char hex[2 * DIGEST_LEN + 1], *text, *jp = journal_path(path);
	int rc;

	hex_format(hex, j->new_file, DIGEST_LEN);
	text = xasprintf(JOURNAL_MAGIC "\npid %ld\nold_size %" PRIu64
			 "\nnew_size %" PRIu64 "\nfirst %" PRIu64
			 "\nnew_file %s\ntemp %s\ntemp_start %" PRIu64 "\n",
			 (long)getpid(), j->old_size, j->new_size, j->first,
			 hex, j->temp, j->temp_start);
	rc = file_replace(jp, 0600, text, strlen(text), err);
	free(text);
	free(jp);
	return rc;
}

static int
read_journal(const char *path, struct journal *j, struct errbuf *err)
{
	char *jp = journal_path(path), *text, hex[2 * DIGEST_LEN + 1];
	size_t len;
	long pid;
	int rc = 0;

	if (read_whole_file(jp, &text, &len, err) < 0) {
		free(jp);
		return -1;
	}
	memset(j, 0, sizeof *j);
	/* both magics have the same length; version 1 has no temp_start */
	if (strncmp(text, JOURNAL_MAGIC "\n", sizeof JOURNAL_MAGIC) == 0) {
		if (sscanf(text + sizeof JOURNAL_MAGIC, "pid %ld\nold_size %"
			   SCNu64 "\nnew_size %" SCNu64 "\nfirst %" SCNu64
			   "\nnew_file %64s\ntemp %255s\ntemp_start %" SCNu64,
			   &pid, &j->old_size, &j->new_size, &j->first, hex,
			   j->temp, &j->temp_start) != 7)
			rc = -1;
	} else if (strncmp(text, JOURNAL_MAGIC_1 "\n",
			   sizeof JOURNAL_MAGIC_1) != 0 ||
		   sscanf(text + sizeof JOURNAL_MAGIC_1, "pid %ld\nold_size %"
			  SCNu64 "\nnew_size %" SCNu64 "\nfirst %" SCNu64
			  "\nnew_file %64s\ntemp %255s", &pid, &j->old_size,
			  &j->new_size, &j->first, hex, j->temp) != 6)
		rc = -1;
	if (rc == 0) {
		char tagged[DIGEST_TEXT_SIZE];

		snprintf(tagged, sizeof tagged, "sha256:%s", hex);
		if (!digest_parse(tagged, "sha256", j->new_file) ||
		    strchr(j->temp, '/') || j->first > j->old_size ||
		    j->first > j->new_size || j->temp_start > j->first)
			rc = -1;
	}
	if (rc < 0)
		errbuf_format(err, "'%s' is not a journal listscrub can trust; "
			      "finish by hand: compare the mbox with its backup",
			      jp);
	free(text);
	free(jp);
	return rc;
}

bool
journal_pending(const char *path)
{
	char *jp = journal_path(path);
	bool yes = access(jp, F_OK) == 0;

	free(jp);
	return yes;
}

/* to[to_off, ...) = from[from_off, from_off + n): in the kernel where it
 * can, else through a buffer. */
static int
copy_between(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t n,
	     const char *what, struct errbuf *err)
{
	char *buf = NULL;

	while (n > 0) {
		loff_t in = (loff_t)from_off, out = (loff_t)to_off;
		ssize_t got = copy_file_range(from, &in, to, &out,
					      n > COPY_CHUNK ? COPY_CHUNK : n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EXDEV || errno == ENOSYS ||
				errno == EOPNOTSUPP || errno == EINVAL)) {
			size_t chunk = n > COPY_CHUNK ? COPY_CHUNK : n;

			if (buf == NULL)
				buf = xmalloc(COPY_CHUNK);
			got = pread(from, buf, chunk, (off_t)from_off);
			if (got > 0 && pwrite(to, buf, (size_t)got,
					       (off_t)to_off) != got)
				got = -1;
		}
		if (got <= 0) {
			int e = got < 0 ? errno : EIO;

			free(buf);
			return errbuf_errno(err, e, "cannot copy the new copy into "
					    "'%s'", what);
		}
		from_off += (uint64_t)got;
		to_off += (uint64_t)got;
		n -= (uint64_t)got;
	}
	free(buf);
	return 0;
}

/* The copy itself: from the temp into fd, then the new length. */
static int
copy_in(int fd, const char *path, const struct journal *j, struct errbuf *err)
{
	char *temp = in_folder_of(path, j->temp);
	int tfd = open(temp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	if (tfd < 0) {
		rc = errbuf_errno(err, errno, "cannot open the new copy '%s'",
				  temp);
		free(temp);
		return rc;
	}
	rc = copy_between(tfd, j->first - j->temp_start, fd, j->first,
			  j->new_size - j->first, path, err);
	close(tfd);
	free(temp);
	if (rc == 0 && ftruncate(fd, (off_t)j->new_size) < 0)
		rc = errbuf_errno(err, errno, "cannot set the new length of '%s'",
				  path);
	if (rc == 0 && fsync(fd) < 0)
		rc = errbuf_errno(err, errno, "cannot fsync '%s'", path);
	return rc;
}

/* The journal and the temp go, once the mbox holds the new copy. */
static int
drop_journal(const char *path, const struct journal *j, struct errbuf *err)
{
	char *jp = journal_path(path), *temp = in_folder_of(path, j->temp);
	int rc = 0;

	if (unlink(temp) < 0 && errno != ENOENT)
		rc = errbuf_errno(err, errno, "cannot remove '%s'", temp);
	if (rc == 0 && unlink(jp) < 0)
		rc = errbuf_errno(err, errno, "cannot remove '%s'", jp);
	if (rc == 0)
		rc = fsync_dir_of(path, err);
	free(jp);
	free(temp);
	return rc;
}

static bool is_new_copy(int fd, const char *path, const struct journal *j);

int
journal_commit(int fd, const char *path, const struct journal *j,
	       bool *made_r, struct errbuf *err)
{
	struct errbuf why;

	*made_r = false;
	if (write_journal(path, j, err) < 0)
		return -1;
	if (copy_in(fd, path, j, err) < 0) {
		/* cut at its last fsync: the bytes may all be in already */
		*made_r = is_new_copy(fd, path, j);
		return -1;
	}
	*made_r = true;
	if (drop_journal(path, j, &why) < 0)
		return errbuf_set(err, "'%s' holds its new copy, but %s: "
				  NOT_DURABLE, path, why.msg);
	return 0;
}

/* Add fd's bytes [from, to) to s. */
static int
stream_fd(struct sha256_stream *s, int fd, uint64_t from, uint64_t to,
	  const char *what, struct errbuf *err)
{
	char *buf = xmalloc(COPY_CHUNK);
	uint64_t at = from;
	int rc = 0;

	while (at < to) {
		ssize_t got = pread(fd, buf, to - at > COPY_CHUNK ? COPY_CHUNK
				    : to - at, (off_t)at);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = errbuf_errno(err, got < 0 ? errno : EIO,
					  "cannot read '%s'", what);
			break;
		}
		sha256_stream_update(s, buf, (size_t)got);
		at += (uint64_t)got;
	}
	free(buf);
	return rc;
}

/* SHA-256 of fd's bytes [0, size). */
static int
digest_of_fd(int fd, uint64_t size, unsigned char out[DIGEST_LEN],
	     const char *what, struct errbuf *err)
{
	struct sha256_stream *s = sha256_stream_new();
	int rc = stream_fd(s, fd, 0, size, what, err);

	sha256_stream_final(s, out);
	sha256_stream_free(&s);
	return rc;
}

/* Is the temp the new copy from temp_start on: the mbox's bytes before
 * it, then the temp's, make the new file's digest? */
static bool
temp_is_new_copy(int fd, const char *path, int tfd, const char *temp,
		 const struct journal *j, struct errbuf *err)
{
	struct sha256_stream *s = sha256_stream_new();
	unsigned char d[DIGEST_LEN];
	struct stat tst;
	bool ok = fstat(tfd, &tst) == 0 &&
		(uint64_t)tst.st_size == j->new_size - j->temp_start &&
		stream_fd(s, fd, 0, j->temp_start, path, err) == 0 &&
		stream_fd(s, tfd, 0, j->new_size - j->temp_start, temp,
			  err) == 0;

	sha256_stream_final(s, d);
	sha256_stream_free(&s);
	return ok && memcmp(d, j->new_file, DIGEST_LEN) == 0;
}

/* Is the file the new copy already, whole? */
static bool
is_new_copy(int fd, const char *path, const struct journal *j)
{
	unsigned char d[DIGEST_LEN];
	struct errbuf ignored;
	struct stat st;

	return fstat(fd, &st) == 0 && (uint64_t)st.st_size == j->new_size &&
		digest_of_fd(fd, j->new_size, d, path, &ignored) == 0 &&
		memcmp(d, j->new_file, DIGEST_LEN) == 0;
}

int
journal_recover(int fd, const char *path, bool *recovered_r,
		struct errbuf *err)
{
	unsigned char d[DIGEST_LEN];
	struct journal j;
	struct stat st;
	char *temp;
	int tfd, rc;

	*recovered_r = false;
	if (!journal_pending(path))
		return 0;
	if (read_journal(path, &j, err) < 0)
		return -1;
	if (is_new_copy(fd, path, &j)) {
		/* killed after the copy, while cleaning up */
		rc = drop_journal(path, &j, err);
		*recovered_r = rc == 0;
		return rc;
	}
	temp = in_folder_of(path, j.temp);
	tfd = open(temp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (tfd < 0 || !temp_is_new_copy(fd, path, tfd, temp, &j, err)) {
		rc = errbuf_set(err, "an interrupted rewrite of '%s' cannot be "
				"finished: its new copy '%s' is missing or not "
				"the one the journal names; restore the mbox from "
				"its backup", path, temp);
		goto out;
	}
	/* The copy explains these sizes only: anything else means that
	 * someone wrote to the file since, without its locks. */
	if (fstat(fd, &st) < 0 ||
	    ((uint64_t)st.st_size != j.old_size &&
	     (uint64_t)st.st_size != j.new_size &&
	     !(j.new_size > j.old_size && (uint64_t)st.st_size > j.old_size &&
	       (uint64_t)st.st_size < j.new_size))) {
		rc = errbuf_set(err, "an interrupted rewrite of '%s' cannot be "
				"finished safely: the file is %lld bytes, which "
				"the copy does not explain (written to since, "
				"without its locks?); nothing was touched: "
				"compare it with the new copy '%s' and the "
				"journal by hand", path, (long long)st.st_size,
				temp);
		goto out;
	}
	rc = copy_in(fd, path, &j, err);
	if (rc == 0 && (digest_of_fd(fd, j.new_size, d, path, err) < 0 ||
			memcmp(d, j.new_file, DIGEST_LEN) != 0))
		rc = errbuf_set(err, "'%s' is not the new copy after finishing "
				"an interrupted rewrite; the journal stays: "
				"restore the mbox from its backup", path);
	if (rc == 0)
		rc = drop_journal(path, &j, err);
	*recovered_r = rc == 0;
out:
	if (tfd >= 0)
		close(tfd);
	free(temp);
	return rc;
}
