/* pipermail-private.h -- what a pipermail purge has noted of the volume
 * texts' changes (pm-note.c) and builds from (pipermail.c).  Private to
 * those two files. */
#ifndef LISTSCRUB_PIPERMAIL_PRIVATE_H
#define LISTSCRUB_PIPERMAIL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "act/pipermail.h"

/* A page whose message is deleted or redacted. */
struct removed_page {
	char *list_dir, *volume, *page;
	char *text;                     /* the volume text it was noted from */
	size_t index;                   /* its message there */
	char hex8[9];                   /* attachments; "" without Message-ID */
	bool redacted;                  /* else deleted */
	char **tokens;                  /* redacted: what was taken out */
	size_t ntokens;
};

/* A volume text and the messages deleted and redacted in it. */
struct noted_text {
	char *path;
	size_t messages;                /* it holds now */
	size_t deleted, redacted;
	unsigned long long size;        /* once written; 0: unknown */
	bool has_size;
};

struct pm_purge {
	struct pm_settings s;
	struct removed_page *pages;
	size_t npages, pages_alloc;
	struct noted_text *texts;
	size_t ntexts, texts_alloc;
	char (*kept_hex8)[9];           /* attachments folders of messages kept */
	size_t nkept, kept_alloc;
};

/* The noted volume text at path, or NULL. */
const struct noted_text *pm_noted_text(const struct pm_purge *pp,
				       const char *path);

/* The noted page of list_dir/volume/page, or NULL. */
struct removed_page *pm_find_page(const struct pm_purge *pp,
				  const char *list_dir, const char *volume,
				  const char *page);

#endif
