/* test-merkle.c -- RFC 6962 roots against the Certificate Transparency
 * reference vectors (leaves "", 00, 10, 2021, ... for sizes 0 to 8). */
#include "config.h"

#include "helpers.h"

#include <sodium.h>

#include "audit/digest.h"
#include "audit/merkle.h"

static const char *const leaves_hex[] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const roots[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static size_t
unhex(const char *s, unsigned char *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

static void
test_merkle__matches_ct_reference_roots(void **state)
{
	for (size_t size = 0; size <= 8; size++) {
		struct merkle *m = merkle_new();
		unsigned char root[DIGEST_LEN], leaf[32];
		char hex[2 * DIGEST_LEN + 1];

		for (size_t i = 0; i < size; i++)
			merkle_add(m, leaf, unhex(leaves_hex[i], leaf));
		merkle_root(m, root);
		hex_format(hex, root, DIGEST_LEN);
		assert_string_equal(hex, roots[size]);
		assert_int_equal(merkle_count(m), size);
		merkle_free(&m);
		assert_null(m);
	}
}

/* RFC 6962 §2.1 as written, over libsodium's SHA-256: the reference. */
static void
reference_mth(const unsigned char (*leaves)[4], size_t n, unsigned char *out)
{
	unsigned char buf[1 + 2 * DIGEST_LEN];
	size_t k = 1;

	if (n == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
		return;
	}
	if (n == 1) {
		buf[0] = 0x00;
		memcpy(buf + 1, leaves[0], 4);
		crypto_hash_sha256(out, buf, 5);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	buf[0] = 0x01;
	reference_mth(leaves, k, buf + 1);
	reference_mth(leaves + k, n - k, buf + 1 + DIGEST_LEN);
	crypto_hash_sha256(out, buf, sizeof buf);
}

/* The root is built as the leaves come (complete subtrees only): it must
 * be the recursive definition's for every size, not only up to 8. */
static void
test_merkle__streamed_root_is_the_recursive_one(void **state)
{
	unsigned char leaves[300][4], want[DIGEST_LEN], got[DIGEST_LEN];
	struct merkle *m = merkle_new();

	for (size_t n = 0; n <= 300; n++) {
		reference_mth((const void *)leaves, n, want);
		merkle_root(m, got);
		assert_memory_equal(got, want, DIGEST_LEN);
		assert_int_equal(merkle_count(m), n);
		if (n == 300)
			break;
		leaves[n][0] = (unsigned char)n;
		leaves[n][1] = (unsigned char)(n >> 8);
		leaves[n][2] = 0x5a;
		leaves[n][3] = (unsigned char)(n * 7);
		merkle_add(m, leaves[n], 4);
	}
	merkle_free(&m);
}

static void
test_merkle__order_and_content_matter(void **state)
{
	struct merkle *a = merkle_new(), *b = merkle_new();
	unsigned char ra[DIGEST_LEN], rb[DIGEST_LEN];

	merkle_add(a, "x", 1);
	merkle_add(a, "y", 1);
	merkle_add(b, "y", 1);
	merkle_add(b, "x", 1);
	merkle_root(a, ra);
	merkle_root(b, rb);
	assert_memory_not_equal(ra, rb, DIGEST_LEN);
	merkle_free(&a);
	merkle_free(&b);
}

static void
test_digest__text_round_trip_and_strictness(void **state)
{
	unsigned char d[DIGEST_LEN], back[DIGEST_LEN];
	char text[DIGEST_TEXT_SIZE];

	sha256_of("abc", 3, d);
	digest_format(text, "sha256", d);
	assert_string_equal(text, "sha256:ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
	assert_true(digest_parse(text, "sha256", back));
	assert_memory_equal(d, back, DIGEST_LEN);
	assert_false(digest_parse(text, "hmac-sha256", back));
	text[10] = 'A';         /* uppercase hex is not canonical */
	assert_false(digest_parse(text, "sha256", back));
	assert_false(digest_parse("sha256:00", "sha256", back));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_merkle__matches_ct_reference_roots),
	cmocka_unit_test(test_merkle__streamed_root_is_the_recursive_one),
	cmocka_unit_test(test_merkle__order_and_content_matter),
	cmocka_unit_test(test_digest__text_round_trip_and_strictness),
};

RUN_TESTS(tests)
