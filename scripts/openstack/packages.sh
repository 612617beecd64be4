# shellcheck shell=bash
# Debian 12's OpenStack Zed and its services, installed without starting any
# of them: a policy-rc.d that forbids every start is in place during the
# install (an existing one is kept aside and put back after), so nothing runs
# on the host's own interfaces; openstack-lab.sh starts each daemon itself.
# Sourced by scripts/openstack-lab.sh (uses its knobs and common.sh).

OS_PACKAGES=(mariadb-server python3-pymysql rabbitmq-server
	keystone glance-api placement-api
	nova-api nova-conductor nova-scheduler nova-compute nova-compute-kvm
	neutron-server neutron-linuxbridge-agent python3-openstackclient)

missing_packages() {
	local p st
	for p in "${OS_PACKAGES[@]}"; do
		st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
		[[ $st == installed ]] || echo "$p"
	done
}

POLICY_RC=/usr/sbin/policy-rc.d
policy_forbid() { # saves an existing policy-rc.d to $1
	if [[ -e $POLICY_RC ]]; then cp -p "$POLICY_RC" "$1"; fi
	printf '#!/bin/sh\n# migprobe openstack-lab: no service starts during the install\nexit 101\n' >"$POLICY_RC"
	chmod 755 "$POLICY_RC"
}
policy_restore() { # the saved copy (or none: remove ours)
	if [[ -e $1 ]]; then mv -f "$1" "$POLICY_RC"; else rm -f "$POLICY_RC"; fi
}

# Installs what is missing (apt-get output to $OS_INSTALL_LOG), timed.
install_os_packages() {
	local missing saved t0
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		say "packages: all ${#OS_PACKAGES[@]} installed"
		return 0
	fi
	((OS_INSTALL)) || die "missing packages (OS_LAB_INSTALL=0 forbids apt-get): ${missing[*]}"
	t0=$(now_s)
	say "installing ${missing[*]} (apt-get; no service is started)"
	saved=$(mktemp /tmp/policy-rc.d.saved.XXXXXX)
	rm -f "$saved"
	policy_forbid "$saved"
	local rc=0
	{
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
				--no-install-recommends -o Dpkg::Options::=--force-confdef \
				-o Dpkg::Options::=--force-confold "${missing[@]}"
	} >"$OS_INSTALL_LOG" 2>&1 || rc=$?
	policy_restore "$saved"
	((rc == 0)) || die "apt-get failed (exit $rc); see $OS_INSTALL_LOG"
	say "packages installed in $(($(now_s) - t0)) s (log: $OS_INSTALL_LOG)"
}
