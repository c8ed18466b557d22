/* record-files.c -- files a run changes that are not mailboxes: the
 * pages, indexes, database files and attachments of a pipermail tree.
 * Their file lines carry digests only (no messages) and say what each
 * file is to the tree. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/record-private.h"
#include "audit/record.h"
#include "audit/tree.h"
#include "lib/errbuf.h"

int
record_file(struct record *r, const char *path, bool removed,
	    const char *role, const char *of, size_t index,
	    struct errbuf *err)
{
	char *rel = scope_relative(r->sc, path, err), *of_rel = NULL;
	struct changed_file *f;

	if (rel == NULL)
		return -1;
	if (tree_find(&r->before, rel) == NULL) {
		errbuf_format(err, "'%s' is not in the listing of the archive made "
			      "before the run (created meanwhile?); run purge "
			      "again", rel);
		free(rel);
		return -1;
	}
	if (of && (of_rel = scope_relative(r->sc, of, err)) == NULL) {
		free(rel);
		return -1;
	}
	f = record_add_changed(r, NULL, rel);
	f->removed = removed;
	f->what = json_pack("{s:s}", "role", role);
	if (of_rel)
		json_object_set_new(f->what, "message",
				    json_pack("{s:s, s:I}", "file", of_rel,
					      "index", (json_int_t)index));
	free(of_rel);
	return 0;
}

void
record_file_after(struct record *r, const char *path, const void *data,
		  size_t len)
{
	char *rel = scope_relative(r->sc, path, NULL);

	for (size_t i = 0; rel && i < r->nfiles; i++) {
		struct changed_file *f = &r->files[i];

		if (f->mb == NULL && !f->removed && strcmp(f->rel, rel) == 0) {
			sha256_of(data, len, f->file_after);
			f->size_after = len;
			f->has_file_after = true;
		}
	}
	free(rel);
}

void
record_file_forget(struct record *r, const char *path)
{
	char *rel = scope_relative(r->sc, path, NULL);

	if (rel)
		record_drop_changed(r, NULL, rel);
	free(rel);
}

void
record_forget_files(struct record *r)
{
	if (r)
		record_drop_changed(r, NULL, NULL);
}

int
record_file_digest(struct record *r, const char *path, const char *role,
		   const unsigned char digest[DIGEST_LEN], uint64_t size)
{
	struct changed_file *f;
	struct errbuf err;

	if (record_file(r, path, false, role, NULL, 0, &err) < 0)
		return -1;
	f = &r->files[r->nfiles - 1];   /* the one just added */
	memcpy(f->file_after, digest, DIGEST_LEN);
	f->size_after = size;
	f->has_file_after = true;
	return 0;
}
