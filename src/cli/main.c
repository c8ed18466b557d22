/* main.c -- the command table and dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cmd.h"
#include "cli/print.h"
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
	{ "sweep", cmd_sweep,
	  "a scheduled sweep: report what is new since the last one" },
	{ "help", cmd_help,
	  "list the commands, or show the manual of one" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* --version, as GNU tools print it: the licence (COPYING), then the
 * warranty. */
#define LICENSE_LINE "License GPLv3+: GNU GPL version 3 or later " \
	"<https://gnu.org/licenses/gpl.html>.\n" \
	"This is free software: you are free to change and redistribute it."

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

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* man's status for "no manual entry" (man(1) EXIT STATUS). */
#define MAN_NO_ENTRY 16

/* Run man for page; its exit status, or 127 when man cannot be run. */
static int
run_man(const char *page)
{
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return 127;
	if (pid == 0) {
		execlp("man", "man", page, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 127;
	return WEXITSTATUS(status);
}

static int
cmd_help(int argc, char **argv)
{
	const struct command *c;
	char page[64];
	int rc;

	if (argc < 2) {
		print_usage(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: listscrub help [COMMAND]\n\n"
		       "Without COMMAND, list the commands; with one, show its "
		       "manual (man listscrub-COMMAND),\nor its --help when the "
		       "manual is not installed.\n");
		return EXIT_CLEAN;
	}
	if ((c = find_command(argv[1])) == NULL) {
		report(D_NOT_A_COMMAND, NULL, "help: '%s' is not a command; see "
		       "'listscrub help'", argv[1]);
		return EXIT_ERROR;
	}
	snprintf(page, sizeof page, "listscrub-%s", c->name);
	rc = run_man(page);
	if (rc == 0)
		return EXIT_CLEAN;
	if (rc != MAN_NO_ENTRY && rc != 127) {
		report(D_NO_MANUAL, NULL, "help: man %s failed (status %d)",
		       page, rc);
		return EXIT_ERROR;
	}
	/* a build that is not installed: the option table is the help */
	fprintf(stderr, "listscrub: the manual %s is not installed (see doc/%s.1 "
		"in the source tree); 'listscrub %s --help' follows\n", page,
		page, c->name);
	return c->fn(2, (char *[]){ (char *)c->name, (char *)"--help", NULL });
}

int
main(int argc, char **argv)
{
	const struct command *c;

	if (sodium_init() < 0) {
		report(D_INTERNAL, NULL, "cannot initialise libsodium");
		return EXIT_ERROR;
	}
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("listscrub %s\n%s\n"
		       "There is NO WARRANTY, to the extent permitted by law.\n",
		       PACKAGE_VERSION, LICENSE_LINE);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return EXIT_CLEAN;
	}
	if ((c = find_command(argv[1])) != NULL) {
		int rc;

		json_output_for(c->name);
		rc = c->fn(argc - 1, argv + 1);

		progress_line_stop();
		return report_exit_status(rc);
	}
	report(D_NOT_A_COMMAND, NULL, "'%s' is not a command; see 'listscrub --help'", argv[1]);
	return EXIT_ERROR;
}
