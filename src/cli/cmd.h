/* cmd.h -- the subcommands and what they share.  Only main.c and the
 * cmd-*.c files print or decide exit codes. */
#ifndef LISTSCRUB_CMD_H
#define LISTSCRUB_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "mail/mailbox.h"
#include "lib/opt.h"
#include "select/select.h"

struct addrset;
struct hk_site;

/* Exit codes of SPEC §2. */
#define EXIT_CLEAN    0
#define EXIT_FINDINGS 1
#define EXIT_ERROR    2

enum out_format { FORMAT_TEXT, FORMAT_JSON };

int cmd_scan(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_sweep(int argc, char **argv);


/* The caps on reading mail every reading command takes (mail/limits.h,
 * listscrub(1) LIMITS). */
struct limit_opts {
	unsigned long mime_depth, mime_parts, header_line_kb;
	unsigned long inflated_mb, inflate_ratio;
};

#define LIMIT_OPT_SPECS(l) \
	{ "max-mime-depth", OPT_UINT, &(l)->mime_depth, "N", \
	  "MIME nesting read (default 32); deeper is searched as raw bytes", \
	  NULL }, \
	{ "max-mime-parts", OPT_UINT, &(l)->mime_parts, "N", \
	  "MIME parts read of a message (default 4096); the rest is searched " \
	  "as raw bytes", NULL }, \
	{ "max-header-line", OPT_UINT, &(l)->header_line_kb, "KB", \
	  "longest header line parsed (default 1024); a longer one: the " \
	  "entity is searched as raw bytes", NULL }, \
	{ "max-inflated-size", OPT_UINT, &(l)->inflated_mb, "MB", \
	  "refuse a .gz that inflates to more (default 4096)", NULL }, \
	{ "max-inflate-ratio", OPT_UINT, &(l)->inflate_ratio, "N", \
	  "refuse a .gz that inflates past 64 MB to N times its size or " \
	  "more (default 100)", NULL }

void limit_opts_init(struct limit_opts *l);

#define QUIET_OPT_SPEC(q) \
	{ "quiet", OPT_FLAG, (q), NULL, \
	  "no progress line on a terminal's stderr", NULL }

/* Check the caps given (each above 0) and set them for the run.
 * Returns 0, or -1 with err filled. */
int limit_opts_apply(const struct limit_opts *l, struct errbuf *err);

/* The selectors every reading command takes (SPEC §2 SELECT). */
struct select_opts {
	struct opt_list message_ids, message_id_files;
	struct opt_list addresses, address_files;
	struct opt_list rule_paths, detects;
	bool no_default_rules;
	int thread;                     /* index into thread_keywords */
	const char *since, *until, *list;
	int format;                     /* enum out_format */
	unsigned long jobs;
	bool show_matches;
	bool keep_text;                 /* the matched texts, though not
					   printed (purge: pipermail pages) */
	bool quiet;                     /* no progress line */
	bool headlines;                 /* print each message's Date and
					   Subject (a purge plan) */
	struct limit_opts limits;
	const char *hyperkitty;         /* SETTINGS: read a HyperKitty site */
	/* resolved */
	char *const *paths;             /* the PATHs, or the site's export */
	size_t npaths;
	struct hk_site *site;           /* --hyperkitty's export, or NULL */
	struct addrset *addrset;
	struct ruleset *ruleset;
	char **ids;
	size_t nids;
	struct select_settings settings;
};

extern const char *const thread_keywords[];
extern const char *const format_keywords[];

#define SELECT_OPT_SPECS(o) \
	{ "message-id", OPT_LIST, &(o)->message_ids, "ID", \
	  "select the message with this Message-ID (repeatable)", NULL }, \
	{ "message-ids", OPT_LIST, &(o)->message_id_files, "FILE", \
	  "Message-IDs to select, one per line", NULL }, \
	{ "thread", OPT_KEYWORD, &(o)->thread, "subtree|whole|none", \
	  "with Message-IDs, also select the replies (subtree), the whole " \
	  "conversation, or nothing more", thread_keywords }, \
	{ "address", OPT_LIST, &(o)->addresses, "ADDR", \
	  "select messages that contain this leaked address (repeatable)", NULL }, \
	{ "addresses", OPT_LIST, &(o)->address_files, "FILE", \
	  "leaked addresses, one per line", NULL }, \
	{ "rules", OPT_LIST, &(o)->rule_paths, "PATH", \
	  "personal-data rules: a rule file or directory (repeatable)", NULL }, \
	{ "no-default-rules", OPT_FLAG, &(o)->no_default_rules, NULL, \
	  "without other selectors, do not apply the installed rules", NULL }, \
	{ "detect", OPT_LIST, &(o)->detects, "KIND[=N]", \
	  "mass-recipients[=N] (To+Cc with N or more addresses) or " \
	  "address-lists[=N] (N or more addresses in a row in a body); " \
	  "N defaults to 10", NULL }, \
	{ "since", OPT_STRING, &(o)->since, "DATE", \
	  "only messages dated on or after DATE (YYYY-MM-DD[THH:MM[:SS]], UTC)", NULL }, \
	{ "until", OPT_STRING, &(o)->until, "DATE", \
	  "only messages dated before DATE", NULL }, \
	{ "list", OPT_STRING, &(o)->list, "NAME", \
	  "only messages whose List-Id is NAME", NULL }, \
	{ "format", OPT_KEYWORD, &(o)->format, "text|json", \
	  "output format", format_keywords }, \
	{ "jobs", OPT_UINT, &(o)->jobs, "N", \
	  "worker threads (default: one per core)", NULL }, \
	QUIET_OPT_SPEC(&(o)->quiet), \
	LIMIT_OPT_SPECS(&(o)->limits), \
	HYPERKITTY_OPT_SPEC(&(o)->hyperkitty)

#define HYPERKITTY_OPT_SPEC(h) \
	{ "hyperkitty", OPT_STRING, (h), "SETTINGS", \
	  "read a Mailman 3 HyperKitty archive instead of PATHs: its Django " \
	  "settings module, settings file or database URL", NULL }

void select_opts_init(struct select_opts *o);

/* Read the files, build the address set, load the rules (the default set
 * when nothing else selects), and the settings.  Returns 0, or -1 with
 * err filled (bad address, unreadable file, bad rule, bad date). */
int select_opts_resolve(struct select_opts *o, struct errbuf *err);

bool select_opts_has_selector(const struct select_opts *o);

/* Does the selection find spans to redact (addresses, rules, the default
 * rules, detections), and not only whole messages (Message-IDs)? */
bool select_opts_finds_spans(const struct select_opts *o);

void select_opts_release(struct select_opts *o);

/* The second half of run_selection, on mailboxes walked already; a
 * HyperKitty export that does not split into its index's emails stops
 * it (check_hyperkitty_split). */
int select_walked(struct select_opts *o, struct mailbox_list *boxes,
		  struct selection *sel);

/* Walk PATHs, run the selection, print every problem on stderr.  Returns
 * 0, or -1 after printing the error. */
int run_selection(struct select_opts *o, char *const *paths, size_t npaths,
		  struct mailbox_list *boxes, struct selection *sel);


/* Parse a command's options and answer --help.  Returns -1 to go on with
 * the operands at argv[*first_r], or the exit status. */
int cmd_parse(const char *cmd, const char *synopsis, int argc, char **argv,
	      const struct opt_spec *specs, int *first_r);

/* What every selecting command does first: parse its options (specs, which hold
 * o's), answer --help, require a PATH or --hyperkitty (and export the
 * site), resolve the selectors.  Returns -1 to go on with o->paths, or
 * the exit status. */
int cmd_start(const char *cmd, const char *synopsis, int argc, char **argv,
	      const struct opt_spec *specs, struct select_opts *o,
	      int *first_r);

/* Export the HyperKitty site of --hyperkitty SETTINGS (hyperkitty/site.h):
 * *paths then names its export.  -1 to go on, or the exit status after
 * the error is printed. */
int open_hyperkitty(const char *cmd, const char *settings,
		    struct hk_site **site, char *const **paths, size_t *npaths);

/* -1 after printing the error when a HyperKitty export among boxes does
 * not split into exactly the emails of its index; else 0. */
int check_hyperkitty_split(const struct mailbox_list *boxes);

/* -1 when o selects something, else the usage error's exit status. */
int need_selector(const char *cmd, const struct select_opts *o);

/* ---- the progress line (progress-line.c) ---- */

/* Draw the run's progress (lib/progress.h) on stderr from now on, when
 * it is a terminal and not quiet: after a second (or
 * LISTSCRUB_PROGRESS_DELAY_MS, a hook for the tests), a few times a
 * second, on one line. */
void progress_line_start(bool quiet);

/* Add the sizes of the files at or under path to the work planned, before
 * progress_line_start (only when the line is to be drawn: it costs a
 * walk). */
void progress_line_plan(const char *path, bool quiet);

/* Erase the line for good: before the results are printed. */
void progress_line_stop(void);

/* Erase the line and keep it off while a diagnostic is printed (it comes
 * back at the next redraw). */
void progress_line_hold(void);
void progress_line_release(void);

/* ---- keys (cmd-keys.c) ---- */

struct ms_secret;

/* The first line of password_file, or typed at the terminal after
 * prompt (not echoed).  Caller frees with free_password. */
char *read_password(const char *password_file, const char *prompt,
		    struct errbuf *err);
void free_password(char *password);

struct incident_key;

/* Load a minisign secret key, asking for its password when encrypted.
 * Refused when group or others may read it (chmod 600). */
int load_sign_key(const char *path, const char *password_file,
		  struct ms_secret **key_r, struct errbuf *err);

/* Load the incident key; refused as a signing key is. */
int load_incident_key(const char *path, struct incident_key **key_r,
		      struct errbuf *err);

/* Create the missing folders of path's parent, mode 0700 (keygen). */
int make_key_dir(const char *path, struct errbuf *err);

/* 1-64 of [A-Za-z0-9._-]: it goes into trusted comments and file names. */
bool incident_id_is_valid(const char *id);

#endif
