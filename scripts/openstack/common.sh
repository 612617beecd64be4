# shellcheck shell=bash
# OpenStack lab helpers: messages, paths, state, passwords, template rendering,
# daemons (start in a namespace with a PID file and a log, wait for a port).
# Sourced by scripts/openstack-lab.sh (uses its knobs) after scripts/lab/common.sh,
# whose process helpers it uses (pid_alive, kill_wait, shquote) and whose
# messages and PID records it replaces with its own.

say() { printf 'openstack-lab: %s\n' "$*" >&2; }
die() {
	printf 'openstack-lab.sh: error: %s\n' "$*" >&2
	exit 1
}
usage_error() {
	printf 'openstack-lab.sh: %s\n(see: scripts/openstack-lab.sh help)\n' "$*" >&2
	exit 2
}
need_root() { [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, daemons, apt): try sudo $OS_SH $*"; }
now_s() { date +%s; }

# Where everything of the OpenStack layer lives (inside the base lab's dir).
os_dir() { echo "$LAB_DIR/os"; }
ctl_netns() { echo "$LAB_NETNS-ctl"; }
node_netns() { echo "$LAB_NETNS-$1"; }
in_ctl() { ip netns exec "$(ctl_netns)" "$@"; }
in_prober() { ip netns exec "$LAB_NETNS" "$@"; }

# The base lab (scripts/lab.sh) with this lab's LAB_DIR and LAB_NETNS; each
# node's libvirtd gets a host name of its own (nova's hypervisor names).
base_lab() { LAB_DIR=$LAB_DIR LAB_NETNS=$LAB_NETNS LAB_NODE_HOSTNAME=1 "$LAB_SH_BASE" "$@"; }

validate_knobs() {
	[[ $LAB_NETNS =~ ^[A-Za-z0-9_.-]{1,30}$ ]] || usage_error "LAB_NETNS must be a plain name (at most 30 characters), got '$LAB_NETNS'"
	[[ $LAB_DIR == /* && $LAB_DIR != / ]] || usage_error "LAB_DIR must be an absolute path (not /), got '$LAB_DIR'"
	[[ $LAB_DIR != *[[:space:]\'\"\<\>\&\|@]* ]] || usage_error "LAB_DIR must not contain spaces, quotes, < > & | or @: '$LAB_DIR'"
	[[ $OS_INSTALL == [01] ]] || usage_error "OS_LAB_INSTALL must be 0 or 1, got '$OS_INSTALL'"
	[[ $OS_KEEP_FAILED == [01] ]] || usage_error "OS_LAB_KEEP_FAILED must be 0 or 1, got '$OS_KEEP_FAILED'"
	[[ $OS_BOOT_TIMEOUT =~ ^[0-9]+$ ]] || usage_error "OS_LAB_BOOT_TIMEOUT must be whole seconds, got '$OS_BOOT_TIMEOUT'"
	[[ $OS_RAM_MIB =~ ^[0-9]+$ ]] && ((OS_RAM_MIB >= 64)) ||
		usage_error "OS_LAB_RAM_MIB must be a whole number of MiB, at least 64, got '$OS_RAM_MIB'"
}

# ---- passwords (lab-only, generated at up, kept in the lab dir) ---------------
PASS_NAMES=(admin rabbit keystone glance placement nova neutron)
make_passwords() {
	local f n
	f=$(os_dir)/passwords
	(
		umask 077
		for n in "${PASS_NAMES[@]}"; do echo "$n=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"; done >"$f"
	)
}
password() { # name
	local f
	f=$(os_dir)/passwords
	[[ -r $f ]] || die "no $f: the OpenStack lab is not up"
	sed -n "s/^$1=//p" "$f"
}
rabbit_url() { echo "rabbit://openstack:$(password rabbit)@$OS_CTL_IP4:5672/"; }

# ---- templates -----------------------------------------------------------------
# render TEMPLATE OUT KEY=VALUE...: @KEY@ -> VALUE (values never hold '|').
render() {
	local tpl=$1 out=$2 kv args=()
	shift 2
	for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
	sed "${args[@]}" "$OS_TEMPLATES/$tpl" >"$out"
	if grep -q '@[A-Z_0-9]*@' "$out"; then die "template $tpl: unrendered $(grep -o '@[A-Z_0-9]*@' "$out" | sort -u | tr '\n' ' ')in $out"; fi
}
# append_rendered FILE TEMPLATE KEY=VALUE...: a rendered fragment at FILE's end.
append_rendered() {
	local f=$1 tpl=$2 tmp
	shift 2
	tmp=$(mktemp "$(os_dir)/fragment.XXXXXX")
	render "$tpl" "$tmp" "$@"
	{ echo && cat "$tmp"; } >>"$f"
	rm -f "$tmp"
}
# append_auth FILE USER PASS SECTION...: keystone credentials, one section each.
append_auth() {
	local f=$1 user=$2 pass=$3 s
	shift 3
	for s in "$@"; do
		append_rendered "$f" auth.ini.in "SECTION=$s" "CTL_IP=$OS_CTL_IP4" "USER=$user" "PASS=$pass"
	done
}

# ---- processes -------------------------------------------------------------------
record_pid() { echo "$1 $2" >>"$(os_dir)/pids"; }

# spawn NAME COMMAND...: runs COMMAND in the background (own session), output
# to $OSDIR/log/NAME.out, PID in $OSDIR/run/NAME.pid and the pids list.
spawn() {
	local name=$1 d pid
	shift
	d=$(os_dir)
	setsid "$@" </dev/null >"$d/log/$name.out" 2>&1 &
	pid=$!
	echo "$pid" >"$d/run/$name.pid"
	record_pid "$name" "$pid"
}
daemon_pid() { cat "$(os_dir)/run/$1.pid" 2>/dev/null || true; }
daemon_alive() { local p; p=$(daemon_pid "$1"); [[ -n $p ]] && pid_alive "$p"; }

# wait_until NAME TIMEOUT_S COMMAND...: until COMMAND succeeds; fails early
# (with the daemon's log tail) if daemon NAME died.
wait_until() {
	local name=$1 timeout=$2 deadline
	shift 2
	deadline=$(($(now_s) + timeout))
	while (($(now_s) < deadline)); do
		"$@" >/dev/null 2>&1 && return 0
		if [[ -n $name ]] && ! daemon_alive "$name"; then
			tail -n 30 "$(os_dir)/log/$name.out" >&2 2>/dev/null || true
			die "$name exited at start (logs: $(os_dir)/log/$name.*)"
		fi
		sleep 1
	done
	[[ -n $name ]] && tail -n 30 "$(os_dir)/log/$name.out" >&2 2>/dev/null
	die "${name:-a check} not ready within ${timeout}s: $* (logs: $(os_dir)/log/)"
}
# A TCP port answers (bash /dev/tcp from the given namespace).
port_open() { # netns host port
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$1" timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' sh "$2" "$3"
}
