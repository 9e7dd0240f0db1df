/* The ceiling for ctx-parse: read each file named on stdin and parse it with the same
 * tree-sitter runtime and grammar, doing nothing else. Usage: parse_only < files */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

int
main(void)
{
	TSParser *p = ts_parser_new();
	char path[4096], *buf = NULL;
	size_t cap = 0;
	long files = 0, nodes = 0;

	ts_parser_set_language(p, tree_sitter_python());
	while (fgets(path, sizeof path, stdin)) {
		path[strcspn(path, "\n")] = '\0';
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t n = 0, got;
		do {
			if (cap - n < 65536) {
				char *more = realloc(buf, cap * 2 + 65536);
				if (!more)
					return 3;
				buf = more;
				cap = cap * 2 + 65536;
			}
			got = fread(buf + n, 1, cap - n, f);
			n += got;
		} while (got > 0);
		fclose(f);
		TSTree *t = ts_parser_parse_string(p, NULL, buf, (uint32_t)n);
		nodes += ts_node_child_count(ts_tree_root_node(t));
		ts_tree_delete(t);
		files++;
	}
	printf("%ld files, %ld top-level nodes\n", files, nodes);
	free(buf);
	ts_parser_delete(p);
	return 0;
}
