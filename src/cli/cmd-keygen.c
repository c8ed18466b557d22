/* cmd-keygen.c -- make a minisign signing key pair, or an incident key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit/incident.h"
#include "audit/minisign.h"
#include "cli/cmd.h"
#include "cli/report.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

static const char *const kdf_keywords[] = { "interactive", "sensitive", NULL };

struct keygen_opts {
	const char *out, *incident_key, *password_file;
	bool password;
	int kdf;
};

/* Print the public key's base64 line: auditors pin it. */
static void
print_public(const char *prefix)
{
	char *path = xasprintf("%s.pub", prefix), *text;
	size_t len;
	struct errbuf err;

	if (read_whole_file(path, &text, &len, &err) == 0) {
		fputs(text, stdout);
		free(text);
	}
	free(path);
}

static int
make_signing_key(const struct keygen_opts *ko)
{
	char *password = NULL;
	struct errbuf err;
	int rc;

	errbuf_clear(&err);
	if ((ko->password || ko->password_file) &&
	    (password = read_password(ko->password_file,
				      "Password for the new key: ",
				      &err)) == NULL) {
		report(D_KEY, NULL, "keygen: %s", err.msg);
		return EXIT_ERROR;
	}
	if (password && password[0] == '\0') {
		free_password(password);
		return usage_error("keygen", "the password is empty");
	}
	rc = make_key_dir(ko->out, &err);
	if (rc == 0)
		rc = ms_keygen(ko->out, password, ko->kdf == 1
			       ? MS_KDF_SENSITIVE : MS_KDF_INTERACTIVE, &err);
	free_password(password);
	if (rc < 0) {
		report(D_KEY, NULL, "keygen: %s", err.msg);
		return EXIT_ERROR;
	}
	printf("# wrote %s.key (secret, mode 0600%s) and %s.pub; give "
	       "auditors the public key:\n", ko->out,
	       password ? ", encrypted" : ", NOT encrypted", ko->out);
	print_public(ko->out);
	return EXIT_CLEAN;
}

static int
make_incident_key(const struct keygen_opts *ko)
{
	struct incident_key *key;
	char kid[INCIDENT_KID_TEXT_SIZE];
	struct errbuf err;

	errbuf_clear(&err);
	if (make_key_dir(ko->incident_key, &err) < 0 ||
	    incident_key_generate(ko->incident_key, &err) < 0 ||
	    incident_key_load(ko->incident_key, &key, &err) < 0) {
		report(D_KEY, NULL, "keygen: %s", err.msg);
		return EXIT_ERROR;
	}
	incident_key_id(key, kid);
	incident_key_free(&key);
	printf("# wrote %s (mode 0600), key id %s; keep it apart from the "
	       "manifests and give it only to auditors\n", ko->incident_key,
	       kid);
	return EXIT_CLEAN;
}

int
cmd_keygen(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub keygen --out PREFIX [--password | --password-file "
		"FILE] [--kdf interactive|sensitive]\n"
		"       listscrub keygen --incident-key FILE";
	struct keygen_opts ko = { .kdf = 1 };
	struct opt_spec specs[] = {
		{ "out", OPT_STRING, &ko.out, "PREFIX",
		  "write the signing key pair PREFIX.key and PREFIX.pub", NULL },
		{ "password", OPT_FLAG, &ko.password, NULL,
		  "encrypt the secret key with a password typed at the terminal",
		  NULL },
		{ "password-file", OPT_STRING, &ko.password_file, "FILE",
		  "encrypt the secret key with FILE's first line", NULL },
		{ "kdf", OPT_KEYWORD, &ko.kdf, "interactive|sensitive",
		  "scrypt cost of the password (sensitive: 1 GiB, minisign's "
		  "default; interactive: 16 MiB)", kdf_keywords },
		{ "incident-key", OPT_STRING, &ko.incident_key, "FILE",
		  "write a new random incident key to FILE", NULL },
		{ 0 },
	};
	int first, rc;

	if ((rc = cmd_parse("keygen", synopsis, argc, argv, specs, &first)) >= 0)
		return rc;
	if (first < argc)
		return usage_error("keygen", "keygen takes no PATH");
	if ((ko.out == NULL) == (ko.incident_key == NULL))
		return usage_error("keygen", "give either --out PREFIX or "
				   "--incident-key FILE");
	return ko.out ? make_signing_key(&ko) : make_incident_key(&ko);
}
