#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64 * 1024)

struct ctx_arena_chunk {
	struct ctx_arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) char data[];
};

void *
ctx_arena_alloc(struct ctx_arena *a, size_t n)
{
	size_t need = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	struct ctx_arena_chunk *c = a->head;

	if (!c || c->cap - c->used < need) {
		size_t cap = need > CHUNK ? need : CHUNK;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	return p;
}

char *
ctx_arena_strndup(struct ctx_arena *a, const char *s, size_t n)
{
	char *p = ctx_arena_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void
ctx_arena_reset(struct ctx_arena *a)
{
	struct ctx_arena_chunk *c = a->head;

	if (!c)
		return;
	/* Keep the oldest chunk (the last in the list): the usual size of one event. */
	while (c->next) {
		struct ctx_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	c->used = 0;
	a->head = c;
}

void
ctx_arena_release(struct ctx_arena *a)
{
	for (struct ctx_arena_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}
