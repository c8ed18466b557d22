/* incident.c -- the incident key file and the keyed MACs (HMAC-SHA256
 * through libcrypto, for its SHA instructions: verify MACs every
 * message of an archive). */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "audit/incident.h"

#define KEY_BYTES 32

struct incident_key {
	unsigned char k[KEY_BYTES];
	unsigned long serial;   /* names the key to the HMAC contexts */
};

static atomic_ulong key_serials;

int
incident_key_generate(const char *path, struct errbuf *err)
{
	unsigned char k[KEY_BYTES];
	char text[2 * KEY_BYTES + 2];
	int rc;

	randombytes_buf(k, sizeof k);
	hex_format(text, k, sizeof k);
	text[2 * KEY_BYTES] = '\n';
	text[2 * KEY_BYTES + 1] = '\0';
	rc = file_create_new(path, 0600, text, 2 * KEY_BYTES + 1, err);
	sodium_memzero(k, sizeof k);
	sodium_memzero(text, sizeof text);
	return rc;
}

int
incident_key_load(const char *path, struct incident_key **key_r,
		  struct errbuf *err)
{
	struct incident_key *key;
	size_t len, got;
	char *text;
	int rc = 0;

	if (read_whole_file(path, &text, &len, err) < 0)
		return -1;
	key = sodium_malloc(sizeof *key);
	if (key == NULL)
		rc = errbuf_set(err, "out of secure memory for the key");
	else if (!((len == 2 * KEY_BYTES ||
		    (len == 2 * KEY_BYTES + 1 && text[len - 1] == '\n')) &&
		   sodium_hex2bin(key->k, KEY_BYTES, text, 2 * KEY_BYTES, NULL,
				  &got, NULL) == 0 && got == KEY_BYTES))
		rc = errbuf_set(err, "'%s' is not an incident key (one line of "
				"64 hex digits; make one with 'listscrub keygen "
				"--incident-key FILE')", path);
	sodium_memzero(text, len);
	free(text);
	if (rc < 0) {
		if (key)
			sodium_free(key);
		return -1;
	}
	key->serial = atomic_fetch_add(&key_serials, 1) + 1;
	*key_r = key;
	return 0;
}

void
incident_key_free(struct incident_key **key)
{
	if (*key)
		sodium_free(*key);
	*key = NULL;
}

static EVP_MAC *hmac;
static pthread_key_t hmac_ctx_key;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

/* A thread's HMAC context, and the key (serial) it was last keyed with:
 * it keeps that key's inner and outer pads, so that a MAC per message
 * does not hash them again. */
struct hmac_state {
	EVP_MAC_CTX *ctx;
	unsigned long serial;
};

static void
hmac_ctx_free(void *arg)
{
	struct hmac_state *st = arg;

	EVP_MAC_CTX_free(st->ctx);
	free(st);
}

static void
hmac_fetch(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (hmac == NULL || pthread_key_create(&hmac_ctx_key, hmac_ctx_free))
		abort();        /* libcrypto without HMAC: not a usable build */
}

void
incident_mac(const struct incident_key *key, const char *context,
	     const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	struct hmac_state *st;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 digest, 0),
		OSSL_PARAM_construct_end(),
	};
	size_t got;

	/* one context per thread, reused: a MAC is taken per message */
	pthread_once(&hmac_once, hmac_fetch);
	st = pthread_getspecific(hmac_ctx_key);
	if (st == NULL) {
		st = xcalloc(1, sizeof *st);
		if ((st->ctx = EVP_MAC_CTX_new(hmac)) == NULL)
			out_of_memory(sizeof st->ctx);
		(void)pthread_setspecific(hmac_ctx_key, st);
	}
	/* keyed once per key and thread; then a NULL key starts again
	 * with the pads kept */
	if ((st->serial == key->serial
	     ? EVP_MAC_init(st->ctx, NULL, 0, NULL)
	     : EVP_MAC_init(st->ctx, key->k, KEY_BYTES, params)) != 1)
		abort();
	st->serial = key->serial;
	if (EVP_MAC_update(st->ctx, (const unsigned char *)"lmr/v1/", 7) != 1 ||
	    EVP_MAC_update(st->ctx, (const unsigned char *)context,
			   strlen(context) + 1) != 1 ||
	    EVP_MAC_update(st->ctx, data, len) != 1 ||
	    EVP_MAC_final(st->ctx, out, &got, DIGEST_LEN) != 1 ||
	    got != DIGEST_LEN)
		abort();        /* HMAC-SHA256 of bytes in memory cannot fail */
}

void
incident_mac_text(const struct incident_key *key, const char *context,
		  const void *data, size_t len, char out[DIGEST_TEXT_SIZE])
{
	unsigned char mac[DIGEST_LEN];

	incident_mac(key, context, data, len, mac);
	digest_format(out, "hmac-sha256", mac);
}

void
incident_key_id(const struct incident_key *key,
		char out[INCIDENT_KID_TEXT_SIZE])
{
	unsigned char mac[DIGEST_LEN];
	char hex[2 * DIGEST_LEN + 1];

	incident_mac(key, "kid", "", 0, mac);
	hex_format(hex, mac, DIGEST_LEN);
	memcpy(out, hex, INCIDENT_KID_TEXT_SIZE - 1);
	out[INCIDENT_KID_TEXT_SIZE - 1] = '\0';
}
