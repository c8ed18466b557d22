/* digest.h -- SHA-256 and HMAC-SHA256 values as the manifest writes them:
 * "<alg>:<64 lowercase hex>", with alg "sha256" or "hmac-sha256". */
#ifndef LISTSCRUB_DIGEST_H
#define LISTSCRUB_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct errbuf;

#define DIGEST_LEN 32
/* "hmac-sha256:" + 64 hex + NUL */
#define DIGEST_TEXT_SIZE 80

void sha256_of(const void *data, size_t len, unsigned char out[DIGEST_LEN]);

/* SHA-1, for names others derive from it (pipermail's attachment
 * folders, HyperKitty's message_id_hash), never for integrity. */
#define SHA1_LEN 20
void sha1_of(const void *data, size_t len, unsigned char out[SHA1_LEN]);

/* The SHA-256 values of one mailbox's change, as the writer knows them.
 * An mbox: every message before (file order), how many the new file holds
 * (after: NULL; the list is the kept ones' digests before and the
 * redacted ones' as made), and the whole file after.  Message files
 * (Maildir, single): before[k] and after[k] are change k's file as it is
 * and as it will be (after[k] all zero: removed), file_after unset. */
struct change_digests {
	const unsigned char (*before)[DIGEST_LEN];
	size_t n_before;
	const unsigned char (*after)[DIGEST_LEN];
	size_t n_after;
	bool has_file_after;
	unsigned char file_after[DIGEST_LEN];
	uint64_t size_after;
	/* A plain mbox: the whole file as it was, hashed in the same pass,
	 * and the identity of the file those bytes are (its listing before
	 * the run takes the digest instead of reading the file again). */
	bool has_file_before;
	unsigned char file_before[DIGEST_LEN];
	uint64_t size_before;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
};

/* SHA-256 over bytes given piece by piece. */
struct sha256_stream;

/* caller owns: sha256_stream_free (NULL-safe) */
struct sha256_stream *sha256_stream_new(void);
void sha256_stream_update(struct sha256_stream *s, const void *data,
			  size_t len);
/* The digest of everything given since new or the last final; the
 * stream starts again empty. */
void sha256_stream_final(struct sha256_stream *s,
			 unsigned char out[DIGEST_LEN]);
void sha256_stream_free(struct sha256_stream **s);

/* A new stream that has been given what s has so far (caller owns):
 * two digests that share a prefix hash it once. */
struct sha256_stream *sha256_stream_copy(const struct sha256_stream *s);

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
