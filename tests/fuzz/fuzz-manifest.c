/* fuzz-manifest.c -- the manifest reader verify uses (audit/manifest.h:
 * manifest_read) and the syntax checks of listscrub verify behind it
 * (verify_run over a manifest directory).  The input is manifest.jsonl;
 * when it reads, it is signed, with a summary.json, by a key made once,
 * so that the checks after the signature run on it too.  Invariants: a
 * manifest that reads has a header first and a footer last, and each line
 * is the canonical form of its object; a refused one says why. */
#include "config.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/digest.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/verify.h"
#include "fuzz.h"
#include "lib/errbuf.h"

static struct ms_secret *secret;
static struct ms_public *public;
static char run_dir[4096], archive_dir[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[4096], path[4096];
	struct errbuf err;

	(void)argc;
	(void)argv;
	FUZZ_CHECK(sodium_init() >= 0);         /* as main does */
	snprintf(prefix, sizeof prefix, "%s/key", fuzz_scratch_dir());
	snprintf(run_dir, sizeof run_dir, "%s/run", fuzz_scratch_dir());
	snprintf(archive_dir, sizeof archive_dir, "%s/archive",
		 fuzz_scratch_dir());
	FUZZ_CHECK(mkdir(run_dir, 0700) == 0 && mkdir(archive_dir, 0700) == 0);
	if (ms_keygen(prefix, NULL, MS_KDF_INTERACTIVE, &err) < 0)
		goto fail;
	snprintf(path, sizeof path, "%s.key", prefix);
	if (ms_secret_load(path, NULL, &secret, &err) < 0)
		goto fail;
	snprintf(path, sizeof path, "%s.pub", prefix);
	if (ms_public_load(path, &public, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "fuzz-manifest: %s\n", err.msg);
	exit(1);
}

/* Sign name (data) into run_dir/name.minisig with the trusted comment
 * the manifest asks for. */
static void
sign(const struct manifest *m, const char *name, const char *data,
     size_t len)
{
	char *comment = manifest_trusted_comment(name, manifest_header(m),
						 manifest_footer(m));
	char *sig, path[4200];
	struct errbuf err;

	if (comment == NULL || strlen(comment) > MS_COMMENT_MAX ||
	    strpbrk(comment, "\r\n") != NULL) {
		free(comment);
		return;
	}
	if (ms_sign(secret, data, len, comment, &sig, &err) == 0) {
		snprintf(path, sizeof path, "%s/%s.minisig", run_dir, name);
		fuzz_write_file(path, sig, strlen(sig));
		free(sig);
	}
	free(comment);
}

static void
write_summary(const struct manifest *m)
{
	unsigned char digest[DIGEST_LEN];
	char text[DIGEST_TEXT_SIZE], path[4200], *s;
	json_t *sum;

	sha256_of(m->text, m->len, digest);
	digest_format(text, "sha256", digest);
	sum = json_pack("{s:s, s:O?, s:O?}", "manifest", text, "merkle_root",
			json_object_get(manifest_footer(m), "merkle_root"),
			"seq", json_object_get(manifest_header(m), "seq"));
	FUZZ_CHECK(sum != NULL);
	s = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sum);
	FUZZ_CHECK(s != NULL);
	snprintf(path, sizeof path, "%s/summary.json", run_dir);
	fuzz_write_file(path, s, strlen(s));
	sign(m, "summary.json", s, strlen(s));
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4200], *paths[1] = { archive_dir };
	struct manifest m;
	struct errbuf err;
	struct verify_settings vs = {
		.manifest_dir = run_dir, .pubkey = public, .paths = paths,
		.npaths = 1, .jobs = 1,
	};
	struct verify_report rep;
	unsigned char root[DIGEST_LEN];

	fuzz_empty_dir(run_dir);
	snprintf(path, sizeof path, "%s/%s", run_dir, MANIFEST_NAME);
	fuzz_write_file(path, data, size);
	errbuf_clear(&err);
	if (manifest_read(path, &m, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
	} else {
		FUZZ_CHECK(m.count >= 2 && m.len == size);
		FUZZ_CHECK(memcmp(m.text, data, size) == 0);
		FUZZ_CHECK(strcmp(json_str(manifest_header(&m), "t"), "header") == 0);
		FUZZ_CHECK(strcmp(json_str(manifest_footer(&m), "t"), "footer") == 0);
		for (size_t i = 0; i < m.count; i++) {
			char *line = manifest_line(m.lines[i]);

			FUZZ_CHECK(m.raw[i] >= m.text &&
				   m.raw[i] + m.raw_len[i] < m.text + m.len);
			FUZZ_CHECK(m.raw[i][m.raw_len[i]] == '\n');
			FUZZ_CHECK(line != NULL && strlen(line) == m.raw_len[i] &&
				   memcmp(line, m.raw[i], m.raw_len[i]) == 0);
			free(line);
		}
		manifest_root(&m, root);
		sign(&m, MANIFEST_NAME, m.text, m.len);
		write_summary(&m);
		manifest_release(&m);
	}
	errbuf_clear(&err);
	if (verify_run(&vs, &rep, &err) == 0)
		FUZZ_CHECK(rep.checks[CHECK_SYNTAX].status != STATUS_NOT_CHECKED);
	verify_report_release(&rep);
	return 0;
}
