/* limits.c -- the caps on reading mail, one set per process. */
#include "config.h"

#include "mail/limits.h"

static struct mail_limits limits = {
	MAIL_DEFAULT_MIME_DEPTH, MAIL_DEFAULT_MIME_PARTS,
	MAIL_DEFAULT_HEADER_LINE, MAIL_DEFAULT_INFLATED_SIZE,
	MAIL_DEFAULT_INFLATE_RATIO,
};

void
mail_set_limits(const struct mail_limits *l)
{
	limits.mime_depth = l->mime_depth ? l->mime_depth
		: MAIL_DEFAULT_MIME_DEPTH;
	limits.mime_parts = l->mime_parts ? l->mime_parts
		: MAIL_DEFAULT_MIME_PARTS;
	limits.header_line = l->header_line ? l->header_line
		: MAIL_DEFAULT_HEADER_LINE;
	limits.inflated_size = l->inflated_size ? l->inflated_size
		: MAIL_DEFAULT_INFLATED_SIZE;
	limits.inflate_ratio = l->inflate_ratio ? l->inflate_ratio
		: MAIL_DEFAULT_INFLATE_RATIO;
}

const struct mail_limits *
mail_get_limits(void)
{
	return &limits;
}
