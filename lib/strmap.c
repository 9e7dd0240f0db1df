#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static size_t
slot_of(const struct ctx_strmap *m, const char *key, size_t len)
{
	size_t mask = m->nslots - 1, i = hash(key, len) & mask;

	for (;; i = (i + 1) & mask) {
		size_t e = m->slots[i];
		if (e == 0)
			return i;
		const struct ctx_strmap_entry *en = &m->entries[e - 1];
		if (en->len == len && memcmp(en->key, key, len) == 0)
			return i;
	}
}

struct ctx_strmap_entry *
ctx_strmap_find(const struct ctx_strmap *m, const char *key, size_t len)
{
	if (m->nslots == 0)
		return NULL;
	size_t e = m->slots[slot_of(m, key, len)];
	return e ? &m->entries[e - 1] : NULL;
}

static int
grow(struct ctx_strmap *m)
{
	size_t nslots = m->nslots ? m->nslots * 2 : 8;
	size_t *slots = calloc(nslots, sizeof *slots);

	if (!slots)
		return -1;
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	for (size_t i = 0; i < m->n; i++)
		m->slots[slot_of(m, m->entries[i].key, m->entries[i].len)] = i + 1;
	return 0;
}

struct ctx_strmap_entry *
ctx_strmap_get(struct ctx_strmap *m, const char *key, size_t len, int *created)
{
	*created = 0;
	if ((m->n + 1) * 2 > m->nslots && grow(m) < 0)
		return NULL;
	size_t slot = slot_of(m, key, len);
	if (m->slots[slot])
		return &m->entries[m->slots[slot] - 1];
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4; /* small first: an aggregate holds one map per run */
		struct ctx_strmap_entry *p = realloc(m->entries, cap * sizeof *p);
		if (!p)
			return NULL;
		m->entries = p;
		m->cap = cap;
	}
	char *k = malloc(len + 1);
	if (!k)
		return NULL;
	memcpy(k, key, len);
	k[len] = '\0';
	m->entries[m->n] = (struct ctx_strmap_entry){ k, len, NULL, 0 };
	m->slots[slot] = ++m->n;
	*created = 1;
	/* k is owned by the entry, freed by ctx_strmap_release. */
	/* cppcheck-suppress memleak */
	return &m->entries[m->n - 1];
}

void
ctx_strmap_release(struct ctx_strmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->entries[i].key);
	free(m->entries);
	free(m->slots);
	memset(m, 0, sizeof *m);
}
