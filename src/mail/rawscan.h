/* rawscan.h -- the byte patterns that frame mail ("From " lines, the
 * empty line after a header), found 16 bytes at a time: they are looked
 * for in every byte of an archive, and a memchr per line costs more than
 * the line. */
#ifndef LISTSCRUB_RAWSCAN_H
#define LISTSCRUB_RAWSCAN_H

#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* 16 bytes compared at once: GCC vector types, SSE2 on x86-64, NEON on
 * arm64, plain code elsewhere.  A comparison (v == 'x') gives a lane of
 * all ones where it holds; rawscan_mask makes that one bit per lane. */
typedef unsigned char rawscan_v16 __attribute__((vector_size(16)));

static inline rawscan_v16
rawscan_load(const char *p)
{
	rawscan_v16 v;

	memcpy(&v, p, sizeof v);
	return v;
}

static inline unsigned int
rawscan_mask(rawscan_v16 m)
{
#ifdef __SSE2__
	__m128i v;

	memcpy(&v, &m, sizeof v);
	return (unsigned int)_mm_movemask_epi8(v);
#else
	unsigned int bits = 0;

	for (int k = 0; k < 16; k++)
		bits |= (unsigned int)(m[k] & 1) << k;
	return bits;
#endif
}

/* The offset of the first "From " in p[0..len), or len. */
size_t rawscan_from(const char *p, size_t len);

/* The offset just past the first empty line ("\n" or "\r\n" at the start
 * of p or after a '\n') of p[0..len), or len when there is none. */
size_t rawscan_blank_line_end(const char *p, size_t len);

/* The offset of the first blank (space or tab) just before a line end
 * ("\n" or "\r\n") in p[0..len), or len. */
size_t rawscan_blank_before_eol(const char *p, size_t len);

#endif
