/* fuzz-mailbox.c -- the readers of mail/mailbox.h over real files: the
 * walk and the loader of a plain file (mbox or single message), a
 * gzip-compressed one, a file that only claims to be gzip, and a Maildir.
 * The first byte picks the form, the rest is the content (for a Maildir,
 * messages separated by 0x01 bytes, put in cur/ and new/ in turn).
 * Invariants: every message is the bytes written (a range of the file's
 * content, or a Maildir message's whole file), in order and in bounds
 * (bytes that make a tarball are left to fuzz-tarball);
 * a file that reads is refused only when the splitter refuses it. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fuzz.h"
#include "lib/errbuf.h"
#include "mail/mailbox.h"
#include "mail/tarball.h"

enum form { FORM_PLAIN, FORM_GZIP, FORM_FAKE_GZIP, FORM_MAILDIR, FORM_COUNT };

#define MAX_MAILDIR_FILES 64

struct written {
	const char *content;    /* what a file holds, uncompressed */
	size_t len;
	const char *piece[MAX_MAILDIR_FILES];
	size_t piece_len[MAX_MAILDIR_FILES];
	size_t pieces;
};

static void
write_gzip(const char *path, const char *data, size_t len)
{
	z_stream zs;
	size_t cap;
	unsigned char *out;

	memset(&zs, 0, sizeof zs);
	FUZZ_CHECK(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8,
				Z_DEFAULT_STRATEGY) == Z_OK);
	cap = deflateBound(&zs, len) + 64;
	out = malloc(cap);
	FUZZ_CHECK(out != NULL);
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	fuzz_write_file(path, out, zs.total_out);
	deflateEnd(&zs);
	free(out);
}

static void
write_maildir(const char *dir, const char *data, size_t len,
	      struct written *w)
{
	char path[4096];
	size_t pos = 0;

	FUZZ_CHECK(mkdir(dir, 0700) == 0);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir,
			 (const char *[]){ "cur", "new", "tmp" }[i]);
		FUZZ_CHECK(mkdir(path, 0700) == 0);
	}
	while (pos <= len && w->pieces < MAX_MAILDIR_FILES) {
		const char *sep = memchr(data + pos, '\x01', len - pos);
		size_t n = sep ? (size_t)(sep - (data + pos)) : len - pos;
		size_t k = w->pieces++;

		w->piece[k] = data + pos;
		w->piece_len[k] = n;
		snprintf(path, sizeof path, "%s/%s/%zu.fuzz%s", dir,
			 k % 2 ? "new" : "cur", k, k % 2 ? "" : ":2,S");
		fuzz_write_file(path, data + pos, n);
		pos += n + 1;
		if (sep == NULL)
			break;
	}
}

/* Which piece a Maildir message is, from its name "cur/K.fuzz:2,S". */
static size_t
piece_of(const char *name)
{
	const char *slash = strchr(name, '/');

	FUZZ_CHECK(slash != NULL);
	return strtoul(slash + 1, NULL, 10);
}

static void
check_mailbox(struct mailbox *mb, enum form form, const struct written *w)
{
	struct errbuf err;
	size_t count, content_len = 0;
	const char *content;

	if (mailbox_load(mb, &err) < 0) {
		struct mbox_split split = { 0 };

		FUZZ_CHECK(err.msg[0] != '\0');
		/* a file that reads is refused only as an mbox that cannot
		 * be split safely */
		if (form == FORM_PLAIN || form == FORM_GZIP)
			FUZZ_CHECK(mbox_split(w->content, w->len, &split, NULL,
					      NULL, &err) < 0);
		mbox_split_release(&split);
		return;
	}
	FUZZ_CHECK(mailbox_is_loaded(mb));
	FUZZ_CHECK(mailbox_format_name(mb) != NULL);
	count = mailbox_message_count(mb);
	content = mailbox_content(mb, &content_len);
	if (form == FORM_PLAIN || form == FORM_GZIP) {
		if (mailbox_kind(mb) != MAILBOX_NOT_MAIL) {
			FUZZ_CHECK(content != NULL);
			FUZZ_CHECK(content_len == w->len);
			FUZZ_CHECK(memcmp(content, w->content, w->len) == 0);
		}
		FUZZ_CHECK(mailbox_compression(mb) ==
			   (form == FORM_GZIP ? MAILBOX_GZIP : MAILBOX_PLAIN));
	}
	if (mailbox_kind(mb) == MAILBOX_MBOX)
		FUZZ_CHECK(mailbox_split(mb) != NULL &&
			   mailbox_split(mb)->count == count);
	if (form == FORM_MAILDIR)
		FUZZ_CHECK(count == w->pieces);
	for (size_t i = 0; i < count; i++) {
		const char *msg;
		size_t len;
		uint64_t off, start, end;
		bool owned;
		char *file;

		FUZZ_CHECK(mailbox_message(mb, i, &msg, &len, &off, &owned,
					   &err) == 0);
		mailbox_message_range(mb, i, &start, &end);
		file = mailbox_file_of(mb, i);
		FUZZ_CHECK(file != NULL);
		free(file);
		if (mailbox_kind(mb) == MAILBOX_MAILDIR) {
			size_t k = piece_of(mailbox_file_name(mb, i));

			FUZZ_CHECK(k < w->pieces);
			FUZZ_CHECK(len == w->piece_len[k]);
			FUZZ_CHECK(memcmp(msg, w->piece[k], len) == 0);
		} else {
			FUZZ_CHECK(start == off && end - start == len);
			FUZZ_CHECK(end <= content_len);
			FUZZ_CHECK(msg == content + start);
		}
		if (owned)
			free((char *)msg);
	}
	mailbox_unload(mb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_scratch_dir();
	struct written w = { 0 };
	struct mailbox_list list = { 0 };
	char path[4096], *paths[1] = { path };
	enum form form;

	if (size == 0)
		return 0;
	form = (enum form)(data[0] % FORM_COUNT);
	w.content = (const char *)data + 1;
	w.len = size - 1;
	fuzz_empty_dir(dir);
	snprintf(path, sizeof path, "%s/%s", dir,
		 form == FORM_PLAIN ? "box" : form == FORM_MAILDIR ? "md"
		 : "box.gz");
	switch (form) {
	case FORM_PLAIN:
	case FORM_FAKE_GZIP:
		fuzz_write_file(path, w.content, w.len);
		break;
	case FORM_GZIP:
		write_gzip(path, w.content, w.len);
		break;
	default:
		write_maildir(path, w.content, w.len, &w);
		break;
	}
	/* bytes that make a tar or zip are fuzz-tarball's: the walk stages
	 * them as a tree */
	if (form != FORM_MAILDIR && tarball_sniff(path, NULL) == 1)
		return 0;
	mailbox_walk(&list, paths, 1);
	FUZZ_CHECK(!mailbox_walk_failed(&list));
	FUZZ_CHECK(list.count == 1);
	for (size_t i = 0; i < list.count; i++)
		check_mailbox(list.items[i], form, &w);
	mailbox_list_release(&list);
	return 0;
}
