# shellcheck shell=bash
# Bringing the lab up and down. `down` removes whatever `up` made, also of a
# half-made lab: processes (recorded, in pidfiles, or in one of the lab's
# namespaces: libvirtd, QEMU, sshd and its sessions), namespaces, files.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

up_failed() {
	local rc=$?
	trap - EXIT
	((rc == 0)) && return 0
	say "up failed (exit $rc)"
	if [[ $LAB_KEEP_FAILED == 1 ]]; then
		say "LAB_KEEP_FAILED=1: left in place for debugging; clean up with scripts/lab.sh down"
	else
		say "cleaning up (set LAB_KEEP_FAILED=1 to keep it for debugging)"
		cmd_down >&2 || true
	fi
	exit "$rc"
}

cmd_up() {
	need_root up
	validate_knobs
	validate_kernel_choice
	if load_state 2>/dev/null || any_lab_netns; then
		die "a lab already exists ($LAB_DIR/lab.state or netns $LAB_NETNS, $LAB_NETNS-node01 or $LAB_NETNS-node02): run scripts/lab.sh down first"
	fi
	if [[ -e $LAB_DIR && ! -e $LAB_DIR/$MARKER ]] && [[ -n $(ls -A "$LAB_DIR" 2>/dev/null) ]]; then
		die "LAB_DIR=$LAB_DIR exists, is not empty and is not a lab directory: pick another LAB_DIR"
	fi
	local t0 n i
	t0=$(now_us)
	install_packages
	ensure_qemu_account
	stacks_prepare
	pick_kernel
	mkdir -p "$LAB_DIR" "$LAB_CACHE_DIR"
	touch "$LAB_DIR/$MARKER"
	: >"$LAB_DIR/pids"
	trap up_failed EXIT
	DOMAIN_UUID=$(cat /proc/sys/kernel/random/uuid)
	write_state
	build_guest
	make_network
	make_ssh_files
	i=0
	for n in "${NODES[@]}"; do
		write_node_config "$n" "$i"
		start_node "$n"
		start_sshd "$n"
		render_domain_xml "$n"
		i=$((i + 1))
	done
	# node02 probes QEMU's capabilities while the guest boots, not during the
	# first migration (libvirt caches them in $LAB_CACHE_DIR/libvirt-node0X).
	vsh node02 domcapabilities --virttype qemu >/dev/null 2>&1 &
	local warm_pid=$!
	local qpid
	boot_on_node01
	qpid=$BOOTED_QPID
	say "guest $LAB_DOMAIN started on node01 (qemu pid $qpid); waiting for $(answer_kind) on $LAB_GUEST_IP4 and $LAB_GUEST_IP6"
	if ! wait_for_guest "$LAB_BOOT_TIMEOUT"; then
		tail -n 20 "$LAB_DIR/node01/serial.log" >&2 2>/dev/null || true
		die "the guest did not answer $(answer_kind) on both $LAB_GUEST_IP4 and $LAB_GUEST_IP6 within ${LAB_BOOT_TIMEOUT}s (serial log: $LAB_DIR/node01/serial.log)"
	fi
	trap - EXIT
	wait "$warm_pid" || true
	local t1
	t1=$(now_us)
	cat <<EOF
lab is up in $(fmt_s $((t1 - t0))) s
  node01:     $LAB_NODE01_IP4  $(remote_uri node01)   (guest runs here)
  node02:     $LAB_NODE02_IP4  $(remote_uri node02)
  guest:      $LAB_DOMAIN  $LAB_GUEST_IP4  $LAB_GUEST_IP6  (TCP echo on port $LAB_GUEST_TCP_PORT$( ((LAB_GUEST_DROP_ICMP)) && echo ", ICMP echo dropped"))
  prober:     ip netns exec $LAB_NETNS <command>   (the nodes: $(node_netns node01), $(node_netns node02))
  migrate:    $LAB_SH migrate
  for tools:  eval "\$($LAB_SH env)"
EOF
	if stacks_wanted; then stack_summary; fi
}

lab_pids() {
	local p f
	if [[ -f $LAB_DIR/pids ]]; then
		while read -r _ p; do [[ $p =~ ^[0-9]+$ ]] && pid_alive "$p" && echo "$p"; done <"$LAB_DIR/pids"
	fi
	for f in "$LAB_DIR"/node0[12]/run/qemu/*.pid "$LAB_DIR"/node0[12]/libvirtd.pid; do
		[[ -s $f ]] || continue
		p=$(cat "$f")
		[[ $p =~ ^[0-9]+$ ]] && pid_alive "$p" && echo "$p"
	done
	local ns
	for ns in $(lab_netns_all); do
		[[ -e /run/netns/$ns ]] && { ip netns pids "$ns" 2>/dev/null || true; }
	done
	return 0
}

cmd_down() {
	need_root down
	local had_state=0 n pids
	load_state && had_state=1
	validate_knobs
	((had_state)) && record_fault_before_down
	if ((had_state)); then
		for n in "${NODES[@]}"; do
			daemon_alive "$n" || continue
			vsh "$n" destroy "$LAB_DOMAIN" >/dev/null 2>&1 || true
		done
	fi
	mapfile -t pids < <(lab_pids | sort -un)
	if ((${#pids[@]})); then
		say "stopping processes: ${pids[*]}"
		kill_wait "${pids[@]}"
	fi
	# A second pass for anything that appeared meanwhile (e.g. a QEMU spawned late).
	mapfile -t pids < <(lab_pids | sort -un)
	((${#pids[@]})) && kill_wait "${pids[@]}"
	delete_network
	if [[ -d $LAB_DIR ]]; then
		if [[ -e $LAB_DIR/$MARKER ]]; then
			if grep -qF " $LAB_DIR/" /proc/self/mountinfo; then
				die "something is still mounted under $LAB_DIR; not removing it (see /proc/self/mountinfo)"
			fi
			rm -rf -- "$LAB_DIR"
		else
			say "not removing $LAB_DIR: it is not a lab directory (no $MARKER)"
		fi
	fi
	say "down"
}
