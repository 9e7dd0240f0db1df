#!/usr/bin/python3
"""The fallback's definitions (SPEC.md §11): speed on a big workspace against jedi, the
engine pylsp uses, on the same questions in the same run; per-question latency; agreement
with jedi on a second code base.

    resolve.py CTX_LSP RESOLVE_ONLY BIG_ROOT SECOND_ROOT [N]
"""
import json
import os
import random
import resource
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
import def_truth  # noqa: E402  (positions and files, as the agreement test picks them)


def sample(root, n, seed=3):
    pos = []
    for rel in def_truth.py_files(root):
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                src = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        pos += [(rel, l, c) for l, c in def_truth.positions(src)]
    return len(set(p[0] for p in pos)), sorted(random.Random(seed).sample(pos, n))


def main():
    ctx_lsp, resolve_only, big, second = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    big = os.path.realpath(big)
    files, qs = sample(big, n)
    print("fallback definitions: %d questions on %s (%d Python files)" % (n, big, files))

    reqs = "".join(json.dumps({"id": i, "method": "definition", "file": r, "line": l, "col": c + 1}) + "\n"
                   for i, (r, l, c) in enumerate(qs))
    t0 = time.monotonic()
    out = subprocess.run([ctx_lsp, "--server", "ctx-bench-no-server", "--root", big], input=reqs,
                         capture_output=True, text=True).stdout
    ours = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    answers = [json.loads(x) for x in out.splitlines()]
    resolved = sum(1 for a in answers if a.get("resolution") == "resolved")

    t0 = time.monotonic()
    import jedi
    project = jedi.Project(big)
    by_file, jedi_found = {}, 0
    for r, l, c in qs:
        by_file.setdefault(r, []).append((l, c))
    for r, asked in by_file.items():
        with open(os.path.join(big, r), encoding="utf-8") as f:
            script = jedi.Script(f.read(), path=os.path.join(big, r), project=project)
        for l, c in asked:
            try:
                jedi_found += bool(script.goto(l, c, follow_imports=True))
            except Exception:
                pass
    ref = time.monotonic() - t0
    print("  ctx-lsp (no server, index included): %.2f s for %d, %d resolved, max RSS %.0f MiB" %
          (ours, len(answers), resolved, rss))
    print("  jedi goto, same questions:           %.2f s, %d with a definition" % (ref, jedi_found))
    print("  ratio jedi / ctx-lsp:                %.1fx   (target: ctx-lsp <= 5 s)" % (ref / ours))

    q = "".join("%s %d %d\n" % (r, l, c + 1) for r, l, c in qs)
    lat = json.loads(subprocess.run([resolve_only, big], input=q, capture_output=True, text=True).stdout)
    print("  per question, cold (files analysed as met): p50 %d us, p95 %d us, max %d us" %
          (lat["cold"]["p50_us"], lat["cold"]["p95_us"], lat["cold"]["max_us"]))
    print("  per question, warm:                         p50 %d us, p95 %d us, max %d us   (target: p50 <= 5 ms)" %
          (lat["warm"]["p50_us"], lat["warm"]["p95_us"], lat["warm"]["max_us"]))

    print("agreement with jedi on %s (%d positions): " % (second, n), end="", flush=True)
    cache = os.environ.get("BENCH_JEDI_CACHE")
    args = [sys.executable, os.path.join(here, "..", "tests", "def_truth.py"), "--root", second, "--ctx-lsp",
            ctx_lsp, "--sample", str(n)] + (["--jedi-cache", cache] if cache else [])
    fig = json.loads(subprocess.run(args, capture_output=True, text=True).stdout.splitlines()[0])
    print("precision %.3f (target 0.90), recall %.3f (target 0.50); %d answered, %d right of %d jedi resolves "
          "in the workspace" % (fig["precision"], fig["recall"], fig["answered"], fig["right"],
                                fig["jedi_in_workspace"]))


if __name__ == "__main__":
    main()
