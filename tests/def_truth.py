#!/usr/bin/python3
"""Agreement of ctx-lsp's fallback definitions with jedi (SPEC.md §11).

Positions: NAME tokens from tokenize that are not keywords, self/cls, nor the name bound
by def, class, import or as. Reference: jedi's goto(follow_imports=True), run with this
interpreter (Debian's python3, the one pylsp runs on). An answer is right when its first
location has the file and line of one of jedi's; every answer where jedi finds nothing in
the workspace counts as wrong. precision = right / answered; recall = right / positions
jedi resolves inside the workspace.

    def_truth.py --root DIR --ctx-lsp BIN [--sample N] [--seed S]
                 [--min-precision P] [--min-recall R] [--show-wrong K] [--jedi-cache FILE]

Prints one JSON line of figures; exits 1 when a minimum is missed, 2 on a usage error.
"""
import argparse
import hashlib
import io
import json
import keyword
import os
import random
import subprocess
import sys
import time
import tokenize

SKIP_DIRS = {".git", "node_modules", "__pycache__", "venv", ".venv", "_ctx"}


def py_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not os.path.islink(os.path.join(d, x)))
        for f in sorted(files):
            p = os.path.join(d, f)
            if f.endswith(".py") and os.path.isfile(p) and not os.path.islink(p):
                out.append(os.path.relpath(p, root))
    return out


def positions(src):
    """(line, col) of the names to ask about; col 0-based in code points."""
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    toks = [t for t in toks if t.type not in (tokenize.NL, tokenize.COMMENT)]
    out = []
    stmt = None  # "import" or "from" while inside such a statement
    after_import = False
    for i, t in enumerate(toks):
        if t.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            stmt, after_import = None, False
            continue
        if t.type != tokenize.NAME:
            continue
        prev = toks[i - 1].string if i > 0 else ""
        if prev in ("", "\n") or toks[i - 1].type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            if t.string in ("import", "from"):
                stmt, after_import = t.string, t.string == "import"
        if t.string == "import" and stmt == "from":
            after_import = True
        if keyword.iskeyword(t.string) or t.string in ("self", "cls"):
            continue
        if prev in ("def", "class", "as"):
            continue
        if after_import and prev in ("import", ",", "("):
            # bound unless an alias follows the (dotted) name
            j = i + 1
            while j + 1 < len(toks) and toks[j].string == "." and toks[j + 1].type == tokenize.NAME:
                j += 2
            if not (j < len(toks) and toks[j].string == "as"):
                continue
        out.append(t.start)
    return out


def jedi_answers(root, rel, src, asked, cache):
    import jedi  # here: the script's figures need it, its usage message does not

    digest = hashlib.sha1(src.encode("utf-8", "surrogatepass")).hexdigest()
    todo = [p for p in asked if "%s:%s:%d:%d" % (rel, digest, p[0], p[1]) not in cache]
    if todo:
        project = jedi.Project(root)
        script = jedi.Script(src, path=os.path.join(root, rel), project=project)
        for line, col in todo:
            key = "%s:%s:%d:%d" % (rel, digest, line, col)
            try:
                defs = script.goto(line, col, follow_imports=True)
                cache[key] = [[str(d.module_path) if d.module_path else None, d.line] for d in defs]
            except Exception:  # jedi's own failures (recursion in import cycles): not a reference
                cache[key] = None
    return {p: cache["%s:%s:%d:%d" % (rel, digest, p[0], p[1])] for p in asked}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--ctx-lsp", required=True)
    ap.add_argument("--sample", type=int, default=0, help="positions drawn at random (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-precision", type=float, default=0.0)
    ap.add_argument("--min-recall", type=float, default=0.0)
    ap.add_argument("--show-wrong", type=int, default=0)
    ap.add_argument("--show-missed", type=int, default=0)
    ap.add_argument("--jedi-cache")
    a = ap.parse_args()
    root = os.path.realpath(a.root)
    if not os.path.isdir(root):
        print("def_truth: %s: not a directory" % a.root, file=sys.stderr)
        return 2

    texts, allpos = {}, []
    for rel in py_files(root):
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                texts[rel] = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        allpos += [(rel, l, c) for l, c in positions(texts[rel])]
    chosen = allpos if not a.sample or a.sample >= len(allpos) else random.Random(a.seed).sample(allpos, a.sample)
    chosen.sort()

    cache = {}
    if a.jedi_cache and os.path.exists(a.jedi_cache):
        with open(a.jedi_cache) as f:
            cache = json.load(f)
    t0 = time.monotonic()
    truth = {}
    byfile = {}
    for rel, l, c in chosen:
        byfile.setdefault(rel, []).append((l, c))
    for rel, asked in byfile.items():
        for p, defs in jedi_answers(root, rel, texts[rel], asked, cache).items():
            truth[(rel,) + p] = defs
    jedi_s = time.monotonic() - t0
    if a.jedi_cache:
        with open(a.jedi_cache + ".tmp", "w") as f:
            json.dump(cache, f)
        os.replace(a.jedi_cache + ".tmp", a.jedi_cache)

    reqs = []
    for i, (rel, l, c) in enumerate(chosen):
        reqs.append(json.dumps({"id": i, "method": "definition", "file": rel, "line": l, "col": c + 1}))
    t0 = time.monotonic()
    proc = subprocess.run([a.ctx_lsp, "--server", "ctx-truth-no-server", "--root", root, "--timeout-ms", "100"],
                          input="\n".join(reqs) + "\n", capture_output=True, text=True, timeout=600)
    ours_s = time.monotonic() - t0
    answers = {}
    for line in proc.stdout.splitlines():
        try:
            o = json.loads(line)
            answers[o["id"]] = o
        except (ValueError, KeyError):
            pass

    def inside(defs):
        return [(os.path.relpath(p, root), l) for p, l in defs or []
                if p and os.path.realpath(p).startswith(root + os.sep)]

    answered = right = resolvable = 0
    by_res, wrong, missed = {}, [], []
    for i, (rel, l, c) in enumerate(chosen):
        defs = truth[(rel, l, c)]
        if defs is None:
            continue  # jedi failed here: no reference
        ws = inside(defs)
        resolvable += bool(ws)
        o = answers.get(i, {})
        res = o.get("result") or []
        by_res[o.get("resolution", "none")] = by_res.get(o.get("resolution", "none"), 0) + 1
        if res:
            answered += 1
            ok = (res[0]["file"], res[0]["line"]) in ws
            right += ok
            if not ok:
                wrong.append((rel, l, c + 1, texts[rel].splitlines()[l - 1].strip()[:100],
                              "%s:%s" % (res[0]["file"], res[0]["line"]), ws[:3], defs[:2]))
        elif ws:
            missed.append((rel, l, c + 1, texts[rel].splitlines()[l - 1].strip()[:100], o.get("resolution"),
                           ws[:2]))
    precision = right / answered if answered else 1.0
    recall = right / resolvable if resolvable else 1.0
    out = {"root": root, "files": len(texts), "positions": len(allpos), "asked": len(chosen),
           "jedi_failed": sum(1 for v in truth.values() if v is None), "jedi_in_workspace": resolvable,
           "answered": answered, "right": right, "precision": round(precision, 4), "recall": round(recall, 4),
           "resolution": by_res, "jedi_s": round(jedi_s, 1), "ctx_lsp_s": round(ours_s, 2)}
    print(json.dumps(out))
    for w in wrong[:a.show_wrong]:
        print("WRONG %s:%d:%d  %s\n   ours %s  jedi %s %s" % w, file=sys.stderr)
    for m in missed[:a.show_missed]:
        print("MISSED %s:%d:%d  %s\n   %s  jedi %s" % m, file=sys.stderr)
    if len(answers) != len(chosen):
        print("def_truth: ctx-lsp answered %d of %d requests (exit %d): %s" %
              (len(answers), len(chosen), proc.returncode, proc.stderr[-500:]), file=sys.stderr)
        return 1
    if precision < a.min_precision or recall < a.min_recall:
        print("def_truth: precision %.3f (min %.2f), recall %.3f (min %.2f)" %
              (precision, a.min_precision, recall, a.min_recall), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
