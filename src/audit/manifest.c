/* manifest.c -- writing and strictly reading manifest lines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/errbuf.h"
#include "lib/fileio.h"
#include "mail/mailbox.h"
#include "audit/manifest.h"
#include "audit/merkle.h"
#include "lib/xalloc.h"

#define LINE_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define READ_CHUNK ((size_t)1 << 20)

static struct manifest_limits limits = {
	MANIFEST_PART_MAX_DEFAULT, MANIFEST_LINE_MAX_DEFAULT,
	MANIFEST_ENTRIES_MAX_DEFAULT,
};

void
manifest_set_limits(const struct manifest_limits *l)
{
	limits = *l;
}

const struct manifest_limits *
manifest_get_limits(void)
{
	return &limits;
}

int
manifest_read_part(const char *path, char **data_r, size_t *len_r,
		   struct errbuf *err)
{
	int fd = open_regular_nonblock(path, false);
	struct stat st;
	char *data;
	size_t got = 0, line_start = 0, lines = 0;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot read '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(err, "'%s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > limits.part_bytes) {
		close(fd);
		return errbuf_set(err, "'%s' is %llu bytes, more than the %llu "
				  "a manifest file may have (--max-file-size)",
				  path, (unsigned long long)st.st_size,
				  (unsigned long long)limits.part_bytes);
	}
	data = xmalloc((size_t)st.st_size + 1);
	/* in chunks, each line's length checked as it comes: an overlong
	 * line is refused after line_bytes, not after the whole file */
	while (got < (size_t)st.st_size) {
		size_t want = (size_t)st.st_size - got;
		ssize_t n = read(fd, data + got, want < READ_CHUNK ? want
				 : READ_CHUNK);
		const char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			close(fd);
			free(data);
			return errbuf_errno(err, e, "cannot read '%s'", path);
		}
		for (nl = data + got; (nl = memchr(nl, '\n', (size_t)(data + got
			+ n - nl))) != NULL; nl++) {
			line_start = (size_t)(nl - data) + 1;
			lines++;
		}
		got += (size_t)n;
		if (got - line_start > limits.line_bytes) {
			close(fd);
			free(data);
			return errbuf_set(err, "'%s' line %zu is longer than the "
					  "%zu bytes a manifest line may have "
					  "(--max-line)", path, lines + 1,
					  limits.line_bytes);
		}
	}
	close(fd);
	data[got] = '\0';
	*data_r = data;
	*len_r = got;
	return 0;
}

struct manifest_writer {
	char *text;
	size_t len, alloc;
	struct merkle *leaves;
	bool finished;
};

static bool
holds_real(const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_real(v))
		return true;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
			if (holds_real(item))
				return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			if (holds_real(item))
				return true;
	}
	return false;
}

char *
manifest_line(const json_t *obj)
{
	if (!json_is_object(obj) || holds_real(obj))
		return NULL;
	return json_dumps(obj, LINE_FLAGS);
}

struct manifest_writer *
manifest_writer_new(void)
{
	struct manifest_writer *w = xcalloc(1, sizeof *w);

	w->leaves = merkle_new();
	return w;
}

static void
append_text(struct manifest_writer *w, const char *line, size_t n, bool leaf)
{
	xgrow((void **)&w->text, &w->alloc, w->len + n + 2, 1);
	memcpy(w->text + w->len, line, n);
	w->text[w->len + n] = '\n';
	w->len += n + 1;
	w->text[w->len] = '\0';
	if (leaf)
		merkle_add(w->leaves, line, n);
}

static int
append_line(struct manifest_writer *w, const json_t *obj, bool leaf,
	    struct errbuf *err)
{
	char *line = manifest_line(obj);

	if (line == NULL)
		return errbuf_set(err, "cannot write a manifest line (a value "
				  "that is not an integer or not UTF-8)");
	append_text(w, line, strlen(line), leaf);
	free(line);
	return 0;
}

int
manifest_writer_add_line(struct manifest_writer *w, const char *line,
			 size_t len, struct errbuf *err)
{
	if (w->finished)
		return errbuf_set(err, "manifest line after the footer");
	append_text(w, line, len, true);
	return 0;
}

int
manifest_writer_add(struct manifest_writer *w, json_t *obj,
		    struct errbuf *err)
{
	if (w->finished)
		return errbuf_set(err, "manifest line after the footer");
	return append_line(w, obj, true, err);
}

void
manifest_writer_root(const struct manifest_writer *w,
		     unsigned char out[DIGEST_LEN])
{
	merkle_root(w->leaves, out);
}

int
manifest_writer_finish(struct manifest_writer *w, json_t *footer,
		       struct errbuf *err)
{
	if (append_line(w, footer, false, err) < 0)
		return -1;
	w->finished = true;
	return 0;
}

const char *
manifest_writer_text(const struct manifest_writer *w, size_t *len_r)
{
	*len_r = w->len;
	return w->text ? w->text : "";
}

void
manifest_writer_free(struct manifest_writer **wp)
{
	struct manifest_writer *w = *wp;

	if (w == NULL)
		return;
	merkle_free(&w->leaves);
	free(w->text);
	free(w);
	*wp = NULL;
}

/* ---- reading ------------------------------------------------------------------ */

const char *
json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long
json_int(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

bool
json_digest(const json_t *obj, const char *key, const char *alg,
	    unsigned char out[DIGEST_LEN])
{
	const char *s = json_str(obj, key);

	return s != NULL && digest_parse(s, alg, out);
}

static int
parse_line(struct manifest *m, size_t i, struct errbuf *err)
{
	const char *raw = m->raw[i];
	size_t len = m->raw_len[i];
	json_error_t jerr;
	char *again;
	bool canonical;

	m->lines[i] = json_loadb(raw, len, JSON_REJECT_DUPLICATES, &jerr);
	if (m->lines[i] == NULL || !json_is_object(m->lines[i]))
		return errbuf_set(err, "line %zu is not a JSON object (%s)",
				  i + 1, m->lines[i] ? "another value" : jerr.text);
	again = manifest_line(m->lines[i]);
	canonical = again && strlen(again) == len && memcmp(again, raw, len) == 0;
	free(again);
	if (!canonical)
		return errbuf_set(err, "line %zu is not in canonical form (sorted "
				  "keys, no spaces, integers only, minimal "
				  "escapes)", i + 1);
	return 0;
}

static int
split_manifest(struct manifest *m, const char *path, struct errbuf *err)
{
	size_t pos = 0;

	if (m->len == 0 || m->text[m->len - 1] != '\n')
		return errbuf_set(err, "the manifest is empty or does not end "
				  "in LF (truncated?)");
	if (memchr(m->text, '\r', m->len) != NULL)
		return errbuf_set(err, "the manifest holds a CR (converted to "
				  "CRLF line ends?)");
	if (memchr(m->text, '\0', m->len) != NULL)
		return errbuf_set(err, "the manifest holds a NUL byte");
	while (pos < m->len) {
		const char *nl = memchr(m->text + pos, '\n', m->len - pos);
		size_t n = (size_t)(nl - (m->text + pos));

		if (n == 0)
			return errbuf_set(err, "line %zu is empty", m->count + 1);
		if (n > limits.line_bytes)
			return errbuf_set(err, "'%s' line %zu is %zu bytes long, "
					  "more than the %zu a manifest line "
					  "may have (--max-line)", path,
					  m->count + 1, n, limits.line_bytes);
		if (m->count >= limits.entries)
			return errbuf_set(err, "'%s' has more than %zu lines "
					  "(--max-entries)", path,
					  limits.entries);
		m->raw = xreallocarray(m->raw, m->count + 1, sizeof *m->raw);
		m->raw_len = xreallocarray(m->raw_len, m->count + 1,
					   sizeof *m->raw_len);
		m->raw[m->count] = m->text + pos;
		m->raw_len[m->count] = n;
		m->count++;
		pos += n + 1;
	}
	return 0;
}

/* Header first, footer last, then files, then acts, each numbered 1...;
 * the version is noted. */
static int
check_order(struct manifest *m, struct errbuf *err)
{
	long long files = 0, acts = 0;

	if (m->count < 2 || strcmp(json_str(m->lines[0], "t") ?: "", "header"))
		return errbuf_set(err, "line 1 is not the header");
	if (strcmp(json_str(m->lines[m->count - 1], "t") ?: "", "footer"))
		return errbuf_set(err, "the last line is not the footer "
				  "(truncated, or lines appended?)");
	m->version = json_int(m->lines[0], "v");
	if (m->version < MANIFEST_VERSION_MIN || m->version > MANIFEST_VERSION ||
	    json_int(m->lines[m->count - 1], "v") != m->version)
		return errbuf_set(err, "unknown manifest version (this listscrub "
				  "reads versions %d to %d)",
				  MANIFEST_VERSION_MIN, MANIFEST_VERSION);
	for (size_t i = 1; i + 1 < m->count; i++) {
		const char *t = json_str(m->lines[i], "t") ?: "";
		long long n = json_int(m->lines[i], "n");

		if (strcmp(t, "file") == 0 && acts == 0 && n == files + 1)
			files++;
		else if (strcmp(t, "act") == 0 && n == acts + 1)
			acts++;
		else
			return errbuf_set(err, "line %zu is out of place: expected "
					  "file lines then act lines, each "
					  "numbered by \"n\" from 1 without "
					  "gaps (lines removed or reordered?)",
					  i + 1);
	}
	return 0;
}

int
manifest_read(const char *path, struct manifest *m, struct errbuf *err)
{
	memset(m, 0, sizeof *m);
	if (manifest_read_part(path, &m->text, &m->len, err) < 0)
		return -1;
	if (split_manifest(m, path, err) < 0)
		goto fail;
	m->lines = xcalloc(m->count, sizeof *m->lines);
	for (size_t i = 0; i < m->count; i++)
		if (parse_line(m, i, err) < 0)
			goto fail;
	if (check_order(m, err) < 0)
		goto fail;
	return 0;
fail:
	manifest_release(m);
	return -1;
}

void
manifest_root(const struct manifest *m, unsigned char out[DIGEST_LEN])
{
	struct merkle *mk = merkle_new();

	for (size_t i = 0; i + 1 < m->count; i++)
		merkle_add(mk, m->raw[i], m->raw_len[i]);
	merkle_root(mk, out);
	merkle_free(&mk);
}

const json_t *
manifest_header(const struct manifest *m)
{
	return m->lines[0];
}

const json_t *
manifest_footer(const struct manifest *m)
{
	return m->lines[m->count - 1];
}

void
manifest_release(struct manifest *m)
{
	if (m->lines)
		for (size_t i = 0; i < m->count; i++)
			json_decref(m->lines[i]);
	free(m->lines);
	free(m->raw);
	free(m->raw_len);
	free(m->text);
	memset(m, 0, sizeof *m);
}

/* The hex part of a "sha256:<hex>" string, or NULL. */
static const char *
digest_hex(const json_t *obj, const char *key)
{
	unsigned char d[DIGEST_LEN];
	const char *s = json_str(obj, key);

	return s && digest_parse(s, "sha256", d) ? s + strlen("sha256:") : NULL;
}

char *
manifest_trusted_comment(const char *file, const json_t *header,
			 const json_t *footer)
{
	const json_t *entries = json_object_get(footer, "entries");
	const char *incident = json_str(header, "incident");
	const char *mode = json_str(header, "mode");
	const char *root = digest_hex(footer, "merkle_root");
	const char *after = digest_hex(json_object_get(footer, "tree_after"),
				       "root");
	const char *prev = json_is_null(json_object_get(header, "prev"))
		? "none" : digest_hex(header, "prev");
	const char *finished = json_str(footer, "finished");
	long long seq = json_int(header, "seq");
	long long acts = json_int(entries, "act");
	long long files = json_int(entries, "file");

	if (!incident || !mode || !root || !after || !prev || !finished ||
	    seq < 0 || acts < 0 || files < 0)
		return NULL;
	return xasprintf("lmr1 file=%s incident=%s seq=%lld mode=%s root=%s "
			 "acts=%lld files=%lld tree_after=%s prev=%s "
			 "finished=%s", file, incident, seq, mode, root, acts,
			 files, after, prev, finished);
}

/* ---- per-message values ------------------------------------------------------ */

int
manifest_message_digests(const struct mailbox *mb,
			 unsigned char (**digests_r)[DIGEST_LEN],
			 size_t *count_r, struct errbuf *err)
{
	size_t n = mailbox_message_count(mb);
	unsigned char (*d)[DIGEST_LEN] = xcalloc(n + 1, DIGEST_LEN);

	for (size_t i = 0; i < n; i++) {
		const char *raw;
		size_t len;
		uint64_t off;
		bool owned;

		if (mailbox_message(mb, i, &raw, &len, &off, &owned, err) < 0) {
			free(d);
			return -1;
		}
		sha256_of(raw, len, d[i]);
		if (owned)
			free((char *)raw);
	}
	*digests_r = d;
	*count_r = n;
	return 0;
}
