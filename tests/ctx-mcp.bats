#!/usr/bin/env bats
# ctx-mcp: the suite as an MCP server over stdio (issue #18). The official TypeScript SDK's
# client (tests/mcp/client.mjs) against the command-line tools, then the protocol by hand.
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	CLIENT=${CTX_MCP_CLIENT:?set CTX_MCP_CLIENT to where make deps installed the SDK}
	WS=$BATS_TEST_TMPDIR/ws
	cp -r "$BATS_TEST_DIRNAME/../sample" "$WS"
	rm -rf "$WS/_ctx"
	unset CTX_ROOT CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR CTX_LSP_DAEMON
	export CTX_RUN_ID=mcp-test-run
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	cd "$WS"
}

teardown() {
	"$BIN/ctx-lsp" --daemon-stop --server pylsp --root "$WS" >/dev/null 2>&1 || true
	[ -z "${MCP_PID:-}" ] || kill -9 "$MCP_PID" 2>/dev/null || true
}

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}'

# tools/call request line: call ID TOOL ARGUMENTS-JSON
call() {
	printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' "$1" "$2" "$3"
}

# The answer to id $1 among the lines of $output.
answer() {
	echo "$output" | jq -c --argjson id "$1" 'select(.id == $id)'
}

# The SDK client's calls, one {"tool","arguments"} line each on stdin: run CTX-MCP-ARGS...
sdk() {
	CTX_MCP_CLIENT=$CLIENT timeout 120 node "$BATS_TEST_DIRNAME/mcp/client.mjs" calls "$BIN/ctx-mcp" "$WS" "$@"
}

# An answer of ctx-lsp without what differs from one call to the next.
lsp_core() {
	jq -c 'del(.id, .elapsed_ms, .queue_ms)'
}

@test "SDK client: ten tools, every schema compiles, each tool with a valid and an invalid input, answers as the CLI's" {
	cat >"$BATS_TEST_TMPDIR/calls" <<-'EOF'
	{"tool":"skeleton","arguments":{"paths":["shop/cart.py"]}}
	{"tool":"skeleton","arguments":{"paths":"shop"}}
	{"tool":"get_symbol","arguments":{"uri":"sym://python/type/shop.cart#Cart","mode":"excerpt","context":1}}
	{"tool":"get_symbol","arguments":{"uri":"sym://python/type/shop.cart#Cart","mode":"all"}}
	{"tool":"find_symbol","arguments":{"name":"Cart.add"}}
	{"tool":"find_symbol","arguments":{}}
	{"tool":"definition","arguments":{"file":"app.py","line":11,"col":12}}
	{"tool":"definition","arguments":{"file":"app.py","line":0,"col":12}}
	{"tool":"references","arguments":{"file":"app.py","line":11,"col":12}}
	{"tool":"references","arguments":{"file":"app.py","line":11}}
	{"tool":"hover","arguments":{"file":"app.py","line":11,"col":12}}
	{"tool":"hover","arguments":{"file":"app.py","line":11,"col":1.5}}
	{"tool":"document_symbols","arguments":{"file":"shop/cart.py"}}
	{"tool":"document_symbols","arguments":{"file":"shop/cart.py","extra":1}}
	{"tool":"workspace_symbols","arguments":{"query":"Cart"}}
	{"tool":"workspace_symbols","arguments":{"query":""}}
	{"tool":"diagnostics","arguments":{"file":"app.py"}}
	{"tool":"diagnostics","arguments":{"file":7}}
	{"tool":"telemetry_summary","arguments":{"runs":3}}
	{"tool":"telemetry_summary","arguments":{"runs":1000}}
	{"tool":"no_such_tool","arguments":{}}
	EOF
	run -0 sdk <"$BATS_TEST_TMPDIR/calls"
	out=$output
	lines=("${lines[@]}")
	head=${lines[0]}
	[ "$(echo "$head" | jq -c .tools)" = '["skeleton","get_symbol","find_symbol","definition","references","hover","document_symbols","workspace_symbols","diagnostics","telemetry_summary"]' ]
	[ "$(echo "$head" | jq -r '.schemas, .version.name, .instructions')" = "$(printf 'compiled\nctx-mcp\ntrue')" ]
	# Every other input of a tool is invalid: a tool error the model can read, never a crash.
	for i in 2 4 6 8 10 12 14 16 18 20; do
		[ "$(echo "${lines[$i]}" | jq -c '[.isError, .structured]')" = '[true,null]' ]
	done
	[[ ${lines[2]} == *"argument 'paths' must be an array"* ]]
	[[ ${lines[4]} == *"argument 'mode' must be skeleton, excerpt or raw"* ]]
	[[ ${lines[6]} == *"missing argument 'name'"* ]]
	[[ ${lines[8]} == *"argument 'line' must be an integer from 1"* ]]
	[[ ${lines[14]} == *'unknown argument \"extra\"'* ]]
	[[ ${lines[20]} == *"argument 'runs' must be an integer from 0 to 100"* ]]
	# An unknown tool is a protocol error (invalid params).
	[ "$(echo "${lines[21]}" | jq -c .protocolError)" = -32602 ]
	# Every valid call: no error, its structured content valid against its output schema
	# (references and diagnostics have no server to ask: an error, as ctx-lsp says).
	for i in 1 3 5 7 11 13 15 19; do
		[ "$(echo "${lines[$i]}" | jq -c '[.isError, .valid]')" = '[false,true]' ]
	done
	for i in 9 17; do
		[ "$(echo "${lines[$i]}" | jq -c .isError)" = true ]
		[[ ${lines[$i]} == *no_server* ]]
	done
	# The same answers as the command-line tools.
	[ "$(echo "${lines[1]}" | jq -c '.structured.records[0] | del(.cache)')" = \
		"$("$BIN/ctx-parse" --no-cache shop/cart.py | jq -c 'del(.cache)')" ]
	# The text is an outline of the same record, a line per symbol.
	[ "$(echo "${lines[1]}" | jq -r .text | sed -n '1p;3p')" = "$(printf '%s\n' \
		'shop/cart.py (python module shop.cart, 25 lines; sym://python/type/shop.cart#QUALNAME)' \
		'    10-12 def __init__(self) -> None')" ]
	[ "$(echo "${lines[1]}" | jq -r .text | grep -c .)" -eq 6 ]
	[ "$(echo "${lines[3]}" | jq -r .text)" = "$(printf 'shop/cart.py lines 6-25 (excerpt):\n'; sed -n 6,25p shop/cart.py)" ]
	[ "$(echo "${lines[3]}" | jq -c .structured)" = \
		"$("$BIN/ctx-parse" --get 'sym://python/type/shop.cart#Cart' --mode excerpt --context 1)" ]
	[ "$(echo "${lines[5]}" | jq -c .structured)" = "$(find . -name '*.py' | "$BIN/ctx-parse" --find Cart.add)" ]
	[ "$(echo "${lines[7]}" | jq -c .structured | lsp_core)" = "$(echo '{"id":1,"method":"definition","file":"app.py","line":11,"col":12}' |
		"$BIN/ctx-lsp" --no-server 2>/dev/null | lsp_core)" ]
	[ "$(echo "${lines[7]}" | jq -c '[.structured.result[0], .structured.reason, .structured.resolution]')" = \
		'[{"file":"shop/cart.py","line":7,"col":7,"end_line":7,"end_col":11},"no_server","resolved"]' ]
	for m in '11 hover {"file":"app.py","line":11,"col":12}' '13 symbols {"file":"shop/cart.py"}' \
		'15 workspace_symbols {"query":"Cart"}'; do
		set -- $m
		[ "$(echo "${lines[$1]}" | jq -c .structured | lsp_core)" = "$(echo "$3" | jq -c --arg m "$2" '{id: 1, method: $m} + .' |
			"$BIN/ctx-lsp" --no-server 2>/dev/null | lsp_core)" ]
	done
	# The telemetry of this session so far, through ctx-emit: the run, its calls per tool.
	[ "$(echo "${lines[19]}" | jq -c '[.structured.last_run.run_id, .structured.runs[0].run_id,
		(.structured.last_run.mcp.by_tool.skeleton >= 2)]')" = '["mcp-test-run","mcp-test-run",true]' ]
}

@test "SDK client: definition through the warm pylsp daemon, as ctx-lsp --daemon answers it" {
	cp -r "$BATS_TEST_DIRNAME/data/lsp/pkg" "$WS/pkg"
	printf '%s\n' '{"tool":"definition","arguments":{"file":"pkg/b.py","line":3,"col":9}}' \
		'{"tool":"definition","arguments":{"file":"pkg/b.py","line":3,"col":9}}' >"$BATS_TEST_TMPDIR/calls"
	run -0 sdk --server pylsp <"$BATS_TEST_TMPDIR/calls"
	[ "$(echo "${lines[2]}" | jq -c '[.isError, .valid, .structured.status, .structured.backend]')" = '[false,true,"ok","lsp"]' ]
	cli=$(echo '{"id":1,"method":"definition","file":"pkg/b.py","line":3,"col":9}' |
		"$BIN/ctx-lsp" --daemon --server pylsp 2>/dev/null | lsp_core)
	[ "$(echo "${lines[2]}" | jq -c .structured | lsp_core)" = "$cli" ]
	[ "$(echo "$cli" | jq -c .result)" = '[{"file":"pkg/a.py","line":4,"col":5,"end_line":4,"end_col":11}]' ]
	# One daemon for both: the calls attached to it (lsp.attach), and the session's events
	# carry the answers' lsp.definition events.
	run -0 "$BIN/ctx-lsp" --daemon-status --server pylsp
	[ "$(echo "$output" | jq -c '[.running, .state]')" = '[true,"READY"]' ]
	run -0 "$BIN/ctx-aggregate" --no-write --print last_run
	[ "$(echo "$output" | jq -c '[.mcp.by_tool.definition, .lsp.lsp_attach_count >= 1, .metrics_delta.lsp_definition_count >= 2]')" = '[2,true,true]' ]
}

@test "protocol: malformed JSON, a batch, no jsonrpc, unknown method, a request before initialize, ping, version negotiation" {
	run -1 timeout 30 "$BIN/ctx-mcp" <<-EOF
	{"jsonrpc":"2.0","id":1,"method":"tools/list"}
	{"jsonrpc":"2.0","id":2,"method":"ping"}
	{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{}}}
	{"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}
	{"jsonrpc":"2.0","method":"notifications/initialized"}
	{"jsonrpc":"2.0","id":5,
	[{"jsonrpc":"2.0","id":6,"method":"ping"}]
	{"id":7,"method":"ping"}
	{"jsonrpc":"2.0","id":8,"method":"resources/list"}
	{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"arguments":{}}}
	{"jsonrpc":"2.0","method":"notifications/whatever"}
	{"jsonrpc":"2.0","id":"s-10","method":"ping"}
	{"jsonrpc":"2.0","id":11,"method":"tools/list"}
	EOF
	[ "$(answer 1 | jq -c .error.code)" = -32600 ]
	[[ $(answer 1) == *"not initialized"* ]]
	[ "$(answer 2 | jq -c .result)" = '{}' ]
	# A version we do not speak gets our latest; the client then decides.
	[ "$(answer 3 | jq -c '[.result.protocolVersion, .result.serverInfo.name, .result.capabilities]')" = '["2025-11-25","ctx-mcp",{"tools":{"listChanged":false}}]' ]
	[ "$(answer 4 | jq -c .error.code)" = -32600 ] # initialized already
	[ "$(echo "$output" | jq -c 'select(.id == null) | .error.code')" = "$(printf -- '-32700\n-32600')" ]
	[ "$(answer 7 | jq -c .error.code)" = -32600 ]
	[ "$(answer 8 | jq -c .error.code)" = -32601 ]
	[ "$(answer 9 | jq -c .error.code)" = -32602 ]
	[ "$(echo "$output" | jq -c 'select(.id == "s-10") | .result')" = '{}' ]
	# The tools of a 2025-06-18 session have output schemas; every line is a JSON-RPC message.
	[ "$(answer 11 | jq -c '[(.result.tools | length), all(.result.tools[]; .outputSchema.type == "object")]')" = '[10,true]' ]
	[ "$(echo "$output" | jq -c 'select(.jsonrpc != "2.0")')" = "" ]
	[ "${#lines[@]}" -eq 11 ]
}

@test "protocol: a 2024-11-05 session has no output schemas nor structured content; a line over 4 MiB is a parse error, the next is served" {
	{
		echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}}'
		echo '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
		head -c 5000000 /dev/zero | tr '\0' 'x'
		echo
		call 2 get_symbol '{"uri":"sym://python/mod/shop.cart"}'
	} >"$BATS_TEST_TMPDIR/in"
	run -1 timeout 30 "$BIN/ctx-mcp" <"$BATS_TEST_TMPDIR/in"
	[ "$(answer 0 | jq -r .result.protocolVersion)" = 2024-11-05 ]
	[ "$(answer 1 | jq -c '[.result.tools[] | has("outputSchema")] | any')" = false ]
	[ "$(echo "$output" | jq -c 'select(.id == null) | .error.code')" = -32700 ]
	[ "$(answer 2 | jq -c '[.result.isError, has("structuredContent"), (.result.content[0].text | fromjson | .status)]')" = '[false,false,"ok"]' ]
}

@test "paths outside the root, in five shapes, are refused and never read; a FIFO is never opened" {
	ln -s /etc/passwd evil.py
	ln -s /etc outside
	mkfifo fifo.py
	run -0 timeout 30 "$BIN/ctx-mcp" <<-EOF
	$INIT
	$(call 1 skeleton '{"paths":["../../etc/passwd"]}')
	$(call 2 skeleton '{"paths":["/etc"]}')
	$(call 3 skeleton '{"paths":["outside"]}')
	$(call 4 skeleton '{"paths":["evil.py"]}')
	$(call 5 definition '{"file":"../../etc/passwd","line":1,"col":1}')
	$(call 6 document_symbols '{"file":"evil.py"}')
	$(call 7 get_symbol '{"uri":"sym://python/mod/..%2F..%2Fetc%2Fpasswd"}')
	$(call 8 find_symbol '{"name":"root","paths":["../../etc/passwd"]}')
	$(call 9 get_symbol '{"uri":"sym://python/mod/evil","mode":"raw"}')
	$(call 10 skeleton '{"paths":["fifo.py","shop/../app.py"]}')
	EOF
	for id in 1 2 3 4 5 6 8; do
		[ "$(answer $id | jq -c .result.isError)" = true ]
		[[ $(answer $id) == *"outside the workspace root"* ]]
	done
	# A FIFO named as a file: its record says why it was skipped; a path that stays inside is read.
	[ "$(answer 10 | jq -c '[.result.structuredContent.records[] | [.file, .skipped]]')" = '[["fifo.py","not_regular"],["app.py",null]]' ]
	[ "$(answer 7 | jq -c .result.isError)" = true ]
	[ "$(answer 9 | jq -c .result.isError)" = true ]
	# Not a byte of /etc/passwd anywhere.
	! grep -q 'root:x:0:0' <<<"$output" || false
	! grep -rq 'root:x:0:0' _ctx || false
}

@test "a cancelled call is never answered, the next one is; a cancelled queued request is never served" {
	cp -r "$BATS_TEST_DIRNAME/data/lsp/pkg" "$WS/pkg"
	mkfifo in
	timeout 60 "$BIN/ctx-mcp" --server "python3 $BATS_TEST_DIRNAME/hostile_lsp.py slow" --ready-timeout-ms 20000 \
		--events "$BATS_TEST_TMPDIR/events" <in >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	MCP_PID=$!
	exec 5>in
	echo "$INIT" >&5
	call 1 definition '{"file":"pkg/b.py","line":3,"col":9}' >&5
	call 2 get_symbol '{"uri":"sym://python/mod/shop.cart"}' >&5
	echo '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"changed my mind"}}' >&5
	sleep 0.5
	echo '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}' >&5
	echo '{"jsonrpc":"2.0","id":3,"method":"ping"}' >&5
	call 4 get_symbol '{"uri":"sym://python/mod/shop.cart"}' >&5
	for _ in $(seq 100); do
		grep -q '"id":4' "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	exec 5>&-
	wait "$MCP_PID"
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[ -z "$(answer 1)" ]
	[ -z "$(answer 2)" ]
	[ "$(answer 3 | jq -c .result)" = '{}' ]
	[ "$(answer 4 | jq -c .result.isError)" = false ]
	# The slow server answers 3 s late: the cancelled call ended long before.
	[ "$(jq -c 'select(.cmd == "mcp.call") | [.args.tool, .result.status]' "$BATS_TEST_TMPDIR/events")" = \
		"$(printf '%s\n' '["definition","cancelled"]' '["get_symbol","ok"]')" ]
}

@test "a client that closes stdin mid-call gets its answer, and ctx-mcp ends; one that also closes stdout ends it too" {
	cp -r "$BATS_TEST_DIRNAME/data/lsp/pkg" "$WS/pkg"
	slow="python3 $BATS_TEST_DIRNAME/hostile_lsp.py slow"
	start=$(date +%s)
	run -0 timeout 60 "$BIN/ctx-mcp" --server "$slow" --ready-timeout-ms 20000 <<-EOF
	$INIT
	$(call 1 definition '{"file":"pkg/b.py","line":3,"col":9}')
	EOF
	[ "$(answer 1 | jq -c '[.result.isError, .result.structuredContent.status]')" = '[false,"ok"]' ]
	# The reader gone as well: the answer cannot be written; ctx-mcp still ends, within the
	# call's bound, and leaves no process behind.
	{ echo "$INIT"; call 1 definition '{"file":"pkg/b.py","line":3,"col":9}'; } |
		timeout 60 "$BIN/ctx-mcp" --server "$slow" --ready-timeout-ms 20000 2>/dev/null | head -c 0
	[ $(($(date +%s) - start)) -lt 50 ]
	"$BIN/ctx-lsp" --daemon-stop --server "$slow" >/dev/null 2>&1 || true
}

@test "SIGTERM during a call ends ctx-mcp within its bound, its children with it" {
	cp -r "$BATS_TEST_DIRNAME/data/lsp/pkg" "$WS/pkg"
	mkfifo in
	timeout 60 "$BIN/ctx-mcp" --server "python3 $BATS_TEST_DIRNAME/hostile_lsp.py silent" --ready-timeout-ms 30000 \
		<in >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	MCP_PID=$!
	exec 5>in
	echo "$INIT" >&5
	call 1 definition '{"file":"pkg/b.py","line":3,"col":9}' >&5
	sleep 1
	start=$(date +%s%N)
	kill -TERM "$MCP_PID"
	rc=0
	wait "$MCP_PID" || rc=$?
	exec 5>&-
	[ $((($(date +%s%N) - start) / 1000000)) -lt 16000 ]
	[ "$rc" -ne 124 ] # not the timeout's kill
	"$BIN/ctx-lsp" --daemon-stop --server "python3 $BATS_TEST_DIRNAME/hostile_lsp.py silent" >/dev/null 2>&1 || true
}

@test "1,000 calls in a row: no descriptor and no memory growth" {
	mkfifo in
	# Under AddressSanitizer freed memory waits in a quarantine (256 MB): none here, so that
	# the resident size says what is in use.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0 \
		"$BIN/ctx-mcp" --events /dev/null <in >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	MCP_PID=$!
	exec 5>in
	echo "$INIT" >&5
	batch() { # calls FROM TO, then waits for the last answer
		for i in $(seq "$1" "$2"); do
			case $((i % 4)) in
			0) call "$i" get_symbol '{"uri":"sym://python/type/shop.cart#Cart.add","mode":"excerpt"}' ;;
			1) call "$i" skeleton '{"paths":["shop"]}' ;;
			2) call "$i" find_symbol '{"name":"nope"}' ;;
			3) call "$i" document_symbols '{"file":"app.py"}' ;;
			esac
		done >&5
		for _ in $(seq 600); do
			grep -q "\"id\":$2," "$BATS_TEST_TMPDIR/out" && return 0
			sleep 0.1
		done
		return 1
	}
	usage() { echo "$(ls /proc/$MCP_PID/fd | wc -l) $(awk '/^VmRSS/ { print $2 }' /proc/$MCP_PID/status)"; }
	batch 1 100
	read -r fds0 rss0 <<<"$(usage)"
	batch 101 1000
	read -r fds1 rss1 <<<"$(usage)"
	exec 5>&-
	wait "$MCP_PID"
	[ "$(grep -c '"result"' "$BATS_TEST_TMPDIR/out")" -eq 1001 ]
	[ "$fds1" -eq "$fds0" ]
	echo "# rss $rss0 kB after 100 calls, $rss1 kB after 1000" >&3
	[ "$rss1" -lt $((rss0 + 2048)) ]
}

@test "telemetry: a session's calls aggregate into calls per tool; a selection's bytes count once, in file.read" {
	run -0 timeout 60 "$BIN/ctx-mcp" <<-EOF
	$INIT
	$(call 1 skeleton '{}')
	$(call 2 get_symbol '{"uri":"sym://python/type/shop.cart#Cart","mode":"raw"}')
	$(call 3 get_symbol '{"uri":"sym://python/type/shop.cart#Cart.add"}')
	$(call 4 get_symbol '{"uri":"sym://python/type/shop.cart#Nope"}')
	$(call 5 definition '{"file":"app.py","line":11,"col":12}')
	$(call 6 references '{"file":"app.py","line":11,"col":12}')
	$(call 7 workspace_symbols '{"query":"Cart"}')
	EOF
	run -0 "$BIN/ctx-aggregate" --no-write --print last_run
	[ "$(echo "$output" | jq -c .mcp.by_tool)" = '{"definition":1,"get_symbol":3,"references":1,"skeleton":1,"workspace_symbols":1}' ]
	[ "$(echo "$output" | jq -c '[.mcp.mcp_call_count, .mcp.mcp_error_count, .mcp.mcp_cancelled_count, .run_id]')" = '[7,2,0,"mcp-test-run"]' ]
	log=_ctx/telemetry/events.jsonl
	# The bytes of calls without a selection mode; the selections' are file.read's alone.
	[ "$(echo "$output" | jq -c .mcp.mcp_bytes_total)" = \
		"$(jq -s '[.[] | select(.cmd == "mcp.call" and .result.mode == null) | .result.bytes] | add' "$log")" ]
	[ "$(echo "$output" | jq -c '[.file_read.raw_bytes, .file_read.skeleton_bytes]')" = \
		"$(jq -sc '[([.[] | select(.cmd == "file.read" and .args.mode == "raw") | .result.bytes] | add),
			([.[] | select(.cmd == "file.read" and .args.mode == "skeleton") | .result.bytes] | add)]' "$log")" ]
	[ "$(jq -c 'select(.cmd == "mcp.call" and .args.tool == "get_symbol") | .result.mode' "$log" | sort | uniq -c | awk '{ print $1, $2 }')" = \
		"$(printf '1 "raw"\n1 "skeleton"\n1 null')" ]
	# ctx-report shows them.
	run -0 env PATH="$BIN:$PATH" sh "$BATS_TEST_DIRNAME/../pipelines/ctx-report" "$WS"
	[[ $output == *"mcp:        7 calls (definition 1, get_symbol 3, references 1, skeleton 1, workspace_symbols 1), 2 errors"* ]]
}

@test "results are capped: a skeleton says how many files it left out, a raw selection is cut and says so" {
	python3 -c 'print("\n".join("def f%d(x):\n    return x + %d\n" % (i, i) for i in range(3000)))' >big.py
	run -0 timeout 30 "$BIN/ctx-mcp" --max-result-bytes 4096 <<-EOF
	$INIT
	$(call 1 skeleton '{}')
	$(call 2 get_symbol '{"uri":"sym://python/mod/big","mode":"raw"}')
	$(call 3 get_symbol '{"uri":"sym://python/type/big#f7"}')
	EOF
	[ "$(answer 1 | jq -c '.result.structuredContent | [.truncated, .omitted_files > 0, .files + .omitted_files]')" = '[true,true,9]' ]
	[ "$(answer 1 | jq -c '.result.structuredContent | tostring | length <= 4096')" = true ]
	[[ $(answer 1 | jq -r '.result.content[0].text') == *"(cut at 4096 bytes"* ]]
	[ "$(answer 2 | jq -c '.result.structuredContent | [.truncated, .text_bytes, (tostring | length <= 4096)]')" = "[true,$(wc -c <big.py),true]" ]
	[ "$(answer 2 | jq -r '.result.structuredContent.text' | head -2)" = "$(head -2 big.py)" ]
	[ "$(answer 3 | jq -c '.result.structuredContent | [.truncated, .symbols[0].name]')" = '[null,"f7"]' ]
}

@test "hostile clients: paths given twice, one file over the cap, a NUL, a newline in a name, 60 MB of input, stdin closed" {
	# Paths that repeat or overlap list each file once, and are walked once.
	paths=$(printf '".",%.0s' $(seq 500))
	{ echo "$INIT"; call 1 skeleton "{\"paths\":[$paths\"shop\",\"shop/cart.py\"]}"; } >in
	run -0 timeout 30 "$BIN/ctx-mcp" <in
	[ "$(answer 1 | jq -c '.result.structuredContent | [.files, (.records | map(.file) | unique | length), .truncated]')" = '[8,8,false]' ]
	# A file whose record alone is over the cap still gets a skeleton, its last symbols cut.
	python3 -c 'print("\n".join("def function_number_%d(argument_one, argument_two):\n    return %d\n" % (i, i) for i in range(400)))' >big.py
	mkdir odd
	printf 'x = 1\n' >"odd/$(printf 'evil\nname.py')"
	run -0 timeout 30 "$BIN/ctx-mcp" --max-result-bytes 8192 <<-EOF
	$INIT
	$(call 2 skeleton '{"paths":["big.py"]}')
	$(call 3 skeleton '{"paths":["odd"]}')
	EOF
	[ "$(answer 2 | jq -c '.result.structuredContent | [.files, .truncated, .records[0].truncated, .records[0].symbols_total,
		(.records[0].symbols | length > 10), (tostring | length <= 8192)]')" = '[1,true,true,400,true,true]' ]
	[ "$(answer 2 | jq -r '.result.content[0].text' | grep -c 'def function_number_')" -gt 100 ]
	# A name with a newline makes no line of its own in the outline.
	[[ $(answer 3 | jq -r '.result.content[0].text') == *"odd/evil?name.py (python module odd.evil?name,"* ]]
	! answer 3 | jq -r '.result.content[0].text' | grep -q '^name.py' || false
	# A NUL in a line is a parse error, not a request served from its first part.
	run -1 timeout 30 "$BIN/ctx-mcp" < <(printf '%s\n' "$INIT"; printf '{"jsonrpc":"2.0","id":4,"method":"ping"}\0xx\n')
	[ "$(echo "$output" | jq -c 'select(.id == null) | .error.code')" = -32700 ]
	[ -z "$(answer 4)" ]
	# 60 MB of pings: memory holds what is unread, not all that came (under ASan with no
	# quarantine, so that freed memory is not counted).
	python3 -c '
import sys
pad = "x" * 4000
sys.stdout.write("".join("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\",\"params\":{\"_meta\":{\"pad\":\"%s\"}}}\n" % (i, pad) for i in range(15000)))' >pings
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0 \
		run -0 /usr/bin/time -f '%M' timeout 60 "$BIN/ctx-mcp" --events /dev/null <pings
	[ "$(echo "$output" | grep -c '"result":{}')" -eq 15000 ]
	rss=$(echo "$output" | tail -1)
	echo "# max RSS $rss kB for 60 MB of input" >&3
	[ "$rss" -lt 40000 ]
	# Started with standard input closed: it ends at once, reading nothing.
	run -0 timeout 10 sh -c 'exec 0<&- && exec "$1"' sh "$BIN/ctx-mcp"
}
