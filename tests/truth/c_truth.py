#!/usr/bin/env python3
"""c_truth: the file-scope declarations of C files as clang sees them, for lang_truth.py.

Usage: c_truth.py [-I DIR]... FILE... ; one JSON line per file:
{"file": F, "symbols": [[kind, name, start_line, end_line], ...]}: functions (definitions
and prototypes), variables, named structs, unions and enums that are defined (nested ones
too), typedefs; declared in the file itself (not in what it includes), in the active
configuration. Lines are clang's range: from the first specifier to the last token."""
import json
import subprocess
import sys


def locations(node, state, out, top=False):
    """Walk the dump in print order, filling in the file and line clang elides when they
    repeat the last printed location; out gets (node, begin, end) for every declaration."""
    def loc(d):
        if not isinstance(d, dict):
            return None
        if "spellingLoc" in d or "expansionLoc" in d:
            s = loc(d.get("spellingLoc"))
            e = loc(d.get("expansionLoc"))
            return e or s
        if "offset" not in d:
            return None
        if "file" in d:
            state["file"] = d["file"]
        if "line" in d:
            state["line"] = d["line"]
        return (state["file"], state["line"])

    loc(node.get("loc"))
    rng = node.get("range", {})
    begin = loc(rng.get("begin"))
    end = loc(rng.get("end"))
    if top:
        out.append((node, begin, end))
    is_tu = node.get("kind") == "TranslationUnitDecl"
    for child in node.get("inner", []):
        nested_record = top and node.get("kind") == "RecordDecl" and child.get("kind") in ("RecordDecl", "EnumDecl")
        locations(child, state, out, is_tu or nested_record)


def main():
    args = sys.argv[1:]
    flags = []
    while args and args[0] == "-I":
        flags += ["-I", args[1]]
        args = args[2:]
    for path in args:
        dump = subprocess.run(["clang", "-Xclang", "-ast-dump=json", "-fsyntax-only", "-w"] + flags + [path],
                              capture_output=True, check=False).stdout
        tu = json.loads(dump)
        nodes = []
        state = {"file": None, "line": None}
        locations(tu, state, nodes)
        syms = []
        for node, begin, end in nodes:
            if node.get("isImplicit") or not begin or begin[0] != path or not end:
                continue
            kind = node.get("kind")
            name = node.get("name")
            if not name:
                continue
            if kind == "FunctionDecl":
                k = "function"
            elif kind == "VarDecl":
                k = "variable"
            elif kind == "RecordDecl" and node.get("completeDefinition"):
                k = node.get("tagUsed")
            elif kind == "EnumDecl" and "inner" in node:
                k = "enum"
            elif kind == "TypedefDecl":
                k = "typedef"
            else:
                continue
            syms.append([k, name, begin[1], end[1]])
        print(json.dumps({"file": path, "symbols": syms}))


main()
