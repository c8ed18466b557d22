/* diag.c -- the catalog: one row per thing listscrub can report. */
#include "config.h"

#include <stddef.h>

#include "lib/diag.h"

/* Exit statuses (SPEC §2): 0 done or clean, 1 findings (scan) or a
 * failed check (verify), 2 error. */
static const struct diag_info catalog[D__COUNT] = {
	[D_NONE] = { "none", DIAG_NOTE, 0, "no problem" },
	[D_MIME_NO_CLOSING_BOUNDARY] = {
		"mime-no-closing-boundary", DIAG_WARNING, 0,
		"multipart without its closing boundary (searched to the end)" },
	[D_MIME_NO_BOUNDARY] = {
		"mime-no-boundary", DIAG_WARNING, 0,
		"multipart without a boundary parameter (searched as raw text)" },
	[D_MIME_BAD_ENCODING] = {
		"mime-bad-encoding", DIAG_WARNING, 0,
		"part cannot be transfer-decoded (searched as raw bytes)" },
	[D_MIME_UNKNOWN_CHARSET] = {
		"mime-unknown-charset", DIAG_WARNING, 0,
		"part has a charset that cannot be converted (searched as raw "
		"bytes)" },
	[D_MIME_TOO_DEEP] = {
		"mime-too-deep", DIAG_WARNING, 0,
		"MIME nesting deeper than --max-mime-depth (default 32) "
		"levels: the part is searched as raw bytes" },
	[D_MIME_TOO_MANY_PARTS] = {
		"mime-too-many-parts", DIAG_WARNING, 0,
		"more MIME parts than --max-mime-parts (default 4096): the "
		"rest is searched as raw bytes" },
	[D_HEADER_BAD_WORDS] = {
		"header-bad-encoded-words", DIAG_WARNING, 0,
		"header has RFC 2047 words that cannot be decoded (searched raw)" },
	[D_MIME_PARAMETER_TOO_LONG] = {
		"mime-parameter-too-long", DIAG_WARNING, 0,
		"a boundary or charset longer than MIME allows: the part is "
		"searched (and redacted) as raw bytes" },
	[D_HEADER_UNKNOWN_CHARSET] = {
		"header-unknown-charset", DIAG_NOTE, 0,
		"messages with RFC 2047 words in a charset iconv does not "
		"know, counted per mailbox: searched as their bytes (the "
		"ASCII part reads right)" },
	[D_HEADER_LINE_TOO_LONG] = {
		"header-line-too-long", DIAG_WARNING, 0,
		"a line of a header block longer than --max-header-line "
		"(default 1024 KB): the header is not parsed, the entity is "
		"searched as raw bytes" },
	[D_MESSAGE_UNREADABLE] = {
		"message-unreadable", DIAG_ERROR, 2,
		"a message could not be read; nothing is written" },
	[D_RULE_MATCH_FAILED] = {
		"rule-match-failed", DIAG_ERROR, 2,
		"a rule could not finish matching (PCRE2 match or depth limit): "
		"the message is not known to be clean; nothing is written" },
	[D_MAILBOX_UNREADABLE] = {
		"mailbox-unreadable", DIAG_ERROR, 2,
		"a mailbox could not be read or split safely; nothing is "
		"written" },
	[D_MAILBOX_CUT] = {
		"mailbox-cut-short", DIAG_ERROR, 2,
		"a file was truncated by another program while it was read: "
		"what was read is not trusted; nothing is written" },
	[D_MBOX_SEPARATOR_NO_BLANK] = {
		"separator-without-blank-line", DIAG_NOTE, 0,
		"From_ lines with an envelope date and a header line after them, "
		"but no empty line before them, were taken as separators (as "
		"Mailman's cleanarch does)" },
	[D_NOT_MAIL] = {
		"not-mail", DIAG_NOTE, 0,
		"neither an mbox nor a message: searched as plain text, never "
		"changed" },
	[D_PATH_MISSING] = {
		"path-missing", DIAG_ERROR, 2,
		"a PATH given does not exist or cannot be read; the others "
		"are read, nothing is written" },
	[D_DIRECTORY_UNREADABLE] = {
		"directory-unreadable", DIAG_ERROR, 2,
		"a directory could not be listed; nothing is written" },
	[D_SYMLINK_NOT_FOLLOWED] = {
		"symlink-not-followed", DIAG_NOTE, 0,
		"a symbolic link inside a PATH is not followed (what it points "
		"to is read where it is, if it is in a PATH)" },
	[D_NOT_REGULAR_FILE] = {
		"not-a-regular-file", DIAG_NOTE, 0,
		"a FIFO, socket or device: never opened" },
	[D_SYMLINK_OUTSIDE] = {
		"symlink-outside-path", DIAG_WARNING, 0,
		"a symbolic link inside a PATH points outside it: not followed, "
		"what it points to is neither read nor changed" },
	[D_SYMLINK_LOOP] = {
		"symlink-loop", DIAG_WARNING, 0,
		"a symbolic link inside a PATH leads to itself (a loop) or "
		"nowhere: not followed" },
	[D_TARBALL_REFUSED] = {
		"tarball-refused", DIAG_ERROR, 2,
		"a tarball with a member that would land outside it (an "
		"absolute name, \"..\", a link out, a name given twice), or "
		"holding more than the inflate caps, or unreadable: nothing in "
		"it is read or changed" },
	[D_HYPERKITTY] = {
		"hyperkitty-failed", DIAG_ERROR, 2,
		"a HyperKitty site could not be read, or its app refused or "
		"failed a change: the message says which, and whether the "
		"database was changed" },
	[D_BINARY_NOT_CHECKED] = {
		"binary-not-checked", DIAG_WARNING, 0,
		"binary attachments of redacted messages were not searched" },
	[D_PURGE_FAILED] = {
		"purge-failed", DIAG_ERROR, 2,
		"a mailbox could not be changed" },
	[D_PURGE_STOPPED] = {
		"purge-stopped", DIAG_ERROR, 2,
		"the run stopped; what it says was and was not changed" },
	[D_MANIFEST_NOT_WRITTEN] = {
		"manifest-not-written", DIAG_ERROR, 2,
		"the run's manifest could not be written" },
	[D_LOCK_UNAVAILABLE] = {
		"lock-unavailable", DIAG_ERROR, 2,
		"an mbox lock, or Mailman's list lock, could not be had in "
		"time (a delivery, the archiver or another run holds it); "
		"nothing is written" },
	[D_REWRITE_FINISHED] = {
		"rewrite-finished", DIAG_NOTE, 0,
		"an in-place rewrite an earlier run left unfinished (its journal "
		"beside the mbox) was finished before reading, or the pipermail "
		"commits of a killed run were finished or dropped (its journal "
		"in the list folder)" },
	[D_MAILBOX_REREAD] = {
		"mailbox-reread", DIAG_NOTE, 0,
		"an mbox changed between the walk and its lock (mail delivered): "
		"it was read again under the lock" },
	[D_PURGE_PARTIAL] = {
		"purge-partial", DIAG_ERROR, 2,
		"the run changed some mailboxes and then failed: exactly those "
		"changes are listed and recorded (manifest mode partial); run "
		"the same purge again to finish" },
	[D_INTERRUPTED_FINISHED] = {
		"interrupted-finished", DIAG_NOTE, 0,
		"changes a run that stopped half-way planned and did not make "
		"(its intent in the manifest directory) are made by this run, "
		"listed as left by that run" },
	[D_INTERRUPTED_UNCOVERED] = {
		"interrupted-uncovered", DIAG_WARNING, 1,
		"a redaction a run that stopped half-way planned and did not make "
		"is not made: this run's selectors find nothing to take out of "
		"that message" },
	[D_USAGE] = { "usage", DIAG_ERROR, 2, "the command line is wrong" },
	[D_NOT_A_COMMAND] = {
		"not-a-command", DIAG_ERROR, 2, "no such command" },
	[D_NO_MANUAL] = {
		"no-manual", DIAG_ERROR, 2, "man(1) could not show the manual" },
	[D_KEY] = {
		"key", DIAG_ERROR, 2,
		"a key could not be made, read or used" },
	[D_RULES] = {
		"rules", DIAG_ERROR, 2, "a rule file could not be loaded" },
	[D_RULE_EXAMPLE] = {
		"rule-example", DIAG_ERROR, 1,
		"a rule does not give what its examples say" },
	[D_THREAD_NOT_FOUND] = {
		"thread-not-found", DIAG_WARNING, 1,
		"no message and no reference with that Message-ID" },
	[D_MESSAGE_ID_NOT_FOUND] = {
		"message-id-not-found", DIAG_WARNING, 0,
		"a Message-ID given is in no message (its thread is still "
		"searched through the references)" },
	[D_VERIFY_CANNOT_RUN] = {
		"verify-cannot-run", DIAG_ERROR, 2,
		"verification could not start" },
	[D_INTERNAL] = {
		"internal", DIAG_ERROR, 2, "listscrub could not start" },
};

const struct diag_info *
diag_info(enum diag_code code)
{
	if ((unsigned int)code >= D__COUNT || catalog[code].id == NULL)
		return &catalog[D_NONE];
	return &catalog[code];
}

const char *
diag_level_name(enum diag_level level)
{
	return level == DIAG_ERROR ? "error"
		: level == DIAG_WARNING ? "warning" : "note";
}
