/* addrspec.h -- the address of a line as mailing-list tools print one:
 * "ann@example.org", "Ann <ann@example.org>", "\"Doe, Ann\"
 * <ann@example.org>" (Mailman's list_members -f), parsed by Mailutils. */
#ifndef LISTSCRUB_ADDRSPEC_H
#define LISTSCRUB_ADDRSPEC_H

/* The address of line (one address, with or without a display name),
 * as the line spells it.  Caller owns; NULL when line is not one
 * address (the caller says so, or tries it as it stands). */
char *addrspec_of_line(const char *line);

#endif
