/* mailbox.h -- one unit of an archive: an mbox file (plain or .gz), a
 * Maildir folder, or a single-message file, with its messages as raw byte
 * ranges.
 *
 * Walking (mailbox_walk) only lists what is there; loading (mailbox_load)
 * maps the file or reads the Maildir listing.  No Mailutils mailbox driver
 * is ever opened on an archive (they write to it even when reading).
 */
#ifndef LISTSCRUB_MAILBOX_H
#define LISTSCRUB_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mail/mbox.h"

struct errbuf;

enum mailbox_kind {
	MAILBOX_UNKNOWN,        /* a file not yet looked at */
	MAILBOX_MBOX,
	MAILBOX_MAILDIR,
	MAILBOX_SINGLE,         /* one message per file (.eml, MH) */
};

enum mailbox_compression {
	MAILBOX_PLAIN,
	MAILBOX_GZIP,
};

struct mailbox {
	char *path;                     /* as given or found by the walk */
	enum mailbox_kind kind;
	enum mailbox_compression compression;
	bool loaded;
	/* mbox and single files */
	const char *data;               /* mapped or inflated content */
	size_t len;
	bool mapped;                    /* data is an mmap of the file */
	struct mbox_split split;        /* mbox only */
	dev_t dev;                      /* identity when loaded, to detect */
	ino_t ino;                      /* a change before rewriting */
	off_t size;
	struct timespec mtime;
	/* Maildir: file names relative to path ("cur/NAME"), sorted */
	char **files;
	size_t nfiles;
};

struct mailbox_list {
	struct mailbox *items;          /* caller owns: mailbox_list_release */
	size_t count;
	size_t alloc;
};

/* Expand PATHs into mailboxes: a Maildir (cur/ and new/) is one mailbox,
 * each `.Folder` inside it another; other directories are walked
 * recursively in name order; every regular file is a mailbox of unknown
 * kind until loaded.  Symbolic links met while walking are not followed
 * (pipermail's archives/public links point at the private tree).  A file
 * or Maildir reached twice is listed once. */
int mailbox_walk(struct mailbox_list *list, char *const *paths, size_t n,
		 struct errbuf *err);

/* Map or inflate the mailbox and split it into messages. */
int mailbox_load(struct mailbox *mb, struct errbuf *err);

/* Drop the mapped pages wholly inside [from, to) from this process's
 * memory; the data stays readable (paged in again from the file). */
void mailbox_release_pages(struct mailbox *mb, size_t from, size_t to);

/* Map the pages of [from, to) into memory in one go, ahead of use. */
void mailbox_prefetch_pages(struct mailbox *mb, size_t from, size_t to);

void mailbox_unload(struct mailbox *mb);

size_t mailbox_message_count(const struct mailbox *mb);

/* The raw bytes of message i.  For an mbox this is the From_ line through
 * the separator; for a file it is the whole file.  *owned_r tells whether
 * the caller must free(*data_r).  Returns 0, or -1 with err filled. */
int mailbox_message(const struct mailbox *mb, size_t i, const char **data_r,
		    size_t *len_r, uint64_t *offset_r, bool *owned_r,
		    struct errbuf *err);

/* The file that holds message i: the mbox or single file itself, or
 * the message's own file in a Maildir.  Caller owns. */
char *mailbox_file_of(const struct mailbox *mb, size_t i);

/* "mboxrd", "maildir", "file", with ".gz" where compressed. */
const char *mailbox_format_name(const struct mailbox *mb);

void mailbox_list_release(struct mailbox_list *list);

#endif
