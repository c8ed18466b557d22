/* rawscan.c -- "From " lines and empty lines, 16 bytes at a time.
 *
 * A block says which of its 16 positions may start the pattern (one bit
 * each); the rare marked positions are then confirmed byte by byte. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "mail/rawscan.h"

size_t
rawscan_from(const char *p, size_t len)
{
	size_t i = 0;

	/* the block at i reads p[i..i+20) */
	for (; len >= 20 && i <= len - 20; i += 16) {
		rawscan_v16 m = (rawscan_v16)(rawscan_load(p + i) == 'F') &
			(rawscan_v16)(rawscan_load(p + i + 1) == 'r') &
			(rawscan_v16)(rawscan_load(p + i + 2) == 'o') &
			(rawscan_v16)(rawscan_load(p + i + 3) == 'm') &
			(rawscan_v16)(rawscan_load(p + i + 4) == ' ');
		unsigned int bits = rawscan_mask(m);

		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
	for (; i + 5 <= len; i++)
		if (p[i] == 'F' && memcmp(p + i, "From ", 5) == 0)
			return i;
	return len;
}

/* An empty line starts at i + 1 after the '\n' at i: where it ends, or
 * 0 when the line is not empty. */
static size_t
empty_after(const char *p, size_t len, size_t i)
{
	if (i + 1 < len && p[i + 1] == '\n')
		return i + 2;
	if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
		return i + 3;
	return 0;
}

size_t
rawscan_blank_line_end(const char *p, size_t len)
{
	size_t i = 0, end;

	if (len >= 1 && p[0] == '\n')
		return 1;
	if (len >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	/* the block at i reads p[i..i+18) */
	for (; len >= 18 && i <= len - 18; i += 16) {
		rawscan_v16 b1 = rawscan_load(p + i + 1);
		rawscan_v16 m = (rawscan_v16)(rawscan_load(p + i) == '\n') &
			((rawscan_v16)(b1 == '\n') |
			 ((rawscan_v16)(b1 == '\r') &
			  (rawscan_v16)(rawscan_load(p + i + 2) == '\n')));
		unsigned int bits = rawscan_mask(m);

		if (bits)
			return empty_after(p, len, i + (size_t)__builtin_ctz(bits));
	}
	for (; i < len; i++)
		if (p[i] == '\n' && (end = empty_after(p, len, i)) != 0)
			return end;
	return len;
}

static bool
blank_eol_at(const char *p, size_t len, size_t i)
{
	return (p[i] == ' ' || p[i] == '\t') &&
		((i + 1 < len && p[i + 1] == '\n') ||
		 (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n'));
}

size_t
rawscan_blank_before_eol(const char *p, size_t len)
{
	size_t i = 0;

	/* the block at i reads p[i..i+18) */
	for (; len >= 18 && i <= len - 18; i += 16) {
		rawscan_v16 b0 = rawscan_load(p + i), b1 = rawscan_load(p + i + 1);
		rawscan_v16 m = ((rawscan_v16)(b0 == ' ') |
				 (rawscan_v16)(b0 == '\t')) &
			((rawscan_v16)(b1 == '\n') |
			 ((rawscan_v16)(b1 == '\r') &
			  (rawscan_v16)(rawscan_load(p + i + 2) == '\n')));
		unsigned int bits = rawscan_mask(m);

		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
	for (; i < len; i++)
		if (blank_eol_at(p, len, i))
			return i;
	return len;
}
