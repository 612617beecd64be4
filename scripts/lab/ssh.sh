# shellcheck shell=bash
# ssh into the nodes, and the remote libvirt URIs that use it.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).
#
# Each node runs a real sshd (Debian's openssh-server) in its network
# namespace on port 22 of its lab address: root login by key only, with a host
# key made for this lab. The client side lives in $LAB_DIR/ssh: the client
# key, known_hosts with the nodes' host keys, an ssh_config, and `ssh`, a
# wrapper that runs ssh with that config (no ~/.ssh is read or written).
# libvirt's ssh transport runs that wrapper (URI parameter command=) and, on
# the node, `nc -U <socket>` (proxy=netcat, netcat=nc.openbsd): the node's
# libvirtd socket is not at the default path. Checked with libvirt 9.0:
# proxy=native (virt-ssh-helper) ignores socket= and fails ("cannot connect to
# '/var/run/libvirt/libvirt-sock'"); proxy=auto works too (it uses netcat when
# socket= is given), but the lab names the mode it relies on.

ssh_dir() { echo "$LAB_DIR/ssh"; }

# The node's remote URI: qemu+ssh://root@IP/system?... or qemu+tcp://IP/system.
remote_uri() { # node [transport]
	local n=$1 t=${2:-$LAB_URI_TRANSPORT} s
	s=$(ssh_dir)
	if [[ $t == tcp ]]; then
		echo "qemu+tcp://$(node_ip4 "$n")/system"
	else
		echo "qemu+ssh://root@$(node_ip4 "$n")/system?socket=$(node_dir "$n")/libvirt-sock&proxy=netcat&netcat=nc.openbsd&command=$s/ssh"
	fi
}

# Keys, known_hosts, ssh_config and the ssh wrapper for this lab.
make_ssh_files() {
	local s n key
	s=$(ssh_dir)
	mkdir -p "$s"
	chmod 700 "$s"
	ssh-keygen -q -t ed25519 -N '' -C "migprobe-lab-client" -f "$s/id_ed25519"
	cp "$s/id_ed25519.pub" "$s/authorized_keys"
	: >"$s/known_hosts"
	for n in "${NODES[@]}"; do
		mkdir -p "$(node_dir "$n")"
		key=$(node_dir "$n")/ssh_host_ed25519_key
		ssh-keygen -q -t ed25519 -N '' -C "migprobe-lab-$n" -f "$key"
		printf '%s,%s,%s %s\n' "$n" "$(node_ip4 "$n")" "$(node_ip6 "$n")" "$(cut -d' ' -f1,2 "$key.pub")" >>"$s/known_hosts"
	done
	cat >"$s/config" <<EOF
# migprobe lab: ssh from the prober host to the nodes (ssh -F $s/config)
Host *
	User root
	IdentityFile $s/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $s/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 5
	LogLevel ERROR
EOF
	printf '#!/bin/sh\n# ssh with the migprobe lab'"'"'s own config (libvirt URI parameter command=)\nexec ssh -F %s/config "$@"\n' \
		"$s" >"$s/ssh"
	chmod 755 "$s/ssh"
}

write_sshd_config() { # node
	local n=$1 d
	d=$(node_dir "$n")
	cat >"$d/sshd_config" <<EOF
# migprobe lab $n: key-only root login from inside the lab
ListenAddress $(node_ip4 "$n")
ListenAddress $(node_ip6 "$n")
Port 22
HostKey $d/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile $(ssh_dir)/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
EOF
}

# sshd in the node's network namespace, in the foreground (its PID is recorded).
start_sshd() { # node
	local n=$1 d pid i
	d=$(node_dir "$n")
	write_sshd_config "$n"
	# sshd's privilege separation directory (openssh-server's tmpfiles.d makes
	# it at boot; a host without systemd may not have it).
	mkdir -p /run/sshd
	setsid ip netns exec "$(node_netns "$n")" /usr/sbin/sshd -D -e -f "$d/sshd_config" \
		</dev/null >"$d/sshd.log" 2>&1 &
	pid=$!
	record_pid "sshd-$n" "$pid"
	for ((i = 0; i < 50; i++)); do
		pid_alive "$pid" || die "sshd for $n exited at start (log: $d/sshd.log): $(tail -n 3 "$d/sshd.log")"
		if in_ns timeout 1 bash -c ': <>"/dev/tcp/$1/22"' sh "$(node_ip4 "$n")" 2>/dev/null; then
			say "$n: sshd pid $pid on $(node_ip4 "$n"):22"
			return 0
		fi
		sleep 0.1
	done
	die "sshd for $n did not listen on $(node_ip4 "$n"):22 within 5 s (log: $d/sshd.log)"
}
