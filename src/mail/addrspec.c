/* addrspec.c -- "Name <addr>" lines through Mailutils' RFC 5322 address
 * parser. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <mailutils/address.h>

#include "lib/xalloc.h"
#include "mail/addrspec.h"

#ifdef __SANITIZE_ADDRESS__
/* Mailutils 3.15 leaks the local part it parsed when what follows it
 * fails (mu_parse822_local_part): a few bytes, on the way to a usage
 * error.  Not ours: LeakSanitizer is told so. */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:mu_parse822_local_part\n";
}
#endif

char *
addrspec_of_line(const char *line)
{
	mu_address_t a = NULL;
	const char *email = NULL;
	char *copy = xstrdup(line), *at, *spec = NULL;
	size_t n = 0;

	/* Mailutils refuses 8-bit text (a UTF-8 display name, as Mailman 3
	 * prints them): parse a copy with each such byte as 'x', then take
	 * the address from the line itself, where the copy has it. */
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = 'x';
	if (mu_address_create(&a, copy) == 0 && mu_address_get_count(a, &n) == 0 &&
	    n == 1 && mu_address_sget_email(a, 1, &email) == 0 && email &&
	    /* only what the line spells: never a local part Mailutils
	     * completed with this host's domain */
	    (at = strstr(copy, email)) != NULL)
		spec = xstrndup(line + (at - copy), strlen(email));
	mu_address_destroy(&a);
	free(copy);
	return spec;
}
