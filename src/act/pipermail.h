/* pipermail.h -- a purge carried into a Mailman 2 pipermail tree
 * (listscrub-pipermail(7)).
 *
 * The volume texts (VOL.txt, VOL.txt.gz) are mboxes the plan changes as
 * any other.  For each message deleted from them this module builds
 * everything else the public reads: the page becomes a tombstone of the
 * same name, its neighbours' previous/next links skip it, the four index
 * pages lose its entries, the database records that would bring them
 * back at Mailman's next run go, its scrubbed attachments go, and the
 * list's table of contents shows the new download sizes.  For each
 * message redacted, what was taken out of it is taken out of its page,
 * the pages that link to it, the index pages and the database too
 * (act/pm-redact.h).  Pages are tied
 * to messages by their order and checked pair by pair: a pair that does
 * not agree stops the run before anything is written.
 */
#ifndef LISTSCRUB_ACT_PIPERMAIL_H
#define LISTSCRUB_ACT_PIPERMAIL_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct mailbox;
struct pm_edits;
struct pm_purge;

struct pm_settings {
	const char *notice;             /* a tombstone's; NULL: the default */
	const char *marker;             /* what a redacted span becomes */
	bool remove_attachments;        /* those of a redacted message that
					   hold what was redacted; else they
					   are listed (PM_EDIT_HELD) */
};

struct pm_purge *pm_purge_new(const struct pm_settings *s);
void pm_purge_free(struct pm_purge **pp);

/* The notice a tombstone shows by default. */
extern const char pm_default_notice[];

/* A message of a volume text that changes: deleted, or redacted (tokens:
 * the addresses and texts its redaction takes out, as the selection
 * found them). */
struct pm_change {
	size_t index;
	bool redacted;
	char **tokens;
	size_t ntokens;
};

/* changes[0..n) (ascending index) are made in mb.  Returns 0 when mb is
 * not a volume text, 1 when noted, -1 with err when the pages cannot be
 * tied to the messages. */
int pm_purge_note(struct pm_purge *pp, const struct mailbox *mb,
		  const struct pm_change *changes, size_t n,
		  struct errbuf *err);

/* A volume text's size once it is written (for the table of contents). */
void pm_purge_text_size(struct pm_purge *pp, const char *path,
			unsigned long long size);

bool pm_purge_any(const struct pm_purge *pp);

/* Every page, index, database and attachment edit, in the order they
 * are to be committed (database first: an interrupted run leaves
 * Mailman's next run to rebuild indexes that already agree). */
int pm_purge_build(struct pm_purge *pp, struct pm_edits *edits,
		   struct errbuf *err);

/* The message of the volume text (path, index) whose page path is;
 * NULL when path is not the page of a message this purge changes. */
const char *pm_purge_page_of(const struct pm_purge *pp, const char *page,
			     size_t *index_r);

#endif
