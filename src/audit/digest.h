/* digest.h -- SHA-256 and HMAC-SHA256 values as the manifest writes them:
 * "<alg>:<64 lowercase hex>", with alg "sha256" or "hmac-sha256". */
#ifndef LISTSCRUB_DIGEST_H
#define LISTSCRUB_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;

#define DIGEST_LEN 32
/* "hmac-sha256:" + 64 hex + NUL */
#define DIGEST_TEXT_SIZE 80

void sha256_of(const void *data, size_t len, unsigned char out[DIGEST_LEN]);

/* SHA-256 of a file's bytes, read in chunks; *size_r gets its length. */
int sha256_of_file(const char *path, unsigned char out[DIGEST_LEN],
		   uint64_t *size_r, struct errbuf *err);

/* "sha256:<hex>" (or with alg "hmac-sha256") into out. */
void digest_format(char out[DIGEST_TEXT_SIZE], const char *alg,
		   const unsigned char d[DIGEST_LEN]);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_format(char *out, const unsigned char *d, size_t n);

/* Parse "alg:<64 lowercase hex>"; false when s is not exactly that. */
bool digest_parse(const char *s, const char *alg,
		  unsigned char out[DIGEST_LEN]);

#endif
