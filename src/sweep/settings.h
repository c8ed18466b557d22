/* settings.h -- a sweep's configuration file (listscrub-sweep(1)), read with
 * libconfig: the archives, the rules and detectors, the state, baseline
 * and manifest paths, the keys and the thresholds.  Relative paths are
 * taken from the configuration file's folder. */
#ifndef LISTSCRUB_SWEEP_SETTINGS_H
#define LISTSCRUB_SWEEP_SETTINGS_H

#include <stddef.h>

struct errbuf;

struct sweep_archive {
	char *path;
	char *list;             /* its list's name, or NULL */
	char *format;           /* "mbox", "maildir", "pipermail", or NULL */
};

struct sweep_config {
	struct sweep_archive *archives;
	size_t narchives;
	char **rules;           /* rule files or folders */
	size_t nrules;
	char **detect;          /* "mass-recipients[=N]", ... */
	size_t ndetect;
	char **unattended;      /* rule ids safe for unattended redaction */
	size_t nunattended;
	char *state, *baseline, *manifest_dir;
	char *sign_key, *incident_key, *password_file;
	char *incident;         /* the manifests' incident id ("sweep") */
	unsigned long min_findings;     /* per rule, to be reported (1) */
};

/* Read file.  Returns 0, or -1 with err naming the file and line. */
int sweep_config_load(const char *file, struct sweep_config *c,
		      struct errbuf *err);

void sweep_config_release(struct sweep_config *c);

#endif
