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

/* A JSON number as a long, truncated toward zero and clamped to 32 bits: line numbers,
 * columns, ids and counts beyond are nonsense, and a cast of a double out of range is
 * undefined. NaN gives 0. */
long ctx_json_clamp_long(double d);
/* The number member key of obj as ctx_json_clamp_long gives it; 0 when absent or not a
 * number. */
long ctx_json_long(const struct ctx_json *obj, const char *key);

/* New nodes in the arena; NULL on out of memory. The string is not copied. */
struct ctx_json *ctx_json_new(struct ctx_arena *a, enum ctx_json_type t, const char *s, size_t len);

/* Append the compact JSON text of v to out. 0 or -ENOMEM. */
int ctx_json_write(struct ctx_buf *out, const struct ctx_json *v);
/* Append s[0, len) as a quoted JSON string. 0 or -ENOMEM. */
int ctx_json_write_string(struct ctx_buf *out, const char *s, size_t len);
/* Remove the white space between the tokens of the JSON text s[0, n) in place (a
 * pretty-printed document becomes one line); returns the new length. */
size_t ctx_json_compact(char *s, size_t n);

/* A string as it stands in JSON text, without its quotes (the pull cursor of jsoncur.h
 * reads them). */
struct ctx_json_str {
	const char *s;
	size_t len;
	bool escaped; /* holds a backslash: decode before use */
};

/* True when the string, decoded, equals the C string lit. */
bool ctx_json_str_eq(const struct ctx_json_str *s, const char *lit);
/* Append the decoded string to out. 0, -1 for a bad escape, -ENOMEM. */
int ctx_json_str_decode(const struct ctx_json_str *s, struct ctx_buf *out);

/* ---- a writer of documents: members in the order they are written, 2-space indent, or
 * compact (one line); always valid UTF-8 (a byte that is not part of well-formed UTF-8
 * in a key or string becomes U+FFFD) ---- */

struct ctx_jsonw {
	struct ctx_buf *out; /* where the text goes; not owned */
	int depth;
	bool first[32];      /* no member written yet at this depth */
	bool compact;        /* no newline or indent inside the document: one line */
	int err;             /* -ENOMEM once any append failed; the rest is then a no-op */
};

/* Start a writer on out. */
void ctx_jsonw_init(struct ctx_jsonw *w, struct ctx_buf *out);
/* Open/close an object or array ('{' '[' / '}' ']'); key is NULL for the root or in arrays. */
void ctx_jsonw_open(struct ctx_jsonw *w, const char *key, char bracket);
void ctx_jsonw_close(struct ctx_jsonw *w, char bracket);
void ctx_jsonw_string(struct ctx_jsonw *w, const char *key, const char *s);
void ctx_jsonw_null(struct ctx_jsonw *w, const char *key);
void ctx_jsonw_int(struct ctx_jsonw *w, const char *key, long long v);
/* The shortest text that reads back as v (an integer when v is one). */
void ctx_jsonw_number(struct ctx_jsonw *w, const char *key, double v);
/* v rounded as printf("%.*f") rounds, trailing zeros dropped but one: 0.667, 1.0. */
void ctx_jsonw_fixed(struct ctx_jsonw *w, const char *key, double v, int decimals);

/* v as printf("%.*f") rounds it, trailing zeros dropped but one, into buf. */
void ctx_json_format_fixed(double v, int decimals, char *buf, size_t size);
/* The shortest text of v that strtod reads back exactly, into buf (at least 32 bytes). */
void ctx_json_format_double(double v, char *buf, size_t size);

#endif
