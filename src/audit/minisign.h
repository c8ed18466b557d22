/* minisign.h -- minisign-compatible Ed25519 keys and signatures, made with
 * libsodium alone.
 *
 * Files (all base64 lines are standard base64 with padding):
 *   PREFIX.pub  "untrusted comment: ..." / b64("Ed" keyid[8] pk[32])
 *   PREFIX.key  "untrusted comment: ..." / b64("Ed" kdf[2] "B2" salt[32]
 *               opslimit(u64le) memlimit(u64le) keyid[8] sk[64] chk[32]),
 *               the last 104 bytes XORed with scrypt(password) when kdf is
 *               "Sc"; chk = BLAKE2b-256("Ed" keyid sk)
 *   FILE.minisig four lines: untrusted comment, b64("ED" keyid sig[64]),
 *               "trusted comment: TEXT", b64(global sig[64])
 * We sign only the prehashed form minisign requires of new tools: sig =
 * Ed25519(BLAKE2b-512(file)), global = Ed25519(sig || TEXT).  Note that
 * this is plain Ed25519 over the 64-byte digest, not RFC 8032 Ed25519ph.
 */
#ifndef LISTSCRUB_MINISIGN_H
#define LISTSCRUB_MINISIGN_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;
struct ms_secret;
struct ms_public;

#define MS_KEYID_LEN 8
#define MS_KEYID_TEXT_SIZE 17
#define MS_COMMENT_MAX 8000

/* How hard the password of a secret key is to guess (scrypt cost). */
enum ms_kdf_cost {
	MS_KDF_INTERACTIVE,     /* 16 MiB: quick, for tests and laptops */
	MS_KDF_SENSITIVE,       /* 1 GiB: minisign's own default */
};

/* Write PREFIX.key (mode 0600) and PREFIX.pub; neither may exist yet.
 * password NULL: the secret key is stored unencrypted (minisign -W). */
int ms_keygen(const char *prefix, const char *password, enum ms_kdf_cost cost,
	      struct errbuf *err);

/* Is the secret key file encrypted?  -1 with err filled when unreadable. */
int ms_secret_is_encrypted(const char *path, struct errbuf *err);

/* Load a secret key; password is needed when it is encrypted. */
int ms_secret_load(const char *path, const char *password,
		   struct ms_secret **key_r, struct errbuf *err);
void ms_secret_free(struct ms_secret **key);

int ms_public_load(const char *path, struct ms_public **key_r,
		   struct errbuf *err);
void ms_public_free(struct ms_public **key);

/* The key id as minisign prints it (16 uppercase hex digits). */
void ms_secret_keyid(const struct ms_secret *key,
		     char out[MS_KEYID_TEXT_SIZE]);
void ms_public_keyid(const struct ms_public *key,
		     char out[MS_KEYID_TEXT_SIZE]);

/* The text of a .minisig file for data, with trusted comment text (one
 * printable line).  Caller owns. */
int ms_sign(const struct ms_secret *key, const void *data, size_t len,
	    const char *trusted_comment, char **sig_r, struct errbuf *err);

/* Check a .minisig text for data against a pinned public key: prehashed
 * algorithm, key id, both signatures.  0 with *trusted_r (caller owns) the
 * trusted comment, or -1 with err saying what failed. */
int ms_verify(const struct ms_public *key, const void *data, size_t len,
	      const char *sig, size_t sig_len, char **trusted_r,
	      struct errbuf *err);

#endif
