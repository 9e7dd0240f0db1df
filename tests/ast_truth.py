#!/usr/bin/env python3
"""Ground truth for ctx-parse: classes, functions and methods of Python files as Python's own
ast module sees them, with the rules of SPEC.md §6 (definitions at module or class level, also
under if/try/with/for/while/match; none inside function bodies).

Usage: ast_truth.py FILE... ; prints one JSON line per file Python can parse:
{"file": F, "symbols": [[kind, qualname, lineno, end_lineno], ...]}, and on stderr the
count of files Python rejects (skipped)."""
import ast
import json
import sys

BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
if hasattr(ast, "TryStar"):
    BRANCHES += (ast.TryStar,)


def bodies(node):
    """The statement lists of a compound statement, in source order."""
    yield getattr(node, "body", [])
    for handler in getattr(node, "handlers", []):
        yield handler.body
    for case in getattr(node, "cases", []):
        yield case.body
    yield getattr(node, "orelse", [])
    yield getattr(node, "finalbody", [])


def walk(stmts, parent, in_class, out):
    for s in stmts:
        if isinstance(s, ast.ClassDef):
            qual = f"{parent}.{s.name}" if parent else s.name
            out.append(["class", qual, s.lineno, s.end_lineno])
            walk(s.body, qual, True, out)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = f"{parent}.{s.name}" if parent else s.name
            out.append(["method" if in_class else "function", qual, s.lineno, s.end_lineno])
        elif isinstance(s, BRANCHES) or type(s).__name__ == "Match":
            for body in bodies(s):
                walk(body, parent, in_class, out)


skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError):
        skipped += 1
        continue
    symbols = []
    walk(tree.body, None, False, symbols)
    print(json.dumps({"file": path, "symbols": symbols}))
print(f"skipped {skipped}", file=sys.stderr)
