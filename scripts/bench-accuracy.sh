#!/usr/bin/env bash
# Accuracy study: how close migprobe's outage estimates come to a known ground
# truth, with ping and fping measured against the same faults.
#
# Network level (default): two network namespaces joined by a veth pair
# (192.0.2.1 prober, 192.0.2.2 target; created here, removed on exit, also on
# failure or Ctrl-C). Faults come from `migprobe-inject`, which reads
# CLOCK_REALTIME right before and after every action, at random gaps:
#   freeze   SIGSTOP/SIGCONT of migprobe-echo (kernel echo off; large forced receive buffer)
#   loss     icmp_echo_ignore_all 1/0 in the target namespace (kernel echo is the target)
#   overflow freeze of a migprobe-echo with a tiny receive buffer (queued, then lost)
# for 10, 50, 250, 1000, 4000 ms, REPS times each, at 1 ms and 100 us.
# At 1 ms, `ping -D -i 0.001` and `fping -D -l -p 1 -i 0` probe the same target
# at the same time. Then 2 % random loss (migprobe-echo --drop-rate 0.02) for a
# few minutes to count false outages per hour at K = 1, 3, 5.
#
# Lab (--lab): the libvirt lab (scripts/lab.sh, under flock /tmp/migprobe-lab.lock):
# known guest pauses (`lab.sh suspend-for D`) and real --copy-storage-all
# migrations, migprobe's outage against QEMU's STOP/RESUME.
#
# Probe kinds (--kinds icmp,tcp,udp; issue 15): instead of the above, the same
# faults probed by one migprobe per kind at the same time, with faults that
# apply to any protocol (NFQUEUE hold, nftables drop): scripts/bench/kinds-accuracy.sh.
# Writes reports/bench/accuracy-kinds.json and accuracy-kinds.md (not accuracy.md).
#
# Writes reports/bench/accuracy.json, accuracy.md, accuracy.svg
# (and with --lab: reports/bench/accuracy-lab.json, the lab section of accuracy.md).
# Usage: scripts/bench-accuracy.sh [--quick] [--lab | --lab-only | --kinds LIST]
#   --quick     3 reps, short loss run: for development (results are NOT written to reports/bench)
#   --lab       also the lab part;  --lab-only: only the lab part (keeps the network results)
#   --kinds L   only the probe-kind study, for the kinds in L (icmp,tcp,udp); KIND_TCP_PORT,
#               KIND_UDP_PORT (default 9, 33434: closed ports) choose the ports; an existing
#               accuracy-kinds.md is kept unless --force
#   MIGPROBE_BIN_DIR=dir  use migprobe, migprobe-echo, migprobe-inject (migprobe-hold) from dir (no build)
#   REPS=n  LOSS_SECONDS=s  LAB_REPS=n  override the sizes; OUT=dir  SCORES=dir  where to write
#   ONLY=name,...  rerun only these network sessions (e.g. freeze4s-100us; "false" for the random
#                  loss run), keeping the other sessions' scores, then render the report again
# Needs root, iproute2, iputils-ping, fping, python3, util-linux (chrt, flock); --kinds also
# nftables (nft), iptables and NFQUEUE in the kernel (nfnetlink_queue, xt_NFQUEUE).
# A benchmark, not a test: it reports targets as met / not met, it does not fail on them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=0 NET=1 LAB=0 KINDS='' FORCE=0 ARGV="$0 $*"
USAGE="usage: $0 [--quick] [--lab | --lab-only | --kinds icmp,tcp,udp [--force]]"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --lab) LAB=1 ;;
    --lab-only) LAB=1; NET=0 ;;
    --force) FORCE=1 ;;
    --kinds) [ $# -ge 2 ] && [ -n "$2" ] || { echo "$0: --kinds needs a list, e.g. --kinds icmp,tcp,udp" >&2; exit 2; }
             KINDS=$2; NET=0; shift ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "$USAGE" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$KINDS" ] && [ "$LAB" = 1 ]; then echo "$0: --kinds runs alone (no --lab)" >&2; exit 2; fi
if [ "$FORCE" = 1 ] && [ -z "$KINDS" ]; then echo "$0: --force goes with --kinds" >&2; exit 2; fi
if [ -n "$KINDS" ]; then
  . scripts/bench/kinds-accuracy.sh
  IFS=, read -r -a KIND_LIST <<<"$KINDS"
  for k in "${KIND_LIST[@]}"; do kind_arg "$k" >/dev/null; done
  if [ "$(printf '%s\n' "${KIND_LIST[@]}" | sort | uniq -d)" ]; then
    echo "$0: --kinds $KINDS: name each kind once" >&2; exit 2
  fi
fi
if [ "$(id -u)" -ne 0 ]; then echo "$0: must run as root (network namespaces, raw sockets)" >&2; exit 2; fi
for c in ip ping fping python3 chrt flock; do
  command -v "$c" >/dev/null || { echo "$0: $c not found (apt-get install iproute2 iputils-ping fping python3 util-linux)" >&2; exit 2; }
done

if [ "$QUICK" = 1 ]; then
  REPS=${REPS:-3}; LOSS_SECONDS=${LOSS_SECONDS:-20}; LAB_REPS=${LAB_REPS:-2}; OUT=${OUT:-/tmp/bench-accuracy-quick}
  SCORES=${SCORES:-/tmp/bench-accuracy-quick/scores}
else
  REPS=${REPS:-20}; LOSS_SECONDS=${LOSS_SECONDS:-180}; LAB_REPS=${LAB_REPS:-5}; OUT=${OUT:-$ROOT/reports/bench}
  SCORES=${SCORES:-/var/tmp/migprobe-bench-accuracy}
fi
# 4 s faults at 100 us (40 000 queued requests each): as many as the others unless told.
REPS_4S_FAST=${REPS_4S_FAST:-$REPS}
# Scores of each part are kept in $SCORES (outside the repository), so that --lab-only
# re-renders the report with the last network results.
mkdir -p "$OUT" "$SCORES"
if [ -n "$KINDS" ] && [ -e "$OUT/accuracy-kinds.md" ] && [ "$FORCE" = 0 ]; then
  echo "$0: $OUT/accuracy-kinds.md exists; add --force to replace it (or set OUT=dir)" >&2; exit 2
fi

if [ -n "${MIGPROBE_BIN_DIR:-}" ]; then
  BIN=$MIGPROBE_BIN_DIR
else
  echo "== building (release)" >&2
  cargo build --release --workspace --bins >&2
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
fi
MP=$BIN/migprobe ECHO=$BIN/migprobe-echo INJ=$BIN/migprobe-inject
for b in "$MP" "$ECHO" "$INJ"; do [ -x "$b" ] || { echo "$0: $b missing (build with cargo build --release --workspace --bins)" >&2; exit 2; }; done

WORK=$(mktemp -d /tmp/bench-accuracy.XXXXXX)
P=mpt-$$-ap
T=mpt-$$-at
BG=()
cleanup() {
  set +e
  for pid in "${BG[@]}"; do kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
  for pid in "${BG[@]}"; do wait "$pid" 2>/dev/null; done
  ip netns del "$P" 2>/dev/null
  ip netns del "$T" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

COMMANDS=$WORK/commands.txt
: >"$COMMANDS"
log_cmd() { printf '%s\n' "$*" >>"$COMMANDS"; }

# start_bg OUTFILE cmd... : starts a background process, records its pid in BG and $LAST_PID.
start_bg() {
  local out=$1; shift
  "$@" >"$out" 2>&1 &
  LAST_PID=$!
  BG+=("$LAST_PID")
}
# stop_bg PID [SIG]: ends a background process started by start_bg and reaps it.
stop_bg() {
  kill -"${2:-INT}" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

. scripts/bench/veth-pair.sh
net_setup() {
  veth_pair "$P" "$T"
  ip -n "$T" addr add 192.0.2.2/24 dev mp1
  ip netns exec "$P" ping -q -c 1 -W 2 192.0.2.2 >/dev/null
}

# start_echo ARGS... : migprobe-echo (SCHED_FIFO 30, IPv4) in the target, kernel echo off; sets ECHO_PID.
start_echo() {
  ip netns exec "$T" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
  start_bg "$WORK/echo.log" ip netns exec "$T" chrt -f 30 "$ECHO" -4 "$@"
  ECHO_PID=$LAST_PID
  for _ in $(seq 100); do grep -q ready "$WORK/echo.log" 2>/dev/null && return 0; sleep 0.05; done
  echo "migprobe-echo did not start: $(cat "$WORK/echo.log")" >&2; exit 1
}
stop_echo() {
  stop_bg "$ECHO_PID" TERM
  ip netns exec "$T" sysctl -qw net.ipv4.icmp_echo_ignore_all=0
}

# session NAME INTERVAL PEERS(0|1) INJECT-ARGS... : probes while the injector runs, then scores.
session() {
  local name=$1 interval=$2 peers=$3; shift 3
  local dir=$WORK/$name
  wanted "$name" || return 0
  rm -f "$SCORES/score-$name.json" "$SCORES/drops-$name.txt"
  mkdir -p "$dir"
  echo "== $name: interval $interval, $*" >&2
  # --allow-overload: on a machine shared with other work the start-up trial may refuse 10 kHz;
  # the session is then still measured (slots not sent are reported as unobserved).
  start_bg "$dir/probe.log" ip netns exec "$P" "$MP" probe -q --allow-overload -i "$interval" -o "$dir/run.jsonl" 192.0.2.2
  local mp_pid=$LAST_PID ping_pid='' fping_pid=''
  log_cmd "ip netns exec PROBER migprobe probe -q --allow-overload -i $interval -o run.jsonl 192.0.2.2"
  if [ "$peers" = 1 ]; then
    start_bg "$dir/ping.log" ip netns exec "$P" ping -D -i 0.001 192.0.2.2
    ping_pid=$LAST_PID
    start_bg "$dir/fping.log" ip netns exec "$P" fping -D -l -p 1 -i 0 192.0.2.2
    fping_pid=$LAST_PID
    log_cmd "ip netns exec PROBER ping -D -i 0.001 192.0.2.2   # at the same time"
    log_cmd "ip netns exec PROBER fping -D -l -p 1 -i 0 192.0.2.2   # at the same time"
  fi
  log_cmd "ip netns exec TARGET migprobe-inject $* --out faults.jsonl"
  if ! ip netns exec "$T" "$INJ" "$@" --out "$dir/faults.jsonl"; then
    echo "$name: the injector failed" >&2; exit 1
  fi
  # Replies the prober namespace's raw sockets had to drop (receive buffer full), all tools together.
  ip netns exec "$P" awk 'NR > 1 { s += $NF } END { print s + 0 }' /proc/net/raw >"$SCORES/drops-$name.txt"
  for pid in $ping_pid $fping_pid; do stop_bg "$pid" INT; done
  stop_bg "$mp_pid" INT
  "$MP" report "$dir/run.jsonl" --out "$dir" --format json >/dev/null
  log_cmd "migprobe report run.jsonl --out DIR --format json"
  local peer_args=()
  if [ "$peers" = 1 ]; then peer_args=(--ping "$dir/ping.log" --fping "$dir/fping.log"); fi
  "$INJ" score --faults "$dir/faults.jsonl" --report "$dir/report.json" --target 192.0.2.2 \
    "${peer_args[@]}" --out "$SCORES/score-$name.json"
  log_cmd "migprobe-inject score --faults faults.jsonl --report report.json --target 192.0.2.2 ${peer_args[*]}"
  log_cmd ""
  rm -f "$dir/run.jsonl"   # up to ~0.5 GB at 100 us
}

# Random gaps between faults (random phase against the probe grid).
GAPS=(--gap-min 250ms --gap-max 550ms)

# wanted NAME: whether this network session runs (all of them unless ONLY lists some).
wanted() { [ -z "${ONLY:-}" ] || [[ ",$ONLY," == *",$1,"* ]]; }

net_part() {
  net_setup
  if [ -z "${ONLY:-}" ]; then rm -f "$SCORES"/score-*.json "$SCORES"/drops-*.txt; fi
  local all=(--durations 10ms,50ms,250ms,1s,4s --reps "$REPS")
  local short=(--durations 10ms,50ms,250ms,1s --reps "$REPS")
  local long_fast=(--durations 4s --reps "$REPS_4S_FAST")
  local loss=(loss --sysctl /proc/sys/net/ipv4/icmp_echo_ignore_all --case loss "${all[@]}")
  # freeze: a receive buffer large enough for 4 s of requests at 10 kHz (and of all three tools at 1 kHz).
  local big=(--rcvbuf 100000000 --rcvbuf-force)
  start_echo "${big[@]}"
  session freeze-1ms 1ms 1 freeze --pid "$ECHO_PID" --case freeze "${all[@]}" "${GAPS[@]}"
  session freeze-100us 100us 0 freeze --pid "$ECHO_PID" --case freeze "${short[@]}" "${GAPS[@]}"
  session freeze4s-100us 100us 0 freeze --pid "$ECHO_PID" --case freeze "${long_fast[@]}" "${GAPS[@]}"
  stop_echo
  # overflow: the smallest receive buffer (a few requests queue, the rest are dropped).
  start_echo --rcvbuf 4096
  session overflow-1ms 1ms 1 freeze --pid "$ECHO_PID" --case overflow "${all[@]}" "${GAPS[@]}"
  session overflow-100us 100us 0 freeze --pid "$ECHO_PID" --case overflow "${short[@]}" "${GAPS[@]}"
  session overflow4s-100us 100us 0 freeze --pid "$ECHO_PID" --case overflow "${long_fast[@]}" "${GAPS[@]}"
  stop_echo
  # loss: the kernel's echo, switched off and on from inside the target namespace.
  session loss-1ms 1ms 1 "${loss[@]}" "${GAPS[@]}"
  session loss-100us 100us 0 "${loss[@]}" "${GAPS[@]}"

  wanted false || { save_commands; return 0; }
  echo "== false outages: 2 % random loss at 1 ms for ${LOSS_SECONDS}s" >&2
  start_echo --drop-rate 0.02
  ip netns exec "$P" "$MP" probe -q -i 1ms -d "${LOSS_SECONDS}s" --min-loss-run 1 -o "$WORK/drop.jsonl" 192.0.2.2 >/dev/null
  stop_echo
  "$INJ" false-outages "$WORK/drop.jsonl" --k 1,3,5 --out "$SCORES/score-false.json"
  log_cmd "ip netns exec TARGET migprobe-echo -4 --drop-rate 0.02"
  log_cmd "ip netns exec PROBER migprobe probe -q -i 1ms -d ${LOSS_SECONDS}s --min-loss-run 1 -o drop.jsonl 192.0.2.2"
  log_cmd "migprobe-inject false-outages drop.jsonl --k 1,3,5"
  save_commands
}

# The commands of this run go with the scores (appended when ONLY reran some sessions).
save_commands() {
  if [ -z "${ONLY:-}" ]; then
    cp "$COMMANDS" "$SCORES/commands.txt"
  else
    { echo "# rerun of $ONLY (REPS=$REPS, REPS_4S_FAST=$REPS_4S_FAST)"; cat "$COMMANDS"; } >>"$SCORES/commands.txt"
  fi
}

lab_part() {
  rm -f "$SCORES"/lab-*
  # In the background so that cleanup can TERM it: its own trap takes the lab down.
  bash scripts/bench/lab-accuracy.sh "$BIN" "$LAB_REPS" "$SCORES" "$WORK/lab" &
  local pid=$!
  BG+=("$pid")
  wait "$pid" || echo "== lab part failed or skipped (exit $?); see above" >&2
}

START=$(date +%s)
if [ -n "$KINDS" ]; then
  kinds_part
  python3 scripts/bench/accuracy_kinds.py --scores "$SCORES/kinds" --out "$OUT" \
    --elapsed "$(( $(date +%s) - START ))" --reps "$REPS" --argv "$ARGV" --quick "$QUICK"
  echo "== wrote $OUT/accuracy-kinds.json, accuracy-kinds.md" >&2
  exit 0
fi
if [ "$NET" = 1 ]; then net_part; fi
if [ "$LAB" = 1 ]; then lab_part; fi
ELAPSED=$(( $(date +%s) - START ))

python3 scripts/bench/accuracy_report.py --scores "$SCORES" --out "$OUT" --elapsed "$ELAPSED" --reps "$REPS" \
  --reps-4s-fast "$REPS_4S_FAST" --loss-seconds "$LOSS_SECONDS" --quick "$QUICK" \
  --argv "$ARGV" --migprobe "$MP"
echo "== wrote $OUT/accuracy.json, accuracy.md, accuracy.svg (${ELAPSED}s)" >&2
