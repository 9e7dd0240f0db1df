#!/usr/bin/env bats
# ctx-lsp --daemon: one warm session per (root, server) for callers that ask one question
# each (SPEC.md §10), and flow control (§7). Real pylsp, and the hostile server.
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	DATA=$BATS_TEST_DIRNAME/data
	HOSTILE="python3 $BATS_TEST_DIRNAME/hostile_lsp.py"
	WS=$BATS_TEST_TMPDIR/ws
	cp -r "$DATA/lsp" "$WS"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR CTX_LSP_DAEMON
	# Each test has daemons of its own.
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	PIDS=$BATS_TEST_TMPDIR/pids
	: >"$PIDS"
	cd "$WS"
}

# Every process a test learned of is ended by its pid (never by name), then none is left.
teardown() {
	local pid
	while read -r pid; do
		[ "$pid" -gt 0 ] 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
	done <"$PIDS"
}

DEF='{"id":1,"method":"definition","file":"pkg/b.py","line":3,"col":9}'
ANSWER='[{"file":"pkg/a.py","line":4,"col":5,"end_line":4,"end_col":11}]'

# The daemon's status for a server (default pylsp); its pids are remembered for teardown.
status_of() {
	local out
	out=$("$BIN/ctx-lsp" --daemon-status --server "${1:-pylsp}" 2>/dev/null) || true
	echo "$out" | jq -r '.pid // empty, .server_pid // empty' >>"$PIDS"
	echo "$out"
}

# True while pid is a process, and not a zombie.
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

@test "20 calls in a row: the answers of a one-shot session, one server spawned for all" {
	one=$("$BIN/ctx-lsp" --server pylsp <<<"$DEF" | jq -c .result)
	[ "$one" = "$ANSWER" ]
	export CTX_RUN_ID=agent-run # one run of an agent, 20 calls
	for i in $(seq 20); do
		run -0 --separate-stderr "$BIN/ctx-lsp" --daemon --server pylsp --events "$BATS_TEST_TMPDIR/ev" <<<"$DEF"
		[ "$(echo "$output" | jq -c '[.id, .status, .backend, .result]')" = "[1,\"ok\",\"lsp\",$ANSWER]" ]
		[ -z "$stderr" ]
		[ "$i" -gt 1 ] || status_of >/dev/null
	done
	st=$(status_of)
	[ "$(echo "$st" | jq -c '[.running, .restarts, .requests, .clients, .state]')" = '[true,0,20,0,"READY"]' ]
	# One lsp.spawn in the daemon's own log; 20 attaches in the callers' stream, 19 or more warm.
	for i in $(seq 50); do [ -s _ctx/telemetry/events.jsonl ] && break; sleep 0.1; done
	[ "$(jq -c 'select(.cmd == "lsp.spawn") | .result.pid' _ctx/telemetry/events.jsonl)" = "$(echo "$st" | jq .server_pid)" ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.attach")] | length' "$BATS_TEST_TMPDIR/ev")" = 20 ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.attach") | .result.daemon_pid] | unique | length' "$BATS_TEST_TMPDIR/ev")" = 1 ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.attach" and .result.warm)] | length' "$BATS_TEST_TMPDIR/ev")" -ge 19 ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.spawn")] | length' "$BATS_TEST_TMPDIR/ev")" = 0 ]
	# The counters say it: 0 spawned, 20 attached.
	mkdir -p -m 700 "$BATS_TEST_TMPDIR/agg/_ctx/telemetry"
	run -0 "$BIN/ctx-aggregate" --root "$BATS_TEST_TMPDIR/agg" --no-write --print last_run "$BATS_TEST_TMPDIR/ev"
	[ "$(echo "$output" | jq -c '.lsp | [.lsp_spawn_count, .lsp_attach_count, .lsp_request_count]')" = '[0,20,20]' ]
	run -0 "$BIN/ctx-lsp" --daemon-stop --server pylsp
	run -1 "$BIN/ctx-lsp" --daemon-status --server pylsp
	[ "$(echo "$output" | jq .running)" = false ]
}

@test "idle TTL: renewed by every request; then daemon, socket and server are gone" {
	run -0 "$BIN/ctx-lsp" --daemon --idle-ttl 2 --server pylsp <<<"$DEF"
	st=$(status_of)
	pid=$(echo "$st" | jq .pid) server=$(echo "$st" | jq .server_pid) sock=$(echo "$st" | jq -r .socket)
	[ -S "$sock" ]
	for i in 1 2 3 4 5 6; do
		sleep 1
		run -0 "$BIN/ctx-lsp" --daemon --idle-ttl 2 --server pylsp <<<"$DEF"
		[ "$(status_of | jq .pid)" = "$pid" ]
	done
	# TTL 2 s, then the §7 shutdown (at most 1 + 1.5 + 0.5 + 0.5 s), and a second of margin.
	for i in $(seq 60); do alive "$pid" || alive "$server" || break; sleep 0.1; done
	! alive "$pid" || false
	! alive "$server" || false
	[ ! -e "$sock" ]
	[ ! -e "${sock%.sock}.lock" ]
	[ "$(jq -r 'select(.cmd == "lsp.shutdown") | .result.status' _ctx/telemetry/events.jsonl)" = clean ]
}

@test "8 concurrent clients x 50 requests: each gets exactly its own answers" {
	run -0 "$BIN/ctx-lsp" --daemon --server pylsp <<<"$DEF"
	status_of >/dev/null
	for c in $(seq 8); do
		for i in $(seq 50); do
			printf '{"id":"c%d-%d","method":"definition","file":"pkg/b.py","line":3,"col":9}\n' "$c" "$i"
		done >"$BATS_TEST_TMPDIR/req.$c"
		"$BIN/ctx-lsp" --daemon --server pylsp <"$BATS_TEST_TMPDIR/req.$c" >"$BATS_TEST_TMPDIR/ans.$c" &
	done
	wait
	for c in $(seq 8); do
		[ "$(jq -r .id "$BATS_TEST_TMPDIR/ans.$c" | sort)" = "$(jq -r .id "$BATS_TEST_TMPDIR/req.$c" | sort)" ]
		[ "$(jq -c 'select(.result != '"$ANSWER"')' "$BATS_TEST_TMPDIR/ans.$c")" = "" ]
	done
}

@test "kill -9 of the daemon: the next call answers through a new one" {
	run -0 "$BIN/ctx-lsp" --daemon --server pylsp <<<"$DEF"
	st=$(status_of)
	pid=$(echo "$st" | jq .pid) server=$(echo "$st" | jq .server_pid)
	kill -9 "$pid"
	for i in $(seq 50); do alive "$server" || break; sleep 0.1; done
	! alive "$server" || false # it dies with its daemon
	run -0 --separate-stderr "$BIN/ctx-lsp" --daemon --server pylsp <<<"$DEF"
	[ "$(echo "$output" | jq -c .result)" = "$ANSWER" ]
	[ -z "$stderr" ]
	new=$(status_of | jq .pid)
	[ -n "$new" ] && [ "$new" != "$pid" ]
}

@test "kill -9 of the server: the pending request falls back, a later one reaches a restarted server" {
	server="$HOSTILE slow"
	"$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 --ready-timeout-ms 5000 </dev/null
	st=$(status_of "$server")
	first=$(echo "$st" | jq .server_pid)
	"$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 --ready-timeout-ms 5000 <<<"$DEF" >"$BATS_TEST_TMPDIR/pending" &
	sleep 1
	kill -9 "$first"
	wait
	[ "$(jq -c '[.status, .backend]' "$BATS_TEST_TMPDIR/pending")" = '["fallback","ast"]' ]
	sleep 4 # a restart at most once per 5 s
	run -0 "$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 --ready-timeout-ms 5000 <<<"$DEF"
	[ "$(echo "$output" | jq -c '[.status, .backend]')" = '["ok","lsp"]' ]
	st=$(status_of "$server")
	[ "$(echo "$st" | jq .restarts)" = 1 ]
	[ "$(echo "$st" | jq .server_pid)" != "$first" ]
	[ "$(jq -r 'select(.cmd == "lsp.fallback") | .result.reason' _ctx/telemetry/events.jsonl 2>/dev/null)" = "" ]
	[ "$(jq -c 'select(.cmd == "lsp.spawn") | .x.restart // false' _ctx/telemetry/events.jsonl | tr '\n' ' ')" = "false true " ]
}

@test "10 clients racing to start the first daemon start exactly one" {
	for c in $(seq 10); do
		"$BIN/ctx-lsp" --daemon --server pylsp --events "$BATS_TEST_TMPDIR/ev.$c" <<<"$DEF" >"$BATS_TEST_TMPDIR/ans.$c" 2>"$BATS_TEST_TMPDIR/err.$c" &
	done
	wait
	status_of >/dev/null
	for c in $(seq 10); do
		[ "$(jq -c .result "$BATS_TEST_TMPDIR/ans.$c")" = "$ANSWER" ]
		[ ! -s "$BATS_TEST_TMPDIR/err.$c" ]
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/ev.* | jq -s '[.[] | select(.cmd == "lsp.attach") | .result.daemon_pid] | unique | length')" = 1 ]
	for i in $(seq 50); do [ -s _ctx/telemetry/events.jsonl ] && break; sleep 0.1; done
	[ "$(jq -s '[.[] | select(.cmd == "lsp.spawn")] | length' _ctx/telemetry/events.jsonl)" = 1 ]
}

@test "an unsafe runtime directory is refused: answers in-process, the same exit status" {
	mkdir -m 700 "$BATS_TEST_TMPDIR/elsewhere"
	for shape in symlink other-uid open; do
		rm -rf "$XDG_RUNTIME_DIR/ctx-lsp"
		case $shape in
		symlink) ln -s "$BATS_TEST_TMPDIR/elsewhere" "$XDG_RUNTIME_DIR/ctx-lsp" ;;
		other-uid) # only root can give a directory away
			[ "$(id -u)" -eq 0 ] || continue
			mkdir -m 700 "$XDG_RUNTIME_DIR/ctx-lsp" && chown 65534 "$XDG_RUNTIME_DIR/ctx-lsp" ;;
		open) mkdir "$XDG_RUNTIME_DIR/ctx-lsp" && chmod 777 "$XDG_RUNTIME_DIR/ctx-lsp" ;;
		esac
		run -0 --separate-stderr "$BIN/ctx-lsp" --daemon --server pylsp <<<"$DEF"
		[ "$(echo "$output" | jq -c '[.status, .result]')" = "[\"ok\",$ANSWER]" ]
		[[ $stderr == *"daemon not used (runtime directory $XDG_RUNTIME_DIR/ctx-lsp: "*"): serving the requests in-process"* ]] || { echo "$shape: $stderr"; false; }
		[ "$(grep -c 'daemon not used' <<<"$stderr")" = 1 ]
		[ -z "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ]
		# A malformed request: exit 1, as without the daemon.
		run -1 "$BIN/ctx-lsp" --daemon --server pylsp <<<'{"id":2,"method":"nope"}'
	done
}

@test "a file outside the root is never opened through the daemon; a line over 1 MiB gets an error" {
	mkdir "$BATS_TEST_TMPDIR/outside"
	mkfifo "$BATS_TEST_TMPDIR/outside/x.py"
	# Anything that opens the FIFO to read lets this writer through.
	(timeout 8 sh -c "echo x >'$BATS_TEST_TMPDIR/outside/x.py' && touch '$BATS_TEST_TMPDIR/opened'") &
	big=$(head -c 1100000 /dev/zero | tr '\0' a)
	run -1 "$BIN/ctx-lsp" --daemon --server pylsp <<<"{\"id\":1,\"method\":\"definition\",\"file\":\"../outside/x.py\",\"line\":1,\"col\":1}
{\"id\":2,\"method\":\"hover\",\"file\":\"$BATS_TEST_TMPDIR/outside/x.py\",\"line\":1,\"col\":1}
{\"id\":3,\"method\":\"definition\",\"file\":\"../../../../../../etc/passwd\",\"line\":1,\"col\":1}
{\"id\":4,\"query\":\"$big\"}
$DEF"
	status_of >/dev/null
	[ "$(echo "$output" | jq -r 'select(.id != null and .status == "error") | .error' | sort -u)" = outside_root ]
	[ "$(echo "$output" | jq -r 'select(.id == null) | .error')" = "request line over 1 MiB" ]
	[ "$(echo "$output" | jq -c 'select(.id == 1 and .method == "definition" and .status == "ok") | .result')" = "$ANSWER" ]
	sleep 0.5
	[ ! -e "$BATS_TEST_TMPDIR/opened" ]
	kill %1 2>/dev/null || true
}

@test "a client killed mid-request: the server gets \$/cancelRequest, the next client is served" {
	server="$HOSTILE nocancel"
	"$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 --trace "$BATS_TEST_TMPDIR/trace" </dev/null
	status_of "$server" >/dev/null
	(sleep 3 | "$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 <<<"$DEF") &
	client=$!
	sleep 0.5
	pkill -9 -P "$client" || true
	kill -9 "$client" 2>/dev/null || true
	for i in $(seq 30); do grep -q 'cancelRequest' "$BATS_TEST_TMPDIR/trace" && break; sleep 0.1; done
	grep -q '"method":"\$/cancelRequest"' "$BATS_TEST_TMPDIR/trace"
	run -0 "$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 <<<"$DEF"
	[ "$(echo "$output" | jq -c '[.status, .backend]')" = '["ok","lsp"]' ]
}

@test "hostile servers through the daemon: every request answered within its deadline, nothing left behind" {
	REQS='{"id":1,"method":"definition","file":"pkg/b.py","line":3,"col":9}
{"id":2,"method":"hover","file":"pkg/b.py","line":3,"col":9}
{"id":3,"method":"references","file":"pkg/a.py","line":4,"col":5}'
	for mode in silent slow garbage short huge exit flood early stubborn noread; do
		run --separate-stderr timeout 20 "$BIN/ctx-lsp" --daemon --server "$HOSTILE $mode" --ready-timeout-ms 1500 --timeout-ms 300 <<<"$REQS"
		st=$(status_of "$HOSTILE $mode")
		[ "$status" -le 1 ] || { echo "$mode: exit $status"; false; }
		[ "$(echo "$output" | jq -r .id | sort | tr '\n' ' ')" = "1 2 3 " ] || { echo "$mode: $output"; false; }
		echo "$output" | jq -e 'select(.elapsed_ms - .queue_ms > 2100 or .queue_ms > 3 * 2100)' >/dev/null && { echo "$mode: late: $output"; false; }
		pid=$(echo "$st" | jq .pid) server=$(echo "$st" | jq '.server_pid // 0')
		run -0 timeout 20 "$BIN/ctx-lsp" --daemon-stop --server "$HOSTILE $mode"
		! alive "$pid" || { echo "$mode: daemon left"; false; }
		[ "$server" = 0 ] || ! alive "$server" || { echo "$mode: server left"; false; }
	done
}

@test "flow control: 60 pipelined requests to a one-at-a-time server, no fallback, the server's time as timing" {
	for i in $(seq 60); do
		printf '{"id":%d,"method":"definition","file":"pkg/b.py","line":3,"col":9}\n' "$i"
	done >"$BATS_TEST_TMPDIR/req"
	run -0 "$BIN/ctx-lsp" --server "$HOSTILE serial50" --timeout-ms 500 --events "$BATS_TEST_TMPDIR/ev" <"$BATS_TEST_TMPDIR/req"
	[ "$(echo "$output" | jq -s '[.[] | select(.status == "ok" and .backend == "lsp")] | length')" = 60 ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.fallback" or .cmd == "lsp.timeout")] | length' "$BATS_TEST_TMPDIR/ev")" = 0 ]
	# Each answer took the server about 50 ms; the wait in the queue grows with the batch.
	[ "$(jq -s '[.[] | select(.cmd == "lsp.definition") | .timing_ms | select(. < 45 or . > 150)] | length' "$BATS_TEST_TMPDIR/ev")" -le 3 ]
	[ "$(echo "$output" | jq -s '.[59].queue_ms > .[10].queue_ms + 1500')" = true ]
	[ "$(echo "$output" | jq -s '[.[].elapsed_ms] | max > 2000')" = true ]
}

@test "a one-shot pylsp session closes its output first and ends by exit, not SIGTERM" {
	start=$(date +%s%N)
	"$BIN/ctx-lsp" --server pylsp --events "$BATS_TEST_TMPDIR/ev" <<<"$DEF" | { cat >/dev/null; echo $((($(date +%s%N) - start) / 1000000)) >"$BATS_TEST_TMPDIR/eof_ms"; }
	done_ms=$((($(date +%s%N) - start) / 1000000))
	[ "$(jq -r 'select(.cmd == "lsp.shutdown") | .result.status' "$BATS_TEST_TMPDIR/ev")" = clean ]
	shut=$(jq 'select(.cmd == "lsp.shutdown") | .timing_ms' "$BATS_TEST_TMPDIR/ev")
	session=$(jq 'select(.cmd == "lsp.shutdown") | .x.session_ms' "$BATS_TEST_TMPDIR/ev")
	[ "$shut" -lt "$session" ]
	# The reader saw the end before the shutdown was done.
	[ "$(cat "$BATS_TEST_TMPDIR/eof_ms")" -lt $((done_ms - shut / 2)) ]
}

@test "a later call asking for other daemon settings is served as is, and told so once" {
	run -0 "$BIN/ctx-lsp" --daemon --server pylsp --idle-ttl 30 <<<"$DEF"
	status_of >/dev/null
	run -0 --separate-stderr "$BIN/ctx-lsp" --daemon --server pylsp --idle-ttl 30 --trace "$BATS_TEST_TMPDIR/t" <<<"$DEF"
	[ "$(echo "$output" | jq -c .result)" = "$ANSWER" ]
	[[ $stderr == *"the running daemon keeps --trace (none) (asked $BATS_TEST_TMPDIR/t)"* ]]
	[ "$(grep -c 'running daemon keeps' <<<"$stderr")" = 1 ]
	[ ! -s "$BATS_TEST_TMPDIR/t" ] # checked writable, never written: the daemon keeps its own
	run -0 --separate-stderr "$BIN/ctx-lsp" --daemon --server pylsp --idle-ttl 600 <<<"$DEF"
	[[ $stderr == *"keeps --idle-ttl 30 --max-inflight 1 --queue-timeout-ms 60000 (asked 600, 1, 60000)"* ]]
	# Asking for nothing is no request: no word.
	run -0 --separate-stderr "$BIN/ctx-lsp" --daemon --server pylsp <<<"$DEF"
	[ -z "$stderr" ]
}

@test "a stalled daemon: the call answers itself after the daemon's bound, or at once after a signal" {
	server="$HOSTILE slow"
	opts=(--server "$server" --timeout-ms 1000 --ready-timeout-ms 1000)
	"$BIN/ctx-lsp" --daemon "${opts[@]}" --queue-timeout-ms 1000 </dev/null
	pid=$(status_of "$server" | jq .pid)
	# Stalled after it took the request: the bound is its queue timeout + the slowest
	# deadline + 2 s = 4 s; then this call answers itself (its own server is as slow).
	(sleep 0.5; kill -STOP "$pid") &
	start=$(date +%s%N)
	run -0 --separate-stderr timeout 20 "$BIN/ctx-lsp" --daemon "${opts[@]}" <<<"$DEF"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$(echo "$output" | jq -c '[.id, .status]')" = '[1,"fallback"]' ]
	[[ $stderr == *"daemon not used (the daemon did not answer in time): serving the requests in-process"* ]]
	[ "$ms" -ge 4000 ] && [ "$ms" -lt 9000 ]
	# --daemon-status says it runs and does not answer.
	run -0 --separate-stderr timeout 20 "$BIN/ctx-lsp" --daemon-status --server "$server"
	[ "$(echo "$output" | jq -c '[.running, .responding]')" = '[true,false]' ]
	[[ $stderr == *"does not answer"* ]]
	# A signal while it waits for the stalled daemon: answered here at once, from the fallback.
	(echo "$DEF"; sleep 30) | timeout 20 "$BIN/ctx-lsp" --daemon "${opts[@]}" >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	sleep 1
	client=$(pgrep -n -f -- "--daemon --server $server --timeout-ms 1000")
	start=$(date +%s%N)
	kill -TERM "$client"
	for i in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/out" ] && break; sleep 0.05; done
	[ $((($(date +%s%N) - start) / 1000000)) -lt 3000 ]
	[ "$(jq -c '[.id, .status]' "$BATS_TEST_TMPDIR/out")" = '[1,"fallback"]' ]
	kill -CONT "$pid"
}

@test "the exit status counts what the daemon answered before it went away" {
	server="$HOSTILE slow"
	"$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 </dev/null
	pid=$(status_of "$server" | jq .pid)
	printf '%s\n%s\n' '{"id":"bad","method":"nope"}' "$DEF" >"$BATS_TEST_TMPDIR/req"
	(sleep 1; kill -9 "$pid") &
	run -1 --separate-stderr "$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 <"$BATS_TEST_TMPDIR/req"
	[ "$(echo "$output" | jq -r .id | sort | tr '\n' ' ')" = "1 bad " ]
	[[ $stderr == *"the daemon went away"* ]]
}

@test "the socket's hello: another protocol, or a line over 1 MiB before it, ends the connection; nothing else is read" {
	run -0 "$BIN/ctx-lsp" --daemon --server pylsp <<<"$DEF"
	sock=$(status_of | jq -r .socket)
	for hello in '{"proto":"1"}' '{"proto":1.5}' 'garbage' BIG; do
		out=$(python3 - "$sock" "$hello" "$DEF" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
hello = "x" * 1100000 if sys.argv[2] == "BIG" else sys.argv[2]
data = b""
try:  # a daemon that stops reading may reset the connection under a long write
    s.sendall((hello + "\n" + sys.argv[3] + "\n").encode())
    s.shutdown(socket.SHUT_WR)
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except (ConnectionResetError, BrokenPipeError):
    data += b" (reset)"
sys.stdout.write(data.decode())
PY
)
		[[ $out == 'H {"error":"not a hello of this protocol"}' || ($hello == BIG && $out != *"A "*) ]] || { echo "${hello:0:20}: $out"; false; }
	done
	[ "$(status_of | jq .clients)" = 0 ]
}

@test "a daemon whose server never finishes its handshake fails it after its ready timeout: later calls do not wait" {
	server="$HOSTILE silent"
	"$BIN/ctx-lsp" --daemon --server "$server" --ready-timeout-ms 1000 </dev/null
	status_of "$server" >/dev/null
	sleep 2.5
	start=$(date +%s%N)
	run -0 "$BIN/ctx-lsp" --daemon --server "$server" --ready-timeout-ms 1000 <<<"$DEF"
	[ $((($(date +%s%N) - start) / 1000000)) -lt 900 ]
	[ "$(echo "$output" | jq -c '[.status, .backend]')" = '["fallback","ast"]' ]
	[ "$(status_of "$server" | jq -r .state)" = FAILED ]
}

@test "--daemon-stop with a request in flight: answered from the fallback as a shutdown, not a timeout" {
	server="$HOSTILE slow"
	"$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 </dev/null
	status_of "$server" >/dev/null
	"$BIN/ctx-lsp" --daemon --server "$server" --timeout-ms 5000 --events "$BATS_TEST_TMPDIR/ev" <<<"$DEF" >"$BATS_TEST_TMPDIR/out" &
	sleep 1
	run -0 timeout 20 "$BIN/ctx-lsp" --daemon-stop --server "$server"
	wait
	[ "$(jq -c '[.status, .backend]' "$BATS_TEST_TMPDIR/out")" = '["fallback","ast"]' ]
	[ "$(jq -r 'select(.cmd == "lsp.fallback") | .result.reason' "$BATS_TEST_TMPDIR/ev")" = shutdown ]
	[ "$(jq -s '[.[] | select(.cmd == "lsp.timeout")] | length' "$BATS_TEST_TMPDIR/ev")" = 0 ]
}
