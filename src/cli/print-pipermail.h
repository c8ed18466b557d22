/* print-pipermail.h -- the pipermail files a purge changes, as it
 * prints them: one line each (text or JSON) and a summary line. */
#ifndef LISTSCRUB_PRINT_PIPERMAIL_H
#define LISTSCRUB_PRINT_PIPERMAIL_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cmd.h"

struct pm_edits;

/* apply: the edits were to be made (each says whether it was). */
void print_pipermail_edits(FILE *out, const struct pm_edits *e, bool apply,
			   enum out_format format);

#endif
