#!/usr/bin/env bash
# Upgrade acceptance on the built-in lab: a campaign of live migrations on the
# old stack and one on the new, interleaved (A, B, A, B, ...: the two labs run
# at the same time and take turns, so drift of the machine hits both sides
# alike), then `migprobe compare` and `migprobe gate --baseline`, and one
# acceptance report: OUT/acceptance.md (verdict, versions of both stacks taken
# from the run files, figures side by side, lab health, charts).
#
# Usage (root): scripts/acceptance.sh [options]
#   --old STACK        the stack accepted today: bookworm (default) | backports
#   --new STACK        the candidate: backports (default) | bookworm (an A/A check)
#   --migrations N     migrations per stack (default 12; the first is warm-up)
#   --sequential       the old campaign first, then the new (no turns)
#   --out DIR          where everything goes (default reports/acceptance-<UTC time>)
#   --force            replace an earlier acceptance in DIR
#   --keep-labs        leave both labs up afterwards (default: down); a later
#                      acceptance on the same stacks reuses them, each with a
#                      freshly booted guest (as old as the other side's)
#   --max-regression P, --min-effect D   the gate's baseline rule (20%, 30ms)
#
# Each side gets a lab of its own (LAB_DIR=/tmp/migprobe-acc-{old,new}-STACK,
# netns mpacc-{old,new}-STACK; the default lab is not touched), both on machine type
# pc-i440fx-7.2, as an operator pins it across an upgrade. Writes OUT/old/ and
# OUT/new/ (migprobe run directories), OUT/compare/, OUT/gate.md, OUT/gate.xml,
# OUT/acceptance.md, OUT/labs.txt. Exit: 0 accepted, 1 rejected or
# inconclusive (see acceptance.md), 2 bad usage, 3 the lab failed (a guest
# died: the lab's fault, not the candidate's).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OLD=bookworm NEW=backports N=12 ORDER=interleaved OUT="" FORCE=0 KEEP=0
RULE=(--max-regression 20% --min-effect 30ms)
die() { echo "acceptance.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--old) OLD=${2:?--old needs a stack}; shift 2 ;;
	--new) NEW=${2:?--new needs a stack}; shift 2 ;;
	--migrations) N=${2:?--migrations needs a number}; shift 2 ;;
	--sequential) ORDER=sequential; shift ;;
	--out) OUT=${2:?--out needs a directory}; shift 2 ;;
	--force) FORCE=1; shift ;;
	--keep-labs) KEEP=1; shift ;;
	--max-regression) RULE[1]=${2:?}; shift 2 ;;
	--min-effect) RULE[3]=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,25p' "$0"; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
for s in "$OLD" "$NEW"; do
	case $s in bookworm | backports) ;; *) die "--old/--new $s: a stack is bookworm or backports" ;; esac
done
{ [[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 3 ]; } || die "--migrations $N: give at least 3 (the first is warm-up; 10 or more to judge)"
[ "$(id -u)" -eq 0 ] || die "run as root: the labs need network namespaces and libvirt daemons"
OUT=${OUT:-reports/acceptance-$(date -u +%Y%m%dT%H%M%SZ)}
if [ -e "$OUT/acceptance.md" ] || compgen -G "$OUT/old/run.jsonl*" >/dev/null || compgen -G "$OUT/new/run.jsonl*" >/dev/null; then
	[ "$FORCE" = 1 ] || die "$OUT holds an earlier acceptance: give another --out, or --force to replace it"
	rm -rf "$OUT/old" "$OUT/new" "$OUT/compare" "$OUT/turns"
fi
mkdir -p "$OUT"

MP=${MIGPROBE:-}
if [ -z "$MP" ]; then
	cargo build --release -q --bin migprobe
	MP=$ROOT/${CARGO_TARGET_DIR:-target}/release/migprobe
fi
say() { printf '[acceptance %s] %s\n' "$(date +%T)" "$*" >&2; }

# The lab of a side (old|new): scripts/lab.sh with that side's settings.
lab() {
	local side=$1 stack
	shift
	stack=$OLD
	[ "$side" = new ] && stack=$NEW
	env LAB_DIR="/tmp/migprobe-acc-$side-$stack" LAB_NETNS="mpacc-$side-$stack" LAB_STACK="$stack" \
		LAB_MACHINE=pc-i440fx-7.2 "$ROOT/scripts/lab.sh" "$@"
}
down() {
	[ "$KEEP" = 1 ] && return 0
	lab old down >/dev/null 2>&1 || true
	lab new down >/dev/null 2>&1 || true
}
trap down EXIT

for side in old new; do
	if lab "$side" health >/dev/null 2>&1; then
		# A guest that has run longer has written more to its disk and
		# migrates slower (an A/A pair showed it): both sides start fresh.
		say "lab for the $side stack: already up (kept by --keep-labs): reused, with a fresh guest"
		lab "$side" reset-guest >"$OUT/lab-$side-up.log" 2>&1 && continue
		say "lab for the $side stack: reset-guest failed, bringing it up again"
	fi
	say "lab for the $side stack: up"
	lab "$side" down >/dev/null 2>&1 || true
	lab "$side" up >"$OUT/lab-$side-up.log" 2>&1 || {
		tail -5 "$OUT/lab-$side-up.log" >&2
		echo "acceptance.sh: the $side lab did not come up (log: $OUT/lab-$side-up.log)" >&2
		exit 3
	}
done

# One side's campaign; with turns, its migrations alternate with the other side's.
campaign() {
	local side=$1 me=$2 wait=() trigger=()
	eval "$(lab "$side" env)"
	if [ "$ORDER" = interleaved ]; then
		wait=(--wait-for "$ROOT/scripts/lab/turn.sh wait $OUT/turns $me")
		trigger=("$ROOT/scripts/lab/turn.sh" pass "$OUT/turns" "$me" --)
	fi
	# shellcheck disable=SC2086 # LAB_MIGRATE_CMD is a command line
	ip netns exec "$LAB_PROBER_NETNS" "$MP" run -t "$LAB_GUEST_IP4" --src-uri "$LAB_SRC_URI" \
		--dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" --warmup 3s --cooldown 3s --drain 1s \
		--repeat "$N" --pingpong -q --out "$OUT/$side" "${wait[@]}" -- "${trigger[@]}" $LAB_MIGRATE_CMD \
		>"$OUT/$side.log" 2>&1
}

rc_old=0 rc_new=0
if [ "$ORDER" = interleaved ]; then
	say "$N migrations per stack, interleaved: $OLD, $NEW, $OLD, ..."
	mkdir -p "$OUT/turns"
	scripts/lab/turn.sh init "$OUT/turns" A
	(r=0; campaign old A || r=$?; scripts/lab/turn.sh "done" "$OUT/turns" A; exit $r) & p_old=$!
	(r=0; campaign new B || r=$?; scripts/lab/turn.sh "done" "$OUT/turns" B; exit $r) & p_new=$!
	wait "$p_old" || rc_old=$?
	wait "$p_new" || rc_new=$?
else
	say "$N migrations on $OLD, then $N on $NEW"
	campaign old A || rc_old=$?
	campaign new B || rc_new=$?
fi
say "campaigns done (exit $rc_old, $rc_new)"

# Lab health: a guest that died is the lab's fault (scripts/lab/guest-deaths.md).
faults=0
: >"$OUT/labs.txt"
for side in old new; do
	{
		echo "== $side"
		lab "$side" status 2>&1 || true
		lab "$side" health 2>&1 || faults=$((faults + 1))
	} >>"$OUT/labs.txt"
done

for side in old new; do
	[ -s "$OUT/$side/report.json" ] || {
		tail -5 "$OUT/$side.log" >&2
		echo "acceptance.sh: no report for the $side stack (log: $OUT/$side.log; labs: $OUT/labs.txt)" >&2
		exit $((faults > 0 ? 3 : 1))
	}
done

say "compare and gate"
rc_gate=0
"$MP" compare "$OUT/old/report.json" "$OUT/new/report.json" --labels "$OLD,$NEW" \
	"${RULE[@]}" --out "$OUT/compare" >"$OUT/compare.txt" 2>&1 || true
"$MP" gate "$OUT/new/report.json" --baseline "$OUT/old/report.json" "${RULE[@]}" \
	--junit "$OUT/gate.xml" --format markdown >"$OUT/gate.md" 2>&1 || rc_gate=$?

python3 "$ROOT/scripts/lab/acceptance-report.py" "$OUT" "$OLD" "$NEW" "$ORDER" \
	"$rc_old" "$rc_new" "$rc_gate" "$faults" >"$OUT/acceptance.md"
say "written $OUT/acceptance.md"
sed -n '1,12p' "$OUT/acceptance.md"
if [ "$faults" -gt 0 ]; then exit 3; fi
grep -q '^\*\*ACCEPTED\*\*' "$OUT/acceptance.md"
