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
timed() { # REPS command... < files: ms per run (small corpora are run REPS times, so that
	# the clock's own cost, a few ms, is not what is measured)
	reps=$1
	shift
	t0=$(now_ms)
	i=0
	while [ "$i" -lt "$reps" ]; do
		"$@" <"$work/files" >/dev/null 2>&1 || true # a file refused is an exit 1, not the end of the bench
		i=$((i + 1))
	done
	awk -v t="$(($(now_ms) - t0))" -v r="$reps" 'BEGIN { printf "%.1f", t / r }'
}

bench() { # LANG CTAGS_LANG DIR FIND_ARGS...
	lang=$1 clang=$2 dir=$3
	shift 3
	(cd "$dir" && find . "$@" | sed 's|^\./||' | sort) >"$work/files"
	n=$(wc -l <"$work/files")
	reps=$((2000 / n + 1))
	rm -rf "$work/c1" "$work/cn"
	cd "$dir"
	ceil=$(timed "$reps" "$pbin/parse_only" "$lang")
	cold1=$(timed 1 "$bin/ctx-parse" --root . -j 1 --cache "$work/c1")
	coldn=$(timed 1 "$bin/ctx-parse" --root . -j "$cpus" --cache "$work/cn")
	sleep 2.1 # files written within 2 s of an index are read again (racily clean): not these
	timed 1 "$bin/ctx-parse" --root . -j "$cpus" --cache "$work/cn" >/dev/null
	warm=$(timed "$reps" "$bin/ctx-parse" --root . -j "$cpus" --cache "$work/cn")
	# ctags refuses to overwrite a file that is not a tags file: a fresh name each run
	ctags=$(timed "$reps" sh -c 'rm -f "$1" && ctags --languages="$2" --output-format=json --fields=+neKS -L - -f "$1"' \
		sh "$work/tags" "$clang")
	cd - >/dev/null
	awk -v l="$lang" -v n="$n" -v c="$ceil" -v c1="$cold1" -v cn="$coldn" -v w="$warm" -v t="$ctags" -v cpus="$cpus" 'BEGIN {
		printf "  %-10s %5d files: parse-only %7.1f ms, cold -j 1 %7.1f ms, cold -j %d %7.1f ms, warm %6.1f ms, ctags %7.1f ms\n",
			l, n, c, c1, cpus, cn, w, t
		printf "  %-10s cold -j 1 / ceiling %.2f (target >= 0.85); warm vs ctags %.2fx (target >= 5x)\n",
			"", c / (c1 ? c1 : 1), t / (w ? w : 1) }'
}

echo "== ctx-parse per language, this run (ms are wall clock; a small corpus's warm, ctags and parse-only runs repeated to 2,000 files)"
bench c C "$corpora/tree-sitter/package/vendor/tree-sitter/lib/src" -name '*.c' -o -name '*.h'
bench go Go "$(go env GOROOT)/src" -name '*.go' ! -path '*/testdata/*'
bench javascript JavaScript "$corpora/webpack/package/lib" -name '*.js'
bench typescript TypeScript "$corpora/rxjs/package/src" -name '*.ts'
