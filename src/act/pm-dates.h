/* pm-dates.h -- the dates an index page shows for its volume: Starting
 * (the first message's), Ending and Last message date (the last one's).
 * Mailman writes them from the volume's database date keys, in the
 * server's local time at that moment.  When a deletion takes the first
 * or the last message out, they move to the first and last the database
 * keeps, at the same offset from UTC and in the same form as before
 * ("Mon Nov  1 14:44:28 EDT 2010", or asctime without a zone). */
#ifndef LISTSCRUB_PM_DATES_H
#define LISTSCRUB_PM_DATES_H

struct errbuf;
struct pm_edits;

/* For volume VOL of list_dir, after its database and index edits are in
 * edits: the four index pages' dates, moved where they must. */
int pm_index_dates(const char *list_dir, const char *volume,
		   struct pm_edits *edits, struct errbuf *err);

#endif
