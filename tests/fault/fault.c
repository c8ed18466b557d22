/* fault.c -- an LD_PRELOAD library that makes one system call of the
 * program under test fail, or kills the program just before it, so that
 * tests can stop a run at any write and look at what it left.
 *
 *   LISTSCRUB_FAULT=OP:MATCH:N[:kill|:flip|:pause|:eio|:enospc|:short]
 *
 * OP is open (for writing), write, fsync (or fdatasync), rename, unlink,
 * ftruncate, link or mkdir, or "any" for every one of those kinds; MATCH a
 * part of the path the call is about (for a descriptor, the file it is
 * open on; for rename, either name), "*" for any path; N counts the
 * matching calls from 1.  The Nth fails with EIO (ENOSPC for write), or
 * with the error ":eio" or ":enospc" names; with ":short" a write (only a
 * write is counted then) writes half of its bytes, and returns that count,
 * as a full disk or a signal may make it do; with ":kill"
 * the process is killed with SIGKILL before it is made; with ":flip" (a
 * write) it is made with one bit of its first byte flipped (":flip=K":
 * of its byte K, when it has one), as a bad disk or a bug would; with ":pause" it waits, before it is made, while the
 * file LISTSCRUB_FAULT_PAUSE (which it creates) exists.
 *
 *   LISTSCRUB_FAULT_TRACE=FILE
 *
 * appends "OP PATH" for every call of those kinds, so that a test can
 * count the points at which a run can be stopped.
 *
 * Only the calls a program makes through the dynamic symbol are seen
 * (its own, zlib's); that is where listscrub writes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static struct {
	int loaded;
	char op[16];
	char match[256];
	long at;
	enum { FAIL, KILL, FLIP, PAUSE, SHORT } how;
	int err;		/* the error of FAIL, 0 for the kind's own */
	long seen;
	size_t flip_at;
	char trace[512];
} fault;

static void
load(void)
{
	const char *spec = getenv("LISTSCRUB_FAULT");
	const char *trace = getenv("LISTSCRUB_FAULT_TRACE");
	char buf[512], *op, *match, *n, *how;

	if (fault.loaded)
		return;
	fault.loaded = 1;
	if (trace)
		snprintf(fault.trace, sizeof fault.trace, "%s", trace);
	if (spec == NULL)
		return;
	snprintf(buf, sizeof buf, "%s", spec);
	op = strtok(buf, ":");
	match = strtok(NULL, ":");
	n = strtok(NULL, ":");
	how = strtok(NULL, ":");
	if (op == NULL || match == NULL || n == NULL)
		return;
	snprintf(fault.op, sizeof fault.op, "%s", op);
	snprintf(fault.match, sizeof fault.match, "%s", match);
	fault.at = strtol(n, NULL, 10);
	if (how && strncmp(how, "flip=", 5) == 0)
		fault.flip_at = strtoul(how + 5, NULL, 10);
	fault.how = how == NULL ? FAIL : strcmp(how, "kill") == 0 ? KILL
		: strncmp(how, "flip", 4) == 0 ? FLIP
		: strcmp(how, "pause") == 0 ? PAUSE
		: strcmp(how, "short") == 0 ? SHORT : FAIL;
	fault.err = how == NULL ? 0 : strcmp(how, "eio") == 0 ? EIO
		: strcmp(how, "enospc") == 0 ? ENOSPC : 0;
}

/* Whether OP on PATH (or PATH2) is one the spec counts. */
static int
counted(const char *op, const char *path, const char *path2)
{
	if (fault.how == SHORT && strcmp(op, "write") != 0)
		return 0;
	if (strcmp(fault.op, "any") != 0 && strcmp(op, fault.op) != 0)
		return 0;
	return strcmp(fault.match, "*") == 0 || strstr(path, fault.match) ||
	       (path2 && strstr(path2, fault.match));
}

/* Fail a call: errno is the spec's error, else the kind's own DEF. */
static int
failed(int def)
{
	errno = fault.err ? fault.err : def;
	return -1;
}

static void
fd_path(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	out[n < 0 ? 0 : n] = '\0';
}

static void
trace(const char *op, const char *path)
{
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	ssize_t (*real_write)(int, const void *, size_t) =
		dlsym(RTLD_NEXT, "write");
	char line[1024];
	int fd, n;

	if (fault.trace[0] == '\0' || strstr(path, fault.trace))
		return;
	fd = real_open(fault.trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		       0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof line, "%s %s\n", op, path);
	(void)real_write(fd, line, (size_t)n);
	close(fd);
}

/* Wait while the pause file exists (created here, removed by the test). */
static void
pause_here(void)
{
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	const char *file = getenv("LISTSCRUB_FAULT_PAUSE");
	int fd;

	if (file == NULL)
		return;
	fd = real_open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	while (access(file, F_OK) == 0)
		usleep(20000);
}

/* What to do with this call: 0 make it, 1 fail it, 2 flip a bit of it,
 * 3 make it short.  (It does not return when the process is to be
 * killed.) */
static int
hit(const char *op, const char *path, const char *path2)
{
	load();
	trace(op, path);
	if (fault.at <= 0 || !counted(op, path, path2))
		return 0;
	if (++fault.seen != fault.at)
		return 0;
	switch (fault.how) {
	case KILL:
		kill(getpid(), SIGKILL);
		return 1;
	case PAUSE:
		pause_here();
		return 0;
	case FLIP:
		return 2;
	case SHORT:
		return 3;
	default:
		return 1;
	}
}

/* A write with one bit of its first byte flipped. */
static ssize_t
flipped(ssize_t (*real)(int, const void *, size_t, off_t), int fd,
	const void *buf, size_t len, off_t off)
{
	unsigned char *copy = malloc(len ? len : 1);
	ssize_t n;

	if (copy == NULL)
		return -1;
	memcpy(copy, buf, len);
	if (len)
		copy[fault.flip_at < len ? fault.flip_at : 0] ^= 0x20;
	n = real(fd, copy, len, off);
	free(copy);
	return n;
}

static ssize_t
write_at_end(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t (*real)(int, const void *, size_t) = dlsym(RTLD_NEXT, "write");

	(void)off;
	return real(fd, buf, len);
}

static int
hit_fd(const char *op, int fd)
{
	char path[4096];

	fd_path(fd, path, sizeof path);
	return hit(op, path, NULL);
}

#define REAL(name) \
	static __typeof__(&name) real; \
	if (real == NULL) \
		real = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static int
writes(int flags)
{
	return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

int
open(const char *path, int flags, ...)
{
	REAL(open);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (writes(flags) && hit("open", path, NULL))
		return failed(EIO);
	return real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	REAL(open64);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (writes(flags) && hit("open", path, NULL))
		return failed(EIO);
	return real(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	REAL(openat);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (writes(flags) && hit("open", path, NULL))
		return failed(EIO);
	return real(dirfd, path, flags, mode);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(write);

	int h = fd > 2 ? hit_fd("write", fd) : 0;

	if (h == 2)
		return flipped(write_at_end, fd, buf, len, 0);
	if (h == 3)
		return real(fd, buf, len > 1 ? len / 2 : len);
	if (h)
		return failed(ENOSPC);
	return real(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);
	int h = hit_fd("write", fd);

	if (h == 2)
		return flipped(real, fd, buf, len, off);
	if (h == 3)
		return real(fd, buf, len > 1 ? len / 2 : len, off);
	if (h)
		return failed(ENOSPC);
	return real(fd, buf, len, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite64);
	int h = hit_fd("write", fd);

	if (h == 2)
		return flipped(real, fd, buf, len, off);
	if (h == 3)
		return real(fd, buf, len > 1 ? len / 2 : len, off);
	if (h)
		return failed(ENOSPC);
	return real(fd, buf, len, off);
}

int
fsync(int fd)
{
	REAL(fsync);

	if (hit_fd("fsync", fd))
		return failed(EIO);
	return real(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync);

	if (hit_fd("fsync", fd))
		return failed(EIO);
	return real(fd);
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);

	if (hit("mkdir", path, NULL))
		return failed(EIO);
	return real(path, mode);
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	REAL(mkdirat);

	if (hit("mkdir", path, NULL))
		return failed(EIO);
	return real(dirfd, path, mode);
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate);

	if (hit_fd("ftruncate", fd))
		return failed(EIO);
	return real(fd, len);
}

int
ftruncate64(int fd, off_t len)
{
	REAL(ftruncate64);

	if (hit_fd("ftruncate", fd))
		return failed(EIO);
	return real(fd, len);
}

int
rename(const char *from, const char *to)
{
	REAL(rename);

	if (hit("rename", to, from))
		return failed(EIO);
	return real(from, to);
}

int
renameat(int fromdir, const char *from, int todir, const char *to)
{
	REAL(renameat);

	if (hit("rename", to, from))
		return failed(EIO);
	return real(fromdir, from, todir, to);
}

int
unlink(const char *path)
{
	REAL(unlink);

	if (hit("unlink", path, NULL))
		return failed(EIO);
	return real(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	REAL(unlinkat);

	if (hit("unlink", path, NULL))
		return failed(EIO);
	return real(dirfd, path, flags);
}

int
link(const char *from, const char *to)
{
	REAL(link);

	if (hit("link", to, from))
		return failed(EIO);
	return real(from, to);
}

int
linkat(int fromdir, const char *from, int todir, const char *to, int flags)
{
	REAL(linkat);

	if (hit("link", to, from))
		return failed(EIO);
	return real(fromdir, from, todir, to, flags);
}

/* A copy in the kernel is a write to its destination.  Flipping a bit of
 * it needs the bytes: they are read and written through a buffer. */
ssize_t
copy_file_range(int in, loff_t *in_off, int out, loff_t *out_off, size_t len,
		unsigned int flags)
{
	REAL(copy_file_range);
	int h = hit_fd("write", out);

	if (h == 1)
		return failed(ENOSPC);
	if (h == 3)
		return real(in, in_off, out, out_off, len > 1 ? len / 2 : len,
			    flags);
	if (h == 2) {
		unsigned char *buf = malloc(len ? len : 1);
		ssize_t got, put;

		if (buf == NULL)
			return -1;
		got = in_off ? pread(in, buf, len, *in_off) : read(in, buf, len);
		if (got <= 0) {
			free(buf);
			return got;
		}
		buf[fault.flip_at < (size_t)got ? fault.flip_at : 0] ^= 0x20;
		put = out_off ? pwrite(out, buf, (size_t)got, *out_off)
			: write(out, buf, (size_t)got);
		free(buf);
		if (put > 0 && in_off)
			*in_off += put;
		if (put > 0 && out_off)
			*out_off += put;
		return put;
	}
	return real(in, in_off, out, out_off, len, flags);
}
