/* errbuf.c -- caller-owned error buffer. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/errbuf.h"

void
errbuf_format(struct errbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->code = 0;
}

void
errbuf_format_errno(struct errbuf *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
	err->code = errnum;
}

void
errbuf_clear(struct errbuf *err)
{
	if (err != NULL) {
		err->msg[0] = '\0';
		err->code = 0;
	}
}
