/* minisign.c -- minisign's key and signature files over libsodium. */
#include "config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "audit/minisign.h"
#include "lib/xalloc.h"

#define PK_BYTES  crypto_sign_PUBLICKEYBYTES     /* 32 */
#define SK_BYTES  crypto_sign_SECRETKEYBYTES     /* 64: seed || pk */
#define SIG_BYTES crypto_sign_BYTES              /* 64 */
#define SALT_BYTES crypto_pwhash_scryptsalsa208sha256_SALTBYTES  /* 32 */
#define CHK_BYTES 32
#define PREHASH_BYTES 64

/* The secret part that scrypt's output is XORed with. */
struct keynum_sk {
	unsigned char keyid[MS_KEYID_LEN];
	unsigned char sk[SK_BYTES];
	unsigned char chk[CHK_BYTES];
};

/* All byte arrays: no padding, so sizeof is the file layout. */
struct sk_blob {
	unsigned char sig_alg[2];
	unsigned char kdf_alg[2];
	unsigned char chk_alg[2];
	unsigned char salt[SALT_BYTES];
	unsigned char opslimit[8];
	unsigned char memlimit[8];
	struct keynum_sk keynum_sk;
};

struct pk_blob {
	unsigned char sig_alg[2];
	unsigned char keyid[MS_KEYID_LEN];
	unsigned char pk[PK_BYTES];
};

struct sig_blob {
	unsigned char sig_alg[2];
	unsigned char keyid[MS_KEYID_LEN];
	unsigned char sig[SIG_BYTES];
};

struct ms_secret {
	unsigned char keyid[MS_KEYID_LEN];
	unsigned char sk[SK_BYTES];
};

struct ms_public {
	unsigned char keyid[MS_KEYID_LEN];
	unsigned char pk[PK_BYTES];
};

_Static_assert(sizeof(struct sk_blob) == 158, "minisign secret key layout");
_Static_assert(sizeof(struct pk_blob) == 42, "minisign public key layout");
_Static_assert(sizeof(struct sig_blob) == 74, "minisign signature layout");

/* ---- small pieces -------------------------------------------------------- */

static void
keyid_text(const unsigned char keyid[MS_KEYID_LEN],
	   char out[MS_KEYID_TEXT_SIZE])
{
	uint64_t v = 0;

	/* minisign prints the id read as a little-endian number */
	for (int i = MS_KEYID_LEN - 1; i >= 0; i--)
		v = v << 8 | keyid[i];
	snprintf(out, MS_KEYID_TEXT_SIZE, "%016" PRIX64, v);
}

static void
put_u64le(unsigned char out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_u64le(const unsigned char in[8])
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | in[i];
	return v;
}

static char *
base64_of(const void *bin, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(n);

	sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

/* Decode one base64 line that must hold exactly len bytes. */
static bool
base64_exact(const char *b64, size_t b64_len, void *bin, size_t len)
{
	size_t got;

	return sodium_base642bin(bin, len, b64, b64_len, NULL, &got, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       got == len;
}

static void
checksum(const struct sk_blob *b, unsigned char out[CHK_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, CHK_BYTES);
	crypto_generichash_update(&st, b->sig_alg, sizeof b->sig_alg);
	crypto_generichash_update(&st, b->keynum_sk.keyid, MS_KEYID_LEN);
	crypto_generichash_update(&st, b->keynum_sk.sk, SK_BYTES);
	crypto_generichash_final(&st, out, CHK_BYTES);
}

/* XOR the secret part with scrypt(password): encrypts and decrypts. */
static int
xor_with_password(struct sk_blob *b, const char *password, struct errbuf *err)
{
	unsigned char *stream = sodium_malloc(sizeof b->keynum_sk);
	unsigned char *p = (unsigned char *)&b->keynum_sk;
	int rc = 0;

	if (stream == NULL)
		return errbuf_set(err, "out of secure memory for the key");
	if (crypto_pwhash_scryptsalsa208sha256(
		    stream, sizeof b->keynum_sk, password, strlen(password),
		    b->salt, get_u64le(b->opslimit),
		    (size_t)get_u64le(b->memlimit)) != 0)
		rc = errbuf_set(err, "scrypt failed (not enough memory for the "
				"key's parameters?)");
	else
		for (size_t i = 0; i < sizeof b->keynum_sk; i++)
			p[i] ^= stream[i];
	sodium_free(stream);
	return rc;
}

/* The lines of a small text file: each ends in LF (a CR before it is
 * allowed, as minisign allows). */
struct lines {
	const char *start[4];
	size_t len[4];
	size_t count;
};

static bool
split_lines(const char *text, size_t len, size_t want, struct lines *l)
{
	size_t pos = 0;

	l->count = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n;

		if (nl == NULL || l->count == want)
			return false;
		n = (size_t)(nl - (text + pos));
		l->start[l->count] = text + pos;
		l->len[l->count] = n > 0 && text[pos + n - 1] == '\r' ? n - 1 : n;
		l->count++;
		pos += n + 1;
	}
	return l->count == want;
}

static bool
starts_with(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(p, prefix, n) == 0;
}

/* Read a key file: an untrusted comment line, then one base64 line that
 * must decode to exactly size bytes into blob.  The text is wiped.
 * 1 read, 0 not of that form, -1 unreadable (err filled). */
static int
read_key_file(const char *path, void *blob, size_t size, struct errbuf *err)
{
	struct lines l;
	char *text;
	size_t len;
	bool ok;

	if (read_whole_file(path, &text, &len, err) < 0)
		return -1;
	ok = split_lines(text, len, 2, &l) &&
	     starts_with(l.start[0], l.len[0], "untrusted comment:") &&
	     base64_exact(l.start[1], l.len[1], blob, size);
	sodium_memzero(text, len);
	free(text);
	return ok;
}

/* ---- keys ----------------------------------------------------------------- */

int
ms_keygen(const char *prefix, const char *password, enum ms_kdf_cost cost,
	  struct errbuf *err)
{
	struct sk_blob *sk = sodium_malloc(sizeof *sk);
	struct pk_blob pk;
	char keyid[MS_KEYID_TEXT_SIZE], *b64, *text, *path;
	int rc;

	if (sk == NULL)
		return errbuf_set(err, "out of secure memory for the key");
	memset(sk, 0, sizeof *sk);
	memcpy(sk->sig_alg, "Ed", 2);
	memcpy(sk->chk_alg, "B2", 2);
	randombytes_buf(sk->keynum_sk.keyid, MS_KEYID_LEN);
	crypto_sign_keypair(pk.pk, sk->keynum_sk.sk);
	memcpy(pk.sig_alg, "Ed", 2);
	memcpy(pk.keyid, sk->keynum_sk.keyid, MS_KEYID_LEN);
	checksum(sk, sk->keynum_sk.chk);
	keyid_text(pk.keyid, keyid);
	rc = 0;
	if (password) {
		memcpy(sk->kdf_alg, "Sc", 2);
		randombytes_buf(sk->salt, SALT_BYTES);
		put_u64le(sk->opslimit, cost == MS_KDF_SENSITIVE
			  ? crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE
			  : crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE);
		put_u64le(sk->memlimit, cost == MS_KDF_SENSITIVE
			  ? crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE
			  : crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE);
		rc = xor_with_password(sk, password, err);
	}
	if (rc == 0) {
		b64 = base64_of(sk, sizeof *sk);
		text = xasprintf("untrusted comment: listscrub %s secret key "
				 "%s\n%s\n", password ? "encrypted" : "unencrypted",
				 keyid, b64);
		path = xasprintf("%s.key", prefix);
		rc = file_create_new(path, 0600, text, strlen(text), err);
		sodium_memzero(text, strlen(text));
		sodium_memzero(b64, strlen(b64));
		free(text);
		free(b64);
		free(path);
	}
	sodium_free(sk);
	if (rc < 0)
		return -1;
	b64 = base64_of(&pk, sizeof pk);
	text = xasprintf("untrusted comment: minisign public key %s\n%s\n",
			 keyid, b64);
	path = xasprintf("%s.pub", prefix);
	rc = file_create_new(path, 0644, text, strlen(text), err);
	free(text);
	free(b64);
	free(path);
	return rc;
}

/* Read and decode PATH's secret key blob into sodium memory. */
static int
read_sk_blob(const char *path, struct sk_blob **blob_r, struct errbuf *err)
{
	struct sk_blob *b = sodium_malloc(sizeof *b);
	int got;

	if (b == NULL)
		return errbuf_set(err, "out of secure memory for the key");
	if ((got = read_key_file(path, b, sizeof *b, err)) < 0) {
		sodium_free(b);
		return -1;
	}
	if (got == 0 ||
	    memcmp(b->sig_alg, "Ed", 2) != 0 || memcmp(b->chk_alg, "B2", 2) != 0 ||
	    (memcmp(b->kdf_alg, "Sc", 2) != 0 &&
	     memcmp(b->kdf_alg, "\0\0", 2) != 0)) {
		sodium_free(b);
		return errbuf_set(err, "'%s' is not a minisign secret key "
				  "(make one with 'listscrub keygen --out "
				  "PREFIX' or 'minisign -G')", path);
	}
	*blob_r = b;
	return 0;
}

int
ms_secret_is_encrypted(const char *path, struct errbuf *err)
{
	struct sk_blob *b;
	int enc;

	if (read_sk_blob(path, &b, err) < 0)
		return -1;
	enc = memcmp(b->kdf_alg, "Sc", 2) == 0;
	sodium_free(b);
	return enc;
}

int
ms_secret_load(const char *path, const char *password,
	       struct ms_secret **key_r, struct errbuf *err)
{
	unsigned char chk[CHK_BYTES];
	struct ms_secret *key;
	struct sk_blob *b;
	bool encrypted;
	int rc = 0;

	if (read_sk_blob(path, &b, err) < 0)
		return -1;
	encrypted = memcmp(b->kdf_alg, "Sc", 2) == 0;
	if (encrypted && password == NULL)
		rc = errbuf_set(err, "'%s' is encrypted: give its password",
				path);
	else if (encrypted)
		rc = xor_with_password(b, password, err);
	checksum(b, chk);
	/* minisign -W writes an all-zero checksum and never checks it */
	if (rc == 0 && sodium_memcmp(chk, b->keynum_sk.chk, CHK_BYTES) != 0 &&
	    (encrypted || !sodium_is_zero(b->keynum_sk.chk, CHK_BYTES)))
		rc = errbuf_set(err, encrypted
				? "wrong password for '%s'"
				: "'%s' is damaged (its checksum does not match)",
				path);
	if (rc == 0) {
		key = sodium_malloc(sizeof *key);
		if (key == NULL)
			rc = errbuf_set(err, "out of secure memory for the key");
		else {
			memcpy(key->keyid, b->keynum_sk.keyid, MS_KEYID_LEN);
			memcpy(key->sk, b->keynum_sk.sk, SK_BYTES);
			*key_r = key;
		}
	}
	sodium_free(b);
	return rc;
}

void
ms_secret_free(struct ms_secret **key)
{
	if (*key)
		sodium_free(*key);
	*key = NULL;
}

int
ms_public_load(const char *path, struct ms_public **key_r, struct errbuf *err)
{
	struct pk_blob b;
	int got = read_key_file(path, &b, sizeof b, err);

	if (got < 0)
		return -1;
	if (got == 0 || memcmp(b.sig_alg, "Ed", 2) != 0)
		return errbuf_set(err, "'%s' is not a minisign public key (two "
				  "lines: a comment, then base64 of 42 bytes)",
				  path);
	*key_r = xmalloc(sizeof **key_r);
	memcpy((*key_r)->keyid, b.keyid, MS_KEYID_LEN);
	memcpy((*key_r)->pk, b.pk, PK_BYTES);
	return 0;
}

void
ms_public_free(struct ms_public **key)
{
	free(*key);
	*key = NULL;
}

void
ms_secret_keyid(const struct ms_secret *key, char out[MS_KEYID_TEXT_SIZE])
{
	keyid_text(key->keyid, out);
}

void
ms_public_keyid(const struct ms_public *key, char out[MS_KEYID_TEXT_SIZE])
{
	keyid_text(key->keyid, out);
}

/* ---- signatures ------------------------------------------------------------ */

static bool
comment_is_valid(const char *c, size_t len)
{
	if (len > MS_COMMENT_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)c[i] < 0x20 && c[i] != '\t')
			return false;
	return true;
}

static void
prehash(const void *data, size_t len, unsigned char out[PREHASH_BYTES])
{
	crypto_generichash(out, PREHASH_BYTES, data, len, NULL, 0);
}

/* The message of the global signature: sig || trusted comment text. */
static unsigned char *
global_message(const unsigned char sig[SIG_BYTES], const char *comment,
	       size_t comment_len)
{
	unsigned char *m = xmalloc(SIG_BYTES + comment_len);

	memcpy(m, sig, SIG_BYTES);
	memcpy(m + SIG_BYTES, comment, comment_len);
	return m;
}

int
ms_sign(const struct ms_secret *key, const void *data, size_t len,
	const char *trusted_comment, char **sig_r, struct errbuf *err)
{
	unsigned char digest[PREHASH_BYTES], global[SIG_BYTES], *gm;
	size_t clen = strlen(trusted_comment);
	char keyid[MS_KEYID_TEXT_SIZE], *b64_sig, *b64_global;
	struct sig_blob sig;

	if (!comment_is_valid(trusted_comment, clen))
		return errbuf_set(err, "a trusted comment must be one printable "
				  "line of at most %d bytes", MS_COMMENT_MAX);
	memcpy(sig.sig_alg, "ED", 2);
	memcpy(sig.keyid, key->keyid, MS_KEYID_LEN);
	prehash(data, len, digest);
	crypto_sign_detached(sig.sig, NULL, digest, sizeof digest, key->sk);
	gm = global_message(sig.sig, trusted_comment, clen);
	crypto_sign_detached(global, NULL, gm, SIG_BYTES + clen, key->sk);
	free(gm);
	keyid_text(key->keyid, keyid);
	b64_sig = base64_of(&sig, sizeof sig);
	b64_global = base64_of(global, sizeof global);
	*sig_r = xasprintf("untrusted comment: signature from listscrub, key "
			   "%s\n%s\ntrusted comment: %s\n%s\n", keyid, b64_sig,
			   trusted_comment, b64_global);
	free(b64_sig);
	free(b64_global);
	return 0;
}

int
ms_verify(const struct ms_public *key, const void *data, size_t len,
	  const char *text, size_t text_len, char **trusted_r,
	  struct errbuf *err)
{
	static const char tc_prefix[] = "trusted comment: ";
	unsigned char digest[PREHASH_BYTES], global[SIG_BYTES], *gm;
	char want[MS_KEYID_TEXT_SIZE], got[MS_KEYID_TEXT_SIZE];
	const char *comment;
	struct sig_blob sig;
	struct lines l;
	size_t clen;
	int ok;

	if (!split_lines(text, text_len, 4, &l) ||
	    !starts_with(l.start[0], l.len[0], "untrusted comment:") ||
	    !base64_exact(l.start[1], l.len[1], &sig, sizeof sig) ||
	    !starts_with(l.start[2], l.len[2], tc_prefix) ||
	    !base64_exact(l.start[3], l.len[3], global, sizeof global))
		return errbuf_set(err, "not a minisign signature file (four "
				  "lines: untrusted comment, signature, "
				  "trusted comment, global signature)");
	if (memcmp(sig.sig_alg, "ED", 2) != 0)
		return errbuf_set(err, "the signature is not of the prehashed "
				  "kind (\"ED\"); legacy signatures are refused");
	if (memcmp(sig.keyid, key->keyid, MS_KEYID_LEN) != 0) {
		keyid_text(sig.keyid, got);
		keyid_text(key->keyid, want);
		return errbuf_set(err, "signed by key %s, not by the pinned key "
				  "%s", got, want);
	}
	prehash(data, len, digest);
	if (crypto_sign_verify_detached(sig.sig, digest, sizeof digest,
					key->pk) != 0)
		return errbuf_set(err, "the signature does not match the file "
				  "(the file was changed, or signed by another "
				  "key)");
	comment = l.start[2] + strlen(tc_prefix);
	clen = l.len[2] - strlen(tc_prefix);
	if (!comment_is_valid(comment, clen))
		return errbuf_set(err, "the trusted comment is not one "
				  "printable line");
	gm = global_message(sig.sig, comment, clen);
	ok = crypto_sign_verify_detached(global, gm, SIG_BYTES + clen,
					 key->pk) == 0;
	free(gm);
	if (!ok)
		return errbuf_set(err, "the trusted comment was changed after "
				  "signing (its signature does not match)");
	*trusted_r = xstrndup(comment, clen);
	return 0;
}
