/* mailbox.h -- one unit of an archive: an mbox file (plain or compressed), a
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

#include "lib/diag.h"
#include "mail/mbox.h"

struct errbuf;

enum mailbox_kind {
	MAILBOX_UNKNOWN,        /* a file not yet looked at */
	MAILBOX_MBOX,
	MAILBOX_MAILDIR,
	MAILBOX_SINGLE,         /* one message per file (.eml, MH) */
	MAILBOX_NOT_MAIL,       /* a file that is neither: never changed */
};

/* Told by the file's first bytes (mail/decompress.h); a changed file is
 * written back in the same. */
enum mailbox_compression {
	MAILBOX_PLAIN,
	MAILBOX_GZIP,
	MAILBOX_BZIP2,
	MAILBOX_XZ,
	MAILBOX_LZMA,
	MAILBOX_ZSTD,
};

/* One mailbox: opaque; the walk and the loader fill it, everyone else
 * reads it through the functions below. */
struct mailbox;

/* A path the walk passed over, and why (a diagnostic of lib/diag.h). */
struct walk_note {
	char *path;
	enum diag_code code;
	char *detail;                   /* may be NULL */
};

struct mailbox_list {
	struct mailbox **items;         /* caller owns: mailbox_list_release */
	size_t count;
	size_t alloc;
	struct walk_note *notes;        /* in walk order */
	size_t n_notes, notes_alloc;
	size_t ignored;                 /* dot files, dotlocks, Maildir
					   indexes and tmp/ passed over */
	size_t pipermail_links;         /* pipermail's VOL/index.html links
					   to VOL/thread.html, passed over */
	const char *walk_root;          /* the PATH being walked (walk only) */
	unsigned int in_pipermail_list; /* inside a list folder (walk only) */
};

/* A mailbox for path, of unknown kind until loaded (for a file read
 * again after a change).  caller owns: mailbox_free (NULL-safe). */
struct mailbox *mailbox_new(const char *path);
void mailbox_free(struct mailbox **mb);

/* The path as given or found by the walk; borrowed. */
const char *mailbox_path(const struct mailbox *mb);
enum mailbox_kind mailbox_kind(const struct mailbox *mb);
enum mailbox_compression mailbox_compression(const struct mailbox *mb);
bool mailbox_is_loaded(const struct mailbox *mb);

/* Is it a file of a pipermail list folder other than a volume text (a
 * page, an index, a database file, an attachment: mail/pipermail.h)?
 * Such files are searched as text and changed only with their messages
 * (act/pipermail.h). */
bool mailbox_is_pipermail_part(const struct mailbox *mb);

/* Is it a volume text of a pipermail list folder (LIST/VOL.txt[.gz])? */
bool mailbox_is_pipermail_text(const struct mailbox *mb);

/* An mbox's messages as the splitter found them; NULL for any other kind.
 * Borrowed until mailbox_unload. */
const struct mbox_split *mailbox_split(const struct mailbox *mb);

/* The content of an mbox or single file (mapped, or its inflated copy
 * mapped); NULL for
 * a Maildir.  Borrowed until mailbox_unload. */
const char *mailbox_content(const struct mailbox *mb, size_t *len_r);

/* Where message i lies in mailbox_content: an mbox message's range, a
 * single file's whole length, [0, 0) in a Maildir. */
void mailbox_message_range(const struct mailbox *mb, size_t i,
			   uint64_t *start_r, uint64_t *end_r);

/* The length of message i: its range's, or a Maildir file's size as
 * listed. */
uint64_t mailbox_message_length(const struct mailbox *mb, size_t i);

/* A Maildir message's file name, relative to the Maildir ("cur/NAME");
 * borrowed.  NULL for other kinds. */
const char *mailbox_file_name(const struct mailbox *mb, size_t i);

/* -1 with err filled when the file at the mailbox's path is not the one
 * loaded any more (device, inode, size or mtime differ): changed while
 * listscrub was reading it. */
int mailbox_check_unchanged(const struct mailbox *mb, struct errbuf *err);

/* Expand PATHs into mailboxes: a Maildir (cur/ and new/) is one mailbox,
 * each `.Folder` inside it another; other directories are walked
 * recursively in name order; every regular file is a mailbox of unknown
 * kind until loaded.  Symbolic links met while walking are not followed
 * (pipermail's archives/public links point at the private tree), FIFOs,
 * sockets and devices never opened; a PATH that does not exist is an
 * error; each is a note of the list, and the walk goes on with the
 * others.  Dot files and dotlocks are counted, not listed.  A file or
 * Maildir reached twice is listed once. */
void mailbox_walk(struct mailbox_list *list, char *const *paths, size_t n);

/* Did the walk meet an error (a PATH missing or unreadable)? */
bool mailbox_walk_failed(const struct mailbox_list *list);

/* Read only what is new since an earlier run (an incremental sweep),
 * set before mailbox_load: a plain mbox from byte offset start on, its
 * messages numbered from 0 there and their offsets those of the file;
 * the earlier bytes are neither read nor split.  Where no From_ line
 * begins at start (a message was still being written when the earlier
 * run read it), or for a compressed file, the whole is read. */
void mailbox_read_from(struct mailbox *mb, uint64_t start);

/* Where a loaded mailbox was read from: start, or 0 when it was read
 * whole after all. */
uint64_t mailbox_read_start(const struct mailbox *mb);

/* A Maildir without the files (names "cur/NAME", "new/NAME") for which
 * skip says true: the ones an earlier run read. */
typedef bool (*mailbox_skip_fn)(const char *name, void *ctx);
void mailbox_skip_files(struct mailbox *mb, mailbox_skip_fn skip, void *ctx);

/* Map the file (a compressed one: its inflated copy, mail/decompress.h)
 * and split it into messages. */
int mailbox_load(struct mailbox *mb, struct errbuf *err);

/* Drop the mapped pages wholly inside [from, to) from this process's
 * memory; the data stays readable (paged in again from the file). */
void mailbox_release_pages(const struct mailbox *mb, size_t from,
			   size_t to);

/* Map the pages of [from, to) into memory in one go, ahead of use. */
void mailbox_prefetch_pages(const struct mailbox *mb, size_t from,
			    size_t to);

void mailbox_unload(struct mailbox *mb);

/* Was the file cut short while it was mapped (lib/mapping.h)?  What was
 * read of it then is not the file. */
bool mailbox_was_cut(const struct mailbox *mb);

/* The file was rewritten in place: its old bytes are gone (a mapping
 * would show the new ones, or fault past a shorter end).  Its bytes leave
 * memory; what was learnt of it (kind, split, counts) stays for reports;
 * reading a message of it is an error from now on. */
void mailbox_forget_content(struct mailbox *mb);

size_t mailbox_message_count(const struct mailbox *mb);

/* What a loaded Maildir's cur/ and new/ held that is not a message: a
 * symbolic link (never followed: D_SYMLINK_*), a FIFO, socket, device
 * or directory (never opened: D_NOT_REGULAR_FILE).  Borrowed; the count
 * is returned. */
size_t mailbox_skipped(const struct mailbox *mb,
		       const struct walk_note **notes_r);

/* The raw bytes of message i.  For an mbox this is the From_ line through
 * the separator; for a file it is the whole file.  *owned_r tells whether
 * the caller must free(*data_r).  Returns 0, or -1 with err filled. */
int mailbox_message(const struct mailbox *mb, size_t i, const char **data_r,
		    size_t *len_r, uint64_t *offset_r, bool *owned_r,
		    struct errbuf *err);

/* The file that holds message i: the mbox or single file itself, or
 * the message's own file in a Maildir.  Caller owns. */
char *mailbox_file_of(const struct mailbox *mb, size_t i);

/* "mboxrd", "maildir", "file", with ".gz", ".bz2", ".xz", ".lzma" or
 * ".zst" where compressed. */
const char *mailbox_format_name(const struct mailbox *mb);

void mailbox_list_release(struct mailbox_list *list);

#endif
