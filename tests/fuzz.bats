#!/usr/bin/env bats
# The fuzz targets, replayed without libFuzzer over their seeds and over every input a
# fuzzer once failed on (tests/fuzz/regressions/TARGET/, one file per finding). With
# SAN=1 they run under AddressSanitizer and UBSan, so a leak or undefined behaviour that
# comes back fails here. The targets check more than "no crash": see each file's comment.
bats_require_minimum_version 1.5.0

setup() {
	REPLAY=${CTX_REPLAY:?set CTX_REPLAY to the directory of the replay binaries}
	FUZZ=$BATS_TEST_DIRNAME/fuzz
}

# replay TARGET: every seed and regression of TARGET runs, and each one counts.
replay() {
	local dirs=("$FUZZ/seeds/$1") n
	[ -d "$FUZZ/regressions/$1" ] && dirs+=("$FUZZ/regressions/$1")
	n=$(find "${dirs[@]}" -type f | wc -l)
	run -0 "$REPLAY/fuzz_$1" "${dirs[@]}"
	[ "${lines[-1]}" = "$n inputs" ]
}

@test "fuzz_event: seeds and regressions replay cleanly" { replay event; }
@test "fuzz_jsonl: seeds and regressions replay cleanly" { replay jsonl; }
@test "fuzz_jsonrpc: seeds and regressions replay cleanly" { replay jsonrpc; }
@test "fuzz_lsp: seeds and regressions replay cleanly" { replay lsp; }
@test "fuzz_skeleton: seeds and regressions replay cleanly" { replay skeleton; }
@test "fuzz_aggregate: seeds and regressions replay cleanly" { replay aggregate; }
@test "fuzz_declresolve: seeds and regressions replay cleanly" { replay declresolve; }
@test "fuzz_mcp: seeds and regressions replay cleanly" { replay mcp; }

@test "fuzz_lsp fails loudly on an input it cannot read" {
	run -1 "$REPLAY/fuzz_lsp" "$BATS_TEST_TMPDIR/missing"
	[[ $output == *"missing: cannot read"* ]]
}
