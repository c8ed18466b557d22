/* fuzz.h -- what the fuzz targets share: the libFuzzer entry points, an
 * invariant check that aborts (a crash libFuzzer keeps), and a scratch
 * directory under $TMPDIR for the readers that take a path. */
#ifndef LISTSCRUB_FUZZ_H
#define LISTSCRUB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the module under test broke: say which, and abort so
 * that libFuzzer saves the input. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* A fresh directory $TMPDIR/listscrub-fuzz.XXXXXX, removed at exit;
 * borrowed. */
const char *fuzz_scratch_dir(void);

/* Write data to path (created or truncated); aborts on failure. */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* Remove everything inside dir (not dir itself). */
void fuzz_empty_dir(const char *dir);

/* The rules of rules/ (LISTSCRUB_RULES_DIR when set), loaded; exits
 * when they do not load. */
struct ruleset *fuzz_shipped_rules(void);

#endif
