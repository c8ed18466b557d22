/* incident.c -- the incident key file and the keyed MACs. */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "audit/incident.h"

#define KEY_BYTES 32

struct incident_key {
	unsigned char k[KEY_BYTES];
};

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

void
incident_mac(const struct incident_key *key, const char *context,
	     const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key->k, KEY_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"lmr/v1/", 7);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)context,
				      strlen(context) + 1);
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, out);
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
