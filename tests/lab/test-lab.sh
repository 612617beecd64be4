#!/usr/bin/env bash
# Tests for scripts/lab.sh (the three-host lab: two libvirt nodes and a prober). Needs root; installs
# what the lab needs on first use (apt). Run: bash tests/lab/test-lab.sh
#   KEEP_LAB=1   leave the lab up at the end (if everything passed), for
#                later integration tests: eval "$(scripts/lab.sh env)"
# The last line is always "N passed, M failed"; the exit status is 0 only if
# M is 0.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB=$ROOT/scripts/lab.sh
export LAB_DIR=${LAB_DIR:-/tmp/migprobe-lab}
export LAB_NETNS=${LAB_NETNS:-migprobe-lab}
export LAB_DOMAIN=${LAB_DOMAIN:-migvm}
KEEP_LAB=${KEEP_LAB:-0}
IP4=192.0.2.10
IP6=2001:db8::10
# shellcheck source=lab-hosts.sh
source "$ROOT/tests/lab/lab-hosts.sh"

passed=0
failed=0
LOG=$(mktemp /tmp/migprobe-lab-test.XXXXXX.log)

ok() {
	passed=$((passed + 1))
	echo "ok   - $*"
}
not_ok() {
	failed=$((failed + 1))
	echo "FAIL - $*"
}
check() { # description command...
	local what=$1
	shift
	if "$@" >>"$LOG" 2>&1; then ok "$what"; else not_ok "$what"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	((failed == 0))
}

# Exists and is not a zombie (an exited process waiting for PID 1 to reap it).
pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ ${st%% *} != [ZX] ]]
}

uri() { echo "qemu:///system?socket=$LAB_DIR/$1/libvirt-sock"; }
domstate() { virsh -q -c "$(uri "$1")" domstate "$LAB_DOMAIN" 2>/dev/null || echo absent; }
ping_retry() { # family addr: up to 5 tries
	local i
	for ((i = 0; i < 5; i++)); do
		ip netns exec "$LAB_NETNS" ping "-$1" -c 1 -W 1 -q "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

# The guest must run on $1 and be absent or shut off on the other node, and
# answer ping on both families.
check_guest_on() {
	local on=$1 off=$2 st
	st=$(domstate "$on")
	if [[ $st == running ]]; then ok "libvirt on $on reports $LAB_DOMAIN running"; else not_ok "libvirt on $on reports $LAB_DOMAIN '$st', want running"; fi
	st=$(domstate "$off")
	if [[ $st == absent || $st == "shut off" ]]; then ok "libvirt on $off reports $LAB_DOMAIN $st"; else not_ok "libvirt on $off reports $LAB_DOMAIN '$st', want absent/shut off"; fi
	check "guest answers ping on $IP4 (on $on)" ping_retry 4 "$IP4"
	check "guest answers ping on $IP6 (on $on)" ping_retry 6 "$IP6"
}

# Everything the lab may have started: recorded PIDs, QEMU pidfiles, netns members.
lab_pids() {
	{
		[[ -f $LAB_DIR/pids ]] && awk '{print $2}' "$LAB_DIR/pids"
		cat "$LAB_DIR"/node0[12]/run/qemu/*.pid "$LAB_DIR"/node0[12]/libvirtd.pid 2>/dev/null
		for ns in "$LAB_NETNS" "$LAB_NETNS-node01" "$LAB_NETNS-node02"; do
			[[ -e /run/netns/$ns ]] && ip netns pids "$ns"
		done
	} 2>/dev/null | grep -E '^[0-9]+$' | sort -un || true
}

# After down: no namespace, no mount, no process, no LAB_DIR.
check_nothing_left() { # label pids...
	local label=$1 p alive=() found=() ns left=()
	shift
	for ns in "$LAB_NETNS" "$LAB_NETNS-node01" "$LAB_NETNS-node02"; do
		if [[ -e /run/netns/$ns ]] || ip netns list | grep -qw -- "$ns"; then left+=("$ns"); fi
	done
	if ((${#left[@]})); then
		not_ok "$label: network namespaces still there: ${left[*]}"
	else ok "$label: no network namespace left"; fi
	if grep -qE "$LAB_DIR|/run/netns/$LAB_NETNS" /proc/self/mountinfo; then
		not_ok "$label: mounts left: $(grep -E "$LAB_DIR|/run/netns/$LAB_NETNS" /proc/self/mountinfo | head -3)"
	else ok "$label: no mount left"; fi
	for p in "$@"; do pid_alive "$p" && alive+=("$p"); done
	# Also any process whose command line names the lab directory (QEMU does).
	for p in /proc/[0-9]*; do
		[[ -r $p/cmdline ]] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$LAB_DIR/" && found+=("${p#/proc/}")
	done
	if ((${#alive[@]} + ${#found[@]})); then
		not_ok "$label: processes left: ${alive[*]} ${found[*]}"
	else ok "$label: no process left (checked ${#} recorded PIDs)"; fi
	if [[ -e $LAB_DIR ]]; then not_ok "$label: $LAB_DIR still exists"; else ok "$label: $LAB_DIR removed"; fi
}

teardown() {
	local rc=$?
	trap - EXIT
	if [[ $KEEP_LAB == 1 && $failed == 0 && $rc == 0 ]]; then
		echo "KEEP_LAB=1: the lab stays up ($LAB status / $LAB down)"
	else
		"$LAB" down >>"$LOG" 2>&1 || echo "warning: $LAB down failed (see $LOG)"
	fi
	if ((failed)); then echo "log: $LOG"; else rm -f "$LOG"; fi
	((rc == 0)) || not_ok "test script stopped early (exit $rc)"
	# The summary is always the last line.
	if finish; then exit 0; else exit 1; fi
}

if [[ $(id -u) != 0 ]]; then
	echo "tests/lab/test-lab.sh must run as root (network namespaces, libvirtd)"
	not_ok "running as root"
	finish
	exit 1
fi
if [[ -e $LAB_DIR/lab.state || -e /run/netns/$LAB_NETNS || -e /run/netns/$LAB_NETNS-node01 || -e /run/netns/$LAB_NETNS-node02 ]]; then
	echo "a lab is already up in $LAB_DIR (netns $LAB_NETNS): run '$LAB down' first, or set LAB_DIR/LAB_NETNS"
	not_ok "no lab up before the test"
	finish
	exit 1
fi
trap teardown EXIT

echo "# command line"
rc=0
"$LAB" frobnicate >>"$LOG" 2>&1 || rc=$?
if ((rc == 2)); then ok "unknown command exits 2"; else not_ok "unknown command exits $rc, want 2"; fi
rc=0
"$LAB" suspend-for 250 >>"$LOG" 2>&1 || rc=$?
if ((rc == 2)); then ok "suspend-for without a unit exits 2"; else not_ok "suspend-for without a unit exits $rc, want 2"; fi
check "help prints usage" bash -c "'$LAB' help | grep -q 'suspend-for'"
rc=0
"$LAB" status >>"$LOG" 2>&1 || rc=$?
if ((rc != 0)); then ok "status exits non-zero when the lab is down ($rc)"; else not_ok "status exits 0 with no lab"; fi
rc=0
"$LAB" migrate >>"$LOG" 2>&1 || rc=$?
if ((rc != 0)); then ok "migrate exits non-zero when the lab is down ($rc)"; else not_ok "migrate exits 0 with no lab"; fi
check "down with no lab is fine" "$LAB" down

echo "# a failed up cleans up after itself"
rc=0
LAB_BOOT_TIMEOUT=0 "$LAB" up >>"$LOG" 2>&1 || rc=$?
if ((rc != 0)); then ok "up with LAB_BOOT_TIMEOUT=0 fails ($rc)"; else not_ok "up with LAB_BOOT_TIMEOUT=0 succeeded"; fi
check_nothing_left "after a failed up"

echo "# failure in the middle: migration to a killed destination daemon"
if "$LAB" up >>"$LOG" 2>&1; then
	ok "up"
	check_guest_on node01 node02
	kill -KILL "$(cat "$LAB_DIR/node02/libvirtd.pid")"
	rc=0
	"$LAB" migrate >>"$LOG" 2>&1 || rc=$?
	if ((rc != 0)); then ok "migrate to a dead node02 fails ($rc)"; else not_ok "migrate to a dead node02 succeeded"; fi
	st=$(domstate node01)
	if [[ $st == running ]]; then ok "guest still running on node01 after the failed migration"; else not_ok "guest on node01 is '$st' after the failed migration"; fi
	rc=0
	"$LAB" status >>"$LOG" 2>&1 || rc=$?
	if ((rc != 0)); then ok "status reports the broken lab ($rc)"; else not_ok "status exits 0 with node02 dead"; fi
	mapfile -t pids < <(lab_pids)
	check "down after the failure" "$LAB" down
	check_nothing_left "after down (failure case)" "${pids[@]}"
else
	not_ok "up (see $LOG)"
	"$LAB" down >>"$LOG" 2>&1 || true
fi

echo "# a guest that drops ICMP echo: the TCP echo listener answers, on both nodes"
check_drop_icmp
check_nothing_left "after the ICMP-drop lab"

echo "# up, migrate node01 -> node02 -> node01 (--copy-storage-all), down"
t0=$(date +%s)
if "$LAB" up >>"$LOG" 2>&1; then
	ok "up in $(($(date +%s) - t0)) s"
	check_guest_on node01 node02
	check_three_hosts
	check_remote_uris node01
	check_mac_on_port node01
	check "status exits 0" "$LAB" status
	for n in node01 node02; do
		nets=$(virsh -q -c "$(uri "$n")" net-list --all --name 2>>"$LOG" | grep -c . || true)
		if [[ $nets == 0 ]]; then ok "$n has no libvirt network (no default NAT network)"; else not_ok "$n has $nets libvirt network(s)"; fi
	done
	if ip -br addr | grep -qF "$IP4"; then not_ok "guest address visible outside the lab namespace"; else ok "guest addresses exist only inside the lab namespace"; fi
	if env_out=$("$LAB" env 2>>"$LOG") && eval "$env_out"; then
		ok "eval \"\$(lab.sh env)\""
		if [[ ${LAB_SRC_NODE:-} == node01 && ${LAB_DST_NODE:-} == node02 && ${LAB_SRC_URI:-} == qemu+ssh://root@192.0.2.11/* &&
			${LAB_DST_URI:-} == qemu+ssh://root@192.0.2.12/* && ${LAB_GUEST_IP4:-} == "$IP4" && ${LAB_GUEST_IP6:-} == "$IP6" &&
			${LAB_DOMAIN:-} == "$LAB_DOMAIN" && ${LAB_NETNS:-} == "$LAB_NETNS" && ${LAB_PROBER_NETNS:-} == "$LAB_NETNS" &&
			${LAB_GUEST_TCP_PORT:-} == 7 && -n ${LAB_MIGRATE_CMD:-} ]]; then
			ok "env values (src=$LAB_SRC_NODE dst=$LAB_DST_NODE)"
		else not_ok "env values: $env_out"; fi
	else
		not_ok "lab.sh env"
	fi
	# There over qemu+ssh:// (LAB_MIGRATE_CMD), back over qemu+tcp://.
	for hop in "node01 node02 ssh" "node02 node01 tcp"; do
		read -r from to transport <<<"$hop"
		if [[ $transport == ssh ]]; then cmd=$LAB_MIGRATE_CMD; else cmd="env LAB_URI_TRANSPORT=tcp $LAB migrate"; fi
		out=$(bash -c "$cmd" 2>>"$LOG") && rc=0 || rc=$?
		echo "$out" >>"$LOG"
		if ((rc == 0)) && [[ $out == *"migrated $from -> $to"* ]]; then
			ok "migrate $from -> $to over qemu+$transport: ${out#migrated }"
		else not_ok "migrate $from -> $to (exit $rc): $out"; fi
		check_guest_on "$to" "$from"
		check_mac_on_port "$to"
		eval "$("$LAB" env 2>>"$LOG")"
		if [[ $LAB_SRC_NODE == "$to" ]]; then ok "env now says the guest is on $to"; else not_ok "env says LAB_SRC_NODE=$LAB_SRC_NODE after moving to $to"; fi
	done
	out=$("$LAB" suspend-for 200ms 2>>"$LOG") && rc=0 || rc=$?
	echo "$out" >>"$LOG"
	if ((rc == 0)) && [[ $out =~ paused_ns=([0-9]+)\ resumed_ns=([0-9]+) ]]; then
		win=$(((BASH_REMATCH[2] - BASH_REMATCH[1]) / 1000))
		if ((win > 170000 && win < 260000)); then ok "suspend-for 200ms paused the guest for ${win} us"; else not_ok "suspend-for 200ms: window ${win} us"; fi
	else not_ok "suspend-for 200ms (exit $rc): $out"; fi
	check "guest answers after suspend-for" ping_retry 4 "$IP4"
	# A libvirtd restarted under its running guest rebuilds the live CPU
	# definition; migrating then once failed with "Target CPU does not match
	# source" (the guest XML now names its CPU).
	check "restart-node node01 (the guest's node)" "$LAB" restart-node node01
	for hop in "node01 node02" "node02 node01"; do
		check "migrate ${hop/ / -> } after restart-node" bash -c "$LAB_MIGRATE_CMD"
	done
	check_guest_on node01 node02
	check_migprobe_run
	check_guest_on node02 node01
	check_mac_on_port node02
	if [[ $KEEP_LAB != 1 ]]; then
		mapfile -t pids < <(lab_pids)
		t0=$(date +%s)
		check "down" "$LAB" down
		check_nothing_left "after down" "${pids[@]}"
		check "down twice is fine" "$LAB" down
	fi
else
	not_ok "up (see $LOG)"
fi

# teardown (EXIT trap) prints the summary and sets the exit status
