/* validate.h -- checks that turn a pattern match into a finding: check
 * digits (Luhn, ISO 13616 mod 97, ISO 7064 MOD 11,10, the NIR key),
 * numbering-plan plausibility of phone numbers, and the shape of an
 * e-mail address.
 *
 * A validator sees the matched text as written (separators included) and
 * says yes or no; it never allocates.  Rule files name validators by the
 * names in validator_find.
 */
#ifndef LISTSCRUB_VALIDATE_H
#define LISTSCRUB_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

typedef bool (*validator_fn)(const char *text, size_t len);

/* The validator called name ("luhn", "iban", ...); NULL when unknown. */
validator_fn validator_find(const char *name);

/* The names, for listscrub-rules(5) and "rules list"; NULL-terminated. */
extern const char *const validator_names[];

/* Each returns whether text[0..len) passes. */
bool valid_luhn(const char *text, size_t len);
bool valid_card(const char *text, size_t len);
bool valid_iban(const char *text, size_t len);
bool valid_de_steuer_id(const char *text, size_t len);
bool valid_fr_nir(const char *text, size_t len);
bool valid_ca_sin(const char *text, size_t len);
bool valid_phone_de(const char *text, size_t len);
bool valid_phone_fr(const char *text, size_t len);
bool valid_phone_nanp(const char *text, size_t len);
bool valid_phone_e164(const char *text, size_t len);
bool valid_email(const char *text, size_t len);
/* valid_email without the reserved-domain check. */
bool valid_email_syntax(const char *text, size_t len);
bool valid_email_munged(const char *text, size_t len);
bool valid_secret(const char *text, size_t len);

/* Normalise a munged address ("ann at example dot org", "ann(at)x.de")
 * into out as "ann@example.org"; returns its length, 0 when text is not
 * one.  out holds at least len + 1 bytes. */
size_t munged_address_normalize(const char *text, size_t len, char *out);

/* Is domain[0..len) one of the reserved names of RFC 2606 and RFC 6761
 * (example.com, *.example, *.test, *.invalid, *.localhost)? */
bool domain_is_reserved(const char *domain, size_t len);

#endif
