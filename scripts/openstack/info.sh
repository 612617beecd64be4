# shellcheck shell=bash
# What the cloud is (env, for eval; status) and the block live migration
# through nova (migrate). The URIs in env work from the prober host
# ($OS_LAB_PROBER_NETNS), where node01/node02/controller resolve.
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

require_up() {
	[[ -r $(os_dir)/passwords && -e /run/netns/$(ctl_netns) ]] ||
		die "the OpenStack lab is not up (no $(os_dir)/passwords or netns $(ctl_netns)): run $OS_SH up"
}
export_line() { printf 'export %s=%s\n' "$1" "$(shquote "$2")"; }

cmd_env() {
	need_root env
	validate_knobs
	require_up
	local kv id host k v
	admin_env
	for kv in "${ADMIN_ENV[@]}"; do export_line "${kv%%=*}" "${kv#*=}"; done
	# One API call for every field (the CLI takes seconds to start).
	local -A f=()
	while IFS='=' read -r k v; do f[$k]=$v; done < <(osc server show "$OS_SERVER" -f shell -c id -c addresses \
		-c OS-EXT-SRV-ATTR:host -c OS-EXT-SRV-ATTR:instance_name | sed 's/="\(.*\)"$/=\1/')
	id=${f[id]:-}
	[[ -n $id ]] || die "no server $OS_SERVER (did up finish? see $(os_dir)/timings)"
	host=${f[os_ext_srv_attr_host]:-}
	export_line OS_LAB_DIR "$LAB_DIR"
	export_line OS_LAB_PROBER_NETNS "$LAB_NETNS"
	export_line OS_LAB_CONTROLLER_NETNS "$(ctl_netns)"
	export_line OS_LAB_SERVER_ID "$id"
	export_line OS_LAB_SERVER_NAME "$OS_SERVER"
	export_line OS_LAB_SERVER_IP4 "$OS_SERVER_IP4"
	export_line OS_LAB_SERVER_IP6 "$OS_SERVER_IP6"
	export_line OS_LAB_SERVER_ADDRESSES "${f[addresses]:-}"
	export_line OS_LAB_SERVER_TCP_PORT 7
	export_line OS_LAB_INSTANCE_NAME "${f[os_ext_srv_attr_instance_name]:-}"
	export_line OS_LAB_SRC_HOST "$host"
	export_line OS_LAB_DST_HOST "$(if [[ $host == node01 ]]; then echo node02; else echo node01; fi)"
	export_line OS_LAB_COMPUTE_HOSTS "${NODES[*]}"
	export_line OS_LAB_LIBVIRT_URI_TEMPLATE 'qemu+tcp://{host}/system'
	export_line OS_LAB_NODE01_URI "qemu+tcp://node01/system"
	export_line OS_LAB_NODE02_URI "qemu+tcp://node02/system"
	export_line OS_LAB_NODE01_LOCAL_URI "$(node_libvirt_uri node01)"
	export_line OS_LAB_NODE02_LOCAL_URI "$(node_libvirt_uri node02)"
	export_line OS_LAB_NOTIFICATIONS_URL "$(rabbit_url)"
	export_line OS_LAB_MIGRATE_CMD "openstack server migrate --live-migration --block-migration --wait $id"
}

cmd_status() {
	need_root status
	validate_knobs
	if ! [[ -r $(os_dir)/passwords ]]; then
		echo "openstack-lab: down (no $(os_dir)/passwords)"
		return 1
	fi
	local ok=1 f name
	for f in "$(os_dir)"/run/*.pid; do
		[[ -e $f ]] || continue
		name=$(basename "$f" .pid)
		if daemon_alive "$name"; then echo "daemon: $name pid $(daemon_pid "$name")"; else echo "daemon: $name NOT RUNNING" && ok=0; fi
	done
	osc compute service list -f value -c Binary -c Host -c State 2>&1 | sed 's/^/nova:   /' || ok=0
	osc network agent list -f value -c Binary -c Host -c Alive 2>&1 | sed 's/^/agent:  /' || ok=0
	if server_active 2>/dev/null; then
		echo "server: $OS_SERVER ACTIVE on $(server_field OS-EXT-SRV-ATTR:host) ($(server_field OS-EXT-SRV-ATTR:instance_name))"
		if server_answers >/dev/null 2>&1; then echo "ping:   $OS_SERVER_IP4 ok"; else echo "ping:   $OS_SERVER_IP4 NO REPLY" && ok=0; fi
	else
		echo "server: $OS_SERVER not ACTIVE" && ok=0
	fi
	echo "memory: $(lab_memory_mib) MiB"
	((ok)) && echo "openstack-lab: up" && return 0
	echo "openstack-lab: DEGRADED"
	return 1
}

# One block live migration through nova to the other compute; prints the time.
cmd_migrate() {
	need_root migrate
	validate_knobs
	require_up
	local src dst t0 t1
	src=$(server_field OS-EXT-SRV-ATTR:host)
	if [[ $src == node01 ]]; then dst=node02; else dst=node01; fi
	t0=$(now_s)
	osc --os-compute-api-version 2.30 server migrate --live-migration --block-migration --host "$dst" --wait "$OS_SERVER" >&2 ||
		die "openstack server migrate failed (logs: $(os_dir)/log/nova-compute-$src.log)"
	t1=$(now_s)
	[[ $(server_field OS-EXT-SRV-ATTR:host) == "$dst" ]] || die "the server is still on $src after the migration"
	server_active || die "the server is $(server_field status) after the migration"
	wait_until "" 30 server_answers
	echo "migrated $OS_SERVER $src -> $dst in $((t1 - t0)) s (openstack server migrate --wait); answers ping"
}
