/* cmd-verify.c -- the auditor's check of a run, as text or JSON. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/incident.h"
#include "audit/record.h"
#include "audit/manifest.h"
#include "audit/minisign.h"
#include "audit/verify.h"
#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/report.h"
#include "hyperkitty/inspect.h"
#include "hyperkitty/site.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

#define EXIT_PARTIAL 3

struct verify_opts {
	const char *manifest, *pubkey, *incident_key, *prev;
	int format;
	unsigned long jobs;
	bool quiet;
	unsigned long max_file_mb, max_line_kb, max_entries;
	struct limit_opts limits;
	const char *hyperkitty;         /* SETTINGS of the site */
	struct hk_site *site;           /* its export, the archive checked */
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

/* The hyperkitty check is shown only for a run on a HyperKitty site. */
static bool
shown_check(const struct verify_report *rep, int c)
{
	return c != CHECK_HYPERKITTY || rep->checks[c].required;
}

static void
print_text(const struct verify_report *rep)
{
	for (int c = 0; c < CHECK_COUNT; c++) {
		const struct check_result *r = &rep->checks[c];
		char *detail;

		if (!shown_check(rep, c))
			continue;
		detail = print_shown(xstrdup(r->detail));

		printf("%-12s %-13s %s\n", status_names[r->status],
		       verify_check_name(c), detail);
		free(detail);
		for (size_t i = 0; i < r->n_findings; i++) {
			/* a staged tarball member as ARCHIVE//member */
			char *f = print_shown(xstrdup(r->findings[i]));

			printf("    %s\n", f);
			free(f);
		}
	}
}

/* One line per check, then the verdict in the summary. */
static void
print_json(const struct verify_report *rep, const char *verdict_text,
	   int code)
{
	size_t count[STATUS_NOT_CHECKED + 1] = { 0 };

	for (int c = 0; c < CHECK_COUNT; c++) {
		const struct check_result *r = &rep->checks[c];
		json_t *findings;

		if (!shown_check(rep, c))
			continue;
		findings = json_array();
		for (size_t i = 0; i < r->n_findings; i++) {
			char *f = print_shown(xstrdup(r->findings[i]));

			json_array_append_new(findings, json_text(f));
			free(f);
		}
		json_line(stdout, json_pack(
			"{s:s, s:s, s:b, s:o, s:o}", "check",
			verify_check_name(c), "status", status_names[r->status],
			"required", r->required, "detail", json_text(r->detail),
			"findings", findings));
		count[r->status]++;
	}
	json_summary(stdout, json_pack("{s:s, s:i, s:I, s:I, s:I}", "verdict",
		verdict_text, "exit", code, "ok", (json_int_t)count[STATUS_OK],
		"failed", (json_int_t)count[STATUS_FAIL], "not_checked",
		(json_int_t)count[STATUS_NOT_CHECKED]));
}

static int
load_keys(const struct verify_opts *vo, struct ms_public **pub,
	  struct incident_key **ikey)
{
	struct errbuf err;

	errbuf_clear(&err);
	if (ms_public_load(vo->pubkey, pub, &err) < 0 ||
	    (vo->incident_key &&
	     load_incident_key(vo->incident_key, ikey, &err) < 0)) {
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

/* The intent of a run that stopped before its manifest was written
 * (listscrub-manifest(5)): nothing to verify yet, and not OK. */
static bool
is_intent_dir(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, INTENT_NAME);
	struct stat st;
	bool yes = stat(path, &st) == 0 && !is_run_dir(dir);

	free(path);
	return yes;
}

static int
intent_only(const char *dir, int format)
{
	/* a failed check, as verify reports one: not a diagnostic */
	char *detail = xasprintf("%s is the signed intent of a run that "
		"stopped half-way, before its manifest was written: the archive "
		"may hold changes no manifest records; run the same purge again "
		"(it records what that run did, as NNNN.interrupted-K), then "
		"verify the run it writes", dir);
	const char *verdict = "FAILED: an unfinished run";

	if (format == FORMAT_JSON) {
		json_line(stdout, json_pack("{s:s, s:s, s:b, s:o, s:[]}",
			"check", "run", "status", "FAIL", "required", 1,
			"detail", json_text(detail), "findings"));
		json_summary(stdout, json_pack("{s:s, s:i, s:i, s:i, s:i}",
			"verdict", verdict, "exit", EXIT_FINDINGS, "ok", 0,
			"failed", 1, "not_checked", 0));
	} else
		printf("%-12s %-13s %s\n# %s\n", "FAIL", "run", detail, verdict);
	free(detail);
	return EXIT_FINDINGS;
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

		for (size_t i = 0; i < npaths; i++)
			progress_line_plan(paths[i], vo->quiet);
		progress_line_start(vo->quiet);
		rc = verify_run(&vs, &rep, &err);
		progress_line_stop();
		if (rc == 0 && vo->site && rep.hyperkitty)
			hk_inspect(vo->site, rep.hyperkitty,
				   &rep.checks[CHECK_HYPERKITTY]);
		if (rc < 0) {
			report(D_VERIFY_CANNOT_RUN, NULL, "verify: %s",
			       err.msg);
			rc = EXIT_ERROR;
		} else {
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
		"[--incident-key FILE] [--prev DIR] PATH... | "
		"--hyperkitty SETTINGS";
	struct verify_opts vo = {
		.format = FORMAT_TEXT,
		.max_file_mb = MANIFEST_PART_MAX_DEFAULT >> 20,
		.max_line_kb = MANIFEST_LINE_MAX_DEFAULT >> 10,
		.max_entries = MANIFEST_ENTRIES_MAX_DEFAULT,
	};
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
		QUIET_OPT_SPEC(&vo.quiet),
		{ "max-file-size", OPT_UINT, &vo.max_file_mb, "MB",
		  "refuse a file of the run larger than this (default 1024)",
		  NULL },
		{ "max-line", OPT_UINT, &vo.max_line_kb, "KB",
		  "refuse a manifest or listing line longer than this "
		  "(default 1024)", NULL },
		{ "max-entries", OPT_UINT, &vo.max_entries, "N",
		  "refuse a manifest or listing of more lines (default "
		  "10000000)", NULL },
		LIMIT_OPT_SPECS(&vo.limits),
		HYPERKITTY_OPT_SPEC(&vo.hyperkitty),
		{ 0 },
	};
	struct errbuf err;
	char *const *paths;
	size_t npaths;
	int first, rc;

	limit_opts_init(&vo.limits);
	if ((rc = cmd_parse("verify", synopsis, argc, argv, specs, &first)) >= 0)
		return rc;
	if (limit_opts_apply(&vo.limits, &err) < 0)
		return usage_error("verify", err.msg);
	if (vo.manifest == NULL || vo.pubkey == NULL)
		return usage_error("verify", "give --manifest DIR and --pubkey "
				   "FILE");
	if (first >= argc && vo.hyperkitty == NULL)
		return usage_error("verify", "no PATH given (the archive's root "
				   "directory, or the PATHs purge was given)");
	if (first < argc && vo.hyperkitty)
		return usage_error("verify", "give PATHs or --hyperkitty, not "
				   "both");
	if (vo.max_file_mb == 0 || vo.max_line_kb == 0 || vo.max_entries == 0)
		return usage_error("verify", "--max-file-size, --max-line and "
				   "--max-entries take a number above 0");
	manifest_set_limits(&(struct manifest_limits){
		(uint64_t)vo.max_file_mb << 20, (size_t)vo.max_line_kb << 10,
		(size_t)vo.max_entries });
	/* a stopped run's record (NNNN.interrupted-K, its intent inside) is
	 * verified as one */
	if (is_intent_dir(vo.manifest) &&
	    !record_is_interrupted_name(vo.manifest, NULL))
		return intent_only(vo.manifest, vo.format);
	if (!is_run_dir(vo.manifest) &&
	    !record_is_interrupted_name(vo.manifest, NULL))
		return usage_error("verify", "--manifest takes a run's directory "
				   "(listscrub-manifests/INCIDENT/NNNN), which "
				   "holds manifest.jsonl; that one does not");
	paths = argv + first;
	npaths = (size_t)(argc - first);
	if (vo.hyperkitty && (rc = open_hyperkitty("verify", vo.hyperkitty,
						   &vo.site, &paths,
						   &npaths)) >= 0)
		return rc;
	rc = verify(&vo, paths, npaths);
	hk_site_free(&vo.site);
	return rc;
}
