#!/usr/bin/env bats
# Numbers people look at: ctx-aggregate --runs against jq, and the HTML report rendered by
# a real browser (headless Chromium) against last_run.json (issue 15, SPEC.md §5, §8).
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	T=$BATS_TEST_TMPDIR
	ROOT=$T/ws
	mkdir -p "$ROOT"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS
}

# The log's events in order (rotated files oldest first), well-formed lines only.
log_events() {
	cat "$1/events.2.jsonl" "$1/events.1.jsonl" "$1/events.jsonl" | jq -R -c 'fromjson? // empty'
}

# Headless Chromium, as the machine's probe starts it: no sandbox (root), no GPU, no
# network of its own, a new profile. chromium ARGS... URL
chromium_run() {
	local profile
	profile=$(mktemp -d "$T/chromium.XXXXXX")
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$profile" "$@" 2>"$T/chromium.err"
}

@test "--runs: each run of interleaved runs over rotated files equals jq's computation of it" {
	"$REPO/tests/gen-runs" "$T/log" 6000 12
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --runs
	[[ $stderr == *"events.1.jsonl:"*": skipped: not a JSON object"* ]]
	echo "$output" >"$T/ours"
	[ "$(wc -l <"$T/ours")" -eq 12 ]
	log_events "$T/log" | jq -s -c -f "$REPO/tests/runs_summary.jq" >"$T/theirs"
	[ "$(wc -l <"$T/theirs")" -eq 12 ]
	run -0 jq -n --slurpfile a "$T/ours" --slurpfile b "$T/theirs" -f "$REPO/tests/runs_equal.jq"
	[ "$output" = true ]
	# Oldest first by last event: run_0000 came back at the end, so it is last.
	[ "$(jq -r .run_id "$T/ours" | tr '\n' ' ')" = "run_0001 run_0002 run_0003 run_0004 run_0005 run_0006 run_0007 run_0008 run_0009 run_0010 run_0011 run_0000 " ]
	# The checker is not blind: one count off is a difference.
	sed '5s/"lsp_request_count":\([0-9]\)/"lsp_request_count":9\1/' "$T/ours" >"$T/off"
	! cmp -s "$T/ours" "$T/off" || false
	run -0 jq -n --slurpfile a "$T/off" --slurpfile b "$T/theirs" -f "$REPO/tests/runs_equal.jq"
	[ "$output" = false ]
}

@test "--runs N: the last N lines; the last is last_run.json's run, with its keys in its order" {
	"$REPO/tests/gen-runs" "$T/log" 3000 9
	"$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --runs 2>/dev/null >"$T/all"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --runs 4
	[ "$output" = "$(tail -n 4 "$T/all")" ]
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --runs=1
	[ "$output" = "$(tail -n 1 "$T/all")" ]
	"$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --no-write --print last_run 2>/dev/null >"$T/last"
	[ "$(jq -c . "$T/last")" = "$(tail -n 1 "$T/all" | jq -c .)" ]
	# Every line has the document's keys in its order, at every level (jq -c keeps order).
	want=$(jq -c '[paths | map(tostring) | join(".")] | map(select(test("^(latencies|metrics_delta|top_warnings|ast.by_lang|lsp.fallback_by_reason)\\.") | not))' "$T/last")
	while read -r line; do
		[ "$(echo "$line" | jq -c '[paths | map(tostring) | join(".")] | map(select(test("^(latencies|metrics_delta|top_warnings|ast.by_lang|lsp.fallback_by_reason)\\.") | not))')" = "$want" ]
	done <"$T/all"
	# More than there are: all of them. FILE operands and stdin too; a run of digits after
	# --runs is N, a file named like one is written ./N.
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs 1000 --dir "$T/log"
	[ "$output" = "$(cat "$T/all")" ]
	log_events "$T/log" >"$T/7"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs 2 - <"$T/7"
	[ "$output" = "$(tail -n 2 "$T/all")" ]
	(cd "$T" && run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs ./7 && [ "$output" = "$(cat all)" ])
	# --runs writes nothing but its lines.
	[ ! -e "$T/log/last_run.json" ] && [ ! -e "$T/log/metrics.json" ]
}

@test "--runs: usage errors, and an empty log has no line" {
	run -2 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs 0
	[[ $stderr == *"bad value for --runs: '0'"* ]]
	run -2 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs=x
	run -2 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs --print last_run
	[[ $stderr == *"--runs writes the run lines only"* ]]
	run -2 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs 3 --html "$T/r.html"
	run -2 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --html ""
	: >"$T/empty"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs "$T/empty"
	[ -z "$output" ]
}

@test "--html in headless Chromium: every section, each number equals last_run.json's, plots drawn" {
	"$REPO/tests/gen-runs" "$T/log" 20000 40
	"$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --runs 2>/dev/null >"$T/runs"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --dir "$T/log" --html "$T/report.html" --print last_run
	echo "$output" >"$T/last_run.json"
	[ "$(stat -c %a "$T/report.html")" = 644 ]
	# Self-contained: nothing to fetch, no script.
	! grep -Eiq '<script|<link|<img|<iframe|@import|url\(|(src|href)=' "$T/report.html" || false
	chromium_run --dump-dom "file://$T/report.html" >"$T/dom.html"
	[ -s "$T/dom.html" ]
	run -0 python3 "$REPO/tests/html_check.py" numbers "$T/dom.html" "$T/last_run.json" "$T/runs"
	[[ ${lines[-1]} =~ ^[0-9]+\ numbers\ checked$ ]] && [ "${lines[-1]%% *}" -ge 300 ]
	# The checker is not blind: a number off by one on the page is caught.
	sed 's|\(lsp_request_count&quot;\]">\)\([0-9]*\)<|\19\2<|' "$T/dom.html" >"$T/dom-off.html"
	! cmp -s "$T/dom.html" "$T/dom-off.html" || false
	run -1 python3 "$REPO/tests/html_check.py" numbers "$T/dom-off.html" "$T/last_run.json" "$T/runs"
	[[ $output == *'lsp_request_count'*'page shows'* ]]
	# Each plot alone in a cell of one screenshot: more than one colour, and data drawn.
	n=$(python3 "$REPO/tests/html_check.py" grid "$T/report.html" "$T/grid.html")
	[ "$n" -ge 9 ]
	chromium_run --window-size=1040,$(((n + 1) / 2 * 260)) --screenshot="$T/grid.png" "file://$T/grid.html"
	run -0 python3 "$REPO/tests/html_check.py" colours "$T/grid.png" "$n"
	# The whole page as a picture, and on paper.
	chromium_run --window-size=1100,3400 --screenshot="$T/page.png" "file://$T/report.html"
	[ "$(stat -c %s "$T/page.png")" -gt 50000 ]
	chromium_run --print-to-pdf="$T/page.pdf" --no-pdf-header-footer "file://$T/report.html"
	[ "$(head -c 5 "$T/page.pdf")" = "%PDF-" ]
}

@test "--html: what came from the log is text, never markup" {
	bad='<script>alert(1)</script>"'"'"'&'
	{
		jq -c -n --arg b "$bad" '{run_id: "r1", cmd: "lsp.fallback", result: {reason: $b}, warnings: [$b], timing_ms: 3}'
		jq -c -n --arg b "$bad" '{ts: ("2026-01-01T" + $b), segment_id: $b, run_id: "r1", cmd: "lsp.hover", timing_ms: 2}'
		jq -c -n --arg b "$bad" '{run_id: "r1", cmd: ("lsp.hover" + $b), timing_ms: 5}'
		jq -c -n --arg b "$bad" '{run_id: "r1", cmd: "ast.parse", x: {lang: $b, cache: "hit"}, timing_ms: 1}'
		# A run id with line ends stays itself in an attribute; a counter past 2^53 is shown
		# digit for digit; a cut never splits a character.
		echo '{"run_id":"r\r\n2","ts":"2026-01-0é1T00:00:00.000Z","cmd":"file.read","args":{"mode":"raw"},"result":{"bytes":7}}'
		echo '{"run_id":"r1","cmd":"file.read","args":{"mode":"raw"},"result":{"bytes":1e300}}'
		echo '{"run_id":"r1","ts":"2026-01-01Tééééééé","cmd":"x.y"}'
	} >"$T/in"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --html "$T/report.html" --print last_run "$T/in"
	echo "$output" >"$T/last_run.json"
	! grep -q '<script' "$T/report.html" || false
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;' "$T/report.html"
	"$BIN/ctx-aggregate" --root "$ROOT" --runs "$T/in" >"$T/runs"
	grep -q '<td data-run="r&#13;&#10;2" data-k="\[&quot;telemetry_drops&quot;,&quot;lock_skipped&quot;\]">0</td>' \
		"$T/report.html"
	grep -q '"total_bytes": 9223372036854775807' "$T/last_run.json"
	grep -q 'total_bytes&quot;\]">9223372036854775807<' "$T/report.html"
	python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$T/report.html"
	chromium_run --dump-dom "file://$T/report.html" >"$T/dom.html"
	run -0 python3 "$REPO/tests/html_check.py" numbers "$T/dom.html" "$T/last_run.json" "$T/runs"
	# The run with no run: a page that says so, every section still there.
	: >"$T/empty"
	run -0 "$BIN/ctx-aggregate" --root "$ROOT" --html "$T/none.html" "$T/empty"
	grep -q 'No run in the event log' "$T/none.html"
	for s in latency cache lsp bytes trends warnings; do grep -q "<section id=\"$s\">" "$T/none.html"; done
}

@test "--runs and --html on a hostile log: NUL and bad UTF-8 in names; 40,000 cmds; C1 controls" {
	{
		echo '{"ts":"2026-01-01T00:00:00.000Z","run_id":"ok","cmd":"a","timing_ms":1}'
		echo '{"ts":"2026-01-01T00:00:00.000Z","run_id":"\u0000","cmd":"a"}'
		echo '{"ts":"2026-01-01T00:00:00.000Z","run_id":"x\u0000y","cmd":"ast.parse","timing_ms":1}'
		printf '{"run_id":"ok","cmd":"b\xc3","warnings":["w\xff"],"timing_ms":2}\n'
	} >"$T/nul"
	# A NUL or a bad byte in a name is U+FFFD: every line valid UTF-8, the run ids apart.
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --runs "$T/nul"
	[ "$(echo "$output" | jq -r .run_id | tr '\n' ' ')" = "$(printf '\357\277\275 x\357\277\275y ok ')" ]
	python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <<<"$output"
	run -0 --separate-stderr "$BIN/ctx-aggregate" --root "$ROOT" --html "$T/nul.html" --print last_run "$T/nul"
	[ "$(echo "$output" | jq -r .run_id)" = ok ] && [ "$(echo "$output" | jq .events)" = 2 ]
	grep -q '<title>ctx report: ok</title>' "$T/nul.html"
	python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$T/nul.html"
	# Cmds told apart only by a NUL or a bad byte never print as the same name twice; a
	# run id with a bad byte keeps its histograms; a C1 control is U+FFFD on the page.
	{
		for c in 'a\u0000x' 'a\u0000y' 'lsp.hover'; do
			printf '{"run_id":"r\xff","cmd":"%s","timing_ms":5}\n{"run_id":"r\xff","cmd":"%s","timing_ms":500}\n' "$c" "$c"
		done
		printf '{"run_id":"r\xff","cmd":"c\xff","timing_ms":1}\n{"run_id":"r\xff","cmd":"c\xfe","timing_ms":1}\n'
		echo '{"run_id":"r\u00ff","cmd":"x","warnings":["w\u0085\u009f"]}'
		printf '{"run_id":"r\xff","cmd":"y\xc2\x85","timing_ms":3}\n'
	} >"$T/names"
	mkdir -p "$T/ws2"
	run -0 "$BIN/ctx-aggregate" --root "$T/ws2" --html "$T/names.html" --prom "$T/names.prom" --print last_run "$T/names"
	[ "$(echo "$output" | jq -c '.latencies | keys | length')" = 5 ]
	[ -z "$(grep -v '^#' "$T/names.prom" | sed 's/ [^ ]*$//' | sort | uniq -d)" ]
	[ "$(grep -o 'ms: 1</title></rect>' "$T/names.html" | wc -l)" -eq 2 ]
	! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$T/names.html" || false
	grep -q 'y&#xFFFD;' "$T/names.html"
	# Distinct cmds by the ten thousand: the page stays linear (40,000 took 23 s when each
	# cell looked its cmd up from the root) and its table stops at 256 rows.
	awk 'BEGIN { for (i = 0; i < 40000; i++) printf "{\"run_id\":\"r\",\"cmd\":\"c%d\",\"timing_ms\":%d}\n", i, i % 100 }' >"$T/cmds"
	run -0 timeout 10 "$BIN/ctx-aggregate" --root "$ROOT" --no-write --html "$T/cmds.html" "$T/cmds"
	run -0 timeout 10 "$BIN/ctx-aggregate" --root "$ROOT" --html "$T/cmds.html" "$T/cmds"
	grep -q 'And 39744 more cmds: see last_run.json.' "$T/cmds.html"
	[ "$(grep -o '<tr><td>c' "$T/cmds.html" | wc -l)" -eq 256 ]
}

@test "the pipelines: options in any order, a value that looks like an option refused, a report still printed" {
	WS=$T/sample
	cp -r "$REPO/sample" "$WS"
	rm -rf "$WS/_ctx"
	export PATH=$BIN:$PATH
	run -2 --separate-stderr "$REPO/pipelines/ctx-report" --html --json "$WS"
	[[ $stderr == *"--html needs a file, not '--json' (./--json for a file whose name starts with -)"* ]]
	run -2 --separate-stderr "$BIN/ctx-aggregate" --root "$WS" --html --prom
	run -2 --separate-stderr "$REPO/pipelines/ctx-run" --prom "$T/" "$WS"
	[ ! -e "$WS/_ctx" ]
	run -0 --separate-stderr "$REPO/pipelines/ctx-run" "$WS" --prom "$T/ctx.prom"
	[ -s "$T/ctx.prom" ] && [ -s "$WS/_ctx/report.html" ]
	# One ROOT: given twice, or empty, is a usage error; a -- at the end changes nothing; a
	# ROOT whose name starts with - is a directory, not an option.
	run -2 --separate-stderr "$REPO/pipelines/ctx-report" "$WS" -- "$T"
	run -2 --separate-stderr "$REPO/pipelines/ctx-report" ""
	run -2 --separate-stderr "$REPO/pipelines/ctx-report" "$T/nonexistent"
	[[ $stderr == *"ctx-report: $T/nonexistent: no such directory"* ]]
	cp -r "$REPO/sample" "$T/-x" && rm -rf "$T/-x/_ctx"
	(cd "$T" && "$REPO/pipelines/ctx-run" -x -- >/dev/null 2>&1) && false
	(cd "$T" && "$REPO/pipelines/ctx-run" -- -x >/dev/null 2>&1)
	[ -s "$T/-x/_ctx/report.html" ] && [ ! -e "$T/_ctx" ]
	# Text from the log reaches the terminal without its control characters.
	jq -c -n '{ts: "2026-01-01T00:00:00.000Z", run_id: "r\u001b]0;pwned\u0007", cmd: "c\u001b[31m", timing_ms: 1,
		warnings: ["\u001b[2J"]}' >>"$WS/_ctx/telemetry/events.jsonl"
	run -0 --separate-stderr "$REPO/pipelines/ctx-report" "$WS"
	[[ $output == *'ctx report: run r?]0;pwned?'* ]]
	! grep -q $'\x1b' <<<"$output" || false
	# A directory where report.html goes (a clone may ship one): refused, exit 3, and the
	# text report is still printed.
	rm "$WS/_ctx/report.html" && mkdir "$WS/_ctx/report.html"
	run -3 --separate-stderr "$REPO/pipelines/ctx-run" "$WS"
	[[ $output == *"ctx report: run "* && $output == *"warnings:"* ]]
	[[ $stderr == *"report.html: refused: is not a regular file"* ]]
}
