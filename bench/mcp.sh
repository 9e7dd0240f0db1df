#!/bin/sh
# ctx-mcp through the official MCP TypeScript SDK's client (tests/mcp/client.mjs, installed
# by make deps), against the command-line tools and a direct pylsp client, in the same run.
set -eu
bin=${CTX_BIN:?}
client=${CTX_MCP_CLIENT:?make deps installs the SDK into build/mcp-client}
here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_MCP_CALLS:-500}
work=$(mktemp -d)
export XDG_RUNTIME_DIR="$work/run"
mkdir -m 0700 "$work/run"
cleanup() {
	"$bin/ctx-lsp" --daemon-stop --server pylsp --root "$work/ws" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cp -r "$here/../sample" "$work/sample"
cp -r "$here/../tests/data/lsp" "$work/ws"
rm -rf "$work/sample/_ctx" "$work/ws/_ctx"
mcp() { CTX_MCP_CLIENT=$client node "$here/../tests/mcp/client.mjs" bench "$bin/ctx-mcp" "$@"; }
field() { echo "$1" | jq -r ".$2"; }

get=$(mcp "$work/sample" get_symbol '{"uri":"sym://python/type/shop.cart#Cart.add"}' "$n")
# The same question asked the way an agent without MCP asks it: one ctx-parse per call.
cli=$(cd "$work/sample" && for i in $(seq 50); do
	s=$(date +%s%N)
	"$bin/ctx-parse" --get 'sym://python/type/shop.cart#Cart.add' >/dev/null
	echo $(( ($(date +%s%N) - s) / 1000 ))
done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f", v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.95) + 1] / 1000 }')
def=$(mcp "$work/ws" definition '{"file":"pkg/b.py","line":3,"col":9}' "$n" --server pylsp)
direct=$(python3 "$here/lsp_direct.py" "$work/ws" pkg/b.py 3 9 "$n")

# A real code base: Django (python3-django, installed by make deps), copied so that the
# cache goes in the copy.
big=${BENCH_MCP_BIG:-/usr/lib/python3/dist-packages/django}
if [ -d "$big" ]; then
	cp -r "$big" "$work/big"
	rm -rf "$work/big/_ctx"
	bigq=$(mcp "$work/big" get_symbol '{"uri":"sym://python/type/db.models.query#QuerySet.filter","mode":"excerpt"}' "$n")
	bigs=$(mcp "$work/big" skeleton '{"paths":["db/models"]}' 20 --max-result-bytes 1048576)
fi

echo "== ctx-mcp through the MCP SDK client (stdio), $n calls each after one warm-up, this run"
printf '  %-52s %7s ms  p95 %7s ms (target p50 <= 5 ms)\n' "get_symbol (skeleton), sample workspace: p50" \
	"$(field "$get" p50_ms)" "$(field "$get" p95_ms)"
printf '  %-52s %7s ms  p95 %7s ms\n' "the same by one ctx-parse --get per call, 50: p50" ${cli% *} ${cli#* }
printf '  %-52s %7s ms  p95 %7s ms\n' "definition, warm pylsp daemon: p50" "$(field "$def" p50_ms)" \
	"$(field "$def" p95_ms)"
printf '  %-52s %7s ms  p95 %7s ms\n' "the same from a direct pylsp client, kept open: p50" \
	"$(field "$direct" p50_ms)" "$(field "$direct" p95_ms)"
printf '  %-52s %7.2f ms (target <= 5 ms)\n' "ctx-mcp adds to the server's own time, p50" \
	"$(echo "$def $direct" | jq -s '.[0].p50_ms - .[1].p50_ms')"
if [ -n "${bigq:-}" ]; then
	printf '  %-52s %7s ms  p95 %7s ms\n' "Django: get_symbol QuerySet.filter (excerpt): p50" \
		"$(field "$bigq" p50_ms)" "$(field "$bigq" p95_ms)"
	printf '  %-52s %7s ms  p95 %7s ms\n' "Django: skeleton of db/models (cached), 20: p50" \
		"$(field "$bigs" p50_ms)" "$(field "$bigs" p95_ms)"
fi
