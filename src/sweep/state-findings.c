/* state-findings.c -- the findings a sweep state carries over from run
 * to run: reported by every run until accepted, dropped when their
 * mailbox is read whole again or their message goes. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "sweep/state-private.h"
#include "sweep/state.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
state_read_finding(struct sweep_state *st, json_t *o)
{
	struct sweep_finding f = { 0 };
	const char *fp = json_string_value(json_object_get(o, "fp"));

	snprintf(f.fp, sizeof f.fp, "%s", fp ? fp : "");
	f.path = (char *)json_string_value(json_object_get(o, "path"));
	f.file = (char *)json_string_value(json_object_get(o, "file"));
	f.rule = (char *)json_string_value(json_object_get(o, "rule"));
	f.list = (char *)json_string_value(json_object_get(o, "list"));
	f.message = (unsigned long)json_integer_value(
		json_object_get(o, "message"));
	if (f.path && f.rule)
		sweep_state_add_finding(st, &f);
}

json_t *
state_finding_json(const struct sweep_finding *f)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "fp", f->fp, "path",
			      f->path, "message", (json_int_t)f->message,
			      "rule", f->rule);

	if (f->file)
		json_object_set_new(o, "file", json_string(f->file));
	if (f->list)
		json_object_set_new(o, "list", json_string(f->list));
	return o;
}

size_t
sweep_state_findings(const struct sweep_state *st,
		     const struct sweep_finding **f_r)
{
	*f_r = st->findings;
	return st->nfindings;
}

static void
finding_free(struct sweep_finding *f)
{
	free(f->path);
	free(f->file);
	free(f->rule);
	free(f->list);
}

void
sweep_state_drop_findings(struct sweep_state *st, const char *path)
{
	size_t k = 0;

	for (size_t i = 0; i < st->nfindings; i++)
		if (strcmp(st->findings[i].path, path) == 0)
			finding_free(&st->findings[i]);
		else
			st->findings[k++] = st->findings[i];
	st->nfindings = k;
}

void
sweep_state_keep_findings(struct sweep_state *st, sweep_keep_fn keep,
			  void *ctx)
{
	size_t k = 0;

	for (size_t i = 0; i < st->nfindings; i++)
		if (keep(&st->findings[i], ctx))
			st->findings[k++] = st->findings[i];
		else
			finding_free(&st->findings[i]);
	st->nfindings = k;
}

void
sweep_state_add_finding(struct sweep_state *st, const struct sweep_finding *f)
{
	struct sweep_finding *n;

	for (size_t i = 0; i < st->nfindings; i++)
		if (strcmp(st->findings[i].fp, f->fp) == 0)
			return;         /* one finding, found again */
	xgrow((void **)&st->findings, &st->findings_alloc, st->nfindings + 1,
	      sizeof *st->findings);
	n = &st->findings[st->nfindings++];
	memcpy(n->fp, f->fp, sizeof n->fp);
	n->path = xstrdup(f->path);
	n->file = dup_or_null(f->file);
	n->rule = xstrdup(f->rule);
	n->list = dup_or_null(f->list);
	n->message = f->message;
}

void
state_clear_findings(struct sweep_state *st)
{
	for (size_t i = 0; i < st->nfindings; i++)
		finding_free(&st->findings[i]);
	st->nfindings = 0;
}
