/* pm-scrub.c -- every form of a redacted token, taken out of a page. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "act/pm-scrub.h"
#include "lib/xalloc.h"

struct pm_forms {
	char **forms;           /* longest first */
	size_t n, alloc;
};

static void
add_form(struct pm_forms *f, char *form)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcasecmp(f->forms[i], form) == 0) {
			free(form);
			return;
		}
	xgrow((void **)&f->forms, &f->alloc, f->n + 1, sizeof *f->forms);
	f->forms[f->n++] = form;
}

static char *
html_escaped(const char *s)
{
	struct buf b = { 0 };

	for (; *s; s++)
		switch (*s) {
		case '&': buf_str(&b, "&amp;"); break;
		case '<': buf_str(&b, "&lt;"); break;
		case '>': buf_str(&b, "&gt;"); break;
		case '"': buf_str(&b, "&quot;"); break;
		default: buf_add(&b, s, 1);
		}
	if (!b.p)
		buf_str(&b, "");
	return b.p;
}

static int
longest_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return (x < y) - (x > y);
}

struct pm_forms *
pm_forms_new(char *const *tokens, size_t n)
{
	/* what Mailman and web pages write for the '@' of an address */
	static const char *const ats[] = {
		" at ", "%40", "&#64;", "&#x40;", "&commat;",
	};
	struct pm_forms *f = xcalloc(1, sizeof *f);

	for (size_t i = 0; i < n; i++) {
		const char *t = tokens[i], *at = strchr(t, '@');

		if (!t[0])
			continue;
		add_form(f, xstrdup(t));
		add_form(f, html_escaped(t));
		if (at && !strchr(at + 1, '@'))
			for (size_t k = 0; k < sizeof ats / sizeof *ats; k++)
				add_form(f, xasprintf("%.*s%s%s", (int)(at - t),
						      t, ats[k], at + 1));
	}
	if (f->n > 1)
		qsort(f->forms, f->n, sizeof *f->forms, longest_first);
	return f;
}

void
pm_forms_free(struct pm_forms **fp)
{
	struct pm_forms *f = *fp;

	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->forms[i]);
	free(f->forms);
	free(f);
	*fp = NULL;
}

/* The length of the form at text[i], 0 when none starts there. */
static size_t
form_at(const struct pm_forms *f, const char *text, size_t len, size_t i)
{
	for (size_t k = 0; k < f->n; k++) {
		size_t n = strlen(f->forms[k]);

		if (n <= len - i && strncasecmp(text + i, f->forms[k], n) == 0)
			return n;
	}
	return 0;
}

void
pm_scrub(const struct pm_forms *f, const char *text, size_t len,
	 const char *marker, struct buf *out, size_t *count_r)
{
	char *escaped = html_escaped(marker);
	size_t from = 0;

	*count_r = 0;
	for (size_t i = 0; i < len; i++) {
		size_t n = form_at(f, text, len, i);

		if (n == 0)
			continue;
		buf_add(out, text + from, i - from);
		buf_str(out, escaped);
		(*count_r)++;
		from = i + n;
		i = from - 1;
	}
	buf_add(out, text + from, len - from);
	free(escaped);
}

bool
pm_shows(const struct pm_forms *f, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (form_at(f, text, len, i))
			return true;
	return false;
}
