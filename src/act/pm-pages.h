/* pm-pages.h -- the page edits of a pipermail deletion, on bytes in
 * memory (listscrub-pipermail(7)): a message page becomes a tombstone of
 * the same name, a neighbour's previous/next link skips the removed
 * pages, the index pages lose their entries, the list's table of
 * contents shows the new sizes of the downloads.  Each keeps every byte
 * it does not have to change, in Mailman's own markup of the page's era.
 */
#ifndef LISTSCRUB_PM_PAGES_H
#define LISTSCRUB_PM_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct errbuf;

enum pm_direction { PM_PREVIOUS, PM_NEXT };

/* A page's link to its neighbour in one direction, as Mailman wrote it:
 * the <LINK REL=...> tag in the head and the list item shown above and
 * below the message.  Empty strings when the page has no such neighbour. */
struct pm_link {
	char target[32];                /* "NNNNNN.html", or "" */
	char *tag;                      /* caller owns: pm_link_release */
	char *item;
};

/* The link of page in direction dir (-1 with err when the page's
 * markup is not Mailman's: two different targets, say). */
int pm_page_link(const char *page, size_t len, enum pm_direction dir,
		 struct pm_link *link, struct errbuf *err);
void pm_link_release(struct pm_link *link);

/* page with its dir link (to a removed page) replaced by repl: the head
 * tag and every list item naming the old target.  *replaced_r counts
 * the places changed. */
void pm_page_relink(const char *page, size_t len, enum pm_direction dir,
		    const struct pm_link *repl, struct buf *out,
		    size_t *replaced_r);

/* The tombstone of page: its frame, charset and the list's footer kept,
 * no subject, author, address, date or body; notice in place of the
 * body (HTML-escaped here); prev and next the links to the nearest kept
 * neighbours. */
int pm_tombstone(const char *page, size_t len, const char *notice,
		 const struct pm_link *prev, const struct pm_link *next,
		 struct buf *out, struct errbuf *err);

/* An index page (thread, date, subject, author) without the entries of
 * pages[0..n), its "Messages:" count lowered by the entries taken out
 * (*dropped_r). */
int pm_index_drop(const char *index, size_t len, char *const *pages,
		  size_t n, struct buf *out, size_t *dropped_r,
		  struct errbuf *err);

/* The list's index.html with the download of volume vol (file name
 * "VOL.txt.gz" or "VOL.txt") labelled with size bytes, as Mailman's
 * sizeof() writes it.  *changed_r says whether the row was there. */
void pm_toc_resize(const char *toc, size_t len, const char *file,
		   unsigned long long size, struct buf *out, bool *changed_r);

#endif
