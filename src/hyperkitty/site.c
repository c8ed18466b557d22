/* site.c -- export a HyperKitty site through the listscrub_hyperkitty app
 * and name its emails (hyperkitty/site.h). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hyperkitty/app.h"
#include "hyperkitty/site.h"
#include "lib/buf.h"
#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hashtab.h"
#include "lib/xalloc.h"
#include "mail/tarball.h"

struct hk_site {
	char *settings;
	char *dir;                      /* private: exports, plans, reports */
	char *root;                     /* the export the walk reads */
	char *site_json;
	struct hk_message *msgs;        /* the export walked */
	size_t count;
	struct hk_message *after;       /* the latest export, when another */
	size_t n_after;
	struct hashtab *after_by_hash;  /* after[] by list and hash */
	unsigned exports;               /* exports made: names the next */
};

/* The one site of this process, for naming (a run reads one). */
static struct hk_site *current;
/* first_of's last answer: a file of current, or NULL */
static const char *last_file;
static size_t last_first;

int
hk_site_run(const struct hk_site *s, const char *const *args,
	    struct errbuf *err)
{
	return hk_app_run(s->settings, s->dir, args, err);
}

char *
hk_site_command(const struct hk_site *s, const char *const *args)
{
	return hk_app_command(s->settings, args);
}

bool
hk_site_is_database_url(const struct hk_site *s)
{
	return hk_is_database_url(s->settings);
}

char *
hk_site_file(const struct hk_site *s, const char *name)
{
	return xasprintf("%s/%s", s->dir, name);
}

/* ---- the export and its index ------------------------------------------- */

static char *
json_dup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return xstrdup(v ? v : "");
}

static void
messages_release(struct hk_message *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(msgs[i].file);
		free(msgs[i].list);
		free(msgs[i].message_id_hash);
		free(msgs[i].thread_id);
		free(msgs[i].url);
		free(msgs[i].thread_url);
		free(msgs[i].digest);
	}
	free(msgs);
}

/* index.jsonl: one email per line, in file order. */
static int
load_index(struct hk_message **msgs_r, size_t *count_r, const char *path,
	   struct errbuf *err)
{
	char *text, *line, *next;
	size_t len, alloc = 0, count = 0;
	struct hk_message *msgs = NULL;

	if (read_whole_file(path, &text, &len, err) < 0)
		return -1;
	for (line = text; line < text + len; line = next) {
		json_t *o;
		json_error_t je;
		struct hk_message *m;

		next = memchr(line, '\n', (size_t)(text + len - line));
		next = next ? next + 1 : text + len;
		if (next - line <= 1)
			continue;
		o = json_loadb(line, (size_t)(next - line), 0, &je);
		if (!json_is_object(o) || !json_is_integer(json_object_get(o, "n"))) {
			json_decref(o);
			messages_release(msgs, count);
			free(text);
			return errbuf_set(err, "the HyperKitty app's index, line "
					  "%zu: not an email record (is "
					  "contrib/hyperkitty of this "
					  "listscrub's version?)", count + 1);
		}
		xgrow((void **)&msgs, &alloc, count + 1, sizeof *msgs);
		m = &msgs[count++];
		m->file = json_dup(o, "file");
		m->n = (size_t)json_integer_value(json_object_get(o, "n"));
		m->list = json_dup(o, "list");
		m->message_id_hash = json_dup(o, "message_id_hash");
		m->thread_id = json_dup(o, "thread_id");
		m->url = json_dup(o, "url");
		m->thread_url = json_dup(o, "thread_url");
		m->digest = json_dup(o, "digest");
		m->email_id = json_integer_value(json_object_get(o, "email_id"));
		json_decref(o);
	}
	free(text);
	messages_release(*msgs_r, *count_r);
	*msgs_r = msgs;
	*count_r = count;
	return 0;
}

/* An email's key in after_by_hash: its list and hash. */
static uint64_t
email_key(const char *list, const char *hash)
{
	char *key = xasprintf("%s/%s", list, hash);
	uint64_t h = hash64(key, strlen(key));

	free(key);
	return h;
}

static bool
same_email(uint32_t item, const void *key, void *ctx)
{
	const struct hk_message *m = &((const struct hk_site *)ctx)->after[item];
	const struct hk_message *want = key;

	return strcmp(m->list, want->list) == 0 &&
	       strcmp(m->message_id_hash, want->message_id_hash) == 0;
}

/* The latest export's emails by list and hash. */
static void
index_after(struct hk_site *s)
{
	hashtab_free(&s->after_by_hash);
	s->after_by_hash = hashtab_new();
	for (size_t i = 0; i < s->n_after; i++)
		hashtab_insert(s->after_by_hash,
			       email_key(s->after[i].list,
					 s->after[i].message_id_hash),
			       (uint32_t)i);
}

/* Export into s->dir/NAME; its index and description are moved beside
 * it, so that the walk sees nothing but the lists' mboxes. */
static int
export_into(struct hk_site *s, const char *name, char **root_r,
	    struct errbuf *err)
{
	char *root = hk_site_file(s, name);
	char *index = xasprintf("%s.index.jsonl", root);
	char *site = xasprintf("%s.site.json", root);
	char *in_index = xasprintf("%s/index.jsonl", root);
	char *in_site = xasprintf("%s/site.json", root);
	const char *args[] = { "listscrub_export", root, NULL };
	size_t len;
	int rc = -1;

	if (mkdir(root, 0700) < 0)
		errbuf_format_errno(err, errno, "cannot make '%s'", root);
	else if (hk_site_run(s, args, err) != 0)
		;
	else if (rename(in_index, index) < 0 || rename(in_site, site) < 0)
		errbuf_format(err, "the HyperKitty app's export has no index "
			      "(is contrib/hyperkitty of this listscrub's "
			      "version?)");
	else if (load_index(s->exports == 1 ? &s->msgs : &s->after,
			    s->exports == 1 ? &s->count : &s->n_after, index,
			    err) == 0) {
		if (s->exports > 1)
			index_after(s);
		free(s->site_json);
		s->site_json = NULL;
		rc = read_whole_file(site, &s->site_json, &len, err);
	}
	if (rc == 0)
		*root_r = root;
	else
		free(root);
	free(index);
	free(site);
	free(in_index);
	free(in_site);
	return rc;
}

struct hk_site *
hk_site_export(const char *settings, struct errbuf *err)
{
	const char *stage = staging_folder(err);
	struct hk_site *s;
	char *templ;

	if (stage == NULL)
		return NULL;
	templ = xasprintf("%s/hyperkitty-XXXXXX", stage);
	if (mkdtemp(templ) == NULL) {
		errbuf_format_errno(err, errno, "cannot make a folder in '%s'",
				    stage);
		free(templ);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->settings = xstrdup(settings);
	s->dir = templ;
	if (hk_site_export_again(s, &s->root, err) < 0) {
		hk_site_free(&s);
		return NULL;
	}
	current = s;
	last_file = NULL;
	return s;
}

int
hk_site_export_again(struct hk_site *s, char **root_r, struct errbuf *err)
{
	char name[32];
	char *root = NULL;

	snprintf(name, sizeof name, "export-%u", ++s->exports);
	if (export_into(s, name, &root, err) < 0)
		return -1;
	*root_r = root;
	return 0;
}

const char *
hk_site_root(const struct hk_site *s)
{
	return s->root;
}

const char *
hk_site_settings(const struct hk_site *s)
{
	return s->settings;
}

const char *
hk_site_json(const struct hk_site *s)
{
	return s->site_json ? s->site_json : "{}";
}

size_t
hk_site_count(const struct hk_site *s)
{
	return s->count;
}

const struct hk_message *
hk_site_message(const struct hk_site *s, size_t i)
{
	return i < s->count ? &s->msgs[i] : NULL;
}

const struct hk_message *
hk_site_after(const struct hk_site *s, const char *list, const char *hash)
{
	struct hk_message want = {
		.list = (char *)list, .message_id_hash = (char *)hash,
	};
	uint32_t i;

	if (s->after_by_hash == NULL)
		return NULL;
	i = hashtab_find(s->after_by_hash, email_key(list, hash), same_email,
			 &want, (void *)s);
	return i == HASHTAB_NONE ? NULL : &s->after[i];
}

/* The file of the export path names, or NULL. */
static const char *
export_file(const char *path)
{
	size_t n;

	if (current == NULL || current->root == NULL)
		return NULL;
	n = strlen(current->root);
	if (strncmp(path, current->root, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

/* The index of the first email of file, or count.  A file's emails are
 * together in the index, and asked for one file after another: the last
 * answer is kept. */
static size_t
first_of(const char *file)
{
	if (last_file && strcmp(last_file, file) == 0)
		return last_first;
	for (last_first = 0; last_first < current->count; last_first++)
		if (strcmp(current->msgs[last_first].file, file) == 0)
			break;
	last_file = last_first < current->count
		? current->msgs[last_first].file : NULL;
	return last_first;
}

const struct hk_message *
hk_message_at(const char *path, size_t index)
{
	const char *file = export_file(path);
	size_t first;

	if (file == NULL)
		return NULL;
	first = first_of(file);
	if (first + index >= current->count ||
	    strcmp(current->msgs[first + index].file, file) != 0 ||
	    current->msgs[first + index].n != index)
		return NULL;
	return &current->msgs[first + index];
}

int
hk_check_split(const char *path, size_t count, struct errbuf *err)
{
	const char *file = export_file(path);
	size_t first, listed = 0;
	struct stat st;

	if (file == NULL)
		return 0;
	first = first_of(file);
	while (first + listed < current->count &&
	       strcmp(current->msgs[first + listed].file, file) == 0)
		listed++;
	/* a list with no emails is an empty file, which the walk takes for
	 * a file that is not mail */
	if (listed == 0 && stat(path, &st) == 0 && st.st_size == 0)
		return 0;
	if (listed != count)
		return errbuf_set(err, "the export of HyperKitty's list '%.*s' "
				  "holds %zu emails by its index but splits "
				  "into %zu messages: stopped before planning "
				  "anything (report this as a bug of "
				  "listscrub)", (int)(strlen(file) - 5), file,
				  listed, count);
	return 0;
}

char *
hk_shown_text(const char *text)
{
	struct buf b = { 0 };
	size_t n;
	const char *at;

	if (current == NULL || current->root == NULL)
		return xstrdup(text);
	n = strlen(current->root);
	/* "<root>/LIST.mbox" -> "hyperkitty:LIST"; "<root>" -> "hyperkitty:" */
	while ((at = strstr(text, current->root)) != NULL) {
		const char *file = at + n, *end;

		buf_add(&b, text, (size_t)(at - text));
		buf_str(&b, "hyperkitty:");
		if (*file == '/') {
			file++;
			end = file + strcspn(file, " \t\n'\":");
			buf_add(&b, file, (size_t)(end - file) -
				(end - file > 5 && !strncmp(end - 5, ".mbox", 5)
				 ? 5 : 0));
			file = end;
		}
		text = file;
	}
	buf_str(&b, text);
	return b.p;
}

void
hk_site_free(struct hk_site **sp)
{
	struct hk_site *s = *sp;

	if (s == NULL)
		return;
	if (current == s) {
		current = NULL;
		last_file = NULL;
	}
	messages_release(s->msgs, s->count);
	messages_release(s->after, s->n_after);
	hashtab_free(&s->after_by_hash);
	free(s->settings);
	free(s->dir);
	free(s->root);
	free(s->site_json);
	free(s);
	*sp = NULL;
}
