/* tree-private.h -- what tree.c and tree-members.c share.  Private to
 * those two files. */
#ifndef LISTSCRUB_TREE_PRIVATE_H
#define LISTSCRUB_TREE_PRIVATE_H

#include <stdbool.h>

#include "audit/tree.h"

/* Entries by path, bytewise (qsort). */
int tree_compare_entries(const void *a, const void *b);

/* Is it a tarball member's line ("TARBALL//member")? */
bool tree_entry_is_member(const struct tree_entry *e);

/* Add a line for each regular member of every tarball listed in t (not
 * those of a pipermail list folder: attachments), hashed as read, and
 * sort t again.  A tarball whose members cannot all be named once and
 * safely keeps its own line only. */
void tree_list_members(struct tree *t, const struct scope *sc);

#endif
