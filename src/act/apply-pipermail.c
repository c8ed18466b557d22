/* apply-pipermail.c -- the pipermail steps of carrying out a plan: the
 * volume texts' changes handed to the pipermail writer, the sizes the
 * texts will have, the journal before the first commit. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "act/apply-private.h"
#include "act/apply.h"
#include "act/output.h"
#include "act/pipermail.h"
#include "act/pm-journal.h"
#include "act/writer.h"
#include "audit/record.h"
#include "detect/addrset.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"
#include "mail/pipermail.h"
#include "select/select.h"

/* The size a box's file will have: the writer's, or (a plan) counted by
 * the writer without writing. */
static bool
size_after(const struct mailbox *mb, const struct box_work *w,
	   unsigned long long *size_r)
{
	size_t *indices;
	uint64_t size = 0;
	int rc;

	if (w->prepared) {
		const struct change_digests *d = writer_digests(w->prepared);

		*size_r = d->size_after;
		return d->has_file_after;
	}
	indices = box_indices(&w->bc);
	rc = writer_new_size(mb, indices, w->bc.changes, w->bc.count, &size,
			     NULL);
	free(indices);
	*size_r = size;
	return rc == 0;
}

/* What redacting item takes out: the leaked addresses as the selection
 * knows them, the texts rules matched, and the addresses of a mass
 * disclosure (for the pipermail pages that show them too). */
static void
tokens_of(const struct selected *item, const struct select_settings *s,
	  char ***tokens_r, size_t *n_r)
{
	char **t = NULL;
	size_t n = 0;

	for (size_t k = 0; k < item->n_matches; k++) {
		const struct select_match *m = &item->matches[k];
		const char *text = m->kind == MATCH_ADDRESS && s->addresses
			? addrset_get(s->addresses, m->which) : m->text;
		char *copy, *word, *save = NULL;

		if (!text || !text[0])
			continue;
		if (m->kind != MATCH_MASS_RECIPIENT &&
		    m->kind != MATCH_ADDRESS_LIST) {
			t = xreallocarray(t, n + 1, sizeof *t);
			t[n++] = xstrdup(text);
			continue;
		}
		copy = xstrdup(text);
		for (word = strtok_r(copy, " \t\r\n,;<>\"()", &save); word;
		     word = strtok_r(NULL, " \t\r\n,;<>\"()", &save))
			if (strchr(word, '@')) {
				t = xreallocarray(t, n + 1, sizeof *t);
				t[n++] = xstrdup(word);
			}
		free(copy);
	}
	*tokens_r = t;
	*n_r = n;
}

/* The changes of one box, as the pipermail writer takes them. */
static int
note_box(struct pm_purge *pp, struct mailbox *mb, const struct box_work *w,
	 const struct select_settings *s, struct errbuf *err)
{
	struct pm_change *c = xcalloc(w->bc.count + 1, sizeof *c);
	int rc;

	for (size_t k = 0; k < w->bc.count; k++) {
		c[k].index = w->bc.picked[k].index;
		c[k].redacted = w->bc.changes[k].redacted;
		if (c[k].redacted)
			tokens_of(&w->bc.picked[k], s, &c[k].tokens,
				  &c[k].ntokens);
	}
	rc = pm_purge_note(pp, mb, c, w->bc.count, err);
	for (size_t k = 0; k < w->bc.count; k++) {
		for (size_t t = 0; t < c[k].ntokens; t++)
			free(c[k].tokens[t]);
		free(c[k].tokens);
	}
	free(c);
	return rc;
}

/* Phase 1 for pipermail trees: what the volume texts' changes mean for
 * the pages, indexes, database and attachments, built, written beside
 * their files (with apply) and recorded. */
int
apply_prepare_pipermail(struct mailbox_list *boxes, const struct plan *p,
		  const struct box_work *w, size_t n,
		  const struct apply_settings *as, struct apply_report *rep,
		  struct errbuf *err)
{
	const struct plan_settings *ps = plan_settings_of(p);
	struct pm_settings pms = {
		.notice = as->tombstone_text, .marker = ps->marker,
		.remove_attachments = as->remove_attachments,
	};
	struct pm_purge *pp = pm_purge_new(&pms);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct mailbox *mb = boxes->items[plan_box(p, i)->mailbox];
		unsigned long long size;

		if (w[i].bc.count == 0)
			continue;
		rc = note_box(pp, mb, &w[i], ps->select, err);
		if (rc > 0 && size_after(mb, &w[i], &size))
			pm_purge_text_size(pp, mailbox_path(mb), size);
		rc = rc < 0 ? -1 : 0;
	}
	/* the volume texts the run leaves as they are, for check_texts */
	for (size_t i = 0; i < boxes->count && rc == 0 && pm_purge_any(pp); i++)
		if (mailbox_is_pipermail_text(boxes->items[i]))
			rc = pm_purge_note(pp, boxes->items[i], NULL, 0, err) < 0
				? -1 : 0;
	if (rc == 0 && pm_purge_any(pp))
		rc = pm_purge_build(pp, &rep->pipermail, err);
	if (rc == 0 && as->apply)
		rc = pm_edits_prepare(&rep->pipermail, err);
	for (size_t i = 0; i < rep->pipermail.count && rc == 0 && as->record;
	     i++) {
		const struct pm_edit *ed = &rep->pipermail.items[i];
		size_t index = 0;
		const char *text = pm_purge_page_of(pp, ed->path, &index);

		if (pm_edit_changes(ed))
			rc = record_file(as->record, ed->path, ed->remove,
					 pm_edit_kind_name(ed->kind), text,
					 index, err);
		/* the new bytes are known now: the intent holds their digest */
		if (rc == 0 && pm_edit_changes(ed) && ed->data)
			record_file_after(as->record, ed->path, ed->data,
					  ed->len);
	}
	pm_purge_free(&pp);
	return rc;
}

/* Before the first commit: each list folder's journal, naming the
 * digests its volume texts will have and the new copies of its files. */
int
apply_journal_pipermail(struct mailbox_list *boxes, const struct plan *p,
		  const struct box_work *w, size_t n, struct apply_report *rep,
		  struct errbuf *err)
{
	struct pm_text_after *texts = xcalloc(n + 1, sizeof *texts);
	size_t ntexts = 0;
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < rep->pipermail.count; i++)
		any |= pm_edit_changes(&rep->pipermail.items[i]);
	for (size_t i = 0; any && i < n; i++) {
		const struct mailbox *mb = boxes->items[plan_box(p, i)->mailbox];
		const struct change_digests *d = w[i].prepared
			? writer_digests(w[i].prepared) : NULL;

		if (!d || !d->has_file_after ||
		    !pm_volume_text(mailbox_path(mb), NULL, NULL))
			continue;
		texts[ntexts].path = mailbox_path(mb);
		memcpy(texts[ntexts++].sha256, d->file_after, DIGEST_LEN);
	}
	if (any) {
		rc = pm_journal_write(&rep->pipermail, texts, ntexts, err);
		rep->pipermail.journaled = true;        /* some may be written */
	}
	free(texts);
	return rc;
}


void
apply_touch_pipermail(struct mailbox_list *boxes, const struct plan *p,
		      const struct box_work *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct mailbox *mb = boxes->items[plan_box(p, i)->mailbox];

		if (w[i].bc.count > 0 && mailbox_is_pipermail_text(mb) &&
		    mailbox_compression(mb) == MAILBOX_GZIP)
			(void)utimensat(AT_FDCWD, mailbox_path(mb), NULL, 0);
	}
}
