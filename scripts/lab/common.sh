# shellcheck shell=bash
# Lab helpers: messages, paths, knob checks, lab.state, PIDs, where the guest runs.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

say() { printf 'lab: %s\n' "$*" >&2; }
die() {
	printf 'lab.sh: error: %s\n' "$*" >&2
	exit 1
}
usage_error() {
	printf 'lab.sh: %s\n(see: scripts/lab.sh help)\n' "$*" >&2
	exit 2
}
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
fmt_s() { printf '%d.%03d' $(($1 / 1000000)) $((($1 % 1000000) / 1000)); }
node_dir() { echo "$LAB_DIR/$1"; }
# libvirt's QEMU capability cache of a node (one per stack: each libvirt keeps its own).
node_caps_dir() {
	local r
	r=$(node_stack_root "$1")
	if [[ -n $r ]]; then echo "${r%/*}/libvirt-$1"; else echo "$LAB_CACHE_DIR/libvirt-$1"; fi
}
node_uri() { echo "qemu:///system?socket=$LAB_DIR/$1/libvirt-sock"; }
other_node() { if [[ $1 == node01 ]]; then echo node02; else echo node01; fi; }
vsh() {
	local node=$1
	shift
	virsh -q -c "$(node_uri "$node")" "$@"
}
in_ns() { ip netns exec "$LAB_NETNS" "$@"; }
# The prober host's namespace (the lab's namespace for callers since before
# the lab had three hosts); the nodes' are in network.sh.
netns_exists() { [[ -e /run/netns/$LAB_NETNS ]]; }

need_root() { [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, libvirtd): try sudo $0 $*"; }

check_uint() { # name value
	[[ $2 =~ ^[0-9]+$ ]] || usage_error "$1 must be a whole number, got '$2'"
}

validate_knobs() {
	check_uint LAB_RAM_MIB "$LAB_RAM_MIB"
	check_uint LAB_DISK_MIB "$LAB_DISK_MIB"
	check_uint LAB_BANDWIDTH_MIB "$LAB_BANDWIDTH_MIB"
	check_uint LAB_WORKLOAD_MEM_MIB "$LAB_WORKLOAD_MEM_MIB"
	check_uint LAB_WORKLOAD_DISK_MIB "$LAB_WORKLOAD_DISK_MIB"
	check_uint LAB_BOOT_TIMEOUT "$LAB_BOOT_TIMEOUT"
	check_uint LAB_TLB_FLUSH_MS "$LAB_TLB_FLUSH_MS"
	check_uint LAB_MIGRATE_TIMEOUT "$LAB_MIGRATE_TIMEOUT"
	[[ $LAB_NODE_HOSTNAME == [01] ]] || usage_error "LAB_NODE_HOSTNAME must be 0 or 1, got '$LAB_NODE_HOSTNAME'"
	[[ $LAB_GUEST_DROP_ICMP == [01] ]] || usage_error "LAB_GUEST_DROP_ICMP must be 0 or 1, got '$LAB_GUEST_DROP_ICMP'"
	[[ $LAB_GUEST_NO_ICMP_LIMIT == [01] ]] || usage_error "LAB_GUEST_NO_ICMP_LIMIT must be 0 or 1, got '$LAB_GUEST_NO_ICMP_LIMIT'"
	[[ $LAB_URI_TRANSPORT == ssh || $LAB_URI_TRANSPORT == tcp ]] ||
		usage_error "LAB_URI_TRANSPORT must be ssh or tcp, got '$LAB_URI_TRANSPORT'"
	[[ $LAB_WORKLOAD == [01] ]] || usage_error "LAB_WORKLOAD must be 0 or 1, got '$LAB_WORKLOAD'"
	[[ $LAB_WORKLOAD_TICK =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_error "LAB_WORKLOAD_TICK must be seconds like 0.2, got '$LAB_WORKLOAD_TICK'"
	((LAB_RAM_MIB >= 64)) || usage_error "LAB_RAM_MIB must be at least 64, got $LAB_RAM_MIB"
	((LAB_DISK_MIB >= 2)) || usage_error "LAB_DISK_MIB must be at least 2, got $LAB_DISK_MIB"
	[[ $LAB_NETNS =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || usage_error "LAB_NETNS must be a plain name, got '$LAB_NETNS'"
	[[ $LAB_DOMAIN =~ ^[A-Za-z0-9_.-]{1,60}$ ]] || usage_error "LAB_DOMAIN must be a plain name, got '$LAB_DOMAIN'"
	[[ $LAB_DIR == /* && $LAB_DIR != / ]] || usage_error "LAB_DIR must be an absolute path (not /), got '$LAB_DIR'"
	[[ $LAB_DIR != *[[:space:]\'\"\<\>\&]* ]] || usage_error "LAB_DIR must not contain spaces, quotes, < > or &: '$LAB_DIR'"
	[[ $LAB_CACHE_DIR == /* ]] || usage_error "LAB_CACHE_DIR must be an absolute path, got '$LAB_CACHE_DIR'"
	validate_stack_knobs
}

# State written by 'up'; later commands read it so they act on the lab that is
# there, whatever the caller's environment says (LAB_DIR is the key).
STATE_KEYS=(LAB_NETNS LAB_DOMAIN LAB_RAM_MIB LAB_DISK_MIB LAB_BANDWIDTH_MIB LAB_WORKLOAD
	LAB_WORKLOAD_MEM_MIB LAB_WORKLOAD_DISK_MIB LAB_WORKLOAD_TICK LAB_MIGRATE_TIMEOUT
	LAB_KERNEL LAB_TLB_FLUSH_MS LAB_GUEST_DROP_ICMP LAB_GUEST_NO_ICMP_LIMIT LAB_URI_TRANSPORT DOMAIN_UUID LAB_NODE_HOSTNAME)
write_state() {
	local k
	{
		echo "# migprobe lab state (written by scripts/lab.sh up)"
		for k in "${STATE_KEYS[@]}"; do printf '%s=%q\n' "$k" "${!k}"; done
		# Stack keys only when a stack was chosen (the default lab is as before).
		if stacks_wanted; then
			for k in "${STACK_KEYS[@]}"; do printf '%s=%q\n' "$k" "${!k}"; done
		fi
	} >"$LAB_DIR/lab.state"
}
load_state() { # returns 1 if there is no lab in LAB_DIR
	[[ -f $LAB_DIR/lab.state ]] || return 1
	local line k v
	# The lab's stacks are what up chose, not what the caller's environment says.
	for k in "${STACK_KEYS[@]}"; do printf -v "$k" '%s' ""; done
	while IFS= read -r line; do
		[[ $line == \#* || -z $line ]] && continue
		k=${line%%=*}
		v=${line#*=}
		case " ${STATE_KEYS[*]} ${STACK_KEYS[*]} " in *" $k "*) ;; *) continue ;; esac
		eval "v=$v" # values were written with printf %q by write_state
		printf -v "$k" '%s' "$v"
	done <"$LAB_DIR/lab.state"
	# Explicit migrate-time knobs in the environment win over the recorded ones.
	if [[ -n $LAB_BANDWIDTH_MIB_ENV ]]; then LAB_BANDWIDTH_MIB=$LAB_BANDWIDTH_MIB_ENV; fi
	if [[ -n $LAB_MIGRATE_TIMEOUT_ENV ]]; then LAB_MIGRATE_TIMEOUT=$LAB_MIGRATE_TIMEOUT_ENV; fi
	if [[ -n $LAB_URI_TRANSPORT_ENV ]]; then LAB_URI_TRANSPORT=$LAB_URI_TRANSPORT_ENV; fi
	return 0
}
require_lab() {
	load_state || die "the lab is not up (no $LAB_DIR/lab.state): run scripts/lab.sh up"
	netns_exists || die "the lab is broken: network namespace $LAB_NETNS is gone (run scripts/lab.sh down, then up)"
}

record_pid() { # name pid
	echo "$1 $2" >>"$LAB_DIR/pids"
}

# Alive = exists and is not a zombie (exited children of a PID 1 that reaps
# lazily stay visible to kill -0).
pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ ${st%% *} != [ZX] ]]
}

daemon_alive() { # node: process alive and answering on its socket
	local f
	f=$(node_dir "$1")/libvirtd.pid
	[[ -s $f ]] && pid_alive "$(cat "$f")" && vsh "$1" uri >/dev/null 2>&1
}

# Which node runs the guest now (running or paused); empty if none.
current_node() {
	local n st
	for n in "${NODES[@]}"; do
		daemon_alive "$n" || continue
		st=$(vsh "$n" domstate "$LAB_DOMAIN" 2>/dev/null || true)
		case "$st" in running | paused | "in shutdown" | pmsuspended) echo "$n" && return 0 ;; esac
	done
	return 0
}

pings() { # family addr -> 0 if one reply within 1 s (from the prober host)
	in_ns ping "-$1" -c 1 -W 1 -q "$2" >/dev/null 2>&1
}

# The guest's TCP echo listener answers from the prober host: a line sent
# comes back within 2 s.
tcp_echoes() { # addr
	# shellcheck disable=SC2016 # expanded by the inner bash
	in_ns timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && echo migprobe-lab >&3 && read -r -t 2 line <&3 &&
		[[ $line == migprobe-lab ]]' sh "$1" "$LAB_GUEST_TCP_PORT" >/dev/null 2>&1
}

# Does the guest answer on address $2 (family $1)? By ping, or by its TCP echo
# listener when the lab drops ICMP echo to it (LAB_GUEST_DROP_ICMP=1).
answer_kind() { if ((LAB_GUEST_DROP_ICMP)); then echo "TCP echo (port $LAB_GUEST_TCP_PORT)"; else echo ping; fi; }
guest_answers() { # family addr
	if ((LAB_GUEST_DROP_ICMP)); then tcp_echoes "$2"; else pings "$1" "$2"; fi
}

kill_wait() { # pid... : TERM, wait up to 5 s, then KILL
	local p i alive
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	for ((i = 0; i < 50; i++)); do
		alive=0
		for p in "$@"; do pid_alive "$p" && alive=1; done
		((alive)) || return 0
		sleep 0.1
	done
	for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; done
	sleep 0.2
}

shquote() { # POSIX single-quoted form, safe for eval in any sh
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}
