/* strmap: a hash map from strings (copied in) to a pointer or a count, for the few thousand
 * distinct names an aggregate meets (cmds, run ids, warnings). Insertion order is kept. */
#ifndef CTX_STRMAP_H
#define CTX_STRMAP_H

#include <stddef.h>

struct ctx_strmap_entry {
	char *key;   /* owned by the map, NUL-terminated */
	size_t len;
	void *value; /* the caller's; NULL when created */
	long count;  /* the caller's; 0 when created */
};

struct ctx_strmap {
	struct ctx_strmap_entry *entries; /* in insertion order */
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1 into entries, 0 for empty */
	size_t nslots;
};

/* The entry for key[0, len), created with a NULL value and 0 count when absent (*created set to 1).
 * NULL on out of memory. Pointers to entries stay valid only until the next insertion. */
struct ctx_strmap_entry *ctx_strmap_get(struct ctx_strmap *m, const char *key, size_t len, int *created);
/* The entry or NULL, never creating one. */
struct ctx_strmap_entry *ctx_strmap_find(const struct ctx_strmap *m, const char *key, size_t len);
/* Free the keys and tables (not the values). The map is empty and reusable afterwards. */
void ctx_strmap_release(struct ctx_strmap *m);

#endif
