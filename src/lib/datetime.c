/* datetime.c -- tolerant date parsing for mail and for arguments. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/datetime.h"

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

static const struct {
	const char *name;
	int minutes;
} zone_names[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "CET", 60 }, { "CEST", 120 }, { "BST", 60 },
};

struct date_parts {
	int year, month, day, hour, min, sec, zone_min;
	bool have_year, have_month, have_day, have_time;
};

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
to_epoch(const struct date_parts *p)
{
	return days_from_civil(p->year, p->month, p->day) * 86400 +
		p->hour * 3600 + p->min * 60 + p->sec - p->zone_min * 60;
}

static bool
parse_time(const char *tok, struct date_parts *p)
{
	int h, m, s = 0, n = 0;

	if (sscanf(tok, "%2d:%2d:%2d%n", &h, &m, &s, &n) == 3 ||
	    (s = 0, sscanf(tok, "%2d:%2d%n", &h, &m, &n) == 2)) {
		if (tok[n] != '\0' || h > 23 || m > 59 || s > 60)
			return false;
		p->hour = h;
		p->min = m;
		p->sec = s;
		p->have_time = true;
		return true;
	}
	return false;
}

static bool
parse_zone(const char *tok, struct date_parts *p)
{
	size_t n = strlen(tok);

	if ((tok[0] == '+' || tok[0] == '-') && n == 5 &&
	    strspn(tok + 1, "0123456789") == 4) {
		int v = ((tok[1] - '0') * 10 + (tok[2] - '0')) * 60 +
			(tok[3] - '0') * 10 + (tok[4] - '0');

		p->zone_min = tok[0] == '-' ? -v : v;
		return true;
	}
	for (size_t i = 0; i < sizeof zone_names / sizeof zone_names[0]; i++)
		if (strcasecmp(tok, zone_names[i].name) == 0) {
			p->zone_min = zone_names[i].minutes;
			return true;
		}
	return false;
}

static void
take_token(const char *tok, struct date_parts *p)
{
	size_t n = strlen(tok), digits = strspn(tok, "0123456789");

	if (strchr(tok, ':') && !p->have_time && parse_time(tok, p))
		return;
	if (digits == n && n > 0) {
		int v = 0;

		for (size_t i = 0; i < n && i < 9; i++)
			v = v * 10 + (tok[i] - '0');
		if (!p->have_day && n <= 2 && v >= 1 && v <= 31 && !p->have_time) {
			p->day = v;
			p->have_day = true;
		} else if (!p->have_year && (n == 4 || n == 2 || n == 3)) {
			/* RFC 5322 §4.3: two-digit years 00-49 are 20xx. */
			p->year = n == 4 ? v : n == 3 ? v + 1900
				: v < 50 ? v + 2000 : v + 1900;
			p->have_year = true;
		}
		return;
	}
	if (n >= 3 && !p->have_month)
		for (int m = 0; m < 12; m++)
			if (strncasecmp(tok, month_names[m], 3) == 0) {
				p->month = m + 1;
				p->have_month = true;
				return;
			}
	parse_zone(tok, p);
}

int
datetime_parse_mail(const char *s, size_t len, int64_t *t_r)
{
	struct date_parts p;
	char tok[32] = { 0 };
	size_t i = 0;

	memset(&p, 0, sizeof p);
	while (i < len) {
		size_t n = 0;

		while (i < len && (isspace((unsigned char)s[i]) || s[i] == ',' ||
				   s[i] == '(' || s[i] == ')'))
			i++;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != ',' &&
		       s[i] != '(' && s[i] != ')') {
			if (n + 1 < sizeof tok)
				tok[n++] = s[i];
			i++;
		}
		tok[n] = '\0';
		if (n > 0)
			take_token(tok, &p);
	}
	if (!p.have_year || !p.have_month || !p.have_day)
		return -1;
	*t_r = to_epoch(&p);
	return 0;
}

int
datetime_parse_arg(const char *s, int64_t *t_r)
{
	struct date_parts p;
	int n = 0;

	memset(&p, 0, sizeof p);
	if (sscanf(s, "%4d-%2d-%2d%n", &p.year, &p.month, &p.day, &n) != 3 ||
	    n != 10 || p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31)
		return -1;
	if (s[n] == '\0') {
		*t_r = to_epoch(&p);
		return 0;
	}
	if ((s[n] != 'T' && s[n] != ' ') || !parse_time(s + n + 1, &p))
		return -1;
	*t_r = to_epoch(&p);
	return 0;
}

int
datetime_parse_ctime_zone(const char *s, int64_t *naive_r, char zone[16])
{
	static const char *const names[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	char wd[4], mon[4], word[16];
	int day, h, mi, sec, year, m = -1;
	struct tm tm;

	zone[0] = '\0';
	if (sscanf(s, "%3s %3s %d %d:%d:%d %15s %d", wd, mon, &day, &h, &mi,
		   &sec, word, &year) == 8)
		snprintf(zone, 16, "%s", word);
	else if (sscanf(s, "%3s %3s %d %d:%d:%d %d", wd, mon, &day, &h, &mi,
			&sec, &year) != 7)
		return -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, names[i]) == 0)
			m = i;
	if (m < 0 || year < 1970 || day < 1 || day > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = m;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*naive_r = (int64_t)timegm(&tm);
	return 0;
}
