#!/usr/bin/env bash
# Makes committed example files readable on any machine: removes the
# checkout's absolute path (and every --strip DIR given, e.g. a work
# directory) and writes the lab's directory as $LAB_DIR.
# Usage: scripts/portable-paths.sh [--strip DIR]... FILE...
# The lab directory is $LAB_DIR if set, else the lab's default; the lab's
# cache ($LAB_CACHE_DIR, same rule) is written $LAB_CACHE_DIR. A directory is
# replaced only as a whole path element (/tmp/migprobe-lab-cache is not the lab
# /tmp/migprobe-lab followed by "-cache").
set -euo pipefail
cd "$(dirname "$0")/.."
lab_dir=${LAB_DIR:-/tmp/migprobe-lab}
cache_dir=${LAB_CACHE_DIR:-/tmp/migprobe-lab-cache}
whole() { printf 's#%s([^A-Za-z0-9_.-]|$)#%s\\1#g' "$1" "$2"; }
# shellcheck disable=SC2016 # $LAB_DIR and $LAB_CACHE_DIR are written literally
args=(-e "s|$PWD/||g" -e "$(whole "$cache_dir" '$LAB_CACHE_DIR')" -e "$(whole "$lab_dir" '$LAB_DIR')")
while [ $# -gt 0 ] && [ "$1" = --strip ]; do
	[ $# -ge 2 ] || { echo "usage: $0 [--strip DIR]... FILE..." >&2; exit 2; }
	args+=(-e "s|$2/||g")
	shift 2
done
[ $# -gt 0 ] || { echo "usage: $0 [--strip DIR]... FILE..." >&2; exit 2; }
for f in "$@"; do
	[ -f "$f" ] || { echo "$0: $f is not a file" >&2; exit 2; }
	sed -E -i "${args[@]}" "$f"
done
