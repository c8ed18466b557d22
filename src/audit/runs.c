/* runs.c -- the runs of an incident in its manifest directory: the next
 * number, the digest of the previous manifest it chains to, and the lock
 * that keeps a second run out meanwhile. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit/manifest.h"
#include "audit/record.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"


static bool
is_run_name(const char *name, unsigned long *seq_r)
{
	char *end;

	if (name[0] < '0' || name[0] > '9')
		return false;
	errno = 0;
	*seq_r = strtoul(name, &end, 10);
	return *end == '\0' && errno == 0 && *seq_r > 0;
}

static unsigned long
highest_run(const char *manifest_dir, struct errbuf *err)
{
	DIR *d = opendir(manifest_dir);
	unsigned long best = 0, seq;
	struct dirent *de;

	if (d == NULL) {
		errbuf_format_errno(err, errno, "cannot list '%s'", manifest_dir);
		return ULONG_MAX;
	}
	while ((de = readdir(d)) != NULL)
		if (is_run_name(de->d_name, &seq) && seq > best)
			best = seq;
	closedir(d);
	return best;
}

/* prev = SHA-256 of the last run's manifest, which must be this incident's. */
static int
read_prev(const char *manifest_dir, unsigned long seq, const char *incident,
	  struct next_run *next, struct errbuf *err)
{
	char *path = xasprintf("%s/%04lu/%s", manifest_dir, seq, MANIFEST_NAME);
	struct manifest m;
	const char *theirs;
	int rc = manifest_read(path, &m, err);

	if (rc == 0) {
		theirs = json_str(manifest_header(&m), "incident");
		if (theirs == NULL || strcmp(theirs, incident) != 0)
			rc = errbuf_set(err, "'%s' holds runs of incident '%s', "
					"not '%s': give each incident its own "
					"--manifest-dir", manifest_dir,
					theirs ? theirs : "?", incident);
		sha256_of(m.text, m.len, next->prev);
		manifest_release(&m);
	} else {
		char why[ERRBUF_SIZE];

		memcpy(why, err->msg, sizeof why);
		rc = errbuf_set(err, "the last run '%s' cannot be read, so the "
				"next one cannot be chained to it: %s", path,
				why);
	}
	free(path);
	return rc;
}

int
record_next_run(const char *manifest_dir, const char *incident,
		struct next_run *next, struct errbuf *err)
{
	char *lock_path = xasprintf("%s/.lock", manifest_dir);
	unsigned long last;

	memset(next, 0, sizeof *next);
	next->lock_fd = -1;
	if (make_parent_dirs(lock_path, err) < 0)
		goto fail;
	next->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (next->lock_fd < 0) {
		errbuf_format_errno(err, errno, "cannot open '%s'", lock_path);
		goto fail;
	}
	if (flock(next->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		errbuf_format(err, "another listscrub run is writing to '%s'; wait "
			      "for it to finish", manifest_dir);
		goto fail;
	}
	next->manifest_dir = realpath(manifest_dir, NULL);
	last = next->manifest_dir ? highest_run(next->manifest_dir, err)
		: (unsigned long)errbuf_errno(err, errno, "cannot resolve '%s'",
					      manifest_dir);
	if (last == ULONG_MAX ||
	    (last > 0 && read_prev(next->manifest_dir, last, incident, next,
				   err) < 0))
		goto fail;
	next->seq = last + 1;
	next->has_prev = last > 0;
	next->dir = xasprintf("%s/%04lu", next->manifest_dir, next->seq);
	next->intent_dir = xasprintf("%s.intent", next->dir);
	free(lock_path);
	return 0;
fail:
	free(lock_path);
	record_next_run_release(next);
	return -1;
}

void
record_next_run_release(struct next_run *next)
{
	if (next->lock_fd >= 0)
		close(next->lock_fd);
	next->lock_fd = -1;
	free(next->dir);
	free(next->intent_dir);
	free(next->manifest_dir);
	next->dir = next->intent_dir = next->manifest_dir = NULL;
}
