# common.sh: what the pipelines share, sourced by each (not run). A pipeline sets $prog
# (its name, for messages) and $here (its directory) before sourcing it.

# Put the directory of the tool $1 on PATH when it is not there: ../bin of a checkout,
# or beside the pipelines when installed.
ctx_find_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	for d in "$here/../bin" "$here"; do
		[ -x "$d/$1" ] && PATH=$d:$PATH && return 0
	done
	echo "$prog: $1: not found (make, or make install)" >&2
	exit 3
}

# The run id: the caller's ($CTX_RUN_ID), else a new one; one that is not 1 to 128 of
# A-Z a-z 0-9 . _ : - is a usage error, said once here rather than by every tool.
ctx_run_id() {
	CTX_RUN_ID=${CTX_RUN_ID:-run_$(date +%s)_$$}
	case $CTX_RUN_ID in
	*[!A-Za-z0-9._:-]*) echo "$prog: bad value for CTX_RUN_ID: 1 to 128 of A-Z a-z 0-9 . _ : -" >&2; exit 2 ;;
	esac
	if [ ${#CTX_RUN_ID} -gt 128 ]; then
		echo "$prog: bad value for CTX_RUN_ID: longer than 128" >&2
		exit 2
	fi
	export CTX_RUN_ID
}

# The value $2 of the option $1 as a file to write: a usage error ($usage) when it is
# missing, looks like an option (write ./-x for such a name) or ends with a slash. (A
# directory that stands where the file goes is refused when it is written, exit 3.)
ctx_file_arg() {
	case ${2:-} in
	'') echo "$prog: $1 needs a file" >&2 ;;
	-*) echo "$prog: $1 needs a file, not '$2' (./$2 for a file whose name starts with -)" >&2 ;;
	*/) echo "$prog: bad value for $1: '$2' (a file, not a directory)" >&2 ;;
	*) return 0 ;;
	esac
	echo "$usage" >&2
	exit 2
}

# ROOT/_ctx, which may have come with a clone: a directory of the workspace, never a
# symlink out of it; created when missing.
ctx_private_dir() {
	if [ -L "$1/_ctx" ] || { [ -e "$1/_ctx" ] && [ ! -d "$1/_ctx" ]; }; then
		echo "$prog: $1/_ctx: refused: a symlink or not a directory" >&2
		exit 3
	fi
	if ! mkdir -p "$1/_ctx" 2>/dev/null; then
		echo "$prog: $1/_ctx: cannot create it (a read-only workspace?)" >&2
		exit 3
	fi
}

# Move the file $1 to $2 in ROOT/_ctx: a symlink at $2 is replaced, never entered (-T); a
# directory there is refused.
ctx_replace() {
	if [ -d "$2" ] && [ ! -L "$2" ]; then
		echo "$prog: $2: refused: a directory" >&2
		exit 3
	fi
	mv -fT "$1" "$2"
}

# The ROOT operand of a pipeline's arguments, into $root: at most one, after the options
# or after --, not empty; a usage error ($usage) otherwise. Call with each operand.
ctx_root_arg() {
	if [ -n "${root_given:-}" ] || [ -z "$1" ]; then
		echo "$usage" >&2
		exit 2
	fi
	root_given=1
	# A name that starts with - is passed on as ./-x, never taken for an option.
	case $1 in -*) root=./$1 ;; *) root=$1 ;; esac
}
