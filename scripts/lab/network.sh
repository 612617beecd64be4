# shellcheck shell=bash
# The lab's network: three hosts, each a network namespace.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).
#
#   $LAB_NETNS         the prober host (192.0.2.1, 2001:db8::1; the guest's
#                      gateway) with the switch: bridge $LAB_SWITCH
#   $LAB_NETNS-node01  node01 (192.0.2.11, 2001:db8::11): bridge $LAB_BRIDGE
#   $LAB_NETNS-node02  node02 (192.0.2.12, 2001:db8::12): bridge $LAB_BRIDGE
#
# Each node's bridge is uplinked to a port of the switch by a veth pair
# (sw-nodeNN on the switch, uplink on the node), and the guest's tap hangs on
# the bridge of the node it runs on: at the switchover its MAC moves from one
# switch port to the other, and the switch learns that only from the frames the
# guest sends (QEMU's RARP announcements), as on real hosts.

node_netns() { echo "$LAB_NETNS-$1"; }
lab_netns_all() {
	local n
	echo "$LAB_NETNS"
	for n in "${NODES[@]}"; do node_netns "$n"; done
}
node_ip4() { local v=LAB_${1^^}_IP4; echo "${!v}"; }
node_ip6() { local v=LAB_${1^^}_IP6; echo "${!v}"; }
in_node_ns() { # node command...
	local n=$1
	shift
	ip netns exec "$(node_netns "$n")" "$@"
}
any_lab_netns() { # 0 if one of the lab's namespaces exists
	local ns
	for ns in $(lab_netns_all); do [[ -e /run/netns/$ns ]] && return 0; done
	return 1
}

# A fresh namespace with IPv6 on and no duplicate address detection.
new_netns() { # name
	ip netns add "$1"
	echo "$1" >>"$LAB_DIR/netns"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 >/dev/null
	ip -n "$1" link set lo up
}

# A learning bridge without STP delays or multicast snooping, with addresses
# and a MAC of its own (02:00:c0:00:02:<last octet of ip4>). Pinned, because a
# bridge otherwise takes the lowest MAC of its ports: when the guest's tap
# (fe:54:…, the same on both nodes) sorts below the uplink's random MAC, the
# node's own traffic leaves with the tap's MAC, and the other node's bridge,
# which holds that MAC as its own tap's, drops it: the migration's NBD
# connection to the destination then failed ("No route to host", or timed
# out after 2 min), in about 1 lab in 5.
new_bridge() { # netns name ip4 ip6
	ip -n "$1" link add "$2" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "$1" link set "$2" address "$(printf '02:00:c0:00:02:%02x' "${3##*.}")"
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$1" -6 addr add "$4/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
	# Links made from now on (veths, taps) get no IPv6 of their own (no RS/MLD
	# chatter on the bridges); the bridges and the guest keep theirs.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

make_network() {
	local n ns
	say "creating the prober host $LAB_NETNS with switch $LAB_SWITCH ($LAB_GW4/24, $LAB_GW6/64)"
	: >"$LAB_DIR/netns"
	new_netns "$LAB_NETNS"
	new_bridge "$LAB_NETNS" "$LAB_SWITCH" "$LAB_GW4" "$LAB_GW6"
	for n in "${NODES[@]}"; do
		ns=$(node_netns "$n")
		say "creating $n: $ns, bridge $LAB_BRIDGE ($(node_ip4 "$n"), $(node_ip6 "$n")) uplinked to switch port sw-$n"
		new_netns "$ns"
		new_bridge "$ns" "$LAB_BRIDGE" "$(node_ip4 "$n")" "$(node_ip6 "$n")"
		ip -n "$LAB_NETNS" link add "sw-$n" type veth peer name uplink netns "$ns"
		ip -n "$LAB_NETNS" link set "sw-$n" master "$LAB_SWITCH" up
		ip -n "$ns" link set uplink master "$LAB_BRIDGE" up
		# The node's default route goes to the prober host (the lab's gateway).
		ip -n "$ns" route add default via "$LAB_GW4"
		((LAB_GUEST_DROP_ICMP)) && drop_guest_icmp "$n"
	done
	return 0
}

# LAB_GUEST_DROP_ICMP=1: the node's bridge drops ICMP echo requests to the
# guest (nftables, bridge family), like a guest firewall that ignores ping.
# Installed on both nodes, so it follows the guest.
drop_guest_icmp() { # node
	in_node_ns "$1" nft -f - <<EOF
table bridge migprobe_lab {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip daddr $LAB_GUEST_IP4 icmp type echo-request drop
		ip6 daddr $LAB_GUEST_IP6 icmpv6 type echo-request drop
	}
}
EOF
}

delete_network() {
	local ns
	for ns in $(lab_netns_all); do
		[[ -e /run/netns/$ns ]] || continue
		say "deleting network namespace $ns"
		ip netns del "$ns" || die "could not delete network namespace $ns"
	done
	return 0
}
