/* libFuzzer target: skeleton extraction from arbitrary bytes in every language, the
 * record written from the entry, and Python's scope analysis with a lookup of every name
 * it found. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pyscope.h"
#include "skeleton.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx_skeleton *s;
	struct ctx_buf entry = { 0 }, rec = { 0 };
	long n, sk;
	bool perr;
	int err;
	struct ctx_pyscope *p;

	if (!s)
		s = ctx_skeleton_new();
	/* Every language's walker: an entry we wrote must always make a record. */
	static const char *const files[] = { "f.py", "f.c", "f.go", "f.js", "f.ts", "f.tsx" };
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		const struct ctx_lang *l = ctx_lang_parsed(files[i]);
		ctx_buf_truncate(&entry, 0);
		ctx_buf_truncate(&rec, 0);
		if (ctx_skeleton_extract(s, l, (const char *)data, size,
			"0000000000000000000000000000000000000000000000000000000000000000", &entry) == 0 &&
		    ctx_skeleton_record(entry.data, entry.len, NULL, files[i], "f", "miss", &rec, &n, &perr, &sk) != 0)
			__builtin_trap();
	}
	if ((p = ctx_pyscope_parse((const char *)data, size, &err)) != NULL) {
		for (int r = 0; r < p->nrefs; r++) {
			long line, col;
			bool global;
			char word[64];
			ctx_pyscope_position(p, p->refs[r].byte, &line, &col);
			/* Every name found is found again at its column (but a name that starts in the
			 * middle of an invalid UTF-8 sequence has no column of its own). */
			bool addressable = ((unsigned char)p->src[p->refs[r].byte] & 0xC0) != 0x80;
			if (addressable && ctx_pyscope_ref_at(p, line, col) < 0)
				__builtin_trap();
			ctx_pyscope_lookup(p, p->refs[r].scope, ctx_pyscope_ref_name(p, r, word, sizeof word),
			    p->refs[r].byte, p->refs[r].branch, &global);
		}
		ctx_pyscope_free(p);
	}
	ctx_buf_release(&entry);
	ctx_buf_release(&rec);
	return 0;
}
