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

bool
text_on_id_line(const char *t, size_t pos)
{
	static const char *const names[] = {
		"message-id:", "references:", "in-reply-to:",
	};
	size_t s = pos;

	while (s > 0 && t[s - 1] != '\n')
		s--;
	for (; s < pos; s++) {
		int c = tolower((unsigned char)t[s]);

		if (c != 'm' && c != 'r' && c != 'i')
			continue;
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
			if (pos - s >= strlen(names[k]) &&
			    strncasecmp(t + s, names[k], strlen(names[k])) == 0)
				return true;
	}
	return false;
}
