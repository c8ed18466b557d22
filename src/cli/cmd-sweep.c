/* cmd-sweep.c -- a scheduled sweep (listscrub-sweep(1), SPEC §6): the
 * rules over the configured archives, reading only what is new since
 * the state's last run, the findings not in the baseline reported, a
 * signed manifest of mode "sweep" every run.  Never changes an archive. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/digest.h"
#include "audit/incident.h"
#include "audit/minisign.h"
#include "audit/record.h"
#include "audit/tree.h"
#include "cli/cmd.h"
#include "cli/report.h"
#include "cli/sweep-run.h"
#include "detect/rules.h"
#include "mail/tarball.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"
#include "sweep/baseline.h"

struct sweep_run {
	struct sweep_config cf;
	struct select_opts o;
	struct sweep_state *st;
	struct baseline *bl;
	struct incident_key *ikey;
	struct ms_secret *skey;
	struct mailbox_list *walked;    /* one per archive */
	struct mailbox_list readl;      /* borrowed from walked */
	size_t *archive;                /* of each readl mailbox */
	uint64_t *from;
	unsigned long *before;
	char **key;                     /* of each readl mailbox, as shown and
					   kept in the state: a tarball's
					   member as "TARBALL//member" */
	char **live;                    /* every walked mailbox's key, sorted */
	size_t nlive;
	struct sweep_counts n;
	char *manifest;
};

/* The digest of what decides the findings: every rule file's bytes, the
 * detectors and the threshold.  Another digest: everything is read again. */
static void
rules_digest(const struct sweep_run *run, char out[DIGEST_LEN * 2 + 1])
{
	struct sha256_stream *s = sha256_stream_new();
	const char *last = NULL;
	unsigned char d[DIGEST_LEN];
	struct errbuf err;

	for (size_t i = 0; i < ruleset_count(run->o.ruleset); i++) {
		const char *file = ruleset_rule(run->o.ruleset,
						(uint32_t)i)->file;

		if (file && (last == NULL || strcmp(file, last) != 0) &&
		    sha256_of_file(file, d, NULL, &err) == 0) {
			sha256_stream_update(s, file, strlen(file) + 1);
			sha256_stream_update(s, d, sizeof d);
		}
		last = file;
	}
	for (size_t i = 0; i < run->cf.ndetect; i++)
		sha256_stream_update(s, run->cf.detect[i],
				     strlen(run->cf.detect[i]) + 1);
	sha256_stream_final(s, d);
	sha256_stream_free(&s);
	hex_format(out, d, DIGEST_LEN);
}

static void
list_add(struct opt_list *l, char *item)
{
	xgrow((void **)&l->items, &l->alloc, l->count + 1, sizeof *l->items);
	l->items[l->count++] = item;
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
open_sweep(struct sweep_run *run, const char *config)
{
	char rules[DIGEST_LEN * 2 + 1];
	struct errbuf err;

	errbuf_clear(&err);
	if (sweep_config_load(config, &run->cf, &err) < 0)
		return report(D_USAGE, NULL, "sweep: %s", err.msg), -1;
	if (!incident_id_is_valid(run->cf.incident))
		return report(D_USAGE, NULL, "sweep: %s: 'incident' takes 1 to "
			      "64 letters, digits, '.', '_' or '-'", config), -1;
	for (size_t i = 0; i < run->cf.nrules; i++)
		list_add(&run->o.rule_paths, run->cf.rules[i]);
	for (size_t i = 0; i < run->cf.ndetect; i++)
		list_add(&run->o.detects, run->cf.detect[i]);
	run->o.keep_text = true;        /* for the fingerprints */
	if (select_opts_resolve(&run->o, &err) < 0)
		return report(D_USAGE, NULL, "sweep: %s: %s", config, err.msg),
			-1;
	for (size_t i = 0; i < run->cf.nunattended; i++)
		if (ruleset_find(run->o.ruleset, run->cf.unattended[i]) < 0)
			return report(D_USAGE, NULL, "sweep: %s: 'unattended' "
				      "names '%s', which is no rule", config,
				      run->cf.unattended[i]), -1;
	if (load_sign_key(run->cf.sign_key, run->cf.password_file,
			  &run->skey, &err) < 0 ||
	    load_incident_key(run->cf.incident_key, &run->ikey, &err) < 0)
		return report(D_KEY, NULL, "sweep: %s", err.msg), -1;
	rules_digest(run, rules);
	if (sweep_state_open(run->cf.state, rules, &run->st, &err) < 0 ||
	    baseline_load(run->cf.baseline, run->ikey, &run->bl, &err) < 0)
		return report(D_USAGE, NULL, "sweep: %s", err.msg), -1;
	run->n.rules_changed = sweep_state_rules_changed(run->st);
	return 0;
}

/* Walk every archive; keep the mailboxes to read, as the state says. */
static int
plan_reads(struct sweep_run *run)
{
	size_t alloc = 0;
	bool failed = false;

	run->walked = xcalloc(run->cf.narchives, sizeof *run->walked);
	for (size_t a = 0; a < run->cf.narchives; a++) {
		struct mailbox_list *l = &run->walked[a];

		mailbox_walk(l, &run->cf.archives[a].path, 1);
		report_walk(l);
		failed |= mailbox_walk_failed(l);
		for (size_t i = 0; i < l->count; i++) {
			struct mailbox *mb = l->items[i];
			bool maildir = mailbox_kind(mb) == MAILBOX_MAILDIR;
			uint64_t from;
			unsigned long before;
			char *key = tarball_shown(mailbox_path(mb));
			enum sweep_read r;
			size_t k = run->readl.count;

			if (key == NULL)
				key = xstrdup(mailbox_path(mb));
			r = sweep_state_plan(run->st, key, maildir, &from,
					     &before);
			run->live = xrealloc(run->live, (run->nlive + 1) *
					     sizeof *run->live);
			run->live[run->nlive++] = xstrdup(key);
			run->n.mailboxes++;
			if (r == SWEEP_SKIP) {
				run->n.unchanged++;
				free(key);
				continue;
			}
			if (r == SWEEP_FROM && maildir)
				mailbox_skip_files(mb, sweep_state_seen,
						   sweep_state_maildir(run->st,
								       key));
			else if (r == SWEEP_FROM)
				mailbox_read_from(mb, from);
			else
				sweep_state_drop_findings(run->st, key);
			*(r == SWEEP_FROM ? &run->n.incremental
			  : &run->n.full) += 1;
			xgrow((void **)&run->readl.items, &alloc, k + 1,
			      sizeof *run->readl.items);
			run->archive = xrealloc(run->archive,
						(k + 1) * sizeof *run->archive);
			run->from = xrealloc(run->from,
					     (k + 1) * sizeof *run->from);
			run->before = xrealloc(run->before,
					       (k + 1) * sizeof *run->before);
			run->key = xrealloc(run->key, (k + 1) * sizeof *run->key);
			run->key[k] = key;
			run->readl.items[k] = mb;
			run->archive[k] = a;
			run->from[k] = r == SWEEP_FROM ? from : 0;
			run->before[k] = r == SWEEP_FULL ? 0 : before;
			run->readl.count++;
		}
	}
	if (run->nlive > 1)
		qsort(run->live, run->nlive, sizeof *run->live, compare_keys);
	return failed ? -1 : 0;
}

static const char *
rule_of(const struct sweep_run *run, const struct select_match *m)
{
	switch (m->kind) {
	case MATCH_RULE:
		return ruleset_rule(run->o.ruleset, m->which)->id;
	case MATCH_MASS_RECIPIENT:
		return "mass-recipients";
	case MATCH_ADDRESS_LIST:
		return "address-lists";
	default:
		return "address";
	}
}

/* A mailbox's path relative to its archive: the fingerprint stays when
 * the archive moves. */
static const char *
relative(const struct sweep_run *run, size_t b)
{
	const char *path = run->key[b];
	const char *root = run->cf.archives[run->archive[b]].path;
	size_t len = strlen(root);
	const char *slash = strrchr(path, '/');

	if (strncmp(path, root, len) == 0 && path[len] == '/')
		return path + len + 1;
	return slash ? slash + 1 : path;
}

static void
note_item(struct sweep_run *run, const struct selected *it)
{
	const struct mailbox *mb = run->readl.items[it->mailbox];
	const char *maildir_file = mailbox_file_name(mb, it->index);

	for (size_t k = 0; k < it->n_matches; k++) {
		const struct select_match *m = &it->matches[k];
		const char *text = m->text ? m->text : "";
		struct sweep_finding f = {
			.path = run->key[it->mailbox],
			.file = (char *)maildir_file,
			.message = run->before[it->mailbox] + it->index + 1,
			.rule = (char *)rule_of(run, m),
			.list = run->cf.archives[run->archive[it->mailbox]].list,
		};

		sweep_fingerprint(run->ikey, f.rule,
				  relative(run, it->mailbox), it->message_id,
				  text, strlen(text), f.fp);
		run->n.found++;
		if (baseline_has(run->bl, f.fp))
			run->n.baselined++;
		else
			sweep_state_add_finding(run->st, &f);
	}
}

static uint64_t
bytes_of(const struct mailbox *mb, uint64_t from)
{
	uint64_t sum = 0;
	size_t len = 0;

	if (mailbox_kind(mb) != MAILBOX_MAILDIR) {
		(void)mailbox_content(mb, &len);
		return len > from ? len - from : 0;
	}
	for (size_t i = 0; i < mailbox_message_count(mb); i++) {
		char *file = mailbox_file_of(mb, i);
		struct stat sb;

		if (stat(file, &sb) == 0)
			sum += (uint64_t)sb.st_size;
		free(file);
	}
	return sum;
}

static int
read_new(struct sweep_run *run)
{
	struct selection sel;
	bool *bad;
	int rc;

	if (select_walked(&run->o, &run->readl, &sel) < 0)
		return -1;
	bad = xcalloc(run->readl.count + 1, sizeof *bad);
	for (size_t i = 0; i < sel.n_problems; i++)
		if (sel.problems[i].fatal)
			bad[sel.problems[i].mailbox] = true;
	/* no message began where the last run stopped (one was being
	 * written then): the mailbox was read whole, its findings anew */
	for (size_t b = 0; b < run->readl.count; b++)
		if (run->from[b] > 0 && mailbox_is_loaded(run->readl.items[b]) &&
		    mailbox_read_start(run->readl.items[b]) == 0) {
			sweep_state_drop_findings(run->st, run->key[b]);
			run->from[b] = 0;
			run->before[b] = 0;
			run->n.incremental--;
			run->n.full++;
		}
	for (size_t i = 0; i < sel.count; i++)
		if (!bad[sel.items[i].mailbox])
			note_item(run, &sel.items[i]);
	for (size_t b = 0; b < run->readl.count; b++) {
		const struct mailbox *mb = run->readl.items[b];

		if (bad[b] || !mailbox_is_loaded(mb)) {
			run->n.failed++;
			continue;
		}
		run->n.messages_read += mailbox_message_count(mb);
		run->n.bytes_read += bytes_of(mb, run->from[b]);
		sweep_state_note_read(run->st, mb, run->key[b], run->from[b],
				      run->before[b]);
	}
	rc = run->n.failed ? -1 : 0;
	free(bad);
	selection_release(&sel);
	return rc;
}

static void
take_known(const struct tree_entry *e, void *ctx)
{
	record_known_digest(ctx, e);
}

/* The signed manifest of mode "sweep": the archive's listing (the files
 * unchanged since the state's listing not read again), no act. */
static int
write_manifest(struct sweep_run *run)
{
	char **paths = xcalloc(run->cf.narchives, sizeof *paths);
	struct scope sc = { 0 };
	struct next_run next = { .lock_fd = -1 };
	struct record *r = NULL;
	struct errbuf err;
	int rc = -1;

	errbuf_clear(&err);
	for (size_t a = 0; a < run->cf.narchives; a++)
		paths[a] = run->cf.archives[a].path;
	if (scope_from_paths(&sc, paths, run->cf.narchives, &err) == 0 &&
	    record_next_run(run->cf.manifest_dir, run->cf.incident, &next,
			    &err) == 0) {
		struct record_settings rs = {
			.incident = run->cf.incident,
			.operator_name = "listscrub sweep", .sweep = true,
			.seq = next.seq, .prev = next.has_prev ? next.prev
			: NULL, .incident_key = run->ikey,
			.sign_key = run->skey,
			.selectors = &run->o.settings,
		};

		if (record_begin(&r, &rs, &sc, next.manifest_dir, &err) == 0) {
			sweep_state_known(run->st, take_known, r);
			if (record_finish(r, next.dir, &err) == 0) {
				sweep_state_set_listing(run->st,
							record_listing(r));
				run->manifest = xstrdup(next.dir);
				rc = 0;
			}
		}
	}
	if (rc < 0)
		report(D_MANIFEST_NOT_WRITTEN, NULL, "sweep: %s", err.msg);
	record_free(&r);
	record_next_run_release(&next);
	scope_release(&sc);
	free(paths);
	return rc;
}

/* The findings to report: not accepted, of a rule with at least
 * min_findings of them. */
static size_t
reported(const struct sweep_run *run, struct sweep_finding **out)
{
	const struct sweep_finding *f;
	size_t n = sweep_state_findings(run->st, &f), k = 0;

	const char **rule = xcalloc(n + 1, sizeof *rule);
	size_t *count = xcalloc(n + 1, sizeof *count), nrules = 0;

	/* a handful of rules: each finding's rule among those seen */
	for (size_t i = 0; i < n; i++) {
		size_t r = 0;

		while (r < nrules && strcmp(rule[r], f[i].rule) != 0)
			r++;
		if (r == nrules)
			rule[nrules++] = f[i].rule;
		count[r]++;
	}
	*out = xcalloc(n + 1, sizeof **out);
	for (size_t i = 0; i < n; i++) {
		size_t r = 0;

		while (strcmp(rule[r], f[i].rule) != 0)
			r++;
		if (count[r] >= run->cf.min_findings)
			(*out)[k++] = f[i];
	}
	free(rule);
	free(count);
	return k;
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Is the Maildir message named file ("new/NAME" or "cur/NAME:2,FLAGS")
 * still in the Maildir at dir, under its name or moved to cur/ with
 * other flags? */
static bool
maildir_has(const char *dir, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t len;
	bool found = false;

	base = base ? base + 1 : file;
	len = strcspn(base, ":");
	for (int i = 0; i < 2 && !found; i++) {
		char *sub = xasprintf("%s/%s", dir, i ? "cur" : "new");
		DIR *d = opendir(sub);
		struct dirent *de;

		while (d && !found && (de = readdir(d)) != NULL)
			found = strncmp(de->d_name, base, len) == 0 &&
				(de->d_name[len] == '\0' || de->d_name[len] == ':');
		if (d)
			closedir(d);
		free(sub);
	}
	return found;
}

/* A finding stays while its mailbox is walked and, in a Maildir, while
 * its message's file is there. */
static bool
still_there(const struct sweep_finding *f, void *ctx)
{
	const struct sweep_run *run = ctx;
	char *dir;
	bool there;

	if (run->nlive == 0 || !bsearch(&f->path, run->live, run->nlive,
					 sizeof *run->live, compare_keys))
		return false;
	if (f->file == NULL)
		return true;
	dir = tarball_staged_file(f->path);
	there = maildir_has(dir ? dir : f->path, f->file);
	free(dir);
	return there;
}

static bool
not_accepted(const struct sweep_finding *f, void *ctx)
{
	const struct sweep_run *run = ctx;

	return !baseline_has(run->bl, f->fp);
}

static int
finish(struct sweep_run *run, bool accept, int format, const char *mail_to,
       bool failed, const struct timespec *t0)
{
	struct sweep_finding *rep;
	size_t nrep;
	struct sweep_summary s = { .cf = &run->cf, .n = &run->n };
	struct errbuf err;
	char *text, subject[128];

	errbuf_clear(&err);
	/* a finding whose mailbox or Maildir file went is not reported */
	sweep_state_keep_findings(run->st, still_there, run);
	nrep = reported(run, &rep);
	/* only what was reported is accepted: findings under a threshold
	 * stay pending, to be reported once there are enough */
	if (accept && !failed) {
		for (size_t i = 0; i < nrep; i++)
			baseline_add(run->bl, rep[i].fp);
		run->n.accepted = nrep;
		nrep = 0;
		if (baseline_save(run->bl, &err) < 0) {
			report(D_PURGE_FAILED, NULL, "sweep: %s", err.msg);
			failed = true;
		} else
			sweep_state_keep_findings(run->st, not_accepted, run);
	}
	run->n.baseline_size = baseline_count(run->bl);
	/* the manifest first: a run without one is not recorded as done */
	if (write_manifest(run) < 0 || sweep_state_save(run->st, &err) < 0) {
		if (err.msg[0])
			report(D_PURGE_FAILED, NULL, "sweep: %s", err.msg);
		failed = true;
	}
	run->n.seconds = since(t0);
	s.pending = rep;
	s.npending = nrep;
	s.manifest = run->manifest;
	s.exit_status = failed ? EXIT_ERROR : nrep ? EXIT_FINDINGS
		: EXIT_CLEAN;
	text = sweep_text(&s);
	snprintf(subject, sizeof subject, "listscrub sweep: %zu new %s%s",
		 nrep, nrep == 1 ? "finding" : "findings",
		 failed ? ", with errors" : "");
	/* mailed first: the summary printed says how the run ended */
	if (mail_to && sweep_mail(mail_to, subject, text, &err) < 0) {
		report(D_PURGE_FAILED, NULL, "sweep: %s", err.msg);
		s.exit_status = EXIT_ERROR;
	}
	if (format == FORMAT_JSON)
		sweep_print_json(&s);
	else
		fputs(text, stdout);
	free(text);
	free(rep);
	return s.exit_status;
}

static void
close_sweep(struct sweep_run *run)
{
	for (size_t a = 0; run->walked && a < run->cf.narchives; a++)
		mailbox_list_release(&run->walked[a]);
	free(run->walked);
	free(run->readl.items);
	free(run->archive);
	free(run->from);
	free(run->before);
	for (size_t k = 0; k < run->readl.count; k++)
		free(run->key[k]);
	free(run->key);
	for (size_t k = 0; k < run->nlive; k++)
		free(run->live[k]);
	free(run->live);
	free(run->manifest);
	baseline_free(&run->bl);
	sweep_state_close(&run->st);
	ms_secret_free(&run->skey);
	incident_key_free(&run->ikey);
	select_opts_release(&run->o);
	sweep_config_release(&run->cf);
}

int
cmd_sweep(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub sweep --config FILE [--format text|json] [--accept] "
		"[--mail-to ADDR] [--quiet]";
	struct sweep_run run;
	const char *config = NULL, *mail_to = NULL;
	bool accept = false, failed;
	struct timespec t0;
	struct opt_spec specs[] = {
		{ "config", OPT_STRING, &config, "FILE",
		  "the sweep's configuration (listscrub-sweep(1))", NULL },
		{ "format", OPT_KEYWORD, &run.o.format, "text|json",
		  "output format", format_keywords },
		{ "accept", OPT_FLAG, &accept, NULL,
		  "add the findings reported to the baseline: later sweeps "
		  "report them no more", NULL },
		{ "mail-to", OPT_STRING, &mail_to, "ADDR",
		  "mail the text summary to ADDR with sendmail(8)", NULL },
		QUIET_OPT_SPEC(&run.o.quiet),
		{ 0 },
	};
	int first, rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&run, 0, sizeof run);
	select_opts_init(&run.o);
	run.o.quiet = false;
	if ((rc = cmd_parse("sweep", synopsis, argc, argv, specs, &first)) >= 0)
		goto out;
	if (first < argc || config == NULL) {
		rc = usage_error("sweep", first < argc ? "no PATH is taken: "
				 "the archives are in the configuration"
				 : "give --config FILE");
		goto out;
	}
	if (open_sweep(&run, config) < 0) {
		rc = EXIT_ERROR;
		goto out;
	}
	failed = plan_reads(&run) < 0;
	failed |= read_new(&run) < 0;
	rc = finish(&run, accept, run.o.format, mail_to, failed, &t0);
out:
	close_sweep(&run);
	return rc;
}
