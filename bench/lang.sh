#!/bin/sh
# ctx-parse on C, Go, JavaScript and TypeScript, on the ground-truth code bases (the
# tree-sitter runtime's C sources, the Go standard library, webpack's lib/, rxjs's src/):
# cold with -j 1, cold with all CPUs, warm, against the parse-only ceiling with the same
# grammar and universal-ctags on the same file list, in this run (one round each).
set -eu
bin=${CTX_BIN:?}
pbin=${CTX_BENCH_BIN:?}
corpora=${CTX_CORPORA:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cpus=$(nproc)
now_ms() { date +%s%N | cut -c1-13; }
timed() { # command... < files: ms
	t0=$(now_ms)
	"$@" <"$work/files" >/dev/null 2>&1 || true # a file refused is an exit 1, not the end of the bench
	echo $(($(now_ms) - t0))
}

bench() { # LANG CTAGS_LANG DIR FIND_ARGS...
	lang=$1 clang=$2 dir=$3
	shift 3
	(cd "$dir" && find . "$@" | sed 's|^\./||' | sort) >"$work/files"
	n=$(wc -l <"$work/files")
	rm -rf "$work/c1" "$work/cn"
	cd "$dir"
	ceil=$(timed "$pbin/parse_only" "$lang")
	cold1=$(timed "$bin/ctx-parse" --root . -j 1 --cache "$work/c1")
	coldn=$(timed "$bin/ctx-parse" --root . -j "$cpus" --cache "$work/cn")
	warm=$(timed "$bin/ctx-parse" --root . -j "$cpus" --cache "$work/cn")
	rm -f "$work/tags" # ctags refuses to overwrite a file that is not a tags file
	t0=$(now_ms)
	ctags --languages="$clang" --output-format=json --fields=+neKS -L "$work/files" -f "$work/tags" 2>/dev/null || true
	ctags=$(($(now_ms) - t0))
	cd - >/dev/null
	awk -v l="$lang" -v n="$n" -v c="$ceil" -v c1="$cold1" -v cn="$coldn" -v w="$warm" -v t="$ctags" -v cpus="$cpus" 'BEGIN {
		printf "  %-10s %5d files: parse-only %6d ms, cold -j 1 %6d ms, cold -j %d %6d ms, warm %5d ms, ctags %6d ms\n",
			l, n, c, c1, cpus, cn, w, t
		printf "  %-10s cold -j 1 / ceiling %.2f (target >= 0.85); warm vs ctags %.2fx (target >= 5x)\n",
			"", c / (c1 ? c1 : 1), t / (w ? w : 1) }'
}

echo "== ctx-parse per language, this run (one round; ms are wall clock)"
bench c C "$corpora/tree-sitter/package/vendor/tree-sitter/lib/src" -name '*.c' -o -name '*.h'
bench go Go "$(go env GOROOT)/src" -name '*.go' ! -path '*/testdata/*'
bench javascript JavaScript "$corpora/webpack/package/lib" -name '*.js'
bench typescript TypeScript "$corpora/rxjs/package/src" -name '*.ts'
