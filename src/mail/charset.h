/* charset.h -- text in a named charset to UTF-8, through Mailutils'
 * iconv filter: MIME parts in charsets that hide ASCII, and the payloads
 * of RFC 2047 words. */
#ifndef LISTSCRUB_MAIL_CHARSET_H
#define LISTSCRUB_MAIL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

/* Does iconv know the charset (a NUL-terminated name)? */
bool charset_known(const char *charset);

/* Convert text[0..len) from charset to UTF-8 into *buf (grown as needed;
 * *alloc is its size).  0 with the length in *out_len_r; 1 when iconv
 * does not know the charset; -1 when the bytes do not convert. */
int charset_to_utf8(const char *charset, const char *text, size_t len,
		    char **buf, size_t *alloc, size_t *out_len_r);

#endif
