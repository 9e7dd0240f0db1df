#!/bin/sh
# The soak (make soak): SOAK_PRODUCERS producers (8) write numbered events through
# ctx-emit for SOAK_SECONDS (180), in batches of 1 to 500 events, one ctx-emit process per
# batch, with the log rotated every SOAK_MAX_BYTES (1 MiB) and the rotated files kept (up
# to 1000, ctx-emit's limit), while ctx-aggregate runs in a loop on the log. Checked:
# - during: every aggregate exits 0, sees no malformed (torn) line, and its events_total
#   never goes back;
# - after: every produced event is in the log exactly once, each producer's in the order
#   it wrote them, every line is JSON and ends in a newline, nothing else is in the log,
#   and the final aggregate counts what was produced.
# Prints the figures, then "soak: ok", or "soak: FAILED: why" and exits 1.
# Usage: CTX_BIN=bin tests/soak.sh
set -eu

bin=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
secs=${SOAK_SECONDS:-180}
producers=${SOAK_PRODUCERS:-8}
max_bytes=${SOAK_MAX_BYTES:-1048576}
ws=$(mktemp -d)
dir=$ws/_ctx/telemetry
trap 'rm -rf "$ws"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "soak: FAILED: $*"
	touch "$ws/failed"
	exit 1
}

now_ms() { date +%s%3N; }

# producer P: batches until the end time; writes "events batches" to produced.P.
producer() {
	p=$1 seq=0 batches=0
	while [ "$(date +%s)" -lt "$end" ] && [ ! -e "$ws/failed" ]; do
		n=$(((seq * 7919 + p * 104729 + batches * 31) % 500 + 1))
		awk -v p="$p" -v s="$seq" -v n="$n" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "{\"cmd\":\"soak.event\",\"run_id\":\"soak-%d\",\"x\":{\"producer\":%d,\"seq\":%d}}\n", p, p, s + i
		}' | "$bin/ctx-emit" --root "$ws" --max-bytes "$max_bytes" --keep 1000 ||
			fail "producer $p: ctx-emit exited $? on batch $batches"
		seq=$((seq + n))
		batches=$((batches + 1))
		sleep 0.05
	done
	echo "$seq $batches" >"$ws/produced.$p"
}

# The aggregate in a loop while the producers run; writes "runs last_total max_ms unlocked"
# (unlocked: runs that waited 5 s for the lock in vain and read without it).
aggregator() {
	runs=0 last=0 max_ms=0 unlocked=0
	while [ ! -e "$ws/producers.done" ]; do
		t0=$(now_ms)
		"$bin/ctx-aggregate" --root "$ws" --no-write --print metrics >"$ws/agg.json" 2>"$ws/agg.err" ||
			fail "ctx-aggregate exited $? during the soak: $(cat "$ws/agg.err")"
		ms=$(($(now_ms) - t0))
		[ "$ms" -gt "$max_ms" ] && max_ms=$ms
		grep -q "read without it" "$ws/agg.err" && unlocked=$((unlocked + 1))
		set -- $(jq -r '"\(.events_total) \(.malformed_lines_total)"' "$ws/agg.json")
		[ "$2" -eq 0 ] || fail "an aggregate during the soak saw $2 malformed lines: $(cat "$ws/agg.err")"
		[ "$1" -ge "$last" ] || fail "events_total went back from $last to $1"
		last=$1
		runs=$((runs + 1))
	done
	echo "$runs $last $max_ms $unlocked" >"$ws/agg.result"
}

mkdir -p "$dir"
start=$(date +%s)
end=$((start + secs))
echo "soak: $producers producers, $secs s, rotation every $max_bytes bytes, ctx-aggregate in a loop"
aggregator &
agg=$!
pids=
for p in $(seq 1 "$producers"); do
	producer "$p" &
	pids="$pids $!"
done
for pid in $pids; do
	wait "$pid" || true
done
touch "$ws/producers.done"
wait "$agg" || true
[ ! -e "$ws/failed" ] || exit 1
elapsed=$(($(date +%s) - start))

produced=0 batches=0
for p in $(seq 1 "$producers"); do
	read -r n b <"$ws/produced.$p"
	produced=$((produced + n))
	batches=$((batches + b))
done
read -r agg_runs agg_last agg_max_ms agg_unlocked <"$ws/agg.result"

# The log, oldest first: events.K.jsonl ... events.1.jsonl, events.jsonl.
files=$(ls "$dir" | sed -n 's/^events\.\([0-9][0-9]*\)\.jsonl$/\1/p' | sort -rn | sed 's/.*/events.&.jsonl/')
files="$files events.jsonl"
rotated=$(($(echo "$files" | wc -w) - 1))
bytes=0
for f in $files; do
	[ "$(tail -c 1 "$dir/$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f does not end with a newline"
	bytes=$((bytes + $(wc -c <"$dir/$f")))
done

# Every line JSON (jq stops at the first that is not), each event once, in order per producer.
(cd "$dir" && cat $files) | jq -r 'if .cmd == "soak.event" then "\(.x.producer) \(.x.seq)" else "other \(.cmd)" end' \
	>"$ws/seen" || fail "a line of the log is not JSON"
lines=$(wc -l <"$ws/seen")
others=$(grep -c '^other' "$ws/seen" || true)
[ "$others" -eq 0 ] || fail "$others events in the log that no producer wrote: $(grep '^other' "$ws/seen" | sort | uniq -c | head -3)"
[ "$lines" -eq "$produced" ] || fail "$produced events produced, $lines in the log"
awk -v producers="$producers" '
	{ if ($1 in next_seq && $2 != next_seq[$1]) { bad = "producer " $1 ": seq " $2 " after " next_seq[$1] - 1; exit 1 }
	  next_seq[$1] = $2 + 1 }
	END { if (bad) { print bad; exit 1 } }' "$ws/seen" >"$ws/order" ||
	fail "an event is missing, doubled or out of order: $(cat "$ws/order")"
for p in $(seq 1 "$producers"); do
	read -r n b <"$ws/produced.$p"
	got=$(grep -c "^$p " "$ws/seen" || true)
	[ "$got" -eq "$n" ] || fail "producer $p wrote $n events, the log has $got"
done

t0=$(now_ms)
"$bin/ctx-aggregate" --root "$ws" --no-write --print metrics >"$ws/agg.json" || fail "the final ctx-aggregate failed"
final_ms=$(($(now_ms) - t0))
set -- $(jq -r '"\(.events_total) \(.soak_event_count) \(.malformed_lines_total)"' "$ws/agg.json")
[ "$1" -eq "$produced" ] && [ "$2" -eq "$produced" ] && [ "$3" -eq 0 ] ||
	fail "final aggregate: events_total $1, soak_event_count $2, malformed $3; produced $produced"

echo "soak: $produced events in $batches batches ($((produced / (elapsed > 0 ? elapsed : 1))) events/s) over ${elapsed} s"
echo "soak: log $bytes bytes in $rotated rotated files + events.jsonl; every event once, in order, no torn line"
echo "soak: $agg_runs aggregates during the soak (slowest ${agg_max_ms} ms, $agg_unlocked without the lock;" \
	"none saw a torn line or went back; last saw $agg_last events); final aggregate $1 events in ${final_ms} ms"
echo "soak: ok"
