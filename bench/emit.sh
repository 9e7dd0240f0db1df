#!/bin/sh
# ctx-emit throughput against the original's per-event open/flock/write/close, same run.
set -eu
bin=${CTX_BIN:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/ws/src"
root=$(cd "$work/ws" && pwd -P)

# Events shaped like ctx-parse's and ctx-lsp's, with paths and messages for redaction to do.
gen() { # writer count
	awk -v w="$1" -v n="$2" -v root="$root" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"cmd\":\"%s\",\"run_id\":\"run_bench\",\"args\":{\"file\":\"%s/src/m%d.py\",\"line\":%d,\"col\":7},\"result\":{\"status\":\"ok\",\"symbols\":%d,\"message\":\"parsed %s/src/m%d.py in time\"},\"timing_ms\":%d.%d,\"warnings\":[],\"x\":{\"cache\":\"%s\",\"bytes\":%d,\"w\":%d,\"seq\":%d}}\n", \
				(i % 3 ? "ast.parse" : "lsp.definition"), root, i % 300, i % 500, i % 40, root, i % 300, i % 20, i % 10, (i % 4 ? "hit" : "miss"), 1000 + i % 999, w, i
	}'
}

now_ms() { date +%s%N | cut -c1-13; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%d", (ms > 0 ? n * 1000 / ms : 0) }'; }

n1=300000
gen 0 $n1 >"$work/one"
t0=$(now_ms)
"$bin/ctx-emit" --root "$root" --max-bytes 0 "$work/one"
t1=$(now_ms)
ours1=$(rate $n1 $((t1 - t0)))
[ "$(wc -l <"$root/_ctx/telemetry/events.jsonl")" -eq $n1 ]

n0=30000
head -n $n0 "$work/one" >"$work/orig"
mkdir -p "$work/o1"
t0=$(now_ms)
python3 "$here/original_emit.py" "$work/o1" <"$work/orig" >/dev/null
t1=$(now_ms)
orig1=$(rate $n0 $((t1 - t0)))

# 8 concurrent writers, wait mode: every event must arrive.
nw=50000
for w in 0 1 2 3 4 5 6 7; do gen $w $nw >"$work/w$w"; done
rm -rf "$root/_ctx"
t0=$(now_ms)
for w in 0 1 2 3 4 5 6 7; do "$bin/ctx-emit" --root "$root" --max-bytes 0 "$work/w$w" & done
wait
t1=$(now_ms)
ours8=$(rate $((8 * nw)) $((t1 - t0)))
lost8=$((8 * nw - $(wc -l <"$root/_ctx/telemetry/events.jsonl")))

# The original with 4 and 8 concurrent writers: what its LOCK_NB drops.
orig_many() { # writers
	dir=$work/o$1
	mkdir -p "$dir"
	t0=$(now_ms)
	i=0
	while [ $i -lt "$1" ]; do
		head -n 10000 "$work/w$i" | python3 "$here/original_emit.py" "$dir" >"$dir/out$i" &
		i=$((i + 1))
	done
	wait
	t1=$(now_ms)
	dropped=$(cat "$dir"/out* | awk '{ d += $2 } END { print d }')
	echo "$(rate $(($1 * 10000)) $((t1 - t0))) $dropped $(($1 * 10000))"
}
set -- $(orig_many 4)
orig4_rate=$1 orig4_drop=$2 orig4_n=$3
set -- $(orig_many 8)
orig8_rate=$1 orig8_drop=$2 orig8_n=$3

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", b ? 100 * a / b : 0 }'; }
echo "== ctx-emit: events/s through the lock (redaction on), this run"
printf '  %-44s %10s events/s   lost %s\n' "ctx-emit, 1 writer ($n1 events)" "$ours1" "0 (0.0%)"
printf '  %-44s %10s events/s   dropped %s\n' "original open/flock/write/close, 1 writer" "$orig1" "0 (0.0%)"
printf '  %-44s %10s\n' "ratio, 1 writer (target >= 10x)" "$(awk -v a="$ours1" -v b="$orig1" 'BEGIN { printf "%.1fx", a / b }')"
printf '  %-44s %10s events/s   lost %s\n' "ctx-emit, 8 writers, wait mode ($((8 * nw)))" "$ours8" "$lost8 ($(pct "$lost8" $((8 * nw))))"
printf '  %-44s %10s events/s   dropped %s\n' "original, 4 writers" "$orig4_rate" "$orig4_drop ($(pct "$orig4_drop" "$orig4_n"))"
printf '  %-44s %10s events/s   dropped %s\n' "original, 8 writers" "$orig8_rate" "$orig8_drop ($(pct "$orig8_drop" "$orig8_n"))"
