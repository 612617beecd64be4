#!/usr/bin/env bash
# Guest-death soak for the lab: N live migrations back and forth on a running
# lab (scripts/lab.sh up), `lab.sh health` after each; a lab fault is counted,
# its evidence kept, and the guest reset before going on.
#   bash tests/lab/soak.sh N [--load] [--ping]
#     --load  a CPU hog on every core meanwhile (stress-ng --cpu 0)
#     --ping  ping the guest meanwhile (as migprobe run does), every
#             $SOAK_PING_INTERVAL seconds (default 0.01)
# Prints one line per migration and ends with
#   "soak: N migrations, load=0|1, ping=0|1: F lab faults, M failed migrations"
# Evidence of each fault goes to $SOAK_OUT (default: a new /tmp/migprobe-soak.*).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
LAB=$PWD/scripts/lab.sh
n=${1:-}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 N [--load] [--ping]" >&2; exit 2; }
shift
load=0 ping=0
for a in "$@"; do
	case $a in
	--load) load=1 ;;
	--ping) ping=1 ;;
	*) echo "unknown option $a" >&2; exit 2 ;;
	esac
done
OUT=${SOAK_OUT:-$(mktemp -d /tmp/migprobe-soak.XXXXXX)}
mkdir -p "$OUT"
pids=()
cleanup() { ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$LAB" health >/dev/null || { echo "the lab is not healthy before the soak: $LAB health" >&2; exit 1; }
eval "$("$LAB" env)"
if ((load)); then
	command -v stress-ng >/dev/null || { echo "--load needs stress-ng (apt-get install stress-ng)" >&2; exit 1; }
	stress-ng --cpu 0 --timeout 0 >/dev/null 2>&1 &
	pids+=($!)
fi
if ((ping)); then
	ip netns exec "$LAB_PROBER_NETNS" ping -q -i "${SOAK_PING_INTERVAL:-0.01}" "$LAB_GUEST_IP4" >/dev/null 2>&1 &
	pids+=($!)
fi
faults=0 failed=0
for ((i = 1; i <= n; i++)); do
	rc=0
	out=$("$LAB" migrate 2>"$OUT/migrate-$i.log") || rc=$?
	((rc == 0)) || failed=$((failed + 1))
	sleep 1 # a guest that dies right after resuming does so within a second
	hrc=0
	"$LAB" health >"$OUT/health-$i.txt" 2>&1 || hrc=$?
	if ((hrc == 0)); then
		echo "$i: ${out:-migrate exit $rc}; healthy"
		continue
	fi
	faults=$((faults + 1))
	echo "$i: ${out:-migrate exit $rc}; $(grep -m1 'LAB FAULT' "$OUT/health-$i.txt" || echo "health exit $hrc")"
	for f in "$LAB_DIR"/node0[12]/serial.log "$LAB_DIR"/node0[12]/log/qemu/*.log; do
		[[ -f $f ]] && g=${f#"$LAB_DIR"/} && cp "$f" "$OUT/fault-$i-${g//\//_}"
	done
	"$LAB" reset-guest >>"$OUT/reset.log" 2>&1 || { echo "reset-guest failed (see $OUT/reset.log)"; exit 1; }
done
echo "soak: $n migrations, load=$load, ping=$ping: $faults lab faults, $failed failed migrations (evidence: $OUT)"
