/* fuzz-tarball.c -- mail/tarball.h over a file of any bytes: told a
 * tarball or not, staged or refused, its members streamed.
 * Invariants: a refused tarball leaves nothing staged; a staged one holds
 * only what lies under its staging folder: every file and folder there
 * resolves inside it, and every symbolic link it made is relative and
 * leads inside it (or nowhere); every member streamed has a name the stager accepts; after
 * unstaging, the staging folder is gone. */
#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/tarball.h"

static const char *root;        /* the staging folder being checked */

/* Is the resolved path inside root? */
static bool
inside(const char *resolved)
{
	size_t n = strlen(root);

	return strncmp(resolved, root, n) == 0 &&
		(resolved[n] == '/' || resolved[n] == '\0');
}

static int
check_staged(const char *path, const struct stat *st, int flag,
	     struct FTW *ftw)
{
	char resolved[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	(void)st;
	(void)ftw;
	if (flag == FTW_SL) {
		/* a link made by the stager: relative, and where it leads
		 * (when it leads anywhere: a dangling one is never
		 * followed) is inside */
		n = readlink(path, target, sizeof target - 1);
		FUZZ_CHECK(n > 0);
		target[n] = '\0';
		FUZZ_CHECK(target[0] != '/');
		if (realpath(path, resolved) != NULL)
			FUZZ_CHECK(inside(resolved));
		return 0;
	}
	FUZZ_CHECK(realpath(path, resolved) != NULL);
	FUZZ_CHECK(inside(resolved));
	return 0;
}

static int
on_member(void *ctx, const char *name, const char *hardlink_to,
	   const void *data, size_t len)
{
	char *again = tarball_member_name(name);

	(void)ctx;
	(void)data;
	(void)len;
	FUZZ_CHECK(name[0] != '\0' && name[0] != '/');
	FUZZ_CHECK(again != NULL && strcmp(again, name) == 0);
	free(again);
	if (hardlink_to) {
		again = tarball_member_name(hardlink_to);
		FUZZ_CHECK(again != NULL && strcmp(again, hardlink_to) == 0);
		free(again);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_scratch_dir();
	char path[4096];
	const struct tarball *tb;
	struct errbuf err;
	struct stat st;
	char *staged_root;

	fuzz_empty_dir(dir);
	snprintf(path, sizeof path, "%s/in.tar", dir);
	fuzz_write_file(path, data, size);
	if (tarball_sniff(path, &err) != 1)
		return 0;
	(void)tarball_each_member(path, on_member, NULL, &err);
	tb = tarball_stage(path, &err);
	if (tb == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(tarball_count() == 0);
		tarball_unstage_all();
		return 0;
	}
	FUZZ_CHECK(tarball_count() == 1 && tarball_at(0) == tb);
	root = tarball_root(tb);
	FUZZ_CHECK(nftw(root, check_staged, 16, FTW_PHYS) == 0);
	staged_root = strdup(root);
	FUZZ_CHECK(staged_root != NULL);
	tarball_unstage_all();
	FUZZ_CHECK(lstat(staged_root, &st) < 0);
	free(staged_root);
	return 0;
}
