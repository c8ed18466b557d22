/* cmd-verify.c -- the auditor's check of a run, as text or JSON. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/incident.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/verify.h"
#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/report.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

#define EXIT_PARTIAL 3

struct verify_opts {
	const char *manifest, *pubkey, *incident_key, *prev;
	int format;
	unsigned long jobs;
};

static const char *const status_names[] = {
	[STATUS_OK] = "OK", [STATUS_FAIL] = "FAIL",
	[STATUS_NOT_CHECKED] = "NOT CHECKED",
};

static int
verdict(const struct verify_report *rep, const char **text_r)
{
	bool failed = false, partial = false;

	for (int c = 0; c < CHECK_COUNT; c++) {
		failed |= rep->checks[c].status == STATUS_FAIL;
		partial |= rep->checks[c].status == STATUS_NOT_CHECKED &&
			   rep->checks[c].required;
	}
	*text_r = failed ? "FAILED: a check failed"
		: partial ? "passed, but a required check could not run"
		: "verified: every check passed";
	return failed ? EXIT_FINDINGS : partial ? EXIT_PARTIAL : EXIT_CLEAN;
}

static void
print_text(const struct verify_report *rep)
{
	for (int c = 0; c < CHECK_COUNT; c++) {
		const struct check_result *r = &rep->checks[c];

		printf("%-12s %-13s %s\n", status_names[r->status],
		       verify_check_name(c), r->detail);
		for (size_t i = 0; i < r->n_findings; i++)
			printf("    %s\n", r->findings[i]);
	}
}

static void
print_json(const struct verify_report *rep, const char *verdict_text,
	   int code)
{
	json_t *checks = json_array(), *out;

	for (int c = 0; c < CHECK_COUNT; c++) {
		const struct check_result *r = &rep->checks[c];
		json_t *findings = json_array();

		for (size_t i = 0; i < r->n_findings; i++)
			json_array_append_new(findings, json_text(r->findings[i]));
		json_array_append_new(checks, json_pack(
			"{s:s, s:s, s:b, s:o, s:o}", "check",
			verify_check_name(c), "status", status_names[r->status],
			"required", r->required, "detail", json_text(r->detail),
			"findings", findings));
	}
	out = json_pack("{s:o, s:s, s:i}", "checks", checks, "verdict",
			verdict_text, "exit", code);
	json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(out);
}

static int
load_keys(const struct verify_opts *vo, struct ms_public **pub,
	  struct incident_key **ikey)
{
	struct errbuf err;

	errbuf_clear(&err);
	if (ms_public_load(vo->pubkey, pub, &err) < 0 ||
	    (vo->incident_key &&
	     incident_key_load(vo->incident_key, ikey, &err) < 0)) {
		report(D_KEY, NULL, "verify: %s", err.msg);
		return -1;
	}
	return 0;
}

/* A run's directory: there, and holding a manifest (whether it is a good
 * one is what verify checks). */
static bool
is_run_dir(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	struct stat st;
	bool yes = stat(path, &st) == 0;

	free(path);
	return yes;
}

static int
verify(const struct verify_opts *vo, char *const *paths, size_t npaths)
{
	struct ms_public *pub = NULL;
	struct incident_key *ikey = NULL;
	struct verify_report rep;
	struct errbuf err;
	const char *text;
	int rc = EXIT_ERROR;

	errbuf_clear(&err);
	if (load_keys(vo, &pub, &ikey) == 0) {
		struct verify_settings vs = {
			.manifest_dir = vo->manifest, .pubkey = pub,
			.incident_key = ikey, .prev_dir = vo->prev,
			.paths = paths, .npaths = npaths,
			.jobs = (unsigned int)vo->jobs,
		};

		if (verify_run(&vs, &rep, &err) < 0)
			report(D_VERIFY_CANNOT_RUN, NULL, "verify: %s",
			       err.msg);
		else {
			rc = verdict(&rep, &text);
			if (vo->format == FORMAT_JSON)
				print_json(&rep, text, rc);
			else {
				print_text(&rep);
				printf("# %s\n", text);
			}
		}
		verify_report_release(&rep);
	}
	ms_public_free(&pub);
	incident_key_free(&ikey);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub verify --manifest DIR --pubkey FILE "
		"[--incident-key FILE] [--prev DIR] PATH...";
	struct verify_opts vo = { .format = FORMAT_TEXT };
	struct opt_spec specs[] = {
		{ "manifest", OPT_STRING, &vo.manifest, "DIR",
		  "the run's directory (manifest.jsonl and its companions)",
		  NULL },
		{ "pubkey", OPT_STRING, &vo.pubkey, "FILE",
		  "the pinned minisign public key of the signer", NULL },
		{ "incident-key", OPT_STRING, &vo.incident_key, "FILE",
		  "the incident key: check that nothing removed is back", NULL },
		{ "prev", OPT_STRING, &vo.prev, "DIR",
		  "the previous run of the incident: check the chain", NULL },
		{ "format", OPT_KEYWORD, &vo.format, "text|json",
		  "output format", format_keywords },
		{ "jobs", OPT_UINT, &vo.jobs, "N",
		  "worker threads for the scan (default: one per core)", NULL },
		{ 0 },
	};
	int first, rc;

	if ((rc = cmd_parse("verify", synopsis, argc, argv, specs, &first)) >= 0)
		return rc;
	if (vo.manifest == NULL || vo.pubkey == NULL)
		return usage_error("verify", "give --manifest DIR and --pubkey "
				   "FILE");
	if (first >= argc)
		return usage_error("verify", "no PATH given (the archive's root "
				   "directory, or the PATHs purge was given)");
	if (!is_run_dir(vo.manifest))
		return usage_error("verify", "--manifest takes a run's directory "
				   "(listscrub-manifests/INCIDENT/NNNN), which "
				   "holds manifest.jsonl; that one does not");
	return verify(&vo, argv + first, (size_t)(argc - first));
}
