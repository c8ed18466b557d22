/* test-hk-hash.c -- HyperKitty's message_id_hash, against values its own
 * hyperkitty.lib.utils.get_message_id_hash (1.3.7) gave for the same
 * Message-ID headers. */
#include "config.h"

#include "helpers.h"

#include "hyperkitty/message-id-hash.h"

static void
expect_hash(const char *id, const char *want)
{
	char got[HK_HASH_SIZE];

	hk_message_id_hash(id, got);
	assert_string_equal(got, want);
}

static void
test_hk_hash__brackets_and_white_space_are_not_hashed(void **state)
{
	(void)state;
	expect_hash("1234@example.org", "N6LONV2MWF7JT6VKKRW3TOIJGMRNABQQ");
	expect_hash("<1234@example.org>", "N6LONV2MWF7JT6VKKRW3TOIJGMRNABQQ");
	expect_hash(" < 12 34@example.org >", "N6LONV2MWF7JT6VKKRW3TOIJGMRNABQQ");
	expect_hash("\"q@x\"", "KFSD2IYVQ7EVA5GLMHXY3J7CTEXTT5Y2");
	expect_hash("no-brackets@x", "274DXVH3MJUIDUMTVYSGWAN4O3PM4JL7");
}

static void
test_hk_hash__one_bracket_alone_stays(void **state)
{
	(void)state;
	expect_hash("<a@b", "GGJGF26BBISGHPZQPMV4EC2BFJIRQBGS");
}

static void
test_hk_hash__cut_at_254_characters_not_bytes(void **state)
{
	char id[1024], *p = id;

	(void)state;
	*p++ = '<';
	for (int i = 0; i < 300; i++)   /* U+00E9, two bytes each */
		p += sprintf(p, "\xc3\xa9");
	sprintf(p, "@x>");
	expect_hash(id, "YV2UP2P4Y3IH7SUWC6VLRDQ3CL7TSFEV");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_hk_hash__brackets_and_white_space_are_not_hashed),
	cmocka_unit_test(test_hk_hash__one_bracket_alone_stays),
	cmocka_unit_test(test_hk_hash__cut_at_254_characters_not_bytes),
};

RUN_TESTS(tests)
