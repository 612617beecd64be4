# shellcheck shell=bash
# up (in steps, each timed), down (whatever up made, also of a failed up),
# and the memory the lab's processes use.
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

# The steps of up, in order; OS_LAB_UNTIL=STEP stops after STEP.
UP_STEPS=(infra keystone services computes network server)
step_infra() { make_ctl_netns && make_lab_etc && start_mariadb && start_rabbitmq; }
step_keystone() { start_keystone && register_services; }
# Once keystone is up, the controller's services need only it, MariaDB and
# RabbitMQ, not each other: they start side by side (their database
# migrations are most of the time), and the guest's images go to glance as
# soon as it answers.
step_services() { in_parallel glance_and_images start_placement start_nova_controller start_neutron_server; }
glance_and_images() { start_glance && make_images; }
step_computes() { start_computes; }
step_network() { make_network; }
step_server() { boot_server; }

# in_parallel FUNCTION...: each in a subshell of its own, all at once; fails
# (naming them) if any failed. Each one's time goes to the timings file.
in_parallel() {
	local f i t pids=() failed=()
	for f in "$@"; do
		(
			t=$(now_s)
			"$f"
			echo "  $f $(($(now_s) - t))" >>"$(os_dir)/timings.parallel"
		) &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${*:i+1:1}"); done
	((${#failed[@]} == 0)) || die "failed: ${failed[*]} (logs: $(os_dir)/log/)"
}

# The lab hosts' /etc/hosts (controller, node01, node02) and a resolv.conf
# without a name server: the host's DNS server is unreachable from the lab's
# namespaces, and each lookup (nova, keystone, sudo resolve host names) would
# otherwise wait for its time-out (5-10 s a request). `ip netns exec` binds
# /etc/netns/NAME/* over /etc/* (the prober's and the controller's daemons);
# the nodes' daemons get them bound in their mount namespace (compute.sh).
netns_etc_dir() { echo "/etc/netns/$1"; }
make_lab_etc() {
	local ns
	printf '%s\n' "127.0.0.1 localhost" "::1 localhost" "$OS_CTL_IP4 controller" \
		"$OS_NODE01_IP4 node01" "$OS_NODE02_IP4 node02" >"$(os_dir)/etc/hosts"
	echo "# migprobe openstack-lab: no DNS in the lab" >"$(os_dir)/etc/resolv.conf"
	for ns in "$LAB_NETNS" "$(ctl_netns)"; do
		mkdir -p "$(netns_etc_dir "$ns")"
		echo "$(netns_etc_dir "$ns")" >>"$(os_dir)/etc-netns"
		cp "$(os_dir)/etc/hosts" "$(os_dir)/etc/resolv.conf" "$(netns_etc_dir "$ns")/"
	done
}
remove_lab_etc() {
	local d
	[[ -f $(os_dir)/etc-netns ]] || return 0
	while read -r d; do
		[[ $d == /etc/netns/* ]] || continue
		rm -f "$d/hosts" "$d/resolv.conf"
		rmdir "$d" 2>/dev/null || true
	done <"$(os_dir)/etc-netns"
	rmdir /etc/netns 2>/dev/null || true
}

up_failed() {
	local rc=$?
	trap - EXIT
	((rc == 0)) && return 0
	say "up failed (exit $rc); logs in $(os_dir)/log"
	if ((OS_KEEP_FAILED)); then
		say "OS_LAB_KEEP_FAILED=1: left in place; clean up with $OS_SH down"
	else
		say "cleaning up (OS_LAB_KEEP_FAILED=1 keeps it for debugging)"
		cmd_down >&2 || true
	fi
	exit "$rc"
}

cmd_up() {
	need_root up
	validate_knobs
	[[ -z $OS_UNTIL || " ${UP_STEPS[*]} " == *" $OS_UNTIL "* ]] ||
		usage_error "OS_LAB_UNTIL must be one of: ${UP_STEPS[*]}; got '$OS_UNTIL'"
	[[ -e $LAB_DIR || -e /run/netns/$LAB_NETNS || -e /run/netns/$(ctl_netns) ]] &&
		die "a lab exists ($LAB_DIR or netns $LAB_NETNS): run $OS_SH down first"
	local t0 t s
	t0=$(now_s)
	install_os_packages
	local t_pkg=$(($(now_s) - t0))
	t=$(now_s)
	say "base lab (scripts/lab.sh up) in $LAB_DIR, namespaces $LAB_NETNS*"
	base_lab up >&2 || die "scripts/lab.sh up failed"
	trap up_failed EXIT
	# nova's server takes the place of the plain lab's guest.
	virsh -q -c "$(node_libvirt_uri node01)" destroy "$OS_LAB_GUEST" >/dev/null
	virsh -q -c "$(node_libvirt_uri node01)" undefine "$OS_LAB_GUEST" >/dev/null
	mkdir -p "$(os_dir)"/{etc,log,run}
	: >"$(os_dir)/pids"
	make_passwords
	echo "base_lab $(($(now_s) - t))" >"$(os_dir)/timings"
	for s in "${UP_STEPS[@]}"; do
		t=$(now_s)
		"step_$s"
		echo "$s $(($(now_s) - t))" >>"$(os_dir)/timings"
		[[ $s == "$OS_UNTIL" ]] && break
	done
	trap - EXIT
	write_openrc
	say "up in $(($(now_s) - t0)) s (packages $t_pkg s, start $(($(now_s) - t0 - t_pkg)) s; steps: $(tr '\n' ' ' <"$(os_dir)/timings"); side by side in services:$({ tr -s '\n ' ' ' <"$(os_dir)/timings.parallel"; } 2>/dev/null))"
	say "memory: $(lab_memory_mib) MiB (PSS of every process in the lab's namespaces)"
	say "for tools: eval \"\$($OS_SH env)\""
}

write_openrc() {
	admin_env
	printf 'export %s\n' "${ADMIN_ENV[@]}" >"$(os_dir)/admin-openrc"
	chmod 600 "$(os_dir)/admin-openrc"
}

# The recorded daemons that are still alive.
recorded_pids() {
	local p
	[[ -f $(os_dir)/pids ]] || return 0
	while read -r _ p; do [[ $p =~ ^[0-9]+$ ]] && pid_alive "$p" && echo "$p"; done <"$(os_dir)/pids"
	return 0
}
lab_netns_all() { printf '%s\n' "$(ctl_netns)" "$LAB_NETNS" "$(node_netns node01)" "$(node_netns node02)"; }
# Every process of the lab: recorded, or in one of its namespaces (nsenter'd
# daemons sit in the nodes' network namespaces).
lab_pids() {
	local ns
	recorded_pids
	for ns in $(lab_netns_all); do
		[[ -e /run/netns/$ns ]] && { ip netns pids "$ns" 2>/dev/null || true; }
	done
	return 0
}
lab_memory_mib() {
	local p kb=0 v
	for p in $(lab_pids | sort -un); do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
		kb=$((kb + ${v:-0}))
	done
	echo $((kb / 1024))
}

cmd_down() {
	need_root down
	validate_knobs
	local pids ns
	# The OpenStack daemons first (nova-compute before the libvirtd it uses).
	mapfile -t pids < <(recorded_pids)
	((${#pids[@]})) && say "stopping OpenStack daemons: ${pids[*]}" && kill_wait "${pids[@]}"
	ns=$(ctl_netns)
	if [[ -e /run/netns/$ns ]]; then
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
		((${#pids[@]})) && kill_wait "${pids[@]}"
		say "deleting network namespace $ns"
		ip netns del "$ns"
	fi
	remove_lab_etc
	# The base lab: its namespaces' processes (QEMU, libvirtd, sshd), namespaces, files.
	base_lab down >&2 || die "scripts/lab.sh down failed"
	say "down"
}
