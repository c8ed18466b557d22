/* digest.c -- SHA-256 through libsodium, and the text form of digests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/digest.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

#define READ_CHUNK (1u << 20)

void
sha256_of(const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	crypto_hash_sha256(out, data, len);
}

struct sha256_stream {
	crypto_hash_sha256_state st;
};

struct sha256_stream *
sha256_stream_new(void)
{
	struct sha256_stream *s = xmalloc(sizeof *s);

	crypto_hash_sha256_init(&s->st);
	return s;
}

void
sha256_stream_update(struct sha256_stream *s, const void *data, size_t len)
{
	crypto_hash_sha256_update(&s->st, data, (unsigned long long)len);
}

void
sha256_stream_final(struct sha256_stream *s, unsigned char out[DIGEST_LEN])
{
	crypto_hash_sha256_final(&s->st, out);
	crypto_hash_sha256_init(&s->st);
}

void
sha256_stream_free(struct sha256_stream **sp)
{
	free(*sp);
	*sp = NULL;
}

int
sha256_of_file(const char *path, unsigned char out[DIGEST_LEN],
	       uint64_t *size_r, struct errbuf *err)
{
	static _Thread_local unsigned char buf[READ_CHUNK];
	crypto_hash_sha256_state st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint64_t size = 0;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			return errbuf_errno(err, e, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
		size += (uint64_t)r;
	}
	close(fd);
	crypto_hash_sha256_final(&st, out);
	if (size_r)
		*size_r = size;
	return 0;
}

void
hex_format(char *out, const unsigned char *d, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void
digest_format(char out[DIGEST_TEXT_SIZE], const char *alg,
	      const unsigned char d[DIGEST_LEN])
{
	size_t n = strlen(alg);

	memcpy(out, alg, n);
	out[n] = ':';
	hex_format(out + n + 1, d, DIGEST_LEN);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;              /* uppercase is not the canonical form */
}

bool
digest_parse(const char *s, const char *alg, unsigned char out[DIGEST_LEN])
{
	size_t n = strlen(alg);

	if (strncmp(s, alg, n) != 0 || s[n] != ':' ||
	    strlen(s + n + 1) != 2 * DIGEST_LEN)
		return false;
	s += n + 1;
	for (size_t i = 0; i < DIGEST_LEN; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}
