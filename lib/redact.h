/* redact: the redaction rules of SPEC.md §3, applied in place to every string value (and
 * object key) of a JSON tree: secrets, content, paths, then length. */
#ifndef CTX_REDACT_H
#define CTX_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "json.h"

struct ctx_redact;

/* A redactor for a workspace. root_real is the root's real path (absolute, no symlinks);
 * root_given, if not NULL, another absolute spelling of the same root (the path the user
 * typed, through a symlink) that is also recognised lexically. allow_pii turns the path
 * rule off. Strings are copied. Returns NULL on out of memory. Free with ctx_redact_free. */
struct ctx_redact *ctx_redact_new(const char *root_real, const char *root_given, bool allow_pii);
/* NULL is fine. */
void ctx_redact_free(struct ctx_redact *r);

/* Redact the members of the object or array v (NULL is fine) in place, at any depth; new
 * text is allocated in the arena a. Returns 0 or -ENOMEM (the tree is then partly
 * redacted and must not be written). */
int ctx_redact_tree(struct ctx_redact *r, struct ctx_arena *a, struct ctx_json *v);

/* Redact one string found under `key` (NULL for none) as a value of ctx_redact_tree would
 * be, except for the content rule. Returns a new string the caller frees, or NULL on out
 * of memory. */
char *ctx_redact_string(struct ctx_redact *r, const char *key, const char *s);

/* True when the key names a secret (password, token, api_key, ...), in any case, alone or
 * as a word of a longer name (db_password, githubToken, x-api-key), plural too (passwords,
 * api_keys, access_tokens; but "tokens" and input_tokens count tokens in events). */
bool ctx_redact_key_is_secret(const char *key);

#endif
