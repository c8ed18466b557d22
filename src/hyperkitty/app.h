/* app.h -- the listscrub_hyperkitty Django app (contrib/hyperkitty), run
 * as a program: Debian's python3 (or $LISTSCRUB_HYPERKITTY_PYTHON), the
 * app's folder first on PYTHONPATH (the source tree's for a program run
 * from its build folder, else the installed one), the site's settings
 * on its command line, or a database URL in its environment, where ps(1)
 * does not show a password.  For hyperkitty/site only. */
#ifndef LISTSCRUB_HK_APP_H
#define LISTSCRUB_HK_APP_H

#include <stdbool.h>

struct errbuf;

/* Is settings a database URL (rather than a settings module or file)? */
bool hk_is_database_url(const char *settings);

/* Run the app's command args on the site; its stderr goes to
 * dir/app.stderr.  0 when it exited 0; 1 when it refused or failed
 * (exit 1); -1 when it could not run (err filled either way but 0). */
int hk_app_run(const char *settings, const char *dir,
	       const char *const *args, struct errbuf *err);

/* The shell command hk_app_run would run.  Caller owns. */
char *hk_app_command(const char *settings, const char *const *args);

#endif
