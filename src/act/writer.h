/* writer.h -- apply a deletion plan to one mailbox, atomically.
 *
 * An mbox is rewritten by copying the kept byte ranges from the original
 * (never re-serialising a message) into a temp file beside it, which is
 * fsynced and renamed over the original, then the directory is fsynced; a
 * crash leaves the old file or the new one, never a mix.  A .gz mbox is
 * written back gzipped.  Maildir and single-message files are unlinked and
 * their directories fsynced.  The caller holds the mbox locks.
 */
#ifndef LISTSCRUB_WRITER_H
#define LISTSCRUB_WRITER_H

#include <stddef.h>

#include "mail/change.h"

struct errbuf;
struct mailbox;

struct writer_settings {
	const char *backup_dir;         /* keep originals here; NULL: none */
};

/* Delete messages indices[0..n) (ascending) from mb, or with changes
 * (NULL: delete all) replace those whose change has data.  Fails without
 * touching anything when mb changed on disk since it was loaded. */
int writer_apply(struct mailbox *mb, const size_t *indices,
		 const struct message_change *changes, size_t n,
		 const struct writer_settings *ws, struct errbuf *err);

#endif
