# shellcheck shell=bash
# What the lab is: env (for eval) and status. The URIs in env are remote
# (qemu+ssh:// by default, qemu+tcp:// with LAB_URI_TRANSPORT=tcp) and work from
# the prober host, $LAB_PROBER_NETNS (= $LAB_NETNS, where callers run
# migprobe); the *_LOCAL_URI are the nodes' UNIX sockets (from anywhere).
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

cmd_env() {
	need_root env
	require_lab
	local src dst
	src=$(current_node)
	[[ -n $src ]] || lab_fault_exit "env"
	dst=$(other_node "$src")
	local -A v=(
		[LAB_DIR]=$LAB_DIR
		[LAB_NETNS]=$LAB_NETNS
		[LAB_PROBER_NETNS]=$LAB_NETNS
		[LAB_NODE01_NETNS]=$(node_netns node01)
		[LAB_NODE02_NETNS]=$(node_netns node02)
		[LAB_NODE01_IP4]=$LAB_NODE01_IP4
		[LAB_NODE02_IP4]=$LAB_NODE02_IP4
		[LAB_EXEC]="ip netns exec $LAB_NETNS"
		[LAB_URI_TRANSPORT]=$LAB_URI_TRANSPORT
		[LAB_GUEST_TCP_PORT]=$LAB_GUEST_TCP_PORT
		[LAB_GUEST_DROP_ICMP]=$LAB_GUEST_DROP_ICMP
		[LAB_SSH_CONFIG]=$(ssh_dir)/config
		[LAB_DOMAIN]=$LAB_DOMAIN
		[LAB_GUEST_IP4]=$LAB_GUEST_IP4
		[LAB_GUEST_IP6]=$LAB_GUEST_IP6
		[LAB_GUEST_MAC]=$LAB_GUEST_MAC
		[LAB_BRIDGE]=$LAB_BRIDGE
		[LAB_SRC_NODE]=$src
		[LAB_DST_NODE]=$dst
		[LAB_SRC_URI]=$(remote_uri "$src")
		[LAB_DST_URI]=$(remote_uri "$dst")
		[LAB_NODE01_URI]=$(remote_uri node01)
		[LAB_NODE02_URI]=$(remote_uri node02)
		[LAB_SRC_LOCAL_URI]=$(node_uri "$src")
		[LAB_DST_LOCAL_URI]=$(node_uri "$dst")
		[LAB_MIGRATE_CMD]="env LAB_DIR=$LAB_DIR LAB_URI_TRANSPORT=$LAB_URI_TRANSPORT $LAB_SH migrate"
	)
	local k
	for k in LAB_DIR LAB_NETNS LAB_PROBER_NETNS LAB_NODE01_NETNS LAB_NODE02_NETNS LAB_EXEC \
		LAB_DOMAIN LAB_GUEST_IP4 LAB_GUEST_IP6 LAB_GUEST_MAC LAB_GUEST_TCP_PORT LAB_GUEST_DROP_ICMP \
		LAB_BRIDGE LAB_NODE01_IP4 LAB_NODE02_IP4 LAB_SRC_NODE LAB_DST_NODE LAB_URI_TRANSPORT \
		LAB_SRC_URI LAB_DST_URI LAB_NODE01_URI LAB_NODE02_URI LAB_SRC_LOCAL_URI LAB_DST_LOCAL_URI \
		LAB_SSH_CONFIG LAB_MIGRATE_CMD; do
		printf 'export %s=%s\n' "$k" "$(shquote "${v[$k]}")"
	done
	guests_env
}

cmd_status() {
	need_root status
	if ! load_state; then
		echo "lab: down (no $LAB_DIR/lab.state)"
		return 1
	fi
	local ok=1 n st
	local ns
	for ns in $(lab_netns_all); do
		if [[ -e /run/netns/$ns ]]; then echo "netns:  $ns"; else echo "netns:  $ns MISSING" && ok=0; fi
	done
	for n in "${NODES[@]}"; do
		if daemon_alive "$n"; then
			st=$(vsh "$n" domstate "$LAB_DOMAIN" 2>/dev/null || echo absent)
			echo "$n: libvirtd pid $(cat "$(node_dir "$n")/libvirtd.pid"), domain $LAB_DOMAIN: $st  ($(remote_uri "$n"))"
			echo "$n: stack $(node_stack_label "$n"): $(node_versions "$n")"
		else
			echo "$n: libvirtd NOT RUNNING"
			ok=0
		fi
	done
	local cur
	cur=$(current_node)
	if [[ -n $cur ]]; then echo "guest:  $LAB_DOMAIN runs on $cur"; else echo "guest:  $LAB_DOMAIN runs nowhere" && ok=0; fi
	if netns_exists; then
		local a k
		k=$(answer_kind)
		for a in "4 $LAB_GUEST_IP4" "6 $LAB_GUEST_IP6"; do
			if guest_answers $a; then echo "${k%% *}:   ${a#* } ok"; else echo "${k%% *}:   ${a#* } NO REPLY" && ok=0; fi
		done
	fi
	((ok)) && echo "lab: up" && return 0
	echo "lab: DEGRADED"
	return 1
}
