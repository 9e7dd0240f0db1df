#!/usr/bin/env bats
# The main job: pipelines, the sample workspace, make run, make install (SPEC.md §8).
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	WS=$BATS_TEST_TMPDIR/sample
	cp -r "$REPO/sample" "$WS"
	rm -rf "$WS/_ctx"
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR CTX_LSP_SERVER
	# The tools under test first (make test SAN=1 builds them in build/san/bin, not bin/).
	export PATH=$BIN:$PATH
}

@test "usage lines, and clear failures" {
	for p in ctx-index ctx-probe ctx-report ctx-run; do
		run -0 "$REPO/pipelines/$p" --help
		[[ $output == usage:\ $p* ]]
		run -2 "$REPO/pipelines/$p" --bogus
	done
	run -2 --separate-stderr "$REPO/pipelines/ctx-run" /nonexistent
	[[ $stderr == *"ctx-run: /nonexistent: no such directory"* ]]
	run -1 --separate-stderr "$REPO/pipelines/ctx-probe" "$WS"
	[[ $stderr == *"skeleton.jsonl: missing; run ctx-index first"* ]]
}

@test "ctx-run on the sample: every tool's events under one run id; a second run hits the cache" {
	run -0 --separate-stderr "$REPO/pipelines/ctx-run" "$WS"
	[[ $output == *"ctx report: run run_"* ]]
	[[ $output == *"lsp.definition"* ]]
	last=$WS/_ctx/telemetry/last_run.json
	parsed=$(jq -s 'map(select(.symbols)) | length' "$WS/_ctx/skeleton.jsonl")
	[ "$parsed" -eq 8 ]
	[ "$(jq .ast.ast_parse_count "$last")" -eq "$parsed" ]
	[ "$(jq .lsp.lsp_ready_count "$last")" -ge 1 ]
	[ "$(jq '.latencies."lsp.definition".count' "$last")" -ge 1 ]
	[ "$(jq '.file_read.total_bytes > 0 and .selector.selector_resolve_success_count > 0' "$last")" = true ]
	[ "$(jq -r .run_id "$WS/_ctx/telemetry/events.jsonl" | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r .cmd "$WS/_ctx/telemetry/events.jsonl" | sed 's/\..*//' | sort -u | tr '\n' ' ')" = "ast file lsp selector " ]
	[ -s "$WS/_ctx/telemetry/metrics.prom" ]
	[ -z "$(ls -A "$TMPDIR")" ]
	run -0 --separate-stderr "$REPO/pipelines/ctx-run" "$WS"
	[ "$(jq .ast.ast_cache_hit_rate "$last")" = 1 ]
	[ "$(jq -r .run_id "$WS/_ctx/telemetry/events.jsonl" | sort -u | wc -l)" -eq 2 ]
	[ "$(jq .runs_total "$WS/_ctx/telemetry/metrics.json")" -eq 2 ]
	run -0 "$REPO/pipelines/ctx-report" --json "$WS"
	[ "$(echo "$output" | jq -r .run_id)" = "$(jq -r .run_id "$last")" ]
	# The HTML report beside the text one: this run's, with the trend of both runs.
	html=$WS/_ctx/report.html
	grep -q "<title>ctx report: $(jq -r .run_id "$last")</title>" "$html"
	grep -q 'Trends over the last 2 runs' "$html"
	[ "$(stat -c %a "$html")" = 644 ]
}

@test "ctx-run --prom FILE and ctx-report --html FILE write where they are told; bad uses are usage errors" {
	mkdir "$BATS_TEST_TMPDIR/textfile"
	run -0 --separate-stderr "$REPO/pipelines/ctx-run" --prom "$BATS_TEST_TMPDIR/textfile/ctx.prom" "$WS"
	[ ! -e "$WS/_ctx/telemetry/metrics.prom" ]
	grep -q "^ctx_last_run_events{segment_id=\"$(jq -r .segment_id "$WS/_ctx/telemetry/last_run.json")\"} " \
		"$BATS_TEST_TMPDIR/textfile/ctx.prom"
	run -0 --separate-stderr "$REPO/pipelines/ctx-report" --html "$BATS_TEST_TMPDIR/r.html" "$WS"
	[[ $output == *"ctx report: run "* ]]
	grep -q '<section id="trends">' "$BATS_TEST_TMPDIR/r.html"
	run -2 --separate-stderr "$REPO/pipelines/ctx-report" --html
	[[ $stderr == *"--html needs a file"* ]]
	run -2 --separate-stderr "$REPO/pipelines/ctx-run" --prom "" "$WS"
	run -2 --separate-stderr "$REPO/pipelines/ctx-report" "$WS" extra
	# A symlink where the report goes is replaced, never followed.
	ln -sf "$BATS_TEST_TMPDIR/decoy" "$WS/_ctx/report.html"
	run -0 --separate-stderr "$REPO/pipelines/ctx-run" "$WS"
	[ ! -L "$WS/_ctx/report.html" ] && [ ! -e "$BATS_TEST_TMPDIR/decoy" ]
}

@test "without pylsp on PATH the run completes and the report shows the fallbacks" {
	mkdir "$BATS_TEST_TMPDIR/path"
	# The tools under test last, over any installed ones.
	for f in /usr/local/bin/* /usr/bin/* /bin/* "$BIN"/*; do ln -sf "$f" "$BATS_TEST_TMPDIR/path/" 2>/dev/null || true; done
	rm -f "$BATS_TEST_TMPDIR/path/pylsp"
	PATH=$BATS_TEST_TMPDIR/path run -0 --separate-stderr "$REPO/pipelines/ctx-run" "$WS"
	[[ $output == *"fallbacks"* ]]
	last=$WS/_ctx/telemetry/last_run.json
	[ "$(jq '.lsp.lsp_fallback_count > 0 and .lsp.lsp_ready_count == 0' "$last")" = true ]
	[ "$(jq -r 'select(.cmd == "lsp.fallback") | .result.reason' "$WS/_ctx/telemetry/events.jsonl" | sort -u)" = lsp_binary_not_found ]
	[ "$(jq -s 'map(select(.method == "definition" and .backend == "ast" and (.result | length) > 0)) | length > 0' "$WS/_ctx/probe.jsonl")" = true ]
}

@test "ctx-probe asks about real uses only, through the daemon with CTX_LSP_DAEMON=1, and names what happened" {
	ws=$BATS_TEST_TMPDIR/probe
	mkdir -p "$ws/pkg"
	printf '"""Helpers."""\n\n\ndef helper(x):\n    return x + 1\n' >"$ws/pkg/a.py"
	: >"$ws/pkg/__init__.py"
	# Before the real use: the import's own lines, a comment, strings, a docstring, a def.
	printf '%s\n' 'from pkg.a import (' '    helper,' ')' '# helper is used below' \
		'"""helper in a docstring' 'helper again"""' 's = "helper" + '"'"'helper'"'"'' \
		'class K:' '    def helper(self):' '        return None' 'label = "日本語"; v = helper(3)' >"$ws/pkg/b.py"
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	"$REPO/pipelines/ctx-index" "$ws" 2>/dev/null
	CTX_LSP_DAEMON=1 run -0 --separate-stderr "$REPO/pipelines/ctx-probe" "$ws"
	[ "$(jq -c 'select(.method == "definition") | [.status, .backend, .result[0].file, .result[0].line]' "$ws/_ctx/probe.jsonl")" = '["ok","lsp","pkg/a.py",4]' ]
	[ "$(jq -c '[.id, .method] ' "$ws/_ctx/probe.jsonl" | wc -l)" = 3 ]
	[[ $stderr == *"ctx-probe: 3 requests: 3 answered by the server, 0 fallbacks, 0 timeouts (0 unanswered), 0 errors"* ]]
	# The request was at the real use: line 11, column 20 in code points.
	[ "$(jq -c 'select(.cmd == "lsp.definition") | [.args.line, .args.col]' "$ws/_ctx/telemetry/events.jsonl")" = '[11,20]' ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.attach")] | length' "$ws/_ctx/telemetry/events.jsonl")" = 1 ]
	st=$("$BIN/ctx-lsp" --daemon-status --server pylsp --root "$ws")
	"$BIN/ctx-lsp" --daemon-stop --server pylsp --root "$ws" >/dev/null
	[ "$(echo "$st" | jq .running)" = true ]
}

@test "ctx-report names timeouts and fallbacks among the warnings" {
	"$REPO/pipelines/ctx-index" "$WS" 2>/dev/null
	CTX_LSP_SERVER="python3 $BATS_TEST_DIRNAME/hostile_lsp.py slow" CTX_PROBE_LIMIT=1 run -0 --separate-stderr "$REPO/pipelines/ctx-probe" "$WS"
	# The first request, sent while the server warms up, waits for its answer (3 s late); the
	# next two time out: the hover falls back, the references have no fallback.
	[[ $stderr == *"ctx-probe: 3 requests: 1 answered by the server, 1 fallbacks, 2 timeouts (1 unanswered), 0 errors"* ]]
	run -0 "$REPO/pipelines/ctx-report" "$WS"
	[[ $output == *"2 timeouts"* ]]
	[[ $output == *"warnings:   2 lsp requests timed out; 1 lsp answers from the fallback"* ]]
}

@test "CTX_NO_TELEMETRY=1: the run writes no telemetry file" {
	CTX_NO_TELEMETRY=1 run -0 --separate-stderr "$REPO/pipelines/ctx-run" "$WS"
	[[ $stderr == *"telemetry is off"* ]]
	[ ! -e "$WS/_ctx/telemetry" ]
	[ -s "$WS/_ctx/skeleton.jsonl" ]
}

@test "an interrupted run leaves no temporary file" {
	CTX_LSP_SERVER="python3 $BATS_TEST_DIRNAME/hostile_lsp.py slow" "$REPO/pipelines/ctx-index" "$WS" 2>/dev/null
	CTX_LSP_SERVER="python3 $BATS_TEST_DIRNAME/hostile_lsp.py slow" "$REPO/pipelines/ctx-probe" "$WS" 2>/dev/null &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid || true
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "from a fresh clone: make run, then make install and uninstall into a prefix" {
	clone=$BATS_TEST_TMPDIR/clone
	git clone -q "$REPO" "$clone"
	# The grammar is fetched and checked by make deps; reuse this checkout's to spare the network.
	mkdir -p "$clone/build" && cp -r "$REPO/build/tree-sitter-python" "$clone/build/"
	cd "$clone"
	# A newcomer's make, not this suite's (make test SAN=1 passes SAN=1 down in MAKEFLAGS).
	unset MAKEFLAGS MAKELEVEL MFLAGS
	run -0 --separate-stderr make run
	[[ $output == *"ctx report: run run_"* ]]
	[ "$(jq .lsp.lsp_ready_count sample/_ctx/telemetry/last_run.json)" -ge 1 ]
	run -0 --separate-stderr make run
	[ "$(jq .ast.ast_cache_hit_rate sample/_ctx/telemetry/last_run.json)" = 1 ]
	prefix=$BATS_TEST_TMPDIR/prefix
	run -0 make install PREFIX="$prefix"
	for f in ctx-emit ctx-aggregate ctx-parse ctx-lsp ctx-index ctx-probe ctx-report ctx-run; do [ -x "$prefix/bin/$f" ]; done
	[ -f "$prefix/share/man/man1/ctx-lsp.1" ]
	[ -f "$prefix/share/ctx/prometheus/ctx-rules.yml" ] && [ -f "$prefix/share/ctx/prometheus/targets/machines.yml" ]
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr "$prefix/bin/ctx-run" "$WS"
	[[ $output == *"ctx report: run run_"* ]]
	cd "$clone"
	run -0 make uninstall PREFIX="$prefix"
	[ -z "$(find "$prefix" -type f)" ]
}
