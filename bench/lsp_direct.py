#!/usr/bin/env python3
"""pylsp with a minimal LSP client (lspwire), kept open: warm definition latency over N
requests, as one JSON line {"n", "p50_ms", "p95_ms"}: the server's own time, which any
client of it pays. Usage: lsp_direct.py WORKSPACE FILE LINE COL N (1-based line and col)"""
import json
import os
import sys
import time

import lspwire

WS, FILE, LINE, COL, N = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
srv = lspwire.Server(["pylsp"], WS)
uri = "file://" + os.path.join(WS, FILE)
srv.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + WS, "capabilities": {}})
srv.notify("initialized", {})
with open(os.path.join(WS, FILE), encoding="utf-8") as f:
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                         "text": f.read()}})
pos = {"textDocument": {"uri": uri}, "position": {"line": LINE - 1, "character": COL - 1}}
srv.request("textDocument/definition", pos)
lat = []
for _ in range(N):
    t = time.monotonic()
    srv.request("textDocument/definition", pos)
    lat.append((time.monotonic() - t) * 1000)
srv.close()
lat.sort()
print(json.dumps({"n": N, "p50_ms": round(lat[N // 2], 2), "p95_ms": round(lat[int(N * 0.95)], 2)}))
