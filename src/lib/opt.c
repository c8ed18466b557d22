/* opt.c -- option tables over getopt_long. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errbuf.h"
#include "lib/opt.h"
#include "lib/xalloc.h"

#define HELP_ID 1000

static size_t
count_specs(const struct opt_spec *specs)
{
	size_t n = 0;

	while (specs[n].name)
		n++;
	return n;
}

static int
keyword_index(const struct opt_spec *spec, const char *arg, struct errbuf *err)
{
	for (int i = 0; spec->keywords[i]; i++)
		if (strcmp(spec->keywords[i], arg) == 0)
			return i;
	return errbuf_set(err, "--%s: unknown value '%s' (see --help)",
			  spec->name, arg);
}

static int
store(const struct opt_spec *spec, char *arg, struct errbuf *err)
{
	switch (spec->kind) {
	case OPT_FLAG:
		*(bool *)spec->target = true;
		return 0;
	case OPT_STRING:
		*(const char **)spec->target = arg;
		return 0;
	case OPT_LIST: {
		struct opt_list *l = spec->target;

		xgrow((void **)&l->items, &l->alloc, l->count + 1,
		      sizeof *l->items);
		l->items[l->count++] = arg;
		return 0;
	}
	case OPT_UINT: {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-')
			return errbuf_set(err, "--%s: '%s' is not a whole "
					  "number", spec->name, arg);
		*(unsigned long *)spec->target = v;
		return 0;
	}
	case OPT_KEYWORD:
	case OPT_OPTIONAL_KEYWORD: {
		int k;

		if (arg == NULL) {      /* optional keyword given bare */
			*(int *)spec->target = 0;
			return 0;
		}
		if ((k = keyword_index(spec, arg, err)) < 0)
			return -1;
		*(int *)spec->target = k;
		return 0;
	}
	}
	return errbuf_set(err, "--%s: bad option table", spec->name);
}

int
opt_parse(int argc, char **argv, const struct opt_spec *specs, bool *help_r,
	  struct errbuf *err)
{
	size_t n = count_specs(specs);
	struct option *longopts = xcalloc(n + 2, sizeof *longopts);
	int rc = -1;

	*help_r = false;
	for (size_t i = 0; i < n; i++) {
		longopts[i].name = specs[i].name;
		longopts[i].has_arg = specs[i].kind == OPT_FLAG ? no_argument
			: specs[i].kind == OPT_OPTIONAL_KEYWORD ? optional_argument
			: required_argument;
		longopts[i].val = (int)i;
	}
	longopts[n].name = "help";
	longopts[n].val = HELP_ID;
	optind = 0;     /* 0, not 1: makes glibc reset its permutation state */
	opterr = 0;
	for (;;) {
		int longindex = -1, c = getopt_long(argc, argv, "h", longopts,
						    &longindex);

		if (c == -1)
			break;
		if (c == 'h' || c == HELP_ID) {
			*help_r = true;
			continue;
		}
		if (c == '?' || c == ':') {
			errbuf_format(err, "unknown option or missing value: '%s' "
				      "(see --help)", argv[optind - 1]);
			goto out;
		}
		if (store(&specs[c], optarg, err) < 0)
			goto out;
	}
	rc = optind;
out:
	free(longopts);
	return rc;
}

void
opt_usage(FILE *out, const char *synopsis, const struct opt_spec *specs)
{
	fprintf(out, "usage: %s\n\n", synopsis);
	for (size_t i = 0; specs[i].name; i++) {
		char left[64];
		const struct opt_spec *s = &specs[i];

		if (s->kind == OPT_FLAG)
			snprintf(left, sizeof left, "--%s", s->name);
		else if (s->kind == OPT_OPTIONAL_KEYWORD)
			snprintf(left, sizeof left, "--%s[=%s]", s->name,
				 s->argname);
		else
			snprintf(left, sizeof left, "--%s %s", s->name,
				 s->argname);
		fprintf(out, "  %-28s %s\n", left, s->help);
	}
	fprintf(out, "  %-28s %s\n", "--help", "show this help");
}

void
opt_list_release(struct opt_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = list->alloc = 0;
}
