#!/usr/bin/env bats
# ctx-emit: validation, normalisation, redaction, locking, rotation and faults (SPEC.md §4).
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	DATA=$BATS_TEST_DIRNAME/data
	GEN=$BATS_TEST_DIRNAME/gen-events
	ROOT=$BATS_TEST_TMPDIR/ws
	DIR=$ROOT/_ctx/telemetry
	mkdir -p "$ROOT"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS
}

# The log files oldest first: events.K.jsonl ... events.1.jsonl, events.jsonl.
log_files() {
	ls "$DIR" | sed -n 's/^events\.\([0-9]*\)\.jsonl$/\1/p' | sort -rn | sed "s|.*|$DIR/events.&.jsonl|"
	echo "$DIR/events.jsonl"
}

# Every writer 0..W-1 has its x.seq 0..N-1 exactly once and in order (jq fails on a torn line).
check_sequences() {
	local w=$1 n=$2
	shift 2
	cat "$@" | jq -r 'select(.cmd != "telemetry.drop") | "\(.x.w) \(.x.seq)"' | awk -v W="$w" -v N="$n" '
		{ if ($2 != seen[$1] + 0) { printf "writer %s: expected seq %d, got %s\n", $1, seen[$1], $2; bad = 1; exit 1 }
		  seen[$1]++ }
		END { if (bad) exit 1
		      for (i = 0; i < W; i++) if (seen[i] != N) { printf "writer %d: %d of %d events\n", i, seen[i], N; exit 1 } }'
}

@test "--help and --version exit 0; an unknown flag or bad value is a usage error" {
	run -0 --separate-stderr "$BIN/ctx-emit" --help
	[[ $output == usage:\ ctx-emit* ]]
	run -0 "$BIN/ctx-emit" --version
	[[ $output =~ ^ctx-emit\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run -2 --separate-stderr "$BIN/ctx-emit" --bogus
	[ -z "$output" ]
	[[ $stderr == *usage:\ ctx-emit* ]]
	run -2 --separate-stderr "$BIN/ctx-emit" --lock maybe
	[[ $stderr == *"bad value for --lock: 'maybe'"* ]]
	run -2 --separate-stderr "$BIN/ctx-emit" --max-bytes -5
	[[ $stderr == *"bad value for --max-bytes"* ]]
	[ ! -e "$ROOT/_ctx" ]
}

@test "the Python original's lines are normalised (legacy segment, tokens, float timing, offsets)" {
	run -0 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" "$DATA/legacy.in"
	diff -u "$DATA/legacy.expected" "$DIR/events.jsonl"
	! grep -q '/home/dev/proj' "$DIR/events.jsonl" || false
}

@test "rejected lines are reported with their position, the valid ones around them written, exit 1" {
	{
		echo '{"cmd":"ok.one"}'
		echo 'not json at all'
		echo '{"cmd":"ok.two"}'
		echo '[1,2]'
		echo '{"args":{}}'
		echo '{"cmd":"Bad Cmd"}'
		echo '{"cmd":"neg","timing_ms":-3}'
		awk 'BEGIN { printf "{\"cmd\":\"big\",\"x\":{\"pad\":["; for (i = 0; i < 35000; i++) printf "1,"; print "1]}}" }'
		printf '{"cmd":"bad.utf8","m":"\xff"}\n'
		echo ''
		echo '{"cmd":"ok.three"}'
	} >"$BATS_TEST_TMPDIR/bad.jsonl"
	run -1 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" "$BATS_TEST_TMPDIR/bad.jsonl"
	f="$BATS_TEST_TMPDIR/bad.jsonl"
	[[ $stderr == *"ctx-emit: $f:2: not JSON (at byte 1)"* ]]
	[[ $stderr == *"ctx-emit: $f:4: not a JSON object"* ]]
	[[ $stderr == *"ctx-emit: $f:5: missing \"cmd\""* ]]
	[[ $stderr == *"ctx-emit: $f:6: bad \"cmd\" \"Bad Cmd\""* ]]
	[[ $stderr == *"ctx-emit: $f:7: bad \"timing_ms\""* ]]
	[[ $stderr == *"ctx-emit: $f:8: line of 70"*" bytes after redaction, over the limit of 65536"* ]]
	[[ $stderr == *"ctx-emit: $f:9: invalid UTF-8 at byte 24"* ]]
	[ "$(echo "$stderr" | wc -l)" -eq 7 ]
	run -0 jq -r .cmd "$DIR/events.jsonl"
	[ "$output" = "$(printf 'ok.one\nok.two\nok.three')" ]
}

@test "8 writers x 20000 events in wait mode: 160000 lines, each writer complete and in order" {
	for w in 0 1 2 3 4 5 6 7; do "$GEN" $w 20000 >"$BATS_TEST_TMPDIR/in$w"; done
	pids=()
	for w in 0 1 2 3 4 5 6 7; do
		"$BIN/ctx-emit" --root "$ROOT" --max-bytes 0 "$BATS_TEST_TMPDIR/in$w" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(wc -l <"$DIR/events.jsonl")" -eq 160000 ]
	check_sequences 8 20000 "$DIR/events.jsonl"
	! grep -q telemetry.drop "$DIR/events.jsonl" || false
}

@test "skip mode with the lock held: written + dropped = attempted, no critical event dropped" {
	mkdir -p "$DIR"
	"$GEN" 0 1000 10 >"$BATS_TEST_TMPDIR/in"
	flock "$DIR/events.lock" sleep 2 &
	holder=$!
	sleep 0.3
	run -0 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" --lock skip --queue 50 -v "$BATS_TEST_TMPDIR/in"
	wait $holder
	written=$(jq -c 'select(.cmd != "telemetry.drop")' "$DIR/events.jsonl" | wc -l)
	dropped=$(jq -s '[.[] | select(.cmd == "telemetry.drop") | .result.dropped] | add' "$DIR/events.jsonl")
	attempted=$(jq -s '[.[] | select(.cmd == "telemetry.drop") | .result.attempted] | add' "$DIR/events.jsonl")
	[ "$dropped" -gt 0 ]
	[ $((written + dropped)) -eq 1000 ]
	[ "$attempted" -eq 1000 ]
	[ "$(grep -c '"cmd":"file.read"' "$DIR/events.jsonl")" -eq 100 ]
	[[ $stderr == *"read 1000, written $written, rejected 0, dropped $dropped"* ]]
}

@test "skip mode, 4 concurrent writers: every event is written or accounted as dropped" {
	for w in 0 1 2 3; do "$GEN" $w 20000 7 >"$BATS_TEST_TMPDIR/in$w"; done
	pids=()
	for w in 0 1 2 3; do
		"$BIN/ctx-emit" --root "$ROOT" --max-bytes 0 --lock skip --queue 500 "$BATS_TEST_TMPDIR/in$w" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	written=$(grep -vc '"cmd":"telemetry.drop"' "$DIR/events.jsonl")
	dropped=$(jq -s '[.[] | select(.cmd == "telemetry.drop") | .result.dropped] | add // 0' "$DIR/events.jsonl")
	[ $((written + dropped)) -eq 80000 ]
	[ "$(grep -c '"cmd":"file.read"' "$DIR/events.jsonl")" -eq $((4 * 2858)) ]
}

@test "rotation under 4 concurrent writers: no line lost, duplicated or torn; sizes bounded" {
	for w in 0 1 2 3; do "$GEN" $w 5000 >"$BATS_TEST_TMPDIR/in$w"; done
	pids=()
	for w in 0 1 2 3; do
		"$BIN/ctx-emit" --root "$ROOT" --max-bytes 50000 --keep 1000 "$BATS_TEST_TMPDIR/in$w" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	files=$(log_files)
	[ "$(echo "$files" | wc -l)" -gt 20 ]
	for f in $files; do [ "$(stat -c %s "$f")" -le 50000 ]; done
	check_sequences 4 5000 $files
	[ "$(cat $files | wc -l)" -eq 20000 ]
}

@test "rotation keeps --keep files and removes the oldest" {
	"$GEN" 0 3000 >"$BATS_TEST_TMPDIR/in"
	run -0 "$BIN/ctx-emit" --root "$ROOT" --max-bytes 20000 --keep 2 "$BATS_TEST_TMPDIR/in"
	run -0 ls "$DIR"
	[ "$output" = "$(printf 'events.1.jsonl\nevents.2.jsonl\nevents.jsonl\nevents.lock')" ]
	# The newest events are kept, contiguous, up to the last one.
	last=$(cat "$DIR/events.2.jsonl" "$DIR/events.1.jsonl" "$DIR/events.jsonl" | jq -r .x.seq | awk 'NR > 1 && $1 != p + 1 { exit 1 } { p = $1 } END { print p }')
	[ "$last" -eq 2999 ]
}

@test "a write that fails mid-batch (ulimit -f): the log ends in a whole line, error on stderr, exit 3" {
	"$GEN" 0 2000 >"$BATS_TEST_TMPDIR/in"
	run -3 --separate-stderr bash -c 'ulimit -f 100; exec "$0" --root "$1" --max-bytes 0 "$2"' \
		"$BIN/ctx-emit" "$ROOT" "$BATS_TEST_TMPDIR/in"
	[[ $stderr == *" events not written: "*"events.jsonl: File too large"* ]]
	size=$(stat -c %s "$DIR/events.jsonl")
	[ "$size" -le 102400 ]
	[ "$size" -gt 0 ]
	[ "$(tail -c 1 "$DIR/events.jsonl" | od -An -c | tr -d ' ')" = '\n' ]
	check_sequences 1 "$(wc -l <"$DIR/events.jsonl")" "$DIR/events.jsonl"
}

@test "writers killed with SIGKILL mid-stream: whole lines only, once the next writer has run" {
	pids=()
	for w in 0 1 2 3; do
		"$GEN" $w 2000000 | "$BIN/ctx-emit" --root "$ROOT" --max-bytes 0 &
		pids+=($!)
	done
	sleep 1
	kill -9 "${pids[@]}"
	wait || true
	[ "$(wc -l <"$DIR/events.jsonl")" -gt 1000 ]
	# Every terminated line is whole; only a tail without '\n' may be left by a kill.
	head -n "$(wc -l <"$DIR/events.jsonl")" "$DIR/events.jsonl" | jq -e .cmd >/dev/null
	echo '{"cmd":"after.kill"}' | "$BIN/ctx-emit" --root "$ROOT" --max-bytes 0
	jq -e .cmd "$DIR/events.jsonl" >/dev/null
	[ "$(tail -n 1 "$DIR/events.jsonl" | jq -r .cmd)" = after.kill ]
}

@test "a torn tail in the log is cut back to the last whole line by the next writer" {
	mkdir -p "$DIR"
	printf '{"cmd":"whole"}\n{"cmd":"tor' >"$DIR/events.jsonl"
	echo '{"cmd":"next"}' | "$BIN/ctx-emit" --root "$ROOT"
	run -0 jq -r .cmd "$DIR/events.jsonl"
	[ "$output" = "$(printf 'whole\nnext')" ]
}

@test "CTX_NO_TELEMETRY=1: input read and discarded, nothing created, exit 0" {
	CTX_NO_TELEMETRY=1 run -0 "$BIN/ctx-emit" --root "$ROOT" --tee "$DATA/legacy.in"
	[ -z "$output" ]
	[ ! -e "$ROOT/_ctx" ]
}

@test "redaction end to end: root through a symlink, secrets, content; CTX_PII=allow keeps paths only" {
	mkdir -p "$ROOT/src"
	ln -s "$ROOT" "$BATS_TEST_TMPDIR/link"
	line='{"cmd":"t.e","args":{"file":"'$BATS_TEST_TMPDIR'/link/src/a.py","other":"/etc/shadow","token":"s3cr3t","content":"print(1)"},"result":{"error":"open '$ROOT'/src/b.py: denied, key AKIAIOSFODNN7EXAMPLE"}}'
	echo "$line" | "$BIN/ctx-emit" --root "$BATS_TEST_TMPDIR/link"
	run -0 jq -c '[.args.file, .args.other, .args.token, .args.content.bytes, .result.error]' "$DIR/events.jsonl"
	[ "$output" = '["src/a.py","external/'"$(printf /etc/shadow | sha256sum | cut -c1-8)"'-shadow","[REDACTED]",8,"open src/b.py: denied, key [REDACTED]"]' ]
	! grep -q "$BATS_TEST_TMPDIR" "$DIR/events.jsonl" || false
	! grep -q 'print(1)' "$DIR/events.jsonl" || false
	rm "$DIR/events.jsonl"
	echo "$line" | CTX_PII=allow "$BIN/ctx-emit" --root "$ROOT"
	run -0 jq -c '[.args.other, .args.token, .args.content.bytes]' "$DIR/events.jsonl"
	[ "$output" = '["/etc/shadow","[REDACTED]",8]' ]
}

@test "--tee writes the normalised lines to stdout; -v prints counts; CTX_RUN_ID is used" {
	printf '{"cmd":"a.b","ts":"2026-01-01T00:00:00Z"}\n\n{"cmd":"c.d","run_id":"mine"}\nbad\n' >"$BATS_TEST_TMPDIR/in"
	CTX_RUN_ID=run_pipeline run -1 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" --tee -v "$BATS_TEST_TMPDIR/in"
	[ "$(echo "$output" | wc -l)" -eq 2 ]
	[ "$(echo "$output" | head -1)" = "$(head -1 "$DIR/events.jsonl")" ]
	[ "$(jq -r .run_id "$DIR/events.jsonl" | tr '\n' ' ')" = "run_pipeline mine " ]
	[ "$(jq -r .segment_id "$DIR/events.jsonl" | head -1)" = "$(printf %s "$(realpath "$ROOT")" | sha256sum | cut -c1-8)" ]
	[[ $stderr == *"ctx-emit: read 3, written 2, rejected 1, dropped 0"* ]]
}

@test "without CTX_RUN_ID a process makes one run id: run_<seconds>_<pid>" {
	printf '{"cmd":"a"}\n{"cmd":"b"}\n' | "$BIN/ctx-emit" --root "$ROOT"
	run -0 jq -r .run_id "$DIR/events.jsonl"
	[[ ${lines[0]} =~ ^run_[0-9]{10}_[0-9]+$ ]]
	[ "${lines[0]}" = "${lines[1]}" ]
}

@test "a missing input file is reported, the other files still written, exit 1" {
	echo '{"cmd":"one"}' >"$BATS_TEST_TMPDIR/a"
	echo '{"cmd":"two"}' >"$BATS_TEST_TMPDIR/b"
	run -1 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/nope" "$BATS_TEST_TMPDIR/b"
	[[ $stderr == "ctx-emit: $BATS_TEST_TMPDIR/nope: No such file or directory" ]]
	[ "$(jq -r .cmd "$DIR/events.jsonl" | tr '\n' ' ')" = "one two " ]
}

@test "lock timeout in wait mode: a clear message, exit 3" {
	mkdir -p "$DIR"
	flock "$DIR/events.lock" sleep 3 &
	holder=$!
	sleep 0.3
	start=$(date +%s%N)
	run -3 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" --lock-timeout-ms 300 <<<'{"cmd":"a"}'
	elapsed=$((($(date +%s%N) - start) / 1000000))
	kill $holder
	[[ $stderr == "ctx-emit: events.lock: lock still busy after 300 ms: 1 events not written" ]]
	[ "$elapsed" -lt 2500 ]
}

@test "telemetry directory: created 0700 with files 0600; --dir beats CTX_TELEMETRY_DIR beats the root" {
	echo '{"cmd":"a"}' | "$BIN/ctx-emit" --root "$ROOT"
	[ "$(stat -c %a "$DIR")" = 700 ]
	[ "$(stat -c %a "$DIR/events.jsonl")" = 600 ]
	echo '{"cmd":"b"}' | CTX_TELEMETRY_DIR="$BATS_TEST_TMPDIR/env" "$BIN/ctx-emit" --root "$ROOT"
	[ "$(jq -r .cmd "$BATS_TEST_TMPDIR/env/events.jsonl")" = b ]
	echo '{"cmd":"c"}' | CTX_TELEMETRY_DIR="$BATS_TEST_TMPDIR/env" "$BIN/ctx-emit" --root "$ROOT" --dir "$BATS_TEST_TMPDIR/opt"
	[ "$(jq -r .cmd "$BATS_TEST_TMPDIR/opt/events.jsonl")" = c ]
	echo '{"cmd":"d"}' | (cd "$ROOT" && CTX_ROOT= "$BIN/ctx-emit")
	[ "$(tail -1 "$DIR/events.jsonl" | jq -r .cmd)" = d ]
}

@test "a producer that pauses has its events in the log at once" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$BIN/ctx-emit" --root "$ROOT" <"$BATS_TEST_TMPDIR/fifo" &
	emitter=$!
	exec 5>"$BATS_TEST_TMPDIR/fifo"
	echo '{"cmd":"first"}' >&5
	for _ in $(seq 50); do [ -s "$DIR/events.jsonl" ] && break; sleep 0.1; done
	[ "$(jq -r .cmd "$DIR/events.jsonl")" = first ]
	exec 5>&-
	wait $emitter
}

@test "secrets after a label, in URLs, under KEY= and as numbers are redacted whole" {
	key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
	line='{"cmd":"t.s","args":{"env":"PRIVATE_KEY=-----BEGIN RSA PRIVATE KEY-----\nMIIEbodyOfTheKey\n-----END RSA PRIVATE KEY-----","sa":"{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQsaKey\\n-----END PRIVATE KEY-----\\n\"}","url":"redis://:hunter2@cache:6379/0 https://u:p@ss/w@host/x","cfg":"SECRET_KEY=s3cr3tvalue AZURE_STORAGE_KEY='$key' SORT_KEY=name","password":123456,"token_count":7}}'
	echo "$line" | "$BIN/ctx-emit" --root "$ROOT"
	run -0 jq -c .args "$DIR/events.jsonl"
	[ "$output" = '{"env":"PRIVATE_KEY=[REDACTED]","sa":"{\"private_key\": \"[REDACTED]\"}","url":"redis://[REDACTED]@cache:6379/0 https://[REDACTED]@host/x","cfg":"SECRET_KEY=[REDACTED] AZURE_STORAGE_KEY=[REDACTED] SORT_KEY=name","password":"[REDACTED]","token_count":7}' ]
	for leak in MIIE hunter2 ss/w s3cr3t "$key" 123456; do
		! grep -qF -- "$leak" "$DIR/events.jsonl" || false
	done
}

@test "paths after ':', -I, '@', in every PATH entry and as file://localhost or //host are rewritten" {
	mkdir -p "$ROOT/bin"
	echo '{"cmd":"t.p","args":{"env":"PATH=/usr/bin:'"$ROOT"'/bin","cc":"cc -I/opt/inc @/tmp/args","uri":"file://localhost/etc/hosts","unc":"open //server/share/a.txt","url":"see:https://example.com/a"}}' |
		"$BIN/ctx-emit" --root "$ROOT"
	h() { printf %s "$1" | sha256sum | cut -c1-8; }
	run -0 jq -c '[.args.env, .args.cc, .args.uri, .args.unc, .args.url]' "$DIR/events.jsonl"
	[ "$output" = '["PATH=external/'"$(h /usr/bin)"'-bin:bin","cc -Iexternal/'"$(h /opt/inc)"'-inc @external/'"$(h /tmp/args)"'-args","external/'"$(h /etc/hosts)"'-hosts","open external/'"$(h /server/share/a.txt)"'-a.txt","see:https://example.com/a"]' ]
	! grep -qF "$ROOT" "$DIR/events.jsonl" || false
}

@test "Authorization values, =>, escaped JSON, plurals, --flags, split keys, paths after \\n or +: redacted; tags kept" {
	cat >"$BATS_TEST_TMPDIR/in" <<'EOF'
{"cmd":"a.b","x":{"h":"Authorization: token abc123","d":"Authorization: Digest username=\"u\", response=\"6629fae4\"","rb":"password => \"hunter2\"","esc":"{\\\"password\\\":\\\"hunter2\\\"}","env":"SECRETS=hunter2 tokens=12","cli":"run --password hunter2 --api-key abc123","tb":"x\\n/home/alice/x.py +/home/alice/y.py","html":"<div>hi</div>"},"result":{"stderr_tail":["-----BEGIN RSA PRIVATE KEY-----","MIIEowIBAAKCAQEA","-----END RSA PRIVATE KEY-----"]}}
EOF
	run -0 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" --tee "$BATS_TEST_TMPDIR/in"
	[ -z "$stderr" ]
	h() { printf %s "$1" | sha256sum | cut -c1-8; }
	[ "$(jq -c .x <<<"$output")" = '{"h":"Authorization: [REDACTED]","d":"Authorization: [REDACTED]","rb":"password => \"[REDACTED]\"","esc":"{\\\"password\\\":\\\"[REDACTED]\\\"}","env":"SECRETS=[REDACTED] tokens=12","cli":"run --password [REDACTED] --api-key [REDACTED]","tb":"x\\nexternal/'"$(h /home/alice/x.py)"'-x.py +external/'"$(h /home/alice/y.py)"'-y.py","html":"<div>hi</div>"}' ]
	[ "$(jq -c .result.stderr_tail <<<"$output")" = '["[REDACTED]","[REDACTED]","[REDACTED]"]' ]
	for leak in abc123 6629fae4 hunter2 MIIE /home/alice; do
		run -1 grep -qF -- "$leak" "$DIR/events.jsonl"
	done
}

@test "a bad run_id, an impossible date and nesting too deep are rejected with their position" {
	{
		echo '{"cmd":"ok.one","run_id":"run_1:a.b-c"}'
		echo '{"cmd":"a","run_id":"has space"}'
		echo '{"cmd":"a","run_id":"../../x"}'
		echo '{"cmd":"a","ts":"2026-02-30T00:00:00Z"}'
		echo '{"cmd":"a","ts":"2026-04-31T10:00:00+02:00"}'
		awk 'BEGIN { printf "{\"cmd\":\"deep\",\"x\":"; for (i = 0; i < 300; i++) printf "["; for (i = 0; i < 300; i++) printf "]"; print "}" }'
		echo '{"cmd":"ok.two","ts":"2024-02-29T00:00:00Z"}'
	} >"$BATS_TEST_TMPDIR/bad.jsonl"
	f="$BATS_TEST_TMPDIR/bad.jsonl"
	run -1 --separate-stderr "$BIN/ctx-emit" --root "$ROOT" "$f"
	[[ $stderr == *"ctx-emit: $f:2: bad \"run_id\": want 1 to 128 of A-Z a-z 0-9 . _ : -"* ]]
	[[ $stderr == *"ctx-emit: $f:3: bad \"run_id\""* ]]
	[[ $stderr == *"ctx-emit: $f:4: bad \"ts\""* ]]
	[[ $stderr == *"ctx-emit: $f:5: bad \"ts\""* ]]
	[[ $stderr == *"ctx-emit: $f:6: too deep: more than 256 nested arrays and objects (at byte 274)"* ]]
	[ "$(echo "$stderr" | wc -l)" -eq 5 ]
	run -0 jq -r '"\(.cmd) \(.run_id)"' "$DIR/events.jsonl"
	[ "${lines[0]}" = "ok.one run_1:a.b-c" ]
	[[ ${lines[1]} == "ok.two "* ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "a CTX_RUN_ID that is not a run id is never written raw" {
	CTX_RUN_ID=$'r\xff id' run --separate-stderr "$BIN/ctx-emit" --root "$ROOT" <<<'{"cmd":"a"}'
	if [ "$status" -eq 2 ]; then # refused as a usage error
		[[ $stderr == *CTX_RUN_ID* ]]
		[ ! -s "$DIR/events.jsonl" ]
	else
		[ "$status" -eq 0 ]
		! LC_ALL=C grep -q $'\xff' "$DIR/events.jsonl" || false
		run -0 jq -r .run_id "$DIR/events.jsonl"
		[[ $output =~ ^[A-Za-z0-9._:-]{1,128}$ ]]
	fi
}
