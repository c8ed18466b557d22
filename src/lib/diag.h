/* diag.h -- the catalog of everything listscrub reports: each warning
 * and error has a code, a stable id (printed, and documented in
 * listscrub(1) DIAGNOSTICS), a level and the exit status it implies.
 *
 * Modules return status and fill an errbuf (or a problem record with a
 * code); only the command layer prints (cli/report.h), in one format:
 *
 *   listscrub: PATH:#N (offset O, part P): ID: TEXT     about a message
 *   listscrub: PATH: ID: TEXT                           about a file
 *   listscrub: ID: TEXT                                 about the run
 */
#ifndef LISTSCRUB_DIAG_H
#define LISTSCRUB_DIAG_H

enum diag_level {
	DIAG_NOTE,              /* for the record; changes nothing */
	DIAG_WARNING,           /* done, but look: a part searched raw */
	DIAG_ERROR,             /* not done: the run (or this file) failed */
};

enum diag_code {
	D_NONE,
	/* a message, read (searched raw where it could not be decoded) */
	D_MIME_NO_CLOSING_BOUNDARY,
	D_MIME_NO_BOUNDARY,
	D_MIME_BAD_ENCODING,
	D_MIME_UNKNOWN_CHARSET,
	D_MIME_TOO_DEEP,
	D_MIME_TOO_MANY_PARTS,
	D_HEADER_BAD_WORDS,
	D_MIME_PARAMETER_TOO_LONG,
	D_HEADER_UNKNOWN_CHARSET,
	D_HEADER_LINE_TOO_LONG,
	D_MESSAGE_UNREADABLE,
	D_RULE_MATCH_FAILED,
	/* a mailbox or file */
	D_MAILBOX_UNREADABLE,
	D_MBOX_SEPARATOR_NO_BLANK,
	D_MAILBOX_CUT,
	D_NOT_MAIL,
	/* the walk over the PATHs */
	D_PATH_MISSING,
	D_DIRECTORY_UNREADABLE,
	D_SYMLINK_NOT_FOLLOWED,
	D_NOT_REGULAR_FILE,
	D_SYMLINK_OUTSIDE,
	D_SYMLINK_LOOP,
	D_TARBALL_REFUSED,
	D_HYPERKITTY,
	/* purge */
	D_BINARY_NOT_CHECKED,
	D_PURGE_FAILED,
	D_PURGE_STOPPED,
	D_MANIFEST_NOT_WRITTEN,
	D_LOCK_UNAVAILABLE,
	D_REWRITE_FINISHED,
	D_MAILBOX_REREAD,
	D_PURGE_PARTIAL,
	D_INTERRUPTED_FINISHED,
	D_INTERRUPTED_UNCOVERED,
	/* commands */
	D_USAGE,
	D_NOT_A_COMMAND,
	D_NO_MANUAL,
	D_KEY,
	D_RULES,
	D_RULE_EXAMPLE,
	D_THREAD_NOT_FOUND,
	D_MESSAGE_ID_NOT_FOUND,
	D_VERIFY_CANNOT_RUN,
	D_INTERNAL,
	D__COUNT
};

struct diag_info {
	const char *id;         /* "mime-no-closing-boundary" */
	enum diag_level level;
	int exit_status;        /* the least a command exits with after it */
	const char *text;       /* what it means, for the catalog page */
};

/* The catalog entry of code (D_NONE for an unknown code). */
const struct diag_info *diag_info(enum diag_code code);

/* "note", "warning" or "error". */
const char *diag_level_name(enum diag_level level);

#endif
