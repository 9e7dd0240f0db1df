#!/usr/bin/env bats
# ctx-parse: skeletons, cache, workers, selection (SPEC.md §6).
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	DATA=$BATS_TEST_DIRNAME/data
	CORPUS="tricky.py pep695.py broken.py empty.py crlf.py bom.py latin1.py tabs.py"
	WS=$BATS_TEST_TMPDIR/ws
	mkdir -p "$WS"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR
}

skeleton_entries() { # the cache's entries of Python skeletons (not the stat index)
	find "$1" -type f | while read -r f; do
		if sed -n 2p "$f" | grep -q '^{"v":1,"lang":"python"'; then echo "$f"; fi
	done
}

corpus_ws() { # copy the corpus into the workspace
	mkdir -p "$WS/pkg"
	for f in $CORPUS; do cp "$DATA/parse/$f" "$WS/pkg/$f"; done
	: >"$WS/pkg/__init__.py"
}

@test "--help, --version, usage errors" {
	run -0 "$BIN/ctx-parse" --help
	[[ $output == usage:\ ctx-parse* ]]
	run -0 "$BIN/ctx-parse" --version
	[[ $output =~ ^ctx-parse\ [0-9.]+$ ]]
	run -2 --separate-stderr "$BIN/ctx-parse" --mode short --get x
	[[ $stderr == *"bad value for --mode: 'short'"* ]]
	run -2 --separate-stderr "$BIN/ctx-parse" -j 0
	[[ $stderr == *"bad value for --jobs"* ]]
	run -2 --separate-stderr "$BIN/ctx-parse" --cache a --no-cache
	[[ $stderr == *"exclude each other"* ]]
}

@test "golden records of a corpus of tricky Python, byte for byte" {
	cd "$DATA/parse"
	run -0 --separate-stderr "$BIN/ctx-parse" --no-cache --root . $CORPUS
	diff -u all.expected <(echo "$output")
}

@test "ground truth: every class, function and method of the standard library agrees with Python's ast" {
	stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
	cd "$stdlib"
	find . -name '*.py' -not -path '*/site-packages/*' | sed 's|^\./||' | sort >"$BATS_TEST_TMPDIR/files"
	"$BIN/ctx-parse" --no-cache --root . <"$BATS_TEST_TMPDIR/files" >"$BATS_TEST_TMPDIR/ours.jsonl"
	xargs python3 "$BATS_TEST_DIRNAME/ast_truth.py" <"$BATS_TEST_TMPDIR/files" >"$BATS_TEST_TMPDIR/truth.jsonl" 2>"$BATS_TEST_TMPDIR/skipped"
	run -0 python3 - "$BATS_TEST_TMPDIR/truth.jsonl" "$BATS_TEST_TMPDIR/ours.jsonl" "$DATA/ast-grammar-failures.tsv" <<'PY'
import json, sys
known = dict(line.rstrip("\n").split("\t", 1) for line in open(sys.argv[3]) if line.strip())
ours = {}
for line in open(sys.argv[2]):
    d = json.loads(line)
    ours[d["file"]] = d
checked = symbols = denylisted = 0
bad = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    o = ours[t["file"]]
    if o.get("skipped") == "denylisted":
        denylisted += 1
        continue
    got = [[s["kind"], s["qualname"], s["start_line"], s["end_line"]] for s in o["symbols"] if s["kind"] != "variable"]
    if t["file"] in known:
        assert o["parse_error"], f"{t['file']} parses now: take it off the known grammar failures"
        continue
    checked += 1
    symbols += len(t["symbols"])
    if got != t["symbols"]:
        bad.append(t["file"])
print(f"checked {checked} files, {symbols} definitions, {denylisted} denylisted, {len(known)} known grammar failures")
assert not bad, f"disagree: {bad[:10]}"
assert checked > 500 and symbols > 10000
PY
	echo "$output"
	grep -q '^skipped [0-9]' "$BATS_TEST_TMPDIR/skipped"
}

@test "robust: empty, CRLF, BOM, invalid UTF-8, tabs, very long lines, deep nesting" {
	corpus_ws
	awk 'BEGIN { printf "LONG = \""; for (i = 0; i < 200000; i++) printf "x"; print "\"\ndef after_long(): pass" }' >"$WS/pkg/long.py"
	awk 'BEGIN { ind = ""; for (i = 0; i < 90; i++) { print ind "if x:"; ind = ind " " } print ind "def deep(): pass"; print "def top(): pass" }' >"$WS/pkg/deep.py"
	cd "$WS"
	run -0 --separate-stderr "$BIN/ctx-parse" --no-cache pkg/long.py pkg/deep.py pkg/empty.py pkg/latin1.py
	[ "$(echo "$output" | jq -c '[.file, (.symbols | map(.qualname))]' | tr '\n' ' ')" = \
	  '["pkg/long.py",["LONG","after_long"]] ["pkg/deep.py",["deep","top"]] ["pkg/empty.py",[]] ["pkg/latin1.py",["bad_bytes","After"]] ' ]
	[ "$(echo "$output" | jq 'select(.file == "pkg/deep.py") | .symbols[0].conditional')" = true ]
	[ "$(echo "$output" | jq 'select(.file == "pkg/empty.py") | .lines == 0 and .bytes == 0 and .skeleton_bytes == 2')" = true ]
}

@test "inputs that make tree-sitter 0.20.7 abort (70000 unclosed brackets, 65531 stars, 70000 ifs) are a parse error, not a crash" {
	mkdir -p "$WS/pkg"
	awk 'BEGIN { for (i = 0; i < 70000; i++) printf "("; print "x" }' >"$WS/pkg/parens.py"
	awk 'BEGIN { for (i = 0; i < 35000; i++) printf "[{"; print "x" }' >"$WS/pkg/mixed.py"
	awk 'BEGIN { printf "x = "; for (i = 0; i < 65531; i++) printf "*"; print "a\ndef after(): pass" }' >"$WS/pkg/stars.py"
	awk 'BEGIN { printf "x = "; for (i = 0; i < 70000; i++) printf "if "; print "" }' >"$WS/pkg/ifs.py"
	printf 'def fine():\n    return [(1)]\n' >"$WS/pkg/fine.py"
	cd "$WS"
	run -0 --separate-stderr "$BIN/ctx-parse" --no-cache pkg/parens.py pkg/mixed.py pkg/stars.py pkg/ifs.py pkg/fine.py
	[ "$(echo "$output" | jq -c '[.file, .parse_error, (.symbols | length)]' | tr '\n' ' ')" = \
	  '["pkg/parens.py",true,0] ["pkg/mixed.py",true,0] ["pkg/stars.py",true,0] ["pkg/ifs.py",true,0] ["pkg/fine.py",false,1] ' ]
	# The fallback's scope analysis refuses them the same way: silence, not a crash.
	run -0 "$BIN/ctx-lsp" --server /nonexistent/lsp <<<'{"id":1,"method":"definition","file":"pkg/parens.py","line":1,"col":70001}'
	[ "$(echo "$output" | jq -c '[.status, .result, .resolution]')" = '["fallback",[],"unresolved"]' ]
}

@test "skipped files: denylisted (never opened), too large, unsupported, not regular, unreadable; the rest done, exit 1" {
	corpus_ws
	cd "$WS"
	mkdir -p .git node_modules/x .env.local venv/lib dir.py
	for f in .git/hook.py node_modules/x/a.py .env.local/s.py venv/lib/v.py; do echo 'SECRET = 1' >"$f"; chmod 000 "$f"; done
	echo hello >README.md
	ln -s /nonexistent/file.py dangling.py
	run -1 --separate-stderr "$BIN/ctx-parse" --no-cache --max-file-bytes 100 .git/hook.py pkg/tricky.py node_modules/x/a.py \
		.env.local/s.py venv/lib/v.py README.md dangling.py dir.py pkg/tabs.py
	[ "$(echo "$output" | jq -r '[.file, .skipped // "parsed"] | @tsv' | tr '\t\n' ': ')" = \
	  ".git/hook.py:denylisted pkg/tricky.py:too_large node_modules/x/a.py:denylisted .env.local/s.py:denylisted venv/lib/v.py:denylisted README.md:unsupported dangling.py:unreadable dir.py:not_regular pkg/tabs.py:parsed " ]
	[[ $stderr == *"ctx-parse: dangling.py: No such file or directory"* ]]
	[[ $stderr != *"dir.py"* ]]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
}

@test "cache: a hit is byte-identical but for cache; a one-byte change is a miss" {
	corpus_ws
	cd "$WS"
	rm pkg/__init__.py # the same bytes as empty.py: it would be a hit in the first run
	"$BIN/ctx-parse" pkg/*.py >"$BATS_TEST_TMPDIR/first"
	"$BIN/ctx-parse" pkg/*.py >"$BATS_TEST_TMPDIR/second"
	[ "$(jq -r .cache "$BATS_TEST_TMPDIR/first" | sort -u)" = miss ]
	[ "$(jq -r .cache "$BATS_TEST_TMPDIR/second" | sort -u)" = hit ]
	diff <(sed 's/"cache":"miss"/"cache":"hit"/' "$BATS_TEST_TMPDIR/first") "$BATS_TEST_TMPDIR/second"
	[ "$(find _ctx/cache/ast -type f | wc -l)" -eq 9 ] # 8 entries and the stat index
	find _ctx/cache/ast -type f | grep -Eq '/[0-9a-f]{2}/[0-9a-f]{62}$'
	sed -i 's/return a/return b/' pkg/tabs.py
	run -0 "$BIN/ctx-parse" pkg/tabs.py pkg/crlf.py
	[ "$(echo "$output" | jq -r .cache | tr '\n' ' ')" = "miss hit " ]
	# The same bytes under another name are a hit, with that name's module and URIs.
	cp pkg/crlf.py pkg/copy.py
	run -0 "$BIN/ctx-parse" pkg/copy.py
	[ "$(echo "$output" | jq -c '[.cache, .module, .symbols[0].uri]')" = '["hit","pkg.copy","sym://python/type/pkg.copy#Crlf"]' ]
}

@test "cache: a truncated or foreign entry is a miss and is repaired; --cache and CTX_CACHE_DIR" {
	corpus_ws
	cd "$WS"
	"$BIN/ctx-parse" --cache "$BATS_TEST_TMPDIR/c" pkg/tricky.py >/dev/null
	entry=$(skeleton_entries "$BATS_TEST_TMPDIR/c")
	full=$(cat "$entry")
	truncate -s 100 "$entry"
	touch pkg/tricky.py # its stat changes: the stat index's copy of the entry is not used
	run -0 "$BIN/ctx-parse" --cache "$BATS_TEST_TMPDIR/c" pkg/tricky.py
	[ "$(echo "$output" | jq -r .cache)" = miss ]
	[ "$(cat "$entry")" = "$full" ]
	echo '{"v":1}' >"$entry"
	touch pkg/tricky.py
	CTX_CACHE_DIR="$BATS_TEST_TMPDIR/c" run -0 "$BIN/ctx-parse" pkg/tricky.py
	[ "$(echo "$output" | jq -r .cache)" = miss ]
	CTX_CACHE_DIR="$BATS_TEST_TMPDIR/c" run -0 "$BIN/ctx-parse" pkg/tricky.py
	[ "$(echo "$output" | jq -r .cache)" = hit ]
	[ ! -e _ctx ]
}

@test "stat index: an unchanged file is neither read nor hashed; an edit that keeps size and mtime is seen" {
	command -v strace >/dev/null || skip "no strace"
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # LeakSanitizer does not run under ptrace
	corpus_ws
	cd "$WS"
	touch -d '1 hour ago' pkg/*.py
	sleep 2.1 # their ctime: older than the racy bound of the first index
	"$BIN/ctx-parse" pkg/*.py >"$BATS_TEST_TMPDIR/first"
	strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" "$BIN/ctx-parse" pkg/*.py >"$BATS_TEST_TMPDIR/second"
	! grep -q 'pkg/' "$BATS_TEST_TMPDIR/trace" || false
	# One file of the cache is read: the stat index, which holds each entry's copy.
	[ "$(grep -cE 'openat\([0-9]+, "[0-9a-f]{62}"' "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
	diff <(sed 's/"cache":"miss"/"cache":"hit"/' "$BATS_TEST_TMPDIR/first") "$BATS_TEST_TMPDIR/second"
	# One byte changed in place, the size and the mtime put back: the ctime tells.
	mtime=$(stat -c %Y pkg/tabs.py)
	sed -i 's/return a/return b/' pkg/tabs.py
	touch -d "@$mtime" pkg/tabs.py
	run -0 "$BIN/ctx-parse" pkg/tabs.py
	[ "$(echo "$output" | jq -r .cache)" = miss ]
	[ "$(echo "$output" | jq -r .sha256)" = "$(sha256sum pkg/tabs.py | cut -d' ' -f1)" ]
	# Racily clean: a file changed within 2 s of the index's run is read again next time.
	echo 'def fresh(): pass' >pkg/fresh.py
	"$BIN/ctx-parse" pkg/fresh.py >/dev/null
	strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" "$BIN/ctx-parse" pkg/fresh.py >/dev/null
	grep -q 'pkg/fresh.py' "$BATS_TEST_TMPDIR/trace"
	# Another user's index (another key) is not believed: every file is read.
	XDG_CACHE_HOME=$BATS_TEST_TMPDIR/other strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" \
		"$BIN/ctx-parse" pkg/tricky.py >/dev/null
	grep -q 'pkg/tricky.py' "$BATS_TEST_TMPDIR/trace"
}

@test "two ctx-parse processes on one cache leave no damaged entry" {
	stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
	cd "$stdlib"
	ls *.py | head -150 >"$BATS_TEST_TMPDIR/files"
	"$BIN/ctx-parse" -j 2 --root . --cache "$BATS_TEST_TMPDIR/c" <"$BATS_TEST_TMPDIR/files" >"$BATS_TEST_TMPDIR/a" &
	"$BIN/ctx-parse" -j 2 --root . --cache "$BATS_TEST_TMPDIR/c" <"$BATS_TEST_TMPDIR/files" >"$BATS_TEST_TMPDIR/b" &
	wait
	[ "$(find "$BATS_TEST_TMPDIR/c" -type f | wc -l)" -eq 151 ] # and the stat index
	# An entry: its MAC line, then the skeleton entry (or the stat index: one line a file).
	for f in $(find "$BATS_TEST_TMPDIR/c" -type f); do
		head -n 1 "$f" | grep -Eqx '[0-9a-f]{64}'
		sed -n 2p "$f" | grep -q '^ctx-statindex 2 ' &&
			[ "$(grep -Ec '^[0-9a-f]{64} [0-9a-f]{64} ' "$f")" -eq 150 ] && continue
		tail -n +2 "$f" | jq -e .symbols >/dev/null
	done
	[ -z "$(find "$BATS_TEST_TMPDIR/c" -name '.*')" ]
	run -0 "$BIN/ctx-parse" --root . --cache "$BATS_TEST_TMPDIR/c" <"$BATS_TEST_TMPDIR/files"
	[ "$(echo "$output" | jq -r .cache | sort -u)" = hit ]
	diff <(sed 's/"cache":"[a-z]*"//' "$BATS_TEST_TMPDIR/a") <(echo "$output" | sed 's/"cache":"[a-z]*"//')
}

@test "-j 1 and -j 4 give identical output; -0 and stdin lists; input order kept" {
	stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
	cd "$stdlib"
	ls *.py | sort -r | head -300 >"$BATS_TEST_TMPDIR/files"
	"$BIN/ctx-parse" --no-cache --root . -j 1 <"$BATS_TEST_TMPDIR/files" >"$BATS_TEST_TMPDIR/j1"
	"$BIN/ctx-parse" --no-cache --root . -j 4 <"$BATS_TEST_TMPDIR/files" >"$BATS_TEST_TMPDIR/j4"
	cmp "$BATS_TEST_TMPDIR/j1" "$BATS_TEST_TMPDIR/j4"
	[ "$(jq -r .file "$BATS_TEST_TMPDIR/j4")" = "$(cat "$BATS_TEST_TMPDIR/files")" ]
	tr '\n' '\0' <"$BATS_TEST_TMPDIR/files" | "$BIN/ctx-parse" --no-cache --root . -0 -j 3 >"$BATS_TEST_TMPDIR/nul"
	cmp "$BATS_TEST_TMPDIR/j1" "$BATS_TEST_TMPDIR/nul"
	"$BIN/ctx-parse" --no-cache --root . - <"$BATS_TEST_TMPDIR/files" | cmp "$BATS_TEST_TMPDIR/j1" -
}

@test "--progress draws one line on stderr that updates in place" {
	corpus_ws
	cd "$WS"
	run -0 --separate-stderr "$BIN/ctx-parse" --no-cache --progress pkg/*.py
	[[ $stderr == *$'\r'*"ctx-parse: 9/9 files, "*" files/s" ]]
	run -0 --separate-stderr "$BIN/ctx-parse" --no-cache pkg/*.py
	[ -z "$stderr" ]
}

@test "module names and the root: pkg/__init__.py is pkg; files outside the root are skipped, never read" {
	corpus_ws
	cd "$WS/pkg"
	run -0 "$BIN/ctx-parse" --no-cache --root "$WS" __init__.py ../pkg/tabs.py "$DATA/parse/crlf.py"
	[ "$(echo "$output" | jq -r '[.file, .module // .skipped] | @tsv' | tr '\t\n' ': ')" = "pkg/__init__.py:pkg pkg/tabs.py:pkg.tabs $DATA/parse/crlf.py:outside_root " ]
	run -0 "$BIN/ctx-parse" --no-cache __init__.py
	[ "$(echo "$output" | jq -r .module)" = "__init__" ]
}

@test "--get: modules and symbols in skeleton, excerpt and raw modes" {
	corpus_ws
	cd "$WS"
	run -0 "$BIN/ctx-parse" --get 'sym://python/type/pkg.tricky#Outer.Inner'
	[ "$(echo "$output" | jq -c '[.status, .file, .mode, (.symbols | map(.qualname)), .bytes == (.symbols | tojson | length)]')" = \
	  '["ok","pkg/tricky.py","skeleton",["Outer.Inner","Outer.Inner.Deepest","Outer.Inner.Deepest.method"],true]' ]
	run -0 "$BIN/ctx-parse" --get 'sym://python/type/pkg.tabs#Tabs.m' --mode excerpt --context 1
	[ "$(echo "$output" | jq -c '[.excerpt_start_line, .excerpt_end_line, .text, .bytes]')" = \
	  '[1,4,"class Tabs:\n\tdef m(self,\n\t\t\ta):\n\t\treturn a\n",43]' ]
	run -0 "$BIN/ctx-parse" --get 'sym://python/type/pkg.tricky#no_doc' --mode excerpt --context 2
	[ "$(echo "$output" | jq -c '[.excerpt_start_line, .excerpt_end_line]')" = '[112,117]' ]
	run -0 "$BIN/ctx-parse" --get 'sym://python/mod/pkg.crlf' --mode raw
	[ "$(echo "$output" | jq -r .text)" = "$(cat pkg/crlf.py)" ]
	run -0 "$BIN/ctx-parse" --get 'sym://python/mod/pkg'
	[ "$(echo "$output" | jq -c '[.file, .symbols]')" = '["pkg/__init__.py",[]]' ]
}

@test "--get errors: INVALID_URI, FILE_NOT_FOUND, SYMBOL_NOT_FOUND, AMBIGUOUS_SYMBOL, PARSE_ERROR; exit 1" {
	corpus_ws
	cd "$WS"
	for case in 'http://x:INVALID_URI' 'sym://python/type/pkg.tricky:INVALID_URI' 'sym://python/mod/../etc:INVALID_URI' \
		'sym://python/mod/nope.mod:FILE_NOT_FOUND' 'sym://python/type/pkg.tricky#Nope:SYMBOL_NOT_FOUND' \
		'sym://python/type/pkg.tricky#Outer.get:AMBIGUOUS_SYMBOL' 'sym://python/type/pkg.broken#Missing:PARSE_ERROR'; do
		run -1 "$BIN/ctx-parse" --get "${case%:*}"
		[ "$(echo "$output" | jq -r '[.status, .error_code] | @tsv')" = "error	${case##*:}" ] || { echo "$case: $output"; false; }
	done
	run -1 "$BIN/ctx-parse" --get 'sym://python/type/pkg.tricky#Outer.get'
	[ "$(echo "$output" | jq -c '[.candidates[] | .start_line]')" = '[57,59,60]' ]
	mkdir -p pkg/tabs && : >pkg/tabs/__init__.py
	run -1 "$BIN/ctx-parse" --get 'sym://python/mod/pkg.tabs'
	[ "$(echo "$output" | jq -c '[.error_code, [.candidates[].file]]')" = '["AMBIGUOUS_SYMBOL",["pkg/tabs.py","pkg/tabs/__init__.py"]]' ]
}

@test "--find: one match resolves, several are ambiguous (top 5, qualnames first), none is not found" {
	corpus_ws
	cd "$WS"
	run -0 "$BIN/ctx-parse" --find Deepest pkg/*.py
	[ "$(echo "$output" | jq -c '[.status, .uri]')" = '["ok","sym://python/type/pkg.tricky#Outer.Inner.Deepest"]' ]
	run -0 "$BIN/ctx-parse" --find Outer.value --mode excerpt --context 0 pkg/*.py
	[ "$(echo "$output" | jq -c '[.excerpt_start_line, .excerpt_end_line]')" = '[64,65]' ]
	run -1 "$BIN/ctx-parse" --find platform_impl pkg/tricky.py
	[ "$(echo "$output" | jq -c '[.error_code, (.candidates | length), [.candidates[].kind]]')" = '["AMBIGUOUS_SYMBOL",3,["function","function","variable"]]' ]
	run -1 "$BIN/ctx-parse" --find get pkg/*.py
	[ "$(echo "$output" | jq -c '[.candidates[].uri]')" = '["sym://python/type/pkg.pep695#Box.get","sym://python/type/pkg.tricky#Outer.get","sym://python/type/pkg.tricky#Outer.get","sym://python/type/pkg.tricky#Outer.get"]' ]
	run -1 "$BIN/ctx-parse" --find Outer.get pkg/*.py
	[ "$(echo "$output" | jq -c '[.candidates[].start_line]')" = '[57,59,60]' ]
	run -1 "$BIN/ctx-parse" --find nothing_like_this pkg/*.py
	[ "$(echo "$output" | jq -r .error_code)" = SYMBOL_NOT_FOUND ]
}

@test "events: one ast.parse per file; selector.resolve and file.read for selections; they pass ctx-emit" {
	corpus_ws
	cd "$WS"
	echo hello >README.md
	rm pkg/__init__.py # the same bytes as empty.py: whether it hits within one run is a race
	CTX_RUN_ID=run_t "$BIN/ctx-parse" -j 1 --events "$BATS_TEST_TMPDIR/ev" pkg/*.py README.md >/dev/null
	CTX_RUN_ID=run_t "$BIN/ctx-parse" --events "$BATS_TEST_TMPDIR/ev" pkg/tabs.py >/dev/null
	[ "$(jq -r '[.cmd, .result.status, .x.cache // "-"] | @tsv' "$BATS_TEST_TMPDIR/ev" | sort | uniq -c | awk '{ print $1, $2, $3, $4 }' | tr '\n' ';')" = \
	  "1 ast.parse ok hit;8 ast.parse ok miss;1 ast.parse skipped -;" ]
	[ "$(jq 'select(.x.cache == "miss" and .args.file == "pkg/broken.py") | .result.parse_error and .result.symbols == 4 and .x.lang == "python" and (.timing_ms | type) == "number"' "$BATS_TEST_TMPDIR/ev")" = true ]
	CTX_RUN_ID=run_t "$BIN/ctx-parse" --events "$BATS_TEST_TMPDIR/ev" --get 'sym://python/type/pkg.tabs#Tabs' --mode raw >/dev/null
	[ "$(tail -2 "$BATS_TEST_TMPDIR/ev" | jq -c '[.cmd, .args, .result]' | tr '\n' ' ')" = \
	  '["file.read",{"file":"pkg/tabs.py","mode":"raw"},{"bytes":43}] ["selector.resolve",{"query":"sym://python/type/pkg.tabs#Tabs"},{"resolved":true,"matches":1,"ambiguous":false}] ' ]
	run -0 "$BIN/ctx-emit" --root "$WS" "$BATS_TEST_TMPDIR/ev"
	[ "$(jq -r .run_id _ctx/telemetry/events.jsonl | sort -u)" = run_t ]
	CTX_NO_TELEMETRY=1 "$BIN/ctx-parse" --events "$BATS_TEST_TMPDIR/none" pkg/tabs.py >/dev/null
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}
