/* pm-volume.h -- the pages of one pipermail volume that a deletion
 * removes, and what it does to them and to their neighbours and index
 * pages (act/pipermail.c's part per volume; see listscrub-pipermail(7)).
 * Private to act/pipermail. */
#ifndef LISTSCRUB_PM_VOLUME_H
#define LISTSCRUB_PM_VOLUME_H

#include <stddef.h>

#include "act/pm-pages.h"

struct errbuf;
struct pm_edits;

/* A volume's removed pages, read, with their links to their neighbours
 * in thread order. */
struct pm_volume {
	const char *list_dir, *volume;  /* borrowed */
	char **names;                   /* removed pages (borrowed strings),
					   in number order once loaded */
	char **html;
	size_t *len;
	struct pm_link *prev, *next;
	size_t n;
};

/* Page of list_dir/volume, read whole; caller frees. */
int pm_read_page(const char *list_dir, const char *volume, const char *page,
		 char **data_r, size_t *len_r, struct errbuf *err);

/* w with no page yet; pm_volume_add each removed page's name. */
void pm_volume_init(struct pm_volume *w, const char *list_dir,
		    const char *volume);
void pm_volume_add(struct pm_volume *w, const char *page);

/* Read every removed page and its links. */
int pm_volume_load(struct pm_volume *w, struct errbuf *err);
void pm_volume_release(struct pm_volume *w);

/* Each removed page becomes its tombstone, saying notice. */
int pm_volume_tombstones(struct pm_volume *w, const char *notice,
			 struct pm_edits *edits, struct errbuf *err);

/* Kept pages whose previous or next page is removed link past it. */
int pm_volume_neighbours(struct pm_volume *w, struct pm_edits *edits,
			 struct errbuf *err);

/* The four index pages without the removed pages' entries. */
int pm_volume_indexes(struct pm_volume *w, struct pm_edits *edits,
		      struct errbuf *err);

#endif
