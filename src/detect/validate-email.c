/* validate-email.c -- the shape of an e-mail address: syntax, reserved
 * domains, file names that look like addresses, munged forms. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "detect/validate.h"

/* File names such as logo@2x.png are not addresses. */
static bool
is_file_extension(const char *tld, size_t len)
{
	static const char *const ext[] = {
		"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif",
		"tiff", "css", "js", "html", "htm", "txt", "json", "xml", "pdf",
		"zip", "tgz", "mp3", "mp4", "patch", "diff", "exe", "dll", "so",
		"lock", "yaml", "yml", "md", "rst", "c", "h", "py", "rb",
	};

	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (strlen(ext[i]) == len && strncasecmp(ext[i], tld, len) == 0)
			return true;
	return false;
}

static bool
ends_with_label(const char *domain, size_t len, const char *label)
{
	size_t n = strlen(label);

	return len >= n && strncasecmp(domain + len - n, label, n) == 0 &&
		(len == n || domain[len - n - 1] == '.');
}

bool
domain_is_reserved(const char *domain, size_t len)
{
	static const char *const reserved[] = {
		"example.com", "example.org", "example.net", "example", "test",
		"invalid", "localhost", "local",
	};

	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (ends_with_label(domain, len, reserved[i]))
			return true;
	return false;
}

static bool
is_local_char(unsigned char c)
{
	return isalnum(c) || strchr("._%+-'=!#$&*/?^`{|}~", c) != NULL;
}

/* A personal address: dot-atom local part of at most 64 bytes, a domain
 * of labels with an alphabetic top-level label, not a file name. */
bool
valid_email_syntax(const char *text, size_t len)
{
	const char *at = memchr(text, '@', len), *dom, *tld, *end = text + len;
	size_t local_len, dom_len;

	if (at == NULL || memchr(at + 1, '@', (size_t)(end - at - 1)))
		return false;
	local_len = (size_t)(at - text);
	dom = at + 1;
	dom_len = (size_t)(end - dom);
	if (local_len == 0 || local_len > 64 || dom_len < 4 || dom_len > 253 ||
	    text[0] == '.' || at[-1] == '.' || memmem(text, len, "..", 2))
		return false;
	for (const char *p = text; p < at; p++)
		if (!is_local_char((unsigned char)*p))
			return false;
	tld = dom + dom_len;
	while (tld > dom && tld[-1] != '.')
		tld--;
	if (tld == dom || end - tld < 2 || end - tld > 24)
		return false;
	for (const char *p = tld; p < end; p++)
		if (!isalpha((unsigned char)*p))
			return false;
	for (const char *p = dom; p < end; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return !is_file_extension(tld, (size_t)(end - tld));
}

/* ... and not in a domain reserved for examples. */
bool
valid_email(const char *text, size_t len)
{
	const char *at = memchr(text, '@', len);

	return valid_email_syntax(text, len) &&
		!domain_is_reserved(at + 1, (size_t)(text + len - at - 1));
}


struct munge_word {
	const char *word;
	char becomes;
};

/* Words that stand for '@' or '.', written bare between spaces or in
 * brackets: "ann at example dot org", "ann(at)example.org". */
static const struct munge_word munge_words[] = {
	{ "at", '@' }, { "arobase", '@' }, { "a", '@' },
	{ "dot", '.' }, { "punkt", '.' }, { "point", '.' },
};

/* After optional spaces, a word between brackets, between dashes, or
 * bare between spaces ("a" only in brackets), then optional spaces. */
static size_t
match_munge_word(const char *p, const char *end, char *becomes)
{
	static const char open[] = "([{<-", close[] = ")]}>-";
	const char *q = p;

	while (q < end && *q == ' ')
		q++;
	for (size_t i = 0; i < sizeof munge_words / sizeof munge_words[0]; i++) {
		const char *w = munge_words[i].word, *br, *r = q;
		size_t n = strlen(w);

		br = r < end && *r ? strchr(open, *r) : NULL;
		if (br)
			r++;
		else if (q == p || w[1] == '\0')
			continue;       /* bare: a space before; never "a" */
		if (r + n > end || strncasecmp(r, w, n) != 0)
			continue;
		r += n;
		if (br) {
			if (r >= end || *r != close[br - open])
				continue;
			r++;
		} else if (r >= end || *r != ' ')
			continue;
		while (r < end && *r == ' ')
			r++;
		*becomes = munge_words[i].becomes;
		return (size_t)(r - p);
	}
	return 0;
}

size_t
munged_address_normalize(const char *text, size_t len, char *out)
{
	const char *p = text, *end = text + len;
	size_t n = 0, ats = 0;

	while (p < end) {
		char becomes = '\0';
		size_t w = 0;

		if (*p == ' ' || *p == '(' || *p == '[' || *p == '{' ||
		    *p == '<' || *p == '-')
			w = match_munge_word(p, end, &becomes);
		else if (end - p >= 5 && strncmp(p, "&#64;", 5) == 0)
			w = 5, becomes = '@';
		else if (end - p >= 6 && strncasecmp(p, "&#x40;", 6) == 0)
			w = 6, becomes = '@';
		else if (end - p >= 3 && strncmp(p, "%40", 3) == 0)
			w = 3, becomes = '@';
		if (w > 0) {
			ats += becomes == '@';
			out[n++] = becomes;
			p += w;
			continue;
		}
		if (*p == '@')
			ats++;
		if (!is_local_char((unsigned char)*p))
			return 0;
		out[n++] = (char)tolower((unsigned char)*p++);
	}
	out[n] = '\0';
	return ats == 1 ? n : 0;
}

/* Words that precede " at " in prose ("look at example.com"). */
static bool
is_prose_word(const char *w, size_t len)
{
	static const char *const words[] = {
		"look", "looking", "looked", "looks", "is", "be", "are", "was",
		"were", "me", "us", "him", "her", "them", "it", "this", "that",
		"here", "there", "arrive", "arrived", "arrives", "stay", "work",
		"works", "working", "worked", "live", "lives", "lived", "found",
		"posted", "see", "check", "hosted", "available", "located",
		"up", "out", "down", "off", "home", "one", "two", "all", "and",
		"or", "not", "only", "just", "even", "also", "still", "both",
		"aimed", "targeted", "laugh", "stare", "glance", "good", "bad",
		"best", "better", "fix", "fixed", "file", "files", "code",
		"patch", "patches", "project", "started", "start", "stop",
		"stopped", "point", "time", "once", "least", "most",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == len && strncasecmp(words[i], w, len) == 0)
			return true;
	return false;
}

bool
valid_email_munged(const char *text, size_t len)
{
	char out[400] = "";
	size_t n;
	const char *at;

	if (len >= sizeof out || (n = munged_address_normalize(text, len, out)) == 0)
		return false;
	at = memchr(out, '@', n);
	if (is_prose_word(out, (size_t)(at - out)))
		return false;
	return valid_email(out, n);
}
