# shellcheck shell=bash
# The three-host lab's checks, sourced by tests/lab/test-lab.sh (uses its ok,
# not_ok, check, LAB, LOG, IP4, IP6): the prober host and the two nodes are
# separate network namespaces, each node's libvirtd and sshd run in it, the
# remote URIs work from the prober, the guest's MAC moves between the switch's
# ports, migprobe on the prober hears both hosts, and a guest that drops ICMP
# echo answers its TCP echo listener.

node_ns() { echo "$LAB_NETNS-$1"; }
in_prober() { ip netns exec "$LAB_NETNS" "$@"; }

# The namespace a process runs in (its name under /run/netns), or "?".
netns_of() { # pid
	local ns
	ns=$(ip netns identify "$1" 2>/dev/null || true)
	echo "${ns:-?}"
}

check_three_hosts() {
	local n ns pid want
	for ns in "$LAB_NETNS" "$(node_ns node01)" "$(node_ns node02)"; do
		if [[ -e /run/netns/$ns ]]; then ok "host namespace $ns exists"; else not_ok "host namespace $ns missing"; fi
	done
	for n in node01 node02; do
		want=$(node_ns "$n")
		pid=$(cat "$LAB_DIR/$n/libvirtd.pid" 2>/dev/null || echo 0)
		ns=$(netns_of "$pid")
		if [[ $ns == "$want" ]]; then ok "libvirtd of $n runs in $want"; else not_ok "libvirtd of $n (pid $pid) runs in '$ns', want $want"; fi
		pid=$(awk -v k="sshd-$n" '$1 == k {p = $2} END {print p + 0}' "$LAB_DIR/pids")
		ns=$(netns_of "$pid")
		if [[ $ns == "$want" ]]; then ok "sshd of $n runs in $want"; else not_ok "sshd of $n (pid $pid) runs in '$ns', want $want"; fi
	done
	pid=$(cat "$LAB_DIR/node01/run/qemu/$LAB_DOMAIN.pid" 2>/dev/null || echo 0)
	ns=$(netns_of "$pid")
	if [[ $ns == "$(node_ns node01)" ]]; then ok "the guest's QEMU runs in $ns"; else not_ok "the guest's QEMU (pid $pid) runs in '$ns'"; fi
	if ip netns exec "$(node_ns node01)" ping -c 1 -W 1 -q 192.0.2.12 >/dev/null 2>&1; then
		ok "node01 reaches node02 over the lab network"
	else not_ok "node01 does not reach node02 (192.0.2.12)"; fi
}

# virsh on the prober host with both transports' URIs sees the guest running.
check_remote_uris() { # node
	local n=$1 t uri st
	for t in ssh tcp; do
		uri=$(LAB_URI_TRANSPORT=$t "$LAB" env 2>>"$LOG" | sed -n "s/^export LAB_${n^^}_URI='\(.*\)'$/\1/p")
		if [[ $uri != qemu+$t://* ]]; then
			not_ok "LAB_URI_TRANSPORT=$t env gives a qemu+$t:// URI for $n: '$uri'"
			continue
		fi
		st=$(in_prober virsh -q -c "$uri" domstate "$LAB_DOMAIN" 2>>"$LOG" || echo error)
		if [[ $st == running ]]; then ok "from the prober host, $uri says $LAB_DOMAIN running"; else not_ok "from the prober host, $uri: '$st'"; fi
	done
	if grep -qsF 192.0.2.1 "${HOME:-/root}/.ssh/known_hosts"; then
		not_ok "the lab wrote to ~/.ssh/known_hosts"
	else ok "no lab host in ~/.ssh/known_hosts (the lab's ssh_config is used)"; fi
}

# The switch learned the guest's MAC on the port of the node it runs on.
check_mac_on_port() { # node
	local fdb
	fdb=$(bridge -n "$LAB_NETNS" fdb show br mpsw0 2>>"$LOG" | grep -i "^${LAB_GUEST_MAC:-52:54:00:c0:02:0a} " || true)
	if [[ $fdb == *" dev sw-$1 "* ]]; then ok "the switch has the guest's MAC on port sw-$1"; else not_ok "switch FDB for the guest's MAC: '$fdb', want port sw-$1"; fi
}

# migprobe run on the prober host with the remote URIs: both hosts' events.
check_migprobe_run() {
	local bin=${MIGPROBE:-$ROOT/target/debug/migprobe} out rc=0
	if [[ ! -x $bin ]]; then
		not_ok "migprobe binary $bin missing (cargo build, or set MIGPROBE)"
		return
	fi
	out=$(mktemp -d /tmp/migprobe-lab-hosts.XXXXXX)
	eval "$("$LAB" env 2>>"$LOG")"
	# shellcheck disable=SC2086 # LAB_MIGRATE_CMD is a command line
	ip netns exec "$LAB_PROBER_NETNS" "$bin" run -t "$LAB_GUEST_IP4" -t "$LAB_GUEST_IP6" \
		--src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
		--warmup 1s --cooldown 2s --drain 1s -q --out "$out/run" -- $LAB_MIGRATE_CMD >>"$LOG" 2>&1 || rc=$?
	if ((rc == 0)); then ok "migprobe run on the prober host over qemu+ssh:// (exit 0)"; else not_ok "migprobe run on the prober host: exit $rc"; fi
	check "run file: capture_started from both hosts over qemu+ssh, guest moved" \
		python3 - "$bin" "$out/run" "$out/run/report.json" <<'PY'
import json, subprocess, sys
cat = subprocess.run([sys.argv[1], "cat", sys.argv[2]], capture_output=True, text=True, check=True).stdout
lines = [json.loads(l) for l in cat.splitlines() if l.strip()]
started = {e["origin"]: e["detail"] for e in lines if e.get("type") == "event" and e.get("kind") == "capture_started"}
print("capture_started:", json.dumps(started)[:600])
assert set(started) >= {"src", "dst"}, started
for side in ("src", "dst"):
    assert str(started[side].get("uri", "")).startswith("qemu+ssh://root@192.0.2.1"), started[side]
report = json.load(open(sys.argv[3]))
assert (report.get("migration") or {}).get("result") == "completed", report.get("migration")
PY
	rm -rf "$out"
}

# A lab with LAB_GUEST_DROP_ICMP=1: no ping reply, the TCP echo answers, and
# both stay so after a migration (the rule is on both nodes).
# A line sent to the guest's TCP echo listener (port 7) comes back.
tcp_ok() { # addr
	# shellcheck disable=SC2016 # expanded by the inner bash
	in_prober timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/7" && echo hi >&3 && read -r -t 2 l <&3 && [[ $l == hi ]]' sh "$1"
}

check_drop_icmp() {
	if ! LAB_GUEST_DROP_ICMP=1 "$LAB" up >>"$LOG" 2>&1; then
		not_ok "up with LAB_GUEST_DROP_ICMP=1 (see $LOG)"
		return
	fi
	ok "up with LAB_GUEST_DROP_ICMP=1"
	local hop
	for hop in node01 node02; do
		if in_prober ping -c 2 -W 1 -q "$IP4" >/dev/null 2>&1; then not_ok "ping $IP4 answered on $hop (ICMP should be dropped)"; else ok "no ping reply from $IP4 on $hop"; fi
		if in_prober ping -6 -c 2 -W 1 -q "$IP6" >/dev/null 2>&1; then not_ok "ping $IP6 answered on $hop"; else ok "no ping reply from $IP6 on $hop"; fi
		check "TCP echo on $IP4:7 answers on $hop" tcp_ok "$IP4"
		check "TCP echo on [$IP6]:7 answers on $hop" tcp_ok "$IP6"
		[[ $hop == node01 ]] && check "migrate node01 -> node02 with ICMP dropped" "$LAB" migrate
	done
	check "down (LAB_GUEST_DROP_ICMP=1 lab)" "$LAB" down
}
