#!/usr/bin/env bash
# Makes committed example files readable on any machine: removes the
# checkout's absolute path (and every --strip DIR given, e.g. a work
# directory) and writes the lab's directory as $LAB_DIR.
# Usage: scripts/portable-paths.sh [--strip DIR]... FILE...
# The lab directory is $LAB_DIR if set, else the lab's default.
set -euo pipefail
cd "$(dirname "$0")/.."
lab_dir=${LAB_DIR:-/tmp/migprobe-lab}
args=(-e "s|$PWD/||g" -e "s|$lab_dir|\$LAB_DIR|g")
while [ $# -gt 0 ] && [ "$1" = --strip ]; do
	[ $# -ge 2 ] || { echo "usage: $0 [--strip DIR]... FILE..." >&2; exit 2; }
	args+=(-e "s|$2/||g")
	shift 2
done
[ $# -gt 0 ] || { echo "usage: $0 [--strip DIR]... FILE..." >&2; exit 2; }
for f in "$@"; do
	[ -f "$f" ] || { echo "$0: $f is not a file" >&2; exit 2; }
	sed -i "${args[@]}" "$f"
done
