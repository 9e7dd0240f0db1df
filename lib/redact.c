#include "redact.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "path.h"
#include "sha256.h"
#include "utf8.h"

#define REDACTED "[REDACTED]"
#define FREE_TEXT_CHARS 120
#define STRING_BYTES 1024
#define PATH_CACHE 64

/* Rule 1, but for private-key blocks and URL credentials (found before it, in C), in one
 * pattern, so each string is scanned once; the alternatives that start at a word boundary
 * share one \b, those that start a key one look-behind, which halves the work done at each
 * byte. \K keeps what stands before the secret ("Bearer ", "password=") out of the
 * replaced part. The key=value alternatives call secret_callout: (?C1) decides on the
 * key, (?C2), (?C3) and (?C5) on the value, (?C4) whether it is an Authorization value,
 * whose end redact_secrets finds (the rest of its line: auth_value_end); the empty group 2
 * tells it which alternative matched. Their quantifiers are possessive, so that a key or
 * value refused is not tried again in shorter pieces (which would make long strings
 * quadratic). */

/* A key's closing quote or a value's opening one, maybe escaped: JSON written into a string
 * once more reads {\"password\":\"hunter2\"}. */
#define KV_QUOTE "(?:\\\\{0,3}+[\"'])?+"
/* Between a key and its value: ':' or '=', "=>" (Ruby, Perl, PHP), ":=", "==", or " -> ". */
#define KV_SEPARATOR "(?:\\s*+(?:=>|[:=]=?+)|\\s++->)\\s*+"

static const char secrets_pattern[] =
	"\\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}\\b"
	"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
	"|xox[abposr]-[A-Za-z0-9-]{8,}"
	"|sk-[A-Za-z0-9_-]{16,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"
	"|AIza[0-9A-Za-z_-]{35}"
	"|eyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*"
	"|(?i:bearer\\s+)\\K[A-Za-z0-9._~+/=-]{8,})"
	"|(?<![A-Za-z0-9_./\\\\-])(?:"
	/* key=value and "key": "value" under a key that names a secret, and a command-line
	 * flag "--key value" (group 1 either way) */
	"(?|([A-Za-z0-9_.-]++)" KV_QUOTE KV_SEPARATOR "|--([A-Za-z0-9_.-]++)[ \\t]++(?=[^\\s-]))"
	KV_QUOTE "(?C1)\\K"
	/* the value: quoted, to its closing quote (escaped as the opening one was), an
	 * Authorization value (its end found in C), a list on one line, else one word (with
	 * the scheme of an Authorization value), up to an escaped closing quote; the word of a
	 * plural key goes on past commas (?C5): SECRETS=a,b */
	"(?:(?:(?<=\\\\\")(?:[^\"\\\\]++|\\\\\\\\(?:\\\\[\\s\\S]|[^\\\\\"])|\\\\[^\"\\\\])++(?=\\\\\")"
	"|(?<=[^\\\\]\")(?:[^\"\\\\]++|\\\\[\\s\\S])++(?=\")"
	"|(?<=')(?:[^'\\\\]++|\\\\[^'])++(?=\\\\?+'))(?C2)"
	"|(?C4)()"
	"|(?:\\[[^[\\]\\r\\n]*+]|\\{[^{}\\r\\n]*+})(?C2)"
	"|(?>(?:(?i:bearer|basic)\\s++)?)(?:[^\\s\"'&,;\\\\]++|\\\\++(?![\"'])|,(?=[^\\s,])(?C5))++(?C2))"
	/* an upper-case KEY or *_KEY with a value that looks random (?C3) */
	"|(?:[A-Z0-9]++_)*+KEY" KV_QUOTE KV_SEPARATOR KV_QUOTE
	"\\K[A-Za-z0-9+/_.~-]{16,}+=*+(?![^\\s\"'&,;\\\\])(?C3))";

static const char *const content_keys[] = {
	"content", "text", "source", "code", "snippet", "body", "diff", "patch",
};

static const char *const free_text_keys[] = { "query", "task", "prompt", "query_preview" };

struct path_memo {
	char *path;   /* an absolute path as found, after ~ expansion */
	char *result; /* what it is rewritten to */
};

struct ctx_redact {
	pcre2_code *secrets;
	pcre2_match_data *md;
	pcre2_match_context *mctx; /* carries secret_callout */
	bool kv_measure;           /* the key of the key=value being matched names a quantity */
	bool kv_plural;            /* ... is a plural (SECRETS, api_keys, tokens) */
	bool kv_auth;              /* ... names an Authorization header */
	bool kv_flag;              /* ... is a command-line flag (--password value) */
	char *root_real, *root_given, *home;
	bool allow_pii;
	struct path_memo memo[PATH_CACHE];
	struct ctx_buf out, tmp;     /* scratch for the string being redacted */
	struct ctx_buf blocks, urls; /* scratch for the passes before the secrets pattern */
};

static int secret_callout(pcre2_callout_block *cb, void *data);

struct ctx_redact *
ctx_redact_new(const char *root_real, const char *root_given, bool allow_pii)
{
	struct ctx_redact *r = calloc(1, sizeof *r);
	const char *home = getenv("HOME");
	int errcode;
	PCRE2_SIZE erroff;

	if (!r)
		return NULL;
	r->allow_pii = allow_pii;
	r->root_real = strdup(root_real);
	r->root_given = root_given && strcmp(root_given, root_real) != 0 ? strdup(root_given) : NULL;
	r->home = home && *home == '/' ? strdup(home) : NULL;
	r->secrets = pcre2_compile((PCRE2_SPTR)secrets_pattern, PCRE2_ZERO_TERMINATED, 0,
	    &errcode, &erroff, NULL);
	if (!r->root_real || !r->secrets || (root_given && strcmp(root_given, root_real) != 0 &&
	    !r->root_given)) {
		ctx_redact_free(r);
		return NULL;
	}
	pcre2_jit_compile(r->secrets, PCRE2_JIT_COMPLETE); /* without JIT it still works, slower */
	r->md = pcre2_match_data_create_from_pattern(r->secrets, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	if (!r->md || !r->mctx || pcre2_set_callout(r->mctx, secret_callout, r) != 0) {
		ctx_redact_free(r);
		return NULL;
	}
	return r;
}

void
ctx_redact_free(struct ctx_redact *r)
{
	if (!r)
		return;
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	pcre2_code_free(r->secrets);
	for (int i = 0; i < PATH_CACHE; i++) {
		free(r->memo[i].path);
		free(r->memo[i].result);
	}
	free(r->root_real);
	free(r->root_given);
	free(r->home);
	ctx_buf_release(&r->out);
	ctx_buf_release(&r->tmp);
	ctx_buf_release(&r->blocks);
	ctx_buf_release(&r->urls);
	free(r);
}

/* ---- keys ---- */

/* Whether the lowercase text holds "pass", "secret", "token", "key" or "auth" (one pass). */
static bool
maybe_secret(const char *low, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = low + i;
		size_t rest = n - i;
		switch (*p) {
		case 'p': if (rest >= 4 && memcmp(p, "pass", 4) == 0) return true; break;
		case 's': if (rest >= 6 && memcmp(p, "secret", 6) == 0) return true; break;
		case 't': if (rest >= 5 && memcmp(p, "token", 5) == 0) return true; break;
		case 'k': if (rest >= 3 && memcmp(p, "key", 3) == 0) return true; break;
		case 'a': if (rest >= 4 && memcmp(p, "auth", 4) == 0) return true; break;
		}
	}
	return false;
}

#define MAX_WORDS 8

/* Split key into at most MAX_WORDS lowercase words at '_', '-', '.', ' ' and lower-to-upper
 * case changes ("githubToken" is "github" "token"). Returns the number of words. */
static size_t
split_words(const char *key, char words[MAX_WORDS][32])
{
	size_t nwords = 0, wl = 0;

	for (const char *p = key;; p++) {
		bool boundary = *p == '\0' || *p == '_' || *p == '-' || *p == '.' || *p == ' ' ||
		    (p > key && islower((unsigned char)p[-1]) && isupper((unsigned char)*p));
		if (boundary && wl > 0) {
			words[nwords][wl] = '\0';
			if (++nwords == MAX_WORDS)
				break;
			wl = 0;
		}
		if (*p == '\0')
			break;
		if (isalnum((unsigned char)*p) && wl < sizeof words[0] - 1)
			words[nwords][wl++] = (char)tolower((unsigned char)*p);
	}
	return nwords;
}

static bool
word_in(const char *w, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, set[i]) == 0)
			return true;
	return false;
}

bool
ctx_redact_key_is_secret(const char *key)
{
	char low[72];
	size_t n = 0;

	/* Most keys name nothing secret: rule them out with a cheap look at the letters. */
	for (const char *p = key; *p && n < sizeof low - 1; p++)
		low[n++] = (char)tolower((unsigned char)*p);
	low[n] = '\0';
	if (!maybe_secret(low, n))
		return false;

	char words[MAX_WORDS][32];
	size_t nwords = split_words(key, words);
	static const char *const alone[] = {
		"password", "passwd", "passphrase", "secret", "token", "apikey", "authorization",
		"accesskey", "privatekey",
	};
	static const char *const firsts[] = { "api", "access", "private" };
	static const char *const grants[] = { "access", "refresh", "auth", "api", "bearer", "session", "oauth", "id" };
	for (size_t i = 0; i < nwords; i++) {
		if (word_in(words[i], alone, sizeof alone / sizeof *alone))
			return true;
		if (i + 1 < nwords && strcmp(words[i + 1], "key") == 0 &&
		    word_in(words[i], firsts, sizeof firsts / sizeof *firsts))
			return true;
		/* A plural names secrets as well (passwords, api_keys), but "tokens" only after a
		 * word that says what they grant (access_tokens): the events' own "tokens"
		 * (Appendix A) and an LLM's input_tokens or max_tokens are counts. */
		char one[32];
		size_t wl = strlen(words[i]);
		if (wl < 2 || words[i][wl - 1] != 's')
			continue;
		if (strcmp(words[i], "tokens") == 0) {
			if (i > 0 && word_in(words[i - 1], grants, sizeof grants / sizeof *grants))
				return true;
			continue;
		}
		memcpy(one, words[i], wl - 1);
		one[wl - 1] = '\0';
		if (word_in(one, alone, sizeof alone / sizeof *alone) || (strcmp(one, "key") == 0 && i > 0 &&
		    word_in(words[i - 1], firsts, sizeof firsts / sizeof *firsts)))
			return true;
	}
	return false;
}

/* Whether a word of key names a quantity (token_count, max_token, token_limit): a number
 * under such a key is a measure, not a secret, even when another word names a secret. */
static bool
key_names_measure(const char *key)
{
	static const char *const measures[] = {
		"count", "counts", "num", "max", "min", "limit", "total", "len", "length", "size",
		"usage", "used", "budget", "remaining", "ttl", "expires", "expiry", "age", "bytes",
		"ms", "index", "idx", "estimate",
	};
	char words[MAX_WORDS][32];
	size_t nwords = split_words(key, words);

	for (size_t i = 0; i < nwords; i++)
		if (word_in(words[i], measures, sizeof measures / sizeof *measures))
			return true;
	return false;
}

/* Whether key[0, n) ends with a secret word, a word of its own or glued to what precedes it
 * ("DB_PASSWORD", "mypassword", "x.apikey"): keys in text that split_words misses. A plural
 * counts ("SECRETS", "API_KEYS", "tokens"): callout 2 keeps the number of a plural. */
static bool
key_ends_secret(const char *key, size_t n)
{
	static const char *const ends[] = { "password", "passwd", "secret", "token", "authorization" };
	static const char *const before_key[] = { "api", "access", "private" };

	if (n > 1 && (key[n - 1] == 's' || key[n - 1] == 'S'))
		n--;
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		size_t m = strlen(ends[i]);
		if (n >= m && strncasecmp(key + n - m, ends[i], m) == 0)
			return true;
	}
	if (n < 3 || strncasecmp(key + n - 3, "key", 3) != 0)
		return false;
	n -= 3;
	if (n > 0 && (key[n - 1] == '_' || key[n - 1] == '-'))
		n--;
	for (size_t i = 0; i < sizeof before_key / sizeof *before_key; i++) {
		size_t m = strlen(before_key[i]);
		if (n >= m && strncasecmp(key + n - m, before_key[i], m) == 0)
			return true;
	}
	return false;
}

static bool
key_in(const char *key, const char *const *set, size_t n)
{
	if (!key)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)key[0]) == set[i][0] && strcasecmp(key, set[i]) == 0)
			return true;
	return false;
}

/* ---- rule 1: secrets ---- */

/* Whether s could hold a secret: every alternative of the pattern needs one of these
 * marks, and most strings (file names, statuses) have none, so the regex is skipped. */
static bool
may_hold_secret(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const char *p = s + i;
		size_t rest = len - i;
		switch (*p) {
		case ':': case '=': case '-':                   /* key=value, URL, PEM, xox-, sk- */
			return true;
		case '_':                                       /* gh?_, github_pat_, sk_live_ */
			if (i >= 2)
				return true;
			break;
		case 'A':                                       /* AKIA, ASIA, AIza */
			if (rest >= 4 && (memcmp(p, "AKIA", 4) == 0 || memcmp(p, "ASIA", 4) == 0 ||
			    memcmp(p, "AIza", 4) == 0))
				return true;
			break;
		case 'e':                                       /* eyJ (JWT) */
			if (rest >= 3 && p[1] == 'y' && p[2] == 'J')
				return true;
			break;
		case 'b': case 'B':                             /* bearer */
			if (rest >= 6 && strncasecmp(p, "bearer", 6) == 0)
				return true;
			break;
		}
	}
	return false;
}

/* Whether v[0, n) looks random enough to be a key: at least 16 bytes, letters and digits
 * both, and a Shannon entropy of at least 3 bits a byte. A random string of 16 hex digits
 * has about 3.3, of 16 base64 characters about 3.8, and longer ones more; names such as
 * "created_at_desc" lack the digit or the entropy. Generic rules of secret scanners use
 * 3.5 with longer minimums; 3.0 keeps short hex keys. */
static bool
looks_random(const char *v, size_t n)
{
	unsigned count[256] = { 0 };
	bool letter = false, digit = false;
	double h = 0;

	if (n < 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		count[c]++;
		letter = letter || isalpha(c);
		digit = digit || isdigit(c);
	}
	if (!letter || !digit)
		return false;
	for (int c = 0; c < 256; c++) {
		if (count[c]) {
			double f = (double)count[c] / (double)n;
			h -= f * log2(f);
		}
	}
	return h >= 3.0;
}

/* The callouts of secrets_pattern: 0 lets the match go on, 1 makes it fail there. */
static int
secret_callout(pcre2_callout_block *cb, void *data)
{
	struct ctx_redact *r = data;
	const char *s = (const char *)cb->subject;
	const char *v = s + cb->start_match; /* after \K: the value */
	size_t n = cb->current_position - cb->start_match;

	switch (cb->callout_number) {
	case 1: { /* the key (group 1) names a secret: as any of its words, or at its end */
		const char *key = s + cb->offset_vector[2];
		size_t kn = cb->offset_vector[3] - cb->offset_vector[2];
		char copy[72], low[72];
		bool whole = kn < sizeof copy; /* a longer key is judged by its first 71 bytes */
		size_t m = whole ? kn : sizeof copy - 1;
		memcpy(copy, key, m);
		copy[m] = '\0';
		for (size_t i = 0; i < m; i++)
			low[i] = (char)tolower((unsigned char)copy[i]);
		low[m] = '\0';
		/* Most keys ("error", "https") hold no secret word at all: one cheap pass. */
		if (whole && !maybe_secret(low, m))
			return 1;
		if (!key_ends_secret(key, kn) && !ctx_redact_key_is_secret(copy))
			return 1;
		bool measure = key_names_measure(copy);
		r->kv_plural = tolower((unsigned char)key[kn - 1]) == 's';
		r->kv_measure = measure || r->kv_plural; /* the number of a plural (tokens=12) is a count */
		r->kv_auth = !measure && strstr(low, "authorization") != NULL;
		r->kv_flag = key > s && key[-1] == '-'; /* only "--key value" has a '-' before its key */
		return 0;
	}
	case 2: { /* a number under a key such as token_count or tokens is a count: kept */
		size_t digits = 0, i;
		for (i = 0; i < n && (isdigit((unsigned char)v[i]) || v[i] == '.' || v[i] == ','); i++)
			digits += isdigit((unsigned char)v[i]) != 0;
		return r->kv_measure && i == n && digits > 0;
	}
	case 3: /* the value of KEY or *_KEY */
		return !looks_random(v, n);
	case 4: /* an Authorization header's value, not a flag's word */
		return !r->kv_auth || r->kv_flag;
	case 5: /* a comma inside the value of a plural key */
		return !r->kv_plural;
	}
	return 0;
}

static bool
is_pem_label(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
}

/* The end of the private-key block that starts at s[i] with "-----BEGIN": past the dashes
 * of its END line, or len when that line is missing (a key cut short); i itself when the
 * block is not a private key (a certificate, a public key). The label holds "PRIVATE KEY":
 * RSA, EC, OPENSSH, ENCRYPTED, none, and PGP's "PGP PRIVATE KEY BLOCK". */
static size_t
pem_end(const char *s, size_t len, size_t i)
{
	size_t j = i + 10, k = j;
	const char *end;

	while (k < len && k - j < 64 && is_pem_label(s[k]))
		k++;
	if (!memmem(s + j, k - j, "PRIVATE KEY", 11))
		return i;
	if (!(end = memmem(s + k, len - k, "-----END", 8)))
		return len;
	for (j = k = (size_t)(end - s) + 8; k < len && k - j < 64 && is_pem_label(s[k]); k++)
		;
	for (j = k; k < len && k - j < 5 && s[k] == '-'; k++)
		;
	return k;
}

/* Whether s opens a private-key block that it does not close: a key split over the elements
 * of an array, one line each. */
static bool
opens_key_block(const char *s, size_t len)
{
	size_t i = 0;
	const char *b;

	while (i < len && (b = memmem(s + i, len - i, "-----BEGIN", 10)) != NULL) {
		size_t at = (size_t)(b - s);
		const char *end;
		if (pem_end(s, len, at) == at) { /* not a private key */
			i = at + 10;
			continue;
		}
		if (!(end = memmem(s + at + 10, len - at - 10, "-----END", 8)))
			return true;
		i = (size_t)(end - s) + 8;
	}
	return false;
}

/* Append s with every private-key block replaced whole. 0 or -ENOMEM. */
static int
redact_blocks(const char *s, size_t len, struct ctx_buf *out)
{
	size_t pos = 0, i = 0;
	const char *b;

	while (i < len && (b = memmem(s + i, len - i, "-----BEGIN", 10)) != NULL) {
		size_t end = pem_end(s, len, i = (size_t)(b - s));
		if (end == i) {
			i += 10;
			continue;
		}
		if (ctx_buf_add(out, s + pos, i - pos) < 0 || ctx_buf_adds(out, REDACTED) < 0)
			return -ENOMEM;
		pos = i = end;
	}
	return ctx_buf_add(out, s + pos, len - pos);
}

static bool
ends_url(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '"' ||
	    c == '\'' || c == '`' || c == '<' || c == '>';
}

/* Append s with the credentials of every URL replaced: "scheme://[REDACTED]@host". They
 * are everything from "://" to the last '@' before the URL ends (white space, a quote,
 * '<' or '>'), so that a password holding '/' or '@' goes whole ("https://u:p@ss/w@h/x"
 * gives "https://[REDACTED]@h/x"; a URL that has '@' in its path as well loses the host
 * with them). They must hold a ':' after a user (maybe empty) without '/', '?' or '#',
 * and not be a host and port ("https://host:8080/@name" is kept). 0 or -ENOMEM. */
static int
redact_urls(const char *s, size_t len, struct ctx_buf *out)
{
	size_t pos = 0, i = 0, word_end = 0, last_at = 0;
	const char *m;

	while (i < len && (m = memmem(s + i, len - i, "://", 3)) != NULL) {
		size_t p = (size_t)(m - s) + 3, k, d;
		i = p;
		if (m == s || !isalnum((unsigned char)m[-1]))
			continue;
		if (p >= word_end) { /* the last '@' is looked for once a URL, not once a "://" */
			last_at = 0;
			for (word_end = p; word_end < len && !ends_url(s[word_end]); word_end++)
				if (s[word_end] == '@')
					last_at = word_end;
		}
		if (last_at < p)
			continue;
		for (k = p; k < last_at && s[k] != ':' && s[k] != '/' && s[k] != '?' && s[k] != '#'; k++)
			;
		if (k == last_at || s[k] != ':')
			continue;
		for (d = k + 1; d < last_at && isdigit((unsigned char)s[d]); d++)
			;
		if (d > k + 1 && d < last_at && (s[d] == '/' || s[d] == '?' || s[d] == '#'))
			continue;
		if (ctx_buf_add(out, s + pos, p - pos) < 0 || ctx_buf_adds(out, REDACTED) < 0)
			return -ENOMEM;
		pos = i = last_at;
	}
	return ctx_buf_add(out, s + pos, len - pos);
}

/* Whether s[0, len) holds lit: cheaper than memmem() on the short strings most are. */
static bool
holds(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	const char *p = s, *end = s + len;

	for (; (size_t)(end - p) >= n && (p = memchr(p, lit[0], (size_t)(end - p) - n + 1)) != NULL; p++)
		if (memcmp(p, lit, n) == 0)
			return true;
	return false;
}

/* The end of the unquoted Authorization value that starts at s[v], its key at s[key, key_end):
 * the whole value is the secret, whatever its scheme (token, Digest, AWS4-HMAC-SHA256 with
 * its Signature), so it runs to the end of its line (a line break, or "\n" or "\r" in text
 * that was a string once), or to the quote that closes the string the header stands in
 * (["Authorization: Digest response=\"x\"", ...]): the quote before the key, escaped as
 * that one is. Nothing (v) when the value is not on the key's line. */
static size_t
auth_value_end(const char *s, size_t len, size_t key, size_t key_end, size_t v)
{
	char q = 0;
	size_t escapes = 0, e;

	for (e = key_end; e < v; e++)
		if (s[e] == '\n' || s[e] == '\r')
			return v;
	if (key > 0 && (s[key - 1] == '"' || s[key - 1] == '\'') && s[key_end] != s[key - 1] &&
	    s[key_end] != '\\') { /* a quote before the key, not one around it ("Authorization": x) */
		q = s[key - 1];
		while (escapes < key - 1 && s[key - 2 - escapes] == '\\')
			escapes++;
	}
	for (e = v; e < len && s[e] != '\n' && s[e] != '\r'; e++) {
		if (s[e] == '\\' && e + 1 < len && (s[e + 1] == 'n' || s[e + 1] == 'r'))
			break;
		if (q && s[e] == q) {
			size_t b = 0;
			while (b < e - v && s[e - 1 - b] == '\\')
				b++;
			if (b == escapes) {
				e -= b;
				break;
			}
		}
	}
	while (e > v && isspace((unsigned char)s[e - 1]))
		e--;
	return e;
}

/* Append s with every secret replaced. Returns 0 or -ENOMEM. */
static int
redact_secrets(struct ctx_redact *r, const char *s, size_t len, struct ctx_buf *out)
{
	size_t pos = 0, from = 0;

	if (!may_hold_secret(s, len))
		return ctx_buf_add(out, s, len);
	/* Key blocks and URL credentials first, whole: the key=value rule, at an earlier
	 * position, would take only their first word ("private_key: -----BEGIN" left the key). */
	if (holds(s, len, "-----BEGIN")) {
		ctx_buf_truncate(&r->blocks, 0);
		if (redact_blocks(s, len, &r->blocks) < 0)
			return -ENOMEM;
		s = r->blocks.data;
		len = r->blocks.len;
	}
	if (holds(s, len, "://")) {
		ctx_buf_truncate(&r->urls, 0);
		if (redact_urls(s, len, &r->urls) < 0)
			return -ENOMEM;
		s = r->urls.data;
		len = r->urls.len;
	}
	while (from <= len) {
		int rc = pcre2_match(r->secrets, (PCRE2_SPTR)s, len, from, 0, r->md, r->mctx);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
		/* group 2 matched: an Authorization value, which the pattern only finds */
		size_t end = ov[4] != PCRE2_UNSET ? auth_value_end(s, len, ov[2], ov[3], ov[0]) : ov[1];
		if (end <= ov[0]) { /* nothing to replace: step over */
			from = ov[0] + 1;
			continue;
		}
		if (ctx_buf_add(out, s + pos, ov[0] - pos) < 0 || ctx_buf_adds(out, REDACTED) < 0)
			return -ENOMEM;
		pos = from = end;
	}
	return ctx_buf_add(out, s + pos, len - pos);
}

/* ---- rule 3: paths ---- */

/* Character classes of the path scanner, looked up once per byte of every string. A mark
 * precedes a path when it stands alone (may_precede_path). */
enum { PATH_END = 1, PATH_BEFORE = 2, PATH_MARK = 4 };
static const unsigned char path_class[256] = {
	['\0'] = PATH_END, [' '] = PATH_END | PATH_BEFORE, ['\t'] = PATH_END | PATH_BEFORE,
	['\n'] = PATH_END | PATH_BEFORE, ['\r'] = PATH_END | PATH_BEFORE, ['\v'] = PATH_END | PATH_BEFORE,
	['\f'] = PATH_END | PATH_BEFORE, ['"'] = PATH_END | PATH_BEFORE, ['\''] = PATH_END | PATH_BEFORE,
	['`'] = PATH_END | PATH_BEFORE, [','] = PATH_END | PATH_BEFORE, [';'] = PATH_END | PATH_BEFORE,
	['|'] = PATH_END | PATH_BEFORE, [')'] = PATH_END, [']'] = PATH_END, ['}'] = PATH_END,
	['>'] = PATH_END, [':'] = PATH_END | PATH_BEFORE, ['('] = PATH_BEFORE, ['['] = PATH_BEFORE,
	['{'] = PATH_BEFORE, ['<'] = PATH_BEFORE, ['='] = PATH_BEFORE, ['@'] = PATH_BEFORE,
	['*'] = PATH_MARK, ['!'] = PATH_MARK, ['$'] = PATH_MARK, ['%'] = PATH_MARK, ['&'] = PATH_MARK,
	['+'] = PATH_MARK, ['-'] = PATH_MARK, ['#'] = PATH_MARK, ['^'] = PATH_MARK, ['?'] = PATH_MARK,
};

static bool
is_path_end(char c)
{
	return path_class[(unsigned char)c] & PATH_END;
}

/* The length of the Unicode white space (U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000) that p[0, rest) starts with, or 0. */
static size_t
unicode_space(const char *p, size_t rest)
{
	const unsigned char *u = (const unsigned char *)p;

	if (rest >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (rest < 3 || u[2] < 0x80)
		return 0;
	if (u[0] == 0xe2 && u[1] == 0x80)
		return u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf ? 3 : 0;
	return (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) || (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) ||
	    (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) ? 3 : 0;
}

/* Whether s[i - 2, i) is the escape of a tab or line break ("\t", "\n", "\r"), as in text
 * that was a string once (repr'd stderr: "x\n/home/u/a.py"): a backslash that is not itself
 * escaped (an odd run of them). Each run is counted from the one byte after it, so the
 * scanner stays linear. */
static bool
escape_before(const char *s, size_t i)
{
	size_t k = 0;

	if (i < 2 || s[i - 2] != '\\' || (s[i - 1] != 'n' && s[i - 1] != 't' && s[i - 1] != 'r'))
		return false;
	while (k < i - 1 && s[i - 2 - k] == '\\')
		k++;
	return k % 2 == 1;
}

/* Whether a path ends at p[0, rest): at white space (Unicode's too), a quote, a bracket, or
 * an escaped quote ("{\"f\":\"/a/b\"}"); a POSIX path also at the escape of a tab or line
 * break ("\n"), the backslash of a Windows path being its separator. */
static bool
path_ends(const char *p, size_t rest, bool windows)
{
	if (is_path_end(*p))
		return true;
	if ((unsigned char)*p >= 0x80)
		return unicode_space(p, rest) > 0;
	if (*p != '\\' || rest < 2)
		return false;
	return p[1] == '"' || p[1] == '\'' || (!windows && (p[1] == 'n' || p[1] == 't' || p[1] == 'r'));
}

/* Whether s[i - 1] (or the character that ends there) parts what follows from a word. */
static bool
stands_alone(const char *s, size_t i)
{
	if (i == 0 || (path_class[(unsigned char)s[i - 1]] & PATH_BEFORE))
		return true;
	if ((unsigned char)s[i - 1] >= 0x80)
		return (i >= 2 && unicode_space(s + i - 2, 2) == 2) || (i >= 3 && unicode_space(s + i - 3, 3) == 3);
	return escape_before(s, i);
}

/* Whether a path may start at s[i]: at the start, after white space (Unicode's too, and the
 * escapes "\n", "\t", "\r"), a quote, a bracket, '=', ':' (every entry of PATH=/a:/b,
 * host:/x), '@' (@/tmp/args), after -I or -L standing alone (compiler flags), "->", or one
 * or two marks standing alone: '*' (emphasis), '!' (a negated pattern), '$' and '#'
 * (prompts, comments), '+' and '-' (a diff's lines), '%', '&', '^', '?'. A mark glued to a
 * word is part of it: "src/" "**" "/x" is a relative glob, "include/c++/12" a relative
 * path, "a?/b" a glob. So a URL's '?' or '#' (always after a host or path character) never
 * starts a path, and "https://x/a?/c" and "https://x/#/settings" are kept; a query value
 * after '=' ("https://x/a?file=/home/u/a.py") is rewritten, as every "key=/abs/path" is:
 * it names a local file all the same, and rule 3 rewrites absolute paths wherever they
 * stand in a string. In constant time but for escape_before's count of backslashes, linear
 * over the string: this runs on every byte. */
static bool
may_precede_path(const char *s, size_t i)
{
	if (stands_alone(s, i))
		return true;
	if (path_class[(unsigned char)s[i - 1]] & PATH_MARK)
		return stands_alone(s, i - 1) ||
		    (i >= 2 && (path_class[(unsigned char)s[i - 2]] & PATH_MARK) && stands_alone(s, i - 2));
	switch (s[i - 1]) {
	case 'I': case 'L':
		return i >= 2 && s[i - 2] == '-' && stands_alone(s, i - 2);
	case '>':
		return i >= 2 && s[i - 2] == '-';
	}
	return false;
}

/* Whether the '/' at s[i] opens a closing tag ("</div>", "</svg:rect >"), not a path. */
static bool
closing_tag(const char *s, size_t len, size_t i)
{
	size_t k = i + 1;

	if (i == 0 || s[i - 1] != '<' || k == len || !isalpha((unsigned char)s[k]))
		return false;
	while (k < len && k - i < 128 && (isalnum((unsigned char)s[k]) || s[k] == ':' || s[k] == '.' ||
	    s[k] == '_' || s[k] == '-'))
		k++;
	while (k < len && k - i < 128 && isspace((unsigned char)s[k]))
		k++;
	return k < len && s[k] == '>';
}

/* Whether the slashes at s[i] ("//host/share", "///usr") start a bare path: something
 * follows them, and they do not follow the ':' of a URL's scheme (https://x). */
static bool
bare_slashes(const char *s, size_t len, size_t i)
{
	size_t k = i;

	while (k < len && s[k] == '/')
		k++;
	if (k == len || path_ends(s + k, len - k, false))
		return false;
	if (i < 2 || s[i - 1] != ':')
		return true;
	char c = s[i - 2];
	return !(isalnum((unsigned char)c) || c == '+' || c == '.' || c == '-');
}

static int
add_external(struct ctx_buf *out, const char *full, const char *base)
{
	char hex[65];

	ctx_sha256_hex(full, strlen(full), hex);
	if (ctx_buf_add(out, "external/", 9) < 0 || ctx_buf_add(out, hex, 8) < 0)
		return -ENOMEM;
	return *base ? ctx_buf_add(out, "-", 1) | ctx_utf8_add_valid(out, base, strlen(base)) : 0;
}

/* Rewrite one absolute POSIX path (NUL-terminated, ~ already expanded). */
static char *
rewrite_posix(struct ctx_redact *r, const char *abs)
{
	struct ctx_buf out = { 0 };
	char *norm = strdup(abs);
	const char *rel;
	char *real = NULL;

	if (!norm)
		return NULL;
	ctx_path_normalize(norm);
	rel = ctx_path_under(norm, r->root_real);
	if (!rel && r->root_given)
		rel = ctx_path_under(norm, r->root_given);
	/* realpath() takes no path of PATH_MAX or more, and trying each shorter prefix of a
	 * megabyte of "/a/a/a..." is quadratic: such a path is external. */
	if (!rel && strlen(norm) < PATH_MAX && (real = ctx_path_resolve_existing(norm)) != NULL)
		rel = ctx_path_under(real, r->root_real);
	/* A file:// URI's %XX can make bytes that are not UTF-8 (found by fuzz_event): the
	 * rewritten path keeps the event valid, with U+FFFD for them. */
	int err = rel ? ctx_utf8_add_valid(&out, rel, strlen(rel)) : add_external(&out, norm, strrchr(norm, '/') + 1);
	free(real);
	free(norm);
	if (err < 0 || !out.data) {
		ctx_buf_release(&out);
		return NULL;
	}
	return out.data;
}

/* The rewritten form of an absolute path, remembered for the next time it is seen. */
static const char *
rewrite_memo(struct ctx_redact *r, const char *abs)
{
	uint32_t h = 2166136261u;
	for (const char *p = abs; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	struct path_memo *m = &r->memo[h % PATH_CACHE];

	if (m->path && strcmp(m->path, abs) == 0)
		return m->result;
	char *path = strdup(abs), *result = path ? rewrite_posix(r, abs) : NULL;
	if (!result) {
		free(path);
		return NULL;
	}
	free(m->path);
	free(m->result);
	m->path = path;
	m->result = result;
	return result;
}

/* Length of the path-like token that starts at s[i] (one of the forms of rule 3), or 0. */
static size_t
path_token(const char *s, size_t len, size_t i, size_t *skip)
{
	const char *p = s + i;
	size_t rest = len - i, n;
	bool windows;

	*skip = 0;
	if (rest >= 8 && strncasecmp(p, "file://", 7) == 0 && !is_path_end(p[7]))
		/* file:///x, file://localhost/x, and file://host/x as the path //host/x */
		*skip = p[7] == '/' ? 7 : rest >= 17 && strncasecmp(p + 7, "localhost/", 10) == 0 ? 16 : 5;
	else if (!((rest >= 3 && p[0] == '~' && p[1] == '/') ||
		     (rest >= 4 && isalpha((unsigned char)p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/')) ||
		     (rest >= 2 && p[0] == '/' && p[1] != '/' && !path_ends(p + 1, rest - 1, false)) ||
		     (rest >= 3 && p[0] == '/' && p[1] == '/' && bare_slashes(s, len, i))))
		return 0;
	windows = !*skip && isalpha((unsigned char)p[0]) && p[1] == ':';
	n = *skip ? *skip + 1 : windows ? 3 : 1;
	while (n < rest && !path_ends(p + n, rest - n, windows))
		n++;
	if (n > 2 && p[n - 1] == '.' && p[n - 2] != '.' && p[n - 2] != '/')
		n--; /* the full stop of a sentence */
	return n;
}

/* Append the rewritten form of the token s[0, n) (skip: length of a "file://" prefix). */
static int
add_rewritten(struct ctx_redact *r, const char *s, size_t n, size_t skip, struct ctx_buf *out)
{
	struct ctx_buf abs = { 0 };
	int err = 0;

	if (s[1] == ':') { /* a Windows path cannot be inside a POSIX workspace */
		char *full = strndup(s, n);
		const char *base = full;
		if (!full)
			return -ENOMEM;
		for (const char *q = full; *q; q++)
			if (*q == '\\' || *q == '/')
				base = q + 1;
		err = add_external(out, full, base);
		free(full);
		return err;
	}
	if (s[0] == '~')
		err = ctx_buf_adds(&abs, r->home ? r->home : "/home/~") | ctx_buf_add(&abs, s + 1, n - 1);
	else if (skip) /* file:// URI */
		err = ctx_path_percent_decode(&abs, s + skip, n - skip);
	else
		err = ctx_buf_add(&abs, s, n);
	/* Each form above appends at least one byte ('/', the home, the '/' after file://). */
	const char *res = err || !abs.data ? NULL : rewrite_memo(r, abs.data);
	ctx_buf_release(&abs);
	return res ? ctx_buf_adds(out, res) : -ENOMEM;
}

/* Append s with every absolute path rewritten. */
static int
redact_paths(struct ctx_redact *r, const char *s, size_t len, struct ctx_buf *out)
{
	size_t pos = 0;

	for (size_t i = 0; i < len; i++) {
		size_t skip, n;
		if (!may_precede_path(s, i) || closing_tag(s, len, i) || !(n = path_token(s, len, i, &skip)))
			continue;
		if (ctx_buf_add(out, s + pos, i - pos) < 0 || add_rewritten(r, s + i, n, skip, out) < 0)
			return -ENOMEM;
		pos = i + n;
		i = pos - 1;
	}
	return ctx_buf_add(out, s + pos, len - pos);
}

/* ---- all string rules ---- */

/* Apply rules 1, 3 and 4 to s[0, len) found under key: the result is in r->out (when
 * *changed) or is s itself, cut to *newlen bytes. */
static int
redact_text(struct ctx_redact *r, const char *key, const char *s, size_t len, bool cut,
    bool *changed, size_t *newlen)
{
	const char *cur = s;
	size_t n = len;
	int err;

	ctx_buf_truncate(&r->out, 0);
	if ((err = redact_secrets(r, s, len, &r->out)) < 0)
		return err;
	*changed = r->out.len != len || memcmp(r->out.data, s, len) != 0;
	if (*changed) {
		cur = r->out.data;
		n = r->out.len;
	}
	if (!r->allow_pii && (memchr(cur, '/', n) || memchr(cur, '\\', n))) {
		ctx_buf_truncate(&r->tmp, 0);
		if ((err = redact_paths(r, cur, n, &r->tmp)) < 0)
			return err;
		if (r->tmp.len != n || memcmp(r->tmp.data, cur, n) != 0) {
			struct ctx_buf t = r->out;
			r->out = r->tmp;
			r->tmp = t;
			*changed = true;
			cur = r->out.data;
			n = r->out.len;
		}
	}
	if (cut && key_in(key, free_text_keys, sizeof free_text_keys / sizeof *free_text_keys))
		n = ctx_utf8_cut_chars(cur, n, FREE_TEXT_CHARS);
	else if (cut)
		n = ctx_utf8_cut_bytes(cur, n, STRING_BYTES);
	*newlen = n;
	return 0;
}

char *
ctx_redact_string(struct ctx_redact *r, const char *key, const char *s)
{
	bool changed;
	size_t n;

	if (key && ctx_redact_key_is_secret(key))
		return strdup(REDACTED);
	if (redact_text(r, key, s, strlen(s), true, &changed, &n) < 0)
		return NULL;
	return strndup(changed ? r->out.data : s, n);
}

/* ---- trees ---- */

/* Replace v[0, len) by the redacted text, in the arena when it changed. */
static int
redact_node_text(struct ctx_redact *r, struct ctx_arena *a, const char *key, const char **str,
    size_t *len, bool cut)
{
	bool changed;
	size_t n;
	int err = redact_text(r, key, *str, *len, cut, &changed, &n);

	if (err < 0)
		return err;
	if (changed && !(*str = ctx_arena_strndup(a, r->out.data, n)))
		return -ENOMEM;
	if (!changed && n < *len)
		((char *)*str)[n] = '\0'; /* the node's text is the arena's: cut it in place */
	*len = n;
	return 0;
}

/* Turn v (a string or container under a content key) into {"sha256": …, "bytes": N}. */
static int
content_digest(struct ctx_redact *r, struct ctx_arena *a, struct ctx_json *v)
{
	char hex[65], num[24];
	const char *s = v->str;
	size_t n = v->len;

	if (v->type != CTX_JSON_STRING) {
		ctx_buf_truncate(&r->tmp, 0);
		if (ctx_json_write(&r->tmp, v) < 0)
			return -ENOMEM;
		s = r->tmp.data;
		n = r->tmp.len;
	}
	ctx_sha256_hex(s, n, hex);
	int nl = snprintf(num, sizeof num, "%zu", n);
	struct ctx_json *h = ctx_json_new(a, CTX_JSON_STRING, ctx_arena_strndup(a, hex, 12), 12);
	struct ctx_json *b = ctx_json_new(a, CTX_JSON_NUMBER, ctx_arena_strndup(a, num, (size_t)nl), (size_t)nl);
	if (!h || !b || !h->str || !b->str)
		return -ENOMEM;
	h->key = "sha256";
	h->key_len = 6;
	b->key = "bytes";
	b->key_len = 5;
	h->next = b;
	v->type = CTX_JSON_OBJECT;
	v->child = h;
	v->str = NULL;
	v->len = 0;
	return 0;
}

static void
set_redacted(struct ctx_json *v)
{
	v->type = CTX_JSON_STRING;
	v->str = REDACTED;
	v->len = sizeof REDACTED - 1;
}

static int redact_members(struct ctx_redact *r, struct ctx_arena *a, struct ctx_json *c, bool secret);

static int
redact_node(struct ctx_redact *r, struct ctx_arena *a, struct ctx_json *v, const char *key, bool secret)
{
	bool container = v->type == CTX_JSON_OBJECT || v->type == CTX_JSON_ARRAY;

	secret = secret || (key && ctx_redact_key_is_secret(key));
	if (!secret && (v->type == CTX_JSON_STRING || container) &&
	    key_in(key, content_keys, sizeof content_keys / sizeof *content_keys))
		return content_digest(r, a, v);
	/* Under a secret key every scalar is replaced whole, numbers and booleans too
	 * ({"password": 123456}); null tells nothing and stays, and a number whose own key
	 * names a quantity (token_count, max_token) is a count, kept. */
	if (secret && (v->type == CTX_JSON_STRING || v->type == CTX_JSON_TRUE || v->type == CTX_JSON_FALSE ||
	    (v->type == CTX_JSON_NUMBER && !(key && key_names_measure(key))))) {
		set_redacted(v);
		return 0;
	}
	if (v->type == CTX_JSON_STRING)
		return redact_node_text(r, a, key, &v->str, &v->len, true);
	return container ? redact_members(r, a, v, secret) : 0;
}

static int
redact_members(struct ctx_redact *r, struct ctx_arena *a, struct ctx_json *c, bool secret)
{
	bool in_key = false; /* a string element before opened a private-key block, not closed */

	for (struct ctx_json *m = c->child; m; m = m->next) {
		int err;
		/* A key split over an array's strings, a line each (stderr_tail): the lines after
		 * its BEGIN line, up to its END line, go whole. */
		if (c->type == CTX_JSON_ARRAY && m->type == CTX_JSON_STRING && !secret) {
			if (in_key) {
				in_key = !holds(m->str, m->len, "-----END");
				set_redacted(m);
				continue;
			}
			in_key = holds(m->str, m->len, "-----BEGIN") && opens_key_block(m->str, m->len);
		}
		/* A key can hold a path or a secret too; it is never cut or hashed. */
		if (m->key && !secret && (err = redact_node_text(r, a, NULL, &m->key, &m->key_len, false)) < 0)
			return err;
		/* Array elements stand under the key of their array. */
		if ((err = redact_node(r, a, m, c->type == CTX_JSON_ARRAY ? c->key : m->key, secret)) < 0)
			return err;
	}
	return 0;
}

int
ctx_redact_tree(struct ctx_redact *r, struct ctx_arena *a, struct ctx_json *v)
{
	return v ? redact_members(r, a, v, false) : 0;
}
