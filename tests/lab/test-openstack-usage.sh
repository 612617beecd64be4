#!/usr/bin/env bash
# scripts/openstack-lab.sh without a cloud: usage errors exit 2 and name the
# fix, status/env of an absent lab say so, the OpenStack scenario's scripts
# (tests/lab/test-openstack.sh, scripts/openstack/example.sh) refuse bad knobs
# with exit 2, and every template renders with no @PLACEHOLDER@ left (the
# values up would give). Needs root (the script checks
# for it first) but starts nothing. Run: sudo bash tests/lab/test-openstack-usage.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OS=scripts/openstack-lab.sh
export LAB_DIR=/tmp/migprobe-os-usage-test LAB_NETNS=mp-os-usage-test
pass=0 fail=0
check() { # name expected-rc expected-text command...
	local name=$1 want=$2 text=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc == "$want" && $out == *"$text"* ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: rc=$rc (want $want), output: ${out:0:300}"
	fi
}
check "no command" 2 "Usage:" "$OS"
check "unknown command" 2 "unknown command 'bogus'" "$OS" bogus
check "extra argument" 2 "up takes no arguments" "$OS" up now
check "bad RAM" 2 "OS_LAB_RAM_MIB must be" env OS_LAB_RAM_MIB=12 "$OS" status
check "bad step" 2 "OS_LAB_UNTIL must be one of" env OS_LAB_UNTIL=nova-x "$OS" up
check "bad LAB_DIR" 2 "LAB_DIR must be an absolute path" env LAB_DIR=rel "$OS" down
check "status of no lab" 1 "openstack-lab: down" "$OS" status
check "env of no lab" 1 "is not up" "$OS" env
check "help" 0 "Commands:" "$OS" help

# Templates: render each as up does, in a scratch os dir.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The scenario (CI's test, the example) refuses bad knobs before anything starts.
printf '#!/bin/sh\necho "Usage: migprobe run [OPTIONS]"\n' >"$tmp/old-migprobe" && chmod +x "$tmp/old-migprobe"
TOS=tests/lab/test-openstack.sh
check "scenario: bad form" 2 "OS_SCENARIO_FORM must be openstack or libvirt" env OS_SCENARIO_FORM=nova bash "$TOS"
check "scenario: bad reuse" 2 "OS_SCENARIO_REUSE must be 0 or 1" env OS_SCENARIO_REUSE=yes MIGPROBE=/bin/true bash "$TOS"
check "scenario: the plain lab's names" 2 "name the plain lab" env LAB_NETNS=migprobe-lab bash "$TOS"
check "scenario: no binary" 2 "no migprobe binary at /nonexistent" env MIGPROBE=/nonexistent bash "$TOS"
check "scenario: no --openstack-server" 2 "OS_SCENARIO_FORM=libvirt" env MIGPROBE="$tmp/old-migprobe" bash "$TOS"
mkdir -p "$tmp/out" && touch "$tmp/out/x"
check "scenario: output not empty" 2 "is not empty" env OS_CI_OUT="$tmp/out" MIGPROBE="$tmp/old-migprobe" OS_SCENARIO_FORM=libvirt bash "$TOS"
touch "$tmp/out/README.md"
check "example: no overwrite without --force" 2 "pass --force" bash scripts/openstack/example.sh "$tmp/out"
check "example: unknown flag" 2 "unknown flag '--bogus'" bash scripts/openstack/example.sh --bogus
# A guest kernel crash in the server's console is a lab fault (real consoles:
# tests/fixtures/openstack/README.md); a healthy console is not.
fx=tests/fixtures/openstack
mkdir -p "$tmp/crash" "$tmp/ok"
cp "$fx/console-crash-head.log" "$tmp/crash/console-node02.log"
cp "$fx/console-boot-ok.log" "$tmp/ok/console-node01.log"
# shellcheck disable=SC2016 # expanded by the inner bash
died() { bash -c 'source scripts/openstack/scenario.sh && scenario_guest_died "$1"' sh "$1"; }
check "scenario: a crashed guest is a lab fault" 0 "BUG: kernel NULL pointer dereference" died "$tmp/crash"
check "scenario: a healthy guest is not" 1 "" died "$tmp/ok"
# shellcheck disable=SC2016 # expanded by the inner bash
if bash -c '
	set -euo pipefail
	source scripts/openstack-lab.sh
	LAB_DIR=$1
	mkdir -p "$(os_dir)/etc"
	make_passwords
	render keystone.conf.in "$1/k" "OSDIR=$(os_dir)" "CTL_IP=$OS_CTL_IP4" "PASS=x"
	render glance-api.conf.in "$1/g" "OSDIR=$(os_dir)" "CTL_IP=$OS_CTL_IP4" "PASS=x"
	render placement.conf.in "$1/p" "OSDIR=$(os_dir)" "CTL_IP=$OS_CTL_IP4" "PASS=x"
	render_nova_controller_conf >/dev/null
	render_nova_conf node01 192.0.2.11 "qemu:///system?socket=/x" >/dev/null
	render_neutron_conf node02 >/dev/null
	grep -q "^connection = mysql+pymysql://nova:" "$(os_dir)/etc/nova-controller.conf"
	! grep -q "^connection" "$(os_dir)/etc/nova-node01.conf"
	grep -q "^physical_interface_mappings = provider:osphy$" "$(os_dir)/etc/neutron-node02.conf"
	[[ $(grep -c "^\[keystone_authtoken\]" "$(os_dir)/etc/nova-node01.conf") == 1 ]]
' sh "$tmp"; then pass=$((pass + 1)); else fail=$((fail + 1)) && echo "FAIL templates"; fi

echo "openstack-lab usage: $pass passed, $fail failed"
((fail == 0))
