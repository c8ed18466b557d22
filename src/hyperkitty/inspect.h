/* inspect.h -- the hyperkitty check of listscrub verify: a HyperKitty
 * run's signed report (audit/verify.h) against the site as it is now,
 * asked through the app's read-only listscrub_inspect:
 *
 *   - every email the run deleted is in no table any more (emails,
 *     attachments), has no attachment file left and no search document;
 *   - every email it redacted exports to the digest recorded, and its
 *     search document is the one the index would make of it now;
 *   - the rows the run did not name (emails, attachments, threads,
 *     senders, lists, votes) have the digests the run recorded after it.
 *
 * That no leaked token is left anywhere is the gone check of the export
 * (with the incident key), as for files.
 */
#ifndef LISTSCRUB_HK_INSPECT_H
#define LISTSCRUB_HK_INSPECT_H

struct check_result;
struct hk_site;
struct json_t;

void hk_inspect(const struct hk_site *s, const struct json_t *run,
		struct check_result *r);

#endif
