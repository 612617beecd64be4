# Sourced by scripts/bench-accuracy.sh for --kinds: the probe-kind study (issue 15).
# The same faults, at the same time, probed by one migprobe per kind (icmp,
# tcp:PORT, udp:PORT) at 1 ms. The target's KERNEL answers every kind (echo on,
# TCP RST from a closed port, ICMP port unreachable from a closed UDP port, with
# the target namespace's ICMP rate limits off). Faults that apply to any protocol:
#   freeze   NFQUEUE (iptables' target): every packet to the target held by a SIGSTOPped
#            migprobe-hold (queue up to 65536 packets), released at SIGCONT
#   overflow the same with a 64-packet queue (queued, then lost)
#   loss     migprobe-inject drop: an nftables rule dropping everything to the target
# Uses from the caller: P T WORK SCORES REPS MP INJ BIN start_bg stop_bg log_cmd GAPS.
# Writes $SCORES/kinds/: <session>-<kind>.json (scores), <session>-queue.txt
# (the kernel's nfnetlink_queue counters), <session>-hold.json (the verdict
# process's counts), <session>-snmp.txt (ICMP/UDP counters of both sides), commands.txt.

KIND_TCP_PORT=${KIND_TCP_PORT:-9}
KIND_UDP_PORT=${KIND_UDP_PORT:-33434}

# kind_arg NAME: the --probe value of a kind name (icmp, tcp, udp).
kind_arg() {
  case "$1" in
    icmp) echo icmp ;;
    tcp) echo "tcp:$KIND_TCP_PORT" ;;
    udp) echo "udp:$KIND_UDP_PORT" ;;
    *) echo "$0: --kinds: unknown kind $1 (use icmp, tcp, udp)" >&2; exit 2 ;;
  esac
}

# The target's kernel answers every kind, unthrottled: a Linux guest limits port
# unreachables to 1/s per peer (icmp_ratelimit) and 1000/s in all (icmp_msgs_per_sec,
# a burst of 50), and a freeze's release sends thousands at once.
kinds_target_sysctls() {
  ip netns exec "$T" sysctl -qw net.ipv4.icmp_echo_ignore_all=0 net.ipv4.icmp_ratelimit=0 \
    net.ipv4.icmp_ratemask=0 net.ipv6.icmp.ratelimit=0
}

# hold_start MAXLEN: migprobe-hold (SCHED_FIFO 30) and the queue rule; sets HOLD_PID.
hold_start() {
  start_bg "$WORK/hold.log" ip netns exec "$T" chrt -f 30 "$BIN/migprobe-hold" --queue 0 --queue-maxlen "$1"
  HOLD_PID=$LAST_PID
  for _ in $(seq 100); do grep -q ready "$WORK/hold.log" 2>/dev/null && break; sleep 0.05; done
  grep -q ready "$WORK/hold.log" || { echo "migprobe-hold did not start: $(cat "$WORK/hold.log")" >&2; exit 1; }
  # iptables' NFQUEUE target: some kernels (this project's machine) lack nft's own queue expression.
  ip netns exec "$T" iptables -w -I INPUT -i mp1 -j NFQUEUE --queue-num 0
  log_cmd "ip netns exec TARGET migprobe-hold --queue 0 --queue-maxlen $1   # with: iptables -I INPUT -i mp1 -j NFQUEUE --queue-num 0"
}

# hold_stop NAME: the kernel's queue counters and the process's counts, then both removed.
hold_stop() {
  ip netns exec "$T" cat /proc/net/netfilter/nfnetlink_queue >"$SCORES/kinds/$1-queue.txt" || true
  ip netns exec "$T" iptables -w -D INPUT -i mp1 -j NFQUEUE --queue-num 0
  stop_bg "$HOLD_PID" TERM
  grep '^{' "$WORK/hold.log" >"$SCORES/kinds/$1-hold.json" || true
}

# kind_session NAME INJECT-ARGS... : one migprobe per kind while the injector runs; scores each.
kind_session() {
  local name=$1; shift
  local dir=$WORK/kinds-$name k pids=()
  mkdir -p "$dir"
  echo "== kinds $name: ${KIND_LIST[*]} at 1 ms, $*" >&2
  for k in "${KIND_LIST[@]}"; do
    start_bg "$dir/probe-$k.log" ip netns exec "$P" "$MP" probe -q --allow-overload -i 1ms \
      --probe "$(kind_arg "$k")" -o "$dir/run-$k.jsonl" 192.0.2.2
    pids+=("$LAST_PID")
    log_cmd "ip netns exec PROBER migprobe probe -q --allow-overload -i 1ms --probe $(kind_arg "$k") -o run-$k.jsonl 192.0.2.2   # all kinds at once"
  done
  log_cmd "ip netns exec TARGET migprobe-inject $* --out faults.jsonl"
  if ! ip netns exec "$T" "$INJ" "$@" --out "$dir/faults.jsonl"; then
    echo "kinds $name: the injector failed" >&2; exit 1
  fi
  # Where UDP answers went (cumulative): the target's port unreachables sent, the
  # prober's received and its UDP sockets' drops.
  { echo "# target /proc/net/snmp"; ip netns exec "$T" cat /proc/net/snmp
    echo "# prober /proc/net/snmp"; ip netns exec "$P" cat /proc/net/snmp
    echo "# prober /proc/net/udp"; ip netns exec "$P" cat /proc/net/udp; } >"$SCORES/kinds/$name-snmp.txt"
  for pid in "${pids[@]}"; do stop_bg "$pid" INT; done
  for k in "${KIND_LIST[@]}"; do
    mkdir -p "$dir/$k"
    "$MP" report "$dir/run-$k.jsonl" --out "$dir/$k" --format json >/dev/null
    "$INJ" score --faults "$dir/faults.jsonl" --report "$dir/$k/report.json" --target 192.0.2.2 \
      --out "$SCORES/kinds/$name-$k.json"
    rm -f "$dir/run-$k.jsonl"
  done
  log_cmd "migprobe report run-KIND.jsonl --out KIND --format json; migprobe-inject score --faults faults.jsonl --report KIND/report.json --target 192.0.2.2   # per kind"
  log_cmd ""
}

kinds_part() {
  rm -rf "$SCORES/kinds"
  mkdir -p "$SCORES/kinds"
  [ -x "$BIN/migprobe-hold" ] || { echo "$0: $BIN/migprobe-hold missing" >&2; exit 2; }
  for c in nft iptables; do
    command -v "$c" >/dev/null || { echo "$0: $c not found (apt-get install nftables iptables)" >&2; exit 2; }
  done
  net_setup
  kinds_target_sysctls
  log_cmd "ip netns exec TARGET sysctl -w net.ipv4.icmp_echo_ignore_all=0 net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0 net.ipv6.icmp.ratelimit=0"
  local all=(--durations 10ms,50ms,250ms,1s,4s --reps "$REPS" "${GAPS[@]}")
  hold_start 65536
  kind_session freeze freeze --pid "$HOLD_PID" --case freeze "${all[@]}"
  hold_stop freeze
  hold_start 64
  kind_session overflow freeze --pid "$HOLD_PID" --case overflow "${all[@]}"
  hold_stop overflow
  kind_session loss drop --case loss "${all[@]}"
  cp "$COMMANDS" "$SCORES/kinds/commands.txt"
}
