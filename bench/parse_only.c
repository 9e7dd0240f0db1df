/* The ceiling for ctx-parse: read each file named on stdin and parse it with the same
 * tree-sitter runtime and grammar, doing nothing else.
 * Usage: parse_only [python|c|go|javascript|typescript] < files (python by default) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		const TSLanguage *(*language)(void);
	} grammars[] = { { "python", tree_sitter_python }, { "c", tree_sitter_c }, { "go", tree_sitter_go },
		{ "javascript", tree_sitter_javascript }, { "typescript", tree_sitter_typescript } };
	const TSLanguage *(*language)(void) = NULL;
	const char *want = argc > 1 ? argv[1] : "python";
	TSParser *p = ts_parser_new();
	char path[4096], *buf = NULL;
	size_t cap = 0;
	long files = 0, nodes = 0;

	for (size_t i = 0; i < sizeof grammars / sizeof *grammars; i++)
		if (strcmp(want, grammars[i].name) == 0)
			language = grammars[i].language;
	if (!language) {
		fprintf(stderr, "parse_only: no grammar %s\n", want);
		return 2;
	}
	ts_parser_set_language(p, language());
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
