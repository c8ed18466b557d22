/* rules-private.h -- what the three parts of the rules module share: the
 * rule set as parsed (rules.c), scanned (rules-scan.c) and checked
 * against its examples (rules-examples.c).  Not for other modules. */
#ifndef LISTSCRUB_RULES_PRIVATE_H
#define LISTSCRUB_RULES_PRIVATE_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rules.h"
#include "detect/validate.h"

#define DEFAULT_MAX_LENGTH 128
#define DEFAULT_WINDOW     40
#define MAX_LITERALS       16
#define MAX_CONTEXT_WORDS  32
#define MIN_CLUSTER_DIGITS 4    /* digits:N rules need N >= this */

enum prefilter_kind { PREFILTER_NONE, PREFILTER_LITERAL, PREFILTER_DIGITS };

struct rule {
	struct rule_info info;
	char *pattern;
	pcre2_code *code;
	int value_group;                /* "value" group number, or 0 */
	validator_fn validate;
	enum prefilter_kind prefilter;
	char *literals[MAX_LITERALS];   /* lower case unless literals_exact */
	size_t n_literals;
	bool literals_exact;            /* "exact:" prefilter: case matters */
	unsigned int min_digits;
	bool token[256];                /* bytes a match may start over */
	size_t max_length;
	char *context[MAX_CONTEXT_WORDS];
	size_t n_context;
	size_t window;
	int priority;
	/* owned copies of the info strings */
	char *id, *entity, *description, *validator, *file, *severity;
};

struct ruleset {
	struct rule *rules;
	size_t count, alloc;
	uint32_t max_groups;
};


struct span {
	size_t start, end;
};

#endif
