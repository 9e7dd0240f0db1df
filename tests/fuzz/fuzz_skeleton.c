/* libFuzzer target: skeleton extraction from arbitrary bytes, and the record written
 * from the entry. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "skeleton.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx_skeleton *s;
	struct ctx_buf entry = { 0 }, rec = { 0 };
	const struct ctx_lang *l = ctx_lang_for_path("fuzz.py");
	long n, sk;
	bool perr;
	char word[64];

	if (!s)
		s = ctx_skeleton_new();
	if (ctx_skeleton_extract(s, l, (const char *)data, size, "0000000000000000000000000000000000000000000000000000000000000000",
		&entry) == 0 &&
	    ctx_skeleton_record(entry.data, entry.len, NULL, "f.py", "f", "miss", &rec, &n, &perr, &sk) != 0)
		__builtin_trap(); /* an entry we wrote must always make a record */
	ctx_skeleton_identifier_at(s, l, (const char *)data, size, 1 + (long)(size % 7), 1 + (long)(size % 13), word, sizeof word);
	ctx_buf_release(&entry);
	ctx_buf_release(&rec);
	return 0;
}
