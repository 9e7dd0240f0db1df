#include "tsnames.h"

#include <stdlib.h>
#include <string.h>

uint8_t *
ctx_ts_codes(const TSLanguage *l, const struct ctx_ts_name *names, size_t n, uint32_t *nsymbols)
{
	uint8_t *codes;

	*nsymbols = ts_language_symbol_count(l);
	codes = calloc(*nsymbols, 1);
	for (TSSymbol sym = 0; codes && sym < *nsymbols; sym++) {
		const char *name = ts_language_symbol_name(l, sym);
		if (!name || ts_language_symbol_type(l, sym) != TSSymbolTypeRegular)
			continue;
		for (size_t i = 0; i < n && names[i].type; i++)
			if (strcmp(name, names[i].type) == 0)
				codes[sym] = names[i].code;
	}
	return codes;
}

void
ctx_ts_fields(const TSLanguage *l, const char *const *names, size_t n, TSFieldId *ids)
{
	for (size_t i = 0; i < n; i++)
		ids[i] = names[i] ? ts_language_field_id_for_name(l, names[i], (uint32_t)strlen(names[i])) : 0;
}
