#!/usr/bin/env bash
# migprobe lab: two libvirt "hypervisors" (node01, node02) on one machine, inside
# a private network namespace, with a tiny guest that can be live-migrated
# between them (--copy-storage-all). Run `scripts/lab.sh help` for usage.
set -euo pipefail
export LC_ALL=C

LAB_SH=$(readlink -f "${BASH_SOURCE[0]}")
LAB_HELPERS=$(dirname "$LAB_SH")/lab
# shellcheck source=lab/fault.sh
source "$LAB_HELPERS/fault.sh"
# shellcheck source=lab/stacks.sh
source "$LAB_HELPERS/stacks.sh"

# ---- knobs (environment) ---------------------------------------------------
LAB_DIR=${LAB_DIR:-/tmp/migprobe-lab}
LAB_NETNS=${LAB_NETNS:-migprobe-lab}
LAB_DOMAIN=${LAB_DOMAIN:-migvm}
LAB_RAM_MIB=${LAB_RAM_MIB:-128}
LAB_DISK_MIB=${LAB_DISK_MIB:-64}
# migrate-time knobs: a value set in the environment wins over the one recorded at up
LAB_BANDWIDTH_MIB_ENV=${LAB_BANDWIDTH_MIB:-}
LAB_MIGRATE_TIMEOUT_ENV=${LAB_MIGRATE_TIMEOUT:-}
LAB_BANDWIDTH_MIB=${LAB_BANDWIDTH_MIB:-0}
LAB_WORKLOAD=${LAB_WORKLOAD:-1}
LAB_WORKLOAD_MEM_MIB=${LAB_WORKLOAD_MEM_MIB:-4}
LAB_WORKLOAD_DISK_MIB=${LAB_WORKLOAD_DISK_MIB:-1}
LAB_WORKLOAD_TICK=${LAB_WORKLOAD_TICK:-0.2}
LAB_CACHE_DIR=${LAB_CACHE_DIR:-/tmp/migprobe-lab-cache}
LAB_KERNEL=${LAB_KERNEL:-}
LAB_INSTALL=${LAB_INSTALL:-1}
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-90}
LAB_MIGRATE_TIMEOUT=${LAB_MIGRATE_TIMEOUT:-300}
LAB_KEEP_FAILED=${LAB_KEEP_FAILED:-0}
LAB_TLB_FLUSH_MS=${LAB_TLB_FLUSH_MS:-5}
# Stacks (scripts/lab/stacks.sh); unset = the host's packages, as always.
LAB_STACK=${LAB_STACK:-}
LAB_STACK_NODE01=${LAB_STACK_NODE01:-}
LAB_STACK_NODE02=${LAB_STACK_NODE02:-}
LAB_GUEST_KERNEL=${LAB_GUEST_KERNEL:-}
LAB_MACHINE=${LAB_MACHINE:-}
# shellcheck disable=SC2034 # read through ${!name} (node_stack_root)
LAB_STACK_ROOT_NODE01='' LAB_STACK_ROOT_NODE02=''
KERNEL_ROOT=

# Fixed lab addressing (documentation ranges only, and only inside the netns).
LAB_BRIDGE=mpbr0
LAB_GW4=192.0.2.1
LAB_GW6=2001:db8::1
LAB_GUEST_IP4=192.0.2.10
LAB_GUEST_IP6=2001:db8::10
LAB_GUEST_MAC=52:54:00:c0:02:0a
NODES=(node01 node02)
MARKER=.migprobe-lab

usage() {
	cat <<EOF
Usage: scripts/lab.sh COMMAND [ARG]

A local two-hypervisor libvirt lab for migprobe (no cloud, no KVM needed).
Everything runs inside the network namespace \$LAB_NETNS; guest addresses are
192.0.2.10 and 2001:db8::10 there and nowhere else.

Commands:
  up                 install missing packages, create the namespace + bridge,
                     start libvirtd "node01" and "node02", boot the guest on
                     node01 and wait until it answers ping (v4 and v6)
  status             where the guest runs and whether it answers, and each
                     node's stack: libvirt and QEMU versions
                     (exit 1 if the lab is not up or the guest is silent)
  env                shell assignments (export LAB_...=...) for
                     eval "\$(scripts/lab.sh env)"
  migrate            live-migrate the guest (--copy-storage-all) to the other
                     node; exits with virsh's status
  pingpong N         migrate back and forth N times
  suspend-for D      pause the guest for D (e.g. 250ms, 1.5s, 800us) and print
                     the QEMU STOP/RESUME times: paused_ns=... resumed_ns=...
  restart-node NODE  stop and restart one libvirt daemon (node01|node02);
                     running guests keep running (tests connection loss)
  health             is the guest alive and sane? Prints "LAB FAULT: ..." with
                     the evidence (domain state per node, guest console,
                     QEMU log) and exits 3 if the guest died, reset, or its
                     console shows a panic/oops/BUG:/"Bad page state"
  reset-guest        destroy the guest wherever it is and boot a fresh one on
                     node01 (keeps the namespace and daemons; a few seconds)
  down               remove everything 'up' made (safe to run twice)
  help               this text

Environment knobs (defaults):
  LAB_DIR=/tmp/migprobe-lab        state, node dirs, disks, logs, PIDs
  LAB_NETNS=migprobe-lab           network namespace name
  LAB_DOMAIN=migvm                 guest name
  LAB_RAM_MIB=128                  guest RAM
  LAB_DISK_MIB=64                  guest disk (raw, copied on every migration)
  LAB_BANDWIDTH_MIB=0              migration bandwidth limit in MiB/s (0 = none)
  LAB_WORKLOAD=1                   guest keeps dirtying memory and disk (0 = idle)
  LAB_WORKLOAD_MEM_MIB=4           memory rewritten per tick
  LAB_WORKLOAD_DISK_MIB=1          disk written per tick
  LAB_WORKLOAD_TICK=0.2            seconds between ticks
    Pre-copy only converges if the rewritten memory fits in the allowed
    downtime (300 ms by default): keep LAB_WORKLOAD_MEM_MIB well below
    0.3 s x LAB_BANDWIDTH_MIB when you limit the bandwidth.
  LAB_CACHE_DIR=/tmp/migprobe-lab-cache   built kernel+initramfs and libvirt's
                                   QEMU capability cache (kept by down), and
                                   in stacks/ the LAB_STACK*/LAB_GUEST_KERNEL
                                   downloads
  LAB_KERNEL=                      kernel version (default: newest in /boot
                                   with modules in /lib/modules)
  LAB_INSTALL=1                    0 = never run apt-get
  LAB_BOOT_TIMEOUT=90              seconds to wait for the guest to answer
  LAB_MIGRATE_TIMEOUT=300          seconds before a migration is aborted
                                   with virsh domjobabort (0 = never)
  LAB_KEEP_FAILED=0                1 = leave a failed 'up' in place for debugging
  LAB_TLB_FLUSH_MS=5               two guest processes take turns every so many
                                   ms, which flushes QEMU's TCG TLB: works
                                   around QEMU < 9.0 losing guest stores during
                                   migration (guest deaths under load, see
                                   scripts/lab/guest-deaths.md); 0 = off
  LAB_FAULT_LOG=                   a file: 'down' appends a lab fault's evidence
                                   there before removing the lab
Stacks (scripts/lab/stacks.md), chosen at 'up':
  LAB_STACK=                       both nodes: bookworm (the host's QEMU 7.2 /
                                   libvirt 9.0, checked) or backports (QEMU 10.0 /
                                   libvirt 11.3 from bookworm-backports, unpacked
                                   into \$LAB_CACHE_DIR/stacks and run from there;
                                   the host's packages are not changed);
                                   unset = the host's packages, unchecked
  LAB_STACK_NODE01= LAB_STACK_NODE02=   per node (win over LAB_STACK)
  LAB_GUEST_KERNEL=                bookworm or backports: linux-image-amd64 of
                                   that suite (downloaded into the cache unless
                                   the host has it); not with LAB_KERNEL
  LAB_MACHINE=                     guest machine type (default: pc, or
                                   pc-i440fx-7.2 when a node runs backports, so
                                   the guest can move between QEMU 7.2 and 10.0)
The guest console is logged per node in \$LAB_DIR/nodeNN/serial.log (older
guests' consoles, after reset-guest, in \$LAB_DIR/faults/).
Knobs used at 'up' are recorded in \$LAB_DIR/lab.state and reused later.

Example:
  sudo scripts/lab.sh up
  eval "\$(sudo scripts/lab.sh env)"
  sudo ip netns exec "\$LAB_NETNS" ping -i 0.01 "\$LAB_GUEST_IP4" &
  sudo scripts/lab.sh migrate
  sudo scripts/lab.sh down
EOF
}

# ---- helpers -----------------------------------------------------------------
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
	LAB_KERNEL LAB_TLB_FLUSH_MS DOMAIN_UUID)
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

pings() { # family addr -> 0 if one reply within 1 s
	in_ns ping "-$1" -c 1 -W 1 -q "$2" >/dev/null 2>&1
}

# ---- up ----------------------------------------------------------------------
systemd_running() { [[ -d /run/systemd/system ]]; }

# The lab's own apt-get calls at up log here (LAB_DIR does not exist yet then).
host_apt_dir() { echo "$LAB_CACHE_DIR/host-apt"; }
# Wait for another apt/dpkg (e.g. apt-daily on a freshly booted machine)
# instead of failing on its lock.
HOST_APT_OPTS=(-o DPkg::Lock::Timeout=300)

# The version apt would install for package $1 (empty if none).
apt_candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}' | grep -v '(none)' || true
}

# The installed version of package $1 (empty if it is not installed).
installed_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null | awk '$1 ~ /^[ih]i$/ {print $2; exit}' || true
}

# The version of package $1 from the same upload as version $2 of another
# package of its source: binNMUs differ (qemu-system-x86 and qemu-utils
# 1:7.2+dfsg-7+deb12u18+b3, the arch:all qemu-system-data 1:7.2+dfsg-7+deb12u18).
same_upload_version() { # pkg version
	apt-cache madison "$1" 2>/dev/null | awk -F'|' -v w="${2%+b[0-9]*}" '
		{ v = $2; gsub(/ /, "", v); b = v; sub(/\+b[0-9]+$/, "", b); if (b == w) { print v; exit } }' || true
}

# QEMU packages installed on this host from another QEMU release than version
# $2 that apt's plan in $1 removes or names in an unmet dependency (e.g.
# "qemu-utils : Breaks: qemu-system-common (< 1:8.0~)" for a qemu-utils from
# bookworm-backports; qemu-block-extra depends on exactly its own qemu-utils).
qemu_misfits() { # plan-log version
	local p have
	for p in $(awk '/^Remv / {print $2; next}
		/unmet dependencies:/ {u = 1; next}
		u && /^ / {for (i = 1; i <= NF; i++) print $i}' "$1" | tr -d ':,()|' | sort -u); do
		[[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || continue
		have=$(installed_version "$p")
		[[ -n $have && ${have%+b[0-9]*} != "${2%+b[0-9]*}" ]] || continue
		[[ $(dpkg-query -W -f='${source:Package}' "$p" 2>/dev/null) == qemu ]] || continue
		echo "$p"
	done
}

host_apt_update() {
	local log
	log=$(host_apt_dir)/update.log
	say "running apt-get update (log: $log)"
	if ! apt-get "${HOST_APT_OPTS[@]}" update >"$log" 2>&1 || grep -qE '^(E:|W: Failed to fetch)' "$log"; then
		# Not fatal by itself (a third-party source may be down): the plan decides.
		say "apt-get update reported: $(grep -E '^(E|W):' "$log" | head -n 2 | tr '\n' ' ')"
	fi
}

# What apt would do (apt-get install -s); sets PLAN_OK, PLAN_ARGS, PLAN_PINS and
# PLAN_PIN_NOTES. Installed QEMU packages of another release that stand in the
# way are set to the release of the qemu-system-x86 being installed.
host_apt_plan() { # packages...
	local req=("$@") qver="" p v tries rc misfit new
	local plan
	plan=$(host_apt_dir)/plan.log
	PLAN_PINS=() PLAN_PIN_NOTES=()
	[[ " ${req[*]} " == *" qemu-system-x86 "* ]] && qver=$(apt_candidate qemu-system-x86)
	for ((tries = 0; tries < 8; tries++)); do
		PLAN_ARGS=()
		for p in "${req[@]}"; do
			[[ " ${PLAN_PINS[*]} " == *" $p="* ]] || PLAN_ARGS+=("$p")
		done
		PLAN_ARGS+=("${PLAN_PINS[@]}")
		rc=0
		apt-get install -s --no-install-recommends --allow-downgrades "${PLAN_ARGS[@]}" >"$plan" 2>&1 || rc=$?
		new=0
		if [[ -n $qver ]]; then
			for misfit in $(qemu_misfits "$plan" "$qver"); do
				[[ " ${PLAN_PINS[*]} " == *" $misfit="* ]] && continue
				v=$(same_upload_version "$misfit" "$qver")
				[[ -n $v ]] || continue
				PLAN_PINS+=("$misfit=$v")
				PLAN_PIN_NOTES+=("$misfit $(installed_version "$misfit") -> $v")
				new=1
			done
		fi
		((new)) || break
	done
	PLAN_OK=0
	((rc == 0)) && ! grep -q '^Remv ' "$plan" && PLAN_OK=1
	return 0
}

# apt-get install of the lab's packages, keeping the host's QEMU consistent: all
# of QEMU's packages must come from one release. When the host has some from
# another (say qemu-utils and qemu-block-extra 10.0 from bookworm-backports, and
# no qemu-system-x86), they are set to the release of the qemu-system-x86 that
# the lab installs, and said so. apt never removes a package here
# (--no-remove): if it would have to, up stops and says what and how to go on.
apt_install() {
	local dir plan log rc=0 updated=0 p
	dir=$(host_apt_dir)
	mkdir -p "$dir"
	plan=$dir/plan.log
	log=$dir/install.log
	# Empty or stale lists (a fresh container, an old image): update once.
	for p in "$@"; do
		[[ -n $(apt_candidate "$p") ]] && continue
		host_apt_update
		updated=1
		break
	done
	host_apt_plan "$@"
	if ((!PLAN_OK && !updated)); then
		host_apt_update
		updated=1
		host_apt_plan "$@"
	fi
	if ((!PLAN_OK)); then
		local what
		what=$(awk '/unmet dependencies:/ {u = 1} u && /^ / || /^Remv / || /^E:/' "$plan" | head -n 15)
		if grep -q '^Remv ' "$plan" && ! grep -q '^E:' "$plan"; then
			die "installing the lab's packages would remove packages from this host, which lab.sh does not do (apt-get install -s --no-install-recommends ${PLAN_ARGS[*]}; log: $plan):
$what
fix: if that is fine with you, run: apt-get install --no-install-recommends${PLAN_PINS[*]:+ --allow-downgrades} ${PLAN_ARGS[*]}
  then scripts/lab.sh up again; or leave this host's QEMU and libvirt alone and run both nodes on
  the backports stack from the lab cache: LAB_STACK=backports scripts/lab.sh up"
		fi
		die "apt cannot install the lab's packages on this host as it is (apt-get install -s --no-install-recommends ${PLAN_ARGS[*]}; log: $plan):
$what
fix: make the host's packages consistent first (the lines above; apt-get -f install), then run scripts/lab.sh up again;
  or leave this host's QEMU and libvirt alone and run both nodes on the backports stack from the lab cache:
  LAB_STACK=backports scripts/lab.sh up"
	fi
	local held=()
	for p in "${PLAN_PINS[@]%%=*}"; do
		[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == h* ]] && held+=("$p")
	done
	((${#held[@]} == 0)) || die "the lab's QEMU is qemu-system-x86 $(apt_candidate qemu-system-x86), and these QEMU packages of another release stand in its way but are on hold (apt-mark showhold): ${held[*]}
fix: apt-mark unhold ${held[*]}, then run scripts/lab.sh up again (they are set to the lab's QEMU release);
  or leave them and run both nodes on the backports stack from the lab cache: LAB_STACK=backports scripts/lab.sh up"
	if ((${#PLAN_PIN_NOTES[@]})); then
		say "this host has QEMU packages from another release than the lab's qemu-system-x86 $(apt_candidate qemu-system-x86),"
		say "and apt cannot install QEMU from two releases side by side; so they are set to that release:"
		for p in "${PLAN_PIN_NOTES[@]}"; do say "  $p"; done
		say "(to leave them alone instead: LAB_STACK=backports runs QEMU 10.0 / libvirt 11.3 from the lab cache;"
		say " to go back to QEMU 10.0 on the host later: apt-get install -t bookworm-backports qemu-system-x86 ${PLAN_PINS[*]%%=*})"
	fi
	local extra=(--no-remove)
	((${#PLAN_PINS[@]})) && extra+=(--allow-downgrades)
	DEBIAN_FRONTEND=noninteractive apt-get "${HOST_APT_OPTS[@]}" install -y --no-install-recommends "${extra[@]}" \
		"${PLAN_ARGS[@]}" 2>&1 | tee "$log" >&2 || rc=$?
	((rc == 0)) && return 0
	if ((!updated)); then
		# Stale lists point at .debs the mirror no longer has (404): update, retry.
		say "apt-get install failed ($rc); running apt-get update and retrying"
		host_apt_update
		host_apt_plan "$@"
		rc=0
		((PLAN_OK)) && { DEBIAN_FRONTEND=noninteractive apt-get "${HOST_APT_OPTS[@]}" install -y --no-install-recommends \
			"${extra[@]}" "${PLAN_ARGS[@]}" 2>&1 | tee "$log" >&2 || rc=$?; }
		((PLAN_OK && rc == 0)) && return 0
	fi
	die "apt-get install of the lab's packages failed (apt-get install --no-install-recommends ${extra[*]} ${PLAN_ARGS[*]}; log: $log):
$(grep -E '^(E|W|dpkg):' "$log" | head -n 8)
fix: see the lines above (apt-get -f install repairs a half-done installation; apt-mark showhold lists held packages); then run scripts/lab.sh up again"
}

install_packages() {
	local pkgs=()
	# The host's QEMU and libvirtd only when a node runs them (LAB_STACK*
	# unset or bookworm); a node on the backports stack brings its own.
	if host_stack_used; then
		# qemu-utils goes with qemu-system-x86 so that apt installs matching
		# versions instead of removing a newer qemu-utils that conflicts.
		command -v qemu-system-x86_64 >/dev/null || pkgs+=(qemu-system-x86 qemu-utils)
		command -v qemu-img >/dev/null || [[ " ${pkgs[*]} " == *" qemu-utils "* ]] || pkgs+=(qemu-utils)
		command -v libvirtd >/dev/null || [[ -x /usr/sbin/libvirtd ]] || pkgs+=(libvirt-daemon)
	fi
	command -v virsh >/dev/null || pkgs+=(libvirt-clients)
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || pkgs+=(busybox-static)
	compgen -G '/boot/vmlinuz-*' >/dev/null && compgen -G '/lib/modules/*/modules.dep' >/dev/null || pkgs+=(linux-image-amd64)
	command -v ip >/dev/null || pkgs+=(iproute2)
	command -v ping >/dev/null || pkgs+=(iputils-ping)
	command -v unshare >/dev/null || pkgs+=(util-linux)
	# sysctl (the namespace's IPv6 settings): not in a minimal Debian.
	command -v sysctl >/dev/null || pkgs+=(procps)
	((${#pkgs[@]})) || return 0
	[[ $LAB_INSTALL == 1 ]] || die "missing packages: ${pkgs[*]} (LAB_INSTALL=0: install them yourself)"
	command -v apt-get >/dev/null || die "missing packages: ${pkgs[*]}, and no apt-get here to install them"
	say "installing: ${pkgs[*]}"
	local made_policy=0 had_libvirt=0
	[[ -x /usr/sbin/libvirtd ]] && had_libvirt=1
	# Keep the packages' init scripts from starting the system libvirtd.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\n# temporary, from migprobe scripts/lab.sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	local rc=0
	(apt_install "${pkgs[@]}") || rc=$?
	((made_policy)) && rm -f /usr/sbin/policy-rc.d
	((rc == 0)) || exit "$rc"
	# The lab runs its own daemons; a system libvirtd is not wanted (it would
	# also start libvirt's NAT network if that is configured).
	if ((!had_libvirt)) && systemd_running; then
		local u units=()
		for u in libvirtd.service libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket \
			libvirtd-tcp.socket libvirtd-tls.socket virtqemud.service virtqemud.socket \
			virtqemud-ro.socket virtqemud-admin.socket; do
			systemctl cat "$u" >/dev/null 2>&1 && units+=("$u")
		done
		if ((${#units[@]})); then
			say "stopping and masking the system libvirt units: ${units[*]}"
			systemctl stop "${units[@]}" || true
			systemctl mask "${units[@]}" || true
		fi
	fi
}

# libvirtd's QEMU driver looks its compiled-in default user up before it reads
# qemu.conf (user = "root"); libvirt-daemon-system would create it, but the lab
# only needs libvirt-daemon, so create the system account if it is missing.
ensure_qemu_account() {
	getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd --system --no-create-home --home-dir /var/lib/libvirt \
			--shell /usr/sbin/nologin -g libvirt-qemu libvirt-qemu
}

pick_kernel() {
	if [[ -n $LAB_GUEST_KERNEL ]]; then
		guest_kernel_prepare "$LAB_GUEST_KERNEL"
		return
	fi
	if [[ -n $LAB_KERNEL ]]; then
		[[ -f /boot/vmlinuz-$LAB_KERNEL ]] || die "LAB_KERNEL=$LAB_KERNEL: no /boot/vmlinuz-$LAB_KERNEL"
		[[ -d /lib/modules/$LAB_KERNEL ]] || die "LAB_KERNEL=$LAB_KERNEL: no /lib/modules/$LAB_KERNEL"
		return
	fi
	local v
	for v in $(compgen -G '/boot/vmlinuz-*' | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		if [[ -d /lib/modules/$v ]]; then
			LAB_KERNEL=$v
			return
		fi
	done
	die "no /boot/vmlinuz-VERSION with a matching /lib/modules/VERSION (apt-get install linux-image-amd64)"
}

GUEST_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	failover net_failover virtio_net virtio_blk)

# Build (or reuse) vmlinuz + initramfs; sets KERNEL_IMG and INITRD_IMG.
build_guest() {
	local busybox key cdir stage m f
	busybox=$(dpkg-query -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n1 || true)
	[[ -n $busybox && -x $busybox ]] || busybox=/bin/busybox
	file_is_static "$busybox" || die "$busybox is not statically linked (apt-get install busybox-static)"
	key=$({
		echo "$LAB_KERNEL"
		sha256sum "$busybox" "$LAB_HELPERS/guest-init.sh" "$KERNEL_ROOT/boot/vmlinuz-$LAB_KERNEL"
	} | sha256sum | cut -c1-16)
	cdir=$LAB_CACHE_DIR/$LAB_KERNEL-$key
	KERNEL_IMG=$cdir/vmlinuz
	INITRD_IMG=$cdir/initrd.gz
	if [[ -s $KERNEL_IMG && -s $INITRD_IMG ]]; then
		say "guest kernel+initramfs from cache $cdir"
		return
	fi
	say "building guest initramfs for kernel $LAB_KERNEL"
	mkdir -p "$cdir"
	stage=$(mktemp -d "$LAB_DIR/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,scratch,lib/modules}
	cp "$busybox" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	install -m 755 "$LAB_HELPERS/guest-init.sh" "$stage/init"
	mknod "$stage/dev/console" c 5 1
	mknod "$stage/dev/null" c 1 3
	for m in "${GUEST_MODULES[@]}"; do
		f=$(find "$KERNEL_ROOT/lib/modules/$LAB_KERNEL" -name "$m.ko" -o -name "$m.ko.*" | head -n1)
		if [[ -z $f ]]; then
			if grep -q "/$m.ko" "$KERNEL_ROOT/lib/modules/$LAB_KERNEL/modules.builtin" 2>/dev/null; then continue; fi
			die "kernel module $m not found in $KERNEL_ROOT/lib/modules/$LAB_KERNEL (and not built in)"
		fi
		case "$f" in
		*.ko) cp "$f" "$stage/lib/modules/$m.ko" ;;
		*.ko.xz) "$busybox" xz -dc "$f" >"$stage/lib/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$m.ko" ;;
		*.ko.zst) command -v zstd >/dev/null || die "$f is zstd-compressed: apt-get install zstd"
			zstd -qdc "$f" >"$stage/lib/modules/$m.ko" ;;
		*) die "unknown module format: $f" ;;
		esac
	done
	(cd "$stage" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$INITRD_IMG.tmp"
	cp "$KERNEL_ROOT/boot/vmlinuz-$LAB_KERNEL" "$KERNEL_IMG.tmp"
	mv "$INITRD_IMG.tmp" "$INITRD_IMG"
	mv "$KERNEL_IMG.tmp" "$KERNEL_IMG"
	rm -rf "$stage"
}

file_is_static() {
	# A static binary has no PT_INTERP; ldd says "not a dynamic executable".
	! ldd "$1" >/dev/null 2>&1
}

make_netns() {
	say "creating network namespace $LAB_NETNS with bridge $LAB_BRIDGE ($LAB_GW4/24, $LAB_GW6/64)"
	ip netns add "$LAB_NETNS"
	echo created >"$LAB_DIR/netns"
	in_ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 >/dev/null
	ip -n "$LAB_NETNS" link set lo up
	ip -n "$LAB_NETNS" link add "$LAB_BRIDGE" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "$LAB_NETNS" addr add "$LAB_GW4/24" dev "$LAB_BRIDGE"
	ip -n "$LAB_NETNS" -6 addr add "$LAB_GW6/64" dev "$LAB_BRIDGE" nodad
	ip -n "$LAB_NETNS" link set "$LAB_BRIDGE" up
	# Taps made from now on get no IPv6 of their own (no RS/MLD chatter on the
	# bridge); the guest and the bridge keep theirs.
	in_ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

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
	setsid ip netns exec "$LAB_NETNS" unshare -m --propagation private -- /bin/sh -c '
		set -e
		d=$1
		if [ -n "$3" ]; then mount -t overlay -o "lowerdir=$3/usr:/usr" migprobe-stack /usr; fi
		mount --bind "$d/etc" /etc/libvirt
		mount --bind "$d/run" /run/libvirt
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/log" /var/log/libvirt
		mount --bind "$2" /var/cache/libvirt
		exec libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid
	' sh "$d" "$(node_caps_dir "$n")" "$(node_stack_root "$n")" </dev/null >"$d/libvirtd.out" 2>&1 &
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

# The machine type `pc` stands for in this QEMU (pc-i440fx-7.2 for 7.2), or
# `pc`. The XML names it: a libvirtd restarted under a running guest records
# the expanded type, and a migration whose --xml says `pc` then fails with
# "Target domain machine type pc does not match source pc-i440fx-7.2".
pc_machine() { # emulator
	local m
	m=$("$1" -machine help 2>/dev/null | sed -n 's/^pc  .*(alias of \([A-Za-z0-9_.-]*\)).*/\1/p' | head -n 1)
	echo "${m:-pc}"
}

render_domain_xml() { # node -> writes $dir/domain.xml
	local n=$1 d guest_args emulator
	d=$(node_dir "$n")
	# A node on a stack from the cache sees that stack's QEMU at /usr/bin.
	emulator=$(command -v qemu-system-x86_64 || true)
	[[ -n $(node_stack_root "$n") ]] && emulator=/usr/bin/qemu-system-x86_64
	# The guest's CPU is spelled out: a libvirtd restarted under a running
	# guest (restart-node) fills in its live CPU definition, and a migration
	# with an --xml that has no <cpu> then fails with "Target CPU does not
	# match source" (on libvirt 9.0 and 11.3 alike).
	local cpu=(-e "s|@CPU@|<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>|")
	guest_args="mp_ip4=$LAB_GUEST_IP4/24 mp_gw4=$LAB_GW4 mp_ip6=$LAB_GUEST_IP6/64 mp_wl=$LAB_WORKLOAD"
	guest_args+=" mp_mem=$LAB_WORKLOAD_MEM_MIB mp_disk=$LAB_WORKLOAD_DISK_MIB mp_tick=$LAB_WORKLOAD_TICK"
	guest_args+=" mp_flush=$LAB_TLB_FLUSH_MS"
	sed -e "s|@DOMAIN@|$LAB_DOMAIN|g" \
		-e "s|@UUID@|$DOMAIN_UUID|g" \
		-e "s|@RAM_MIB@|$LAB_RAM_MIB|g" \
		-e "s|@MACHINE@|${LAB_MACHINE:-$(pc_machine "$emulator")}|g" \
		"${cpu[@]}" \
		-e "s|@KERNEL@|$KERNEL_IMG|g" \
		-e "s|@INITRD@|$INITRD_IMG|g" \
		-e "s|@GUEST_ARGS@|$guest_args|g" \
		-e "s|@EMULATOR@|$emulator|g" \
		-e "s|@DISK@|$d/disk.img|g" \
		-e "s|@MAC@|$LAB_GUEST_MAC|g" \
		-e "s|@BRIDGE@|$LAB_BRIDGE|g" \
		-e "s|@TAP@|mp-$n|g" \
		-e "s|@SERIAL_LOG@|$d/serial.log|g" \
		"$LAB_HELPERS/domain.xml.in" >"$d/domain.xml"
}

wait_for_guest() { # timeout_s
	local deadline v4=0 v6=0
	deadline=$(($(now_us) + $1 * 1000000))
	while (($(now_us) < deadline)); do
		((v4)) || { pings 4 "$LAB_GUEST_IP4" && v4=1; } || true
		((v6)) || { pings 6 "$LAB_GUEST_IP6" && v6=1; } || true
		((v4 && v6)) && return 0
		[[ -n $(current_node) ]] || die "the guest stopped while booting (serial log: $LAB_DIR/node01/serial.log)"
		sleep 0.2
	done
	return 1
}

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
	if load_state 2>/dev/null || netns_exists; then
		die "a lab already exists ($LAB_DIR/lab.state or netns $LAB_NETNS): run scripts/lab.sh down first"
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
	make_netns
	i=0
	for n in "${NODES[@]}"; do
		write_node_config "$n" "$i"
		start_node "$n"
		render_domain_xml "$n"
		i=$((i + 1))
	done
	# node02 probes QEMU's capabilities while the guest boots, not during the
	# first migration (libvirt caches them in $LAB_CACHE_DIR/libvirt-node0X).
	vsh node02 domcapabilities --virttype qemu >/dev/null 2>&1 &
	local warm_pid=$!
	truncate -s "${LAB_DISK_MIB}M" "$LAB_DIR/node01/disk.img"
	vsh node01 define "$LAB_DIR/node01/domain.xml" >/dev/null
	vsh node01 start "$LAB_DOMAIN" >/dev/null
	local qpid
	qpid=$(cat "$LAB_DIR/node01/run/qemu/$LAB_DOMAIN.pid" 2>/dev/null || true)
	[[ -n $qpid ]] && record_pid "qemu-node01" "$qpid"
	say "guest $LAB_DOMAIN started on node01 (qemu pid ${qpid:-?}); waiting for ping on $LAB_GUEST_IP4 and $LAB_GUEST_IP6"
	if ! wait_for_guest "$LAB_BOOT_TIMEOUT"; then
		tail -n 20 "$LAB_DIR/node01/serial.log" >&2 2>/dev/null || true
		die "the guest did not answer ping on both $LAB_GUEST_IP4 and $LAB_GUEST_IP6 within ${LAB_BOOT_TIMEOUT}s (serial log: $LAB_DIR/node01/serial.log)"
	fi
	trap - EXIT
	wait "$warm_pid" || true
	local t1
	t1=$(now_us)
	cat <<EOF
lab is up in $(fmt_s $((t1 - t0))) s
  node01 URI: $(node_uri node01)   (guest runs here)
  node02 URI: $(node_uri node02)
  guest:      $LAB_DOMAIN  $LAB_GUEST_IP4  $LAB_GUEST_IP6
  run inside: ip netns exec $LAB_NETNS <command>
  migrate:    $LAB_SH migrate
  for tools:  eval "\$($LAB_SH env)"
EOF
	if stacks_wanted; then stack_summary; fi
}

# ---- migrate -----------------------------------------------------------------
# One live migration to the other node; returns virsh's status.
migrate_once() {
	local src dst sd dd size rc=0 t0 t1 dt
	src=$(current_node)
	[[ -n $src ]] || lab_fault_exit "cannot migrate"
	dst=$(other_node "$src")
	daemon_alive "$dst" || say "warning: libvirtd of $dst is not running; the migration will fail"
	sd=$(node_dir "$src")
	dd=$(node_dir "$dst")
	# Destination disk: same size, fresh (the copy overwrites it all).
	size=$(stat -c %s "$sd/disk.img")
	rm -f "$dd/disk.img"
	truncate -s "$size" "$dd/disk.img"
	local args=(migrate --live --copy-storage-all --verbose --persistent --undefinesource
		--listen-address 127.0.0.1
		--xml "$dd/domain.xml" --persistent-xml "$dd/domain.xml")
	((LAB_BANDWIDTH_MIB > 0)) && args+=(--bandwidth "$LAB_BANDWIDTH_MIB")
	local bw=""
	((LAB_BANDWIDTH_MIB > 0)) && bw=", bandwidth $LAB_BANDWIDTH_MIB MiB/s"
	say "migrating $LAB_DOMAIN $src -> $dst (live, --copy-storage-all$bw)"
	t0=$(now_us)
	virsh -c "$(node_uri "$src")" "${args[@]}" "$LAB_DOMAIN" "$(node_uri "$dst")" tcp://127.0.0.1 >&2 &
	local vpid=$! deadline timed_out=0 i
	deadline=$((t0 + LAB_MIGRATE_TIMEOUT * 1000000))
	while pid_alive "$vpid"; do
		if ((LAB_MIGRATE_TIMEOUT > 0 && $(now_us) > deadline)); then
			timed_out=1
			say "migration did not finish within LAB_MIGRATE_TIMEOUT=${LAB_MIGRATE_TIMEOUT}s: aborting the job"
			vsh "$src" domjobabort "$LAB_DOMAIN" >&2 || true
			for ((i = 0; i < 300; i++)); do
				pid_alive "$vpid" || break
				sleep 0.1
			done
			pid_alive "$vpid" && kill -KILL "$vpid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$vpid" || rc=$?
	t1=$(now_us)
	((timed_out && rc != 0)) && say "the migration was aborted; the guest stays on $src"
	if ((rc != 0)); then
		say "migration $src -> $dst FAILED (virsh exit $rc) after $(fmt_s $((t1 - t0))) s"
		return "$rc"
	fi
	dt=$(vsh "$dst" domjobinfo --completed --keep-completed "$LAB_DOMAIN" 2>/dev/null |
		awk -F: '/^Total downtime/ {gsub(/[^0-9]/, "", $2); print $2}' || true)
	local qpid
	qpid=$(cat "$dd/run/qemu/$LAB_DOMAIN.pid" 2>/dev/null || true)
	[[ -n $qpid ]] && record_pid "qemu-$dst" "$qpid"
	echo "migrated $src -> $dst in $(fmt_s $((t1 - t0))) s (elapsed_ms=$(((t1 - t0) / 1000)) downtime_ms=${dt:-unknown})"
	return 0
}

cmd_migrate() {
	need_root migrate
	require_lab
	migrate_once
}

cmd_pingpong() {
	local n=${1:-}
	[[ $n =~ ^[1-9][0-9]*$ ]] || usage_error "pingpong needs a positive count, e.g. pingpong 3 (got '${n}')"
	need_root pingpong
	require_lab
	local i rc t0
	t0=$(now_us)
	for ((i = 1; i <= n; i++)); do
		say "pingpong $i/$n"
		rc=0
		migrate_once || rc=$?
		if ((rc != 0)); then
			say "pingpong stopped at migration $i/$n"
			return "$rc"
		fi
	done
	echo "pingpong: $n migrations in $(fmt_s $(($(now_us) - t0))) s"
}

# ---- suspend-for ---------------------------------------------------------------
parse_duration_us() { # "250ms" -> 250000
	local s=$1 num unit int frac mult
	[[ $s =~ ^([0-9]+(\.[0-9]+)?)(us|ms|s)$ ]] || return 1
	num=${BASH_REMATCH[1]}
	unit=${BASH_REMATCH[3]}
	case $unit in us) mult=1 ;; ms) mult=1000 ;; s) mult=1000000 ;; esac
	int=${num%%.*}
	frac=
	[[ $num == *.* ]] && frac=${num#*.}
	frac=${frac}000000
	frac=${frac:0:6}
	# (int + 0.frac) * mult, in whole microseconds
	echo $(((10#$int * mult) + (10#$frac * mult) / 1000000))
}

cmd_suspend_for() {
	local arg=${1:-} win_us
	win_us=$(parse_duration_us "$arg") || usage_error "suspend-for needs a duration with a unit: 250ms, 1.5s, 800us (got '$arg')"
	((win_us > 0)) || usage_error "suspend-for: the duration must be > 0"
	need_root suspend-for
	require_lab
	local node uri evlog evpid
	node=$(current_node)
	[[ -n $node ]] || lab_fault_exit "suspend-for"
	[[ $(vsh "$node" domstate "$LAB_DOMAIN") == running ]] || die "the guest is not in state running on $node"
	uri=$(node_uri "$node")
	evlog=$(mktemp "$LAB_DIR/suspend-events.XXXXXX")
	# QEMU's own STOP/RESUME event times (microseconds) are the ground truth.
	virsh -c "$uri" qemu-monitor-event --domain "$LAB_DOMAIN" --loop >"$evlog" 2>&1 &
	evpid=$!
	sleep 0.5 # let the listener register
	# One virsh session for both commands: no process start-up inside the window.
	local vin vout vpid line t_sent t_ack t_rsent t_rack wait_us
	coproc VSH { exec virsh -c "$uri" 2>&1; }
	vpid=$VSH_PID
	vin=${VSH[1]}
	vout=${VSH[0]}
	# Warm up: connect and look the domain up before the window starts.
	printf 'domstate %s\n' "$LAB_DOMAIN" >&"$vin"
	while IFS= read -r -t 10 line <&"$vout"; do [[ $line == *running* || $line == *error* ]] && break; done
	[[ $line == *running* ]] || { kill "$evpid" "$vpid" 2>/dev/null; die "virsh domstate failed: $line"; }
	t_sent=$(now_us)
	printf 'suspend %s\n' "$LAB_DOMAIN" >&"$vin"
	while IFS= read -r -t 10 line <&"$vout"; do [[ $line == *suspended* || $line == *error* ]] && break; done
	t_ack=$(now_us)
	[[ $line == *suspended* ]] || { kill "$evpid" "$vpid" 2>/dev/null; die "virsh suspend failed: $line"; }
	# The guest stopped between t_sent and t_ack; resume takes about as long
	# to reach QEMU as suspend did, so aim the resume at stop + window.
	wait_us=$((win_us - (t_ack - t_sent)))
	((wait_us > 0)) && sleep "$(printf '%d.%06d' $((wait_us / 1000000)) $((wait_us % 1000000)))"
	t_rsent=$(now_us)
	printf 'resume %s\n' "$LAB_DOMAIN" >&"$vin"
	while IFS= read -r -t 10 line <&"$vout"; do [[ $line == *resumed* || $line == *error* ]] && break; done
	t_rack=$(now_us)
	{ printf 'quit\n' >&"$vin"; } 2>/dev/null || true
	wait "$vpid" 2>/dev/null || true
	[[ $line == *resumed* ]] || { kill "$evpid" 2>/dev/null; die "virsh resume failed: $line (the guest may still be paused: virsh -c '$uri' resume $LAB_DOMAIN)"; }
	# Wait for the RESUME event to be written, then stop the listener.
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q 'event RESUME' "$evlog" && break
		sleep 0.05
	done
	kill "$evpid" 2>/dev/null || true
	wait "$evpid" 2>/dev/null || true
	local stop_ts resume_ts paused_ns resumed_ns source=qemu
	stop_ts=$(awk '/event STOP at/ {print $4; exit}' "$evlog")
	resume_ts=$(awk '/event RESUME at/ {print $4; exit}' "$evlog")
	if [[ -n $stop_ts && -n $resume_ts ]]; then
		paused_ns=$(ts_to_ns "$stop_ts")
		resumed_ns=$(ts_to_ns "$resume_ts")
	else
		say "warning: QEMU STOP/RESUME events not seen; using virsh command times"
		source=virsh
		paused_ns=$(((t_sent + t_ack) * 1000 / 2))
		resumed_ns=$(((t_rsent + t_rack) * 1000 / 2))
	fi
	rm -f "$evlog"
	echo "node=$node domain=$LAB_DOMAIN requested_us=$win_us source=$source paused_ns=$paused_ns resumed_ns=$resumed_ns window_us=$(((resumed_ns - paused_ns) / 1000))"
}

ts_to_ns() { # "1795634356.428328" -> ns
	local s=${1%%.*} f=${1#*.}
	f=${f}000000000
	echo "$s${f:0:9}"
}

shquote() { # POSIX single-quoted form, safe for eval in any sh
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

# ---- env / status --------------------------------------------------------------
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
		[LAB_EXEC]="ip netns exec $LAB_NETNS"
		[LAB_DOMAIN]=$LAB_DOMAIN
		[LAB_GUEST_IP4]=$LAB_GUEST_IP4
		[LAB_GUEST_IP6]=$LAB_GUEST_IP6
		[LAB_GUEST_MAC]=$LAB_GUEST_MAC
		[LAB_BRIDGE]=$LAB_BRIDGE
		[LAB_SRC_NODE]=$src
		[LAB_DST_NODE]=$dst
		[LAB_SRC_URI]=$(node_uri "$src")
		[LAB_DST_URI]=$(node_uri "$dst")
		[LAB_NODE01_URI]=$(node_uri node01)
		[LAB_NODE02_URI]=$(node_uri node02)
		[LAB_MIGRATE_CMD]="env LAB_DIR=$LAB_DIR $LAB_SH migrate"
	)
	local k
	for k in LAB_DIR LAB_NETNS LAB_EXEC LAB_DOMAIN LAB_GUEST_IP4 LAB_GUEST_IP6 LAB_GUEST_MAC \
		LAB_BRIDGE LAB_SRC_NODE LAB_DST_NODE LAB_SRC_URI LAB_DST_URI LAB_NODE01_URI \
		LAB_NODE02_URI LAB_MIGRATE_CMD; do
		printf 'export %s=%s\n' "$k" "$(shquote "${v[$k]}")"
	done
}

cmd_status() {
	need_root status
	if ! load_state; then
		echo "lab: down (no $LAB_DIR/lab.state)"
		return 1
	fi
	local ok=1 n st
	if netns_exists; then echo "netns:  $LAB_NETNS"; else echo "netns:  $LAB_NETNS MISSING" && ok=0; fi
	for n in "${NODES[@]}"; do
		if daemon_alive "$n"; then
			st=$(vsh "$n" domstate "$LAB_DOMAIN" 2>/dev/null || echo absent)
			echo "$n: libvirtd pid $(cat "$(node_dir "$n")/libvirtd.pid"), domain $LAB_DOMAIN: $st  ($(node_uri "$n"))"
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
		if pings 4 "$LAB_GUEST_IP4"; then echo "ping:   $LAB_GUEST_IP4 ok"; else echo "ping:   $LAB_GUEST_IP4 NO REPLY" && ok=0; fi
		if pings 6 "$LAB_GUEST_IP6"; then echo "ping:   $LAB_GUEST_IP6 ok"; else echo "ping:   $LAB_GUEST_IP6 NO REPLY" && ok=0; fi
	fi
	((ok)) && echo "lab: up" && return 0
	echo "lab: DEGRADED"
	return 1
}

# ---- down ----------------------------------------------------------------------
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
# still inside the lab's network namespace (all of it was started by up).
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
	if netns_exists; then ip netns pids "$LAB_NETNS" 2>/dev/null || true; fi
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
	if netns_exists; then
		say "deleting network namespace $LAB_NETNS"
		ip netns del "$LAB_NETNS" || die "could not delete network namespace $LAB_NETNS"
	fi
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

# ---- main ----------------------------------------------------------------------
main() {
	local cmd=${1:-}
	[[ $# -gt 0 ]] && shift
	case "$cmd" in
	up) [[ $# -eq 0 ]] || usage_error "up takes no arguments"; cmd_up ;;
	down) [[ $# -eq 0 ]] || usage_error "down takes no arguments"; cmd_down ;;
	restart-node) [[ $# -eq 1 ]] || usage_error "usage: restart-node node01|node02"; cmd_restart_node "$1" ;;
	status) [[ $# -eq 0 ]] || usage_error "status takes no arguments"; cmd_status ;;
	env) [[ $# -eq 0 ]] || usage_error "env takes no arguments"; cmd_env ;;
	migrate) [[ $# -eq 0 ]] || usage_error "migrate takes no arguments"; cmd_migrate ;;
	pingpong) [[ $# -eq 1 ]] || usage_error "usage: pingpong N"; cmd_pingpong "$1" ;;
	health) [[ $# -eq 0 ]] || usage_error "health takes no arguments"; cmd_health ;;
	reset-guest) [[ $# -eq 0 ]] || usage_error "reset-guest takes no arguments"; cmd_reset_guest ;;
	suspend-for) [[ $# -eq 1 ]] || usage_error "usage: suspend-for DURATION (e.g. 250ms)"; cmd_suspend_for "$1" ;;
	help | -h | --help) usage ;;
	"") usage >&2; exit 2 ;;
	*) usage_error "unknown command '$cmd'" ;;
	esac
}

main "$@"
