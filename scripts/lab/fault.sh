# shellcheck shell=bash
# Lab faults: sourced by scripts/lab.sh (uses its helpers and knobs).
#
# A lab fault is the lab's guest dying or going bad under it, not something
# migprobe did: the domain runs on no node, its QEMU exited, or its console
# shows a kernel panic, an oops, "BUG:", "Bad page state", or a second boot.
# Rules:
#   - health only reports on the guest; a libvirtd that a test stopped on
#     purpose is not a lab fault (status reports that);
#   - the console of each node is $LAB_DIR/nodeNN/serial.log, for the current
#     guest only: reset-guest moves the old logs to $LAB_DIR/faults/ first, so
#     a fault is never reported twice;
#   - exit 0 = healthy, LAB_FAULT_EXIT (3) = lab fault (evidence printed),
#     1 = no lab to look at.

LAB_FAULT_EXIT=3
# Console lines that mean the guest kernel is broken (grep -E).
LAB_FAULT_CONSOLE='Kernel panic|BUG:|Bad page state|Oops|general protection fault|double fault|invalid opcode|Call Trace|rcu: INFO|watchdog: |Kernel Offset'
# guest-init.sh prints this once per boot.
LAB_BOOT_LINE='migprobe-guest: ready'

# Console text of the current guest on all nodes, each line prefixed by its node.
console_lines() {
	local n f
	for n in "${NODES[@]}"; do
		f=$(node_dir "$n")/serial.log
		[[ -f $f ]] && sed "s/^/$n| /" "$f"
	done
	return 0
}

# Prints one "what" line per fault found (nothing if healthy).
fault_findings() {
	local n st any=0 boots bad
	for n in "${NODES[@]}"; do
		daemon_alive "$n" || continue
		st=$(vsh "$n" domstate "$LAB_DOMAIN" 2>/dev/null || true)
		case "$st" in running | paused | "in shutdown" | pmsuspended) any=1 ;; esac
		[[ $st == crashed ]] && echo "the guest crashed on $n (libvirt state: crashed)"
	done
	((any)) || echo "the guest $LAB_DOMAIN is not running on any node (its QEMU exited or the domain is gone)"
	bad=$(console_lines | grep -E -m1 -- "$LAB_FAULT_CONSOLE" || true)
	[[ -n $bad ]] && echo "the guest console shows a kernel error: ${bad#*| }"
	boots=$(console_lines | grep -c -F -- "$LAB_BOOT_LINE" || true)
	((boots > 1)) && echo "the guest booted $boots times (an unexpected reboot)"
	return 0
}

# Evidence: domain state per node, console excerpt, QEMU log tails.
fault_evidence() {
	local n st qlog lines
	for n in "${NODES[@]}"; do
		if daemon_alive "$n"; then
			st=$(vsh "$n" domstate --reason "$LAB_DOMAIN" 2>&1 || true)
		else
			st="(libvirtd not running)"
		fi
		echo "  $n: domain $LAB_DOMAIN: $st"
	done
	lines=$(console_lines | grep -E -n -- "$LAB_FAULT_CONSOLE" | head -n1 | cut -d: -f1 || true)
	echo "  guest console ($LAB_DIR/node0N/serial.log):"
	if [[ -n $lines ]]; then
		console_lines | sed -n "$((lines > 3 ? lines - 3 : 1)),$((lines + 25))p" | sed 's/^/    /'
	else
		console_lines | tail -n 8 | sed 's/^/    /'
	fi
	for n in "${NODES[@]}"; do
		qlog=$(node_dir "$n")/log/qemu/$LAB_DOMAIN.log
		[[ -f $qlog ]] || continue
		echo "  QEMU log of $n (last lines of $qlog):"
		grep -v -E '(\\$|^[A-Z_]+=)' "$qlog" | tail -n 6 | sed 's/^/    /' || true
	done
}

cmd_health() {
	need_root health
	require_lab
	local what
	what=$(fault_findings)
	if [[ -z $what ]]; then
		echo "lab health: ok (guest $LAB_DOMAIN runs on $(current_node), console clean)"
		return 0
	fi
	sed 's/^/LAB FAULT: /' <<<"$what"
	fault_evidence
	return "$LAB_FAULT_EXIT"
}

# For `down` when LAB_FAULT_LOG is set: keep a fault's evidence before the
# lab directory goes (tests that bring their own lab up and down use this).
record_fault_before_down() {
	[[ -n ${LAB_FAULT_LOG:-} ]] || return 0
	netns_exists || return 0
	local what
	what=$(fault_findings)
	[[ -n $what ]] || return 0
	{
		echo "(seen by lab.sh down at $(date +%T))"
		sed 's/^/LAB FAULT: /' <<<"$what"
		fault_evidence
	} >>"$LAB_FAULT_LOG" 2>&1
}

# Moves the current console logs aside (kept until down) so that the next
# guest starts with a clean console.
rotate_console_logs() {
	local n f stamp
	stamp=$(date +%H%M%S.%N)
	mkdir -p "$LAB_DIR/faults"
	for n in "${NODES[@]}"; do
		f=$(node_dir "$n")/serial.log
		[[ -s $f ]] && mv "$f" "$LAB_DIR/faults/$stamp-$n-serial.log"
		rm -f "$f"
	done
	return 0
}

# Destroys the guest wherever it is and boots a fresh one on node01, without
# touching the namespace or the daemons (a dead daemon is restarted).
cmd_reset_guest() {
	need_root reset-guest
	require_lab
	local n t0 qpid
	t0=$(now_us)
	for n in "${NODES[@]}"; do
		daemon_alive "$n" || start_node "$n"
		vsh "$n" destroy "$LAB_DOMAIN" >/dev/null 2>&1 || true
		vsh "$n" undefine "$LAB_DOMAIN" >/dev/null 2>&1 || true
		rm -f "$(node_dir "$n")/disk.img"
	done
	rotate_console_logs
	boot_on_node01
	qpid=$BOOTED_QPID
	if ! wait_for_guest "$LAB_BOOT_TIMEOUT"; then
		tail -n 20 "$LAB_DIR/node01/serial.log" >&2 2>/dev/null || true
		die "the fresh guest did not answer $(answer_kind) within ${LAB_BOOT_TIMEOUT}s (serial log: $LAB_DIR/node01/serial.log)"
	fi
	echo "guest reset: a fresh $LAB_DOMAIN runs on node01 (qemu pid $qpid), up in $(fmt_s $(($(now_us) - t0))) s"
}

# The guest is gone where a command needs it: say why, as a lab fault.
lab_fault_exit() { # context
	{
		echo "lab.sh: $1: the guest $LAB_DOMAIN is not running on any node"
		fault_findings | sed 's/^/LAB FAULT: /'
		fault_evidence
	} >&2
	exit "$LAB_FAULT_EXIT"
}
