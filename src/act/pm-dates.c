/* pm-dates.c -- an index page's first and last dates, moved with the
 * messages a deletion keeps. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "act/pm-dates.h"
#include "act/pm-edits.h"
#include "mail/pm-marshal.h"
#include "lib/buf.h"
#include "lib/datetime.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

static const char *const wdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* The date of a date key: (date, msgid) in 2.1, "date" or "date\0..." in
 * the pre-2.0 files; -1 when it is not one. */
static long long
key_date(const struct pm_mobj *key)
{
	const struct pm_sv *sv = key->type == '(' ? &key->penult : &key->str;
	char digits[16];

	if (!sv->ok || sv->len < 11 || (sv->len > 11 && sv->p[11] != '\0'))
		return -1;
	memcpy(digits, sv->p, 11);
	digits[11] = '\0';
	for (size_t i = 0; i < 11; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
	return strtoll(digits, NULL, 10);
}

/* The first and last date of a VOL-date file's keys; false when it has
 * none. */
static bool
date_range(const char *path, const char *data, size_t len, long long *first,
	   long long *last, struct errbuf *err, int *rc)
{
	struct pm_mfile m = {
		.path = path, .p = (const unsigned char *)data, .len = len,
	};
	bool any = false;

	*rc = pm_marshal_read(&m, err);
	for (size_t i = 0; *rc == 0 && i < m.count; i++) {
		long long d = key_date(&m.items[i].key);

		if (d < 0)
			continue;
		if (!any || d < *first)
			*first = d;
		if (!any || d > *last)
			*last = d;
		any = true;
	}
	pm_marshal_release(&m);
	return any;
}

/* A date as the page shows it: "Www Mmm dd hh:mm:ss [ZONE ]yyyy". */
struct shown {
	long long naive;        /* its fields read as UTC */
	char zone[16];          /* "" without */
};

static bool
read_shown(const char *s, struct shown *out)
{
	int64_t t;

	memset(out, 0, sizeof *out);
	if (datetime_parse_ctime_zone(s, &t, out->zone) < 0)
		return false;
	out->naive = t;
	return true;
}

static void
format_shown(long long naive, const char *zone, char *out, size_t n)
{
	time_t t = (time_t)naive;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%s %s %2d %02d:%02d:%02d %s%s%d", wdays[tm.tm_wday],
		 months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, zone, zone[0] ? " " : "", tm.tm_year + 1900);
}

/* The date after label in page (its <i>...</i>) moved from old_key to
 * new_key, at the offset it shows now (whole hours: the server's zone). */
static void
move_date(struct buf *page, const char *label, long long old_key,
	  long long new_key, size_t *moved)
{
	char *at = strcasestr(page->p, label), *open, *close, text[64];
	struct shown s;
	long long offset;
	struct buf out = { 0 };

	if (!at || !(open = strcasestr(at, "<i>")) ||
	    !(close = strcasestr(open, "</i>")) || close - open > 60)
		return;
	open += 3;
	memcpy(text, open, (size_t)(close - open));
	text[close - open] = '\0';
	if (!read_shown(text, &s))
		return;
	offset = s.naive - old_key;
	if (offset % 3600 != 0 || old_key == new_key)
		return;
	format_shown(new_key + offset, s.zone, text, sizeof text);
	buf_add(&out, page->p, (size_t)(open - page->p));
	buf_str(&out, text);
	buf_add(&out, close, page->len - (size_t)(close - page->p));
	buf_release(page);
	*page = out;
	(*moved)++;
}

int
pm_index_dates(const char *list_dir, const char *volume,
	       struct pm_edits *edits, struct errbuf *err)
{
	static const char *const names[] = {
		"thread.html", "date.html", "subject.html", "author.html",
	};
	char *db = xasprintf("%s/database/%s-date", list_dir, volume), *old_data;
	char *new_data;
	size_t old_len, new_len;
	long long f0, l0, f1, l1;
	struct stat st;
	int rc = 0;
	bool had, has;

	if (lstat(db, &st) < 0 || !pm_edits_find(edits, db)) {
		free(db);
		return 0;       /* no database, or nothing taken out of it */
	}
	if (read_regular_file(db, &old_data, &old_len, err) < 0) {
		free(db);
		return -1;
	}
	rc = pm_edits_current(edits, db, &new_data, &new_len, err);
	had = rc == 0 && date_range(db, old_data, old_len, &f0, &l0, err, &rc);
	has = rc == 0 && date_range(db, new_data, new_len, &f1, &l1, err, &rc);
	for (size_t i = 0; rc == 0 && had && has && i < 4; i++) {
		char *path = xasprintf("%s/%s/%s", list_dir, volume, names[i]);
		struct buf page = { 0 };
		size_t moved = 0;

		if (lstat(path, &st) == 0 &&
		    (rc = pm_edits_current(edits, path, &page.p, &page.len,
					   err)) == 0) {
			move_date(&page, "<b>Starting:</b>", f0, f1, &moved);
			move_date(&page, "<b>Ending:</b>", l0, l1, &moved);
			move_date(&page, "Last message date:", l0, l1, &moved);
			if (moved)
				pm_edits_add(edits, PM_EDIT_INDEX, path, page.p,
					     page.len);
			else
				free(page.p);
		}
		free(path);
	}
	free(old_data);
	free(new_data);
	free(db);
	return rc;
}
