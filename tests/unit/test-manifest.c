/* test-manifest.c -- the byte rules of manifest.jsonl, and archive
 * listings (scope, safe paths, sha256sum format). */
#include "config.h"

#include "helpers.h"

#include <jansson.h>

#include "lib/errbuf.h"
#include "audit/manifest.h"
#include "audit/tree.h"

#define HEADER "{\"t\":\"header\",\"v\":1}\n"
#define FOOTER "{\"t\":\"footer\",\"v\":1}\n"

static int
read_text(const char *text, struct manifest *m, struct errbuf *err)
{
	char *dir = test_tempdir(), *path = test_write(dir, "m", text, SIZE_MAX);
	int rc = manifest_read(path, m, err);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	return rc;
}

/* A line, a file or a count past its cap is refused before it is
 * parsed, naming the file and the line. */
static void
test_manifest__caps_refuse_before_parsing(void **state)
{
	struct manifest_limits small = { 4096, 64, 4 }, saved =
		*manifest_get_limits();
	char *long_line = malloc(200), *text;
	struct manifest m;
	struct errbuf err;
	struct tree t;

	memset(long_line, 'a', 199);
	long_line[199] = '\0';
	manifest_set_limits(&small);
	/* a line too long */
	text = NULL;
	assert_true(asprintf(&text, HEADER "{\"n\":1,\"t\":\"act\",\"x\":\"%s\"}\n"
			     FOOTER, long_line) > 0);
	assert_int_equal(read_text(text, &m, &err), -1);
	assert_non_null(strstr(err.msg, "line 2 is"));
	assert_non_null(strstr(err.msg, "--max-line"));
	free(text);
	/* too many lines */
	assert_int_equal(read_text(HEADER "{\"n\":1,\"t\":\"act\"}\n"
				   "{\"n\":2,\"t\":\"act\"}\n"
				   "{\"n\":3,\"t\":\"act\"}\n" FOOTER, &m, &err),
			 -1);
	assert_non_null(strstr(err.msg, "--max-entries"));
	/* a file too big, refused before it is read */
	small.line_bytes = 1 << 20;
	small.part_bytes = 100;
	manifest_set_limits(&small);
	text = NULL;
	assert_true(asprintf(&text, HEADER "{\"n\":1,\"t\":\"act\",\"x\":\"%s\"}\n"
			     FOOTER, long_line) > 0);
	assert_int_equal(read_text(text, &m, &err), -1);
	assert_non_null(strstr(err.msg, "--max-file-size"));
	free(text);
	/* a listing line too long */
	small.line_bytes = 100;
	manifest_set_limits(&small);
	text = NULL;
	assert_true(asprintf(&text, "%064d  %s\n", 0, long_line) > 0);
	assert_int_equal(tree_parse(&t, text, strlen(text), &err), -1);
	assert_non_null(strstr(err.msg, "line 1"));
	free(text);
	manifest_set_limits(&saved);
	free(long_line);
}

/* A listing naming a path outside the tree is refused, never opened. */
static void
test_tree__listing_refuses_escaping_paths(void **state)
{
	static const char *const bad[] = {
		"../outside", "a/../../etc/passwd", "/etc/passwd", "a/./b",
	};
	struct errbuf err;
	struct tree t;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		char *text = NULL;

		assert_true(asprintf(&text, "%064d  a\n%064d  %s\n", 0, 0,
				     bad[i]) > 0);
		assert_int_equal(tree_parse(&t, text, strlen(text), &err), -1);
		assert_non_null(strstr(err.msg, "line 2"));
		free(text);
	}
}

static void
test_manifest__line_is_sorted_compact_json(void **state)
{
	json_t *o = json_pack("{s:s, s:i, s:{s:n, s:s}}", "zeta", "ü\"\n",
			      "alpha", 3, "mid", "b", "a", "x");
	char *line = manifest_line(o);

	assert_string_equal(line, "{\"alpha\":3,\"mid\":{\"a\":\"x\",\"b\":null},"
			    "\"zeta\":\"ü\\\"\\n\"}");
	free(line);
	json_object_set_new(o, "real", json_real(1.5));
	assert_null(manifest_line(o));
	json_decref(o);
}

static void
test_manifest__reads_a_well_formed_file(void **state)
{
	struct manifest m;
	struct errbuf err;

	if (read_text(HEADER "{\"n\":1,\"t\":\"file\"}\n{\"n\":1,\"t\":\"act\"}\n"
		      "{\"n\":2,\"t\":\"act\"}\n" FOOTER, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m.count, 5);
	assert_string_equal(json_str(manifest_footer(&m), "t"), "footer");
	manifest_release(&m);
}

static void
test_manifest__refuses_every_broken_form(void **state)
{
	static const char *const bad[] = {
		"",                                             /* empty */
		HEADER "{\"t\":\"footer\",\"v\":1}",            /* no final LF */
		HEADER "\n" FOOTER,                             /* blank line */
		"{\"t\":\"header\",\"v\":1}\r\n" FOOTER,        /* CRLF */
		"{\"v\":1,\"t\":\"header\"}\n" FOOTER,          /* key order */
		"{\"t\": \"header\",\"v\":1}\n" FOOTER,         /* a space */
		"{\"t\":\"header\",\"t\":\"header\",\"v\":1}\n" FOOTER, /* dup */
		"{\"t\":\"header\",\"v\":1.0}\n" FOOTER,        /* a real */
		"{\"t\":\"header\",\"v\":2}\n" FOOTER,          /* version */
		FOOTER HEADER,                                  /* order */
		HEADER,                                         /* no footer */
		HEADER "{\"n\":2,\"t\":\"file\"}\n" FOOTER,     /* n gap */
		HEADER "{\"n\":1,\"t\":\"act\"}\n{\"n\":1,\"t\":\"file\"}\n"
		FOOTER,                                         /* file after act */
		"[1]\n" FOOTER,                                 /* not an object */
	};

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		struct manifest m;
		struct errbuf err;

		if (read_text(bad[i], &m, &err) == 0)
			fail_msg("case %zu was accepted", i);
		assert_null(m.lines);
	}
}

static void
test_manifest__trusted_comment_from_header_and_footer(void **state)
{
	const char *root = "sha256:0000000000000000000000000000000000000000"
		"000000000000000000000001";
	json_t *h = json_pack("{s:s, s:i, s:s, s:n}", "incident", "INC-1",
			      "seq", 2, "mode", "apply", "prev");
	json_t *f = json_pack("{s:s, s:{s:i, s:i}, s:s, s:{s:s}}",
			      "merkle_root", root, "entries", "act", 4, "file",
			      1, "finished", "2026-01-01T00:00:00Z",
			      "tree_after", "root", root);
	char *c = manifest_trusted_comment("manifest.jsonl", h, f);

	assert_non_null(c);
	assert_non_null(strstr(c, "lmr1 file=manifest.jsonl incident=INC-1 "
			       "seq=2 mode=apply root=00"));
	assert_non_null(strstr(c, " acts=4 files=1 tree_after=00"));
	assert_non_null(strstr(c, " prev=none finished=2026-01-01T00:00:00Z"));
	free(c);
	json_object_del(f, "finished");
	assert_null(manifest_trusted_comment("manifest.jsonl", h, f));
	json_decref(h);
	json_decref(f);
}

static void
test_tree__safe_paths(void **state)
{
	assert_true(path_is_safe("a/b.mbox"));
	assert_true(path_is_safe("md/cur/1.host:2,S"));
	assert_true(path_is_safe("ü.mbox"));
	assert_false(path_is_safe(""));
	assert_false(path_is_safe("/abs"));
	assert_false(path_is_safe("a/../b"));
	assert_false(path_is_safe("./a"));
	/* one "//" names a member of a tarball, and only one */
	assert_true(path_is_safe("a.tar//b"));
	assert_true(path_is_safe("d/a.tar.gz//m/cur/x"));
	assert_false(path_is_safe("a//b//c"));
	assert_false(path_is_safe("a///b"));
	assert_false(path_is_safe("a//"));
	assert_false(path_is_safe("a//../b"));
	assert_false(path_is_safe("a/"));
	assert_false(path_is_safe("a\nb"));
	assert_false(path_is_safe("a\\b"));
	assert_false(path_is_safe("\xff.mbox"));
}

static void
test_tree__scope_root_is_the_deepest_common_directory(void **state)
{
	char *dir = test_tempdir(), *a, *b, *paths[2];
	struct scope sc;
	struct errbuf err;

	a = test_write(dir, "lists/dev/2020.mbox", "x", SIZE_MAX);
	b = test_write(dir, "lists/devops/2021.mbox", "y", SIZE_MAX);
	paths[0] = b;
	paths[1] = a;
	if (scope_from_paths(&sc, paths, 2, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sc.count, 2);
	assert_string_equal(sc.includes[0], "dev/2020.mbox");
	assert_string_equal(sc.includes[1], "devops/2021.mbox");
	assert_true(strlen(sc.root) > 6);
	assert_string_equal(sc.root + strlen(sc.root) - 6, "/lists");
	scope_release(&sc);
	free(a);
	free(b);
	free(dir);
}

static void
test_tree__listing_is_sha256sum_format_and_parses_back(void **state)
{
	char *dir = test_tempdir(), *f, *text, *paths[1];
	struct tree t, back;
	struct scope sc;
	struct errbuf err;
	size_t len;

	f = test_write(dir, "b.mbox", "abc", SIZE_MAX);
	free(f);
	f = test_write(dir, "a/x", "", SIZE_MAX);
	free(f);
	f = test_write(dir, "b.mbox.lock", "pid", SIZE_MAX);
	free(f);
	paths[0] = dir;
	assert_int_equal(scope_from_paths(&sc, paths, 1, &err), 0);
	assert_string_equal(sc.includes[0], ".");
	if (tree_list(&t, &sc, NULL, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	text = tree_text(&t, &len);
	assert_string_equal(text,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		"  a/x\n"
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
		"  b.mbox\n");
	assert_int_equal(tree_parse(&back, text, len, &err), 0);
	assert_int_equal(back.count, 2);
	assert_non_null(tree_find(&back, "b.mbox"));
	tree_release(&back);
	/* one line alone parses; "z/x" before "b.mbox" is out of order */
	assert_int_equal(tree_parse(&back, strchr(text, '\n') + 1,
				    strlen(strchr(text, '\n') + 1), &err), 0);
	tree_release(&back);
	memcpy(text + 66, "z", 1);
	assert_int_equal(tree_parse(&back, text, len, &err), -1);
	free(text);
	tree_release(&t);
	scope_release(&sc);
	free(dir);
}

/* A Maildir's tmp/ holds deliveries under way, moved out at any moment:
 * not listed; a folder named tmp elsewhere is. */
static void
test_tree__listing_leaves_out_a_maildirs_tmp(void **state)
{
	static const char *const files[] = {
		"md/cur/1:2,S", "md/tmp/2.host", "other/tmp/3",
	};
	char *dir = test_tempdir(), *f, *text, *paths[1], *md_new;
	struct tree t;
	struct scope sc;
	struct errbuf err;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		f = test_write(dir, files[i], "x", SIZE_MAX);
		free(f);
	}
	assert_true(asprintf(&md_new, "%s/md/new", dir) > 0);
	assert_int_equal(mkdir(md_new, 0755), 0);
	paths[0] = dir;
	assert_int_equal(scope_from_paths(&sc, paths, 1, &err), 0);
	if (tree_list(&t, &sc, NULL, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	text = tree_text(&t, &len);
	assert_int_equal(t.count, 2);
	assert_non_null(tree_find(&t, "md/cur/1:2,S"));
	assert_non_null(tree_find(&t, "other/tmp/3"));
	assert_null(strstr(text, "md/tmp"));
	free(text);
	free(md_new);
	tree_release(&t);
	scope_release(&sc);
	test_rmtree(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_tree__listing_leaves_out_a_maildirs_tmp),
	cmocka_unit_test(test_manifest__line_is_sorted_compact_json),
	cmocka_unit_test(test_manifest__caps_refuse_before_parsing),
	cmocka_unit_test(test_tree__listing_refuses_escaping_paths),
	cmocka_unit_test(test_manifest__reads_a_well_formed_file),
	cmocka_unit_test(test_manifest__refuses_every_broken_form),
	cmocka_unit_test(test_manifest__trusted_comment_from_header_and_footer),
	cmocka_unit_test(test_tree__safe_paths),
	cmocka_unit_test(test_tree__scope_root_is_the_deepest_common_directory),
	cmocka_unit_test(test_tree__listing_is_sha256sum_format_and_parses_back),
};

RUN_TESTS(tests)
