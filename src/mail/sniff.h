/* sniff.h -- telling a text attachment from a binary one, whatever its
 * Content-Type says (a CSV sent as application/octet-stream): by its
 * type or file name, or by its first decoded bytes. */
#ifndef LISTSCRUB_SNIFF_H
#define LISTSCRUB_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

/* Is type ("application/json", lower case) or the file name one that is
 * text whatever the sender said? */
bool sniff_text_by_name(const char *type, const char *filename);

/* Is p[0..n) text: valid UTF-8 (a sequence cut at the end allowed), no
 * NUL and no control byte but tab, line ends and form feed? */
bool sniff_prefix_is_text(const unsigned char *p, size_t n);

#endif
