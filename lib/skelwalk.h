/* skelwalk: what the skeleton's walkers share (internal to skeleton.c and declwalk.c):
 * the parser and its buffers, the walk's state, and the writers of a symbol's parts. */
#ifndef CTX_SKELWALK_H
#define CTX_SKELWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

#include "buf.h"
#include "lang.h"

#define CTX_DOC_CHARS 200

struct ctx_skeleton {
	TSParser *parser;
	struct ctx_buf syms, imports, text;
};

/* A node whose named children are being walked (declwalk.c): tree-sitter 0.20 finds a
 * parent or a sibling from the root, so the walk keeps them. */
struct ctx_frame {
	TSNode parent;
	TSNode *kids; /* its named children */
	uint32_t n, i; /* how many; the one being walked */
};

struct walker {
	const struct ctx_lang *l;
	const char *src;
	struct ctx_skeleton *s;
	long nsyms, nimports;
	int depth;
	int err;
	struct ctx_frame *frames; /* [0, nframes): from the root down */
	int nframes;
};

/* The role n plays in w's language (R_NONE for a node not in the table). */
enum ctx_role ctx_walk_role(const struct walker *w, TSNode n);
/* The node's child by field f, or a null node (also for a null n). */
TSNode ctx_walk_field(const struct walker *w, TSNode n, enum ctx_field f);
/* Append s[0, n) as a JSON string to out: whitespace runs collapsed to one space and
 * trimmed when collapse, bytes that are not UTF-8 replaced by U+FFFD. */
void ctx_walk_text(struct walker *w, struct ctx_buf *out, const char *s, size_t n, bool collapse);
/* Open a symbol: {"kind":…,"name":…,"qualname":…,"parent":… (parent NULL: null). */
void ctx_walk_symbol_head(struct walker *w, const char *kind, const char *name, size_t name_len, const char *qual,
    size_t qual_len, const char *parent);
/* The 0-based last row of n: a node that ends at a line's start ends on the line before. */
uint32_t ctx_walk_end_row(TSNode n);

/* The declaration walker of C, Go, JavaScript and TypeScript (declwalk.c): the symbols
 * and imports of the tree under root. */
void ctx_walk_decls(struct walker *w, TSNode root);

#endif
