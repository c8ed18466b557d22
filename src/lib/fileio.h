/* fileio.h -- whole-file reads and the careful writes every output of
 * listscrub goes through: a key is created once and never overwritten;
 * any other file is replaced atomically (temp beside it, fsync, rename,
 * fsync of the directory), so a crash leaves the old file or the new. */
#ifndef LISTSCRUB_FILEIO_H
#define LISTSCRUB_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct errbuf;

/* sub (a folder of the source tree, "rules") for a program run from its
 * build folder, which holds config.status (an installed one never
 * does); NULL otherwise or when it is not there.  Caller owns. */
char *build_tree_path(const char *sub);

/* A folder listscrub ships (rules, the HyperKitty app): $env when set,
 * else the source tree's sub for a program run from its build folder,
 * else installed.  *tree keeps the source tree's answer (a static of the
 * caller's: asked once per process). */
const char *shipped_folder(const char *env, const char *sub,
			   const char *installed, char **tree);

/* Read a whole file (or pipe) to its end into memory, NUL-terminated;
 * caller owns *data_r. */
int read_whole_file(const char *path, char **data_r, size_t *len_r,
		    struct errbuf *err);

/* As read_whole_file, for a file that must be a regular file (a message
 * in a Maildir): anything else (a FIFO, a socket, a device) is refused
 * without blocking on it. */
int read_regular_file(const char *path, char **data_r, size_t *len_r,
		      struct errbuf *err);

/* As read_regular_file, and refused when it is not the file listed (an
 * lstat of it when its folder was listed; NULL: no check): another
 * device, inode or size.  A symbolic link is never followed. */
int read_listed_file(const char *path, const struct stat *listed,
		     char **data_r, size_t *len_r, struct errbuf *err);

/* open(2) for reading that never blocks (a FIFO, a terminal), following
 * a symbolic link or not; -1 with errno set. */
int open_regular_nonblock(const char *path, bool follow);

/* The directory part of path; caller owns. */
char *path_dir(const char *path);

/* Create every missing parent directory of path (mode 0700). */
int make_parent_dirs(char *path, struct errbuf *err);

/* Is st the same file as was: device, inode, size and mtime? */
bool file_same_identity(const struct stat *st, const struct stat *was);

int fsync_dir_of(const char *path, struct errbuf *err);

/* Create path, which must not exist, with mode; write data and fsync. */
int file_create_new(const char *path, mode_t mode, const void *data,
		    size_t len, struct errbuf *err);

/* Replace (or create) path atomically with data. */
int file_replace(const char *path, mode_t mode, const void *data, size_t len,
		 struct errbuf *err);

/* The entry names of directory dir, sorted bytewise, without "." and
 * "..".  Caller owns: dir_names_free. */
int dir_names(const char *dir, char ***names_r, size_t *n_r,
	      struct errbuf *err);
void dir_names_free(char **names, size_t n);

#endif
