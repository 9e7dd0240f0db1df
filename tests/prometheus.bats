#!/usr/bin/env bats
# Prometheus for many machines (issue 15): the rules and config of contrib/prometheus, and
# a real Prometheus scraping a real node_exporter's textfile collector on loopback.
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	T=$BATS_TEST_TMPDIR
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR CTX_LSP_SERVER
	export PATH=$BIN:$PATH
	: >"$T/pids"
}

teardown() {
	# Both servers stopped by pid, whatever the test did.
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$T/pids"
	while read -r pid; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done <"$T/pids"
}

# A port on 127.0.0.1 that is free now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The value of the PromQL expression's first sample, or nothing.
query() {
	curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'
}

# Wait up to $2 seconds until the expression has a sample equal to $3 (any value: empty).
wait_for() {
	local v
	for _ in $(seq $(($2 * 5))); do
		v=$(query "$1")
		if [ -n "$v" ] && { [ -z "${3:-}" ] || [ "$v" = "$3" ]; }; then
			echo "$v"
			return 0
		fi
		sleep 0.2
	done
	echo "timed out: $1 = '${v:-}', wanted '${3:-any}'" >&2
	return 1
}

@test "contrib/prometheus: the config and rules check, and the rules' unit tests pass" {
	cd "$REPO/contrib/prometheus"
	run -0 promtool check config prometheus.yml
	run -0 promtool check rules ctx-rules.yml
	[[ $output == *"SUCCESS: 6 rules found"* ]]
	run -0 promtool test rules ctx-rules.test.yml
	[[ $output == *SUCCESS* ]]
}

@test "a real Prometheus scrapes node_exporter's textfile: last_run.json's values; the stale-run alert fires on an old run" {
	WS=$T/sample
	cp -r "$REPO/sample" "$WS"
	rm -rf "$WS/_ctx"
	textfile=$T/textfile
	mkdir "$textfile"
	# Two runs: the whole log's counters are not the last run's.
	"$REPO/pipelines/ctx-run" --prom "$textfile/ctx.prom" "$WS" >/dev/null 2>&1
	run -0 --separate-stderr "$REPO/pipelines/ctx-run" --prom "$textfile/ctx.prom" "$WS"
	[ "$(stat -c %a "$textfile/ctx.prom")" = 644 ]
	last=$WS/_ctx/telemetry/last_run.json
	metrics=$WS/_ctx/telemetry/metrics.json

	NODE_PORT=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$textfile" >"$T/node.log" 2>&1 &
	echo $! >>"$T/pids"
	PROM_PORT=$(free_port)
	cat >"$T/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  evaluation_interval: 1s
		rule_files:
		  - $REPO/contrib/prometheus/ctx-rules.yml
		scrape_configs:
		  - job_name: node
		    static_configs:
		      - targets: ['127.0.0.1:$NODE_PORT']
	EOF
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prometheus.log" 2>&1 &
	echo $! >>"$T/pids"

	# The whole log's counter, and the last run's numbers, as last_run.json has them.
	hits=$(wait_for ctx_ast_cache_hit_total 60) || { cat "$T/prometheus.log" "$T/node.log"; false; }
	[ "$hits" = "$(jq .ast_cache_hit_count "$metrics")" ]
	[ "$(query ctx_ast_cache_miss_total)" = "$(jq .ast_cache_miss_count "$metrics")" ]
	[ "$(jq .ast_cache_miss_count "$metrics")" -gt "$(jq .ast.ast_cache_miss_count "$last")" ]
	p95=$(query 'ctx_last_run_latency_seconds{cmd="lsp.definition",quantile="0.95"}')
	[ -n "$p95" ]
	[ "$(jq --arg v "$p95" '(($v | tonumber) * 1000 - .latencies."lsp.definition".p95_ms) | fabs < 1e-6' "$last")" = true ]
	[ "$(query ctx_last_run_ast_cache_hit_ratio)" = "$(jq .ast.ast_cache_hit_rate "$last")" ]
	[ "$(query ctx_last_run_events)" = "$(jq .events "$last")" ]
	ts=$(query ctx_last_run_timestamp_seconds)
	[ "$(jq --arg v "$ts" '.ts | sub("\\.[0-9]+Z$"; "Z") | fromdate | . - ($v | tonumber) | fabs < 1' "$last")" = true ]
	# Every series names the workspace.
	[ "$(query 'count(ctx_events_total{segment_id="'"$(jq -r .segment_id "$last")"'"})')" = 1 ]

	# The rules loaded, and evaluated after the scrape: a fresh run is not stale.
	rules=$(curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/rules")
	[ "$(echo "$rules" | jq '[.data.groups[].rules[] | select(.health == "ok")] | length')" -eq 6 ]
	wait_for 'ctx:last_run_age:seconds' 30 >/dev/null
	sleep 2
	[ -z "$(query 'ALERTS{alertname="CtxRunStale"}')" ]
	[ -z "$(query 'ALERTS{alertname="CtxFallbackRateHigh"}')" ]

	# The same workspace's file replaced by one of a run two days old, with fallbacks.
	old=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%S.000Z)
	{
		printf '{"ts":"%s","run_id":"old","segment_id":"%s","cmd":"lsp.definition","timing_ms":9}\n' "$old" "$(jq -r .segment_id "$last")"
		for i in $(seq 12); do
			printf '{"ts":"%s","run_id":"old","cmd":"lsp.hover","timing_ms":%d}\n' "$old" "$i"
			printf '{"ts":"%s","run_id":"old","cmd":"lsp.fallback","result":{"reason":"lsp_not_ready"}}\n' "$old"
		done
	} >"$T/old.jsonl"
	ctx-aggregate --root "$WS" --dir "$T/oldtelemetry" --prom "$textfile/ctx.prom" "$T/old.jsonl"
	want=$(date -u -d "$old" +%s)
	wait_for ctx_last_run_timestamp_seconds 30 "$want" >/dev/null
	wait_for 'ALERTS{alertname="CtxRunStale",alertstate="firing"}' 30 1 >/dev/null
	wait_for 'ALERTS{alertname="CtxFallbackRateHigh",alertstate="firing"}' 30 1 >/dev/null
	[ "$(query ctx_last_run_lsp_fallback_ratio)" = "$(jq .lsp.lsp_fallback_rate "$T/oldtelemetry/last_run.json")" ]
	[ "$(query 'ctx_last_run_lsp_fallbacks{reason="lsp_not_ready"}')" = 12 ]
}
