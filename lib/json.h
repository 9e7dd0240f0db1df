/* json: a fast JSON reader into an arena tree, and a writer, for the hot paths (one event
 * line at a time). Numbers keep their source text, so they are written back unchanged.
 * cJSON remains the library for building and printing whole documents. */
#ifndef CTX_JSON_H
#define CTX_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"

enum ctx_json_type {
	CTX_JSON_NULL, CTX_JSON_FALSE, CTX_JSON_TRUE, CTX_JSON_NUMBER, CTX_JSON_STRING,
	CTX_JSON_ARRAY, CTX_JSON_OBJECT,
};

struct ctx_json {
	enum ctx_json_type type;
	const char *key;  /* member name (decoded, NUL-terminated) in an object, else NULL */
	size_t key_len;
	const char *str;  /* STRING: decoded value; NUMBER: source text; NUL-terminated */
	size_t len;
	struct ctx_json *child, *next; /* members of a container; the next sibling */
};

#define CTX_JSON_MAX_DEPTH 256

/* Parse s[0, len), one JSON value with optional white space around it, into nodes in the
 * arena (valid until it is reset). Strings are decoded; invalid escapes, lone surrogates
 * and control characters are errors. Returns the root, or NULL with *err_off the offset
 * of the first bad byte (out-of-memory and nesting deeper than CTX_JSON_MAX_DEPTH are
 * reported at the byte where they happen too). */
struct ctx_json *ctx_json_parse(struct ctx_arena *a, const char *s, size_t len, size_t *err_off);

/* The member named key of an object (the first one), or NULL. */
struct ctx_json *ctx_json_get(const struct ctx_json *obj, const char *key);

/* New nodes in the arena; NULL on out of memory. The string is not copied. */
struct ctx_json *ctx_json_new(struct ctx_arena *a, enum ctx_json_type t, const char *s, size_t len);

/* Append the compact JSON text of v to out. 0 or -ENOMEM. */
int ctx_json_write(struct ctx_buf *out, const struct ctx_json *v);
/* Append s[0, len) as a quoted JSON string. 0 or -ENOMEM. */
int ctx_json_write_string(struct ctx_buf *out, const char *s, size_t len);

#endif
