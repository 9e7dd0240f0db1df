#!/usr/bin/env python3
"""pylsp directly (a minimal LSP client) and through ctx-lsp, in the same run: time to the
initialize response, first definition, first diagnostics and READY, and warm definition
latency p50/p95 over N sequential requests. Usage: lsp_bench.py CTX_LSP WORKSPACE [N]"""
import json
import os
import subprocess
import sys
import time

import lspwire

CTX_LSP, WS = sys.argv[1], os.path.abspath(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 500
FILE = "pkg/b.py"
LINE, COL = 3, 9  # helper(2): 1-based


def pct(values, p):
    s = sorted(values)
    return s[int(len(s) * p)]


def direct():
    t0 = time.monotonic()
    srv = lspwire.Server(["pylsp"], WS)
    marks = {}

    def seen(m):
        if m.get("method") == "textDocument/publishDiagnostics" and "diagnostics" not in marks:
            marks["diagnostics"] = time.monotonic() - t0

    uri = "file://" + os.path.join(WS, FILE)
    srv.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + WS, "capabilities": {}}, seen)
    marks["initialize"] = time.monotonic() - t0
    srv.notify("initialized", {})
    with open(os.path.join(WS, FILE)) as f:
        srv.notify("textDocument/didOpen",
                   {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": f.read()}})
    pos = {"textDocument": {"uri": uri}, "position": {"line": LINE - 1, "character": COL - 1}}
    srv.request("textDocument/definition", pos, seen)
    marks["first definition"] = time.monotonic() - t0
    lat = []
    for _ in range(N):
        t = time.monotonic()
        srv.request("textDocument/definition", pos, seen)
        lat.append((time.monotonic() - t) * 1000)
    srv.close()
    return marks, lat


def through_ctx_lsp():
    ev, tr = "/tmp/ctx-lsp-bench-events.%d" % os.getpid(), "/tmp/ctx-lsp-bench-trace.%d" % os.getpid()
    t0 = time.monotonic()
    p = subprocess.Popen([CTX_LSP, "--server", "pylsp", "--events", ev, "--trace", tr], cwd=WS,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    req = json.dumps({"id": 0, "method": "definition", "file": FILE, "line": LINE, "col": COL}).encode() + b"\n"

    def ask():
        p.stdin.write(req)
        p.stdin.flush()
        return json.loads(p.stdout.readline())

    first = ask()
    marks = {"first definition": time.monotonic() - t0}
    lat = []
    for _ in range(N):
        t = time.monotonic()
        a = ask()
        lat.append((time.monotonic() - t) * 1000)
        assert a["status"] == "ok", a
    p.stdin.close()
    p.wait()
    events = [json.loads(l) for l in open(ev)]
    ready = [e for e in events if e["cmd"] == "lsp.ready"][0]
    init = [e for e in events if e["cmd"] == "lsp.initialize"][0]
    marks["initialize"] = init["timing_ms"] / 1000
    marks["READY (%s)" % ready["result"]["ready_via"]] = ready["timing_ms"] / 1000
    # The message that made it READY, from the trace (ms since the spawn, same clock).
    trigger = None
    for line in open(tr):
        ms, arrow, body = line.split(" ", 2)
        if arrow != "<--":
            continue
        m = json.loads(body)
        if ready["result"]["ready_via"] == "diagnostics" and m.get("method") == "textDocument/publishDiagnostics":
            trigger = float(ms)
        elif ready["result"]["ready_via"] == "definition" and "result" in m and m.get("id", 0) > 1:
            trigger = float(ms)
        if trigger is not None:
            break
    os.unlink(ev)
    os.unlink(tr)
    return marks, lat, first, ready["timing_ms"] - trigger if trigger is not None else None


dm, dl = direct()
cm, cl, first, ready_delay = through_ctx_lsp()
print("== ctx-lsp: pylsp on the test workspace, %d warm definitions each, this run" % N)
for k in ("initialize", "first definition", "diagnostics"):
    if k in dm:
        print("  %-36s %8.0f ms" % ("direct client: " + k, dm[k] * 1000))
for k, v in cm.items():
    print("  %-36s %8.0f ms" % ("ctx-lsp: " + k, v * 1000))
print("  %-36s %8.2f ms  p95 %6.2f ms" % ("direct client: warm definition p50", pct(dl, .5), pct(dl, .95)))
print("  %-36s %8.2f ms  p95 %6.2f ms" % ("ctx-lsp: warm definition p50", pct(cl, .5), pct(cl, .95)))
print("  %-36s %8.2f ms (target <= 1 ms)" % ("ctx-lsp adds to the warm p50", pct(cl, .5) - pct(dl, .5)))
if ready_delay is not None:
    # timing_ms is whole milliseconds, the trace has fractions: within 1 ms reads as <= 1.
    print("  %-36s %8s ms (target <= 5 ms)" % ("READY reported after its message",
                                              "<= 1" if ready_delay <= 1 else "%.0f" % ready_delay))
