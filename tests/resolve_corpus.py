#!/usr/bin/python3
"""Check ctx-lsp's fallback definitions against the expectations written in a corpus.

    resolve_corpus.py --ctx-lsp BIN --root DIR

In the corpus's files (.py with `  # ` comments; .c, .h, .go, .js, .ts and .tsx with
`  // `), `@label` in a comment names the line it ends on; `?word => @label`,
`?word => path:line`, `?word => builtin|dynamic|unresolved` (several per comment) say what
the first `word` of the line (`?word#2`: the second) resolves to. Every case is asked of
ctx-lsp with no server (so the fallback answers); one line per case, "ok" or "not ok",
then "N passed, N failed". Exit 1 when a case fails, 2 when the corpus is malformed.
"""
import argparse
import json
import os
import re
import subprocess
import sys

CASE = re.compile(r"\?([A-Za-z_][A-Za-z0-9_]*)(?:#(\d+))? => (@[A-Za-z0-9_]+|[^\s:]+:\d+|builtin|dynamic|unresolved)")
SOURCES = (".c", ".h", ".go", ".js", ".ts", ".tsx")
LABEL = re.compile(r"(?:^|\s)@([A-Za-z0-9_]+)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctx-lsp", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--min", type=int, default=1, help="fail with fewer cases")
    a = ap.parse_args()
    root = os.path.realpath(a.root)
    labels, cases = {}, []
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            marker = "  # " if f.endswith(".py") else "  // " if f.endswith(SOURCES) else None
            if not marker:
                continue
            rel = os.path.relpath(os.path.join(d, f), root)
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            for n, line in enumerate(lines, 1):
                code, hash_, comment = line.partition(marker)
                if not hash_:
                    continue
                for lab in LABEL.findall(re.sub(CASE, "", comment)):
                    if lab in labels:
                        print("resolve_corpus: %s:%d: label @%s given twice" % (rel, n, lab), file=sys.stderr)
                        return 2
                    labels[lab] = (rel, n)
                for word, nth, want in CASE.findall(comment):
                    hits = [m.start() for m in re.finditer(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % word, code)]
                    k = int(nth or 1)
                    if len(hits) < k:
                        print("resolve_corpus: %s:%d: no %s #%d on the line" % (rel, n, word, k), file=sys.stderr)
                        return 2
                    cases.append((rel, n, len(code[:hits[k - 1]]) + 1, word, k, want))
    reqs = "".join(json.dumps({"id": i, "method": "definition", "file": c[0], "line": c[1], "col": c[2]}) + "\n"
                   for i, c in enumerate(cases))
    proc = subprocess.run([a.ctx_lsp, "--server", "ctx-corpus-no-server", "--root", root], input=reqs,
                          capture_output=True, text=True, timeout=120)
    answers = {}
    for line in proc.stdout.splitlines():
        o = json.loads(line)
        answers[o["id"]] = o
    passed = failed = 0
    for i, (rel, n, col, word, k, want) in enumerate(cases):
        o = answers.get(i, {})
        res, how = o.get("result") or [], o.get("resolution")
        if want.startswith("@"):
            if want[1:] not in labels:
                print("resolve_corpus: %s:%d: no label %s" % (rel, n, want), file=sys.stderr)
                return 2
            expect = "%s:%d" % labels[want[1:]]
        else:
            expect = want
        got = "%s:%d" % (res[0]["file"], res[0]["line"]) if res else how
        ok = got == expect and (how == "resolved") == bool(res) and o.get("status") == "fallback"
        passed += ok
        failed += not ok
        print("%s - %s:%d:%d %s%s => %s%s" % ("ok" if ok else "not ok", rel, n, col, word, "#%d" % k if k > 1 else "",
                                             want, "" if ok else " (got %s, resolution %s)" % (got, how)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or len(cases) < a.min else 0


if __name__ == "__main__":
    sys.exit(main())
