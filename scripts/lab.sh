#!/usr/bin/env bash
# migprobe lab: two libvirt "hypervisors" (node01, node02) and a prober host on
# one machine, each in its own network namespace and joined by a bridge
# "switch", with a tiny guest that can be live-migrated between the nodes
# (--copy-storage-all). Run `scripts/lab.sh help` for usage. This file holds
# the knobs, the help and the command dispatch; the work is in scripts/lab/*.sh.
set -euo pipefail
export LC_ALL=C

LAB_SH=$(readlink -f "${BASH_SOURCE[0]}")
LAB_HELPERS=$(dirname "$LAB_SH")/lab
# shellcheck source=lab/common.sh
source "$LAB_HELPERS/common.sh"
# shellcheck source=lab/packages.sh
source "$LAB_HELPERS/packages.sh"
# shellcheck source=lab/network.sh
source "$LAB_HELPERS/network.sh"
# shellcheck source=lab/daemons.sh
source "$LAB_HELPERS/daemons.sh"
# shellcheck source=lab/ssh.sh
source "$LAB_HELPERS/ssh.sh"
# shellcheck source=lab/guest.sh
source "$LAB_HELPERS/guest.sh"
# shellcheck source=lab/migrate.sh
source "$LAB_HELPERS/migrate.sh"
# shellcheck source=lab/lifecycle.sh
source "$LAB_HELPERS/lifecycle.sh"
# shellcheck source=lab/info.sh
source "$LAB_HELPERS/info.sh"
# shellcheck source=lab/fault.sh
source "$LAB_HELPERS/fault.sh"
# shellcheck source=lab/guests.sh
source "$LAB_HELPERS/guests.sh"
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
LAB_GUEST_DROP_ICMP=${LAB_GUEST_DROP_ICMP:-0}
LAB_GUEST_NO_ICMP_LIMIT=${LAB_GUEST_NO_ICMP_LIMIT:-0}
# 1 = each node's libvirtd runs in a UTS namespace of its own with hostname
# node01/node02 (what libvirt reports as the hypervisor host name; nova needs
# two different ones: scripts/openstack-lab.sh).
LAB_NODE_HOSTNAME=${LAB_NODE_HOSTNAME:-0}
# env-time knob: a value set in the environment wins over the one recorded at up
LAB_URI_TRANSPORT_ENV=${LAB_URI_TRANSPORT:-}
LAB_URI_TRANSPORT=${LAB_URI_TRANSPORT:-ssh}
# Stacks (scripts/lab/stacks.sh); unset = the host's packages, as always.
LAB_STACK=${LAB_STACK:-}
LAB_STACK_NODE01=${LAB_STACK_NODE01:-}
LAB_STACK_NODE02=${LAB_STACK_NODE02:-}
LAB_GUEST_KERNEL=${LAB_GUEST_KERNEL:-}
LAB_MACHINE=${LAB_MACHINE:-}
# RAM of each extra guest of guests-up (a host evacuation).
LAB_EVAC_RAM_MIB=${LAB_EVAC_RAM_MIB:-96}
# shellcheck disable=SC2034 # read through ${!name} (node_stack_root)
LAB_STACK_ROOT_NODE01='' LAB_STACK_ROOT_NODE02=''
KERNEL_ROOT=

# Fixed lab addressing (documentation ranges only, and only inside the lab's
# namespaces): the prober host is the guest's gateway and carries the switch.
LAB_SWITCH=mpsw0
LAB_BRIDGE=mpbr0
LAB_GW4=192.0.2.1
LAB_GW6=2001:db8::1
# shellcheck disable=SC2034 # read through ${!name} (node_ip6)
LAB_NODE01_IP4=192.0.2.11 LAB_NODE01_IP6=2001:db8::11
# shellcheck disable=SC2034 # read through ${!name} (node_ip6)
LAB_NODE02_IP4=192.0.2.12 LAB_NODE02_IP6=2001:db8::12
LAB_GUEST_IP4=192.0.2.10
LAB_GUEST_IP6=2001:db8::10
LAB_GUEST_MAC=52:54:00:c0:02:0a
# The guest's TCP echo listener (guest-init.sh), for --probe tcp:PORT.
LAB_GUEST_TCP_PORT=7
NODES=(node01 node02)
MARKER=.migprobe-lab

usage() {
	cat <<EOF
Usage: scripts/lab.sh COMMAND [ARG]

A local two-hypervisor libvirt lab for migprobe (no cloud, no KVM needed), as
three hosts on one switch, each a network namespace:
  \$LAB_NETNS          the prober host (192.0.2.1, 2001:db8::1) with the switch;
                      run migprobe here: ip netns exec \$LAB_NETNS ...
  \$LAB_NETNS-node01   libvirtd + sshd of node01 (192.0.2.11, 2001:db8::11)
  \$LAB_NETNS-node02   libvirtd + sshd of node02 (192.0.2.12, 2001:db8::12)
The guest (192.0.2.10, 2001:db8::10; TCP echo on port 7) hangs on the bridge of
the node it runs on, uplinked to the switch. Its addresses exist there only.
libvirt is reached from the prober host as qemu+ssh://root@NODE-IP/system?...
(key login, the lab's keys and ssh_config in \$LAB_DIR/ssh) or
qemu+tcp://NODE-IP/system (no auth); migrations go node to node.

Commands:
  up                 install missing packages, create the namespaces, switch
                     and bridges, start libvirtd and sshd of "node01" and
                     "node02", boot the guest on node01 and wait until it
                     answers ping (v4 and v6; its TCP echo with
                     LAB_GUEST_DROP_ICMP=1)
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
  guests-up N        boot N more (idle) guests on node01 for a host evacuation:
                     \$LAB_DOMAIN-g1..gN at 192.0.2.21.. and 2001:db8::21..;
                     env then gives LAB_EVAC_DOMAINS, LAB_EVAC_TARGETS
                     (NAME=ADDR each) and LAB_MIGRATE_GUEST_CMD
  migrate-guest NAME live-migrate one extra guest to the other node
  guests-down        destroy and remove the extra guests (down does too)
  down               remove everything 'up' made (safe to run twice)
  help               this text

Environment knobs (defaults):
  LAB_DIR=/tmp/migprobe-lab        state, node dirs, disks, logs, PIDs
  LAB_NETNS=migprobe-lab           the prober host's network namespace; the
                                   nodes' are \$LAB_NETNS-node01/-node02
  LAB_URI_TRANSPORT=ssh            ssh or tcp: the remote URIs of env and the
                                   transport of migrate (at any command)
  LAB_GUEST_DROP_ICMP=0            1 = the nodes' bridges drop ICMP echo to the
                                   guest (nftables); probe it with tcp:7
  LAB_GUEST_NO_ICMP_LIMIT=0        1 = the guest's kernel sends every ICMP error
                                   (no rate limit): udp:PORT probes of a closed
                                   port answered at any rate
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
  LAB_NODE_HOSTNAME=0              1 = each node's libvirtd (and what runs in
                                   its namespaces) has its own host name,
                                   node01/node02, in a UTS namespace
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
  LAB_EVAC_RAM_MIB=96              RAM of each extra guest of guests-up (64 MiB
                                   does not boot the Debian kernel + initramfs)
  LAB_MACHINE=                     guest machine type (default: pc, or
                                   pc-i440fx-7.2 when a node runs backports, so
                                   the guest can move between QEMU 7.2 and 10.0)
The guest console is logged per node in \$LAB_DIR/nodeNN/serial.log (older
guests' consoles, after reset-guest, in \$LAB_DIR/faults/).
Knobs used at 'up' are recorded in \$LAB_DIR/lab.state and reused later.

Example:
  sudo scripts/lab.sh up
  eval "\$(sudo scripts/lab.sh env)"
  sudo ip netns exec "\$LAB_PROBER_NETNS" ping -i 0.01 "\$LAB_GUEST_IP4" &
  sudo ip netns exec "\$LAB_PROBER_NETNS" virsh -c "\$LAB_SRC_URI" list
  sudo scripts/lab.sh migrate
  sudo scripts/lab.sh down
EOF
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
	guests-up) [[ $# -eq 1 ]] || usage_error "usage: guests-up N"; cmd_guests_up "$1" ;;
	migrate-guest) [[ $# -eq 1 ]] || usage_error "usage: migrate-guest NAME"; cmd_migrate_guest "$1" ;;
	guests-down) [[ $# -eq 0 ]] || usage_error "guests-down takes no arguments"; cmd_guests_down ;;
	suspend-for) [[ $# -eq 1 ]] || usage_error "usage: suspend-for DURATION (e.g. 250ms)"; cmd_suspend_for "$1" ;;
	help | -h | --help) usage ;;
	"") usage >&2; exit 2 ;;
	*) usage_error "unknown command '$cmd'" ;;
	esac
}

main "$@"
