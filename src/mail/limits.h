/* limits.h -- the caps on what reading mail may cost (SPEC §8): MIME
 * nesting, MIME parts, the length of a header line, and what a .gz file
 * may inflate to.  They are settings with documented defaults
 * (listscrub(1) LIMITS); hitting one is a diagnostic, never a silent
 * skip.  One set per process, like the manifest's (audit/manifest.h):
 * every read of a run (the selection, the locks taken before it, the
 * check of a redaction, the read-back of a new copy) must apply the
 * same caps, or purge would write what scan never read.  Set once,
 * before any worker starts. */
#ifndef LISTSCRUB_MAIL_LIMITS_H
#define LISTSCRUB_MAIL_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#define MAIL_DEFAULT_MIME_DEPTH      32
#define MAIL_DEFAULT_MIME_PARTS      4096
#define MAIL_DEFAULT_HEADER_LINE     ((size_t)1 << 20)
#define MAIL_DEFAULT_INFLATED_SIZE   ((uint64_t)4 << 30)
#define MAIL_DEFAULT_INFLATE_RATIO   100
/* The ratio is only checked past this many inflated bytes: a small
 * file of one repeated line may well shrink a hundredfold. */
#define MAIL_INFLATE_RATIO_FLOOR     ((uint64_t)64 << 20)

struct mail_limits {
	unsigned int mime_depth;        /* multipart and message/rfc822 levels */
	unsigned int mime_parts;        /* entities of one message */
	size_t header_line;             /* bytes of one line of a header
					   block (the line end excluded) */
	uint64_t inflated_size;         /* bytes a .gz may inflate to */
	unsigned int inflate_ratio;     /* ... and times its own size */
};

/* Set the caps; a field 0 takes its default. */
void mail_set_limits(const struct mail_limits *l);

/* The caps in force (the defaults until set). */
const struct mail_limits *mail_get_limits(void);

#endif
