/* fuzz-util.c -- the scratch directory and file helpers of fuzz.h. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/rules.h"
#include "lib/errbuf.h"
#include "fuzz.h"

static char *scratch;

static void
remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		fuzz_empty_dir(path);
		rmdir(path);
	} else
		unlink(path);
}

void
fuzz_empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[4096];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		remove_tree(path);
	}
	closedir(d);
}

static void
remove_scratch(void)
{
	if (scratch) {
		remove_tree(scratch);
		free(scratch);
		scratch = NULL;
	}
}

const char *
fuzz_scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	size_t n;

	if (scratch)
		return scratch;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = strlen(tmp) + sizeof "/listscrub-fuzz.XXXXXX";
	scratch = malloc(n);
	FUZZ_CHECK(scratch != NULL);
	snprintf(scratch, n, "%s/listscrub-fuzz.XXXXXX", tmp);
	FUZZ_CHECK(mkdtemp(scratch) != NULL);
	atexit(remove_scratch);
	return scratch;
}

void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	const char *p = data;

	FUZZ_CHECK(fd >= 0);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		FUZZ_CHECK(n > 0);
		p += n;
		len -= (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0);
}

struct ruleset *
fuzz_shipped_rules(void)
{
	struct ruleset *rules;
	struct errbuf err;

	/* the rules of the source tree, unless the caller names others */
	setenv("LISTSCRUB_RULES_DIR", FUZZ_RULES_DIR, 0);
	rules = ruleset_new();
	if (ruleset_load_all(rules, NULL, 0, true, &err) < 0) {
		fprintf(stderr, "fuzz: the shipped rules: %s\n", err.msg);
		exit(1);
	}
	return rules;
}
