/* progress-line.c -- the progress line on a terminal: a thread reads the
 * counters (lib/progress.h) four times a second and redraws one line on
 * stderr, once the run has lasted a second, when stderr is a terminal;
 * the line is erased before anything else is printed and at the end,
 * so that a terminal's transcript holds no trace of it. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lib/progress.h"

#define TICK_MS 250
#define DELAY_MS 1000

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stopping;
	struct timespec start;
	size_t shown;           /* width of the line on the screen; 0: none */
	bool ever_shown;
} pl = { .lock = PTHREAD_MUTEX_INITIALIZER,
	 .wake = PTHREAD_COND_INITIALIZER };

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
		(double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
size_text(char *out, size_t n, double bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	size_t u = 0;

	while (bytes >= 1000 && u < 4) {
		bytes /= 1000;
		u++;
	}
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static void
eta_text(char *out, size_t n, const struct progress_counts *c, double rate)
{
	double left;
	unsigned long s;

	if (c->total == 0 || c->bytes > c->total || rate <= 0) {
		snprintf(out, n, "--:--");
		return;
	}
	left = (double)(c->total - c->bytes) / rate;
	s = left > 359999 ? 359999 : (unsigned long)(left + 0.5);
	if (s >= 3600)
		snprintf(out, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, n, "%lu:%02lu", s / 60, s % 60);
}

static size_t
terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		return ws.ws_col - 1u;  /* the cursor stays on the line */
	return 79;
}

/* Erase the line; pl.lock held. */
static void
erase(void)
{
	if (pl.shown == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)pl.shown, "");
	fflush(stderr);
	pl.shown = 0;
}

/* Redraw the line; pl.lock held. */
static void
draw(void)
{
	struct progress_counts c;
	char done[32], total[32], rate_s[32], eta[32], line[256];
	double secs = seconds_since(&pl.start), rate;
	size_t len, width = terminal_width();

	progress_read(&c);
	rate = secs > 0 ? (double)c.bytes / secs : 0;
	size_text(done, sizeof done, (double)c.bytes);
	size_text(total, sizeof total, (double)c.total);
	size_text(rate_s, sizeof rate_s, rate);
	eta_text(eta, sizeof eta, &c, rate);
	snprintf(line, sizeof line, "listscrub: %s of %s, %" PRIu64 " messages, "
		 "%s/s, ETA %s", done, c.total ? total : "?", c.messages,
		 rate_s, eta);
	len = strlen(line);
	if (len > width)
		len = width;
	fprintf(stderr, "\r%.*s", (int)len, line);
	if (pl.shown > len)
		fprintf(stderr, "%*s\r%.*s", (int)(pl.shown - len), "",
			(int)len, line);
	fflush(stderr);
	pl.shown = len;
	pl.ever_shown = true;
}

static unsigned long
delay_ms(void)
{
	/* a hook for the tests, which need the line on a short run */
	const char *s = getenv("LISTSCRUB_PROGRESS_DELAY_MS");
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return DELAY_MS;
	v = strtoul(s, &end, 10);
	return *end == '\0' ? v : DELAY_MS;
}

static void *
reporter(void *arg)
{
	struct timespec t = pl.start;
	unsigned long wait = delay_ms();

	(void)arg;
	pthread_mutex_lock(&pl.lock);
	while (!pl.stopping) {
		t.tv_sec += (time_t)(wait / 1000);
		t.tv_nsec += (long)(wait % 1000) * 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		while (!pl.stopping &&
		       pthread_cond_timedwait(&pl.wake, &pl.lock, &t) != ETIMEDOUT)
			;
		if (!pl.stopping)
			draw();
		wait = TICK_MS;
	}
	pthread_mutex_unlock(&pl.lock);
	return NULL;
}

void
progress_line_start(bool quiet)
{
	pthread_condattr_t ca;

	if (quiet || pl.running || !isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &pl.start);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pl.wake, &ca);
	pthread_condattr_destroy(&ca);
	pl.stopping = false;
	pl.running = pthread_create(&pl.thread, NULL, reporter, NULL) == 0;
}

void
progress_line_stop(void)
{
	if (!pl.running)
		return;
	pthread_mutex_lock(&pl.lock);
	pl.stopping = true;
	pthread_cond_signal(&pl.wake);
	/* the last state, then nothing: a line seen ends at its total */
	if (pl.ever_shown)
		draw();
	erase();
	pthread_mutex_unlock(&pl.lock);
	pthread_join(pl.thread, NULL);
	pl.running = false;
}

void
progress_line_hold(void)
{
	pthread_mutex_lock(&pl.lock);
	erase();
}

void
progress_line_release(void)
{
	pthread_mutex_unlock(&pl.lock);
}

static int
plan_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)path;
	(void)f;
	if (type == FTW_F && S_ISREG(st->st_mode))
		progress_plan((uint64_t)st->st_size);
	return 0;
}

void
progress_line_plan(const char *path, bool quiet)
{
	if (!quiet && !pl.running && isatty(STDERR_FILENO))
		nftw(path, plan_file, 16, FTW_PHYS);
}
