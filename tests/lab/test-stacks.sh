#!/usr/bin/env bash
# Tests for the lab's stacks (scripts/lab/stacks.md): bad knobs, then a lab
# with each node on a chosen stack, migrations back and forth across them,
# migprobe's view of both sides, and a clean `down`. Needs root and (on first
# use) the package registry: the backports stack is downloaded into
# $LAB_CACHE_DIR/stacks. Not part of tests/lab/run-all.sh (CI runs the
# default stack only).
#   bash tests/lab/test-stacks.sh [NODE01_STACK NODE02_STACK]   (default: bookworm backports)
#   STACKS_MIGRATIONS=10   lab.sh migrations back and forth
#   STACKS_GUEST_KERNEL=   LAB_GUEST_KERNEL for the lab (bookworm|backports; default unset)
#   MIGPROBE=path          also run `migprobe run --repeat 4 --pingpong` (skipped if unset)
#   LAB_DIR / LAB_NETNS / LAB_CACHE_DIR as for scripts/lab.sh (use values of
#   your own when another lab may run on this machine)
# The last line is always "N passed, M failed"; exit 0 only if M is 0.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB=$ROOT/scripts/lab.sh
export LAB_DIR=${LAB_DIR:-/tmp/migprobe-lab-stacks}
export LAB_NETNS=${LAB_NETNS:-mp-stacks}
export LAB_CACHE_DIR=${LAB_CACHE_DIR:-/tmp/migprobe-lab-cache-stacks}
S1=${1:-bookworm}
S2=${2:-backports}
N=${STACKS_MIGRATIONS:-10}
MIGPROBE=${MIGPROBE:-}
GK=${STACKS_GUEST_KERNEL:-}
unset LAB_STACK LAB_STACK_NODE01 LAB_STACK_NODE02 LAB_GUEST_KERNEL LAB_MACHINE LAB_KERNEL

passed=0
failed=0
LOG=$(mktemp /tmp/migprobe-stacks-test.XXXXXX.log)
ok() { passed=$((passed + 1)) && echo "ok   - $*"; }
not_ok() { failed=$((failed + 1)) && echo "FAIL - $*"; }
check() { # description command...
	local what=$1
	shift
	if "$@" >>"$LOG" 2>&1; then ok "$what"; else not_ok "$what"; fi
}
teardown() {
	"$LAB" down >>"$LOG" 2>&1 || true
	echo "(log: $LOG)"
	echo "$passed passed, $failed failed"
	((failed == 0))
}
trap teardown EXIT

# A bad value is a usage error (exit 2) that names the variable.
bad_knob() { # VAR=value var-name-in-message
	local rc=0 out
	out=$(env "$1" "$LAB" up 2>&1) || rc=$?
	echo "$1: exit $rc: $out" >>"$LOG"
	if ((rc == 2)) && [[ $out == *"$2"* ]]; then ok "$1 is refused (exit 2, names $2)"; else not_ok "$1: exit $rc: $out"; fi
}
bad_knob LAB_STACK=sid LAB_STACK
bad_knob LAB_STACK_NODE02=trixie LAB_STACK_NODE02
bad_knob LAB_GUEST_KERNEL=6.12 LAB_GUEST_KERNEL
bad_knob "LAB_MACHINE=pc;x" LAB_MACHINE
rc=0
out=$(LAB_KERNEL=6.1.0-57-amd64 LAB_GUEST_KERNEL=bookworm "$LAB" up 2>&1) || rc=$?
if ((rc == 2)) && [[ $out == *LAB_KERNEL* && $out == *LAB_GUEST_KERNEL* ]]; then ok "LAB_KERNEL with LAB_GUEST_KERNEL is refused (exit 2)"; else not_ok "LAB_KERNEL+LAB_GUEST_KERNEL: exit $rc: $out"; fi

"$LAB" down >>"$LOG" 2>&1 || true
t0=$(date +%s)
if LAB_STACK_NODE01=$S1 LAB_STACK_NODE02=$S2 LAB_GUEST_KERNEL=$GK "$LAB" up >>"$LOG" 2>&1; then
	ok "up with node01=$S1 node02=$S2${GK:+ guest kernel $GK} in $(($(date +%s) - t0)) s"
else
	not_ok "up with node01=$S1 node02=$S2 (see $LOG)"
	exit 1
fi

# status names each node's stack and its libvirt/QEMU versions.
want_versions() { # stack -> regex of "libvirt X, QEMU Y"
	case $1 in
	bookworm) echo 'libvirt 9\.0\.[0-9]+, QEMU 7\.2\.[0-9]+' ;;
	backports) echo 'libvirt 11\.[0-9]+\.[0-9]+, QEMU 10\.[0-9]+\.[0-9]+' ;;
	esac
}
st=$("$LAB" status 2>&1) || true
echo "$st" >>"$LOG"
for pair in "node01 $S1" "node02 $S2"; do
	read -r n s <<<"$pair"
	line=$(grep "^$n: stack " <<<"$st" || true)
	if [[ $line =~ ^$n:\ stack\ $s\ .*:\ $(want_versions "$s")$ ]]; then ok "status: $line"; else not_ok "status for $n ($s): '$line'"; fi
done
check "status exits 0" "$LAB" status

# Migrations back and forth with lab.sh, the guest healthy after each.
fails=0 deaths=0
for ((i = 1; i <= N; i++)); do
	rc=0
	out=$("$LAB" migrate 2>>"$LOG") || rc=$?
	echo "$i: $out" >>"$LOG"
	((rc == 0)) || fails=$((fails + 1))
	"$LAB" health >>"$LOG" 2>&1 || { deaths=$((deaths + 1)) && "$LAB" reset-guest >>"$LOG" 2>&1; } || true
done
if ((fails == 0 && deaths == 0)); then ok "$N migrations back and forth ($S1 <-> $S2), guest healthy after each"; else not_ok "$N migrations: $fails failed, $deaths lab faults (see $LOG)"; fi

# A daemon restarted under the running guest, then migrations both ways.
eval "$("$LAB" env)"
check "restart-node $LAB_SRC_NODE (the guest's node) keeps the guest" "$LAB" restart-node "$LAB_SRC_NODE"
check "migrate after restart-node ($LAB_SRC_NODE -> $LAB_DST_NODE)" "$LAB" migrate
check "migrate back" "$LAB" migrate
check "health after restart-node and 2 migrations" "$LAB" health

# migprobe sees both sides with their versions.
if [[ -n $MIGPROBE ]]; then
	eval "$("$LAB" env)"
	out_dir=$(mktemp -d /tmp/migprobe-stacks-run.XXXXXX)
	rc=0
	# shellcheck disable=SC2086 # LAB_MIGRATE_CMD is a command line
	ip netns exec "$LAB_PROBER_NETNS" "$MIGPROBE" run -t "$LAB_GUEST_IP4" -t "$LAB_GUEST_IP6" \
		--src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
		--repeat 4 --pingpong --quiet --out "$out_dir/run" -- $LAB_MIGRATE_CMD >>"$LOG" 2>&1 || rc=$?
	if ((rc == 0)); then ok "migprobe run --repeat 4 --pingpong ($out_dir/run)"; else not_ok "migprobe run --repeat 4 --pingpong: exit $rc (see $LOG)"; fi
	src_stack=$S1 dst_stack=$S2
	[[ $LAB_SRC_NODE == node02 ]] && src_stack=$S2 dst_stack=$S1
	if "$MIGPROBE" cat "$out_dir/run" >"$out_dir/run.cat.jsonl" 2>>"$LOG" &&
		python3 - "$out_dir/run.cat.jsonl" "$out_dir/run/report.json" "$(want_versions "$src_stack")" "$(want_versions "$dst_stack")" >>"$LOG" 2>&1 <<'EOF'; then
import json, re, sys
path, report, want_src, want_dst = sys.argv[1:]
seen = {}
for line in open(path):
    e = json.loads(line)
    if e.get("type") == "event" and e.get("kind") == "capture_started":
        d = e["detail"]
        seen[e["origin"]] = "libvirt %s, QEMU %s" % (d.get("libvirt_version"), d.get("hypervisor_version"))
print("capture_started:", seen)
assert re.fullmatch(want_src, seen.get("src", "")), ("src", seen)
assert re.fullmatch(want_dst, seen.get("dst", "")), ("dst", seen)
r = json.load(open(report))
res = [x["migration"]["result"] for x in r["migrations"]]
print("migrations:", res)
assert res == ["completed"] * 4, res
EOF
		ok "the run file's capture_started events carry each side's libvirt/QEMU versions; 4 migrations completed"
	else
		not_ok "versions or results in $out_dir/run (see $LOG)"
	fi
	check "guest healthy after migprobe run" "$LAB" health
fi

# down leaves nothing: no process in the namespaces, no namespace, no overlay.
HOSTS=("$LAB_NETNS" "$LAB_NETNS-node01" "$LAB_NETNS-node02")
mapfile -t pids < <(for ns in "${HOSTS[@]}"; do ip netns pids "$ns" 2>/dev/null || true; done)
check "down" "$LAB" down
left=0
for p in "${pids[@]}"; do
	# alive = exists and is not a zombie (PID 1 here may reap lazily)
	st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
	[[ ${st%% *} == [ZX] ]] || { left=$((left + 1)) && echo "left alive: $(tr '\0' ' ' <"/proc/$p/cmdline")" >>"$LOG"; }
done
if ((left == 0)); then ok "down: all ${#pids[@]} lab processes gone"; else not_ok "down: $left lab processes still alive"; fi
for ns in "${HOSTS[@]}"; do
	if [[ ! -e /run/netns/$ns ]]; then ok "down: namespace $ns gone"; else not_ok "down: namespace $ns still there"; fi
done
if ! grep -qs "lowerdir=$LAB_CACHE_DIR/stacks/" /proc/[0-9]*/mountinfo; then
	ok "down: no process has this lab's stack overlay mounted"
else
	not_ok "down: a stack overlay of $LAB_CACHE_DIR is still mounted somewhere"
fi
if [[ ! -e $LAB_DIR ]]; then ok "down: $LAB_DIR removed"; else not_ok "down: $LAB_DIR still there"; fi
