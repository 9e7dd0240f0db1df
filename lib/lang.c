#include "lang.h"

#include <string.h>

static const struct ctx_langinfo languages[] = {
	{ "python", "python", { ".py", ".pyi" } },
	{ "c", "c", { ".c", ".h" } },
	{ "cpp", "cpp", { ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx" } },
	{ "go", "go", { ".go" } },
	{ "javascript", "javascript", { ".js", ".mjs", ".cjs" } },
	{ "javascript", "javascriptreact", { ".jsx" } },
	{ "typescript", "typescript", { ".ts", ".mts", ".cts" } },
	{ "typescript", "typescriptreact", { ".tsx" } },
	{ "rust", "rust", { ".rs" } },
	{ "java", "java", { ".java" } },
};

const struct ctx_langinfo *
ctx_langinfo_for_path(const char *path)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash))
		return NULL;
	for (size_t i = 0; i < sizeof languages / sizeof *languages; i++)
		for (const char *const *e = languages[i].exts; e < languages[i].exts + 8 && *e; e++)
			if (strcmp(dot, *e) == 0)
				return &languages[i];
	return NULL;
}
