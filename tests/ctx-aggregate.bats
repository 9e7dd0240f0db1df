#!/usr/bin/env bats
# ctx-aggregate: metrics.json, last_run.json, Prometheus text (SPEC.md §5).
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	DATA=$BATS_TEST_DIRNAME/data
	ROOT=$BATS_TEST_TMPDIR/ws
	DIR=$ROOT/_ctx/telemetry
	mkdir -p "$DIR"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS
}

# N events of one run with timing_ms 1..N in a scrambled order.
timings() {
	awk -v n="$1" -v run="${2:-r}" -v cmd="${3:-t.x}" 'BEGIN { for (i = 0; i < n; i++) printf "{\"run_id\":\"%s\",\"cmd\":\"%s\",\"timing_ms\":%d}\n", run, cmd, (i * 7919) % n + 1 }'
}

@test "--help, --version, usage errors" {
	run -0 "$BIN/ctx-aggregate" --help
	[[ $output == usage:\ ctx-aggregate* ]]
	run -0 "$BIN/ctx-aggregate" --version
	[[ $output =~ ^ctx-aggregate\ [0-9.]+$ ]]
	run -2 --separate-stderr "$BIN/ctx-aggregate" --print everything
	[[ $stderr == *"bad value for --print: 'everything'"* ]]
	run -2 --separate-stderr "$BIN/ctx-aggregate" --frobnicate
	[[ $stderr == *usage:* ]]
}

@test "metrics.json: every derived counter from each legacy shape; derived names win over cmd counts" {
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" "$DATA/agg-shapes.jsonl"
	diff -u "$DATA/agg-shapes.metrics.expected" "$DIR/metrics.json"
	[ "$(stat -c %a "$DIR/metrics.json")" = 600 ]
}

@test "last_run.json: sections, percentiles, rates, drop rate to 4 decimals, top_warnings ties" {
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" "$DATA/agg-run.jsonl"
	diff -u "$DATA/agg-run.last_run.expected" "$DIR/last_run.json"
	run -0 jq -r 'keys_unsorted | join(",")' "$DIR/last_run.json"
	[ "$output" = "run_id,segment_id,ts,ts_first,events,metrics_delta,latencies,ast,lsp,file_read,selector,mcp,telemetry_drops,top_warnings" ]
}

@test "--run picks an older run among interleaved ones" {
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --run old --no-write --print last_run "$DATA/agg-run.jsonl"
	[ "$(echo "$output" | jq -c '[.run_id, .segment_id, .ts_first, .ts, .events, .latencies."ast.parse", .ast.ast_cache_hit_rate, .top_warnings]')" = \
	  '["old","aaaaaaaa","2026-02-01T10:00:00.000Z","2026-02-01T10:00:01.400Z",3,{"count":3,"p50_ms":200,"p95_ms":300,"max_ms":300},0.333,["old only"]]' ]
	[ ! -e "$DIR/last_run.json" ]
	run -1 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --run nosuch --no-write --print last_run "$DATA/agg-run.jsonl"
	[[ $stderr == "ctx-aggregate: run nosuch: no event of that run" ]]
	[ "$(echo "$output" | jq -c '[.run_id, .events, .ast.ast_cache_hit_rate]')" = '["nosuch",0,0]' ]
}

@test "percentiles at n = 1, 2, 3, 19, 20, 21, 100, 101 against hand-computed values" {
	for spec in 1:1:1:1 2:2:2:2 3:2:3:3 19:10:19:19 20:11:20:20 21:11:20:21 100:51:96:100 101:51:96:101; do
		IFS=: read -r n p50 p95 max <<<"$spec"
		timings "$n" >"$BATS_TEST_TMPDIR/in"
		got=$("$BIN/ctx-aggregate" --root "$ROOT" --no-write --print last_run "$BATS_TEST_TMPDIR/in" | jq -c '.latencies."t.x"')
		[ "$got" = "{\"count\":$n,\"p50_ms\":$p50,\"p95_ms\":$p95,\"max_ms\":$max}" ] || { echo "n=$n: $got"; false; }
	done
}

@test "latencies agree with an independent computation in jq on random data" {
	awk 'BEGIN { srand(42); for (i = 0; i < 5000; i++) printf "{\"run_id\":\"r\",\"cmd\":\"c%d\",\"timing_ms\":%d}\n", i % 4, int(-log(rand()) * 40) }' >"$BATS_TEST_TMPDIR/in"
	ours=$("$BIN/ctx-aggregate" --root "$ROOT" --no-write --print last_run "$BATS_TEST_TMPDIR/in" | jq -S -c .latencies)
	theirs=$(jq -s -S -c 'group_by(.cmd) | map({key: .[0].cmd, value: ([.[].timing_ms] | sort | {count: length, p50_ms: .[(length * 0.5 | floor)], p95_ms: .[(length * 0.95 | floor)], max_ms: .[-1]})}) | from_entries' "$BATS_TEST_TMPDIR/in")
	[ "$ours" = "$theirs" ]
	echo "$ours" | jq -e 'to_entries | all(.value.p50_ms <= .value.p95_ms and .value.p95_ms <= .value.max_ms)'
}

@test "zero denominators give rates of 0" {
	echo '{"run_id":"z","cmd":"ctx.sync"}' >"$BATS_TEST_TMPDIR/in"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print last_run "$BATS_TEST_TMPDIR/in"
	[ "$(echo "$output" | jq -c '[.ast.ast_cache_hit_rate, .lsp.lsp_ready_rate, .lsp.lsp_timeout_rate, .lsp.lsp_fallback_rate, .selector.selector_resolve_success_rate, .telemetry_drops.drop_rate, .latencies, .top_warnings]')" = '[0,0,0,0,0,0,{},[]]' ]
}

@test "a log cut in the middle of a line: the torn line is skipped, counted and reported; exit 0" {
	head -c 700 "$DATA/agg-run.jsonl" >"$DIR/events.jsonl"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --print metrics
	[[ $stderr == "ctx-aggregate: $DIR/events.jsonl:5: skipped: not a JSON object with a string \"cmd\"" ]]
	[ "$(echo "$output" | jq -c '[.events_total, .malformed_lines_total]')" = '[4,1]' ]
	[ "$(jq -r .run_id "$DIR/last_run.json")" = old ]
}

@test "the first ten malformed lines are reported, the rest counted" {
	{ for i in $(seq 15); do echo "garbage $i"; echo '{"cmd":"ok"}'; done; echo '[1]'; echo '{"cmd":3}'; } >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print metrics "$BATS_TEST_TMPDIR/in"
	[ "$(echo "$stderr" | grep -c 'skipped: not a JSON object')" -eq 10 ]
	[[ $stderr == *"ctx-aggregate: $BATS_TEST_TMPDIR/in:19: skipped"* ]]
	[[ $stderr == *"17 malformed lines skipped in all"* ]]
	[ "$(echo "$output" | jq .malformed_lines_total)" -eq 17 ]
	[ "$(echo "$output" | jq .events_total)" -eq 15 ]
}

@test "rotated files are read oldest first, then events.jsonl" {
	echo '{"ts":"2026-01-01T00:00:01.000Z","run_id":"r","cmd":"a"}' >"$DIR/events.2.jsonl"
	echo '{"ts":"2026-01-01T00:00:02.000Z","run_id":"r","cmd":"b"}' >"$DIR/events.10.jsonl"
	echo '{"ts":"2026-01-01T00:00:03.000Z","run_id":"r","cmd":"c"}' >"$DIR/events.1.jsonl"
	echo '{"ts":"2026-01-01T00:00:04.000Z","run_id":"r","cmd":"d"}' >"$DIR/events.jsonl"
	echo '{"ts":"2026-01-01T00:00:05.000Z","run_id":"x","cmd":"e"}' >"$DIR/events.bak"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT"
	[ "$(jq -c '[.ts_first, .ts, .events]' "$DIR/last_run.json")" = '["2026-01-01T00:00:02.000Z","2026-01-01T00:00:04.000Z",4]' ]
	[ "$(jq .runs_total "$DIR/metrics.json")" -eq 1 ]
}

@test "the log is taken under the writers' lock: a batch being written is waited for, then counted" {
	echo '{"run_id":"r","cmd":"a"}' >"$DIR/events.jsonl"
	# A writer holds events.lock (as ctx-emit does for a batch and a rotation), rotates and
	# appends, then lets go. Without the lock, the aggregate would read in the middle.
	(
		flock -x 9
		touch "$BATS_TEST_TMPDIR/held"
		sleep 0.5
		mv "$DIR/events.jsonl" "$DIR/events.1.jsonl"
		echo '{"run_id":"r","cmd":"b"}' >"$DIR/events.jsonl"
	) 9>"$DIR/events.lock" &
	while [ ! -e "$BATS_TEST_TMPDIR/held" ]; do sleep 0.01; done
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print metrics
	wait
	[ "$(echo "$output" | jq -c '[.events_total, .a_count, .b_count]')" = '[2,1,1]' ]
}

@test "while writers append and rotate, every aggregate sees whole batches and never goes back (a short soak)" {
	run -0 env CTX_BIN="$BIN" SOAK_SECONDS=4 SOAK_PRODUCERS=4 SOAK_MAX_BYTES=65536 sh "$BATS_TEST_DIRNAME/soak.sh"
	[ "${lines[-1]}" = "soak: ok" ]
	[[ $output == *" rotated files + events.jsonl; every event once, in order, no torn line"* ]]
}

@test "the Python original's raw lines aggregate unchanged" {
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print metrics "$DATA/legacy.in"
	[ "$(echo "$output" | jq -c '[.events_total, .runs_total, .ast_cache_hit_count, .ast_cache_miss_count, .lsp_failed_count, .file_read_excerpt_bytes_total, .lsp_fallback_count]')" = '[7,6,1,1,1,2048,1]' ]
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print last_run --run run_1767445200 "$DATA/legacy.in"
	[ "$(echo "$output" | jq -c '.latencies."ast.parse"')" = '{"count":1,"p50_ms":4.7,"p95_ms":4.7,"max_ms":4.7}' ]
}

@test "--prom output is accepted by promtool check metrics" {
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --prom "$BATS_TEST_TMPDIR/ctx.prom" "$DATA/agg-run.jsonl"
	run -0 promtool check metrics <"$BATS_TEST_TMPDIR/ctx.prom"
	# Every series carries the workspace's segment_id (of --root, as its events carry it),
	# so that two workspaces' files in one textfile directory never name the same series.
	p=$BATS_TEST_TMPDIR/ctx.prom
	seg=$(printf %s "$(cd "$ROOT" && pwd -P)" | sha256sum | cut -c1-8)
	grep -qx "ctx_events_total{segment_id=\"$seg\"} 20" "$p"
	grep -qx "ctx_cmd_events_total{segment_id=\"$seg\",cmd=\"ast.parse\"} 6" "$p"
	grep -qx "ctx_last_run_latency_seconds{segment_id=\"$seg\",cmd=\"lsp.definition\",quantile=\"0.5\"} 0.501" "$p"
	grep -qx "ctx_last_run_latency_seconds_count{segment_id=\"$seg\",cmd=\"ast.parse\"} 3" "$p"
	# The last run's gauges, the same numbers as last_run.json's.
	grep -qx "ctx_last_run_timestamp_seconds{segment_id=\"$seg\"} $(date -ud 2026-02-01T10:00:01Z +%s).5" "$p"
	last=$DIR/last_run.json
	for k in ast_cache_hit:ast.ast_cache_hit_rate lsp_fallback:lsp.lsp_fallback_rate lsp_timeout:lsp.lsp_timeout_rate; do
		v=$(sed -n "s/^ctx_last_run_${k%%:*}_ratio{segment_id=\"$seg\"} //p" "$p")
		[ -n "$v" ] && [ "$(jq ".${k#*:} == $v" "$last")" = true ]
	done
	grep -qx "ctx_last_run_lsp_fallbacks{segment_id=\"$seg\",reason=\"lsp_request_timeout\"} 1" "$p"
}

@test "--prom: the same metric names on every machine, whatever the log holds; no two workspaces collide" {
	: >"$BATS_TEST_TMPDIR/empty"
	{
		printf '{"run_id":"r","segment_id":"s\xc3","cmd":"lsp.fallback","result":{"reason":"x\xff"},"timing_ms":1}\n'
		printf '{"run_id":"r","cmd":"t\xc3","timing_ms":1}\n'
	} >"$BATS_TEST_TMPDIR/bad-utf8"
	mkdir -p "$BATS_TEST_TMPDIR/ws2"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --prom "$BATS_TEST_TMPDIR/a.prom" "$DATA/agg-run.jsonl"
	run -0 "$BIN/ctx-aggregate" --root "$BATS_TEST_TMPDIR/ws2" --prom "$BATS_TEST_TMPDIR/b.prom" "$BATS_TEST_TMPDIR/empty"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --prom "$BATS_TEST_TMPDIR/c.prom" "$DATA/legacy.in"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --prom "$BATS_TEST_TMPDIR/d.prom" "$BATS_TEST_TMPDIR/bad-utf8"
	for f in a b c d; do
		grep '^# TYPE' "$BATS_TEST_TMPDIR/$f.prom" >"$BATS_TEST_TMPDIR/$f.names"
		# One bad byte in a label would make node_exporter drop the whole file.
		run -0 promtool check metrics <"$BATS_TEST_TMPDIR/$f.prom"
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a.names")" -ge 25 ]
	for f in b c d; do cmp "$BATS_TEST_TMPDIR/a.names" "$BATS_TEST_TMPDIR/$f.names"; done
	# No run: a timestamp of 0 (the stale-run alert fires on it), still the workspace's
	# label, so it never collides with another workspace's file.
	seg2=$(printf %s "$(cd "$BATS_TEST_TMPDIR/ws2" && pwd -P)" | sha256sum | cut -c1-8)
	grep -qx "ctx_last_run_timestamp_seconds{segment_id=\"$seg2\"} 0" "$BATS_TEST_TMPDIR/b.prom"
	grep -qx "ctx_events_total{segment_id=\"$seg2\"} 0" "$BATS_TEST_TMPDIR/b.prom"
	[ -z "$(grep -hv '^#' "$BATS_TEST_TMPDIR/a.prom" "$BATS_TEST_TMPDIR/b.prom" | sed 's/ [^ ]*$//' | sort | uniq -d)" ]
	# The bad bytes became U+FFFD.
	grep -q "reason=\"x$(printf '\357\277\275')\"} 1" "$BATS_TEST_TMPDIR/d.prom"
	grep -q "cmd=\"t$(printf '\357\277\275')\"} 1" "$BATS_TEST_TMPDIR/d.prom"
}

@test "a reader looping on last_run.json while it is rewritten never sees invalid JSON" {
	for r in $(seq 40); do timings 300 "run$r"; done >"$BATS_TEST_TMPDIR/in"
	"$BIN/ctx-aggregate" --root "$ROOT" "$BATS_TEST_TMPDIR/in"
	( for i in $(seq 150); do "$BIN/ctx-aggregate" --root "$ROOT" "$BATS_TEST_TMPDIR/in"; done ) &
	writer=$!
	reads=0
	while kill -0 $writer 2>/dev/null; do
		jq -e .run_id "$DIR/last_run.json" >/dev/null || { echo "invalid JSON after $reads reads"; kill $writer; false; }
		jq -e .events_total "$DIR/metrics.json" >/dev/null
		reads=$((reads + 1))
	done
	wait $writer
	[ "$reads" -gt 10 ]
	[ -z "$(ls -A "$DIR" | grep '^\.')" ]
}

@test "--no-write and CTX_NO_TELEMETRY=1 write nothing; --print still prints" {
	cp "$DATA/agg-run.jsonl" "$DIR/events.jsonl"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print metrics
	[ "$(echo "$output" | jq .events_total)" -eq 20 ]
	[ ! -e "$DIR/metrics.json" ]
	CTX_NO_TELEMETRY=1 run -0 "$BIN/ctx-aggregate" --root "$ROOT" --print last_run --prom "$BATS_TEST_TMPDIR/p"
	[ "$(echo "$output" | jq -r .run_id)" = new ]
	[ ! -e "$DIR/last_run.json" ]
	[ ! -e "$BATS_TEST_TMPDIR/p" ]
}

@test "no telemetry directory: a message and exit 1; stdin input with -" {
	rm -rf "$ROOT/_ctx"
	run -1 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT"
	[[ $stderr == "ctx-aggregate: $DIR: No such file or directory" ]]
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --no-write --print last_run - <"$DATA/agg-run.jsonl"
	[ "$(echo "$output" | jq -c '[.run_id, .events]')" = '["new",17]' ]
}

@test "the jq one-liners of the original design work on the output" {
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" "$DATA/agg-run.jsonl"
	[ "$(jq '.ast.ast_cache_hit_rate' "$DIR/last_run.json")" = 0.667 ]
	[ "$(jq -c '.latencies."lsp.definition"' "$DIR/last_run.json")" = '{"count":2,"p50_ms":501,"p95_ms":501,"max_ms":501}' ]
	[ "$(jq '.lsp.lsp_fallback_rate' "$DIR/last_run.json")" = 0.333 ]
}

@test "M13: out-of-range numbers saturate, negative and non-finite ones add nothing, never null in .prom" {
	{
		echo '{"run_id":"r","cmd":"file.read","args":{"mode":"raw"},"result":{"bytes":1e300}}'
		echo '{"run_id":"r","cmd":"file.read","args":{"mode":"raw"},"result":{"bytes":1e300}}'
		echo '{"run_id":"r","cmd":"file.read","args":{"mode":"excerpt"},"result":{"bytes":1e999}}'
		echo '{"run_id":"r","cmd":"file.read","args":{"mode":"skeleton"},"result":{"bytes":-5}}'
		echo '{"run_id":"r","cmd":"file.read","args":{"mode":"skeleton"},"result":{"bytes":7}}'
		echo '{"run_id":"r","cmd":"telemetry.drop","result":{"dropped":-1e999}}'
		echo '{"run_id":"r","cmd":"t.x","timing_ms":1e999}'
		echo '{"run_id":"r","cmd":"t.x","timing_ms":-3}'
		echo '{"run_id":"r","cmd":"t.y","timing_ms":1e308}'
		echo '{"run_id":"r","cmd":"t.y","timing_ms":1e308}'
	} >"$BATS_TEST_TMPDIR/in"
	run -0 "$BIN/ctx-aggregate" --no-write --print metrics "$BATS_TEST_TMPDIR/in"
	# jq 1.6 reads integers as doubles: the largest counter is checked as text.
	[[ $output == *'"file_read_raw_bytes_total": 9223372036854775807,'* ]]
	[ "$(echo "$output" | jq -c '[.file_read_excerpt_bytes_total, .file_read_skeleton_bytes_total, .telemetry_lock_skipped]')" = '[0,7,0]' ]
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --prom "$BATS_TEST_TMPDIR/ctx.prom" --print last_run "$BATS_TEST_TMPDIR/in"
	[ "$(echo "$output" | jq -c '.latencies | keys')" = '["t.y"]' ]
	[[ $output == *'"total_bytes": 9223372036854775807'* ]]
	! grep -q null "$BATS_TEST_TMPDIR/ctx.prom" || false
	run -0 promtool check metrics <"$BATS_TEST_TMPDIR/ctx.prom"
}

@test "M12: 1,000,000 distinct integer timings, exact percentiles, within a bound only a clustering hash breaks" {
	timings 1000000 >"$BATS_TEST_TMPDIR/in"
	# 0.6 s here; the hash that sent every integer to one bucket took 12 s.
	run -0 timeout 6 "$BIN/ctx-aggregate" --no-write --print last_run "$BATS_TEST_TMPDIR/in"
	[ "$(echo "$output" | jq -c '.latencies."t.x"')" = '{"count":1000000,"p50_ms":500001,"p95_ms":950001,"max_ms":1000000}' ]
}

@test "M11: runs other than the described one keep only their id (200,000 runs in well under 2 KB each)" {
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"run_id\":\"run_%d_%d\",\"cmd\":\"a.b\",\"timing_ms\":%d,\"warnings\":[\"w%d\"]}\n", 1700000000 + i, i, i % 97, i % 7 }' \
		>"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr /usr/bin/time -f '%M' "$BIN/ctx-aggregate" --no-write --print metrics "$BATS_TEST_TMPDIR/in"
	[ "$(echo "$output" | jq .runs_total)" -eq 200000 ]
	kb=$(echo "$stderr" | tail -1)
	echo "max RSS ${kb} KB for 200,000 runs" >&3
	[ "$kb" -lt 120000 ]
}

# ---- -j: the log read by several threads, merged in order (issue 16) ----

# Everything ctx-aggregate -j J --block-size B writes for the input IN (a FILE, a
# telemetry directory as "dir:DIR", or a file fed through a pipe as "pipe:FILE"): both
# documents, --prom, --html, every --runs line, stderr and the exit statuses, in one stream.
agg_outputs() {
	local j=$1 b=$2 in=$3 w=$BATS_TEST_TMPDIR/out rc
	rm -rf "$w" && mkdir -p "$w"
	feed() {
		case $in in
		pipe:*) cat "${in#pipe:}" | "$@" - ;;
		dir:*) "$@" --dir "${in#dir:}" ;;
		*) "$@" "$in" ;;
		esac
	}
	feed "$BIN/ctx-aggregate" -j "$j" --block-size "$b" --root "$w" --prom "$w/p.prom" --html "$w/p.html" \
		2>"$w/err" && rc=0 || rc=$?
	echo "rc $rc"
	feed "$BIN/ctx-aggregate" -j "$j" --block-size "$b" --runs 2>>"$w/err" && rc=0 || rc=$?
	echo "rc $rc"
	local docs=$w/_ctx/telemetry
	[[ $in != dir:* ]] || docs=${in#dir:}
	cat "$docs/metrics.json" "$docs/last_run.json" "$w/p.prom" "$w/p.html" "$w/err"
}

# IN read by -j 4 and by -j 1 with blocks of each size given writes, byte for byte, what
# -j 1 writes with the usual block (1 MiB).
same_as_j1() {
	local in=$1 t=$BATS_TEST_TMPDIR
	shift
	agg_outputs 1 1048576 "$in" >"$t/want"
	for b in "$@"; do
		for j in 1 4; do
			agg_outputs "$j" "$b" "$in" >"$t/got"
			cmp -s "$t/want" "$t/got" || {
				echo "-j $j --block-size $b differs from -j 1 on $in:"
				diff "$t/want" "$t/got" | head -20
				return 1
			}
		done
	done
}

@test "-j 4 writes what -j 1 writes on the fixture of every legacy shape, from a file and a pipe, blocks of 1 byte to 1 MiB" {
	for f in "$DATA/agg-shapes.jsonl" "$DATA/agg-run.jsonl" "$DATA/legacy.in"; do
		same_as_j1 "$f" 1 7 64 333 1000 65536
		same_as_j1 "pipe:$f" 1 7 64 333 1000 65536
	done
	# The comparison sees a difference: the same log with one line fewer is not the same.
	head -n -1 "$DATA/agg-run.jsonl" >"$BATS_TEST_TMPDIR/short"
	agg_outputs 1 1048576 "$DATA/agg-run.jsonl" >"$BATS_TEST_TMPDIR/a"
	agg_outputs 4 64 "$BATS_TEST_TMPDIR/short" >"$BATS_TEST_TMPDIR/b"
	! cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" || false
}

@test "-j 4 = -j 1 with every cut between ranges and blocks: torn and malformed lines across them, a log cut mid-line, the last event on a cut" {
	log=$BATS_TEST_TMPDIR/cuts
	{
		for i in $(seq 40); do
			case $((i % 9)) in
			3) echo '{"cmd":"torn","run_id":"r1","args":{"a":' ;;
			5) printf '\r\n' ;;
			7) echo "not json $i" ;;
			*) printf '{"ts":"2026-01-01T00:00:%02d.000Z","run_id":"r%d","cmd":"c%d","timing_ms":%d,"warnings":["w%d"]}\r\n' \
				"$i" $((i % 3)) $((i % 4)) $((i * 7 % 11)) $((i % 5)) ;;
			esac
		done
		printf '{"ts":"2026-01-01T00:01:00.000Z","run_id":"last","cmd":"end","timing_ms":1}\n'
	} >"$log"
	size=$(stat -c %s "$log")
	# Ranges of b bytes for b past a quarter of the log (below that, a quarter each): every
	# cut from there to the end falls on each byte of some line, the last line's start included.
	same_as_j1 "$log" $(seq $((size / 4)) 4 "$size")
	same_as_j1 "pipe:$log" 1 2 3 5 8 13 21 34 55 89 144
	# Cut in the middle of its last line: the torn line is the last, reported with its number.
	head -c $((size - 20)) "$log" >"$log.cut"
	same_as_j1 "$log.cut" $(seq $((size / 4)) 11 "$size")
	same_as_j1 "pipe:$log.cut" 1 7 50
	run -0 --separate-stderr "$BIN/ctx-aggregate" -j 4 --block-size 100 --no-write --print metrics "$log.cut"
	[[ $stderr == *"$log.cut:41: skipped: not a JSON object"* ]]
	# 27 events; 5 torn lines, 4 not JSON and the cut one; 4 blank lines skipped.
	[ "$(echo "$output" | jq -c '[.events_total, .malformed_lines_total]')" = '[27,10]' ]
}

@test "-j 4 = -j 1 on 10,000 runs interleaved, every run's latencies, languages and fallback reasons past 32 names" {
	awk 'BEGIN { srand(5); split("ast.parse file.read lsp.fallback lsp.definition selector.resolve", c, " ")
		# Every eleventh event is of one run "big", which meets 45 languages and 40 reasons.
		for (i = 0; i < 44000; i++) printf "{\"run_id\":\"%s\",\"cmd\":\"%s\",\"timing_ms\":%d,\"args\":{\"mode\":\"raw\"},\"result\":{\"bytes\":%d,\"reason\":\"why%d\",\"resolved\":true},\"x\":{\"lang\":\"l%d\",\"cache\":\"hit\"},\"warnings\":[\"w%d\"]}\n", i % 11 ? "r" (i * 7) % 10000 : "big", c[int(i / 11) % 5 + 1], int(rand() * 50), i, int(rand() * 40), int(rand() * 45), i % 9 }' \
		>"$BATS_TEST_TMPDIR/inter"
	same_as_j1 "$BATS_TEST_TMPDIR/inter" 65536
	same_as_j1 "pipe:$BATS_TEST_TMPDIR/inter" 65536
	run -0 "$BIN/ctx-aggregate" -j 4 --block-size 65536 --runs "$BATS_TEST_TMPDIR/inter"
	[ "${#lines[@]}" -eq 10001 ]
	# The big run keeps 32 names and "other", in each part of the log as in the whole.
	[ "$(echo "$output" | jq -c 'select(.run_id == "big") | [(.ast.by_lang | length), (.ast.by_lang.other > 0),
		(.lsp.fallback_by_reason | length)]')" = '[33,true,33]' ]
}

@test "-j 4 = -j 1 on a rotated log read from its directory, and on standard input" {
	"$BATS_TEST_DIRNAME/gen-runs" "$BATS_TEST_TMPDIR/log" 6000 12
	same_as_j1 "dir:$BATS_TEST_TMPDIR/log" 4096 100000
	cat "$BATS_TEST_TMPDIR/log/events.2.jsonl" "$BATS_TEST_TMPDIR/log/events.1.jsonl" \
		"$BATS_TEST_TMPDIR/log/events.jsonl" >"$BATS_TEST_TMPDIR/all"
	same_as_j1 "pipe:$BATS_TEST_TMPDIR/all" 4096
	# Standard input that is a file is read in ranges, from where its offset stands.
	run -0 --separate-stderr "$BIN/ctx-aggregate" -j 1 --no-write --print metrics "$BATS_TEST_TMPDIR/all"
	want=$output
	run -0 --separate-stderr "$BIN/ctx-aggregate" -j 4 --block-size 4096 --no-write --print metrics - <"$BATS_TEST_TMPDIR/all"
	[ "$output" = "$want" ]
	run -0 --separate-stderr sh -c '{ read -r first; "$0" -j 4 --block-size 4096 --no-write --print metrics -; } <"$1"' \
		"$BIN/ctx-aggregate" "$BATS_TEST_TMPDIR/all"
	[ "$(echo "$output" | jq .events_total)" -eq $(($(echo "$want" | jq .events_total) - 1)) ]
}

@test "-j: usage errors, and a line longer than 16 MiB between ranges" {
	run -2 --separate-stderr "$BIN/ctx-aggregate" -j 0
	[[ $stderr == *"-j"* ]]
	run -2 --separate-stderr "$BIN/ctx-aggregate" --block-size 0
	run -2 --separate-stderr "$BIN/ctx-aggregate" -j x
	{
		echo '{"cmd":"a","run_id":"r"}'
		head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
		echo
		echo '{"cmd":"b","run_id":"r"}'
		head -c $((16 * 1024 * 1024 + 5)) /dev/zero | tr '\0' 'y'
	} >"$BATS_TEST_TMPDIR/long"
	for j in 1 4; do
		run -0 --separate-stderr "$BIN/ctx-aggregate" -j $j --no-write --print metrics "$BATS_TEST_TMPDIR/long"
		[ "$(echo "$output" | jq -c '[.events_total, .malformed_lines_total]')" = '[2,2]' ]
		[[ $stderr == *"long:2: skipped: line longer than 16 MiB"*"long:4: skipped: line longer than 16 MiB"* ]]
		run -0 --separate-stderr sh -c 'cat "$1" | "$2" -j "$3" --no-write --print metrics -' sh "$BATS_TEST_TMPDIR/long" "$BIN/ctx-aggregate" $j
		[ "$(echo "$output" | jq -c '[.events_total, .malformed_lines_total]')" = '[2,2]' ]
		[[ $stderr == *"<stdin>:2: skipped: line longer than 16 MiB"*"<stdin>:4: skipped: line longer than 16 MiB"* ]]
	done
}

@test "-j, after an attack: standard input as a file is read once and left at its end; a FILE is read past its st_size; a duplicate cmd; a long line with tiny blocks" {
	"$BATS_TEST_DIRNAME/gen-runs" "$BATS_TEST_TMPDIR/log" 600 3
	f=$BATS_TEST_TMPDIR/log/events.jsonl
	n=$(grep -c '"cmd"' "$f")
	# "- -" is one standard input: read once, as a pipe is.
	run -0 --separate-stderr "$BIN/ctx-aggregate" -j 4 --no-write --print metrics - - <"$f"
	[ "$(echo "$output" | jq '.events_total + .malformed_lines_total')" -eq "$n" ]
	run -0 sh -c '{ "$0" -j 4 --no-write - 2>/dev/null; wc -c; } <"$1"' "$BIN/ctx-aggregate" "$f"
	[ "$output" -eq 0 ]
	# procfs says 0 bytes; the lines are read all the same (each one is not an event).
	run -0 --separate-stderr "$BIN/ctx-aggregate" -j 4 --no-write --print metrics /proc/self/status
	[ "$(echo "$output" | jq .malformed_lines_total)" -eq "$(wc -l </proc/self/status)" ]
	# The last cmd counts, even after a section the first one's kind does not read.
	printf '%s\n' '{"cmd":"ctx.search","run_id":"r","result":{"to":"FAILED"},"cmd":"lsp.state_change"}' \
		'{"cmd":"x","run_id":"r","x":{"lang":"py"},"cmd":"ast.parse"}' >"$BATS_TEST_TMPDIR/dup"
	run -0 "$BIN/ctx-aggregate" --no-write --print last_run "$BATS_TEST_TMPDIR/dup"
	[ "$(echo "$output" | jq -c '[.lsp.lsp_failed_count, .ast.by_lang]')" = '[1,{"py":1}]' ]
	# A 32 MiB line with blocks of 1 byte: read 64 KiB at a time, not byte by byte.
	{ echo '{"cmd":"a"}'; head -c $((32 * 1024 * 1024)) /dev/zero | tr '\0' x; echo; echo '{"cmd":"b"}'; } >"$BATS_TEST_TMPDIR/one"
	for j in 1 4; do
		run -0 --separate-stderr timeout 20 "$BIN/ctx-aggregate" -j $j --block-size 1 --no-write --print metrics "$BATS_TEST_TMPDIR/one"
		[ "$(echo "$output" | jq -c '[.events_total, .malformed_lines_total]')" = '[2,1]' ]
	done
	run -0 --separate-stderr sh -c 'cat "$1" | timeout 20 "$0" --block-size 1 --no-write --print metrics -' "$BIN/ctx-aggregate" "$BATS_TEST_TMPDIR/one"
	[ "$(echo "$output" | jq -c '[.events_total, .malformed_lines_total]')" = '[2,1]' ]
}
