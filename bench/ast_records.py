#!/usr/bin/env python3
"""Python's own ast extracting the same records as ctx-parse (kind, qualname, lines,
signature-ish, docstring first line), for comparison. Usage: ast_records.py < files"""
import ast
import json
import sys


def walk(stmts, parent, in_class, out):
    for s in stmts:
        if isinstance(s, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = f"{parent}.{s.name}" if parent else s.name
            doc = ast.get_docstring(s, clean=False)
            kind = "class" if isinstance(s, ast.ClassDef) else "method" if in_class else "function"
            out.append({"kind": kind, "qualname": qual, "start_line": s.lineno, "end_line": s.end_lineno,
                        "decorators": [ast.unparse(d) for d in s.decorator_list],
                        "doc": doc.strip().splitlines()[0][:200] if doc and doc.strip() else None})
            if isinstance(s, ast.ClassDef):
                walk(s.body, qual, True, out)
        elif isinstance(s, (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.AsyncFor, ast.AsyncWith)):
            for body in (s.body, getattr(s, "orelse", []), getattr(s, "finalbody", [])):
                walk(body, parent, in_class, out)


n = 0
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (SyntaxError, ValueError):
        continue
    out = []
    walk(tree.body, None, False, out)
    sys.stdout.write(json.dumps({"file": path, "symbols": out}) + "\n")
    n += 1
