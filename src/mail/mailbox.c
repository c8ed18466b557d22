/* mailbox.c -- load a mailbox: map a file (or its inflated copy) and split it,
 * or list a Maildir; hand out its messages as raw byte ranges. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/decompress.h"
#include "mail/header.h"
#include "mail/mailbox-private.h"

/* Mapped ahead of the splitter: the splitter says where it is every
 * MBOX_PROGRESS_BYTES, so a little more than that keeps it in mapped
 * pages while memory holds about that much of the file. */
#define SPLIT_AHEAD (MBOX_PROGRESS_BYTES + MBOX_PROGRESS_BYTES / 4)
#define MADV_POPULATE_READ 22   /* Linux 5.14 */

static void
skip_entry(struct mailbox *mb, size_t *alloc, const char *rel,
	   enum diag_code code)
{
	struct walk_note *n;

	xgrow((void **)&mb->skipped, alloc, mb->n_skipped + 1,
	      sizeof *mb->skipped);
	n = &mb->skipped[mb->n_skipped++];
	n->path = xasprintf("%s/%s", mb->path, rel);
	n->code = code;
	n->detail = NULL;
}

static int
load_maildir(struct mailbox *mb, struct errbuf *err)
{
	static const char *const subdirs[] = { "cur", "new" };
	size_t alloc = 0, stats_alloc = 0, skipped_alloc = 0;

	for (size_t s = 0; s < 2; s++) {
		char *dir = xasprintf("%s/%s", mb->path, subdirs[s]);
		char **names;
		size_t n;
		int rc = dir_names(dir, &names, &n, err);

		free(dir);
		if (rc < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			char *rel, *full;
			struct stat st;

			if (names[i][0] == '.')
				continue;
			rel = xasprintf("%s/%s", subdirs[s], names[i]);
			full = xasprintf("%s/%s", mb->path, rel);
			/* a name gone meanwhile stays listed: reading it
			 * says so */
			if (lstat(full, &st) < 0)
				memset(&st, 0, sizeof st), st.st_mode = S_IFREG;
			free(full);
			if (!S_ISREG(st.st_mode)) {
				char *path = xasprintf("%s/%s", mb->path, rel);

				skip_entry(mb, &skipped_alloc, rel,
					   S_ISLNK(st.st_mode)
					   ? symlink_verdict(path, mb->root
							     ? mb->root
							     : mb->path)
					   : D_NOT_REGULAR_FILE);
				free(path);
				free(rel);
				continue;
			}
			if (mb->skip_file && mb->skip_file(rel, mb->skip_ctx)) {
				free(rel);
				continue;
			}
			xgrow((void **)&mb->files, &alloc, mb->nfiles + 1,
			      sizeof *mb->files);
			xgrow((void **)&mb->file_stats, &stats_alloc,
			      mb->nfiles + 1, sizeof *mb->file_stats);
			mb->file_stats[mb->nfiles] = st;
			mb->files[mb->nfiles++] = rel;
		}
		dir_names_free(names, n);
	}
	return 0;
}

static void
drop_content(struct mailbox *mb)
{
	mapping_close(&mb->map);
	mb->data = NULL;
	mb->len = 0;
}

static int
map_file(struct mailbox *mb, int fd, uint64_t len, struct errbuf *err)
{
	if (len == 0) {
		mb->data = "";
		mb->len = 0;
		return 0;
	}
	if (len > SIZE_MAX)
		return errbuf_set(err, "'%s' is too large to map", mb->path);
	if (mapping_open(fd, (size_t)len, mb->path, &mb->map, err) < 0)
		return -1;
	mb->data = mapping_data(mb->map);
	mb->len = (size_t)len;
	madvise((void *)mb->data, mb->len, MADV_SEQUENTIAL);
	mailbox_prefetch_pages(mb, mb->start, mb->start + SPLIT_AHEAD);
	return 0;
}

static void
release_split_pages(size_t done, void *ctx)
{
	struct mailbox *mb = ctx;

	done += mb->start;
	mailbox_release_pages(mb, 0, done);
	mailbox_prefetch_pages(mb, done, done + SPLIT_AHEAD);
}

/* Split the bytes from mb->start on (mailbox_read_from), with the
 * offsets of the file. */
static int
split_from(struct mailbox *mb, struct errbuf *err)
{
	struct mbox_split *sp = &mb->split;
	const char *at = mb->data + mb->start;
	size_t len = mb->len - (size_t)mb->start;

	if (len == 0)
		return 0;
	if (mbox_split(at, len, sp, release_split_pages, mb, err) < 0) {
		char msg[ERRBUF_SIZE];

		memcpy(msg, err->msg, sizeof msg);
		return errbuf_set(err, "'%s' from offset %llu: %s", mb->path,
				  (unsigned long long)mb->start, msg);
	}
	sp->preamble_len += mb->start;
	for (size_t i = 0; i < sp->count; i++) {
		sp->msgs[i].start += mb->start;
		sp->msgs[i].end += mb->start;
	}
	for (size_t i = 0; i < sp->n_unblanked; i++)
		sp->unblanked[i] += mb->start;
	mailbox_release_pages(mb, 0, mb->len);
	return 0;
}

static int
load_file(struct mailbox *mb, struct errbuf *err)
{
	/* listed as a regular file: one swapped for a FIFO since must not
	 * block the run */
	int fd = open_regular_nonblock(mb->path, true), tfd, rc;
	struct stat st;
	uint64_t len;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", mb->path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return errbuf_errno(err, errno, "cannot stat '%s'", mb->path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(err, "'%s' is not a regular file any more (a "
				  "FIFO, socket or device now; it was a file "
				  "when listed): not read", mb->path);
	}
	mb->dev = st.st_dev;
	mb->ino = st.st_ino;
	mb->size = st.st_size;
	mb->mtime = st.st_mtim;
	/* a compressed file is read through its inflated copy, mapped as a
	 * plain file is: memory holds a window of it, not the whole */
	if (decompress_open(fd, mb->path, (uint64_t)st.st_size,
			    &mb->compression, &tfd, &len, err) < 0) {
		close(fd);
		return -1;
	}
	if (tfd >= 0) {
		close(fd);
		fd = tfd;
		mb->start = 0;  /* inflated anew: read whole */
	} else
		len = (uint64_t)st.st_size;
	if (mb->start > len) {
		close(fd);
		return errbuf_set(err, "'%s' is shorter (%llu bytes) than where "
				  "reading was to start (%llu)", mb->path,
				  (unsigned long long)len,
				  (unsigned long long)mb->start);
	}
	rc = map_file(mb, fd, len, err);
	close(fd);
	if (rc < 0)
		return -1;
	/* a page, database file or attachment of a pipermail tree changes
	 * only with the message it belongs to (act/pipermail.h), even when
	 * it looks like mail (a scrubbed message/rfc822 part) */
	if (mb->pipermail_part) {
		mb->kind = MAILBOX_NOT_MAIL;
		return 0;
	}
	if (!mbox_looks_like_mbox(mb->data, mb->len)) {
		mb->kind = msg_looks_like_message(mb->data, mb->len)
			? MAILBOX_SINGLE : MAILBOX_NOT_MAIL;
		return 0;
	}
	mb->kind = MAILBOX_MBOX;
	/* no message starts where the last run stopped (one was still
	 * being written then): read the whole of it (mailbox_read_start) */
	if (mb->start > 0 && mb->start < mb->len) {
		const char *at = mb->data + mb->start;
		size_t rest = mb->len - (size_t)mb->start;

		if (!mbox_looks_like_mbox(at, rest) ||
		    (rest >= 3 && memcmp(at, "\xef\xbb\xbf", 3) == 0))
			mb->start = 0;
	}
	if (mb->start > 0)
		return split_from(mb, err);
	if (mbox_split(mb->data, mb->len, &mb->split, release_split_pages, mb,
		       err) < 0) {
		char msg[ERRBUF_SIZE];

		memcpy(msg, err->msg, sizeof msg);
		return errbuf_set(err, "'%s': %s", mb->path, msg);
	}
	mailbox_release_pages(mb, 0, mb->len);
	return 0;
}

int
mailbox_load(struct mailbox *mb, struct errbuf *err)
{
	int rc;

	if (mb->loaded)
		return 0;
	rc = mb->kind == MAILBOX_MAILDIR ? load_maildir(mb, err)
		: load_file(mb, err);
	if (rc < 0) {
		mailbox_unload(mb);
		return -1;
	}
	mb->loaded = true;
	return 0;
}

void
mailbox_read_from(struct mailbox *mb, uint64_t start)
{
	mb->start = start;
}

uint64_t
mailbox_read_start(const struct mailbox *mb)
{
	return mb->start;
}

void
mailbox_skip_files(struct mailbox *mb, mailbox_skip_fn skip, void *ctx)
{
	mb->skip_file = skip;
	mb->skip_ctx = ctx;
}

void
mailbox_release_pages(const struct mailbox *mb, size_t from, size_t to)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;

	if (mb->map == NULL)
		return;
	if (to > mb->len)
		to = mb->len;
	from = (from + ps - 1) / ps * ps;
	to = to / ps * ps;
	if (to > from)
		madvise((void *)(mb->data + from), to - from, MADV_DONTNEED);
}

void
mailbox_prefetch_pages(const struct mailbox *mb, size_t from, size_t to)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;

	if (mb->map == NULL || from >= mb->len)
		return;
	if (to > mb->len)
		to = mb->len;
	from = from / ps * ps;
	/* One call maps the whole range: far cheaper than a page fault per
	 * page.  Older kernels say EINVAL, and the faults happen as before. */
	madvise((void *)(mb->data + from), to - from, MADV_POPULATE_READ);
}

void
mailbox_unload(struct mailbox *mb)
{
	drop_content(mb);
	mbox_split_release(&mb->split);
	dir_names_free(mb->files, mb->nfiles);
	mb->files = NULL;
	free(mb->file_stats);
	mb->file_stats = NULL;
	mb->nfiles = 0;
	for (size_t i = 0; i < mb->n_skipped; i++)
		free(mb->skipped[i].path);
	free(mb->skipped);
	mb->skipped = NULL;
	mb->n_skipped = 0;
	mb->loaded = false;
}

bool
mailbox_was_cut(const struct mailbox *mb)
{
	return mapping_was_cut(mb->map);
}

void
mailbox_forget_content(struct mailbox *mb)
{
	drop_content(mb);
}

size_t
mailbox_skipped(const struct mailbox *mb, const struct walk_note **notes_r)
{
	*notes_r = mb->skipped;
	return mb->n_skipped;
}

size_t
mailbox_message_count(const struct mailbox *mb)
{
	switch (mb->kind) {
	case MAILBOX_MBOX:    return mb->split.count;
	case MAILBOX_MAILDIR: return mb->nfiles;
	case MAILBOX_SINGLE:
	case MAILBOX_NOT_MAIL: return 1;       /* searched as one text */
	case MAILBOX_UNKNOWN: break;
	}
	return 0;
}

int
mailbox_message(const struct mailbox *mb, size_t i, const char **data_r,
		size_t *len_r, uint64_t *offset_r, bool *owned_r,
		struct errbuf *err)
{
	*owned_r = false;
	*offset_r = 0;
	if (mb->data == NULL && mb->kind != MAILBOX_MAILDIR)
		return errbuf_set(err, "'%s' was rewritten since it was read",
				  mb->path);
	switch (mb->kind) {
	case MAILBOX_MBOX:
		*data_r = mb->data + mb->split.msgs[i].start;
		*len_r = mb->split.msgs[i].end - mb->split.msgs[i].start;
		*offset_r = mb->split.msgs[i].start;
		return 0;
	case MAILBOX_SINGLE:
		*data_r = mb->data;
		*len_r = mb->len;
		return 0;
	case MAILBOX_MAILDIR: {
		char *path = xasprintf("%s/%s", mb->path, mb->files[i]);
		char *buf;
		int rc = read_listed_file(path, &mb->file_stats[i], &buf,
					  len_r, err);

		free(path);
		if (rc < 0)
			return -1;
		*data_r = buf;
		*owned_r = true;
		return 0;
	}
	case MAILBOX_NOT_MAIL:
		*data_r = mb->data;
		*len_r = mb->len;
		return 0;
	case MAILBOX_UNKNOWN:
		break;
	}
	return errbuf_set(err, "'%s' was not loaded", mb->path);
}

char *
mailbox_file_of(const struct mailbox *mb, size_t i)
{
	if (mb->kind == MAILBOX_MAILDIR)
		return xasprintf("%s/%s", mb->path, mb->files[i]);
	return xstrdup(mb->path);
}

/* Every format name with every suffix, in enum mailbox_compression's
 * order. */
#define SUFFIXED(base) { base, base ".gz", base ".bz2", base ".xz", \
			 base ".lzma", base ".zst" }

const char *
mailbox_format_name(const struct mailbox *mb)
{
	static const char *const mbox[][6] = {
		[MBOX_FORMAT_MBOXO] = SUFFIXED("mboxo"),
		[MBOX_FORMAT_MBOXRD] = SUFFIXED("mboxrd"),
		[MBOX_FORMAT_MBOXCL] = SUFFIXED("mboxcl"),
		[MBOX_FORMAT_MBOXCL2] = SUFFIXED("mboxcl2"),
	};
	static const char *const file[] = SUFFIXED("file");

	switch (mb->kind) {
	case MAILBOX_MBOX:    return mbox[mb->split.format][mb->compression];
	case MAILBOX_MAILDIR: return "maildir";
	case MAILBOX_SINGLE:  return file[mb->compression];
	case MAILBOX_NOT_MAIL: return "not mail";
	case MAILBOX_UNKNOWN: break;
	}
	return "unknown";
}

void
mailbox_list_release(struct mailbox_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		mailbox_free(&list->items[i]);
	for (size_t i = 0; i < list->n_notes; i++) {
		free(list->notes[i].path);
		free(list->notes[i].detail);
	}
	free(list->notes);
	list->notes = NULL;
	list->n_notes = list->notes_alloc = list->ignored = 0;
	free(list->items);
	list->items = NULL;
	list->count = list->alloc = 0;
}

struct mailbox *
mailbox_new(const char *path)
{
	struct mailbox *mb = xcalloc(1, sizeof *mb);

	mb->path = xstrdup(path);
	return mb;
}

void
mailbox_free(struct mailbox **mbp)
{
	struct mailbox *mb = *mbp;

	if (mb == NULL)
		return;
	mailbox_unload(mb);
	free(mb->path);
	free(mb->root);
	free(mb);
	*mbp = NULL;
}

const char *
mailbox_path(const struct mailbox *mb)
{
	return mb->path;
}

enum mailbox_kind
mailbox_kind(const struct mailbox *mb)
{
	return mb->kind;
}

enum mailbox_compression
mailbox_compression(const struct mailbox *mb)
{
	return mb->compression;
}

bool
mailbox_is_pipermail_part(const struct mailbox *mb)
{
	return mb->pipermail_part;
}

bool
mailbox_is_pipermail_text(const struct mailbox *mb)
{
	return mb->pipermail_text;
}

bool
mailbox_is_loaded(const struct mailbox *mb)
{
	return mb->loaded;
}

const struct mbox_split *
mailbox_split(const struct mailbox *mb)
{
	return mb->kind == MAILBOX_MBOX ? &mb->split : NULL;
}

const char *
mailbox_content(const struct mailbox *mb, size_t *len_r)
{
	*len_r = mb->len;
	return mb->kind == MAILBOX_MAILDIR ? NULL : mb->data;
}

void
mailbox_message_range(const struct mailbox *mb, size_t i, uint64_t *start_r,
		      uint64_t *end_r)
{
	*start_r = *end_r = 0;
	if (mb->kind == MAILBOX_MBOX) {
		*start_r = mb->split.msgs[i].start;
		*end_r = mb->split.msgs[i].end;
	} else if (mb->kind == MAILBOX_SINGLE || mb->kind == MAILBOX_NOT_MAIL)
		*end_r = mb->len;
}

uint64_t
mailbox_message_length(const struct mailbox *mb, size_t i)
{
	uint64_t start, end;

	if (mb->kind == MAILBOX_MAILDIR)
		return mb->file_stats ? (uint64_t)mb->file_stats[i].st_size : 0;
	mailbox_message_range(mb, i, &start, &end);
	return end - start;
}

const char *
mailbox_file_name(const struct mailbox *mb, size_t i)
{
	return mb->kind == MAILBOX_MAILDIR ? mb->files[i] : NULL;
}

int
mailbox_check_unchanged(const struct mailbox *mb, struct errbuf *err)
{
	struct stat st, was = { 0 };

	if (stat(mb->path, &st) < 0)
		return errbuf_errno(err, errno, "cannot stat '%s'", mb->path);
	was.st_dev = mb->dev;
	was.st_ino = mb->ino;
	was.st_size = mb->size;
	was.st_mtim = mb->mtime;
	if (mailbox_was_cut(mb) || !file_same_identity(&st, &was))
		return errbuf_set(err, "'%s' changed while listscrub was "
				  "reading it (new mail?); nothing was written "
				  "to it: run purge again", mb->path);
	return 0;
}
