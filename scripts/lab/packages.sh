# shellcheck shell=bash
# Host packages for the lab: apt-get install of what is missing, keeping the host's QEMU consistent.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

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
	# The three-host lab: sshd on the nodes (qemu+ssh://), `nc -U` for
	# libvirt's ssh proxy, ssh-keygen and ssh on the prober, nft for
	# LAB_GUEST_DROP_ICMP, timeout for the TCP checks.
	[[ -x /usr/sbin/sshd ]] || pkgs+=(openssh-server)
	command -v ssh >/dev/null || pkgs+=(openssh-client)
	command -v nc.openbsd >/dev/null || pkgs+=(netcat-openbsd)
	command -v nft >/dev/null || pkgs+=(nftables)
	command -v timeout >/dev/null || pkgs+=(coreutils)
	((${#pkgs[@]})) || return 0
	[[ $LAB_INSTALL == 1 ]] || die "missing packages: ${pkgs[*]} (LAB_INSTALL=0: install them yourself)"
	command -v apt-get >/dev/null || die "missing packages: ${pkgs[*]}, and no apt-get here to install them"
	say "installing: ${pkgs[*]}"
	local made_policy=0 had_libvirt=0 had_sshd=0
	[[ -x /usr/sbin/libvirtd ]] && had_libvirt=1
	[[ -x /usr/sbin/sshd ]] && had_sshd=1
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
	((had_sshd)) || keep_system_sshd_off
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

# openssh-server, installed for the lab's nodes only, enables the host's own
# sshd for the next boot (its start now is refused by policy-rc.d): disable it.
keep_system_sshd_off() {
	command -v systemctl >/dev/null || return 0
	say "openssh-server was installed for the lab's nodes: disabling the host's own ssh.service (systemctl enable ssh to undo)"
	systemctl disable ssh.service >/dev/null 2>&1 || true
	if systemd_running; then systemctl stop ssh.service ssh.socket >/dev/null 2>&1 || true; fi
	return 0
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
