/* validate.c -- check digits, numbering plans, secrets, and the
 * validators by name. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "detect/validate.h"

#define MAX_DIGITS 40

/* The digits of text, at most max; returns how many (0 when more). */
static size_t
digits_of(const char *text, size_t len, char *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (isdigit((unsigned char)text[i])) {
			if (n == max)
				return 0;
			out[n++] = text[i];
		}
	return n;
}

static bool
luhn_digits(const char *d, size_t n)
{
	unsigned int sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int v = (unsigned int)(d[n - 1 - i] - '0');

		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return n > 0 && sum % 10 == 0;
}

bool
valid_luhn(const char *text, size_t len)
{
	char d[MAX_DIGITS];

	return luhn_digits(d, digits_of(text, len, d, sizeof d));
}

static bool
prefix_between(const char *d, size_t width, unsigned int lo, unsigned int hi)
{
	unsigned int v = 0;

	for (size_t i = 0; i < width; i++)
		v = v * 10 + (unsigned int)(d[i] - '0');
	return v >= lo && v <= hi;
}

/* Issuer prefixes and lengths of the major card networks. */
static bool
card_iin_fits(const char *d, size_t n)
{
	switch (d[0]) {
	case '4':                                       /* Visa */
		return n == 13 || n == 16 || n == 19;
	case '5':                                       /* Mastercard, Maestro */
		return prefix_between(d, 2, 51, 55) ? n == 16
			: n >= 12 && n <= 19 && d[1] != '1';
	case '2':                                       /* Mastercard 2-series */
		return n == 16 && prefix_between(d, 4, 2221, 2720);
	case '3':
		if (prefix_between(d, 2, 34, 34) || prefix_between(d, 2, 37, 37))
			return n == 15;                 /* Amex */
		if (prefix_between(d, 4, 3528, 3589))
			return n >= 16 && n <= 19;      /* JCB */
		return (prefix_between(d, 3, 300, 305) ||
			prefix_between(d, 2, 36, 36) ||
			prefix_between(d, 2, 38, 39)) && n >= 14 && n <= 19;
	case '6':                               /* Discover, UnionPay, Maestro */
		return n >= 16 && n <= 19;
	default:
		return false;
	}
}

/* 1234 5678 9012 3456 and the like are placeholders, not cards. */
static bool
groups_are_arithmetic(const char *d, size_t n)
{
	int step = 0;

	for (size_t i = 1; i < n; i++) {
		int diff = (d[i] - d[i - 1] + 10) % 10;

		if (i == 1)
			step = diff;
		else if (diff != step)
			return false;
	}
	return step != 0;
}

bool
valid_card(const char *text, size_t len)
{
	char d[MAX_DIGITS];
	size_t n = digits_of(text, len, d, sizeof d);

	return n >= 13 && n <= 19 && card_iin_fits(d, n) &&
		!groups_are_arithmetic(d, n) && luhn_digits(d, n);
}

/* ISO 13616 lengths of the countries in the IBAN registry. */
static const struct {
	char cc[3];
	unsigned char len;
} iban_lengths[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 },
	{ "BA", 20 }, { "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 },
	{ "BR", 29 }, { "BY", 28 }, { "CH", 21 }, { "CR", 22 }, { "CY", 28 },
	{ "CZ", 24 }, { "DE", 22 }, { "DJ", 27 }, { "DK", 18 }, { "DO", 28 },
	{ "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FK", 18 },
	{ "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
	{ "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HN", 28 }, { "HR", 21 },
	{ "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
	{ "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 },
	{ "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 },
	{ "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 },
	{ "NL", 18 }, { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 },
	{ "PS", 29 }, { "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 },
	{ "RU", 33 }, { "SA", 24 }, { "SC", 31 }, { "SD", 18 }, { "SE", 24 },
	{ "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "SO", 23 }, { "ST", 25 },
	{ "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 },
	{ "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

static size_t
iban_length_of(const char *cc)
{
	for (size_t i = 0; i < sizeof iban_lengths / sizeof iban_lengths[0]; i++)
		if (memcmp(iban_lengths[i].cc, cc, 2) == 0)
			return iban_lengths[i].len;
	return 0;
}

bool
valid_iban(const char *text, size_t len)
{
	char s[40];
	size_t n = 0;
	unsigned int rem = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '-')
			continue;
		if (!isalnum(c) || n == sizeof s)
			return false;
		s[n++] = (char)toupper(c);
	}
	if (n < 15 || !isupper((unsigned char)s[0]) ||
	    !isupper((unsigned char)s[1]) || !isdigit((unsigned char)s[2]) ||
	    !isdigit((unsigned char)s[3]) || iban_length_of(s) != n)
		return false;
	/* mod 97 of BBAN + country + check, letters as 10..35 */
	for (size_t k = 0; k < n; k++) {
		char c = s[(k + 4) % n];

		if (isdigit((unsigned char)c))
			rem = (rem * 10 + (unsigned int)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned int)(c - 'A' + 10)) % 97;
	}
	return rem == 1;
}

bool
valid_de_steuer_id(const char *text, size_t len)
{
	char d[MAX_DIGITS];
	size_t n = digits_of(text, len, d, sizeof d);
	unsigned int counts[10] = { 0 }, product = 10, repeated = 0, check;

	if (n != 11 || d[0] == '0')
		return false;
	for (size_t i = 0; i < 10; i++)
		counts[d[i] - '0']++;
	/* One digit of the first ten occurs twice or three times (the rule
	 * since 2016; before it exactly twice), every other at most once. */
	for (size_t k = 0; k < 10; k++) {
		if (counts[k] > 3)
			return false;
		repeated += counts[k] > 1;
	}
	if (repeated != 1)
		return false;
	for (size_t i = 0; i < 10; i++) {               /* ISO 7064 MOD 11,10 */
		unsigned int sum = ((unsigned int)(d[i] - '0') + product) % 10;

		product = ((sum ? sum : 10) * 2) % 11;
	}
	check = 11 - product;
	return (check == 10 ? 0 : check) == (unsigned int)(d[10] - '0');
}

bool
valid_fr_nir(const char *text, size_t len)
{
	char s[16];
	size_t n = 0;
	unsigned long long body = 0;
	unsigned int month, key;

	for (size_t i = 0; i < len; i++) {
		char c = (char)toupper((unsigned char)text[i]);

		if (c == ' ' || c == '.')
			continue;
		if (n == 15)
			return false;
		s[n++] = c;
	}
	if (n != 15 || !strchr("123478", s[0]))
		return false;
	if (s[5] == '2' && (s[6] == 'A' || s[6] == 'B')) {
		/* Corsica: 2A counts as 19, 2B as 18 */
		s[5] = '1';
		s[6] = s[6] == 'A' ? '9' : '8';
	}
	for (size_t i = 0; i < 15; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	month = (unsigned int)((s[3] - '0') * 10 + (s[4] - '0'));
	if (month == 0 || (month > 12 && month < 20) ||
	    (month > 42 && month < 50))
		return false;
	for (size_t i = 0; i < 13; i++)
		body = body * 10 + (unsigned int)(s[i] - '0');
	key = (unsigned int)((s[13] - '0') * 10 + (s[14] - '0'));
	return key >= 1 && key <= 97 && 97 - body % 97 == key;
}

bool
valid_ca_sin(const char *text, size_t len)
{
	char d[MAX_DIGITS];
	size_t n = digits_of(text, len, d, sizeof d);

	return n == 9 && d[0] != '0' && d[0] != '8' && luhn_digits(d, n);
}

/* The national significant number of a phone number written with
 * country code cc (after '+' or "00") or with the trunk prefix '0'.
 * A "(0)" after the country code is dropped.  Returns its length, 0 when
 * the number is written for another country. */
static size_t
national_number(const char *text, size_t len, const char *cc, char *out,
		size_t max)
{
	char d[MAX_DIGITS];
	size_t n, cc_len = strlen(cc), skip;
	const char *paren0 = memmem(text, len, "(0)", 3);

	n = digits_of(text, len, d, sizeof d);
	if (n == 0)
		return 0;
	if (text[0] == '+')
		skip = cc_len;
	else if (n > 2 && d[0] == '0' && d[1] == '0')
		skip = 2 + cc_len;
	else if (d[0] == '0')
		skip = 1;
	else
		return 0;
	if (skip > 1 && (n < skip || memcmp(d + (skip - cc_len), cc,
					    cc_len) != 0))
		return 0;
	if (skip > 1 && paren0 != NULL && n > skip && d[skip] == '0')
		skip++;
	if (n - skip > max)
		return 0;
	memcpy(out, d + skip, n - skip);
	return n - skip;
}

static bool
all_same(const char *d, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (d[i] != d[0])
			return false;
	return true;
}

bool
valid_phone_de(const char *text, size_t len)
{
	char nsn[MAX_DIGITS];
	size_t n = national_number(text, len, "49", nsn, sizeof nsn);

	if (n < 6 || n > 11 || nsn[0] == '0' || all_same(nsn, n))
		return false;
	if (nsn[0] == '1' && (nsn[1] == '5' || nsn[1] == '6' || nsn[1] == '7'))
		return n >= 10;                         /* mobile */
	return true;
}

bool
valid_phone_fr(const char *text, size_t len)
{
	char nsn[MAX_DIGITS];
	size_t n = national_number(text, len, "33", nsn, sizeof nsn);

	return n == 9 && nsn[0] != '0' && !all_same(nsn + 1, n - 1);
}

bool
valid_phone_nanp(const char *text, size_t len)
{
	char d[MAX_DIGITS], *p = d;
	size_t n = digits_of(text, len, d, sizeof d);

	if (n == 11 && d[0] == '1')
		p++, n--;
	else if (text[0] == '+')
		return false;
	/* NPA and exchange: first digit 2-9, not N11 */
	return n == 10 && p[0] >= '2' && !(p[1] == '1' && p[2] == '1') &&
		p[3] >= '2' && !(p[4] == '1' && p[5] == '1') &&
		!all_same(p + 3, 7);
}

bool
valid_phone_e164(const char *text, size_t len)
{
	char d[MAX_DIGITS];
	size_t n = digits_of(text, len, d, sizeof d);

	return text[0] == '+' && n >= 8 && n <= 15 && d[0] != '0' &&
		!all_same(d + 1, n - 1);
}

/* ---- secrets ------------------------------------------------------------------ */

static double
shannon_entropy(const char *s, size_t len)
{
	unsigned int counts[256] = { 0 };
	double h = 0;

	for (size_t i = 0; i < len; i++)
		counts[(unsigned char)s[i]]++;
	for (size_t k = 0; k < 256; k++)
		if (counts[k]) {
			double p = (double)counts[k] / (double)len;

			h -= p * log2(p);
		}
	return h;
}

/* A password or key value: not a placeholder, several kinds of
 * characters, and some entropy (gitleaks' idea, a lower bar for short
 * human passwords). */
bool
valid_secret(const char *text, size_t len)
{
	static const char *const placeholders[] = {
		"password", "passwort", "secret", "changeme", "xxxxxx",
		"<password>", "********", "vergessen", "forgotten", "required",
		"none", "null", "empty", "hidden", "redacted",
	};
	bool lower = false, upper = false, digit = false, other = false;

	if (len < 6)
		return false;
	/* text is not NUL-terminated: a placeholder longer than it is no
	 * prefix of it */
	for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++) {
		size_t n = strlen(placeholders[i]);

		if (n <= len && strncasecmp(text, placeholders[i], n) == 0)
			return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		lower |= islower(c) != 0;
		upper |= isupper(c) != 0;
		digit |= isdigit(c) != 0;
		other |= !isalnum(c);
	}
	return lower + upper + digit + other >= 2 &&
		shannon_entropy(text, len) >= 2.5;
}

/* ---- by name ------------------------------------------------------------------- */

static const struct {
	const char *name;
	validator_fn fn;
} validators[] = {
	{ "luhn", valid_luhn },
	{ "card", valid_card },
	{ "iban", valid_iban },
	{ "de-steuer-id", valid_de_steuer_id },
	{ "fr-nir", valid_fr_nir },
	{ "ca-sin", valid_ca_sin },
	{ "phone-de", valid_phone_de },
	{ "phone-fr", valid_phone_fr },
	{ "phone-nanp", valid_phone_nanp },
	{ "phone-e164", valid_phone_e164 },
	{ "email", valid_email },
	{ "email-munged", valid_email_munged },
	{ "secret", valid_secret },
};

const char *const validator_names[] = {
	"luhn", "card", "iban", "de-steuer-id", "fr-nir", "ca-sin",
	"phone-de", "phone-fr", "phone-nanp", "phone-e164", "email",
	"email-munged", "secret", NULL,
};

validator_fn
validator_find(const char *name)
{
	for (size_t i = 0; i < sizeof validators / sizeof validators[0]; i++)
		if (strcmp(validators[i].name, name) == 0)
			return validators[i].fn;
	return NULL;
}
