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

/* Format into err (which may be NULL) and return -1. */
int errbuf_set(struct errbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As errbuf_set, with ": strerror(errnum)" appended and code = errnum. */
int errbuf_errno(struct errbuf *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void errbuf_clear(struct errbuf *err);

#endif
