#!/bin/sh
# The line-length rule: code in lib/, tools/, bench/*.c and pipelines/ fits in 120 columns,
# a tab counted as 8. Test data (tests/) may run longer. Prints each longer line; exit 1
# when there is one. Usage: mk/linelen.sh [FILE ...]
set -eu
[ $# -gt 0 ] || set -- lib/*.c lib/*.h tools/*.c bench/*.c pipelines/*
awk 'FNR == 1 { file = FILENAME } { l = $0; gsub(/\t/, "        ", l)
	if (length(l) > 120) { printf "%s:%d: %d columns\n", file, FNR, length(l); bad = 1 } }
	END { exit bad }' "$@"
