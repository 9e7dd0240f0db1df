#!/bin/sh
# ctx-lsp against a minimal direct LSP client, both on pylsp, in the same run.
set -eu
bin=${CTX_BIN:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cp -r "$here/../tests/data/lsp" "$work/ws"
python3 "$here/lsp_bench.py" "$bin/ctx-lsp" "$work/ws" "${BENCH_LSP_REQUESTS:-500}"
echo
# The daemon as agents call it, and a batch on Django (python3-django, installed by make deps).
python3 "$here/lsp_daemon.py" "$bin/ctx-lsp" "$work/ws" "${BENCH_LSP_BIG:-/usr/lib/python3/dist-packages/django}"
