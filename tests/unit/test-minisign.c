/* test-minisign.c -- keys, signatures and the failures verify must see;
 * the incident key's MACs against values computed with Python's hmac. */
#include "config.h"

#include "helpers.h"

#include <sodium.h>

#include "lib/errbuf.h"
#include "audit/incident.h"
#include "audit/minisign.h"

struct keys {
	char *dir, *prefix;
	struct ms_secret *sk;
	struct ms_public *pk;
};

static void
make_keys(struct keys *k, const char *password)
{
	struct errbuf err;
	char *path;

	k->dir = test_tempdir();
	assert_true(asprintf(&k->prefix, "%s/key", k->dir) > 0);
	if (ms_keygen(k->prefix, password, MS_KDF_INTERACTIVE, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(asprintf(&path, "%s.key", k->prefix) > 0);
	assert_int_equal(ms_secret_is_encrypted(path, &err), password != NULL);
	if (ms_secret_load(path, password, &k->sk, &err) < 0)
		fail_msg("%s", err.msg);
	free(path);
	assert_true(asprintf(&path, "%s.pub", k->prefix) > 0);
	if (ms_public_load(path, &k->pk, &err) < 0)
		fail_msg("%s", err.msg);
	free(path);
}

static void
drop_keys(struct keys *k)
{
	ms_secret_free(&k->sk);
	ms_public_free(&k->pk);
	free(k->prefix);
	free(k->dir);
}

static char *
sign(const struct keys *k, const char *data, const char *comment)
{
	struct errbuf err;
	char *sig;

	if (ms_sign(k->sk, data, strlen(data), comment, &sig, &err) < 0)
		fail_msg("%s", err.msg);
	return sig;
}

static int
verify(const struct keys *k, const char *data, const char *sig,
       struct errbuf *err)
{
	char *trusted = NULL;
	int rc = ms_verify(k->pk, data, strlen(data), sig, strlen(sig),
			   &trusted, err);

	free(trusted);
	return rc;
}

static void
test_minisign__round_trip_and_deterministic(void **state)
{
	struct keys k;
	char sk_id[MS_KEYID_TEXT_SIZE], pk_id[MS_KEYID_TEXT_SIZE];
	char *a, *b, *trusted;
	struct errbuf err;

	make_keys(&k, NULL);
	ms_secret_keyid(k.sk, sk_id);
	ms_public_keyid(k.pk, pk_id);
	assert_string_equal(sk_id, pk_id);
	a = sign(&k, "manifest bytes\n", "lmr1 seq=1");
	b = sign(&k, "manifest bytes\n", "lmr1 seq=1");
	assert_string_equal(a, b);      /* Ed25519 is deterministic */
	assert_int_equal(ms_verify(k.pk, "manifest bytes\n", 15, a, strlen(a),
				   &trusted, &err), 0);
	assert_string_equal(trusted, "lmr1 seq=1");
	free(trusted);
	free(a);
	free(b);
	drop_keys(&k);
}

static void
test_minisign__every_tampering_fails(void **state)
{
	struct keys k, other;
	struct errbuf err;
	char *sig, *bad, *p;

	make_keys(&k, NULL);
	make_keys(&other, NULL);
	sig = sign(&k, "data\n", "lmr1 seq=1");
	assert_int_equal(verify(&k, "data\r\n", sig, &err), -1);
	assert_non_null(strstr(err.msg, "does not match the file"));
	assert_int_equal(verify(&other, "data\n", sig, &err), -1);
	assert_non_null(strstr(err.msg, "not by the pinned key"));
	bad = strdup(sig);
	p = strstr(bad, "seq=1");
	p[4] = '2';
	assert_int_equal(verify(&k, "data\n", bad, &err), -1);
	assert_non_null(strstr(err.msg, "trusted comment was changed"));
	free(bad);
	/* legacy "Ed" instead of prehashed "ED": base64 "RU..." -> "RW..." */
	bad = strdup(sig);
	p = strchr(bad, '\n') + 1;
	assert_memory_equal(p, "RU", 2);
	p[1] = 'W';
	assert_int_equal(verify(&k, "data\n", bad, &err), -1);
	assert_non_null(strstr(err.msg, "legacy"));
	free(bad);
	/* joined lines are not a signature file */
	bad = strdup(sig);
	*strchr(bad, '\n') = ' ';
	assert_int_equal(verify(&k, "data\n", bad, &err), -1);
	free(bad);
	/* the untrusted comment is not signed: editing it is fine */
	assert_true(asprintf(&bad, "untrusted comment: edited%s",
			     strchr(sig, '\n')) > 0);
	assert_int_equal(verify(&k, "data\n", bad, &err), 0);
	free(bad);
	free(sig);
	drop_keys(&k);
	drop_keys(&other);
}

static void
test_minisign__encrypted_key_needs_its_password(void **state)
{
	struct keys k;
	struct ms_secret *sk = NULL;
	struct errbuf err;
	char *path;

	make_keys(&k, "s3cret");
	assert_true(asprintf(&path, "%s.key", k.prefix) > 0);
	assert_int_equal(ms_secret_load(path, "wrong", &sk, &err), -1);
	assert_non_null(strstr(err.msg, "wrong password"));
	assert_int_equal(ms_secret_load(path, NULL, &sk, &err), -1);
	assert_null(sk);
	free(path);
	drop_keys(&k);
}

static void
test_minisign__refuses_bad_files(void **state)
{
	char *dir = test_tempdir(), *path;
	struct ms_public *pk = NULL;
	struct errbuf err;

	path = test_write(dir, "x.pub", "untrusted comment: x\nRWQAAA==\n",
			  SIZE_MAX);
	assert_int_equal(ms_public_load(path, &pk, &err), -1);
	free(path);
	path = test_write(dir, "y.key", "not a key\n", SIZE_MAX);
	assert_int_equal(ms_secret_is_encrypted(path, &err), -1);
	free(path);
	free(dir);
}

/* Known answers: Python's hmac over b"lmr/v1/tok\0ann@example.org" and
 * b"lmr/v1/kid\0" under the key 00 01 02 ... 1f. */
static void
test_incident__macs_are_domain_separated_hmac_sha256(void **state)
{
	char *dir = test_tempdir(), *path;
	char text[DIGEST_TEXT_SIZE], kid[INCIDENT_KID_TEXT_SIZE];
	unsigned char a[DIGEST_LEN], b[DIGEST_LEN];
	struct incident_key *key, *other;
	struct errbuf err;

	path = test_write(dir, "k", "000102030405060708090a0b0c0d0e0f"
			  "101112131415161718191a1b1c1d1e1f\n", SIZE_MAX);
	if (incident_key_load(path, &key, &err) < 0)
		fail_msg("%s", err.msg);
	incident_mac_text(key, MAC_TOKEN, "ann@example.org", 15, text);
	assert_string_equal(text, "hmac-sha256:f801bc886a51b337c8f21bc2344a7e"
			    "466df8bd3582438f327c1ce9526ec4162d");
	incident_key_id(key, kid);
	assert_string_equal(kid, "4fb6ee27f9b9e071");
	incident_mac(key, MAC_TOKEN, "x", 1, a);
	incident_mac(key, MAC_MESSAGE_ID, "x", 1, b);
	assert_memory_not_equal(a, b, DIGEST_LEN);
	incident_key_free(&key);
	free(path);
	/* the context keeps a key's pads: another key in between, and the
	 * first one again, must give the same known answers */
	path = test_write(dir, "k2", "ffeeddccbbaa99887766554433221100"
			  "ffeeddccbbaa99887766554433221100\n", SIZE_MAX);
	assert_int_equal(incident_key_load(path, &other, &err), 0);
	free(path);
	path = test_write(dir, "k", "000102030405060708090a0b0c0d0e0f"
			  "101112131415161718191a1b1c1d1e1f\n", SIZE_MAX);
	assert_int_equal(incident_key_load(path, &key, &err), 0);
	incident_mac_text(other, MAC_TOKEN, "ann@example.org", 15, text);
	assert_string_not_equal(text, "hmac-sha256:f801bc886a51b337c8f21bc2344a"
				"7e466df8bd3582438f327c1ce9526ec4162d");
	for (int i = 0; i < 2; i++) {
		incident_mac_text(key, MAC_TOKEN, "ann@example.org", 15, text);
		assert_string_equal(text, "hmac-sha256:f801bc886a51b337c8f21bc2"
				    "344a7e466df8bd3582438f327c1ce9526ec4162d");
	}
	incident_key_id(key, kid);
	assert_string_equal(kid, "4fb6ee27f9b9e071");
	incident_key_free(&key);
	incident_key_free(&other);
	free(path);
	path = test_write(dir, "bad", "00010203\n", SIZE_MAX);
	assert_int_equal(incident_key_load(path, &key, &err), -1);
	free(path);
	free(dir);
}

static void
test_incident__generate_makes_a_private_new_file(void **state)
{
	char *dir = test_tempdir(), *path;
	struct incident_key *key;
	struct errbuf err;
	struct stat st;

	assert_true(asprintf(&path, "%s/new.key", dir) > 0);
	assert_int_equal(incident_key_generate(path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	assert_int_equal(incident_key_generate(path, &err), -1);
	assert_int_equal(incident_key_load(path, &key, &err), 0);
	incident_key_free(&key);
	free(path);
	free(dir);
}

static int
setup(void **state)
{
	return sodium_init() < 0 ? -1 : 0;
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_minisign__round_trip_and_deterministic),
	cmocka_unit_test(test_minisign__every_tampering_fails),
	cmocka_unit_test(test_minisign__encrypted_key_needs_its_password),
	cmocka_unit_test(test_minisign__refuses_bad_files),
	cmocka_unit_test(test_incident__macs_are_domain_separated_hmac_sha256),
	cmocka_unit_test(test_incident__generate_makes_a_private_new_file),
};

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, NULL);
}
