/* site.h -- a Mailman 3 archive (HyperKitty) as listscrub reads it.
 *
 * listscrub never reads or writes HyperKitty's tables itself: it runs the
 * listscrub_hyperkitty Django app (contrib/hyperkitty) with the site's
 * settings, so that HyperKitty's own models and signals do every read
 * and every change.  Reading is an export, inside a transaction that is
 * rolled back: one mbox per list, every message in one fixed shape,
 * into a private folder of the staging area (mail/tarball.h), which the
 * walk then reads like any tree of mboxes.  An index beside it says which
 * HyperKitty email each message is (list, message_id_hash, thread, URL,
 * the digest the app checks before it changes a row).
 *
 * Where a path of the export is shown it is named "hyperkitty:LIST".
 */
#ifndef LISTSCRUB_HK_SITE_H
#define LISTSCRUB_HK_SITE_H

#include <stdbool.h>
#include <stddef.h>

struct errbuf;

/* One email of the export. */
struct hk_message {
	char *file;                     /* its mbox, relative to the root */
	size_t n;                       /* its index there */
	char *list;                     /* "list@domain" */
	char *message_id_hash;          /* the URL's hash */
	char *thread_id;                /* HyperKitty's thread id */
	char *url, *thread_url;         /* the archive's paths */
	char *digest;                   /* "sha256:..." of the exported bytes */
	long long email_id;             /* the row's primary key */
};

struct hk_site;

/* Export the site (settings: a Django settings module, the path of a
 * settings .py file, or a database URL) into a new private folder.
 * Caller owns: hk_site_free.  NULL with err filled (the app's own one-line
 * error when it gave one). */
struct hk_site *hk_site_export(const char *settings, struct errbuf *err);

/* The folder the walk reads: one mbox per list. */
const char *hk_site_root(const struct hk_site *s);

/* The settings as given. */
const char *hk_site_settings(const struct hk_site *s);

/* The site's description as the app wrote it (site.json), as JSON text
 * with the database vendor and name, the search engine, the lists. */
const char *hk_site_json(const struct hk_site *s);

/* The emails in export order. */
size_t hk_site_count(const struct hk_site *s);
const struct hk_message *hk_site_message(const struct hk_site *s, size_t i);

/* The email that message index of the mailbox at path is (path under the
 * root of an export of this process), or NULL for any other mailbox. */
const struct hk_message *hk_message_at(const char *path, size_t index);

/* -1 with err filled unless the mailbox at path (of the export) holds
 * exactly the emails the index lists for it: the walk and the app must
 * agree on every message before anything is planned. */
int hk_check_split(const char *path, size_t count, struct errbuf *err);

/* text with every path of an export in it shown as "hyperkitty:LIST".
 * Caller owns. */
char *hk_shown_text(const char *text);

/* Export the site again into a new folder (the archive as a run left
 * it); *root_r its root (caller owns).  -1 with err filled. */
int hk_site_export_again(struct hk_site *s, char **root_r,
			 struct errbuf *err);

/* The email of that list and hash in the latest export_again, or NULL. */
const struct hk_message *hk_site_after(const struct hk_site *s,
				       const char *list, const char *hash);

/* Run the app's command (e.g. "listscrub_apply" PLAN --report FILE) on
 * the site.  0 when it exited 0; 1 when it refused or failed (exit 1);
 * -1 when it could not run (err filled either way but 0). */
int hk_site_run(const struct hk_site *s, const char *const *args,
		struct errbuf *err);

/* The exact shell command hk_site_run would run, for an admin to run
 * later; for a site given by a database URL, to run with the URL in
 * $LISTSCRUB_HYPERKITTY_DATABASE (it is not printed: it may hold a
 * password).  Caller owns. */
char *hk_site_command(const struct hk_site *s, const char *const *args);

/* settings as shown in messages: a URL's password as "***" (made in
 * hyperkitty/app.c, with the rest of what the app is told).  Caller
 * owns. */
char *hk_settings_shown(const char *settings);

/* Was the site given by a database URL (then the app reaches its tables
 * only, not its search index, attachment folder or caches)? */
bool hk_site_is_database_url(const struct hk_site *s);

/* A private file name in the site's folder (for plans and reports).
 * Caller owns. */
char *hk_site_file(const struct hk_site *s, const char *name);

void hk_site_free(struct hk_site **s);

#endif
