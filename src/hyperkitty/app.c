/* app.c -- run the listscrub_hyperkitty app (hyperkitty/app.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hyperkitty/app.h"
#include "hyperkitty/site.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

extern char **environ;

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

	return shipped_folder("LISTSCRUB_HYPERKITTY_APP", "contrib/hyperkitty",
			      LISTSCRUB_HYPERKITTY_DIR, &tree);
}

bool
hk_is_database_url(const char *settings)
{
	return strstr(settings, "://") != NULL;
}

/* The argument vector: python -m listscrub_hyperkitty [--settings S]
 * ARGS.  A database URL goes in the environment instead (app_environ):
 * it may hold a password, which ps(1) would show. */
static const char **
app_argv(const char *settings, const char *const *args)
{
	size_t n = 0, k = 0;
	const char **argv;

	while (args[n])
		n++;
	argv = xcalloc(n + 6, sizeof *argv);
	argv[k++] = python_program();
	argv[k++] = "-m";
	argv[k++] = "listscrub_hyperkitty";
	if (!hk_is_database_url(settings)) {
		argv[k++] = "--settings";
		argv[k++] = settings;
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
hk_app_run(const char *settings, const char *dir, const char *const *args,
	   struct errbuf *err)
{
	const char **argv = app_argv(settings, args);
	char *pythonpath = python_path();
	char *database = hk_is_database_url(settings)
		? xasprintf(DATABASE_ENV "=%s", settings) : NULL;
	char **env = app_environ(pythonpath, database);
	char *errfile = xasprintf("%s/app.stderr", dir);
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
hk_app_command(const char *settings, const char *const *args)
{
	const char **argv = app_argv(settings, args);
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
