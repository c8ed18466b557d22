/* verify.c -- the checks of listscrub-verify(1), in order, and how each
 * records its result. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/record.h"
#include "audit/verify-private.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

static const char *const check_names[CHECK_COUNT] = {
	[CHECK_SYNTAX] = "syntax", [CHECK_SIGNATURE] = "signature",
	[CHECK_COMPLETENESS] = "completeness", [CHECK_RUN] = "run",
	[CHECK_LISTINGS] = "listings",
	[CHECK_ARCHIVE] = "archive", [CHECK_MESSAGES] = "messages",
	[CHECK_CHAIN] = "chain", [CHECK_GONE] = "gone",
	[CHECK_HYPERKITTY] = "hyperkitty",
};

const char *
verify_check_name(enum verify_check c)
{
	return check_names[c];
}

void
vset(struct vctx *v, enum verify_check c, enum check_status st,
     const char *fmt, ...)
{
	struct check_result *r = &v->rep->checks[c];
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
}

static void add_finding(struct check_result *r, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
add_finding(struct check_result *r, const char *fmt, va_list ap)
{
	char buf[ERRBUF_SIZE];

	if (r->n_findings > MAX_FINDINGS)
		return;
	if (r->n_findings == MAX_FINDINGS)
		snprintf(buf, sizeof buf, "(more not shown)");
	else
		vsnprintf(buf, sizeof buf, fmt, ap);
	r->findings = xreallocarray(r->findings, r->n_findings + 1,
				    sizeof *r->findings);
	r->findings[r->n_findings++] = xstrdup(buf);
}

void
finding(struct vctx *v, enum verify_check c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_finding(&v->rep->checks[c], fmt, ap);
	va_end(ap);
}

void
check_finding(struct check_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_finding(r, fmt, ap);
	va_end(ap);
}

bool
passed(const struct vctx *v, enum verify_check c)
{
	return v->rep->checks[c].status == STATUS_OK;
}

/* Checks that need an earlier one that did not pass are not run. */
bool
needs(struct vctx *v, enum verify_check c, enum verify_check dep)
{
	if (passed(v, dep))
		return true;
	vset(v, c, STATUS_NOT_CHECKED, "needs the %s check to pass first",
	     check_names[dep]);
	return false;
}

char *
in_dir(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

bool
str_is(const json_t *obj, const char *key, const char *want)
{
	const char *s = json_str(obj, key);

	return s && strcmp(s, want) == 0;
}


/* A HyperKitty run's report is kept for the check the command layer
 * runs against the site (only the signed one: its emails and digests
 * are what the site is asked about). */
static void
note_hyperkitty(struct vctx *v)
{
	json_t *hk = json_object_get(v->header, "hyperkitty");

	if (hk == NULL)
		return;
	v->rep->checks[CHECK_HYPERKITTY].required = true;
	if (!passed(v, CHECK_SIGNATURE)) {
		vset(v, CHECK_HYPERKITTY, STATUS_NOT_CHECKED, "needs the "
		     "signature check to pass first");
		return;
	}
	v->rep->hyperkitty = json_deep_copy(hk);
	vset(v, CHECK_HYPERKITTY, STATUS_NOT_CHECKED, "the run changed a "
	     "HyperKitty site: give --hyperkitty SETTINGS to ask the site "
	     "itself");
}

int
verify_run(const struct verify_settings *s, struct verify_report *rep,
	   struct errbuf *err)
{
	struct vctx v = { .s = s, .rep = rep };
	int rc = 0;

	memset(rep, 0, sizeof *rep);
	for (int c = 0; c < CHECK_COUNT; c++) {
		rep->checks[c].required = c != CHECK_CHAIN &&
					  c != CHECK_HYPERKITTY;
		rep->checks[c].status = STATUS_NOT_CHECKED;
	}
	if (record_is_interrupted_name(s->manifest_dir, NULL)) {
		verify_interrupted(&v);
		return 0;
	}
	check_syntax(&v);
	if (passed(&v, CHECK_SYNTAX) && resolve_scope(&v, err) < 0)
		rc = -1;
	if (rc == 0) {
		check_signature(&v);
		check_completeness(&v);
		check_run(&v);
		check_unfinished(&v);
		check_listings(&v);
		/* The report is in check order whatever the order here: the
		 * archive is listed on a thread while the gone check reads
		 * the messages, and that one pass also takes the digests the
		 * messages check needs. */
		start_archive(&v);
		check_gone(&v);
		check_messages(&v);
		check_archive(&v);
		check_chain(&v);
		note_hyperkitty(&v);
	}
	for (size_t i = 0; i < v.n_pre; i++) {
		free(v.pre[i].rel);
		free(v.pre[i].d);
		free(v.pre[i].error);
	}
	free(v.pre);
	if (v.m.text)
		manifest_release(&v.m);
	tree_release(&v.before);
	tree_release(&v.after);
	tree_release(&v.now);
	scope_release(&v.scope);
	return rc;
}

void
verify_report_release(struct verify_report *rep)
{
	for (int c = 0; c < CHECK_COUNT; c++) {
		for (size_t i = 0; i < rep->checks[c].n_findings; i++)
			free(rep->checks[c].findings[i]);
		free(rep->checks[c].findings);
	}
	json_decref(rep->hyperkitty);
	memset(rep, 0, sizeof *rep);
}
