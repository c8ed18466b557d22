/* sniff.c -- is an attachment text, whatever its type says? */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "mail/sniff.h"

/* Types and file name endings that are text whatever the sender said. */
bool
sniff_text_by_name(const char *type, const char *filename)
{
	static const char *const types[] = {
		"application/json", "application/xml", "application/csv",
		"application/x-csv", "application/ics", "application/mbox",
		"application/x-sh", "application/sql", "application/yaml",
		"application/pgp-keys", "application/x-vcard",
	};
	static const char *const endings[] = {
		".txt", ".csv", ".tsv", ".vcf", ".ics", ".json", ".xml", ".log",
		".md", ".htm", ".html", ".eml", ".mbox", ".ldif", ".sql",
		".yaml", ".yml", ".ini", ".conf", ".cfg", ".diff", ".patch",
	};
	size_t n = strlen(filename), tl = strlen(type);

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	if ((tl > 4 && strcmp(type + tl - 4, "+xml") == 0) ||
	    (tl > 5 && strcmp(type + tl - 5, "+json") == 0))
		return true;
	for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
		size_t e = strlen(endings[i]);

		if (n > e && strcasecmp(filename + n - e, endings[i]) == 0)
			return true;
	}
	return false;
}

/* Is the decoded prefix text: valid UTF-8 (a sequence cut at the end
 * allowed), no NUL and no control byte but tab, line ends and form
 * feed? */
bool
sniff_prefix_is_text(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return false;
	while (i < n) {
		unsigned char c = p[i];
		size_t follow = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1
			: (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 4;

		if (follow == 4 || (c < 0x20 && c != '\t' && c != '\n' &&
				    c != '\r' && c != '\f') || c == 0x7f)
			return false;
		for (size_t k = 1; k <= follow; k++)
			if (i + k < n && (p[i + k] & 0xc0) != 0x80)
				return false;
		i += 1 + follow;
	}
	return true;
}
