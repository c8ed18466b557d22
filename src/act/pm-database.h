/* pm-database.h -- taking messages out of a pipermail volume's database
 * (listscrub-pipermail(7)): list/database/VOL-{article,date,author,
 * subject,thread} are each one Python-2 marshal dict that Mailman reads
 * back to rebuild the volume's index pages, so a message left there comes
 * back into them when the next message arrives.  A page is tied to its
 * article record by the filename in the record's pickle, which is read
 * as text and never unpickled; the record's key (the msgid) and date
 * name the entries of the other four files.  Every kept entry is copied
 * byte for byte, in its order, so Mailman reads the rest as it was; a
 * redacted string is the only object a redaction writes anew.
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

/* Replace, in list_dir/database/VOL-{article,date,author,subject,thread},
 * every occurrence of any of tokens[0..n) inside a string object (marshal
 * codes s, u, t) by marker, and write that object again with its new
 * length; every other byte stays as it was.  A token is looked for as it
 * is, and an address L@D also as "L at D", "L%40D" and "L&#64;D", ASCII
 * letters in any case, the longest form first where several start.  In
 * the article records' pickle text only the string arguments change
 * (never an attribute's name), and a form is also looked for as the
 * pickle spells it: non-ASCII bytes as \xNN (S'...'), and as
 * raw-unicode-escape (V lines).  marker is ASCII without a quote, a
 * backslash or a newline (it is spliced into pickle text as it is).
 *
 * Each file that changes becomes a PM_EDIT_DATABASE edit in edits, or
 * extends the edit already there (dropped = strings changed).  -1 with
 * err naming the file and offset when a file is not the marshal data
 * Mailman writes (as pm_database_drop), or a record holding a form is not
 * pickle text it writes; edits are then as they were. */
int pm_database_redact(const char *list_dir, const char *volume,
		       char *const *tokens, size_t n, const char *marker,
		       struct pm_edits *edits, struct errbuf *err);

#endif
