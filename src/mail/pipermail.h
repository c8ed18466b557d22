/* pipermail.h -- a Mailman 2 pipermail archive tree as listscrub reads it
 * (listscrub-pipermail(7)).
 *
 * A list folder (archives/private/LIST) holds one volume per period: the
 * folder VOL/ of message pages (NNNNNN.html, numbered archive-wide) and
 * index pages, and VOL.txt / VOL.txt.gz, the volume's messages as text.
 * Pages carry no Message-ID: Mailman appends a message to VOL.txt in the
 * same call that writes its page, so the k-th message of VOL.txt is the
 * k-th page of VOL/ in number order.  The texts are read as mboxes; this
 * module ties their messages to pages and checks each pair.
 */
#ifndef LISTSCRUB_PIPERMAIL_H
#define LISTSCRUB_PIPERMAIL_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;

/* Is dir a pipermail list folder: pipermail.pck, or database/ beside an
 * index.html, and at least one volume (VOL.txt or VOL.txt.gz beside a
 * folder VOL)? */
bool pm_is_list_dir(const char *dir);

/* "VOL" of a volume text's name ("VOL.txt", "VOL.txt.gz"), else NULL;
 * caller frees. */
char *pm_volume_of_name(const char *name);

/* Is path a volume text of a list folder (LIST/VOL.txt or .txt.gz with
 * the folder LIST/VOL beside it, LIST a list folder)?  If so, and
 * list_dir_r / volume_r are not NULL, they are set (caller frees). */
bool pm_volume_text(const char *path, char **list_dir_r, char **volume_r);

/* What marks a tombstone, near its top: a page whose message listscrub
 * deleted.  Its message is no longer in the volume text, so tombstones
 * are left out when pages are tied to messages. */
#define PM_TOMBSTONE_MARK "<!--listscrub: tombstone-->"

/* The pages of a volume ("NNNNNN.html"), in number order: those that
 * show a message, or (with_tombstones) all.  Caller owns: pm_pages_free. */
int pm_volume_pages(const char *list_dir, const char *volume,
		    bool with_tombstones, char ***pages_r, size_t *n_r,
		    struct errbuf *err);
void pm_pages_free(char **pages, size_t n);

/* Page names (char *const *) in number order, for qsort. */
int pm_compare_pages(const void *a, const void *b);

/* The Message-IDs of a volume's pages[0..n), as its database knows them
 * (database/VOL-article: a record's key, tied to its page by the file
 * name in the record, read as text, never unpickled), "<id>", or NULL
 * where it has none.  Pre-2.0 volume texts carry no Message-ID lines;
 * the database does.  Caller owns: pm_ids_free.  -1 with err when the
 * file is not the marshal data Mailman writes; 0 with all NULL when
 * there is no database. */
int pm_volume_ids(const char *list_dir, const char *volume,
		  char *const *pages, size_t n, char ***ids_r,
		  struct errbuf *err);
void pm_ids_free(char **ids, size_t n);

/* "VOL/NNNNNN.html", the page of message index of the volume text at
 * path that holds messages messages; NULL when pages and messages cannot
 * be tied.  Caller frees. */
char *pm_page_of(const char *path, size_t index, size_t messages);

/* Do a page and a message of the volume text belong together?  Their
 * subjects agree (letters and digits, the page's entities decoded,
 * addresses in either munged form): -1 with err saying what differs. */
int pm_check_pair(const char *page, size_t page_len, const char *msg,
		  size_t msg_len, struct errbuf *err);

/* The text between the first <tag...> and its </tag> (case-insensitive),
 * or NULL; *len_r its length. */
const char *pm_html_element(const char *html, size_t len, const char *tag,
			    size_t *len_r);

#endif
