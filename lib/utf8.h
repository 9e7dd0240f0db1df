/* utf8: validation and cuts that never split a UTF-8 sequence. */
#ifndef CTX_UTF8_H
#define CTX_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0, len) is well-formed UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF). Otherwise false, and *bad (if not NULL) is the offset of the first bad byte. */
bool ctx_utf8_valid(const char *s, size_t len, size_t *bad);
/* The longest prefix of s[0, len) of at most max_bytes that ends on a sequence boundary. */
size_t ctx_utf8_cut_bytes(const char *s, size_t len, size_t max_bytes);
/* The byte length of the first max_chars code points of s[0, len) (len if fewer). */
size_t ctx_utf8_cut_chars(const char *s, size_t len, size_t max_chars);

/* Append s[0, len) with each byte that is not part of well-formed UTF-8 replaced by
 * U+FFFD. 0 or -ENOMEM. */
struct ctx_buf;
int ctx_utf8_add_valid(struct ctx_buf *out, const char *s, size_t len);
/* Append s[0, len) as a quoted JSON string, each byte that is not part of well-formed
 * UTF-8 replaced by U+FFFD (so the output is always valid JSON). 0 or -ENOMEM. */
int ctx_utf8_write_json(struct ctx_buf *out, const char *s, size_t len);

#endif
