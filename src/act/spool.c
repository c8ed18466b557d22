/* spool.c -- redacted messages' new bytes on disk (spool.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/output.h"
#include "act/spool.h"
#include "audit/digest.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

/* Spooled bytes go out in writes of about this much; the writer reads
 * them back in pieces of this much. */
#define SPOOL_CHUNK (1u << 20)

struct spool {
	int fd;
	uint64_t written;               /* bytes in the file */
	char *buf;                      /* bytes not yet written */
	size_t used;
};

int
spool_open(struct spool **s_r, const char *path, struct errbuf *err)
{
	struct temp t;
	struct spool *s;

	if (temp_create(&t, path, err) < 0)
		return -1;
	/* nameless from here: nothing to remove however the run ends */
	if (unlinkat(t.dirfd, t.name, 0) < 0) {
		errbuf_format_errno(err, errno, "cannot remove the spool '%s' "
				    "beside '%s'", t.name, path);
		temp_discard(&t);
		return -1;
	}
	t.name[0] = '\0';
	close(t.dirfd);
	s = xcalloc(1, sizeof *s);
	s->fd = t.fd;
	s->buf = xmalloc(SPOOL_CHUNK);
	*s_r = s;
	return 0;
}

static int
write_all(struct spool *s, const char *p, size_t len, struct errbuf *err)
{
	while (len > 0) {
		ssize_t w = write(s->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errbuf_errno(err, w < 0 ? errno : EIO,
					    "cannot write the spool of redacted "
					    "messages (a full disk?)");
		p += w;
		len -= (size_t)w;
		s->written += (uint64_t)w;
	}
	return 0;
}

int
spool_flush(struct spool *s, struct errbuf *err)
{
	int rc = s->used > 0 ? write_all(s, s->buf, s->used, err) : 0;

	s->used = 0;
	return rc;
}

static int
add(struct spool *s, const char *p, size_t len, struct errbuf *err)
{
	if (s->used + len > SPOOL_CHUNK && spool_flush(s, err) < 0)
		return -1;
	if (len >= SPOOL_CHUNK)
		return write_all(s, p, len, err);
	memcpy(s->buf + s->used, p, len);
	s->used += len;
	return 0;
}

int
spool_put(struct spool *s, struct message_change *ch, const char *a,
	  size_t alen, const char *b, size_t blen, struct errbuf *err)
{
	struct sha256_stream *h = sha256_stream_new();

	sha256_stream_update(h, a, alen);
	sha256_stream_update(h, b, blen);
	sha256_stream_final(h, ch->sha256);
	sha256_stream_free(&h);
	ch->redacted = true;
	ch->data = NULL;
	ch->spool_fd = s->fd;
	ch->spool_off = s->written + s->used;
	ch->len = alen + blen;
	return add(s, a, alen, err) < 0 || add(s, b, blen, err) < 0 ? -1 : 0;
}

void
spool_close(struct spool **sp)
{
	struct spool *s = *sp;

	if (s == NULL)
		return;
	close(s->fd);
	free(s->buf);
	free(s);
	*sp = NULL;
}

int
change_read(const struct message_change *ch, size_t at, char *buf,
	    size_t len, struct errbuf *err)
{
	size_t got = 0;

	if (ch->data) {
		memcpy(buf, ch->data + at, len);
		return 0;
	}
	while (got < len) {
		ssize_t r = pread(ch->spool_fd, buf + got, len - got,
				  (off_t)(ch->spool_off + at + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return errbuf_errno(err, r < 0 ? errno : EIO,
					    "cannot read the spool of redacted "
					    "messages back");
		got += (size_t)r;
	}
	return 0;
}

int
change_load(const struct message_change *ch, char **data_r,
	    struct errbuf *err)
{
	char *data = xmalloc(ch->len + 1);
	unsigned char d[DIGEST_LEN];

	if (change_read(ch, 0, data, ch->len, err) < 0) {
		free(data);
		return -1;
	}
	sha256_of(data, ch->len, d);
	if (memcmp(d, ch->sha256, DIGEST_LEN) != 0) {
		free(data);
		return errbuf_set(err, "the spool did not give back the redacted "
				  "message as it was made (the disk did not keep "
				  "what was written, or listscrub has a bug: "
				  "check the file system and report it); "
				  "nothing was changed");
	}
	*data_r = data;
	return 0;
}

int
change_write(const struct message_change *ch, struct out *o,
	     struct sha256_stream *stream, struct errbuf *err)
{
	char *buf;
	int rc = 0;

	if (ch->data) {
		if (stream)
			sha256_stream_update(stream, ch->data, ch->len);
		return out_write(o, ch->data, ch->len, err);
	}
	buf = xmalloc(ch->len < SPOOL_CHUNK ? ch->len + 1 : SPOOL_CHUNK);
	for (size_t at = 0; rc == 0 && at < ch->len; at += SPOOL_CHUNK) {
		size_t n = ch->len - at < SPOOL_CHUNK ? ch->len - at
			: SPOOL_CHUNK;

		rc = change_read(ch, at, buf, n, err);
		if (rc == 0 && stream)
			sha256_stream_update(stream, buf, n);
		if (rc == 0)
			rc = out_write(o, buf, n, err);
	}
	free(buf);
	return rc;
}
