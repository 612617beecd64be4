# shellcheck shell=bash
# The two compute hosts: nova-compute and the neutron Linux bridge agent on
# node01 and node02. nova-compute joins its node's libvirtd namespaces
# (network, mount, UTS: host name node01/node02, what nova names the
# hypervisor) and talks to that libvirtd on its UNIX socket; in that mount
# namespace the node's own instance directory is bound at nova's
# instances_path, so both computes see the same path with different, local
# storage (a live migration needs --block-migrate).
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

NODES=(node01 node02)
node_ip4() { if [[ $1 == node01 ]]; then echo "$OS_NODE01_IP4"; else echo "$OS_NODE02_IP4"; fi; }
libvirtd_pid() { cat "$LAB_DIR/$1/libvirtd.pid"; }
node_libvirt_uri() { echo "qemu:///system?socket=$LAB_DIR/$1/libvirt-sock"; }
NOVA_INSTANCES=/var/lib/nova/instances

start_compute() { # node
	local n=$1 c nc lpid inst
	lpid=$(libvirtd_pid "$n")
	pid_alive "$lpid" || die "$n: libvirtd (pid $lpid) is not running"
	c=$(render_nova_conf "$n" "$(node_ip4 "$n")" "$(node_libvirt_uri "$n")")
	inst=$(os_dir)/$n/instances
	mkdir -p "$inst" "$NOVA_INSTANCES"
	nsenter -t "$lpid" -m mount --bind "$inst" "$NOVA_INSTANCES"
	nsenter -t "$lpid" -m mount --bind "$(os_dir)/etc/hosts" /etc/hosts
	nsenter -t "$lpid" -m mount --bind "$(os_dir)/etc/resolv.conf" /etc/resolv.conf
	spawn "nova-compute-$n" nsenter -t "$lpid" -m -u -n nova-compute --config-file "$c" \
		--log-file "$(os_dir)/log/nova-compute-$n.log"
	# The agent's "physical" interface: a veth into the node's bridge.
	ip -n "$(node_netns "$n")" link add "$OS_PHYS" type veth peer name "$OS_PHYS-br"
	ip -n "$(node_netns "$n")" link set "$OS_PHYS-br" master "$OS_BRIDGE" up
	ip -n "$(node_netns "$n")" link set "$OS_PHYS" up
	nc=$(render_neutron_conf "$n")
	spawn "neutron-agent-$n" nsenter -t "$lpid" -m -u -n neutron-linuxbridge-agent --config-file "$nc" \
		--log-file "$(os_dir)/log/neutron-agent-$n.log"
	say "$n: nova-compute and neutron-linuxbridge-agent started ($NOVA_INSTANCES = $inst there)"
}

# Both computes' nova-compute are up, mapped to the cell, and have a hypervisor.
computes_ready() {
	local up hv
	up=$(osc compute service list --service nova-compute -f value -c Host -c State | grep -c ' up$')
	((up == 2)) || return 1
	manage nova-manage nova-manage --config-file "$(etc_of nova-controller.conf)" cell_v2 discover_hosts
	hv=$(osc hypervisor list -f value -c 'Hypervisor Hostname' -c State | grep -c ' up$')
	((hv == 2))
}
agents_ready() {
	local n
	n=$(osc network agent list --agent-type linux-bridge -f value -c Host -c Alive | grep -c ' True$')
	((n == 2))
}

start_computes() {
	local n
	for n in "${NODES[@]}"; do start_compute "$n"; done
	wait_until nova-compute-node01 240 computes_ready
	wait_until neutron-agent-node01 120 agents_ready
	say "compute hosts up: $(osc hypervisor list -f value -c 'Hypervisor Hostname' | tr '\n' ' ')"
}
