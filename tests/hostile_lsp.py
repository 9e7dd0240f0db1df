#!/usr/bin/env python3
"""A language server that misbehaves on purpose, one way per mode, for ctx-lsp's tests.

Usage: hostile_lsp.py MODE
  silent     never answers anything
  slow       answers initialize; answers every request 3 s late
  nocancel   like slow, and says so when it gets $/cancelRequest (it still ignores it)
  garbage    answers initialize, then writes garbage instead of headers
  short      answers initialize, then a Content-Length larger than the body, then exits
  huge       answers initialize, then announces a 1 GiB body and stalls
  exit       answers initialize, then exits at the first request
  flood      answers initialize, sends 100,000 notifications, then answers requests
  early      sends server requests before the initialize response, and answers initialize
             only once they are answered
  nodiag     a good server that never publishes diagnostics
  stubborn   a good server that ignores shutdown, exit and SIGTERM
  noread     answers initialize, then stops reading its input
  echo       a good UTF-16 server whose definition is the position it was asked about
  helper     a good server that starts a helper process in its group (it outlives the server
             unless the group is signalled); the helper writes its pid to $HOSTILE_HELPER_PID
  notloc     a good server whose definition answers are not Locations
  serial50   a good server that takes 50 ms over each request, one after another
"""
import json
import os
import signal
import subprocess
import sys
import time

MODE = sys.argv[1]
out = sys.stdout.buffer
inp = sys.stdin.buffer


def send(obj):
    body = json.dumps(obj).encode()
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()


def read():
    length = None
    while True:
        line = inp.readline()
        if not line:
            sys.exit(0)
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(inp.read(length))


CAPS = {"capabilities": {"definitionProvider": True, "hoverProvider": True, "referencesProvider": True,
                         "documentSymbolProvider": True}}


def answer(msg):
    """What a good server would say to a request."""
    m = msg["method"]
    if m == "textDocument/definition" and MODE == "notloc":
        return [{"name": "x"}, 42, "file:///etc/passwd"]
    if m == "textDocument/definition" and MODE == "echo":
        pos = msg["params"]["position"]
        return [{"uri": msg["params"]["textDocument"]["uri"], "range": {"start": pos, "end": pos}}]
    if m == "textDocument/definition":
        return [{"uri": msg["params"]["textDocument"]["uri"],
                 "range": {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 10}}}]
    if m == "textDocument/hover":
        return {"contents": {"kind": "plaintext", "value": "hostile hover"}}
    if m == "shutdown":
        return None
    return []


if MODE == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if MODE == "helper":
    helper = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    with open(os.environ["HOSTILE_HELPER_PID"], "w") as f:
        f.write("%d\n" % helper.pid)
if MODE == "silent":
    while True:
        read()

if MODE == "early":
    send({"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 3, "message": "hello"}})
    send({"jsonrpc": "2.0", "id": "c1", "method": "workspace/configuration", "params": {"items": [{}, {}]}})
    send({"jsonrpc": "2.0", "id": "c2", "method": "window/workDoneProgress/create", "params": {"token": "t"}})
    send({"jsonrpc": "2.0", "id": "c3", "method": "custom/unknown", "params": {}})

pending_init = None
got = set()
while True:
    msg = read()
    if "id" in msg and "method" not in msg:  # an answer to our request
        got.add(msg["id"])
        if MODE == "early" and {"c1", "c2", "c3"} <= got and pending_init is not None:
            send({"jsonrpc": "2.0", "id": pending_init, "result": CAPS})
        continue
    method = msg.get("method")
    if method == "initialize":
        if MODE == "early":
            pending_init = msg["id"]
            continue
        send({"jsonrpc": "2.0", "id": msg["id"], "result": CAPS})
        if MODE == "garbage":
            out.write(b"this is not a header\r\n\r\n{}")
            out.flush()
        elif MODE == "huge":
            out.write(b"Content-Length: 1073741824\r\n\r\n{\"jsonrpc\":")
            out.flush()
        elif MODE == "flood":
            for i in range(100000):
                send({"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 4, "message": "n%d" % i}})
        elif MODE == "noread":
            while True:
                time.sleep(1)
        continue
    if method in ("exit",) and MODE != "stubborn":
        sys.exit(0)
    if "id" not in msg:
        if method == "$/cancelRequest" and MODE == "nocancel":
            send({"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 3, "message": "ignored cancel"}})
        continue
    if MODE == "exit":
        sys.exit(3)
    if MODE == "short":
        out.write(b"Content-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\"")
        out.flush()
        sys.exit(0)
    if MODE == "stubborn" and method == "shutdown":
        continue
    if MODE in ("slow", "nocancel"):
        time.sleep(3)
    if MODE == "serial50" and method != "shutdown":
        time.sleep(0.05)
    send({"jsonrpc": "2.0", "id": msg["id"], "result": answer(msg)})
