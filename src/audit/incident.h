/* incident.h -- the per-incident key under which the manifest records
 * personal data: addresses, Message-IDs and message bytes appear only as
 * HMAC-SHA256(K, "lmr/v1/" CONTEXT "\0" || data), so that a manifest
 * alone reveals nothing, and whoever holds K can check that a value is
 * gone.  The key file is one line: 64 lowercase hex digits (32 bytes),
 * usable as is with `openssl mac -macopt hexkey:...`.
 */
#ifndef LISTSCRUB_INCIDENT_H
#define LISTSCRUB_INCIDENT_H

#include <stddef.h>

#include "audit/digest.h"

struct errbuf;
struct incident_key;

#define INCIDENT_KID_TEXT_SIZE 17

/* The contexts; a value never means the same under two of them. */
#define MAC_MESSAGE_ID "mid"    /* a Message-ID, without <> */
#define MAC_TOKEN      "tok"    /* a matched token, normalised */
#define MAC_MESSAGE    "msg"    /* the raw bytes of a message */
#define MAC_RULESET    "rule"   /* what was asked for */
#define MAC_FINDING    "find"   /* a sweep's finding (sweep/baseline.h) */

/* Write a new random key to path (mode 0600); path must not exist. */
int incident_key_generate(const char *path, struct errbuf *err);

int incident_key_load(const char *path, struct incident_key **key_r,
		      struct errbuf *err);

void incident_key_free(struct incident_key **key);

void incident_mac(const struct incident_key *key, const char *context,
		  const void *data, size_t len, unsigned char out[DIGEST_LEN]);

/* "hmac-sha256:<hex>" of data under context. */
void incident_mac_text(const struct incident_key *key, const char *context,
		       const void *data, size_t len,
		       char out[DIGEST_TEXT_SIZE]);

/* The key id: the first 16 hex digits of HMAC(K, "lmr/v1/kid\0"). */
void incident_key_id(const struct incident_key *key,
		     char out[INCIDENT_KID_TEXT_SIZE]);

#endif
