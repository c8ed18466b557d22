/* settings.c -- read a sweep's configuration with libconfig; every error
 * names the file and the line. */
#include "config.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "sweep/settings.h"

struct reader {
	const char *file;
	char *dir;              /* relative paths start here */
	struct errbuf *err;
};

static int
bad(const struct reader *rd, const config_setting_t *s, const char *what)
{
	return errbuf_set(rd->err, "%s:%u: '%s': %s", rd->file,
			  config_setting_source_line(s),
			  config_setting_name(s) ? config_setting_name(s)
			  : "(element)", what);
}

static char *
path_of(const struct reader *rd, const char *p)
{
	return p[0] == '/' || rd->dir == NULL ? xstrdup(p)
		: xasprintf("%s/%s", rd->dir, p);
}

static int
get_string(const struct reader *rd, const config_setting_t *s, bool path,
	   char **out)
{
	const char *v = config_setting_get_string(s);

	if (v == NULL || v[0] == '\0')
		return bad(rd, s, "give a non-empty string in double quotes");
	free(*out);
	*out = path ? path_of(rd, v) : xstrdup(v);
	return 0;
}

/* A string or a list/array of strings. */
static int
get_strings(const struct reader *rd, const config_setting_t *s, bool path,
	    char ***out, size_t *n)
{
	int type = config_setting_type(s);
	int len = type == CONFIG_TYPE_STRING ? 1 : config_setting_length(s);

	if (type != CONFIG_TYPE_STRING && type != CONFIG_TYPE_ARRAY &&
	    type != CONFIG_TYPE_LIST)
		return bad(rd, s, "give a string or a list of strings");
	*out = xcalloc((size_t)len + 1, sizeof **out);
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = type == CONFIG_TYPE_STRING ? s
			: config_setting_get_elem(s, (unsigned int)i);

		if (get_string(rd, e, path, &(*out)[*n]) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* An archive's path resolved (links, "..", "//"): the state knows its
 * mailboxes by path, and "//" names a tarball's members.  One that does
 * not exist yet is kept as written: the walk says it is missing. */
static int
canonical(char **path)
{
	char *real = realpath(*path, NULL);

	if (real) {
		free(*path);
		*path = real;
	}
	return 0;
}

static int
get_archive(const struct reader *rd, const config_setting_t *g,
	    struct sweep_archive *a)
{
	static const char *const formats[] = { "mbox", "maildir", "pipermail",
					       NULL };
	int len = config_setting_length(g);

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return bad(rd, g, "an archive is a group: { path = \"...\"; "
			   "list = \"...\"; }");
	for (int i = 0; i < len; i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		bool known = false;

		if (strcmp(name, "path") == 0) {
			if (get_string(rd, m, true, &a->path) < 0 ||
			    canonical(&a->path) < 0)
				return -1;
		} else if (strcmp(name, "list") == 0) {
			if (get_string(rd, m, false, &a->list) < 0)
				return -1;
		} else if (strcmp(name, "format") == 0) {
			if (get_string(rd, m, false, &a->format) < 0)
				return -1;
			for (size_t f = 0; formats[f]; f++)
				known |= strcmp(a->format, formats[f]) == 0;
			if (!known)
				return bad(rd, m, "give \"mbox\", \"maildir\" "
					   "or \"pipermail\"");
		} else
			return bad(rd, m, "not an archive's key (path, list, "
				   "format)");
	}
	if (a->path == NULL)
		return bad(rd, g, "an archive needs a path");
	return 0;
}

static int
get_archives(const struct reader *rd, const config_setting_t *s,
	     struct sweep_config *c)
{
	int type = config_setting_type(s), len = config_setting_length(s);

	if (type != CONFIG_TYPE_LIST || len == 0)
		return bad(rd, s, "give a list of archives: ( { path = "
			   "\"...\"; } )");
	c->archives = xcalloc((size_t)len, sizeof *c->archives);
	for (int i = 0; i < len; i++) {
		if (get_archive(rd, config_setting_get_elem(s, (unsigned)i),
				&c->archives[c->narchives++]) < 0)
			return -1;
	}
	return 0;
}

static int
get_thresholds(const struct reader *rd, const config_setting_t *g,
	       struct sweep_config *c)
{
	int len = config_setting_length(g);

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return bad(rd, g, "give a group: { min_findings = N; }");
	for (int i = 0; i < len; i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		long long v;

		if (strcmp(config_setting_name(m), "min_findings") != 0)
			return bad(rd, m, "not a threshold (min_findings)");
		if (config_setting_type(m) != CONFIG_TYPE_INT ||
		    (v = config_setting_get_int64(m)) < 1 || v > 1000000)
			return bad(rd, m, "give a whole number from 1");
		c->min_findings = (unsigned long)v;
	}
	return 0;
}

static int
get_setting(const struct reader *rd, const config_setting_t *m,
	    struct sweep_config *c)
{
	const char *name = config_setting_name(m);
	struct {
		const char *name;
		char **to;
		bool path;
	} strings[] = {
		{ "state", &c->state, true },
		{ "baseline", &c->baseline, true },
		{ "manifest_dir", &c->manifest_dir, true },
		{ "sign_key", &c->sign_key, true },
		{ "incident_key", &c->incident_key, true },
		{ "password_file", &c->password_file, true },
		{ "incident", &c->incident, false },
	};

	for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
		if (strcmp(name, strings[i].name) == 0)
			return get_string(rd, m, strings[i].path,
					  strings[i].to);
	if (strcmp(name, "archives") == 0)
		return get_archives(rd, m, c);
	if (strcmp(name, "rules") == 0)
		return get_strings(rd, m, true, &c->rules, &c->nrules);
	if (strcmp(name, "detect") == 0)
		return get_strings(rd, m, false, &c->detect, &c->ndetect);
	if (strcmp(name, "unattended") == 0)
		return get_strings(rd, m, false, &c->unattended,
				   &c->nunattended);
	if (strcmp(name, "thresholds") == 0)
		return get_thresholds(rd, m, c);
	if (strcmp(name, "apply") == 0)
		return bad(rd, m, "this version of sweep only reports: it never "
			   "changes an archive (run 'listscrub purge --apply' "
			   "on what it found)");
	return bad(rd, m, "not a sweep setting (see listscrub-sweep(1))");
}

static int
check_required(const struct reader *rd, struct sweep_config *c)
{
	const char *missing = !c->archives ? "archives" : !c->state ? "state"
		: !c->baseline ? "baseline" : !c->manifest_dir ? "manifest_dir"
		: !c->sign_key ? "sign_key" : !c->incident_key ? "incident_key"
		: NULL;

	if (missing)
		return errbuf_set(rd->err, "%s: '%s' is missing (see "
				  "listscrub-sweep(1))", rd->file, missing);
	if (c->incident == NULL)
		c->incident = xstrdup("sweep");
	return 0;
}

int
sweep_config_load(const char *file, struct sweep_config *c,
		  struct errbuf *err)
{
	char *dir = path_dir(file);
	/* absolute: the state knows mailboxes by path, whatever the folder
	 * cron or systemd starts in */
	struct reader rd = { .file = file, .dir = realpath(dir, NULL),
			     .err = err };
	config_setting_t *root;
	config_t cf;
	int rc = 0;

	memset(c, 0, sizeof *c);
	c->min_findings = 1;
	free(dir);
	config_init(&cf);
	if (config_read_file(&cf, file) != CONFIG_TRUE) {
		rc = config_error_type(&cf) == CONFIG_ERR_FILE_IO
			? errbuf_set(err, "cannot read '%s'", file)
			: errbuf_set(err, "%s:%d: %s", config_error_file(&cf)
				     ? config_error_file(&cf) : file,
				     config_error_line(&cf),
				     config_error_text(&cf));
		goto out;
	}
	root = config_root_setting(&cf);
	for (int i = 0; rc == 0 && i < config_setting_length(root); i++)
		rc = get_setting(&rd, config_setting_get_elem(root,
							      (unsigned)i), c);
	if (rc == 0)
		rc = check_required(&rd, c);
out:
	config_destroy(&cf);
	free(rd.dir);
	if (rc < 0)
		sweep_config_release(c);
	return rc;
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
sweep_config_release(struct sweep_config *c)
{
	for (size_t i = 0; i < c->narchives; i++) {
		free(c->archives[i].path);
		free(c->archives[i].list);
		free(c->archives[i].format);
	}
	free(c->archives);
	free_strings(c->rules, c->nrules);
	free_strings(c->detect, c->ndetect);
	free_strings(c->unattended, c->nunattended);
	free(c->state);
	free(c->baseline);
	free(c->manifest_dir);
	free(c->sign_key);
	free(c->incident_key);
	free(c->password_file);
	free(c->incident);
	memset(c, 0, sizeof *c);
}
