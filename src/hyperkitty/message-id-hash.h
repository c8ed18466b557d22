/* message-id-hash.h -- the hash in a HyperKitty URL (".../message/HASH/"),
 * so that a message removed from a HyperKitty export (an mbox.gz) can
 * be found and deleted in the web pages by an admin without database
 * access.  As HyperKitty 1.3 computes it: every white space of the
 * Message-ID removed, one pair of angle brackets around it taken off,
 * the rest cut at 254 characters (its column holds 255), then base32 of
 * its SHA-1: 32 characters of A-Z and 2-7.  (HyperKitty also removes
 * Unicode white space, which no Message-ID of a real mailer holds;
 * here only ASCII white space is.) */
#ifndef LISTSCRUB_HK_MESSAGE_ID_HASH_H
#define LISTSCRUB_HK_MESSAGE_ID_HASH_H

#include <stddef.h>

#define HK_HASH_SIZE 33

/* id: the Message-ID as listscrub keeps it (without its brackets) or as
 * the header holds it. */
void hk_message_id_hash(const char *id, char out[HK_HASH_SIZE]);

#endif
