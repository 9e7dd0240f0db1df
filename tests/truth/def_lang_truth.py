#!/usr/bin/env python3
"""ctx-lsp's fallback definitions for JavaScript and TypeScript against the TypeScript
language service (a sample of identifiers; ts_defs.js), for C against clang (the
references clang resolves; c_defs.py), for Go against go/types (go_defs.go; FILE... are
package directories then): precision (answers that name one of the places the
front end names) and recall (of the uses the front end places in the workspace).

Usage: def_lang_truth.py --lang js|c --ctx-lsp BIN --root DIR [--sample N]
       [--typescript TYPESCRIPT_JS] [--min-precision P] [--min-recall R] [-I DIR]... FILE..."""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lang", required=True, choices=["js", "c", "go"])
    p.add_argument("--ctx-lsp", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--sample", type=int, default=1000)
    p.add_argument("--typescript")
    p.add_argument("--min-precision", type=float, default=0.0)
    p.add_argument("--min-recall", type=float, default=0.0)
    p.add_argument("-I", action="append", default=[])
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    root = os.path.realpath(a.root)
    if a.typescript:
        a.typescript = os.path.abspath(a.typescript)  # the front end runs in the root
    t0 = time.time()
    if a.lang == "js":
        cmd = ["node", os.path.join(HERE, "ts_defs.js"), a.typescript, root, str(a.sample)] + a.files
    elif a.lang == "go":
        tmp = tempfile.mkdtemp()
        env = dict(os.environ, GO111MODULE="off", GOCACHE=os.path.join(tmp, "cache"))
        subprocess.run(["go", "build", "-o", os.path.join(tmp, "go_defs"), "go_defs.go"], cwd=HERE, env=env, check=True)
        cmd = [os.path.join(tmp, "go_defs"), root, str(a.sample)] + a.files
    else:
        cmd = [sys.executable, os.path.join(HERE, "c_defs.py"), "--sample", str(a.sample)]
        cmd += [x for d in a.I for x in ("-I", d)] + a.files
    truth = [json.loads(l) for l in subprocess.run(cmd, cwd=root, capture_output=True, text=True,
                                                   check=True).stdout.splitlines()]
    truth_s = time.time() - t0
    reqs = "".join(json.dumps({"id": i, "method": "definition", "file": t["file"], "line": t["line"],
                               "col": t["col"]}) + "\n" for i, t in enumerate(truth))
    t0 = time.time()
    out = subprocess.run([a.ctx_lsp, "--server", "ctx-no-server", "--root", root], input=reqs, capture_output=True,
                         text=True, timeout=1800).stdout
    ours_s = time.time() - t0
    answers = {o["id"]: o for o in map(json.loads, out.splitlines())}
    answered = right = placed = found = 0
    res = collections.Counter()
    wrong = []
    for i, t in enumerate(truth):
        o = answers.get(i, {})
        res[o.get("resolution")] += 1
        defs = {(f, l) for f, l in t["defs"]}
        placed += bool(defs)
        if not o.get("result") and defs and os.environ.get("CTX_TRUTH_MISSED") and len(wrong) < 40:
            wrong.append(f"missed ({o.get('resolution')}): {t['file']}:{t['line']}:{t['col']} front end {sorted(defs)}")
        if o.get("result"):
            answered += 1
            r = o["result"][0]
            ok = (r["file"], r["line"]) in defs
            right += ok
            found += ok
            if not ok and len(wrong) < 15:
                wrong.append(f"{t['file']}:{t['line']}:{t['col']} -> {r['file']}:{r['line']}, front end {sorted(defs)}")
    precision = right / answered if answered else 1.0
    recall = found / placed if placed else 1.0
    print(json.dumps({"lang": a.lang, "root": root, "asked": len(truth), "front_end_in_workspace": placed,
                      "answered": answered, "right": right, "precision": round(precision, 4),
                      "recall": round(recall, 4), "resolution": dict(res), "front_end_s": round(truth_s, 1),
                      "ctx_lsp_s": round(ours_s, 2)}))
    for w in wrong:
        print("  wrong: " + w)
    if precision < a.min_precision or recall < a.min_recall:
        print(f"below the bounds: precision >= {a.min_precision}, recall >= {a.min_recall}")
        return 1
    return 0


sys.exit(main())
