# shellcheck shell=bash
# Moving the guest: migrate, pingpong, suspend-for.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

# One live migration to the other node; returns virsh's status. virsh runs
# on the prober host with both nodes' remote URIs (LAB_URI_TRANSPORT), and the
# guest's memory and disk go node to node over the lab network.
migrate_once() {
	local src dst dd size rc=0 t0 t1 dt dip
	src=$(current_node)
	[[ -n $src ]] || lab_fault_exit "cannot migrate"
	dst=$(other_node "$src")
	daemon_alive "$dst" || say "warning: libvirtd of $dst is not running; the migration will fail"
	dd=$(node_dir "$dst")
	# Destination disk: same size, fresh (the copy overwrites it all).
	size=$(stat -c %s "$(guest_file "$src" disk.img)")
	rm -f "$(guest_file "$dst" disk.img)"
	truncate -s "$size" "$(guest_file "$dst" disk.img)"
	dip=$(node_ip4 "$dst")
	local args=(migrate --live --copy-storage-all --verbose --persistent --undefinesource
		--listen-address "$dip"
		--xml "$(guest_file "$dst" domain.xml)" --persistent-xml "$(guest_file "$dst" domain.xml)")
	((LAB_BANDWIDTH_MIB > 0)) && args+=(--bandwidth "$LAB_BANDWIDTH_MIB")
	local bw=""
	((LAB_BANDWIDTH_MIB > 0)) && bw=", bandwidth $LAB_BANDWIDTH_MIB MiB/s"
	say "migrating $LAB_DOMAIN $src -> $dst (live, --copy-storage-all$bw, qemu+$LAB_URI_TRANSPORT, data to tcp://$dip)"
	t0=$(now_us)
	in_ns virsh -c "$(remote_uri "$src")" "${args[@]}" "$LAB_DOMAIN" "$(remote_uri "$dst")" "tcp://$dip" >&2 &
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
