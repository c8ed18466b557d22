/* mailbox-private.h -- the mailbox as the walk (walk.c) creates it and
 * the loader (mailbox.c) fills it.  Not for other modules: they use the
 * functions of mailbox.h. */
#ifndef LISTSCRUB_MAILBOX_PRIVATE_H
#define LISTSCRUB_MAILBOX_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "lib/mapping.h"
#include "mail/mailbox.h"
#include "mail/mbox.h"

struct mailbox {
	char *path;                     /* as given or found by the walk */
	enum mailbox_kind kind;
	bool pipermail_part;            /* a page, index, database file or
					   attachment of a pipermail tree */
	bool pipermail_text;            /* a volume text of one */
	enum mailbox_compression compression;
	bool loaded;
	/* mbox and single files */
	const char *data;               /* mapped or inflated content */
	size_t len;
	struct mapping *map;            /* data is this map of the file */
	struct mbox_split split;        /* mbox only */
	dev_t dev;                      /* identity when loaded, to detect */
	ino_t ino;                      /* a change before rewriting */
	off_t size;
	struct timespec mtime;
	/* Maildir: file names relative to path ("cur/NAME"), sorted, with
	 * their lstat when listed; what else cur/ and new/ held */
	char **files;
	struct stat *file_stats;
	size_t nfiles;
	struct walk_note *skipped;
	size_t n_skipped;
	char *root;                     /* the PATH the walk found it in */
	/* Read only part of it (mailbox_read_from, mailbox_skip_files) */
	uint64_t start;
	mailbox_skip_fn skip_file;
	void *skip_ctx;
};

/* What a symbolic link at path inside the PATH root is to the walk:
 * D_SYMLINK_NOT_FOLLOWED (its target is in root: read there, under its
 * own name), D_SYMLINK_OUTSIDE or D_SYMLINK_LOOP (a loop, or no
 * target).  Never followed in any case. */
enum diag_code symlink_verdict(const char *path, const char *root);

#endif
