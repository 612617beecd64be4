#!/usr/bin/env bash
# migprobe OpenStack lab: a minimal real OpenStack Zed (Debian 12's packages)
# on the three-host libvirt lab of scripts/lab.sh: a controller host (its own
# network namespace on the lab switch) with MariaDB, RabbitMQ, keystone,
# glance, placement, nova-api/conductor/scheduler and neutron-server; node01
# and node02 as nova-compute hosts on their own libvirtd, with neutron's Linux
# bridge agent; one small server booted on node01. Run
# `scripts/openstack-lab.sh help` for usage; docs/openstack-lab.md says how
# far it gets. This file holds the knobs, the help and the dispatch; the work
# is in scripts/openstack/*.sh, the configuration in scripts/openstack/templates.
set -euo pipefail
export LC_ALL=C

OS_SH=$(readlink -f "${BASH_SOURCE[0]}")
OS_HELPERS=$(dirname "$OS_SH")/openstack
OS_TEMPLATES=$OS_HELPERS/templates
LAB_SH_BASE=$(dirname "$OS_SH")/lab.sh
# shellcheck source=lab/common.sh
source "$(dirname "$OS_SH")/lab/common.sh"
# shellcheck source=openstack/common.sh
source "$OS_HELPERS/common.sh"
# shellcheck source=openstack/packages.sh
source "$OS_HELPERS/packages.sh"
# shellcheck source=openstack/infra.sh
source "$OS_HELPERS/infra.sh"
# shellcheck source=openstack/services.sh
source "$OS_HELPERS/services.sh"
# shellcheck source=openstack/compute.sh
source "$OS_HELPERS/compute.sh"
# shellcheck source=openstack/cloud.sh
source "$OS_HELPERS/cloud.sh"
# shellcheck source=openstack/lifecycle.sh
source "$OS_HELPERS/lifecycle.sh"
# shellcheck source=openstack/info.sh
source "$OS_HELPERS/info.sh"

# ---- knobs (environment) ---------------------------------------------------
# Its own defaults, so it never collides with the plain lab (migprobe-lab).
LAB_DIR=${LAB_DIR:-/tmp/migprobe-os}
LAB_NETNS=${LAB_NETNS:-migprobe-os}
OS_INSTALL=${OS_LAB_INSTALL:-1}
OS_KEEP_FAILED=${OS_LAB_KEEP_FAILED:-0}
OS_BOOT_TIMEOUT=${OS_LAB_BOOT_TIMEOUT:-300}
OS_RAM_MIB=${OS_LAB_RAM_MIB:-128}
OS_UNTIL=${OS_LAB_UNTIL:-}
OS_INSTALL_LOG=${OS_LAB_INSTALL_LOG:-/tmp/migprobe-openstack-apt.log}

# Fixed names and addresses (documentation ranges, inside the lab's namespaces only).
OS_SWITCH=mpsw0
OS_BRIDGE=mpbr0
OS_PHYS=osphy
OS_GW4=192.0.2.1
OS_GW6=2001:db8::1
OS_CTL_IP4=192.0.2.5
OS_CTL_IP6=2001:db8::5
OS_NODE01_IP4=192.0.2.11
OS_NODE02_IP4=192.0.2.12
OS_SERVER_IP4=192.0.2.30
OS_SERVER_IP6=2001:db8::30
OS_DISK_MIB=64
OS_LAB_GUEST=migvm
OS_IMAGE=migprobe-guest
OS_FLAVOR=migprobe-tiny
OS_NETWORK=lab
OS_SERVER=migvm-os

usage() {
	cat <<EOF
Usage: scripts/openstack-lab.sh COMMAND

A minimal real OpenStack (Debian 12: Zed) on the three-host lab of
scripts/lab.sh, for migprobe: the controller host \$LAB_NETNS-ctl ($OS_CTL_IP4 on
the lab switch) runs MariaDB, RabbitMQ, keystone, glance, placement,
nova-api/conductor/scheduler and neutron-server; node01 and node02 run
nova-compute (on the node's own libvirtd, TCG) and neutron's Linux bridge
agent; server $OS_SERVER ($OS_SERVER_IP4, $OS_SERVER_IP6, TCP echo on port 7)
boots on node01 from Glance images made from the lab guest. Everything
listens on lab addresses only; nothing is started by systemd.

Commands:
  up        install the packages that are missing (no service is started by
            the install), bring up the base lab (scripts/lab.sh up), start
            every service, create images, flavor, network, port and the
            server, and wait until it answers ping from the prober host
  env       print export lines (for eval): OS_* for the admin project, the
            server's ID, addresses, libvirt domain name and host, both compute
            host names and the nodes' libvirt URIs (from \$LAB_NETNS)
  status    the daemons, nova's services, neutron's agents, the server and
            whether it answers (exit 1 if anything is missing)
  migrate   one block live migration through nova to the other compute
            (openstack server migrate --live-migration --block-migration)
  down      stop everything and remove namespaces, database, files (also
            after a failed up; safe to run twice)
  help      this text

Environment knobs (defaults):
  LAB_DIR=/tmp/migprobe-os         the lab's directory (base lab + os/: configs,
                                   passwords, databases, logs, PIDs)
  LAB_NETNS=migprobe-os            the prober host's namespace; the others are
                                   \$LAB_NETNS-ctl, -node01, -node02
  OS_LAB_INSTALL=1                 0 = never run apt-get
  OS_LAB_INSTALL_LOG=/tmp/migprobe-openstack-apt.log   apt-get's output
  OS_LAB_UNTIL=                    stop up after this step: ${UP_STEPS[*]}
  OS_LAB_RAM_MIB=128               the server's flavor RAM (at least 64)
  OS_LAB_BOOT_TIMEOUT=300          seconds for the server to be ACTIVE and answer
  OS_LAB_KEEP_FAILED=0             1 = leave a failed up in place for debugging
Plus the base lab's knobs (scripts/lab.sh help), e.g. LAB_CACHE_DIR.

Example:
  sudo scripts/openstack-lab.sh up
  eval "\$(sudo scripts/openstack-lab.sh env)"
  sudo -E ip netns exec "\$OS_LAB_PROBER_NETNS" openstack server show "\$OS_LAB_SERVER_ID"
  sudo scripts/openstack-lab.sh migrate
  sudo scripts/openstack-lab.sh down
EOF
}

main() {
	local cmd=${1:-}
	[[ $# -gt 0 ]] && shift
	case "$cmd" in
	up | down | env | status | migrate)
		[[ $# -eq 0 ]] || usage_error "$cmd takes no arguments"
		"cmd_$cmd"
		;;
	help | -h | --help) usage ;;
	"") usage >&2; exit 2 ;;
	*) usage_error "unknown command '$cmd'" ;;
	esac
}

# Sourced (tests/lab/test-openstack-usage.sh), it only defines.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
