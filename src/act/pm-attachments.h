/* pm-attachments.h -- the scrubbed attachments of a pipermail message.
 * Mailman's scrubber files a message's parts under
 * attachments/YYYYMMDD/HEX8/, HEX8 the first and last four hex digits of
 * the SHA-1 of its Message-ID header as written (angle brackets
 * included).  The date is not to be trusted (clobbered dates, digests
 * scrubbed a day later), and the plain digest's second copy lies in the
 * same folder, unreferenced: a message's attachments are every file of
 * every attachments/STAR/HEX8/. */
#ifndef LISTSCRUB_PM_ATTACHMENTS_H
#define LISTSCRUB_PM_ATTACHMENTS_H

#include <stddef.h>

struct errbuf;
struct pm_edits;

/* HEX8 of a raw Message-ID header value (surrounding white space is not
 * part of it); out holds 9 bytes. */
void pm_attachment_folder(const char *message_id, size_t len, char out[9]);

/* Every file under list_dir/attachments/STAR/hex8/ becomes a
 * PM_EDIT_ATTACHMENT removal.  *found_r counts them. */
int pm_attachments_remove(const char *list_dir, const char hex8[9],
			  struct pm_edits *edits, size_t *found_r,
			  struct errbuf *err);

#endif
