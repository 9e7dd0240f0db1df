#!/usr/bin/env bats
# ctx-lsp's fallback: definition and hover resolved as Python scopes names, right or
# silent (SPEC.md §11). No server runs: --server names a binary that does not exist.
bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	DATA=$BATS_TEST_DIRNAME/data
	WS=$BATS_TEST_TMPDIR/ws
	cp -r "$DATA/resolve" "$WS"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR CTX_LSP_DAEMON
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	cd "$WS"
}

teardown() {
	"$BIN/ctx-lsp" --daemon-stop --server /nonexistent/lsp --root "$WS" >/dev/null 2>&1 || true
}

# One definition request of line $1, column $2 of file $3, answered by the fallback.
def() {
	"$BIN/ctx-lsp" --server /nonexistent/lsp <<<"{\"id\":1,\"method\":\"${4:-definition}\",\"file\":\"$3\",\"line\":$1,\"col\":$2}"
}

@test "corpus: every rule of §11 as written beside it, or silence with its reason" {
	run -0 python3 "$BATS_TEST_DIRNAME/resolve_corpus.py" --ctx-lsp "$BIN/ctx-lsp" --root "$WS"
	[ "${lines[-1]}" = "$(grep -c '^ok' <<<"$output") passed, 0 failed" ]
	[ "$(grep -c '^ok' <<<"$output")" -ge 70 ]
	# The same through the daemon: its one index answers alike.
	run -0 env CTX_LSP_DAEMON=1 python3 "$BATS_TEST_DIRNAME/resolve_corpus.py" --ctx-lsp "$BIN/ctx-lsp" --root "$WS"
	[[ ${lines[-1]} == *" passed, 0 failed" ]]
	run -0 "$BIN/ctx-lsp" --daemon-status --server ctx-corpus-no-server --root "$WS"
	[ "$(echo "$output" | jq '.fallbacks > 70')" = true ]
	"$BIN/ctx-lsp" --daemon-stop --server ctx-corpus-no-server --root "$WS"
}

@test "answers and lsp.fallback events carry the resolution; the events pass ctx-emit" {
	run -0 "$BIN/ctx-lsp" --server /nonexistent/lsp --events "$BATS_TEST_TMPDIR/ev" <<'EOF'
{"id":1,"method":"definition","file":"pkg/models.py","line":16,"col":12}
{"id":2,"method":"definition","file":"pkg/models.py","line":16,"col":24}
{"id":3,"method":"definition","file":"pkg/models.py","line":44,"col":15}
{"id":4,"method":"definition","file":"pkg/models.py","line":45,"col":9}
{"id":5,"method":"symbols","file":"pkg/chain3.py"}
EOF
	[ "$(echo "$output" | jq -c '[.id, .status, .backend, .resolution, (.result | length)]' | tr '\n' ' ')" = \
	  '[1,"fallback","ast","resolved",1] [2,"fallback","ast","builtin",0] [3,"fallback","ast","dynamic",0] [4,"fallback","ast","unresolved",0] [5,"fallback","ast",null,1] ' ]
	[ "$(jq -c 'select(.cmd == "lsp.fallback") | [.result.reason, .result.resolution]' "$BATS_TEST_TMPDIR/ev" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ')" = \
	  '1 ["lsp_binary_not_found","builtin"] 1 ["lsp_binary_not_found","dynamic"] 1 ["lsp_binary_not_found","resolved"] 1 ["lsp_binary_not_found","unresolved"] 1 ["lsp_binary_not_found",null] ' ]
	run -0 "$BIN/ctx-emit" --root "$WS" "$BATS_TEST_TMPDIR/ev"
	[ "$(jq -c 'select(.cmd == "lsp.fallback") | .result.resolution' _ctx/telemetry/events.jsonl | sort -u | tr '\n' ' ')" = \
	  '"builtin" "dynamic" "resolved" "unresolved" null ' ]
}

@test "hover: the definition's signature and its docstring's first line; null when silent" {
	run -0 def 16 12 pkg/models.py hover # limit: a parameter, no docstring
	[ "$(echo "$output" | jq -c '[.resolution, .result.text]')" = '["resolved","def helper(limit)"]' ]
	run -0 def 12 12 app/main.py hover # pkg.models.helper
	[ "$(echo "$output" | jq -c '[.resolution, .result.text]')" = '["resolved","def helper(limit)\n\nHelp with a limit."]' ]
	run -0 def 42 14 pkg/models.py hover # self.run: a method of a base in another file
	[ "$(echo "$output" | jq -c '.result.text')" = '"def run(self)\n\nRun once."' ]
	run -0 def 2 12 app/main.py hover # a module: its docstring
	[ "$(echo "$output" | jq -c '.result.text')" = '"module pkg/models.py\n\nModels: subclasses of bases in another file, names that shadow others."' ]
	run -0 def 16 24 pkg/models.py hover # len
	[ "$(echo "$output" | jq -c '[.status, .resolution, .result]')" = '["fallback","builtin",null]' ]
}

@test "a file changed on disk is analysed again, and a module created meanwhile is found" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$BIN/ctx-lsp" --server /nonexistent/lsp <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" &
	exec {keep}>"$BATS_TEST_TMPDIR/in"
	printf 'from .fresh import made\nmade\n' >pkg/user.py
	echo '{"id":1,"method":"definition","file":"pkg/user.py","line":2,"col":1}' >&$keep
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/out" ] && break; sleep 0.1; done
	printf '\n\ndef made():\n    pass\n' >pkg/fresh.py
	printf '# one more line\nfrom .fresh import made\nmade\n' >pkg/user.py
	echo '{"id":2,"method":"definition","file":"pkg/user.py","line":3,"col":1}' >&$keep
	exec {keep}>&-
	wait
	[ "$(jq -c '[.id, .resolution, .result[0].file, .result[0].line]' "$BATS_TEST_TMPDIR/out" | tr '\n' ' ')" = \
	  '[1,"unresolved",null,null] [2,"resolved","pkg/fresh.py",3] ' ]
}

@test "hostile workspace: imports through a symlink out of the root, a symlinked package, a FIFO: never read, silent" {
	mkdir -p "$BATS_TEST_TMPDIR/outside/stolen"
	printf 'SECRET = 1\n' >"$BATS_TEST_TMPDIR/outside/secret.py"
	printf 'SECRET = 2\n' >"$BATS_TEST_TMPDIR/outside/stolen/__init__.py"
	ln -s "$BATS_TEST_TMPDIR/outside/secret.py" pkg/leak.py
	ln -s "$BATS_TEST_TMPDIR/outside/stolen" pkg/stolen
	mkfifo pkg/pipe.py
	ln -s chain3.py pkg/inside.py # a symlink that stays in the root is followed
	printf 'from .leak import SECRET\nfrom .stolen import SECRET as S2\nfrom .pipe import x\nfrom .inside import deep\nSECRET, S2, x, deep\n' >pkg/victim.py
	run -0 timeout 10 "$BIN/ctx-lsp" --server /nonexistent/lsp <<'EOF'
{"id":1,"method":"definition","file":"pkg/victim.py","line":5,"col":1}
{"id":2,"method":"definition","file":"pkg/victim.py","line":5,"col":9}
{"id":3,"method":"definition","file":"pkg/victim.py","line":5,"col":13}
{"id":4,"method":"hover","file":"pkg/victim.py","line":5,"col":1}
{"id":5,"method":"definition","file":"pkg/victim.py","line":5,"col":16}
EOF
	[ "$(echo "$output" | jq -c '[.id, .resolution, .result]' | tr '\n' ' ')" = \
	  '[1,"unresolved",[]] [2,"unresolved",[]] [3,"unresolved",[]] [4,"unresolved",null] [5,"resolved",[{"file":"pkg/inside.py","line":1,"col":5,"end_line":1,"end_col":9}]] ' ]
	! grep -q SECRET <<<"$output" || false
}

@test "agreement with jedi on the standard library's asyncio (400 positions): precision >= 0.90, recall >= 0.50" {
	# jedi as pylsp runs it: Debian's python3, not another python3 earlier on PATH.
	asyncio=$(/usr/bin/python3 -c 'import asyncio, os; print(os.path.dirname(asyncio.__file__))')
	run -0 /usr/bin/python3 "$BATS_TEST_DIRNAME/def_truth.py" --root "$asyncio" \
	    --ctx-lsp "$BIN/ctx-lsp" --sample 400 --seed 7 --min-precision 0.90 --min-recall 0.50
	echo "$output" >&3
	[ "$(echo "${lines[0]}" | jq '.asked == 400 and .jedi_in_workspace > 200 and .answered > 100')" = true ]
}

@test "hostile classes: 20 bases, a 40-deep chain, bases in a cycle across files, a star import of 1 MiB: silent, bounded" {
	python3 - <<'PY'
lines = ["class B%d: pass" % i for i in range(20)]
lines.append("class Many(%s): pass" % ", ".join("B%d" % i for i in range(20)))
lines.append("class K0:\n    attr = 0")
lines += ["class K%d(K%d): pass" % (i, i - 1) for i in range(1, 41)]
lines.append("Many.attr, K40.attr")
open("pkg/hostile.py", "w").write("\n".join(lines) + "\n")
open("pkg/cyc_a.py", "w").write("from .cyc_b import B\nclass A(B): pass\nA.x\n")
open("pkg/cyc_b.py", "w").write("from .cyc_a import A\nclass B(A): pass\n")
open("pkg/huge.py", "w").write("a = b\n" * 170000)
open("pkg/stars.py", "w").write("from .huge import *\nnothere\n")
PY
	n=$(wc -l <pkg/hostile.py)
	run -0 timeout 30 "$BIN/ctx-lsp" --server /nonexistent/lsp <<EOF
{"id":1,"method":"definition","file":"pkg/hostile.py","line":$n,"col":6}
{"id":2,"method":"definition","file":"pkg/hostile.py","line":$n,"col":16}
{"id":3,"method":"definition","file":"pkg/cyc_a.py","line":3,"col":3}
{"id":4,"method":"definition","file":"pkg/stars.py","line":2,"col":1}
EOF
	[ "$(echo "$output" | jq -c '[.id, .resolution, .result]' | tr '\n' ' ')" = \
	  '[1,"unresolved",[]] [2,"unresolved",[]] [3,"unresolved",[]] [4,"unresolved",[]] ' ]
}

@test "C, Go, JavaScript, TypeScript: each language's scoping, right or silent, alone and through the daemon" {
	for lang in c go js ts; do
		cp -r "$DATA/resolve-lang/$lang" "$BATS_TEST_TMPDIR/$lang"
		run -0 python3 "$BATS_TEST_DIRNAME/resolve_corpus.py" --ctx-lsp "$BIN/ctx-lsp" --root "$BATS_TEST_TMPDIR/$lang" --min 8
		echo "$lang: ${lines[-1]}"
		[ "${lines[-1]}" = "$(grep -c '^ok' <<<"$output") passed, 0 failed" ]
		run -0 env CTX_LSP_DAEMON=1 python3 "$BATS_TEST_DIRNAME/resolve_corpus.py" --ctx-lsp "$BIN/ctx-lsp" \
			--root "$BATS_TEST_TMPDIR/$lang" --min 8
		[[ ${lines[-1]} == *" passed, 0 failed" ]]
		"$BIN/ctx-lsp" --daemon-stop --server ctx-corpus-no-server --root "$BATS_TEST_TMPDIR/$lang"
	done
}

@test "C: a second definition of an external name anywhere in the workspace makes it silent; an edit is seen" {
	cp -r "$DATA/resolve-lang/c" "$BATS_TEST_TMPDIR/c"
	cd "$BATS_TEST_TMPDIR/c"
	ask() { "$BIN/ctx-lsp" --server /nonexistent/lsp <<<"{\"id\":1,\"method\":\"definition\",\"file\":\"main.c\",\"line\":18,\"col\":7}" | jq -c '[.resolution, (.result | map("\(.file):\(.line)"))]'; }
	[ "$(ask)" = '["resolved",["util.c:13"]]' ]
	printf 'int twice(int v) { return v; }\n' >again.c
	[ "$(ask)" = '["unresolved",[]]' ]
	mkdir -p sub && mv again.c sub/static.c && sed -i 's/^int twice/static int twice/' sub/static.c
	[ "$(ask)" = '["resolved",["util.c:13"]]' ]
}

@test "JavaScript: an import cycle and a hostile re-export chain end within their bounds, silent" {
	mkdir -p "$WS/cyc"
	printf 'export { a } from "./b.js";\n' >"$WS/cyc/a.js"
	printf 'export { a } from "./a.js";\n' >"$WS/cyc/b.js"
	printf 'import { a } from "./a.js";\na();\n' >"$WS/cyc/main.js"
	ln -s /etc/passwd "$WS/cyc/c.js"
	printf 'import x from "./c.js";\nx();\n' >"$WS/cyc/leak.js"
	printf 'const s = require("./self.js");\nmodule.exports = s;\n' >"$WS/cyc/self.js"
	printf 'const s = require("./self.js");\ns.run();\ns;\n' >"$WS/cyc/useself.js"
	run -0 timeout 20 "$BIN/ctx-lsp" --server /nonexistent/lsp <<'EOF'
{"id":1,"method":"definition","file":"cyc/main.js","line":2,"col":1}
{"id":2,"method":"definition","file":"cyc/leak.js","line":2,"col":1}
{"id":3,"method":"hover","file":"cyc/leak.js","line":2,"col":1}
{"id":4,"method":"definition","file":"cyc/useself.js","line":3,"col":1}
{"id":5,"method":"definition","file":"cyc/useself.js","line":2,"col":3}
EOF
	[ "$(echo "$output" | jq -c '[.id, .resolution, .result]' | tr '\n' ' ')" = \
	  '[1,"unresolved",[]] [2,"unresolved",[]] [3,"unresolved",null] [4,"unresolved",[]] [5,"unresolved",[]] ' ]
}

@test "agreement with each language's front end (a sample; more in make truth): clang, go/types, the TypeScript service" {
	corpora=$BATS_TEST_DIRNAME/../build/corpora
	truth() { python3 "$BATS_TEST_DIRNAME/truth/def_lang_truth.py" --ctx-lsp "$BIN/ctx-lsp" --min-precision 0.97 --min-recall 0.6 "$@"; }
	src=$corpora/tree-sitter/package/vendor/tree-sitter/lib/src
	run -0 truth --lang c --root "$src" --sample 600 -I ../include -I . $(cd "$src" && ls *.c | grep -v '^lib.c$')
	echo "$output"
	run -0 truth --lang go --root "$(go env GOROOT)/src" --sample 600 strings bufio encoding/json
	echo "$output"
	ts=$corpora/typescript/package/lib/typescript.js
	run -0 truth --lang js --typescript "$ts" --root "$corpora/webpack/package" --sample 600 \
		$(cd "$corpora/webpack/package" && find lib -name '*.js')
	echo "$output"
	run -0 truth --lang js --typescript "$ts" --root "$corpora/rxjs/package" --sample 600 \
		$(cd "$corpora/rxjs/package" && find src -name '*.ts')
	echo "$output"
}
