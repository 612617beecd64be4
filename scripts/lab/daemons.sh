# shellcheck shell=bash
# The two libvirt daemons (node01, node02): configuration, start, restart.
# Each runs in its node's network namespace and its own mount namespace, and
# listens on its UNIX socket in the node directory (what lab.sh itself uses)
# and on TCP port 16509 of its lab address, without authentication (reached
# only from inside the lab's namespaces: qemu+tcp://).
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

write_node_config() { # node index
	local n=$1 i=$2 d uuid pmin
	d=$(node_dir "$n")
	mkdir -p "$d"/{etc/qemu,run,lib,log} "$(node_caps_dir "$n")"
	uuid=$(cat /proc/sys/kernel/random/uuid)
	pmin=$((49152 + i * 100))
	cat >"$d/etc/libvirtd.conf" <<EOF
# migprobe lab $n
unix_sock_dir = "$d"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "$uuid"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
keepalive_interval = 5
keepalive_count = 5
listen_tls = 0
listen_tcp = 1
listen_addr = "$(node_ip4 "$n")"
auth_tcp = "none"
EOF
	cat >"$d/etc/qemu.conf" <<EOF
# migprobe lab $n
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
dynamic_ownership = 0
remember_owner = 0
migration_port_min = $pmin
migration_port_max = $((pmin + 49))
EOF
}

start_node() { # node
	local n=$1 d pid i
	d=$(node_dir "$n")
	# Private mounts for this daemon only: its own /etc/libvirt, /run/libvirt,
	# /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt.
	mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
	# A node on a stack from the cache sees that stack's tree laid over /usr
	# (read-only overlayfs), so libvirtd and the QEMU it starts are that stack's.
	# shellcheck disable=SC2016 # expanded by the inner sh
	# With LAB_NODE_HOSTNAME=1 it also gets a UTS namespace named after the node.
	local uts=()
	((LAB_NODE_HOSTNAME)) && uts=(-u)
	setsid ip netns exec "$(node_netns "$n")" unshare -m "${uts[@]}" --propagation private -- /bin/sh -c '
		set -e
		d=$1
		if [ -n "$4" ]; then hostname "$4"; fi
		if [ -n "$3" ]; then mount -t overlay -o "lowerdir=$3/usr:/usr" migprobe-stack /usr; fi
		mount --bind "$d/etc" /etc/libvirt
		mount --bind "$d/run" /run/libvirt
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/log" /var/log/libvirt
		mount --bind "$2" /var/cache/libvirt
		exec libvirtd --listen -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid
	' sh "$d" "$(node_caps_dir "$n")" "$(node_stack_root "$n")" "${uts:+$n}" </dev/null >"$d/libvirtd.out" 2>&1 &
	pid=$!
	record_pid "libvirtd-$n" "$pid"
	echo "$pid" >"$d/libvirtd.pid"
	for ((i = 0; i < 150; i++)); do
		if ! pid_alive "$pid"; then
			tail -n 20 "$d/libvirtd.out" "$d/log/libvirtd.log" >&2 2>/dev/null || true
			die "libvirtd for $n exited at start (logs: $d/libvirtd.out, $d/log/libvirtd.log)"
		fi
		if [[ -S $d/libvirt-sock ]] && vsh "$n" uri >/dev/null 2>&1; then
			say "$n: libvirtd pid $pid, $(node_uri "$n")"
			return 0
		fi
		sleep 0.1
	done
	die "libvirtd for $n did not answer on $d/libvirt-sock within 15 s (log: $d/log/libvirtd.log)"
}

cmd_restart_node() { # node
	local n=$1 f
	[[ $n == node01 || $n == node02 ]] || usage_error "restart-node takes node01 or node02, not '$n'"
	require_lab
	f=$(node_dir "$n")/libvirtd.pid
	[[ -s $f ]] && kill_wait "$(cat "$f")"
	say "$n: libvirtd stopped"
	start_node "$n"
}

# PIDs that belong to this lab: recorded ones, QEMU pidfiles, and anything
