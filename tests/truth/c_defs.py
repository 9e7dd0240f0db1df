#!/usr/bin/env python3
"""c_defs: where clang says the names C code uses are declared, for def_lang_truth.py.

Usage: c_defs.py [--sample N] [-I DIR]... FILE... (run in the workspace's root)
Every reference clang resolves (DeclRefExpr: variables, parameters, functions, enum
constants) written in the files themselves (not in a macro's expansion), an even sample
of N, one JSON line each: {"file","line","col","defs": [[file, line], ...]}: every
declaration of the entity, as declared anywhere in the files' translation units (a
function or global with external linkage is one entity across them all)."""
import argparse
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def walk(node, state, decls, refs, depth=0):
    def loc(d):
        if not isinstance(d, dict):
            return None
        if "spellingLoc" in d or "expansionLoc" in d:
            loc(d.get("spellingLoc"))
            loc(d.get("expansionLoc"))
            return None  # in a macro: not written here
        if "offset" not in d:
            return None
        if "file" in d:
            state["file"] = d["file"]
        if "line" in d:
            state["line"] = d["line"]
        return (state["file"], state["line"], d.get("col"))

    here = loc(node.get("loc"))
    rng = node.get("range", {})
    begin = loc(rng.get("begin"))
    loc(rng.get("end"))
    kind = node.get("kind", "")
    if kind.endswith("Decl") and node.get("name") and here and not node.get("isImplicit"):
        decls[node["id"]] = (os.path.normpath(here[0]), here[1], node["name"], kind,
                             node.get("storageClass", ""), depth == 1)
    if kind == "DeclRefExpr" and begin and "referencedDecl" in node:
        refs.append((os.path.normpath(begin[0]), begin[1], begin[2], node["referencedDecl"]["id"]))
    for child in node.get("inner", []):
        walk(child, state, decls, refs, depth + 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", type=int, default=1000)
    p.add_argument("-I", action="append", default=[])
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    inc = [x for d in a.I for x in ("-I", d)]
    decls, refs = {}, []
    for f in a.files:
        out = subprocess.run(["clang", "-Xclang", "-ast-dump=json", "-fsyntax-only", "-w"] + inc + [f],
                             capture_output=True, check=False).stdout
        if not out:
            continue
        file_decls, file_refs = {}, []
        walk(json.loads(out), {"file": None, "line": None}, file_decls, file_refs)
        decls.update({(f, k): v for k, v in file_decls.items()})
        refs += [(r[0], r[1], r[2], (f, r[3]), f) for r in file_refs if r[0] == os.path.normpath(f)]
    # Entities: an external function or global is every file-scope declaration of its name.
    external = collections.defaultdict(set)
    for d in decls.values():
        if d[3] in ("FunctionDecl", "VarDecl") and d[5] and d[4] != "static" and not d[0].startswith("/"):
            external[d[2]].add((d[0], d[1]))
    step = max(1.0, len(refs) / a.sample)
    i = 0.0
    while int(i) < len(refs):
        file, line, col, ref, _ = refs[int(i)]
        i += step
        d = decls.get(ref)
        if not d:
            continue
        if d[3] in ("FunctionDecl", "VarDecl") and d[5] and d[4] != "static":
            defs = sorted(external[d[2]])
        elif d[0].startswith("/"):
            defs = []  # a system header's: outside the workspace
        else:
            # A static function or global: its declarations in this file's unit.
            same = {(e[0], e[1]) for k, e in decls.items() if k[0] == ref[0] and e[2] == d[2] and e[3] == d[3] and e[5]}
            defs = sorted(same if d[5] else {(d[0], d[1])})
        print(json.dumps({"file": file, "line": line, "col": col, "defs": defs}))


main()
