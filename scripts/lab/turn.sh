#!/usr/bin/env bash
# Turns between two campaigns that run at the same time, so that their
# migrations alternate (A, B, A, B, ...) and never overlap: drift of the
# machine (load, thermal, other jobs) then hits both sides alike.
# scripts/acceptance.sh uses it with `migprobe run --wait-for`:
#
#   turn.sh init DIR FIRST               DIR/turn := FIRST (A or B)
#   turn.sh wait DIR SIDE                exits 0 when it is SIDE's turn, or when
#                                        the other side has finished (DIR/done-OTHER)
#   turn.sh pass DIR SIDE -- CMD [ARG...]
#                                        runs CMD, then gives the turn to the other
#                                        side (whatever CMD's exit); exits with CMD's
#   turn.sh done DIR SIDE                SIDE has no more migrations (touch DIR/done-SIDE)
#
# The turn file is replaced atomically (write, then rename). `wait` polls every
# 50 ms and has no timeout of its own: migprobe's --timeout stops it.
set -uo pipefail

usage() { sed -n '2,17p' "$0" >&2; exit 2; }
other() { case $1 in A) echo B ;; B) echo A ;; *) echo "turn.sh: side must be A or B (got '$1')" >&2; exit 2 ;; esac; }
put() { printf '%s\n' "$2" >"$1/turn.tmp.$$" && mv -f "$1/turn.tmp.$$" "$1/turn"; }

[ $# -ge 3 ] || usage
op=$1 dir=$2 side=$3
shift 3
[ -d "$dir" ] || { echo "turn.sh: no directory $dir" >&2; exit 2; }
peer=$(other "$side") || exit 2
case $op in
init) put "$dir" "$side" ;;
wait)
	while :; do
		[ "$(cat "$dir/turn" 2>/dev/null)" = "$side" ] && exit 0
		[ -e "$dir/done-$peer" ] && exit 0
		sleep 0.05
	done
	;;
pass)
	[ "${1:-}" = -- ] || usage
	shift
	[ $# -ge 1 ] || usage
	rc=0
	"$@" || rc=$?
	put "$dir" "$peer"
	exit "$rc"
	;;
done) touch "$dir/done-$side" ;;
*) usage ;;
esac
