/* text.h -- small helpers on byte ranges shared by modules. */
#ifndef LISTSCRUB_TEXT_H
#define LISTSCRUB_TEXT_H

#include <ctype.h>

/* Narrow [*b, *e) past surrounding white space and one pair of angle
 * brackets, as users write Message-IDs and addresses: " <x@y> ". */
static inline void
trim_bracketed(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
	if (*e - *b >= 2 && **b == '<' && (*e)[-1] == '>') {
		(*b)++;
		(*e)--;
	}
}

#endif
