/* digest.c -- SHA-256 through OpenSSL's libcrypto, which uses the CPU's
 * SHA instructions where it has them (about 6x libsodium's portable
 * code here, identical digests), and the text form of digests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/digest.h"
#include "lib/errbuf.h"
#include "lib/xalloc.h"

#define READ_CHUNK (1u << 20)

static EVP_MD *sha256_md;
static pthread_key_t thread_ctx_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
thread_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

/* Fetched once: an implicit fetch per call costs more than hashing a
 * short message. */
static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256_md == NULL ||
	    pthread_key_create(&thread_ctx_key, thread_ctx_free) != 0)
		abort();        /* libcrypto without SHA-256: not a usable build */
}

static void
ctx_init(EVP_MD_CTX *ctx)
{
	pthread_once(&sha256_once, sha256_fetch);
	if (EVP_DigestInit_ex2(ctx, sha256_md, NULL) != 1)
		abort();
}

/* One context per thread, reused (sha256_of runs once per message), and
 * freed when its thread ends. */
static EVP_MD_CTX *
thread_ctx(void)
{
	EVP_MD_CTX *ctx;

	pthread_once(&sha256_once, sha256_fetch);
	ctx = pthread_getspecific(thread_ctx_key);
	if (ctx == NULL) {
		if ((ctx = EVP_MD_CTX_new()) == NULL)
			out_of_memory(sizeof(EVP_MD_CTX *));
		(void)pthread_setspecific(thread_ctx_key, ctx);
	}
	return ctx;
}

void
sha1_of(const void *data, size_t len, unsigned char out[SHA1_LEN])
{
	unsigned int n = 0;

	EVP_Digest(data, len, out, &n, EVP_sha1(), NULL);
}

void
sha256_of(const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	EVP_MD_CTX *ctx = thread_ctx();

	ctx_init(ctx);
	EVP_DigestUpdate(ctx, data, len);
	EVP_DigestFinal_ex(ctx, out, NULL);
}

struct sha256_stream {
	EVP_MD_CTX *ctx;
};

struct sha256_stream *
sha256_stream_new(void)
{
	struct sha256_stream *s = xmalloc(sizeof *s);

	if ((s->ctx = EVP_MD_CTX_new()) == NULL)
		out_of_memory(sizeof(EVP_MD_CTX *));
	ctx_init(s->ctx);
	return s;
}

void
sha256_stream_update(struct sha256_stream *s, const void *data, size_t len)
{
	EVP_DigestUpdate(s->ctx, data, len);
}

void
sha256_stream_final(struct sha256_stream *s, unsigned char out[DIGEST_LEN])
{
	EVP_DigestFinal_ex(s->ctx, out, NULL);
	ctx_init(s->ctx);
}

struct sha256_stream *
sha256_stream_copy(const struct sha256_stream *from)
{
	struct sha256_stream *s = xmalloc(sizeof *s);

	if ((s->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_MD_CTX_copy_ex(s->ctx, from->ctx) != 1)
		out_of_memory(sizeof(EVP_MD_CTX *));
	return s;
}

void
sha256_stream_free(struct sha256_stream **sp)
{
	if (*sp)
		EVP_MD_CTX_free((*sp)->ctx);
	free(*sp);
	*sp = NULL;
}

int
sha256_of_file(const char *path, unsigned char out[DIGEST_LEN],
	       uint64_t *size_r, struct errbuf *err)
{
	static _Thread_local unsigned char buf[READ_CHUNK];
	EVP_MD_CTX *ctx = thread_ctx();
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint64_t size = 0;

	if (fd < 0)
		return errbuf_errno(err, errno, "cannot open '%s'", path);
	ctx_init(ctx);
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
		EVP_DigestUpdate(ctx, buf, (size_t)r);
		size += (uint64_t)r;
	}
	close(fd);
	EVP_DigestFinal_ex(ctx, out, NULL);
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
