/* pm-attachments.c -- find the scrubbed attachments of a message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "act/pm-attachments.h"
#include "act/pm-edits.h"
#include "audit/digest.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

void
pm_attachment_folder(const char *message_id, size_t len, char out[9])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA1_LEN];
	char full[41];

	while (len > 0 && (*message_id == ' ' || *message_id == '\t')) {
		message_id++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", message_id[len - 1]))
		len--;
	sha1_of(message_id, len, md);
	for (unsigned int i = 0; i < SHA1_LEN; i++) {
		full[2 * i] = hex[md[i] >> 4];
		full[2 * i + 1] = hex[md[i] & 15];
	}
	full[40] = '\0';
	memcpy(out, full, 4);
	memcpy(out + 4, full + 36, 4);
	out[8] = '\0';
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
pm_attachments_remove(const char *list_dir, const char hex8[9],
		      struct pm_edits *edits, size_t *found_r,
		      struct errbuf *err)
{
	char *root = xasprintf("%s/attachments", list_dir);
	char **days = NULL;
	size_t ndays = 0;
	int rc = 0;

	*found_r = 0;
	if (!is_dir(root)) {
		free(root);
		return 0;
	}
	if (dir_names(root, &days, &ndays, err) < 0) {
		free(root);
		return -1;
	}
	for (size_t d = 0; d < ndays && rc == 0; d++) {
		char *folder = xasprintf("%s/%s/%s", root, days[d], hex8);
		char **files;
		size_t nfiles;

		if (is_dir(folder) &&
		    (rc = dir_names(folder, &files, &nfiles, err)) == 0) {
			for (size_t f = 0; f < nfiles; f++) {
				char *path = xasprintf("%s/%s", folder, files[f]);
				struct stat st;

				if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
					pm_edits_add(edits, PM_EDIT_ATTACHMENT,
						     path, NULL, 0);
					(*found_r)++;
				}
				free(path);
			}
			dir_names_free(files, nfiles);
		}
		free(folder);
	}
	dir_names_free(days, ndays);
	free(root);
	return rc;
}
