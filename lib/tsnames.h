/* tsnames: a grammar's node type and field names, resolved once to the small codes and
 * field ids a walker switches on (the skeleton's roles, pyscope's kinds). */
#ifndef CTX_TSNAMES_H
#define CTX_TSNAMES_H

#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

struct ctx_ts_name {
	const char *type; /* a named node type of the grammar */
	uint8_t code;     /* what the walker calls it (not 0) */
};

/* A table by symbol id, *nsymbols entries long: the code of every regular symbol whose
 * name is among names[0, n) (a NULL type ends the list early), 0 for the others. The
 * caller frees it; NULL on out of memory. */
uint8_t *ctx_ts_codes(const TSLanguage *l, const struct ctx_ts_name *names, size_t n, uint32_t *nsymbols);
/* ids[i]: the field id of names[i], 0 for a NULL name or one the grammar does not have. */
void ctx_ts_fields(const TSLanguage *l, const char *const *names, size_t n, TSFieldId *ids);

#endif
