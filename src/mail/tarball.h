/* tarball.h -- archives that hold a tree: tar (plain, or compressed with
 * gzip, bzip2, xz or zstd) and zip (read only).
 *
 * A tarball met by the walk is staged: its members are extracted into a
 * private folder (mode 0700, under $TMPDIR) and walked there like any
 * tree, so every reader and writer works on them unchanged.  Where a
 * staged file is shown or recorded it is named "ARCHIVE//member/path".
 * A purge writes the tarball back from the original and the staged
 * files (act/tarball-write.h).  Staging folders are removed when the
 * process exits, and a dead run's are removed by the next one.
 *
 * A tarball is refused whole (never staged, never written) when a member
 * would land outside it: an absolute name, a ".." component, a link to
 * a target outside, a name given twice; and when it holds more than the
 * inflate caps of mail/limits.h.
 */
#ifndef LISTSCRUB_TARBALL_H
#define LISTSCRUB_TARBALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;

/* One staged tarball: opaque. */
struct tarball;

/* 1 when the file at path is a tar or zip archive (by its content, not
 * its name), 0 when it is not, -1 with err filled when it cannot be
 * read. */
int tarball_sniff(const char *path, struct errbuf *err);

/* Extract the tarball at path into a staging folder.  The tarball is
 * kept until tarball_unstage_all; borrowed.  NULL with err filled when
 * it is refused or cannot be read (nothing is left staged then). */
const struct tarball *tarball_stage(const char *path, struct errbuf *err);

/* The tarball file as walked; borrowed. */
const char *tarball_path(const struct tarball *tb);

/* The staging folder its members were extracted into; borrowed. */
const char *tarball_root(const struct tarball *tb);

/* Can it be written back?  (A zip is read only.) */
bool tarball_writable(const struct tarball *tb);

/* "tar", "tar.gz", "zip": its format and compression. */
const char *tarball_format_name(const struct tarball *tb);

/* -1 with err filled when the tarball's file is not the one staged any
 * more (device, inode, size or mtime differ). */
int tarball_check_unchanged(const struct tarball *tb, struct errbuf *err);

/* The staged tarball path lies in (a file or folder of its staging
 * folder), or NULL. */
const struct tarball *tarball_of_staged(const char *path);

/* The staged tarball whose file is path, or NULL. */
const struct tarball *tarball_of_file(const char *path);

/* Every tarball staged by this process, in staging order. */
size_t tarball_count(void);
const struct tarball *tarball_at(size_t i);

/* path as shown and recorded: "ARCHIVE//member/path" for a staged file
 * (ARCHIVE as walked), NULL for any other path.  Caller owns. */
char *tarball_shown(const char *path);

/* text with every staged path in it shown as tarball_shown does (for
 * messages that name files).  Caller owns. */
char *tarball_shown_text(const char *text);

/* The staged file of a shown name "ARCHIVE//member" whose tarball is
 * staged, or NULL.  Caller owns. */
char *tarball_staged_file(const char *shown);

/* This process's private staging folder (mode 0700, under $TMPDIR),
 * made on first use and removed as tarballs' are: for other copies of
 * an archive that is not a tree of files (a HyperKitty database's
 * export).  NULL with err filled. */
const char *staging_folder(struct errbuf *err);

/* Remove every staging folder of this process. */
void tarball_unstage_all(void);

/* Remove the staging folders of runs that are dead (killed): they hold
 * the archives' bytes. */
void tarball_sweep_stale(void);

/* Read every regular member of the tarball at path in archive order
 * (names as they are shown: no leading "./"): on_member(ctx, name, NULL,
 * NULL, 0) when one begins, then on_member(ctx, name, NULL, data, len)
 * for each block of its content; a hard link to an earlier member is
 * on_member(ctx, name, target, NULL, 0), once.  A non-zero return stops
 * the walk and is returned.  -1 with err filled when the tarball cannot
 * be read or names a member unsafely. */
typedef int (*tarball_member_fn)(void *ctx, const char *name,
				 const char *hardlink_to, const void *data,
				 size_t len);
int tarball_each_member(const char *path, tarball_member_fn on_member,
			void *ctx, struct errbuf *err);

/* ---- for act/tarball-write only ---------------------------------------- */

/* A member's name as staged and shown: no leading "./" nor trailing
 * "/"; "" for the root ("./", "."); NULL when the name is unsafe
 * (absolute, "..", empty).  Caller owns. */
char *tarball_member_name(const char *raw);

struct archive;

/* A libarchive reader set up for the formats and filters tarballs may
 * use (tar, zip; gzip, bzip2, xz, lzma, zstd), opened on path.  NULL
 * with err filled. */
struct archive *tarball_open_reader(const char *path, struct errbuf *err);

#endif
