/* writer-private.h -- what the writer's files share: a mailbox's
 * prepared changes (writer.c: an mbox, and the interface;
 * writer-files.c: message files, Maildir and single). */
#ifndef LISTSCRUB_WRITER_PRIVATE_H
#define LISTSCRUB_WRITER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "act/journal.h"
#include "act/output.h"
#include "act/writer.h"
#include "audit/digest.h"

struct errbuf;
struct mailbox;
struct message_change;

/* A message file to remove or replace (Maildir, single file). */
struct file_change {
	char *path;
	struct stat st;                 /* as prepared: must not change */
	struct temp temp;               /* replaced: its new copy */
	bool remove;
	char *backup;                   /* made by prepare */
};

struct prepared {
	struct mailbox *mb;
	struct writer_settings ws;
	size_t n;                       /* changes */
	bool *done;
	struct change_digests view;
	bool in_place;                  /* a plain mbox, journalled */
	unsigned char (*before)[DIGEST_LEN], (*after)[DIGEST_LEN];
	/* an mbox */
	struct temp temp;
	uint64_t temp_start;            /* the temp holds the mbox from here */
	struct journal journal;
	char *backup;
	/* message files */
	struct file_change *files;
};

/* Message files: each removed, or its new copy made beside it. */
int writer_prepare_files(struct prepared *p, const size_t *indices,
			 const struct message_change *changes,
			 struct errbuf *err);
int writer_commit_files(struct prepared *p, struct errbuf *err);

#endif
