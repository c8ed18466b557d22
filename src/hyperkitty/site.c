/* site.c -- export a HyperKitty site through the listscrub_hyperkitty app
 * and name its emails (hyperkitty/site.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hyperkitty/site.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/tarball.h"

extern char **environ;

struct hk_site {
	char *settings;
	char *dir;                      /* private: exports, plans, reports */
	char *root;                     /* the export the walk reads */
	char *site_json;
	struct hk_message *msgs;        /* the export walked */
	size_t count;
	struct hk_message *after;       /* the latest export, when another */
	size_t n_after;
	unsigned exports;               /* exports made: names the next */
};

/* The one site of this process, for naming (a run reads one). */
static struct hk_site *current;
/* first_of's last answer: a file of current, or NULL */
static const char *last_file;
static size_t last_first;

/* ---- the app ---------------------------------------------------------------- */

/* Debian's HyperKitty is importable by Debian's python3, which a PATH
 * with another Python (pyenv, a venv) would hide. */
static const char *
python_program(void)
{
	const char *env = getenv("LISTSCRUB_HYPERKITTY_PYTHON");

	if (env && *env)
		return env;
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
		: "python3";
}

/* The folder that holds the listscrub_hyperkitty package: the source
 * tree's for a program run from its build folder, else the installed. */
static const char *
app_dir(void)
{
	static char *tree;
	const char *env = getenv("LISTSCRUB_HYPERKITTY_APP");

	if (env && *env)
		return env;
	if (tree == NULL)
		tree = build_tree_path("contrib/hyperkitty");
	return tree ? tree : LISTSCRUB_HYPERKITTY_DIR;
}

static bool
is_database_url(const struct hk_site *s)
{
	return strstr(s->settings, "://") != NULL;
}

/* The argument vector: python -m listscrub_hyperkitty [--settings S]
 * ARGS.  A database URL goes in the environment instead (app_environ):
 * it may hold a password, which ps(1) would show. */
static const char **
app_argv(const struct hk_site *s, const char *const *args)
{
	size_t n = 0, k = 0;
	const char **argv;

	while (args[n])
		n++;
	argv = xcalloc(n + 6, sizeof *argv);
	argv[k++] = python_program();
	argv[k++] = "-m";
	argv[k++] = "listscrub_hyperkitty";
	if (!is_database_url(s)) {
		argv[k++] = "--settings";
		argv[k++] = s->settings;
	}
	for (size_t i = 0; i < n; i++)
		argv[k++] = args[i];
	return argv;
}

static char *
python_path(void)
{
	const char *old = getenv("PYTHONPATH");

	return old && *old ? xasprintf("PYTHONPATH=%s:%s", app_dir(), old)
		: xasprintf("PYTHONPATH=%s", app_dir());
}

#define DATABASE_ENV "LISTSCRUB_HYPERKITTY_DATABASE"

/* environ with PYTHONPATH led by the app's folder, no bytecode written
 * beside the app (an installed one is the package's files), and a
 * database URL (database: "NAME=URL", or NULL). */
static char **
app_environ(char *pythonpath, char *database)
{
	size_t n = 0, out = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 4, sizeof *env);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "PYTHONPATH=", 11) != 0 &&
		    strncmp(environ[i], "PYTHONDONTWRITEBYTECODE=", 24) != 0 &&
		    strncmp(environ[i], DATABASE_ENV "=",
			    sizeof DATABASE_ENV) != 0)
			env[out++] = environ[i];
	env[out++] = pythonpath;
	env[out++] = "PYTHONDONTWRITEBYTECODE=1";
	env[out] = database;
	return env;
}

/* The app's last line on stderr: its one-line error, which never holds
 * personal data (contrib/hyperkitty/README). */
static void
app_error(const char *file, struct errbuf *err, const char *what)
{
	char *text = NULL, *line = NULL;
	size_t len = 0;
	struct errbuf ignored;

	if (read_whole_file(file, &text, &len, &ignored) == 0) {
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
		line = strrchr(text, '\n');
		line = line ? line + 1 : text;
		if (strlen(line) > 400)
			line[400] = '\0';
	}
	errbuf_format(err, "%s%s%s", what, line && *line ? ": " : "",
		      line && *line ? line : "");
	free(text);
}

int
hk_site_run(const struct hk_site *s, const char *const *args,
	    struct errbuf *err)
{
	const char **argv = app_argv(s, args);
	char *pythonpath = python_path();
	char *database = is_database_url(s)
		? xasprintf(DATABASE_ENV "=%s", s->settings) : NULL;
	char **env = app_environ(pythonpath, database);
	char *errfile = hk_site_file(s, "app.stderr");
	posix_spawn_file_actions_t fa;
	int rc = -1, status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errfile,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	errno = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			     env);
	if (errno != 0)
		errbuf_format_errno(err, errno, "cannot run '%s' for HyperKitty "
				    "(install python3, or set "
				    "LISTSCRUB_HYPERKITTY_PYTHON)", argv[0]);
	else if (waitpid(pid, &status, 0) < 0)
		errbuf_format_errno(err, errno, "waiting for the HyperKitty app");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		app_error(errfile, err, "HyperKitty's app refused or failed");
		rc = 1;
	} else
		app_error(errfile, err, WIFEXITED(status)
			  ? "HyperKitty's app could not run with these "
			    "settings (needs python3-django-hyperkitty and the "
			    "site's settings module on PYTHONPATH)"
			  : "HyperKitty's app was killed");
	posix_spawn_file_actions_destroy(&fa);
	free(errfile);
	free(argv);
	free(env);
	free(pythonpath);
	free(database);
	return rc;
}

/* A word as a POSIX shell reads it back: single-quoted when needed. */
static void
shell_word(struct buf *b, const char *w)
{
	bool plain = *w != '\0';

	for (const char *c = w; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789@%+=:,./_-", *c) != NULL;
	if (b->len > 0)
		buf_str(b, " ");
	if (plain) {
		buf_str(b, w);
		return;
	}
	buf_str(b, "'");
	for (const char *c = w; *c; c++)
		if (*c == '\'')
			buf_str(b, "'\\''");
		else
			buf_add(b, c, 1);
	buf_str(b, "'");
}

char *
hk_site_command(const struct hk_site *s, const char *const *args)
{
	const char **argv = app_argv(s, args);
	char *pythonpath = python_path();
	struct buf b = { 0 };

	/* env(1): a quoted NAME=VALUE is still an assignment to it */
	shell_word(&b, "env");
	shell_word(&b, pythonpath);
	shell_word(&b, "PYTHONDONTWRITEBYTECODE=1");
	for (size_t i = 0; argv[i]; i++)
		shell_word(&b, argv[i]);
	free(argv);
	free(pythonpath);
	return b.p;
}

bool
hk_site_is_database_url(const struct hk_site *s)
{
	return is_database_url(s);
}

char *
hk_settings_shown(const char *settings)
{
	const char *scheme = strstr(settings, "://"), *at, *colon, *slash;

	if (scheme == NULL)
		return xstrdup(settings);
	scheme += 3;
	at = strchr(scheme, '@');
	slash = strchr(scheme, '/');
	colon = memchr(scheme, ':', at ? (size_t)(at - scheme) : 0);
	if (at == NULL || colon == NULL || (slash && slash < at))
		return xstrdup(settings);
	return xasprintf("%.*s:***%s", (int)(colon - settings), settings, at);
}

char *
hk_site_file(const struct hk_site *s, const char *name)
{
	return xasprintf("%s/%s", s->dir, name);
}

/* ---- the export and its index ------------------------------------------- */

static char *
json_dup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return xstrdup(v ? v : "");
}

static void
messages_release(struct hk_message *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(msgs[i].file);
		free(msgs[i].list);
		free(msgs[i].message_id_hash);
		free(msgs[i].thread_id);
		free(msgs[i].url);
		free(msgs[i].thread_url);
		free(msgs[i].digest);
	}
	free(msgs);
}

/* index.jsonl: one email per line, in file order. */
static int
load_index(struct hk_message **msgs_r, size_t *count_r, const char *path,
	   struct errbuf *err)
{
	char *text, *line, *next;
	size_t len, alloc = 0, count = 0;
	struct hk_message *msgs = NULL;

	if (read_whole_file(path, &text, &len, err) < 0)
		return -1;
	for (line = text; line < text + len; line = next) {
		json_t *o;
		json_error_t je;
		struct hk_message *m;

		next = memchr(line, '\n', (size_t)(text + len - line));
		next = next ? next + 1 : text + len;
		if (next - line <= 1)
			continue;
		o = json_loadb(line, (size_t)(next - line), 0, &je);
		if (!json_is_object(o) || !json_is_integer(json_object_get(o, "n"))) {
			json_decref(o);
			messages_release(msgs, count);
			free(text);
			return errbuf_set(err, "the HyperKitty app's index, line "
					  "%zu: not an email record (is "
					  "contrib/hyperkitty of this "
					  "listscrub's version?)", count + 1);
		}
		xgrow((void **)&msgs, &alloc, count + 1, sizeof *msgs);
		m = &msgs[count++];
		m->file = json_dup(o, "file");
		m->n = (size_t)json_integer_value(json_object_get(o, "n"));
		m->list = json_dup(o, "list");
		m->message_id_hash = json_dup(o, "message_id_hash");
		m->thread_id = json_dup(o, "thread_id");
		m->url = json_dup(o, "url");
		m->thread_url = json_dup(o, "thread_url");
		m->digest = json_dup(o, "digest");
		m->email_id = json_integer_value(json_object_get(o, "email_id"));
		json_decref(o);
	}
	free(text);
	messages_release(*msgs_r, *count_r);
	*msgs_r = msgs;
	*count_r = count;
	return 0;
}

/* Export into s->dir/NAME; its index and description are moved beside
 * it, so that the walk sees nothing but the lists' mboxes. */
static int
export_into(struct hk_site *s, const char *name, char **root_r,
	    struct errbuf *err)
{
	char *root = hk_site_file(s, name);
	char *index = xasprintf("%s.index.jsonl", root);
	char *site = xasprintf("%s.site.json", root);
	char *in_index = xasprintf("%s/index.jsonl", root);
	char *in_site = xasprintf("%s/site.json", root);
	const char *args[] = { "listscrub_export", root, NULL };
	size_t len;
	int rc = -1;

	if (mkdir(root, 0700) < 0)
		errbuf_format_errno(err, errno, "cannot make '%s'", root);
	else if (hk_site_run(s, args, err) != 0)
		;
	else if (rename(in_index, index) < 0 || rename(in_site, site) < 0)
		errbuf_format(err, "the HyperKitty app's export has no index "
			      "(is contrib/hyperkitty of this listscrub's "
			      "version?)");
	else if (load_index(s->exports == 1 ? &s->msgs : &s->after,
			    s->exports == 1 ? &s->count : &s->n_after, index,
			    err) == 0) {
		free(s->site_json);
		s->site_json = NULL;
		rc = read_whole_file(site, &s->site_json, &len, err);
	}
	if (rc == 0)
		*root_r = root;
	else
		free(root);
	free(index);
	free(site);
	free(in_index);
	free(in_site);
	return rc;
}

struct hk_site *
hk_site_export(const char *settings, struct errbuf *err)
{
	const char *stage = staging_folder(err);
	struct hk_site *s;
	char *templ;

	if (stage == NULL)
		return NULL;
	templ = xasprintf("%s/hyperkitty-XXXXXX", stage);
	if (mkdtemp(templ) == NULL) {
		errbuf_format_errno(err, errno, "cannot make a folder in '%s'",
				    stage);
		free(templ);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->settings = xstrdup(settings);
	s->dir = templ;
	if (hk_site_export_again(s, &s->root, err) < 0) {
		hk_site_free(&s);
		return NULL;
	}
	current = s;
	last_file = NULL;
	return s;
}

int
hk_site_export_again(struct hk_site *s, char **root_r, struct errbuf *err)
{
	char name[32];
	char *root = NULL;

	snprintf(name, sizeof name, "export-%u", ++s->exports);
	if (export_into(s, name, &root, err) < 0)
		return -1;
	*root_r = root;
	return 0;
}

const char *
hk_site_root(const struct hk_site *s)
{
	return s->root;
}

const char *
hk_site_settings(const struct hk_site *s)
{
	return s->settings;
}

const char *
hk_site_json(const struct hk_site *s)
{
	return s->site_json ? s->site_json : "{}";
}

size_t
hk_site_count(const struct hk_site *s)
{
	return s->count;
}

const struct hk_message *
hk_site_message(const struct hk_site *s, size_t i)
{
	return i < s->count ? &s->msgs[i] : NULL;
}

const struct hk_message *
hk_site_after(const struct hk_site *s, const char *list, const char *hash)
{
	for (size_t i = 0; i < s->n_after; i++)
		if (strcmp(s->after[i].list, list) == 0 &&
		    strcmp(s->after[i].message_id_hash, hash) == 0)
			return &s->after[i];
	return NULL;
}

/* The file of the export path names, or NULL. */
static const char *
export_file(const char *path)
{
	size_t n;

	if (current == NULL || current->root == NULL)
		return NULL;
	n = strlen(current->root);
	if (strncmp(path, current->root, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

/* The index of the first email of file, or count.  A file's emails are
 * together in the index, and asked for one file after another: the last
 * answer is kept. */
static size_t
first_of(const char *file)
{
	if (last_file && strcmp(last_file, file) == 0)
		return last_first;
	for (last_first = 0; last_first < current->count; last_first++)
		if (strcmp(current->msgs[last_first].file, file) == 0)
			break;
	last_file = last_first < current->count
		? current->msgs[last_first].file : NULL;
	return last_first;
}

const struct hk_message *
hk_message_at(const char *path, size_t index)
{
	const char *file = export_file(path);
	size_t first;

	if (file == NULL)
		return NULL;
	first = first_of(file);
	if (first + index >= current->count ||
	    strcmp(current->msgs[first + index].file, file) != 0 ||
	    current->msgs[first + index].n != index)
		return NULL;
	return &current->msgs[first + index];
}

int
hk_check_split(const char *path, size_t count, struct errbuf *err)
{
	const char *file = export_file(path);
	size_t first, listed = 0;
	struct stat st;

	if (file == NULL)
		return 0;
	first = first_of(file);
	while (first + listed < current->count &&
	       strcmp(current->msgs[first + listed].file, file) == 0)
		listed++;
	/* a list with no emails is an empty file, which the walk takes for
	 * a file that is not mail */
	if (listed == 0 && stat(path, &st) == 0 && st.st_size == 0)
		return 0;
	if (listed != count)
		return errbuf_set(err, "the export of HyperKitty's list '%.*s' "
				  "holds %zu emails by its index but splits "
				  "into %zu messages: stopped before planning "
				  "anything (report this as a bug of "
				  "listscrub)", (int)(strlen(file) - 5), file,
				  listed, count);
	return 0;
}

char *
hk_shown_text(const char *text)
{
	struct buf b = { 0 };
	size_t n;
	const char *at;

	if (current == NULL || current->root == NULL)
		return xstrdup(text);
	n = strlen(current->root);
	/* "<root>/LIST.mbox" -> "hyperkitty:LIST"; "<root>" -> "hyperkitty:" */
	while ((at = strstr(text, current->root)) != NULL) {
		const char *file = at + n, *end;

		buf_add(&b, text, (size_t)(at - text));
		buf_str(&b, "hyperkitty:");
		if (*file == '/') {
			file++;
			end = file + strcspn(file, " \t\n'\":");
			buf_add(&b, file, (size_t)(end - file) -
				(end - file > 5 && !strncmp(end - 5, ".mbox", 5)
				 ? 5 : 0));
			file = end;
		}
		text = file;
	}
	buf_str(&b, text);
	return b.p;
}

void
hk_site_free(struct hk_site **sp)
{
	struct hk_site *s = *sp;

	if (s == NULL)
		return;
	if (current == s) {
		current = NULL;
		last_file = NULL;
	}
	messages_release(s->msgs, s->count);
	messages_release(s->after, s->n_after);
	free(s->settings);
	free(s->dir);
	free(s->root);
	free(s->site_json);
	free(s);
	*sp = NULL;
}
