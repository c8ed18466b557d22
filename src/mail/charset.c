/* charset.c -- charset conversion through Mailutils' iconv filter.
 *
 * Mailutils leaks its filter chain when iconv does not know a charset,
 * and mu_rfc2047_decode leaks it on any failure
 * (doc/research/mailutils-probe.md §1.3), so charsets are asked of
 * iconv first and the filter stream is always destroyed here. */
#include "config.h"

#include <iconv.h>

#include <mailutils/filter.h>
#include <mailutils/stream.h>
#include <mailutils/util.h>

#include "lib/xalloc.h"
#include "mail/charset.h"

bool
charset_known(const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);

	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}

/* Read a filter stream to its end into *buf. */
static int
drain_stream(mu_stream_t s, char **buf, size_t *alloc, size_t *len_r)
{
	size_t used = 0;

	for (;;) {
		size_t got = 0;

		xgrow((void **)buf, alloc, used + 65536, 1);
		if (mu_stream_read(s, *buf + used, *alloc - used, &got) != 0)
			return -1;
		if (got == 0)
			break;
		used += got;
	}
	*len_r = used;
	return 0;
}

int
charset_to_utf8(const char *charset, const char *text, size_t len,
		char **buf, size_t *alloc, size_t *out_len_r)
{
	mu_stream_t in, flt;
	int rc;

	*out_len_r = 0;
	if (charset[0] == '\0' || !charset_known(charset))
		return 1;
	if (mu_static_memory_stream_create(&in, text, len) != 0)
		return -1;
	rc = mu_decode_filter(&flt, in, NULL, charset, "UTF-8");
	mu_stream_unref(in);
	if (rc != 0)
		return -1;
	rc = drain_stream(flt, buf, alloc, out_len_r);
	mu_stream_destroy(&flt);
	return rc;
}
