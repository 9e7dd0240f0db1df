#!/bin/sh
# The fallback's definitions (SPEC.md §11) against jedi: 1,000 questions on a workspace of
# more than 1,500 Python files (Debian's dist-packages), then agreement on Django.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 "$here/resolve.py" "${CTX_BIN:?}/ctx-lsp" "${CTX_BENCH_BIN:?}/resolve_only" \
	"${BENCH_RESOLVE_ROOT:-/usr/lib/python3/dist-packages}" \
	"${BENCH_RESOLVE_SECOND:-/usr/lib/python3/dist-packages/django}" "${BENCH_RESOLVE_N:-1000}"
