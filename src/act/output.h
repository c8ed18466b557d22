/* output.h -- the files the writer makes: a temp beside the original
 * (".NAME.listscrub-PID-N", so that a later run knows it for its own),
 * written plain or compressed, and backups of originals. */
#ifndef LISTSCRUB_OUTPUT_H
#define LISTSCRUB_OUTPUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mailbox.h"

struct errbuf;

/* A temp file beside path, open read-write. */
struct temp {
	int fd;
	int dirfd;                      /* its folder */
	char name[NAME_MAX + 1];        /* in that folder; "" once gone */
};

/* Create a new temp beside path (mode 0600).  -1 with err filled. */
int temp_create(struct temp *t, const char *path, struct errbuf *err);

/* fsync it, give it mode (and owner, where allowed) and close it. */
int temp_finish(struct temp *t, const char *path, unsigned int mode,
		unsigned int uid, unsigned int gid, struct errbuf *err);

/* Rename it over path, fsync the folder.  *made_r: the rename was
 * done, even when the fsync after it failed (then -1, err says so). */
int temp_commit(struct temp *t, const char *path, bool *made_r,
		struct errbuf *err);

/* What an error after a change was made says: the change stands (and
 * is recorded as made), but a crash may still undo it. */
#define NOT_DURABLE "the change is made and recorded as made, but may " \
	"not survive a crash: check the file system (the kernel log), " \
	"run sync, and after a crash run the same purge again"

/* Remove it (when it is still there) and close what is open. */
void temp_discard(struct temp *t);

/* "dir/name" of the temp; caller frees. */
char *temp_path(const struct temp *t, const char *path);

/* Remove what killed runs left beside path: temps whose process is gone,
 * and half-written journals (".NAME.listscrub-journal.tmp-*").  For a
 * caller that holds path's locks and has finished its pending journal,
 * if any.  *removed_r counts what went. */
int temp_sweep(const char *path, size_t *removed_r, struct errbuf *err);

/* Remove from dir the temps of killed runs, whatever file each was
 * for (a pipermail volume's pages); *removed_r is added to. */
int temp_sweep_folder(const char *dir, size_t *removed_r, struct errbuf *err);

/* A sink over a file descriptor: plain, or compressed as c says: gzip
 * through zlib (level 6, as gzip and Mailman's nightly_gzip write),
 * bzip2, xz, lzma and zstd through libarchive's raw format at their
 * tools' default levels (9, 6, 6, 3).  Over fd -1 it only counts: the
 * size a file would have (a plan). */
struct out;

/* caller owns: out_close */
struct out *out_open(int fd, const char *what, enum mailbox_compression c,
		     struct errbuf *err);
int out_write(struct out *o, const void *p, size_t len, struct errbuf *err);

/* Flush (the gzip trailer) and free; -1 when the flush failed. */
int out_close(struct out **o, struct errbuf *err);

/* The same, and *written_r the bytes the file holds (compressed). */
int out_finish(struct out **o, uint64_t *written_r, struct errbuf *err);

/* Keep the original at backup_dir/<path as given, without a leading />:
 * a hard link where link_ok and on the same file system, else a copy.
 * An existing backup with the same bytes is kept (a rerun); another one
 * is an error: backups are never overwritten.  *made_r (caller frees)
 * is the backup's path when this call made it, else NULL. */
int backup_file(const char *backup_dir, const char *path, bool link_ok,
		char **made_r, struct errbuf *err);

#endif
