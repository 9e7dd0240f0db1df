/* arena: a bump allocator for short-lived trees (one event at a time): many small
 * allocations, freed all at once by ctx_arena_reset. */
#ifndef CTX_ARENA_H
#define CTX_ARENA_H

#include <stddef.h>

struct ctx_arena_chunk;

struct ctx_arena {
	struct ctx_arena_chunk *head; /* owned; zero-initialise the struct to start */
};

/* n bytes aligned for any object, valid until reset or free; NULL on out of memory. */
void *ctx_arena_alloc(struct ctx_arena *a, size_t n);
/* A copy of s[0, n) with a NUL after it, in the arena. */
char *ctx_arena_strndup(struct ctx_arena *a, const char *s, size_t n);
/* Forget every allocation but keep the first chunk for reuse. */
void ctx_arena_reset(struct ctx_arena *a);
/* Release every chunk of an arena the caller owns; it is empty and reusable afterwards. */
void ctx_arena_release(struct ctx_arena *a);

#endif
