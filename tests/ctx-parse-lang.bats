#!/usr/bin/env bats
# ctx-parse on C, Go, JavaScript and TypeScript: golden records of a corpus written for the
# tests, the shapes that matter asserted one by one, selection in every language, and a
# sample of the ground truth against each language's own front end (all of it: make truth).

bats_require_minimum_version 1.5.0

setup() {
	BIN=${CTX_BIN:?set CTX_BIN to the directory of the built tools}
	DATA=$BATS_TEST_DIRNAME/data
	LANG_DATA=$DATA/lang
	CORPORA=$BATS_TEST_DIRNAME/../build/corpora
	WS=$BATS_TEST_TMPDIR/ws
	mkdir -p "$WS"
	unset CTX_ROOT CTX_RUN_ID CTX_NO_TELEMETRY CTX_PII CTX_TELEMETRY_DIR CTX_EVENTS CTX_CACHE_DIR
}

parse() { "$BIN/ctx-parse" --no-cache --root "$LANG_DATA" "$@"; }
sym() { # FILE QUALNAME [FIELD...]: the fields of that file's first symbol with that qualname
	local f=$1 q=$2
	shift 2
	parse "$LANG_DATA/$f" | jq -c --arg q "$q" "[.symbols[] | select(.qualname == \$q)][0] | [$(IFS=,; echo "$*")]"
}

@test "golden records of the C, Go, JavaScript and TypeScript corpus, byte for byte" {
	cd "$LANG_DATA"
	run -0 --separate-stderr "$BIN/ctx-parse" --no-cache --root . shapes.c shapes.h shapes.go shapes.js shapes.ts component.tsx
	diff -u all.expected <(echo "$output")
}

@test "C: K&R and prototypes, function pointers, static, macros, nested structs, #ifdef branches" {
	[ "$(sym shapes.c add .kind,.signature,.doc,.start_line,.end_line)" = '["function","int add(a, b) int a; int b","Adds two numbers,",44,50]' ]
	[ "$(sym shapes.c scale .exported,.start_line)" = '[false,53]' ]
	[ "$(sym shapes.c current_handler .kind)" = '["variable"]' ]
	[ "$(sym shapes.c getter .kind)" = '["function"]' ]
	[ "$(sym shapes.c handler_fn .kind,.signature)" = '["typedef","typedef int (*handler_fn)(int, char **)"]' ]
	[ "$(sym shapes.c MAX .kind,.signature)" = '["macro","#define MAX(a, b)"]' ]
	[ "$(sym shapes.c point.inner .kind,.parent)" = '["struct","point"]' ]
	[ "$(parse "$LANG_DATA/shapes.c" | jq -c '[.symbols[] | select(.name == "debug_dump") | .conditional]')" = '[true,true]' ]
	[ "$(parse "$LANG_DATA/shapes.c" | jq -c '[.symbols[] | select(.kind == "union" or .kind == "struct") | .name]')" = '["point","inner","value"]' ]
	[ "$(sym shapes.h free_buffer .decl,.doc,.conditional)" = '[true,"Frees what make_buffer gave.",false]' ]
	[ "$(sym shapes.h shared_total .kind,.decl)" = '["variable",true]' ]
	[ "$(parse "$LANG_DATA/shapes.c" | jq -c '[.module, .imports[].module]')" = '["shapes.c","stdio.h","shapes.h"]' ]
}

@test "Go: pointer and value receivers, generics, grouped specs, embedded interfaces, exported names" {
	[ "$(sym shapes.go Server.Serve .kind,.parent,.doc,.exported)" = '["method","Server","Serve runs until the listener closes.",true]' ]
	[ "$(sym shapes.go Server.name .exported)" = '[false]' ]
	[ "$(sym shapes.go Pair.Swap .signature)" = '["func (p *Pair[K, V]) Swap()"]' ]
	[ "$(sym shapes.go Reader .kind,.doc,.start_line,.end_line)" = '["interface","Reader reads.",36,39]' ]
	[ "$(parse "$LANG_DATA/shapes.go" | jq -c '[.symbols[] | select(.kind == "const") | .name]')" = '["Limit","Red","green","Blue","Black"]' ]
	[ "$(parse "$LANG_DATA/shapes.go" | jq -c '[.module, .imports[1]]')" = '[".",{"module":"strings","names":[],"alias":"str","line":6}]' ]
}

@test "JavaScript: class fields and #private, accessors, arrow functions, default and named exports, CommonJS" {
	[ "$(sym shapes.js 'Shape.#secret' .kind)" = '["variable"]' ]
	[ "$(parse "$LANG_DATA/shapes.js" | jq -c '[.symbols[] | select(.qualname == "Shape.area") | .signature]')" = '["get area()","set area(v)"]' ]
	[ "$(sym shapes.js mul .kind,.exported)" = '["function",true]' ]
	[ "$(sym shapes.js handler .async,.exported)" = '[true,false]' ]
	[ "$(sym shapes.js default.run .kind)" = '["method"]' ]
	[ "$(sym shapes.js helper .kind,.exported)" = '["function",true]' ]
	[ "$(sym shapes.js Shape .doc)" = '["A shape with private state."]' ]
	[ "$(parse "$LANG_DATA/shapes.js" | jq -c '[.imports[] | [.module, .names]]')" = '[["fs",["default"]],["path",["join","dirname"]],["os",["*"]],["util",[]]]' ]
}

@test "TypeScript: interfaces, aliases, enums, namespaces, overloads, decorators, abstract classes, .tsx" {
	[ "$(sym shapes.ts Point .kind,.exported)" = '["interface",true]' ]
	[ "$(sym shapes.ts Pair .kind,.signature,.exported)" = '["type","type Pair<A, B>",false]' ]
	[ "$(sym shapes.ts Geometry.dist .kind)" = '["function"]' ]
	[ "$(sym shapes.ts Geometry.Inner.Hidden .kind)" = '["class"]' ]
	[ "$(parse "$LANG_DATA/shapes.ts" | jq -c '[.symbols[] | select(.name == "parse") | .decl]')" = '[true,true,false]' ]
	[ "$(sym shapes.ts Base .decorators,.start_line)" = '[["@Component({ selector: \"x\" })"],43]' ]
	[ "$(sym shapes.ts Base.norm .decl)" = '[true]' ]
	[ "$(sym shapes.ts Base.label .decorators)" = '[["@Input()"]]' ]
	[ "$(sym shapes.ts external .decl)" = '[true]' ]
	[ "$(sym component.tsx Panel.render .kind)" = '["method"]' ]
	[ "$(parse "$LANG_DATA/component.tsx" | jq -r .lang)" = typescript ]
}

@test "selection in every language: --get in three modes, a Go package's files together, --find" {
	cd "$LANG_DATA"
	run -0 "$BIN/ctx-parse" --root . --get 'sym://go/type/.#Server.Serve'
	[ "$(echo "$output" | jq -c '[.status, .file, .symbols[0].start_line]')" = '["ok","shapes.go",52]' ]
	run -0 "$BIN/ctx-parse" --root . --get 'sym://c/type/shapes.h#free_buffer' --mode excerpt --context 0
	[ "$(echo "$output" | jq -r .text)" = 'void free_buffer(void *buf);' ]
	run -0 "$BIN/ctx-parse" --root . --get 'sym://typescript/type/shapes.ts#Geometry'
	[ "$(echo "$output" | jq -c '[.symbols[].qualname]')" = '["Geometry","Geometry.ORIGIN","Geometry.dist","Geometry.Inner","Geometry.Inner.Hidden"]' ]
	run -0 "$BIN/ctx-parse" --root . --get 'sym://javascript/mod/shapes.js' --mode raw
	[ "$(echo "$output" | jq .bytes)" = "$(wc -c <shapes.js)" ]
	run -1 "$BIN/ctx-parse" --root . --get 'sym://c/type/shapes.c#debug_dump'
	[ "$(echo "$output" | jq -c '[.error_code, (.candidates | map(.start_line))]')" = '["AMBIGUOUS_SYMBOL",[63,68]]' ]
	for bad in 'sym://c/type/../shapes.c#add' 'sym://c/type/shapes.c' 'sym://rust/type/a.rs#x' 'sym://go/type/./x#A' 'sym://c/type//etc/passwd#x'; do
		run -1 "$BIN/ctx-parse" --root . --get "$bad"
		[ "$(echo "$output" | jq -r .error_code)" = INVALID_URI ]
	done
	run -1 "$BIN/ctx-parse" --root . --get 'sym://typescript/type/shapes.c#add'
	[ "$(echo "$output" | jq -r .error_code)" = FILE_NOT_FOUND ]
	run -0 "$BIN/ctx-parse" --root . --find Farewell shapes.c shapes.go shapes.js component.tsx
	[ "$(echo "$output" | jq -r .uri)" = 'sym://typescript/type/component.tsx#Farewell' ]
}

@test "a Go package is its directory: several files are searched together, the package alone is ambiguous" {
	mkdir -p "$WS/pkg/net"
	printf 'package net\n\ntype Conn struct{}\n' >"$WS/pkg/net/conn.go"
	printf 'package net\n\nfunc (c *Conn) Close() error { return nil }\n' >"$WS/pkg/net/close.go"
	cd "$WS"
	run -0 "$BIN/ctx-parse" --root . --get 'sym://go/type/pkg/net#Conn.Close' --mode excerpt --context 0
	[ "$(echo "$output" | jq -c '[.file, .text]')" = '["pkg/net/close.go","func (c *Conn) Close() error { return nil }\n"]' ]
	run -1 "$BIN/ctx-parse" --root . --get 'sym://go/mod/pkg/net'
	[ "$(echo "$output" | jq -c '[.error_code, (.candidates | map(.file))]')" = '["AMBIGUOUS_SYMBOL",["pkg/net/close.go","pkg/net/conn.go"]]' ]
	ln -s /etc "$WS/pkg/etc"
	run -1 "$BIN/ctx-parse" --root . --get 'sym://go/type/pkg/etc#X'
	[ "$(echo "$output" | jq -r .error_code)" = FILE_NOT_FOUND ]
}

@test "ground truth (a sample; all of it in make truth): C against clang, Go against go/ast, JS and TS against the TypeScript compiler" {
	src=$CORPORA/tree-sitter/package/vendor/tree-sitter/lib/src
	run -0 python3 "$BATS_TEST_DIRNAME/truth/lang_truth.py" --lang c --ctx-parse "$BIN/ctx-parse" --root "$src" \
		--defects "$DATA/truth/c-grammar-defects.tsv" --min 400 -I ../include -I . $(cd "$src" && ls *.c)
	echo "$output"
	goroot=$(go env GOROOT)/src
	run -0 python3 "$BATS_TEST_DIRNAME/truth/lang_truth.py" --lang go --ctx-parse "$BIN/ctx-parse" --root "$goroot" \
		--sample 80 --min 2000 $(cd "$goroot" && find net/http encoding go/ast go/parser strings bufio -name '*.go' ! -name '*_test.go' ! -path '*/testdata/*')
	echo "$output"
	ts=$CORPORA/typescript/package/lib/typescript.js
	run -0 python3 "$BATS_TEST_DIRNAME/truth/lang_truth.py" --lang js --typescript "$ts" --ctx-parse "$BIN/ctx-parse" \
		--root "$CORPORA/webpack/package" --sample 150 --min 1200 $(cd "$CORPORA/webpack/package" && find lib -name '*.js')
	echo "$output"
	run -0 python3 "$BATS_TEST_DIRNAME/truth/lang_truth.py" --lang js --typescript "$ts" --ctx-parse "$BIN/ctx-parse" \
		--root "$CORPORA/rxjs/package" --min 1000 $(cd "$CORPORA/rxjs/package" && find src -name '*.ts')
	echo "$output"
}
