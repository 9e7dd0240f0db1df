#!/bin/sh
# Install what the ctx tools need on a Debian machine, and nothing that is there already:
# Debian packages (after one apt-get update) and the tree-sitter grammars of mk/grammars
# from the npm registry at pinned versions, each checked against its pinned SHA-256,
# unpacked into the build tree. Usage: mk/deps.sh BUILD_DIR
set -eu

build=${1:-build}

# Package, then a file (a glob: any version) or command that proves it is there (dpkg -s is not enough for a
# package that was removed but whose files remain, or installed outside dpkg).
packages="
gcc:gcc
make:make
pkg-config:pkg-config
libtree-sitter-dev:/usr/include/tree_sitter/api.h
libcjson-dev:/usr/include/cjson/cJSON.h
libssl-dev:/usr/include/openssl/evp.h
libpcre2-dev:/usr/include/pcre2.h
jq:jq
bats:bats
python3:python3
python3-pylsp:pylsp
python3-pyflakes:/usr/lib/python3/dist-packages/pyflakes/__init__.py
python3-django:/usr/lib/python3/dist-packages/django/__init__.py
prometheus:promtool
prometheus-node-exporter:prometheus-node-exporter
chromium:chromium
fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
curl:curl
clangd:clangd
universal-ctags:ctags
time:/usr/bin/time
npm:npm
cppcheck:cppcheck
clang-tidy:clang-tidy
clang:clang
golang-go:go
strace:strace
nodejs:node
libclang-rt-dev:/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a
"

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: not root and no sudo: install as root" >&2; exit 3; }
	sudo=sudo
fi

missing=
for entry in $packages; do
	pkg=${entry%%:*}
	probe=${entry#*:}
	case $probe in
	/*)
		# shellcheck disable=SC2086 # a glob: any version will do
		set -- $probe
		[ -e "$1" ] && continue
		;;
	*) command -v "$probe" >/dev/null 2>&1 && continue ;;
	esac
	missing="$missing $pkg"
done

if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
fi

# The grammars (mk/grammars, into BUILD_DIR) and the ground-truth corpora (mk/corpora,
# into BUILD_DIR/corpora): npm pack fetches the published tarball without running any
# install script; each is checked against its pinned SHA-256 before it is unpacked.
here=$(dirname "$0")
fetch() { # LIST DIR
	grep -v '^#' "$1" | while read -r name version sha256 dirs; do
		[ -n "$name" ] || continue
		gdir=$2/$name
		[ -f "$gdir/.ok-$version" ] && continue
		rm -rf "$gdir"
		mkdir -p "$gdir"
		tgz=$gdir/$name-$version.tgz
		(cd "$gdir" && npm pack --silent "$name@$version" >/dev/null)
		got=$(sha256sum "$tgz" | cut -d' ' -f1)
		if [ "$got" != "$sha256" ]; then
			echo "deps: $name $version: checksum mismatch (got $got)" >&2
			rm -f "$tgz"
			exit 3
		fi
		# shellcheck disable=SC2086 # the list of directories
		tar -xzf "$tgz" -C "$gdir" $(for d in $dirs; do printf 'package/%s ' "$d"; done)
		rm -f "$tgz"
		touch "$gdir/.ok-$version"
	done
}
fetch "$here/grammars" "$build"
fetch "$here/corpora" "$build/corpora"

# The MCP client of the ctx-mcp tests and benchmark: the official TypeScript SDK at the
# version tests/mcp/package.json pins, every package checked against the integrity hash
# of the committed lockfile (npm ci), no install script run.
mcp=$build/mcp-client
lock_sum=$(cat "$here/../tests/mcp/package.json" "$here/../tests/mcp/package-lock.json" | sha256sum | cut -c1-16)
if [ ! -f "$mcp/.ok-$lock_sum" ]; then
	rm -rf "$mcp"
	mkdir -p "$mcp"
	cp "$here/../tests/mcp/package.json" "$here/../tests/mcp/package-lock.json" "$mcp/"
	(cd "$mcp" && npm ci --ignore-scripts --no-audit --no-fund --silent) >&2
	touch "$mcp/.ok-$lock_sum"
fi
