/* decode.c -- table-driven base64 and quoted-printable decoders. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/decode.h"
#include "mail/rawscan.h"

/* Each byte's class, plus one so that 0 can mean "not base64":
 * 1..64 the alphabet, 65 '=', 66 white space. */
enum { B64_PAD = 65, B64_SPACE = 66 };
static const unsigned char b64[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
	['='] = B64_PAD, [' '] = B64_SPACE, ['\t'] = B64_SPACE,
	['\r'] = B64_SPACE, ['\n'] = B64_SPACE,
};

size_t
decode_base64(const char *in, size_t len, char *out, bool *bad_r)
{
	unsigned int acc = 0, n = 0;
	size_t o = 0;
	bool bad = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char v;

		/* the common case: a whole quantum of the alphabet */
		while (n == 0 && len - i >= 4) {
			unsigned int a = b64[(unsigned char)in[i]] - 1u,
				b = b64[(unsigned char)in[i + 1]] - 1u,
				c = b64[(unsigned char)in[i + 2]] - 1u,
				d = b64[(unsigned char)in[i + 3]] - 1u;

			if ((a | b | c | d) >= 64)
				break;
			acc = a << 18 | b << 12 | c << 6 | d;
			out[o++] = (char)(acc >> 16);
			out[o++] = (char)(acc >> 8);
			out[o++] = (char)acc;
			acc = 0;
			i += 4;
		}
		if (i == len)
			break;
		v = b64[(unsigned char)in[i]];
		if (v >= 1 && v <= 64) {
			acc = acc << 6 | (unsigned int)(v - 1);
			if (++n == 4) {
				out[o++] = (char)(acc >> 16);
				out[o++] = (char)(acc >> 8);
				out[o++] = (char)acc;
				acc = n = 0;
			}
		} else if (v == B64_PAD) {
			/* padding ends a quantum; a new one may follow (some
			 * mailers concatenate encoded chunks) */
			if (n == 2)
				out[o++] = (char)(acc >> 4);
			else if (n == 3) {
				out[o++] = (char)(acc >> 10);
				out[o++] = (char)(acc >> 2);
			}
			acc = n = 0;
		} else if (v == 0)
			bad = true;
	}
	if (n == 2)
		out[o++] = (char)(acc >> 4);
	else if (n == 3) {
		out[o++] = (char)(acc >> 10);
		out[o++] = (char)(acc >> 2);
	}
	if (bad_r)
		*bad_r = bad;
	return o;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Length of the line end at in[i] ("\n" or "\r\n"), or 0. */
static size_t
line_end_len(const char *in, size_t len, size_t i)
{
	if (i < len && in[i] == '\n')
		return 1;
	if (i + 1 < len && in[i] == '\r' && in[i + 1] == '\n')
		return 2;
	return 0;
}

/* Drop the blanks just written before a line end (RFC 2045 6.7 rule 3:
 * they are transport padding), but never those an escape produced. */
static size_t
drop_padding(const char *out, size_t o, size_t floor)
{
	while (o > floor && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	return o;
}

size_t
decode_qp(const char *in, size_t len, char *out)
{
	/* The next '=' and the next blank before a line end at or after i
	 * (len: none), looked for again only once passed: lines far
	 * outnumber escapes, and most lines have no padding to drop. */
	const char *first = memchr(in, '=', len);
	size_t o = 0, i = 0, floor = 0, j,
	       eq_at = first ? (size_t)(first - in) : len,
	       pad_at = rawscan_blank_before_eol(in, len);
	int hi, lo;

	while (i < len) {
		const char *nl;
		size_t stop;

		if (eq_at < i) {
			const char *eq = memchr(in + i, '=', len - i);

			eq_at = eq ? (size_t)(eq - in) : len;
		}
		if (pad_at < i)
			pad_at = i + rawscan_blank_before_eol(in + i, len - i);
		if (pad_at >= eq_at) {
			/* no padding up to the '=': the lines copied whole
			 * are what the line by line way below writes */
			nl = memrchr(in + i, '\n', eq_at - i);
			if (nl)
				floor = o + (size_t)(nl - in - i) + 1;
			stop = eq_at;
		} else {
			/* copy up to the next '=' or line end in one go */
			nl = memchr(in + i, '\n', eq_at - i);
			stop = nl ? (size_t)(nl - in) : eq_at;
		}

		memcpy(out + o, in + i, stop - i);
		o += stop - i;
		i = stop;
		if (i == len) {
			o = drop_padding(out, o, floor);
			break;
		}
		if (in[i] == '\n') {
			size_t cr = o > floor && out[o - 1] == '\r';

			o = drop_padding(out, o - cr, floor);
			if (cr)
				out[o++] = '\r';
			out[o++] = '\n';
			floor = o;
			i++;
		} else if (i + 2 < len &&
			   (hi = hex_value((unsigned char)in[i + 1])) >= 0 &&
			   (lo = hex_value((unsigned char)in[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			floor = o;
			i += 3;
		} else {
			/* soft line break: '=', optional blanks, line end */
			for (j = i + 1; j < len && (in[j] == ' ' || in[j] == '\t'); j++)
				;
			if (j == len || line_end_len(in, len, j)) {
				i = j + line_end_len(in, len, j);
				floor = o;
			} else
				out[o++] = in[i++];
		}
	}
	return o;
}

bool
text_may_hold_address(const char *text, size_t len)
{
	static const char at[] = " at ";

	if (memchr(text, '@', len) != NULL || memchr(text, '(', len) != NULL)
		return true;
	for (const char *p = text; (p = memchr(p, ' ', len - (size_t)(p - text)));
	     p++)
		if (len - (size_t)(p - text) >= 4 &&
		    strncasecmp(p, at, 4) == 0)
			return true;
	return false;
}

size_t
decode_word_payload(char encoding, const char *text, size_t len, char *out)
{
	size_t n = 0;

	if (encoding == 'B' || encoding == 'b')
		return decode_base64(text, len, out, NULL);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '_')
			out[n++] = ' ';
		else if (text[i] == '=' && i + 2 < len &&
			 isxdigit((unsigned char)text[i + 1]) &&
			 isxdigit((unsigned char)text[i + 2])) {
			char hex[3] = { text[i + 1], text[i + 2], 0 };

			out[n++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else
			out[n++] = text[i];
	}
	return n;
}

bool
charset_hides_ascii(const char *name, size_t len)
{
	static const char *const prefixes[] = {
		"utf-16", "utf-32", "ucs-2", "ucs-4", "utf-7", "unicode",
		"utf16", "utf32", "ucs2", "ucs4", "utf7",
	};

	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);

		if (len >= n && strncasecmp(name, prefixes[i], n) == 0)
			return true;
	}
	return false;
}
