/* cmd-keys.c -- reading the keys a command is given: the signing key
 * (with its password from a file or the terminal) and the incident key. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cmd.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "audit/incident.h"
#include "audit/minisign.h"
#include "lib/xalloc.h"

#define PASSWORD_MAX 1024

/* The first line of path. */
static char *
password_from_file(const char *path, struct errbuf *err)
{
	char *data;
	size_t len;

	if (read_whole_file(path, &data, &len, err) < 0)
		return NULL;
	data[strcspn(data, "\r\n")] = '\0';
	return data;
}

static char *
password_from_terminal(const char *prompt, struct errbuf *err)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	char buf[PASSWORD_MAX], *got;

	if (tty == NULL || !isatty(fileno(tty))) {
		if (tty)
			fclose(tty);
		errbuf_format(err, "no terminal to ask for the password: give "
			      "--password-file FILE");
		return NULL;
	}
	fputs(prompt, tty);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	got = fgets(buf, sizeof buf, tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (got == NULL) {
		errbuf_format(err, "no password was typed");
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	got = xstrdup(buf);
	sodium_memzero(buf, sizeof buf);
	return got;
}

char *
read_password(const char *password_file, const char *prompt,
	      struct errbuf *err)
{
	return password_file ? password_from_file(password_file, err)
		: password_from_terminal(prompt, err);
}

void
free_password(char *password)
{
	if (password) {
		sodium_memzero(password, strlen(password));
		free(password);
	}
}

/* A secret that others can read is no secret: refused, as ssh refuses
 * a private key with group or other permissions. */
static int
check_private(const char *path, struct errbuf *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	if ((st.st_mode & 077) != 0)
		return errbuf_set(err, "permissions %04o for '%s' are too open: "
				  "a secret key must be readable by its owner "
				  "only; run 'chmod 600 %s' (and check who "
				  "may have copied it)",
				  (unsigned int)(st.st_mode & 07777), path,
				  path);
	return 0;
}

int
load_sign_key(const char *path, const char *password_file,
	      struct ms_secret **key_r, struct errbuf *err)
{
	char *password = NULL;
	int enc, rc;

	if (check_private(path, err) < 0 ||
	    (enc = ms_secret_is_encrypted(path, err)) < 0)
		return -1;
	if (enc && (password = read_password(password_file,
					     "Password for the signing key: ",
					     err)) == NULL)
		return -1;
	rc = ms_secret_load(path, password, key_r, err);
	free_password(password);
	return rc;
}

int
load_incident_key(const char *path, struct incident_key **key_r,
		  struct errbuf *err)
{
	if (check_private(path, err) < 0)
		return -1;
	return incident_key_load(path, key_r, err);
}

int
make_key_dir(const char *path, struct errbuf *err)
{
	char *copy = xstrdup(path);
	int rc = make_parent_dirs(copy, err);     /* missing ones: 0700 */

	free(copy);
	return rc;
}

bool
incident_id_is_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 64 &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789._-") == n;
}
