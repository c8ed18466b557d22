/* cmd-rules.c -- list the rules in force, and check rule files against
 * their examples. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "cli/print.h"
#include "cli/report.h"
#include "detect/rules.h"
#include "detect/validate.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

static int load_rules(const struct opt_list *paths, struct ruleset **rs_r);

static const char *const scope_names[] = { "", "body", "header", "any" };

/* A rule's free text: as JSON text (bytes that are not UTF-8 marked),
 * null when absent. */
static json_t *
rule_text(const char *s)
{
	return s ? json_text(s) : json_null();
}

static void
print_rule_json(const struct rule_info *ri)
{
	json_line(stdout, json_pack(
		"{s:o, s:o, s:s, s:o, s:o, s:s, s:o, s:b, s:o, s:i}",
		"id", rule_text(ri->id), "entity", rule_text(ri->entity),
		"action", rule_action_name(ri->action),
		"severity", rule_text(ri->severity),
		"validator", rule_text(ri->validator),
		"scope", scope_names[ri->scope & 3],
		"description", rule_text(ri->description),
		"require_context", ri->require_context,
		"path", rule_text(ri->file), "line", (int)ri->line));
}

static int
rules_list(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub rules list [--rules PATH]... [--format text|json]";
	struct opt_list paths = { 0 };
	int format = FORMAT_TEXT, first, rc;
	struct opt_spec specs[] = {
		{ "rules", OPT_LIST, &paths, "PATH",
		  "rule file or directory (default: the installed rules)", NULL },
		{ "format", OPT_KEYWORD, &format, "text|json", "output format",
		  format_keywords },
		{ 0 },
	};
	struct ruleset *rs;

	if ((rc = cmd_parse("rules", synopsis, argc, argv, specs, &first)) >= 0) {
		opt_list_release(&paths);
		return rc;
	}
	if (first < argc) {
		opt_list_release(&paths);
		return usage_error("rules", "list takes no operands");
	}
	if (load_rules(&paths, &rs) < 0) {
		opt_list_release(&paths);
		return EXIT_ERROR;
	}
	for (uint32_t i = 0; i < ruleset_count(rs); i++) {
		const struct rule_info *ri = ruleset_rule(rs, i);

		if (format == FORMAT_JSON)
			print_rule_json(ri);
		else
			printf("%-16s %-18s %-6s %-8s %-13s %s\n", ri->id,
			       ri->entity, rule_action_name(ri->action),
			       ri->severity, ri->validator, ri->description);
	}
	if (format == FORMAT_JSON)
		json_summary(stdout, json_pack("{s:I}", "rules",
					       (json_int_t)ruleset_count(rs)));
	ruleset_free(&rs);
	opt_list_release(&paths);
	return EXIT_CLEAN;
}

static void
report_example(const char *file, unsigned int line, const char *why, void *ctx)
{
	(void)ctx;
	char *locus = xasprintf("%s:%u", file, line);

	report(D_RULE_EXAMPLE, locus, "%s", why);
	free(locus);
}

/* Each rule of one file against DIR/ID.txt. */
static int
check_file(const char *path, const char *examples, size_t *rules_r,
	   size_t *failed_r)
{
	struct ruleset *rs = ruleset_new();
	struct errbuf err;
	int rc = 0;

	errbuf_clear(&err);
	if (ruleset_load(rs, path, &err) < 0) {
		report(D_RULES, NULL, "%s", err.msg);
		ruleset_free(&rs);
		return -1;
	}
	for (uint32_t i = 0; examples && i < ruleset_count(rs); i++) {
		char *file = xasprintf("%s/%s.txt", examples,
				       ruleset_rule(rs, i)->id);
		int failed = rules_run_examples(rs, i, file, report_example,
						NULL, &err);

		if (failed < 0) {
			report(D_RULE_EXAMPLE, NULL, "rule %s: %s",
			       ruleset_rule(rs, i)->id, err.msg);
			rc = -1;
		} else
			*failed_r += (size_t)failed;
		free(file);
	}
	*rules_r += ruleset_count(rs);
	ruleset_free(&rs);
	return rc;
}

static int
rules_check(int argc, char **argv)
{
	static const char synopsis[] =
		"listscrub rules check [--examples DIR] FILE...";
	const char *examples = NULL;
	int first, rc;
	struct opt_spec specs[] = {
		{ "examples", OPT_STRING, &examples, "DIR",
		  "run every rule's examples from DIR/ID.txt", NULL },
		{ 0 },
	};
	size_t rules = 0, failed = 0;
	bool error = false;

	if ((rc = cmd_parse("rules", synopsis, argc, argv, specs, &first)) >= 0)
		return rc;
	if (first >= argc)
		return usage_error("rules", "check needs a rule FILE");
	for (int i = first; i < argc; i++)
		error |= check_file(argv[i], examples, &rules, &failed) < 0;
	if (error)
		return EXIT_ERROR;
	printf("%zu %s compiled%s", rules, plural(rules, "rule", "rules"),
	       examples ? "" : "\n");
	if (examples)
		printf(", %zu example %s failed\n", failed,
		       plural(failed, "line", "lines"));
	return failed ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* "valid" or "invalid" for each value (arguments, or lines of stdin),
 * without echoing the value. */
static int
rules_validate(int argc, char **argv)
{
	validator_fn fn;
	char *line = NULL;
	size_t alloc = 0;
	bool all = true;

	if (argc < 2)
		return usage_error("rules", "validate needs a VALIDATOR name");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: listscrub rules validate VALIDATOR [VALUE...]\n\n"
		       "Print valid or invalid for each VALUE, or each line of "
		       "standard input, as\nVALIDATOR judges it (the value is "
		       "never echoed).  Exit 0 when all are valid, 1\nwhen one "
		       "is not.  VALIDATOR is one of:");
		for (size_t i = 0; validator_names[i]; i++)
			printf(" %s", validator_names[i]);
		printf("\n");
		return EXIT_CLEAN;
	}
	if ((fn = validator_find(argv[1])) == NULL)
		return usage_error("rules", "unknown validator (see 'man 5 "
				   "listscrub-rules')");
	for (int i = 2; i < argc; i++) {
		bool ok = fn(argv[i], strlen(argv[i]));

		puts(ok ? "valid" : "invalid");
		all &= ok;
	}
	/* one answer per line, however long the line */
	while (argc == 2 && getline(&line, &alloc, stdin) >= 0) {
		size_t n = strcspn(line, "\r\n");
		bool ok = fn(line, n);

		puts(ok ? "valid" : "invalid");
		all &= ok;
	}
	free(line);
	return all ? EXIT_CLEAN : EXIT_FINDINGS;
}

/* The rules of --rules PATHs, or the installed default set when none is
 * given; prints the error and returns -1 on failure. */
static int
load_rules(const struct opt_list *paths, struct ruleset **rs_r)
{
	struct ruleset *rs = ruleset_new();
	struct errbuf err;

	errbuf_clear(&err);
	if (ruleset_load_all(rs, paths->items, paths->count, paths->count == 0,
			     &err) < 0) {
		report(D_RULES, NULL, "%s", err.msg);
		ruleset_free(&rs);
		return -1;
	}
	*rs_r = rs;
	return 0;
}

int
cmd_rules(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		printf("usage: listscrub rules list [--rules PATH]... "
		       "[--format text|json]\n"
		       "       listscrub rules check [--examples DIR] FILE...\n"
		       "       listscrub rules validate VALIDATOR [VALUE...]\n");
		return argc < 2 ? EXIT_ERROR : EXIT_CLEAN;
	}
	if (strcmp(argv[1], "list") == 0)
		return rules_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return rules_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "validate") == 0)
		return rules_validate(argc - 1, argv + 1);
	return usage_error("rules", "the subcommands are list, check and "
			   "validate");
}
