/* datetime.h -- dates in mail headers, From_ lines and on the command line.
 *
 * Our own tolerant parser: mu_parse_date is not thread-safe and fills in
 * missing seconds from the clock; mu_scan_datetime rejects zone names and
 * two-digit years, both common in old archives.
 */
#ifndef LISTSCRUB_DATETIME_H
#define LISTSCRUB_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* An RFC 5322 date ("Tue, 6 Jan 2015 16:01:04 +0100", obsolete zone names
 * and two-digit years included) or a ctime date ("Tue Jan  6 16:01:04
 * 2015").  Returns 0 with seconds since the epoch (UTC), or -1. */
int datetime_parse_mail(const char *s, size_t len, int64_t *t_r);

/* A ctime date as Mailman's pages show it, with or without a zone word
 * before the year ("Mon May 10 11:04:57 EDT 2010", "Sun Aug 15 06:47:19
 * 1999"), at the start of s: its fields read as UTC (the zone word is not
 * interpreted: a page gives the server's local time), and the zone word
 * copied into zone ("" without).  Returns 0 or -1. */
int datetime_parse_ctime_zone(const char *s, int64_t *naive_r,
			      char zone[16]);

/* A command-line date: YYYY-MM-DD, optionally followed by THH:MM[:SS] or
 * " HH:MM[:SS]", taken as UTC.  Returns 0 or -1. */
int datetime_parse_arg(const char *s, int64_t *t_r);

#endif
