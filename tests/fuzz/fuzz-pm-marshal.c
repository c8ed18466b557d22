/* fuzz-pm-marshal.c -- the readers of a pipermail volume's database
 * (mail/pm-marshal.h: the marshal dict, the pickle text of its values,
 * never unpickled) and, over a list folder made around the input as
 * database/VOL-article, the Message-IDs of pipermail.c (pm_volume_ids).
 * Invariants: every item and string is a view inside the input, in file
 * order; pickle strings lie inside their record and are cut into whole
 * escapes; an ID found names a page given. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/pipermail.h"
#include "mail/pm-marshal.h"

static char list_dir[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4200];

	(void)argc;
	(void)argv;
	snprintf(list_dir, sizeof list_dir, "%s/list", fuzz_scratch_dir());
	snprintf(path, sizeof path, "%s/database", list_dir);
	FUZZ_CHECK(mkdir(list_dir, 0700) == 0 && mkdir(path, 0700) == 0);
	return 0;
}

static void
check_view(const struct pm_mfile *m, const struct pm_sv *sv)
{
	if (!sv->ok)
		return;
	FUZZ_CHECK(sv->p >= m->p && sv->len <= m->len &&
		   (size_t)(sv->p - m->p) <= m->len - sv->len);
}

static void
check_pickle(const struct pm_sv *v)
{
	struct pm_pstr *strs = NULL;
	size_t n = 0, from = 0, last = 0;
	struct errbuf err;
	struct pm_sv got;

	if (pm_pickle_strings(v->p, v->len, "fuzz", 0, &strs, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++) {
			const struct pm_pstr *s = &strs[i];

			FUZZ_CHECK(s->off <= v->len && s->len <= v->len - s->off);
			FUZZ_CHECK(s->op == 'S' || s->op == 'V');
			for (size_t k = 0; k < s->len;) {
				size_t u = pm_pickle_unit(s->op, v->p + s->off,
							  s->len, k);

				FUZZ_CHECK(u >= 1 && u <= s->len - k);
				k += u;
			}
		}
	} else
		FUZZ_CHECK(err.msg[0] != '\0');
	free(strs);
	while (pm_pickle_next(v->p, v->len, "subject", &from, &got)) {
		FUZZ_CHECK(from > last && from <= v->len);
		FUZZ_CHECK(got.p >= v->p && got.p + got.len <= v->p + v->len);
		last = from;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_mfile m = { .path = "fuzz", .p = data, .len = size };
	struct errbuf err;
	char path[4200], **ids = NULL;
	char *pages[] = { "000001.html", "000002.html" };

	(void)pm_utf8_ok(data, size);
	if (pm_marshal_read(&m, &err) == 0) {
		size_t end = 0;

		for (size_t i = 0; i < m.count; i++) {
			const struct pm_mitem *it = &m.items[i];

			FUZZ_CHECK(it->start >= end && it->start < it->end &&
				   it->end <= size);
			FUZZ_CHECK(it->key.at == it->start);
			FUZZ_CHECK(it->value.at > it->key.at &&
				   it->value.at < it->end);
			end = it->end;
			check_view(&m, &it->key.str);
			check_view(&m, &it->value.str);
			check_view(&m, &it->value.penult);
			if (it->value.str.ok)
				check_pickle(&it->value.str);
		}
		for (size_t i = 0; i < m.n_strs; i++) {
			FUZZ_CHECK(i == 0 || m.strs[i].at > m.strs[i - 1].at);
			FUZZ_CHECK(m.strs[i].str.ok);
			check_view(&m, &m.strs[i].str);
			FUZZ_CHECK((const unsigned char *)m.strs[i].str.p >
				   m.p + m.strs[i].at);
		}
	} else
		FUZZ_CHECK(err.msg[0] != '\0');
	pm_marshal_release(&m);

	snprintf(path, sizeof path, "%s/database/2024-May-article", list_dir);
	fuzz_write_file(path, data, size);
	if (pm_volume_ids(list_dir, "2024-May", pages, 2, &ids, &err) == 0)
		for (size_t k = 0; k < 2; k++)
			FUZZ_CHECK(ids[k] == NULL || (ids[k][0] == '<' &&
				   ids[k][strlen(ids[k]) - 1] == '>'));
	pm_ids_free(ids, 2);
	return 0;
}
