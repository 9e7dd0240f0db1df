#!/usr/bin/env python3
"""Ground truth for ctx-parse's C, Go, JavaScript and TypeScript skeletons: every definition
of every file, as each language's own front end sees it (clang's JSON AST, go/ast, the
TypeScript compiler API), must be in ctx-parse's record with the same name, kind, first and
last line, and ctx-parse must have nothing the front end has not (C: but macros and what is
under #if, which the compiler of one configuration cannot see; the golden corpus checks
those). Symbols the grammar gets wrong are listed, with the reason, in the defects file
(FILE<TAB>KIND<TAB>NAME<TAB>REASON): they are left out, and must still be wrong.

Usage: lang_truth.py --lang c|go|js --ctx-parse BIN --root DIR [--sample N] [--min N]
       [--defects FILE] [--typescript TYPESCRIPT_JS] [-I DIR]... FILE...
(FILE relative to DIR; --sample takes every k-th file so that about N are compared)."""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def front_end(args, files):
    if args.lang == "c":
        inc = [x for d in args.I for x in ("-I", d)]
        cmd = [sys.executable, os.path.join(HERE, "c_truth.py")] + inc + files
    elif args.lang == "go":
        tmp = tempfile.mkdtemp()
        env = dict(os.environ, GO111MODULE="off", GOCACHE=os.path.join(tmp, "cache"))
        subprocess.run(["go", "build", "-o", os.path.join(tmp, "go_truth"), "go_truth.go"], cwd=HERE, env=env,
                       check=True)
        cmd = [os.path.join(tmp, "go_truth")] + files
    else:
        cmd = ["node", os.path.join(HERE, "ts_truth.js"), args.typescript] + files
    out = subprocess.run(cmd, cwd=args.root, capture_output=True, text=True, check=True).stdout
    return {d["file"]: d["symbols"] for d in map(json.loads, out.splitlines())}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lang", required=True, choices=["c", "go", "js"])
    p.add_argument("--ctx-parse", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--sample", type=int, default=0)
    p.add_argument("--min", type=int, default=1)
    p.add_argument("--defects")
    p.add_argument("--typescript")
    p.add_argument("-I", action="append", default=[])
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    if args.typescript:
        args.typescript = os.path.abspath(args.typescript)  # the front end runs in the root
    files = sorted(args.files)
    if args.sample and len(files) > args.sample:
        step = len(files) / args.sample
        files = [files[int(i * step)] for i in range(args.sample)]
    defects = collections.defaultdict(set)
    reasons = {}
    if args.defects and os.path.exists(args.defects):
        for line in open(args.defects):
            if line.strip() and not line.startswith("#"):
                f, kind, name, reason = line.rstrip("\n").split("\t", 3)
                defects[f].add((kind, name))
                reasons[(f, kind, name)] = reason
    truth = front_end(args, files)
    recs = subprocess.run([args.ctx_parse, "--no-cache", "--root", "."] + files, cwd=args.root,
                          capture_output=True, text=True, check=False).stdout
    ours = {d["file"]: d for d in map(json.loads, recs.splitlines())}
    compared = definitions = 0
    bad = []
    known_seen = set()
    for f in files:
        if f not in truth or "symbols" not in ours.get(f, {}):
            continue
        name_of = (lambda s: s["name"]) if args.lang == "c" else (lambda s: s["qualname"])
        mine = [(s["kind"], name_of(s), s["start_line"], s["end_line"], s.get("conditional"))
                for s in ours[f]["symbols"] if s["kind"] != "macro"]
        theirs = collections.Counter(tuple(t) for t in truth[f] if (t[0], t[1]) not in defects[f])
        got = collections.Counter(m[:4] for m in mine if (m[0], m[1]) not in defects[f])
        conditional = {m[:4] for m in mine if m[4]}
        for kind, name in defects[f]:
            if any((t[0], t[1]) == (kind, name) for t in truth[f]) and \
                    collections.Counter(t for t in map(tuple, truth[f]) if t[:2] == (kind, name)) == \
                    collections.Counter(m[:4] for m in mine if m[:2] == (kind, name)):
                bad.append(f"{f}: {kind} {name} is right now: take it off the defects")
            known_seen.add((f, kind, name))
        missing = theirs - got
        extra = collections.Counter({k: v for k, v in (got - theirs).items() if k not in conditional})
        compared += 1
        definitions += sum(theirs.values())
        for m in sorted(missing):
            bad.append(f"{f}: missing or different: {list(m)}")
        for m in sorted(extra):
            bad.append(f"{f}: not in the front end's: {list(m)}")
    print(f"{args.lang}: compared {compared} files, {definitions} definitions; "
          f"{len(known_seen)} known grammar defects left out")
    for b in bad[:40]:
        print("  " + b)
    if bad:
        print(f"{len(bad)} disagreements")
        return 1
    if definitions < args.min:
        print(f"fewer than {args.min} definitions compared")
        return 1
    return 0


sys.exit(main())
