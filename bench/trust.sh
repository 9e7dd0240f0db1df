#!/bin/sh
# What issue #11's rules cost, and the three cases it fixed, in this run:
# - ctx-emit --lock skip while another process holds the lock, against the same input
#   with the lock free (the producer must not wait: the ratio should be near 1);
# - ctx-aggregate on 1,000,000 distinct integer timings, against jq sorting them;
# - ctx-aggregate's memory for 200,000 runs, against jq -s.
set -eu
bin=${CTX_BIN:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

now_ms() { date +%s%N | cut -c1-13; }
timed() { # prints "ms rss_kb"; stdout of the command is dropped
	t0=$(now_ms)
	/usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || true
	t1=$(now_ms)
	echo "$((t1 - t0)) $(cat "$work/rss")"
}
row() { awk -v l="$1" -v ms="$2" -v kb="$3" 'BEGIN { printf "  %-44s %8.2f s %8.1f MiB RSS\n", l, ms / 1000, kb / 1024 }'; }

echo "== untrusted workspaces (#11): the fixed cases, this run"

awk 'BEGIN { for (i = 0; i < 300000; i++) printf "{\"cmd\":\"a.b\",\"x\":{\"i\":%d}}\n", i }' >"$work/events"
mkdir -p "$work/free" "$work/held/_ctx/telemetry"
chmod 700 "$work/held/_ctx/telemetry"
: >"$work/held/_ctx/telemetry/events.lock"
set -- $(timed "$bin/ctx-emit" --root "$work/free" --lock skip "$work/events"); free_ms=$1
flock "$work/held/_ctx/telemetry/events.lock" sleep 120 &
holder=$!
sleep 0.2
set -- $(timed "$bin/ctx-emit" --root "$work/held" --lock skip --lock-timeout-ms 100 "$work/events"); held_ms=$1
kill "$holder" 2>/dev/null || true
row "ctx-emit --lock skip, 300,000 events, lock free" "$free_ms" 0
row "ctx-emit --lock skip, 300,000 events, lock held" "$held_ms" 0
awk -v h="$held_ms" -v f="$free_ms" 'BEGIN { printf "  %-44s %8.2fx (the issue measured 18.6 s held)\n", "held / free", h / (f ? f : 1) }'

awk 'BEGIN { n = 1000000; for (i = 0; i < n; i++) printf "{\"run_id\":\"r\",\"cmd\":\"t.x\",\"timing_ms\":%d}\n", (i * 7919) % n + 1 }' >"$work/timings"
set -- $(timed "$bin/ctx-aggregate" --no-write --print last_run "$work/timings"); agg_ms=$1 agg_kb=$2
set -- $(timed jq -s '[.[].timing_ms] | sort | {count: length, p50: .[length / 2 | floor], p95: .[length * 0.95 | floor], max: .[-1]}' "$work/timings"); jq_ms=$1 jq_kb=$2
row "ctx-aggregate, 1,000,000 distinct timings" "$agg_ms" "$agg_kb"
row "jq -s sort, the same percentiles" "$jq_ms" "$jq_kb"
awk -v o="$agg_ms" -v j="$jq_ms" 'BEGIN { printf "  %-44s %8.1fx (target: under 1 s)\n", "speed vs jq", j / (o ? o : 1) }'

awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"run_id\":\"run_%d_%d\",\"cmd\":\"a.b\",\"timing_ms\":%d}\n", 1700000000 + i, i, i % 97 }' >"$work/runs"
set -- $(timed "$bin/ctx-aggregate" --no-write "$work/runs"); runs_ms=$1 runs_kb=$2
set -- $(timed sh -c "cat '$work/runs' | '$bin/ctx-aggregate' --no-write -"); pipe_ms=$1 pipe_kb=$2
set -- $(timed jq -s 'map(.run_id) | unique | length' "$work/runs"); jqr_ms=$1 jqr_kb=$2
row "ctx-aggregate, 200,000 runs, a file" "$runs_ms" "$runs_kb"
row "ctx-aggregate, 200,000 runs, a pipe" "$pipe_ms" "$pipe_kb"
row "jq -s, count the runs" "$jqr_ms" "$jqr_kb"
awk -v kb="$runs_kb" 'BEGIN { printf "  %-44s %8.0f bytes a run (target <= 200, over an empty process)\n", "ctx-aggregate, a file", (kb - 2000) * 1024 / 200000 }'
