# Each run's last_run.json document (SPEC.md §5) computed from the event lines with jq
# alone, as an independent check of ctx-aggregate --runs: input is every event of the log
# in order (jq -s), output one document per run in the order of its last event. Rates
# are exact here; the comparison allows for their rounding.
def rate(a; b): if b == 0 then 0 else a / b end;
def pct(p): sort as $s | $s[($s | length) * p | floor];
def count(f): map(select(f)) | length;
def sum(f): map(f // 0) | add // 0;
def names(f): map(f) | group_by(.) | map({key: .[0], value: length}) | from_entries;
def request: IN("lsp.definition", "lsp.references", "lsp.hover", "lsp.symbols",
	"lsp.workspace_symbols", "lsp.diagnostics", "lsp.request");

map(select(type == "object" and (.cmd | type) == "string" and (.run_id | type) == "string")) as $all
| [$all | to_entries[] | {run: .value.run_id, at: .key}] | group_by(.run) | map(max_by(.at)) | sort_by(.at)
| .[].run as $id
| ($all | map(select(.run_id == $id))) as $e
| ($e | count(.cmd == "ast.parse" and .x.cache == "hit")) as $hit
| ($e | count(.cmd == "ast.parse" and .x.cache == "miss")) as $miss
| ($e | count(.cmd | request)) as $requests
| ($e | count(.cmd == "lsp.spawn")) as $spawn
| ($e | count(.cmd == "lsp.ready")) as $ready
| ($e | count(.cmd == "lsp.timeout")) as $timeouts
| ($e | count(.cmd == "lsp.fallback")) as $fallbacks
| ($e | count(.cmd == "selector.resolve")) as $resolves
| ($e | count(.cmd == "selector.resolve" and .result.resolved == true)) as $resolved
| ($e | map(select(.cmd == "telemetry.drop")) | sum(.result.dropped)) as $dropped
| ($e | map(select(.cmd == "file.read"))) as $reads
| [("skeleton", "excerpt", "raw") as $m | $reads | map(select(.args.mode == $m)) | sum(.result.bytes)] as $bytes
| ($e | map(select(.cmd == "lsp.state_change" and (.result.to | ascii_downcase) == "failed")) | length) as $failed
| ($e | count(.cmd == "lsp.attach")) as $attach
| ($e | count(.cmd == "lsp.attach" and .result.warm == true)) as $warm
| {
	run_id: $id,
	segment_id: ($e | map(.segment_id // empty) | last),
	ts: ($e | map(.ts // empty) | last),
	ts_first: ($e | map(.ts // empty) | first),
	events: ($e | length),
	metrics_delta: (
		($e | group_by(.cmd) | map({key: ((.[0].cmd | gsub("[^a-z0-9]"; "_")) + "_count"), value: length}) | from_entries)
		+ {
			events_total: ($e | length),
			ast_cache_hit_count: $hit, ast_cache_miss_count: $miss,
			ast_cache_error_count: ($e | count(.cmd == "ast.parse" and .x.cache == "error")),
			file_read_skeleton_bytes_total: $bytes[0], file_read_excerpt_bytes_total: $bytes[1],
			file_read_raw_bytes_total: $bytes[2],
			lsp_request_count: $requests, lsp_failed_count: $failed,
			lsp_attach_count: $attach, lsp_attach_warm_count: $warm,
			selector_resolve_success_count: $resolved, telemetry_lock_skipped: $dropped
		} | to_entries | sort_by(.key) | from_entries),
	latencies: ($e | map(select((.timing_ms | type) == "number" and .timing_ms >= 0)) | group_by(.cmd)
		| map({key: .[0].cmd, value: (map(.timing_ms) | {count: length, p50_ms: pct(0.5), p95_ms: pct(0.95), max_ms: max})})
		| from_entries),
	ast: {
		ast_parse_count: ($e | count(.cmd == "ast.parse")), ast_cache_hit_count: $hit, ast_cache_miss_count: $miss,
		ast_cache_hit_rate: rate($hit; $hit + $miss),
		by_lang: ($e | map(select(.cmd == "ast.parse" and .x.lang)) | names(.x.lang))
	},
	lsp: {
		lsp_spawn_count: $spawn, lsp_ready_count: $ready, lsp_failed_count: $failed,
		lsp_request_count: $requests, lsp_timeout_count: $timeouts, lsp_fallback_count: $fallbacks,
		lsp_ready_rate: rate($ready; $spawn), lsp_timeout_rate: rate($timeouts; $requests),
		lsp_fallback_rate: rate($fallbacks; $requests),
		lsp_attach_count: $attach, lsp_attach_warm_count: $warm,
		fallback_by_reason: ($e | map(select(.cmd == "lsp.fallback" and .result.reason)) | names(.result.reason))
	},
	file_read: {skeleton_bytes: $bytes[0], excerpt_bytes: $bytes[1], raw_bytes: $bytes[2], total_bytes: ($bytes | add)},
	selector: {
		selector_resolve_count: $resolves, selector_resolve_success_count: $resolved,
		selector_resolve_success_rate: rate($resolved; $resolves)
	},
	mcp: {
		mcp_call_count: ($e | count(.cmd == "mcp.call")),
		mcp_error_count: ($e | count(.cmd == "mcp.call" and .result.status == "error")),
		mcp_cancelled_count: ($e | count(.cmd == "mcp.call" and .result.status == "cancelled")),
		mcp_bytes_total: ($e | map(select(.cmd == "mcp.call" and .result.mode == null)) | sum(.result.bytes)),
		by_tool: ($e | map(select(.cmd == "mcp.call" and .args.tool)) | names(.args.tool))
	},
	telemetry_drops: {
		attempted: (($e | length) + $dropped), written: ($e | length), lock_skipped: $dropped,
		drop_rate: rate($dropped; ($e | length) + $dropped)
	},
	top_warnings: ($e | map(.warnings // [] | .[]) | group_by(.) | map({w: .[0], n: length})
		| sort_by(-.n, .w) | .[:5] | map(.w))
}
