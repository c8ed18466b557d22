/* print.h -- the selection printed for people (text) and programs (one
 * JSON object per line), and the problems met on stderr. */
#ifndef LISTSCRUB_PRINT_H
#define LISTSCRUB_PRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct mailbox;
struct mailbox_list;
struct select_match;
struct select_opts;
struct selected;
struct selection;

/* JSON output (listscrub(1) JSON OUTPUT): one object per line, the
 * first {"listscrub":{"format":JSON_FORMAT,"command":...,"version":...}},
 * the last {"summary":{...}} with the command's counts.  The header is
 * printed before the first line. */
#define JSON_FORMAT 1

/* The command whose output this is (main, before it runs one). */
void json_output_for(const char *command);

/* Print j as one line (after the header), and free it. */
void json_line(FILE *out, json_t *j);

/* The last line: {"summary": counts}; frees counts. */
void json_summary(FILE *out, json_t *counts);

/* "1 message", "2 messages": n and one or many, for text lines. */
const char *plural(size_t n, const char *one, const char *many);

/* Print one selected message, as text or one JSON line. */
void print_selected(FILE *out, const struct select_opts *o,
		    const struct mailbox_list *boxes, const struct selected *item,
		    const char *action, const char *state);

struct plan;

/* What a purge planned or did, in sum: a text line ("# N messages read;
 * would delete ...") and a line per kind of item left as it is, or the
 * JSON summary. */
void print_purge_summary(FILE *out, int format, bool apply,
			 const struct plan *plan, const struct selection *sel);

/* One text line per mailbox that holds selected messages or is an mbox:
 * "# PATH: FORMAT, N messages". */
void print_mailbox_line(FILE *out, const struct mailbox *mb);

/* What was passed over, and why, as one text line ("# passed over: ..."),
 * and a line when no message was read at all; nothing when neither. */
void print_passed_over(FILE *out, const struct mailbox_list *boxes,
		       const struct selection *sel);

/* The rule id a match reports: a rule's id, "address", "mass-recipients"
 * or "address-list". */
const char *match_rule_name(const struct select_opts *o,
			    const struct select_match *m);

/* s for a text line: a control character, a backslash or a byte that
 * is not UTF-8 (a file name with a newline) as a C escape (\n, \\,
 * \xHH), so that one line stays one line.  Caller owns. */
char *text_escaped(const char *s);

/* A JSON string of s, which need not be UTF-8 (bytes that are not are
 * shown as U+FFFD).  Never NULL. */
json_t *json_text(const char *s);

/* path (owned, freed) as shown: a staged tarball member as
 * "ARCHIVE//member" (mail/tarball.h).  Caller owns the result. */
char *print_shown(char *path);

/* What names a message to a HyperKitty admin: of an email of a
 * --hyperkitty export its list, message_id_hash, thread and URL path; of
 * any other message with a Message-ID the message_id_hash HyperKitty
 * would give it (the message of an mbox.gz export is found in the web
 * pages by it). */
void hyperkitty_json(json_t *j, const struct mailbox *mb, size_t index,
		     const char *message_id);
void hyperkitty_text(FILE *out, const struct mailbox *mb, size_t index,
		     const char *message_id);

#endif
