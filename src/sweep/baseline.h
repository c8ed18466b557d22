/* baseline.h -- the findings a sweep's operators reviewed, kept as keyed
 * fingerprints, never in clear: HMAC-SHA256 under the incident key of
 * the rule id, the Message-ID (or, for a message without one, the
 * mailbox's path relative to its archive) and the matched text: a
 * mailbox rotated or moved keeps its accepted findings.  A nightly sweep reports only the
 * findings whose fingerprint is not in it; `sweep --accept` adds them.
 * The file (JSON) names the key's id: another key's fingerprints would
 * never match, and are refused. */
#ifndef LISTSCRUB_SWEEP_BASELINE_H
#define LISTSCRUB_SWEEP_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

struct baseline;
struct errbuf;
struct incident_key;

#define FINGERPRINT_SIZE 65     /* hex and NUL */

void sweep_fingerprint(const struct incident_key *key, const char *rule,
		       const char *rel_path, const char *message_id,
		       const char *text, size_t text_len,
		       char out[FINGERPRINT_SIZE]);

/* Read path (none yet: empty). */
int baseline_load(const char *path, const struct incident_key *key,
		  struct baseline **b_r, struct errbuf *err);

bool baseline_has(const struct baseline *b, const char *fp);
void baseline_add(struct baseline *b, const char *fp);
size_t baseline_count(const struct baseline *b);

/* Write it atomically (temporary file, fsync, rename). */
int baseline_save(const struct baseline *b, struct errbuf *err);

void baseline_free(struct baseline **b);

#endif
