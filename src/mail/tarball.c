/* tarball.c -- stage a tarball's members in a private folder, and name
 * them as "ARCHIVE//member". */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/decompress.h"
#include "mail/limits.h"
#include "mail/tarball.h"

#define STAGE_PREFIX "listscrub-stage-"
#define STAGE_LOCK ".lock"

struct tarball {
	char *path;             /* as walked */
	char *real;             /* resolved, to match recorded names */
	char *root;             /* staging folder, resolved */
	bool writable;
	char format[16];
	struct stat staged_as;  /* the file when it was staged */
	struct stat root_as;    /* its staging folder when made */
};

static struct tarball **staged;
static size_t n_staged, staged_alloc;
static char *stage_dir;         /* this process's, under $TMPDIR */
static int stage_lock_fd = -1;  /* its lock, held while it lives */

char *
tarball_member_name(const char *raw)
{
	char *name, *p;

	if (raw == NULL || raw[0] == '/' || raw[0] == '\0')
		return NULL;
	while (raw[0] == '.' && raw[1] == '/')
		raw += 2;
	name = xstrdup(raw);
	for (size_t n = strlen(name); n > 0 && name[n - 1] == '/'; n--)
		name[n - 1] = '\0';
	if (strcmp(name, ".") == 0)
		name[0] = '\0';
	if (name[0] == '\0')
		return name;            /* the root ("./", as tar -C DIR . has it) */
	for (p = name; *p; ) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			break;
		p += len;
		if (*p == '/')
			p++;
	}
	if (*p != '\0') {
		free(name);
		return NULL;
	}
	return name;
}

/* Does a symbolic link at member name, pointing at target, stay inside
 * the tarball?  Resolved by its components: the staged tree holds no
 * link that could bend the path. */
static bool
link_stays_inside(const char *name, const char *target)
{
	int depth = 0;

	if (target == NULL || target[0] == '/' || target[0] == '\0')
		return false;
	for (const char *p = name; (p = strchr(p, '/')) != NULL; p++)
		depth++;
	for (const char *p = target; *p; ) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (len > 0 && !(len == 1 && p[0] == '.'))
			depth++;
		if (depth < 0)
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

/* ---- staging ------------------------------------------------------------------ */

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 &&
		errno != ENOENT ? -1 : 0;
}

static void
remove_tree(const char *dir)
{
	(void)nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *
tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] == '/' ? t : "/tmp";
}

/* Is the staging folder at path a live run's?  Each run holds a lock on
 * its folder's STAGE_LOCK as long as it lives: a process id would not
 * do (another PID namespace sharing $TMPDIR, a process id reused).  A
 * folder without the lock file is one being made: left alone. */
static bool
stage_in_use(const char *path)
{
	char *lock = xasprintf("%s/" STAGE_LOCK, path);
	int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	bool used = fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0;

	if (fd >= 0)
		close(fd);
	free(lock);
	return used;
}

void
tarball_sweep_stale(void)
{
	DIR *d = opendir(tmp_dir());
	struct dirent *de;
	size_t plen = strlen(STAGE_PREFIX);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *path;

		if (strncmp(de->d_name, STAGE_PREFIX, plen) != 0)
			continue;
		path = xasprintf("%s/%s", tmp_dir(), de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == getuid() && !stage_in_use(path))
			remove_tree(path);
		free(path);
	}
	closedir(d);
}

void
tarball_unstage_all(void)
{
	for (size_t i = 0; i < n_staged; i++) {
		free(staged[i]->path);
		free(staged[i]->real);
		free(staged[i]->root);
		free(staged[i]);
	}
	free(staged);
	staged = NULL;
	n_staged = staged_alloc = 0;
	if (stage_dir)
		remove_tree(stage_dir);
	free(stage_dir);
	stage_dir = NULL;
	if (stage_lock_fd >= 0)
		close(stage_lock_fd);
	stage_lock_fd = -1;
}

static int
make_stage_dir(struct errbuf *err)
{
	char *templ, *lock;

	if (stage_dir)
		return 0;
	tarball_sweep_stale();
	templ = xasprintf("%s/" STAGE_PREFIX "%ld-XXXXXX", tmp_dir(),
			  (long)getpid());
	if (mkdtemp(templ) == NULL) {
		errbuf_format_errno(err, errno, "cannot make a staging folder "
				    "in '%s' for tarballs (set TMPDIR to a "
				    "folder with room)", tmp_dir());
		free(templ);
		return -1;
	}
	stage_dir = realpath(templ, NULL);
	free(templ);
	if (stage_dir == NULL)
		return errbuf_errno(err, errno, "cannot resolve the staging "
				    "folder");
	/* held until the process ends: the folder is in use (stage_in_use) */
	lock = xasprintf("%s/" STAGE_LOCK, stage_dir);
	stage_lock_fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
			     O_CLOEXEC, 0600);
	free(lock);
	if (stage_lock_fd < 0 || flock(stage_lock_fd, LOCK_EX | LOCK_NB) < 0)
		return errbuf_errno(err, errno, "cannot lock the staging "
				    "folder in '%s'", tmp_dir());
	atexit(tarball_unstage_all);
	return 0;
}

const char *
staging_folder(struct errbuf *err)
{
	return make_stage_dir(err) < 0 ? NULL : stage_dir;
}

/* Past the caps of mail/limits.h (as a .gz's inflated size is). */
static int
check_caps(const char *path, uint64_t used, uint64_t size, struct errbuf *err)
{
	const struct mail_limits *lim = mail_get_limits();

	if (used > lim->inflated_size ||
	    (used > MAIL_INFLATE_RATIO_FLOOR &&
	     used / (size ? size : 1) >= lim->inflate_ratio))
		return errbuf_set(err, "'%s' holds more than %s (%llu bytes "
				  "read): a decompression bomb, or a tarball "
				  "larger than this run may stage; if it is a "
				  "real archive, raise --max-inflated-size or "
				  "--max-inflate-ratio", path,
				  used > lim->inflated_size
				  ? "--max-inflated-size"
				  : "--max-inflate-ratio times its size",
				  (unsigned long long)used);
	return 0;
}

struct stage_state {
	const char *path;
	const char *root;
	uint64_t size, used;
};

static int
stage_data(struct stage_state *s, struct archive *a, const char *file,
	   struct archive_entry *e, struct errbuf *err)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	const void *buf;
	size_t len;
	la_int64_t off;
	/* a member's size is counted whole before its data: a sparse one
	 * of a few blocks may stand for terabytes of staged file */
	bool sized = archive_entry_size_is_set(e);
	int rc = ARCHIVE_EOF, out = 0;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot stage '%s//%s'",
				    s->path, file + strlen(s->root) + 1);
	if (sized) {
		s->used += (uint64_t)archive_entry_size(e);
		out = check_caps(s->path, s->used, s->size, err);
	}
	while (out == 0 &&
	       (rc = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (!sized) {
			s->used += len;
			if ((out = check_caps(s->path, s->used, s->size,
					      err)) < 0)
				break;
		}
		if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len) {
			out = errbuf_errno(err, errno, "cannot stage '%s' in "
					   "'%s'", s->path, tmp_dir());
			break;
		}
	}
	if (out == 0 && rc != ARCHIVE_EOF)
		out = errbuf_set(err, "'%s' cannot be read past member '%s': "
				 "%s (check it with tar -t)", s->path,
				 file + strlen(s->root) + 1,
				 archive_error_string(a));
	/* a sparse member's holes at its end */
	if (out == 0 && sized && ftruncate(fd, archive_entry_size(e)) < 0)
		out = errbuf_errno(err, errno, "cannot stage '%s'", s->path);
	if (out == 0) {
		struct timespec ts[2] = {
			{ archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
			{ archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
		};
		(void)futimens(fd, ts);
	}
	close(fd);
	return out;
}

static int
refuse(const struct stage_state *s, const char *raw, const char *why,
       struct errbuf *err)
{
	return errbuf_set(err, "'%s' is refused: member '%s' %s; nothing in "
			  "it is read or changed (extract it by hand and "
			  "check it)", s->path, raw, why);
}

/* Does a folder on the way to name, under root, exist as a symbolic link
 * (a member staged before)?  A member created through one could land
 * anywhere: "a/up -> .." then "a/up/a/up/x/...". */
static bool
through_link(const char *root, const char *name)
{
	char *path = xasprintf("%s/%s", root, name);
	char *p = path + strlen(root) + 1, *slash;
	bool link = false;

	while (!link && (slash = strchr(p, '/')) != NULL) {
		struct stat st;

		*slash = '\0';
		link = lstat(path, &st) == 0 && !S_ISDIR(st.st_mode);
		*slash = '/';
		p = slash + 1;
	}
	free(path);
	return link;
}

static int
stage_entry(struct stage_state *s, struct archive *a, struct archive_entry *e,
	    struct errbuf *err)
{
	const char *raw = archive_entry_pathname(e);
	char *name = tarball_member_name(raw), *file, *target_name = NULL;
	mode_t type = archive_entry_filetype(e);
	const char *hard = archive_entry_hardlink(e);
	int rc = 0;

	if (name == NULL)
		return refuse(s, raw ? raw : "", "has an absolute name, an "
			      "empty one or a \"..\" component", err);
	if (name[0] == '\0') {         /* the root: a folder, or refused */
		free(name);
		return type == AE_IFDIR && hard == NULL ? 0
			: refuse(s, raw, "is not a folder but names the root",
				 err);
	}
	file = xasprintf("%s/%s", s->root, name);
	if (hard)
		target_name = tarball_member_name(hard);
	if (through_link(s->root, name) ||
	    (target_name && through_link(s->root, target_name)))
		rc = refuse(s, raw, "lies through a symbolic link member", err);
	else if (make_parent_dirs(file, err) < 0)
		rc = -1;
	else if (hard) {
		if (target_name == NULL || target_name[0] == '\0')
			rc = refuse(s, raw, "is a hard link out of it", err);
		else {
			char *target = xasprintf("%s/%s", s->root, target_name);

			if (link(target, file) < 0)
				rc = errno == EEXIST
					? refuse(s, raw, "is given twice", err)
					: refuse(s, raw, "is a hard link to no "
						 "member before it", err);
			free(target);
		}
	} else if (type == AE_IFREG) {
		struct stat st;

		rc = lstat(file, &st) == 0
			? refuse(s, raw, "is given twice", err)
			: stage_data(s, a, file, e, err);
	}
	else if (type == AE_IFDIR) {
		if (mkdir(file, 0700) < 0 && errno != EEXIST)
			rc = errbuf_errno(err, errno, "cannot stage '%s'",
					  s->path);
	} else if (type == AE_IFLNK) {
		if (!link_stays_inside(name, archive_entry_symlink(e)))
			rc = refuse(s, raw, "is a symbolic link out of it", err);
		else if (symlink(archive_entry_symlink(e), file) < 0)
			rc = errno == EEXIST
				? refuse(s, raw, "is given twice", err)
				: errbuf_errno(err, errno, "cannot stage '%s'",
					       s->path);
	}
	/* FIFOs and devices are not staged: written back as they were */
	free(target_name);
	free(file);
	free(name);
	return rc;
}

static void
name_format(struct tarball *tb, struct archive *a)
{
	const char *ext = "";

	switch (archive_filter_code(a, 0)) {
	case ARCHIVE_FILTER_GZIP:  ext = ".gz"; break;
	case ARCHIVE_FILTER_BZIP2: ext = ".bz2"; break;
	case ARCHIVE_FILTER_XZ:    ext = ".xz"; break;
	case ARCHIVE_FILTER_LZMA:  ext = ".lzma"; break;
	case ARCHIVE_FILTER_ZSTD:  ext = ".zst"; break;
	default: break;
	}
	tb->writable = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
		ARCHIVE_FORMAT_TAR;
	snprintf(tb->format, sizeof tb->format, "%s%s",
		 tb->writable ? "tar" : "zip", ext);
}

/* libarchive's gzip reader checks no CRC: zlib reads a .tar.gz once
 * first, so that a corrupt one is never staged nor written back. */
static int
check_gzip(const char *path, struct errbuf *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc;
	struct stat st;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	rc = fstat(fd, &st) < 0
		? errbuf_errno(err, errno, "cannot stat '%s'", path)
		: decompress_check(fd, path, (uint64_t)st.st_size, err);
	close(fd);
	return rc;
}

const struct tarball *
tarball_stage(const char *path, struct errbuf *err)
{
	struct stage_state s = { .path = path };
	struct tarball *tb;
	struct archive *a;
	struct archive_entry *e;
	struct stat st = { 0 };
	int rc = 0, hrc;

	if (make_stage_dir(err) < 0 || check_gzip(path, err) < 0 ||
	    (a = tarball_open_reader(path, err)) == NULL)
		return NULL;
	tb = xcalloc(1, sizeof *tb);
	tb->path = xstrdup(path);
	tb->real = realpath(path, NULL);
	tb->root = xasprintf("%s/%zu", stage_dir, n_staged);
	s.root = tb->root;
	s.size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	tb->staged_as = st;
	if (tb->real == NULL || mkdir(tb->root, 0700) < 0 ||
	    lstat(tb->root, &tb->root_as) < 0)
		rc = errbuf_errno(err, errno, "cannot stage '%s'", path);
	while (rc == 0 && (hrc = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (hrc < ARCHIVE_WARN)
			rc = errbuf_set(err, "'%s' cannot be read: %s (check it "
					"with tar -t)", path,
					archive_error_string(a));
		else
			rc = stage_entry(&s, a, e, err);
	}
	if (rc == 0)
		name_format(tb, a);
	archive_read_free(a);
	if (rc < 0) {
		remove_tree(tb->root);
		free(tb->path);
		free(tb->real);
		free(tb->root);
		free(tb);
		return NULL;
	}
	xgrow((void **)&staged, &staged_alloc, n_staged + 1, sizeof *staged);
	staged[n_staged++] = tb;
	return tb;
}

/* ---- names -------------------------------------------------------------------- */

const char *tarball_path(const struct tarball *tb) { return tb->path; }
const char *tarball_root(const struct tarball *tb) { return tb->root; }
bool tarball_writable(const struct tarball *tb) { return tb->writable; }
const char *tarball_format_name(const struct tarball *tb) { return tb->format; }
size_t tarball_count(void) { return n_staged; }
const struct tarball *tarball_at(size_t i) { return staged[i]; }

/* Does path lie under dir (or is it dir)?  The rest after it, or NULL. */
static const char *
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path[n] == '/' ? path + n + 1 : path + n;
}

const struct tarball *
tarball_of_staged(const char *path)
{
	for (size_t i = 0; i < n_staged; i++)
		if (under(path, staged[i]->root))
			return staged[i];
	return NULL;
}

const struct tarball *
tarball_of_file(const char *path)
{
	char *real = realpath(path, NULL);
	const struct tarball *tb = NULL;

	for (size_t i = 0; real && i < n_staged && tb == NULL; i++)
		if (strcmp(staged[i]->real, real) == 0)
			tb = staged[i];
	free(real);
	return tb;
}

char *
tarball_shown(const char *path)
{
	const struct tarball *tb = tarball_of_staged(path);

	return tb ? xasprintf("%s//%s", tb->path, under(path, tb->root)) : NULL;
}

char *
tarball_shown_text(const char *text)
{
	char *out = xstrdup(text);

	for (size_t i = 0; i < n_staged; i++) {
		const char *root = staged[i]->root, *at;
		size_t n = strlen(root);

		for (size_t from = 0; (at = strstr(out + from, root)) != NULL; ) {
			const char *rest = at + n;
			size_t pos = (size_t)(at - out);
			char *next;

			/* ".../1" is not the start of ".../10/..." */
			if (*rest != '/' && *rest != '\0') {
				from = pos + n;
				continue;
			}
			next = xasprintf("%.*s%s%s%s", (int)pos, out,
					 staged[i]->path, *rest == '/' ? "/" : "",
					 rest);
			from = pos + strlen(staged[i]->path);
			free(out);
			out = next;
		}
	}
	return out;
}

char *
tarball_staged_file(const char *shown)
{
	for (size_t i = 0; i < n_staged; i++) {
		const char *names[] = { staged[i]->path, staged[i]->real };

		for (size_t k = 0; k < 2; k++) {
			size_t n = strlen(names[k]);

			if (strncmp(shown, names[k], n) == 0 &&
			    shown[n] == '/' && shown[n + 1] == '/')
				return xasprintf("%s/%s", staged[i]->root,
						 shown + n + 2);
		}
	}
	return NULL;
}

int
tarball_check_unchanged(const struct tarball *tb, struct errbuf *err)
{
	struct stat st;
	const struct stat *was = &tb->staged_as;

	if (stat(tb->path, &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", tb->path);
	if (!file_same_identity(&st, was))
		return errbuf_set(err, "'%s' was changed by another program "
				  "while listscrub read it; nothing in it was "
				  "changed: run purge again", tb->path);
	/* a member missing from the staging folder is one this run removed:
	 * only while the folder is the one made for it */
	if (lstat(tb->root, &st) < 0 || st.st_dev != tb->root_as.st_dev ||
	    st.st_ino != tb->root_as.st_ino)
		return errbuf_set(err, "the staging folder of '%s' in '%s' was "
				  "removed by another program; nothing in it "
				  "was changed: run purge again", tb->path,
				  tmp_dir());
	return 0;
}
