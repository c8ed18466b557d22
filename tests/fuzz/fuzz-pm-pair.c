/* fuzz-pm-pair.c -- the pipermail page readers (mail/pm-pair.c,
 * mail/pipermail.c): the input is a message page (which may hold NUL
 * bytes, as a file on disk may), a NUL byte, and the message of the
 * volume text it should show: the page ends at the last NUL.
 * Invariants: an element found lies inside the page; the check of a pair
 * ends with a verdict that does not change when it is asked again, and a
 * refusal says why. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/pipermail.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *page = (const char *)data;
	const char *nul = memrchr(page, '\0', size);
	size_t page_len = nul ? (size_t)(nul - page) : size;
	const char *msg = nul ? nul + 1 : page + size;
	size_t msg_len = size - (size_t)(msg - page);
	static const char *const tags[] = { "title", "h1", "pre", "b", "i" };
	struct errbuf err;
	int rc;

	for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
		size_t n;
		const char *e = pm_html_element(page, page_len, tags[i], &n);

		FUZZ_CHECK(e == NULL || (e >= page && n <= page_len &&
					 (size_t)(e - page) <= page_len - n));
	}
	errbuf_clear(&err);
	rc = pm_check_pair(page, page_len, msg, msg_len, &err);
	FUZZ_CHECK(rc == 0 || (rc == -1 && err.msg[0] != '\0'));
	FUZZ_CHECK(pm_check_pair(page, page_len, msg, msg_len, &err) == rc);

	/* a volume's name from a file name */
	if (page_len < 256 && memchr(page, '/', page_len) == NULL) {
		char *name = strndup(page, page_len), *vol;

		vol = pm_volume_of_name(name);
		FUZZ_CHECK(vol == NULL || strncmp(vol, name, strlen(vol)) == 0);
		free(vol);
		free(name);
	}
	return 0;
}
