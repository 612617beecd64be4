# shellcheck shell=bash
# What runs on the cloud: the lab guest as Glance images (its kernel and
# initramfs, an empty raw root disk pointing at them, the kernel
# command line with the instance's addresses as os_command_line), a tiny
# flavor, a flat provider network on the lab switch without DHCP or port
# security, a port with fixed addresses, and one server booted on node01.
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

# The lab guest's kernel, initramfs and command line, from the base lab's domain XML.
guest_xml_field() { # tag
	sed -n "s|.*<$1>\(.*\)</$1>.*|\1|p" "$LAB_DIR/node01/domain.xml" | head -n 1
}
guest_cmdline() {
	guest_xml_field cmdline | sed -e "s|mp_ip4=[^ ]*|mp_ip4=$OS_SERVER_IP4/24|" \
		-e "s|mp_ip6=[^ ]*|mp_ip6=$OS_SERVER_IP6/64|"
}
osc_id() { osc "$@" -f value -c id; }

make_images() {
	local kernel initrd kid rid disk
	kernel=$(guest_xml_field kernel)
	initrd=$(guest_xml_field initrd)
	[[ -s $kernel && -s $initrd ]] || die "the lab guest's kernel/initramfs are missing ($kernel, $initrd)"
	# raw, not aki/ari: nova 26.2.2-1~deb12u5 fetches an instance's kernel and
	# ramdisk at a block migration's destination through its deep image
	# inspection, which refuses aki/ari ("Image content does not match
	# disk_format": qemu-img says raw); at boot it fetches them unchecked.
	kid=$(osc_id image create --public --container-format bare --disk-format raw --file "$kernel" migprobe-kernel)
	rid=$(osc_id image create --public --container-format bare --disk-format raw --file "$initrd" migprobe-ramdisk)
	disk=$(os_dir)/root.img
	truncate -s "${OS_DISK_MIB}M" "$disk"
	osc image create --public --container-format bare --disk-format raw --file "$disk" \
		--property kernel_id="$kid" --property ramdisk_id="$rid" \
		--property os_command_line="$(guest_cmdline)" "$OS_IMAGE" >/dev/null
	rm -f "$disk"
	say "images: migprobe-kernel, migprobe-ramdisk, $OS_IMAGE (${OS_DISK_MIB} MiB raw)"
}

# Network, subnets, port and flavor in one openstack CLI session (commands on
# stdin: one start-up and one token instead of five); then checked.
make_network() {
	{
		echo "network create --share --provider-network-type flat --provider-physical-network provider" \
			"--disable-port-security $OS_NETWORK"
		echo "subnet create --network $OS_NETWORK --subnet-range 192.0.2.0/24 --gateway $OS_GW4 --no-dhcp" \
			"--allocation-pool start=192.0.2.100,end=192.0.2.199 $OS_NETWORK-v4"
		echo "subnet create --network $OS_NETWORK --ip-version 6 --subnet-range 2001:db8::/64 --gateway $OS_GW6" \
			"--no-dhcp --allocation-pool start=2001:db8::100,end=2001:db8::1ff $OS_NETWORK-v6"
		echo "port create --network $OS_NETWORK --fixed-ip subnet=$OS_NETWORK-v4,ip-address=$OS_SERVER_IP4" \
			"--fixed-ip subnet=$OS_NETWORK-v6,ip-address=$OS_SERVER_IP6 $OS_SERVER-port"
		echo "flavor create --ram $OS_RAM_MIB --vcpus 1 --disk 1 $OS_FLAVOR"
	} | osc >"$(os_dir)/log/network.out" 2>&1 || true
	osc port show "$OS_SERVER-port" -f value -c fixed_ips | grep -q "$OS_SERVER_IP6" &&
		osc flavor show "$OS_FLAVOR" >/dev/null ||
		die "network, port or flavor missing (see $(os_dir)/log/network.out)"
	say "network $OS_NETWORK (flat on the lab switch, no DHCP, no port security), port $OS_SERVER_IP4 $OS_SERVER_IP6, flavor $OS_FLAVOR"
}

server_field() { osc server show "$OS_SERVER" -f value -c "$1"; }
server_active() { [[ $(server_field status) == ACTIVE ]]; }
server_answers() { in_prober ping -c 1 -W 1 -q "$OS_SERVER_IP4"; }

boot_server() {
	osc server create --flavor "$OS_FLAVOR" --image "$OS_IMAGE" --port "$OS_SERVER-port" \
		--availability-zone nova:node01 "$OS_SERVER" >/dev/null
	# One CLI call a poll (each costs seconds of CPU, taken from the booting guest).
	local deadline=$(($(now_s) + OS_BOOT_TIMEOUT)) status=
	while [[ $status != ACTIVE ]]; do
		if [[ $status == ERROR ]] || (($(now_s) > deadline)); then
			osc server show "$OS_SERVER" -f shell -c status -c fault >&2 || true
			die "server $OS_SERVER is not ACTIVE (logs: $(os_dir)/log/nova-*.log)"
		fi
		[[ -z $status ]] || sleep 2
		status=$(server_field status)
	done
	say "server $OS_SERVER ACTIVE; waiting for ping on $OS_SERVER_IP4"
	wait_until "" "$OS_BOOT_TIMEOUT" server_answers
}
