/* pm-database.h -- taking messages out of a pipermail volume's database
 * (listscrub-pipermail(7)): list/database/VOL-{article,date,author,
 * subject,thread} are each one Python-2 marshal dict that Mailman reads
 * back to rebuild the volume's index pages, so a message left there comes
 * back into them when the next message arrives.  A page is tied to its
 * article record by the filename in the record's pickle, which is read
 * as text and never unpickled; the record's key (the msgid) and date
 * name the entries of the other four files.  Every kept entry is copied
 * byte for byte, in its order, so Mailman reads the rest as it was.
 */
#ifndef LISTSCRUB_PM_DATABASE_H
#define LISTSCRUB_PM_DATABASE_H

#include <stddef.h>

struct errbuf;
struct pm_edits;

/* Drop the records of pages[0..n) ("NNNNNN.html") of volume VOL from
 * list_dir/database/VOL-{article,date,author,subject,thread}: each file
 * that changes becomes a PM_EDIT_DATABASE edit in edits (its new bytes;
 * dropped = entries taken out).  *no_record_r counts pages with no
 * article record.  -1 with err naming the file and offset when a file
 * is not the marshal data Mailman writes.
 *
 * A file that is missing is left alone, and so is one with nothing to
 * drop.  A file edits already changes is read from that edit, which this
 * one extends.  On -1 edits is as it was. */
int pm_database_drop(const char *list_dir, const char *volume,
		     char *const *pages, size_t n, struct pm_edits *edits,
		     size_t *no_record_r, struct errbuf *err);

#endif
