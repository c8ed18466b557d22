/* scope.c -- the scope filters: --since, --until and --list. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "lib/datetime.h"
#include "select/pass.h"


static bool
date_in_scope(const struct select_settings *s, const struct headers_seen *h,
	      const char *from_line, size_t from_len)
{
	int64_t t;

	if (!s->since_set && !s->until_set)
		return true;
	if ((h->date == NULL || datetime_parse_mail(h->date, h->date_len, &t) < 0) &&
	    (from_len == 0 || datetime_parse_mail(from_line + 5, from_len - 5,
						  &t) < 0))
		return false;   /* no date: a date filter cannot include it */
	return (!s->since_set || t >= s->since) && (!s->until_set || t < s->until);
}

static bool
list_in_scope(const char *list, const struct headers_seen *h)
{
	const char *lt, *id;
	size_t n, len;

	if (list == NULL)
		return true;
	n = strlen(list);
	if (h->list_id == NULL)
		return false;
	lt = memchr(h->list_id, '<', h->list_id_len);
	id = lt ? lt + 1 : h->list_id;
	len = h->list_id_len - (size_t)(id - h->list_id);
	return len >= n && strncasecmp(id, list, n) == 0 &&
		(len == n || id[n] == '.' || id[n] == '>');
}

bool
select_in_scope(const struct select_settings *s, const struct headers_seen *h,
		const char *from_line, size_t from_len)
{
	return date_in_scope(s, h, from_line, from_len) &&
		list_in_scope(s->list, h);
}
