/* msgid.c -- Message-IDs in header values and in quoted text. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "lib/text.h"
#include "lib/xalloc.h"
#include "mail/header.h"
#include "mail/msgid.h"

/* s[0..len) without white space (folding), into out of len bytes; returns
 * its length.  Never cut: two IDs that differ only after a limit would
 * be one message to the thread index. */
static size_t
copy_id(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			out[n++] = s[i];
	return n;
}

/* A buffer for an ID of up to len bytes: the stack one, or the heap's. */
static char *
id_buffer(char *stack, size_t len, char **heap)
{
	if (len <= MSGID_MAX)
		return stack;
	*heap = xrealloc(*heap, len);
	return *heap;
}

size_t
msgid_each(const char *value, size_t len,
	   int (*fn)(const char *id, size_t id_len, void *ctx), void *ctx)
{
	char stack[MSGID_MAX], *heap = NULL, *id;
	size_t seen = 0, i = 0, n;

	if (memchr(value, '<', len) == NULL) {
		id = id_buffer(stack, len, &heap);
		n = copy_id(value, len, id);
		if (n > 0) {
			seen++;
			fn(id, n, ctx);
		}
		free(heap);
		return seen;
	}
	while (i < len) {
		const char *lt = memchr(value + i, '<', len - i), *gt;

		if (lt == NULL)
			break;
		i = (size_t)(lt - value) + 1;
		gt = memchr(value + i, '>', len - i);
		if (gt == NULL)
			break;
		id = id_buffer(stack, (size_t)(gt - value) - i, &heap);
		n = copy_id(value + i, (size_t)(gt - value) - i, id);
		i = (size_t)(gt - value) + 1;
		if (n == 0)
			continue;
		seen++;
		if (fn(id, n, ctx) != 0)
			break;
	}
	free(heap);
	return seen;
}

char *
msgid_normalize(const char *s)
{
	size_t len = strlen(s), n;
	char *out = xmalloc(len + 1);
	const char *b = s, *e = s + len;

	trim_bracketed(&b, &e);
	n = copy_id(b, (size_t)(e - b), out);
	out[n] = '\0';
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int
dup_first_id(const char *id, size_t len, void *ctx)
{
	*(char **)ctx = xstrndup(id, len);
	return 1;
}

char *
msgid_of_message(const char *raw, size_t len)
{
	size_t vlen;
	const char *v = msg_header_value(raw, len, "Message-ID", &vlen);
	char *id = NULL;

	if (v != NULL)
		msgid_each(v, vlen, dup_first_id, &id);
	return id;
}

/* Does a Message-ID field name end at t[colon] (the colon), with only
 * white space between them? */
static bool
id_field_name_before(const char *t, size_t line, size_t colon)
{
	static const char *const names[] = {
		"message-id", "references", "in-reply-to",
	};
	size_t e = colon;

	while (e > line && (t[e - 1] == ' ' || t[e - 1] == '\t'))
		e--;
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t n = strlen(names[k]);

		if (e - line >= n && strncasecmp(t + e - n, names[k], n) == 0 &&
		    (e - n == line || !isalnum((unsigned char)t[e - n - 1])))
			return true;
	}
	return false;
}

/* Is t[line..j) only quote marks and white space, with white space at
 * t[j] after them: the start of a folded header line, quoted or not? */
static bool
is_continuation(const char *t, size_t line, size_t j)
{
	for (size_t k = line; k < j; k++)
		if (t[k] != '>' && t[k] != ' ' && t[k] != '\t')
			return false;
	return t[j] == ' ' || t[j] == '\t';
}

bool
text_in_quoted_id(const char *t, size_t len, size_t pos)
{
	size_t line = pos, lt = pos, j;

	while (line > 0 && t[line - 1] != '\n')
		line--;
	/* pos lies inside <...> on its line */
	while (lt > line && t[lt - 1] != '<' && t[lt - 1] != '>')
		lt--;
	if (lt == line || t[lt - 1] != '<')
		return false;
	for (j = pos; j < len && t[j] != '>' && t[j] != '\n'; j++)
		;
	if (j == len || t[j] != '>')
		return false;
	/* back over white space and earlier <...> tokens (a References list,
	 * folded onto lines of its own) to "Name:" */
	j = lt - 1;
	for (;;) {
		while (j > line && (t[j - 1] == ' ' || t[j - 1] == '\t' ||
				    t[j - 1] == ','))
			j--;
		if (j > line && t[j - 1] == '>') {
			size_t k = j - 1;

			while (k > line && t[k - 1] != '<')
				k--;
			if (k > line) {         /* a whole <...> token */
				j = k - 1;
				continue;
			}
			/* no '<' before it: quote marks, not a token */
		}
		if (line > 0 && is_continuation(t, line, j)) {
			/* a continuation line: the field started above */
			j = line - 1;
			for (line = j; line > 0 && t[line - 1] != '\n'; line--)
				;
			continue;
		}
		break;
	}
	return j > line && t[j - 1] == ':' && id_field_name_before(t, line, j - 1);
}
