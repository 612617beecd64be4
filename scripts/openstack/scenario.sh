# shellcheck shell=bash
# The seed scenario on the OpenStack lab, shared by the CI test
# (tests/lab/test-openstack.sh) and the committed example
# (scripts/openstack/example.sh): bring the cloud up (down again on exit,
# whatever happens), then one block live migration through nova, probed by
# `migprobe run` at 1 ms and, in the same run, by plain `ping -D -i 1`.
# Source it from the repository's root; it defines only. Needs root.
#
# Knobs (environment):
#   LAB_DIR / LAB_NETNS   the cloud's (defaults: the caller's, never the
#                         plain lab's migprobe-lab nor openstack-lab.sh's own)
#   MIGPROBE              the binary (default: $CARGO_TARGET_DIR or target, debug)
#   OS_SCENARIO_FORM      openstack (default): migprobe run --openstack-server;
#                         libvirt: the same run with --domain/--src-uri/--dst-uri
#                         and -t, for a migprobe without --openstack-server
#                         (nova's view then comes only from nova-*.json)
#   OS_SCENARIO_REUSE     1: use the cloud that is up in LAB_DIR and leave it up
#                         (with none there: as 0); 0 (default): up, down on exit

OS_LAB=scripts/openstack-lab.sh
# How long the server may take to answer after the run (s).
ANSWER_WAIT_S=120

scenario_say() { printf 'openstack-scenario: %s\n' "$*" >&2; }
scenario_die() {
	printf 'openstack-scenario: error: %s\n' "$*" >&2
	exit 1
}

# Checks the knobs before anything starts (exit 2 with the fix).
scenario_knobs() {
	MIGPROBE=${MIGPROBE:-${CARGO_TARGET_DIR:-$PWD/target}/debug/migprobe}
	OS_SCENARIO_FORM=${OS_SCENARIO_FORM:-openstack}
	case $OS_SCENARIO_FORM in
	openstack | libvirt) ;;
	*) printf 'openstack-scenario: OS_SCENARIO_FORM must be openstack or libvirt, got %s\n' "'$OS_SCENARIO_FORM'" >&2 && exit 2 ;;
	esac
	[[ $LAB_NETNS != migprobe-lab && $LAB_DIR != /tmp/migprobe-lab ]] || {
		echo "openstack-scenario: LAB_DIR/LAB_NETNS name the plain lab (migprobe-lab); give the cloud its own names" >&2
		exit 2
	}
	[[ ${OS_SCENARIO_REUSE:-0} == [01] ]] || {
		echo "openstack-scenario: OS_SCENARIO_REUSE must be 0 or 1, got '${OS_SCENARIO_REUSE}'" >&2
		exit 2
	}
	[[ -x $MIGPROBE ]] || {
		echo "openstack-scenario: no migprobe binary at $MIGPROBE: build it (cargo build) or set MIGPROBE=PATH" >&2
		exit 2
	}
	if [[ $OS_SCENARIO_FORM == openstack ]] && ! "$MIGPROBE" run --help 2>/dev/null | grep -q -- --openstack-server; then
		echo "openstack-scenario: $MIGPROBE has no 'run --openstack-server': build a migprobe that has it, or set OS_SCENARIO_FORM=libvirt" >&2
		exit 2
	fi
	export LAB_DIR LAB_NETNS MIGPROBE OS_SCENARIO_FORM
}

# Brings the cloud up and arranges `down` on exit (also on failure; the
# evidence directory, if given, gets the logs' tails first); the time it took
# in SCENARIO_UP_S (0 for a reused cloud); the cloud's env in this shell.
scenario_up() { # [evidence-dir]
	SCENARIO_EVIDENCE=${1:-}
	if [[ ${OS_SCENARIO_REUSE:-0} == 1 && -r $LAB_DIR/os/passwords ]]; then
		scenario_say "OS_SCENARIO_REUSE=1: using the cloud up in $LAB_DIR (left up)"
		SCENARIO_UP_S=0
		scenario_env
		return 0
	fi
	trap scenario_exit EXIT
	local t0=$SECONDS
	bash "$OS_LAB" up || scenario_die "$OS_LAB up failed (LAB_DIR=$LAB_DIR)"
	SCENARIO_UP_S=$((SECONDS - t0))
	scenario_say "cloud up in ${SCENARIO_UP_S} s"
	scenario_env
}
# The cloud's env (OS_* and OS_LAB_*) into this shell.
scenario_env() {
	local lines
	lines=$(bash "$OS_LAB" env) || scenario_die "$OS_LAB env failed: is the cloud up (LAB_DIR=$LAB_DIR)?"
	eval "$lines"
}
scenario_exit() {
	local rc=$?
	trap - EXIT
	((rc != 0)) && [[ -n $SCENARIO_EVIDENCE ]] && scenario_evidence "$SCENARIO_EVIDENCE"
	scenario_say "bringing the cloud down ($OS_LAB down)"
	bash "$OS_LAB" down >/dev/null 2>&1 || scenario_say "down failed: run LAB_DIR=$LAB_DIR LAB_NETNS=$LAB_NETNS $OS_LAB down"
	exit "$rc"
}
# The cloud's logs' tails (nova, neutron) and its status into DIR; nova-compute's printed.
scenario_evidence() { # dir
	local d=$1 f
	mkdir -p "$d"
	for f in "$LAB_DIR"/os/log/nova-*.log "$LAB_DIR"/os/log/neutron-*.log; do
		[[ -f $f ]] && tail -n 200 "$f" >"$d/$(basename "$f").tail"
	done
	bash "$OS_LAB" status >"$d/status.txt" 2>&1 || true
	scenario_say "evidence kept in $d; nova-compute's last lines:"
	tail -n 15 "$d"/nova-compute-*.log.tail >&2 2>/dev/null || true
}

# migprobe run around the block live migration through nova, into RUN_DIR.
# The one place that says how migprobe is called (OS_SCENARIO_FORM).
scenario_migprobe() { # run-dir
	local migrate=(openstack --os-compute-api-version 2.30 server migrate --live-migration --block-migration
		--host "$OS_LAB_DST_HOST" --wait "$OS_LAB_SERVER_ID")
	local who=(--openstack-server "$OS_LAB_SERVER_ID" --libvirt-uri-template "$OS_LAB_LIBVIRT_URI_TEMPLATE"
		--openstack-dst-host "$OS_LAB_DST_HOST" --openstack-notifications "$OS_LAB_NOTIFICATIONS_URL")
	if [[ $OS_SCENARIO_FORM == libvirt ]]; then
		who=(--domain "$OS_LAB_INSTANCE_NAME" -t "$OS_LAB_SERVER_IP4" -t "$OS_LAB_SERVER_IP6"
			--src-uri "${OS_LAB_LIBVIRT_URI_TEMPLATE/\{host\}/$OS_LAB_SRC_HOST}"
			--dst-uri "${OS_LAB_LIBVIRT_URI_TEMPLATE/\{host\}/$OS_LAB_DST_HOST}")
	fi
	# --cooldown: the network may converge long after the migration ended (see ANSWER_WAIT_S).
	ip netns exec "$OS_LAB_PROBER_NETNS" "$MIGPROBE" run "${who[@]}" --interval 1ms --cooldown 60s -q --out "$1" \
		-- "${migrate[@]}"
}

# The scenario: ping -D -i 1 in the background, migprobe run, ping stopped
# with SIGINT (its summary); nova's own records and the server's place after
# it. Writes into OUT: run/ (migprobe's), ping.log, nova-migrations.json,
# nova-actions.json, after.env; migprobe's exit code in run.rc.
scenario_run() { # out
	local out=$1 ping_pid rc=0
	mkdir -p "$out"
	scenario_say "$OS_LAB_SERVER_NAME ($OS_LAB_SERVER_IP4) $OS_LAB_SRC_HOST -> $OS_LAB_DST_HOST, form $OS_SCENARIO_FORM"
	ip netns exec "$OS_LAB_PROBER_NETNS" ping -D -i 1 "$OS_LAB_SERVER_IP4" >"$out/ping.log" 2>&1 &
	ping_pid=$!
	scenario_migprobe "$out/run" || rc=$?
	kill -INT "$ping_pid" 2>/dev/null || true
	wait "$ping_pid" || true
	echo "$rc" >"$out/run.rc"
	scenario_say "migprobe run exited $rc; reading nova's records"
	scenario_nova_records "$out"
}
# The server's console on each compute host into OUT/console-HOST.log (nova
# writes it to the instance directory of the host it runs on).
scenario_consoles() { # out
	local out=$1 h f
	for h in $OS_LAB_COMPUTE_HOSTS; do
		f=$LAB_DIR/os/$h/instances/$OS_LAB_SERVER_ID/console.log
		[[ -f $f ]] && cp "$f" "$out/console-$h.log"
	done
	return 0
}
# A lab fault: the guest's kernel crashed (QEMU 7.2's TCG migration bug,
# scripts/lab/guest-deaths.md), seen in a console kept by scenario_consoles.
# Prints the first such line; status 0 when there is one.
scenario_guest_died() { # out
	(
		# shellcheck source=scripts/lab/fault.sh
		source scripts/lab/fault.sh # LAB_FAULT_CONSOLE, the lab's own pattern (definitions only)
		cat "$1"/console-*.log 2>/dev/null | grep -m1 -E -- "$LAB_FAULT_CONSOLE"
	)
}
# A fresh boot of the server where it is (after a lab fault), waiting up to
# ANSWER_WAIT_S for it to answer; the cloud's env read again.
scenario_reboot() {
	local t0=$SECONDS
	ip netns exec "$OS_LAB_PROBER_NETNS" openstack server reboot --hard --wait "$OS_LAB_SERVER_ID" >/dev/null ||
		scenario_die "openstack server reboot --hard failed"
	until ip netns exec "$OS_LAB_PROBER_NETNS" ping -c 1 -W 1 -q "$OS_LAB_SERVER_IP4" >/dev/null; do
		((SECONDS - t0 < ANSWER_WAIT_S)) || scenario_die "the server did not answer within ${ANSWER_WAIT_S} s of a hard reboot"
		sleep 1
	done
	scenario_say "server rebooted, answering after $((SECONDS - t0)) s"
	scenario_env
}
scenario_nova_records() { # out
	local out=$1 req osc=(ip netns exec "$OS_LAB_PROBER_NETNS" openstack)
	"${osc[@]}" --os-compute-api-version 2.59 server migration list --server "$OS_LAB_SERVER_ID" -f json \
		>"$out/nova-migrations.json" 2>"$out/nova-records.err" || true
	"${osc[@]}" server event list "$OS_LAB_SERVER_ID" -f json >"$out/nova-actions.json" 2>>"$out/nova-records.err" || true
	req=$(python3 -c 'import json,sys
a=[x for x in json.load(open(sys.argv[1])) if x.get("Action")=="live-migration"]
print(a[0]["Request ID"] if a else "")' "$out/nova-actions.json" 2>/dev/null || true)
	if [[ -n $req ]]; then
		"${osc[@]}" server event show "$OS_LAB_SERVER_ID" "$req" -f json \
			>"$out/nova-action-live-migration.json" 2>>"$out/nova-records.err" || true
	fi
	"${osc[@]}" server show "$OS_LAB_SERVER_ID" -f json >"$out/server-after.json" 2>>"$out/nova-records.err" || true
	# The cloud's first migration may leave the server unreachable for tens of
	# seconds after it ended (the destination's bridge gets its uplink late:
	# docs/openstack-lab.md): wait for it, up to ANSWER_WAIT_S, and say how long.
	local answers=0 t0=$SECONDS
	while ((SECONDS - t0 < ANSWER_WAIT_S)); do
		if ip netns exec "$OS_LAB_PROBER_NETNS" ping -c 1 -W 1 -q "$OS_LAB_SERVER_IP4" >/dev/null; then
			answers=1
			break
		fi
		sleep 1
	done
	printf 'expected_host=%s\nanswers=%s\nanswers_after_s=%s\n' "$OS_LAB_DST_HOST" "$answers" $((SECONDS - t0)) >"$out/after.env"
	scenario_consoles "$out"
}
