/* writer-files.c -- the changes of message files (Maildir, single): each
 * removed, or its new copy made beside it and renamed over it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/spool.h"
#include "act/writer-private.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"
#include "mail/mailbox.h"

static int
prepare_file(struct prepared *p, struct file_change *f,
	     const struct message_change *ch, size_t index, struct errbuf *err)
{
	const char *raw;
	size_t len;
	uint64_t off;
	bool owned;
	struct out *o;
	char *dir;
	int rc;

	f->path = mailbox_file_of(p->mb, index);
	f->temp.fd = f->temp.dirfd = -1;
	if (lstat(f->path, &f->st) < 0)
		return errbuf_errno(err, errno, "cannot change '%s'", f->path);
	if (!S_ISREG(f->st.st_mode))
		return errbuf_set(err, "'%s' is not a regular file (a symbolic "
				  "link?): listscrub does not change it",
				  f->path);
	dir = path_dir(f->path);
	rc = access(dir, W_OK) < 0
		? errbuf_errno(err, errno, "cannot change files in '%s'", dir)
		: 0;
	free(dir);
	if (rc < 0)
		return -1;
	if (mailbox_message(p->mb, index, &raw, &len, &off, &owned, err) < 0)
		return -1;
	sha256_of(raw, len, p->before[p->view.n_before++]);
	if (owned)
		free((char *)raw);
	f->remove = !(ch && ch->redacted);
	p->view.n_after++;
	if (!f->remove) {
		char *data;

		memcpy(p->after[p->view.n_after - 1], ch->sha256, DIGEST_LEN);
		if (change_load(ch, &data, err) < 0)
			return -1;
		if (temp_create(&f->temp, f->path, err) < 0 ||
		    (o = out_open(f->temp.fd, f->path,
					  mailbox_compression(p->mb), err)) == NULL) {
			free(data);
			return -1;
		}
		rc = out_write(o, data, ch->len, err);
		free(data);
		if (out_close(&o, err) < 0 || rc < 0 ||
		    temp_finish(&f->temp, f->path, f->st.st_mode, f->st.st_uid,
				f->st.st_gid, err) < 0)
			return -1;
	}
	if (p->ws.backup_dir &&
	    backup_file(p->ws.backup_dir, f->path, true, &f->backup, err) < 0)
		return -1;
	return 0;
}

int
writer_prepare_files(struct prepared *p, const size_t *indices,
		     const struct message_change *changes, struct errbuf *err)
{
	if (mailbox_kind(p->mb) == MAILBOX_SINGLE &&
	    mailbox_check_unchanged(p->mb, err) < 0)
		return -1;
	p->files = xcalloc(p->n + 1, sizeof *p->files);
	p->before = xcalloc(p->n + 1, DIGEST_LEN);
	p->after = xcalloc(p->n + 1, DIGEST_LEN);
	p->view.before = (const void *)p->before;
	p->view.after = (const void *)p->after;
	for (size_t k = 0; k < p->n; k++) {
		p->files[k].temp.fd = p->files[k].temp.dirfd = -1;
		if (prepare_file(p, &p->files[k], changes ? &changes[k] : NULL,
				 indices[k], err) < 0)
			return -1;
	}
	return 0;
}

/* Still the file that was prepared: nobody replaced or changed it. */
static bool
unchanged(const struct file_change *f)
{
	struct stat st;

	return lstat(f->path, &st) == 0 && st.st_dev == f->st.st_dev &&
		st.st_ino == f->st.st_ino && st.st_size == f->st.st_size &&
		st.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
		st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec;
}

int
writer_commit_files(struct prepared *p, struct errbuf *err)
{
	for (size_t k = 0; k < p->n; k++) {
		struct file_change *f = &p->files[k];

		if (!unchanged(f))
			return errbuf_set(err, "'%s' changed or went away since "
					  "it was read; it and the files after "
					  "it were not changed: run purge again",
					  f->path);
		if (f->remove) {
			struct errbuf why;

			if (unlink(f->path) < 0)
				return errbuf_errno(err, errno, "cannot remove "
						    "'%s'", f->path);
			/* gone: made, whatever the fsync says */
			p->done[k] = true;
			if (fsync_dir_of(f->path, &why) < 0)
				return errbuf_set(err, "'%s' was removed, but %s: "
						  NOT_DURABLE, f->path,
						  why.msg);
		} else if (temp_commit(&f->temp, f->path, &p->done[k],
				       err) < 0)
			return -1;
	}
	return 0;
}
