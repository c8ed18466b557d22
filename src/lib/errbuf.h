/* errbuf.h -- caller-owned error buffer filled by modules.
 *
 * Modules never print.  A failing function fills an errbuf and returns -1,
 * so "return errbuf_set(err, ...)" is a one-line error path.  Nothing is
 * allocated on the error path.
 */
#ifndef LISTSCRUB_ERRBUF_H
#define LISTSCRUB_ERRBUF_H

#define ERRBUF_SIZE 512

struct errbuf {
	char msg[ERRBUF_SIZE];
	int code;               /* errno value, or 0 */
};

/* Format into err (which may be NULL). */
void errbuf_format(struct errbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As errbuf_format, with ": strerror(errnum)" appended and code = errnum. */
void errbuf_format_errno(struct errbuf *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format into err and yield -1.  Macros, so that the compiler and the
 * static analyser see the -1 in every caller and follow error paths. */
#define errbuf_set(err, ...) (errbuf_format((err), __VA_ARGS__), -1)
#define errbuf_errno(err, errnum, ...) \
	(errbuf_format_errno((err), (errnum), __VA_ARGS__), -1)

void errbuf_clear(struct errbuf *err);

#endif
