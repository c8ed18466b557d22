/* pm-redact.h -- a redaction carried into one pipermail volume: what was
 * taken out of its messages' texts is taken out of their pages, of the
 * pages that link to them (the link text is the subject), of the four
 * index pages (subjects, authors) and of the database, in every form a
 * page writes it (act/pm-scrub.h).  Then, list by list, every scrubbed
 * attachment that still shows it: a text one is scrubbed, another is
 * removed, or listed as held. */
#ifndef LISTSCRUB_PM_REDACT_H
#define LISTSCRUB_PM_REDACT_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct pm_edits;

struct pm_redaction {
	const char *list_dir, *volume;  /* borrowed */
	char **pages;                   /* the redacted messages' pages */
	size_t npages;
	char **tokens;                  /* what their redactions took out */
	size_t ntokens;
	const char *marker;
	bool remove_attachments;
};

void pm_redaction_add_page(struct pm_redaction *r, const char *page);
void pm_redaction_add_token(struct pm_redaction *r, const char *token);
void pm_redaction_release(struct pm_redaction *r);

/* The edits of a volume's redactions, over what edits already hold. */
int pm_redact_volume(const struct pm_redaction *r, struct pm_edits *edits,
		     struct errbuf *err);

/* Every scrubbed attachment of list_dir (attachments/DAY/HEX8/FILE)
 * that shows a token: a text one scrubbed, another removed (remove) or
 * held; whatever message it belongs to, it is part of the published
 * archive. */
int pm_redact_attachments(const char *list_dir, char *const *tokens,
			  size_t n, const char *marker, bool remove,
			  struct pm_edits *edits, struct errbuf *err);

#endif
