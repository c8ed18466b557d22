/* main.c -- the command table and dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cmd.h"
#include "cli/report.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "scan", cmd_scan,
	  "report the messages a selection finds; change nothing" },
	{ "purge", cmd_purge,
	  "plan, or with --apply do, the removal of selected messages" },
	{ "threads", cmd_threads,
	  "print the thread that holds a Message-ID" },
	{ "verify", cmd_verify,
	  "check a run's signed manifest against the archive" },
	{ "keygen", cmd_keygen,
	  "make a signing key pair, or an incident key" },
	{ "rules", cmd_rules,
	  "list the personal-data rules, or check rule files" },
	{ "help", cmd_help,
	  "list the commands, or show the manual of one" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void
print_usage(FILE *out)
{
	fprintf(out, "usage: listscrub COMMAND [OPTIONS] PATH...\n\n"
		"Clean mailing-list archives after a privacy breach.\n\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\n'listscrub COMMAND --help' lists a command's options; "
		"'man listscrub-COMMAND' explains it.\n");
}

static int
cmd_help(int argc, char **argv)
{
	char page[64];

	if (argc < 2) {
		print_usage(stdout);
		return EXIT_CLEAN;
	}
	snprintf(page, sizeof page, "listscrub-%s", argv[1]);
	fflush(stdout);
	execlp("man", "man", page, (char *)NULL);
	report(D_NO_MANUAL, NULL, "help: cannot run man(1) for '%s'; see doc/%s.1 in the "
		    "source tree", page, page);
	return EXIT_ERROR;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		report(D_INTERNAL, NULL, "cannot initialise libsodium");
		return EXIT_ERROR;
	}
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("listscrub %s\n", PACKAGE_VERSION);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return EXIT_CLEAN;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			int rc = commands[i].fn(argc - 1, argv + 1);

			progress_line_stop();
			return report_exit_status(rc);
		}
	report(D_NOT_A_COMMAND, NULL, "'%s' is not a command; see 'listscrub --help'", argv[1]);
	return EXIT_ERROR;
}
