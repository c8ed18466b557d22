/* opt.h -- declarative option tables over getopt_long; usage text is
 * generated from the same table, so parsing and help cannot drift. */
#ifndef LISTSCRUB_OPT_H
#define LISTSCRUB_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct errbuf;

enum opt_kind {
	OPT_FLAG,               /* bool */
	OPT_STRING,             /* const char *, last one wins */
	OPT_LIST,               /* struct opt_list, repeatable */
	OPT_UINT,               /* unsigned long */
	OPT_KEYWORD,            /* int: index into keywords */
	OPT_OPTIONAL_KEYWORD,   /* --name or --name=KEYWORD; int, -1 absent */
};

struct opt_list {
	char **items;           /* borrowed from argv; free(items) only */
	size_t count, alloc;
};

struct opt_spec {
	const char *name;
	enum opt_kind kind;
	void *target;
	const char *argname;
	const char *help;
	const char *const *keywords;    /* NULL-terminated, for keywords */
};

/* Parse argv (argv[0] is the command name) against specs, which end with
 * a zeroed entry.  --help is understood by every command and sets
 * *help_r.  On success returns the index of the first operand. */
int opt_parse(int argc, char **argv, const struct opt_spec *specs,
	      bool *help_r, struct errbuf *err);

/* Print "usage: SYNOPSIS" and one line per option. */
void opt_usage(FILE *out, const char *synopsis, const struct opt_spec *specs);

void opt_list_release(struct opt_list *list);

#endif
