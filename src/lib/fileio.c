/* fileio.c -- reading whole files; exclusive and atomic writes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

static int
read_fd(int fd, const char *path, bool regular_only,
	const struct stat *listed, char **data_r, size_t *len_r,
	struct errbuf *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, alloc = 0;

	if (fstat(fd, &st) < 0) {
		close(fd);
		return errbuf_errno(err, errno, "cannot stat '%s'", path);
	}
	if (regular_only && !S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(err, "'%s' is not a regular file (a FIFO, "
				  "socket or device)%s: not read", path,
				  listed ? ", though it was one when its "
				  "folder was listed" : "");
	}
	if (listed && (st.st_dev != listed->st_dev ||
		       st.st_ino != listed->st_ino ||
		       st.st_size != listed->st_size)) {
		close(fd);
		return errbuf_set(err, "'%s' changed between the listing of its "
				  "folder and its reading (another file, or "
				  "%lld bytes then, %lld now): not read; run "
				  "again once it is left alone", path,
				  (long long)listed->st_size,
				  (long long)st.st_size);
	}
	if (regular_only && fcntl(fd, F_SETFL, 0) < 0) {
		close(fd);
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	}
	/* The size is a hint: a pipe or /dev/stdin says 0, a file may grow;
	 * read to the end of file whatever it said. */
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		xgrow((void **)&buf, &alloc, (size_t)st.st_size + 1, 1);
	for (;;) {
		ssize_t r;

		xgrow((void **)&buf, &alloc, got + 65536 + 1, 1);
		r = read(fd, buf + got, alloc - got - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			free(buf);
			return errbuf_errno(err, e, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*data_r = buf;
	*len_r = got;
	return 0;
}

int
read_whole_file(const char *path, char **data_r, size_t *len_r,
		struct errbuf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	return read_fd(fd, path, false, NULL, data_r, len_r, err);
}

int
open_regular_nonblock(const char *path, bool follow)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
		    (follow ? 0 : O_NOFOLLOW));
}

int
read_regular_file(const char *path, char **data_r, size_t *len_r,
		  struct errbuf *err)
{
	int fd = open_regular_nonblock(path, true);

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	return read_fd(fd, path, true, NULL, data_r, len_r, err);
}

int
read_listed_file(const char *path, const struct stat *listed, char **data_r,
		 size_t *len_r, struct errbuf *err)
{
	/* a link swapped in after the listing is not followed */
	int fd = open_regular_nonblock(path, false);

	if (fd < 0 && errno == ELOOP)
		return errbuf_set(err, "'%s' is a symbolic link now (it was not "
				  "when its folder was listed): not followed",
				  path);
	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	return read_fd(fd, path, true, listed, data_r, len_r, err);
}

char *
path_dir(const char *path)
{
	char *copy = xstrdup(path), *d = xstrdup(dirname(copy));

	free(copy);
	return d;
}

int
make_parent_dirs(char *path, struct errbuf *err)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			int e = errno;

			*p = '/';
			return errbuf_errno(err, e, "cannot create '%s'", path);
		}
		*p = '/';
	}
	return 0;
}

int
fsync_dir_of(const char *path, struct errbuf *err)
{
	char *dir = path_dir(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = errbuf_errno(err, errno, "cannot fsync directory '%s'", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int
write_fd(int fd, const char *path, const void *data, size_t len,
	 struct errbuf *err)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errbuf_errno(err, errno, "cannot write '%s'", path);
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0)
		return errbuf_errno(err, errno, "cannot fsync '%s'", path);
	return 0;
}

int
file_create_new(const char *path, mode_t mode, const void *data, size_t len,
		struct errbuf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int rc;

	if (fd < 0 && errno == EEXIST)
		return errbuf_set(err, "'%s' exists already; it was left alone "
				  "(remove it first, or choose another name)",
				  path);
	if (fd < 0)
		return errbuf_errno(err, errno, "cannot create '%s'", path);
	rc = fchmod(fd, mode) < 0
		? errbuf_errno(err, errno, "cannot chmod '%s'", path)
		: write_fd(fd, path, data, len, err);
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc < 0 ? -1 : fsync_dir_of(path, err);
}

int
file_replace(const char *path, mode_t mode, const void *data, size_t len,
	     struct errbuf *err)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp), rc;

	if (fd < 0) {
		rc = errbuf_errno(err, errno, "cannot create a temp file "
				  "beside '%s'", path);
		free(tmp);
		return rc;
	}
	rc = fchmod(fd, mode) < 0
		? errbuf_errno(err, errno, "cannot chmod '%s'", tmp)
		: write_fd(fd, tmp, data, len, err);
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = errbuf_errno(err, errno, "cannot rename '%s' to '%s'",
				  tmp, path);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc < 0 ? -1 : fsync_dir_of(path, err);
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
dir_names(const char *dir, char ***names_r, size_t *n_r, struct errbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;

	if (d == NULL)
		return errbuf_errno(err, errno, "cannot open directory '%s'", dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xgrow((void **)&names, &alloc, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, compare_names);
	*names_r = names;
	*n_r = n;
	return 0;
}

void
dir_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

bool
file_same_identity(const struct stat *st, const struct stat *was)
{
	return st->st_dev == was->st_dev && st->st_ino == was->st_ino &&
		st->st_size == was->st_size &&
		st->st_mtim.tv_sec == was->st_mtim.tv_sec &&
		st->st_mtim.tv_nsec == was->st_mtim.tv_nsec;
}

/* LISTSCRUB_TOP_SRCDIR is the source tree as the build folder names it:
 * relative to it, or absolute when configure was run by an absolute path. */
char *
build_tree_path(const char *sub)
{
	char exe[PATH_MAX], *slash, *probe, *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	bool relative = LISTSCRUB_TOP_SRCDIR[0] != '/';
	struct stat st;
	bool built;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	probe = xasprintf("%s/config.status", exe);
	built = stat(probe, &st) == 0;
	free(probe);
	if (!built)
		return NULL;
	dir = xasprintf("%s%s%s/%s", relative ? exe : "", relative ? "/" : "",
			LISTSCRUB_TOP_SRCDIR, sub);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(dir);
		return NULL;
	}
	return dir;
}

const char *
shipped_folder(const char *env, const char *sub, const char *installed,
	       char **tree)
{
	const char *value = getenv(env);

	if (value && *value)
		return value;
	if (*tree == NULL)
		*tree = build_tree_path(sub);
	return *tree ? *tree : installed;
}
