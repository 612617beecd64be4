#!/usr/bin/env bash
# Real captures of ping (iputils), BusyBox ping and fping, with their ground truth.
#
#   sudo scripts/capture-fixtures.sh [--only NAME]... [--skip-long] [DIR]
#
# Writes NAME.txt (the tool's output exactly as it came: stdout and stderr to one
# file, or the whole pseudo-terminal session for the `script` capture) and
# NAME.json (the ground truth) for every capture into DIR (default
# tests/fixtures/captures), then regenerates DIR/README.md from every *.json there.
#
# Each capture runs in two network namespaces of this script's own, joined by a
# veth pair: the prober (192.0.2.1, 2001:db8::1) runs the tool; the target
# (192.0.2.2 and .3, 2001:db8::2) has the kernel's echo turned off and
# runs the project's user-space responder migprobe-echo. Injected, at known
# CLOCK_REALTIME times (bash's $EPOCHREALTIME read right before and right after
# each action):
#   freeze  SIGSTOP to migprobe-echo, SIGCONT later: requests queue in its socket
#           buffer (--rcvbuf-force) and are all answered at the resume;
#   loss    an nftables rule on the target's input hook drops the echo requests,
#           then the table is deleted (sch_netem is not built into this kernel).
# Traffic goes only between the two namespaces. The namespaces (cfx-s-*, cfx-l-*)
# and every process in them are removed on exit, also on failure or Ctrl-C.
#
# --only NAME    run only this capture (repeatable; names as in the list below,
#                `long` for the 330-s ping and its excerpt)
# --skip-long    leave the 330-s ping out (it runs in the background otherwise)
# --readme-only  only regenerate DIR/README.md from the truth files there
# LONG_COUNT=N   (environment) length of the long ping in probes, default 330
#
# Needs root. Installs what is missing with apt-get; builds migprobe-echo.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

ONLY=() SKIP_LONG=0 README_ONLY=0 OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --only) ONLY+=("$2"); shift 2 ;;
    --skip-long) SKIP_LONG=1; shift ;;
    --readme-only) README_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "capture-fixtures: unknown option $1" >&2; exit 2 ;;
    *) OUT=$1; shift ;;
  esac
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/tests/fixtures/captures}
LONG_COUNT=${LONG_COUNT:-330}

[ "$(id -u)" = 0 ] || { echo "capture-fixtures: needs root (namespaces, raw sockets, nft)" >&2; exit 1; }

# ---- what the captures need -------------------------------------------------
need=()
command -v ping >/dev/null || need+=(iputils-ping)
command -v fping >/dev/null || need+=(fping)
command -v busybox >/dev/null || need+=(busybox)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v script >/dev/null || need+=(bsdutils)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  echo "capture-fixtures: installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
ECHO_BIN=$ROOT/target/release/migprobe-echo
if [ ! -x "$ECHO_BIN" ]; then
  echo "capture-fixtures: building migprobe-echo"
  (cd "$ROOT" && CARGO_TARGET_DIR=$ROOT/target nice cargo build --release -q -p migprobe-bench --bin migprobe-echo)
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/capture-fixtures.XXXXXX)

# ---- clean-up: our namespaces, the processes in them, our background job ------
MYNS=(cfx-s-p cfx-s-t cfx-l-p cfx-l-t)
LONG_PID=
cleanup() {
  local rc=$? ns pid
  set +e
  trap - EXIT INT TERM
  if [ -n "$LONG_PID" ]; then pkill -P "$LONG_PID"; kill "$LONG_PID"; fi 2>/dev/null
  for ns in "${MYNS[@]}"; do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -CONT "$pid"; kill -KILL "$pid"; done 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  [ -n "$LONG_PID" ] && wait "$LONG_PID" 2>/dev/null
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

export LC_NUMERIC=C   # a dot in $EPOCHREALTIME
jstr() { jq -Rn --arg s "$1" '$s'; }
fail() { echo "capture-fixtures: $*" >&2; exit 1; }

# The versions, as the tools print them.
V_PING=$({ ping -V 2>&1 || true; } | sed -n 1p)
V_FPING=$({ fping -v 2>&1 || true; } | sed -n 1p)
V_BUSYBOX=$({ busybox 2>&1 || true; } | sed -n 1p)
# pkgver PACKAGE...: "name version" of the first one installed
pkgver() {
  { dpkg-query -W -f='${db:Status-Abbrev}|${Package} ${Version}\n' "$@" 2>/dev/null || true; } |
    sed -n 's/^ii *|//p' | sed -n 1p
}
P_PING=$(pkgver iputils-ping) P_FPING=$(pkgver fping) P_BUSYBOX=$(pkgver busybox busybox-static)
V_SCRIPT=$(script --version | sed -n 1p)
V_BASH=$(bash --version | sed -n 1p)
KERNEL=$(uname -r)

# ---- two namespaces and a veth between them -------------------------------------
# pair_up SLOT: SLOT-p (prober: 192.0.2.1, 2001:db8::1), SLOT-t (target: .2 and .3, ::2).
# (One IPv6 address only: migprobe-echo leaves an ICMPv6 reply's source to the
# kernel, which would answer from a second address.)
pair_up() {
  local s=$1 v=${1//-/}
  pair_down "$s"
  ip netns add "$s-p"; ip netns add "$s-t"
  ip link add "${v}p" type veth peer name "${v}t"
  ip link set "${v}p" netns "$s-p"; ip link set "${v}t" netns "$s-t"
  ip -n "$s-p" addr add 192.0.2.1/24 dev "${v}p"
  ip -n "$s-p" addr add 2001:db8::1/64 dev "${v}p" nodad
  ip -n "$s-t" addr add 192.0.2.2/24 dev "${v}t"
  ip -n "$s-t" addr add 192.0.2.3/24 dev "${v}t"
  ip -n "$s-t" addr add 2001:db8::2/64 dev "${v}t" nodad
  ip -n "$s-p" link set lo up; ip -n "$s-t" link set lo up
  ip -n "$s-p" link set "${v}p" up; ip -n "$s-t" link set "${v}t" up
  ip netns exec "$s-t" sysctl -qw net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1
  sleep 0.5
}
pair_down() {
  local s=$1 ns pid
  for ns in "$s-p" "$s-t"; do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -CONT "$pid"; kill -KILL "$pid"; done 2>/dev/null || true
    ip netns del "$ns"
  done
}
# start_echo SLOT: migprobe-echo in SLOT-t; sets ECHO_PID once it is listening.
start_echo() {
  local f=$TMP/echo-$1.out i
  ip netns exec "$1-t" "$ECHO_BIN" --rcvbuf-force >"$f" 2>&1 &
  ECHO_PID=$!
  disown "$ECHO_PID"   # ended with its namespace by pair_down (or cleanup)
  for i in $(seq 100); do grep -q '^ready' "$f" && return 0; sleep 0.05; done
  fail "migprobe-echo did not start in $1-t: $(cat "$f")"
}

# Injections; each sets EV_* to the readings taken right before and after.
# freeze PID SECONDS
freeze() {
  FZ_B0=$EPOCHREALTIME; kill -STOP "$1"; FZ_A0=$EPOCHREALTIME
  sleep "$2"
  FZ_B1=$EPOCHREALTIME; kill -CONT "$1"; FZ_A1=$EPOCHREALTIME
}
# loss SLOT SECONDS RULE...: an nft table dropping what RULE... match, deleted after SECONDS.
loss() {
  local s=$1 d=$2; shift 2
  local rules; rules=$(printf '    %s\n' "$@")
  LS_B0=$EPOCHREALTIME
  ip netns exec "$s-t" nft -f - <<EOF
table inet capture_fixtures_loss {
  chain input {
    type filter hook input priority 0; policy accept;
$rules
  }
}
EOF
  LS_A0=$EPOCHREALTIME
  sleep "$d"
  LS_B1=$EPOCHREALTIME; ip netns exec "$s-t" nft delete table inet capture_fixtures_loss; LS_A1=$EPOCHREALTIME
}
DEFAULT_RULES=('icmp type echo-request drop' 'icmpv6 type echo-request drop')

# Window arithmetic: middle of a bracket, length between two brackets, its uncertainty.
dur() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { printf "%.3f", (c + d) / 2 - (a + b) / 2 }'; }
pm() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { printf "%.3f", ((b - a) + (d - c)) / 2 }'; }
rel() { awk -v t="$1" -v s="$2" 'BEGIN { printf "%+.3f", t - s }'; }
nprobes() { awk -v d="$1" -v i="$2" 'BEGIN { printf "%d", d / i + 0.5 }'; }

# The expected outcome, in words, from the tool's behaviour and the measured windows.
# expected KIND INTERVAL FREEZE_S LOSS_S LOSS_TARGETS
expected() {
  local kind=$1 i=$2 fz=$3 ls=$4 lt=$5 n fzn
  n=$(nprobes "$ls" "$i"); fzn=$(nprobes "$fz" "$i")
  case $kind in
    iputils-O)
      echo "freeze of $fz s: the ~$fzn requests sent during it are all answered at the resume (0 lost); their replies arrive together with rtt = resume - send, the first about $fz s less up to one interval, falling by $i s per seq; with -O each of them is first reported 'no answer yet' at the next send. loss window of $ls s on $lt: $n probe(s) lost at -i $i (±1 by phase), never answered, each reported 'no answer yet'. statistics: transmitted - received = the lost ones (in flight at SIGINT aside)." ;;
    iputils)
      echo "freeze of $fz s: the ~$fzn requests sent during it are all answered at the resume (0 lost); their replies arrive together with rtt = resume - send, the first about $fz s less up to one interval, falling by $i s per seq. loss window of $ls s on $lt: $n probe(s) lost at interval $i s (±1 by phase); ping prints nothing for them (a gap in icmp_seq). statistics: transmitted - received = the lost ones (in flight at SIGINT aside)." ;;
    busybox)
      echo "freeze of $fz s: the ~$fzn requests sent during it are all answered at the resume (0 lost); their replies arrive together with time = resume - send, the first about $fz s less up to one interval, falling by $i s per seq (BusyBox counts seq= from 0). loss window of $ls s on $lt: $n probe(s) lost at -i $i (±1 by phase), nothing printed for them. statistics: transmitted - received = the lost ones." ;;
    fping)
      echo "freeze of $fz s: the responder answers every request at the resume, but fping waits only its timeout (with -l/-c/-C the -p period, 200 ms), so the probes sent more than 200 ms before the resume (~$((fzn - 1)), ±1 by phase) are reported timed out (counted lost although answered late); the one sent within 200 ms of the resume shows its late reply. loss window of $ls s on $lt: $n probe(s) lost at -p 200 (±1 by phase), reported timed out. A freeze and a loss look alike to fping; only the timestamps (truth) tell them apart." ;;
    fping-C)
      echo "freeze of $fz s: the responder answers every request at the resume, but fping waits only its timeout (the -p period, 200 ms), so the probes sent more than 200 ms before the resume (~$((fzn - 1)), ±1 by phase) count as lost ('-' in the -C line); the one sent within 200 ms of the resume shows its late reply time. loss window of $ls s on $lt: $n probe(s) lost at -p 200 (±1 by phase), '-' in the -C line. 60 probes in all." ;;
    *) fail "unknown kind $kind" ;;
  esac
}

# write_truth NAME KIND INTERVAL TARGETS(json) LOSS_TARGETS(text) STOP(json) RC CMD(text) NOTE
write_truth() {
  local name=$1 kind=$2 i=$3 targets=$4 lt=$5 stop=$6 rc=$7 cmd=$8 note=${9:-}
  local fz ls tool version package out_note rules_text
  out_note=${OUTPUT_NOTE:-"the tool's stdout and stderr, both redirected to this one file, unedited"}
  rules_text=$(printf '%s; ' "${LOSS_RULES[@]}"); rules_text=${rules_text%; }
  fz=$(dur "$FZ_B0" "$FZ_A0" "$FZ_B1" "$FZ_A1"); ls=$(dur "$LS_B0" "$LS_A0" "$LS_B1" "$LS_A1")
  case $kind in
    iputils*) tool=ping; version=$V_PING; package=$P_PING ;;
    busybox) tool="busybox ping"; version=$V_BUSYBOX; package=$P_BUSYBOX ;;
    fping*) tool=fping; version=$V_FPING; package=$P_FPING ;;
  esac
  cat >"$OUT/$name.json" <<EOF
{
  "file": $(jstr "$name.txt"),
  "tool": $(jstr "$tool"),
  "version": $(jstr "$version"),
  "package": $(jstr "$package"),
  "command": $(jstr "$cmd"),
  "interval_s": $i,
  "targets": $targets,
  "prober": "network namespace with 192.0.2.1/24 and 2001:db8::1/64, veth to the target namespace",
  "responder": "migprobe-echo --rcvbuf-force in the target namespace (192.0.2.2, 192.0.2.3, 2001:db8::2), kernel echo off (net.ipv4.icmp_echo_ignore_all=1, net.ipv6.icmp.echo_ignore_all=1)",
  "output": $(jstr "$out_note"),
  "kernel": $(jstr "$KERNEL"),
  "clock": "CLOCK_REALTIME seconds, microseconds (bash's EPOCHREALTIME, no fork); every action is bracketed by a reading right before (before) and right after (after) it",
  "started": $T_START,
  "stopped": $stop,
  "exit_status": $rc,
  "events": [
    {
      "kind": "freeze",
      "how": "SIGSTOP to migprobe-echo, SIGCONT at the end: requests queue in its socket buffer and are all answered at the resume",
      "affects": $targets,
      "start": {"before": $FZ_B0, "after": $FZ_A0},
      "end": {"before": $FZ_B1, "after": $FZ_A1},
      "duration_s": $fz,
      "duration_uncertainty_s": $(pm "$FZ_B0" "$FZ_A0" "$FZ_B1" "$FZ_A1"),
      "start_since_started_s": $(rel "$FZ_B0" "$T_START" | tr -d +)
    },
    {
      "kind": "loss",
      "how": $(jstr "nftables table in the target namespace, input hook, drops the echo requests ($rules_text); deleted at the end"),
      "affects": $(jstr "$lt"),
      "start": {"before": $LS_B0, "after": $LS_A0},
      "end": {"before": $LS_B1, "after": $LS_A1},
      "duration_s": $ls,
      "duration_uncertainty_s": $(pm "$LS_B0" "$LS_A0" "$LS_B1" "$LS_A1"),
      "start_since_started_s": $(rel "$LS_B0" "$T_START" | tr -d +)
    }
  ],
  "expected": $(jstr "$(expected "$kind" "$i" "$fz" "$ls" "$lt")${note:+ $note}")
}
EOF
  jq -e . "$OUT/$name.json" >/dev/null || fail "bad JSON in $name.json"
}

# ---- one short capture ------------------------------------------------------------
# run_capture NAME KIND INTERVAL LEAD FREEZE GAP LOSS TAIL STOP -- COMMAND...
#   STOP: int (SIGINT after TAIL seconds) or exit (the tool ends by itself, -c/-C)
#   LOSS_RULES (array) and LOSS_TARGETS (text) say what the loss window drops.
run_capture() {
  local name=$1 kind=$2 i=$3 lead=$4 fz=$5 gap=$6 ls=$7 tail=$8 how=$9
  shift 10
  local s=cfx-s pid rc=0 stop targets a
  selected "$name" || return 0
  echo "capture-fixtures: $name: $*"
  pair_up "$s"; start_echo "$s"
  targets=$(for a in "$@"; do case $a in 192.0.2.*|2001:db8::*) echo "$a";; esac; done | jq -Rsc 'split("\n") | map(select(. != ""))')
  T_START=$EPOCHREALTIME
  ip netns exec "$s-p" "$@" >"$OUT/$name.txt" 2>&1 &
  pid=$!
  sleep "$lead"; freeze "$ECHO_PID" "$fz"
  sleep "$gap"; loss "$s" "$ls" "${LOSS_RULES[@]}"
  if [ "$how" = int ]; then
    sleep "$tail"
    local b0 a0; b0=$EPOCHREALTIME; kill -INT "$pid"; a0=$EPOCHREALTIME
    wait "$pid" || rc=$?
    stop="{\"how\": \"SIGINT to the tool\", \"before\": $b0, \"after\": $a0}"
  else
    wait "$pid" || rc=$?
    stop="{\"how\": \"the tool ended by itself (its count reached)\", \"seen_at\": $EPOCHREALTIME}"
  fi
  write_truth "$name" "$kind" "$i" "$targets" "${LOSS_TARGETS:-all targets}" "$stop" "$rc" "$*"
  pair_down "$s"
}
selected() {
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local n; for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1
}

# ---- the capture through a pseudo-terminal: script(1) around an interactive bash ----
# Keystrokes are fed to script's stdin: the command line and Enter, later Ctrl-C
# (the terminal turns it into SIGINT for ping) and `exit`. Debian's stock
# /etc/skel/.bashrc with TERM=xterm-256color gives the coloured prompt.
run_script_capture() {
  local name=script-ping-D-O-i0.2 s=cfx-s rc=0 fd b0 a0
  selected "$name" || return 0
  local cmd='ping -D -O -i 0.2 192.0.2.2'
  echo "capture-fixtures: $name: script -q -c 'bash --rcfile /etc/skel/.bashrc -i' then: $cmd"
  pair_up "$s"; start_echo "$s"
  mkfifo "$TMP/keys"
  rm -f "$OUT/$name.txt"
  # shellcheck disable=SC2016 # $1 is for the inner bash
  ip netns exec "$s-p" env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM=xterm-256color SHELL=/bin/bash LANG=C.UTF-8 \
    bash -c 'cd /root && exec script -q -c "bash --rcfile /etc/skel/.bashrc -i" "$1"' _ "$OUT/$name.txt" \
    <"$TMP/keys" >/dev/null 2>&1 &
  local pid=$!
  exec {fd}>"$TMP/keys"
  sleep 1.5
  T_START=$EPOCHREALTIME; printf '%s\r' "$cmd" >&"$fd"
  sleep 3; freeze "$ECHO_PID" 1.5
  sleep 3; LOSS_RULES=("${DEFAULT_RULES[@]}"); loss "$s" 1.0 "${LOSS_RULES[@]}"
  sleep 3.5
  b0=$EPOCHREALTIME; printf '\003' >&"$fd"; a0=$EPOCHREALTIME
  sleep 1; printf 'exit\r' >&"$fd"; sleep 0.5
  exec {fd}>&-
  wait "$pid" || rc=$?
  OUTPUT_NOTE="the whole session file that script(1) wrote, unedited: its 'Script started' header, CRLF line ends, the interactive bash's prompt (Debian's stock /etc/skel/.bashrc, TERM=xterm-256color: ANSI colour and xterm title sequences, bracketed-paste mode switches), the typed command as the terminal echoed it, ping's output, ^C, the next prompt, exit, and the 'Script done' footer" \
    write_truth "$name" iputils-O 0.2 '["192.0.2.2"]' "all targets" \
    "{\"how\": \"Ctrl-C (0x03) typed into the pseudo-terminal; the line discipline sends SIGINT to ping\", \"before\": $b0, \"after\": $a0}" \
    "$rc" "$cmd" \
    "Terminal: $V_SCRIPT, $V_BASH. The 'started' time is the moment the command line and Enter were typed; exit_status is script's."
  pair_down "$s"
}

# ---- the long 1-s ping: a ~4.7 s freeze in the middle, one probe lost earlier --------
# The injections follow ping's own output (seq numbers), not the clock, so ping's
# slow drift of its 1-s interval does not matter: the loss window opens 0.5 s after
# the reply to seq L arrived and lasts 1.0 s (seq L+1 lost); the freeze starts 0.5 s
# after the reply to seq F and lasts 4.7 s (seqs F+1..F+5 answered at the resume,
# ~4.2/3.2/2.2/1.2/0.2 s late); SIGINT 0.3 s after the reply to the last seq.
wait_seq() {
  local f=$1 n=$2 pid=$3
  until grep -qs "icmp_seq=$n " "$f"; do
    kill -0 "$pid" 2>/dev/null || fail "ping ended before icmp_seq=$n"
    sleep 0.02
  done
}
run_long_capture() {
  local name=ping-1s-long s=cfx-l n=$LONG_COUNT rc=0 pid b0 a0
  local F=$((n - 18)) L=$((n / 3))
  local f=$OUT/$name.txt
  echo "capture-fixtures: $name: ping 192.0.2.2 for $n s (in the background)"
  pair_up "$s"; start_echo "$s"
  T_START=$EPOCHREALTIME
  ip netns exec "$s-p" ping 192.0.2.2 >"$f" 2>&1 &
  pid=$!
  wait_seq "$f" "$L" "$pid"; sleep 0.5
  LOSS_RULES=("${DEFAULT_RULES[@]}"); loss "$s" 1.0 "${LOSS_RULES[@]}"
  wait_seq "$f" "$F" "$pid"; sleep 0.5
  freeze "$ECHO_PID" 4.7
  wait_seq "$f" "$n" "$pid"; sleep 0.3
  b0=$EPOCHREALTIME; kill -INT "$pid"; a0=$EPOCHREALTIME
  wait "$pid" || rc=$?
  write_truth "$name" iputils 1 '["192.0.2.2"]' "all targets" \
    "{\"how\": \"SIGINT to the tool, 0.3 s after the reply to icmp_seq=$n\", \"before\": $b0, \"after\": $a0}" \
    "$rc" "ping 192.0.2.2" \
    "By design (the injections follow ping's output): the loss window covers only the send of icmp_seq=$((L + 1)), so exactly that one probe is lost; the freeze starts 0.5 s after the reply to icmp_seq=$F, so icmp_seq=$((F + 1))..$((F + 5)) are answered at the resume about 4.2/3.2/2.2/1.2/0.2 s late and icmp_seq=$((F + 6)) is normal; SIGINT comes before icmp_seq=$((n + 1)) is sent, so the statistics read '$n packets transmitted, $((n - 1)) received, $(awk -v n="$n" 'BEGIN { printf "%g", 100 / n }')% packet loss' (this iputils prints the loss share with %g; older iputils printed a whole number, '0%')."
  pair_down "$s"
  cut_excerpt "$name" "$F"
}

# The excerpt people paste: reply lines from the middle, then the statistics of the whole run.
cut_excerpt() {
  local src=$1 F=$2 name=ping-1s-excerpt
  local f=$OUT/$src.txt first last stat total
  first=$(grep -n "icmp_seq=$((F - 1)) " "$f" | cut -d: -f1)
  last=$(grep -n "icmp_seq=$((F + 6)) " "$f" | cut -d: -f1)
  stat=$(grep -n '^--- .* ping statistics ---' "$f" | cut -d: -f1)
  total=$(wc -l <"$f")
  if [ -z "$first" ] || [ -z "$last" ] || [ -z "$stat" ]; then fail "cannot find the excerpt's lines in $f"; fi
  { sed -n "${first},${last}p" "$f"; sed -n "$((stat - 1)),${total}p" "$f"; } >"$OUT/$name.txt"
  jq --arg name "$name.txt" --arg src "$src.txt" \
     --arg kept "lines $first-$last of $src.txt (the reply lines icmp_seq=$((F - 1))..$((F + 6)): two normal replies, the five frozen probes flushed at the resume, one normal reply after), then lines $((stat - 1))-$total (the blank line and ping's statistics for the whole run); nothing else kept, nothing changed" \
     --arg why "an excerpt as people paste it: a few reply lines around the freeze from the middle of a long run, followed by the statistics of the whole run, which count probes (the early lost one among them) that the excerpt does not show" \
     '{file: $name, cut_from: $src, kept: $kept, why: $why} + (del(.file) | .expected = ("The excerpt shows only the freeze: icmp_seq='"$((F + 1))..$((F + 5))"' answered late at the resume (0 lost among the lines shown); the statistics are those of the whole run (see cut_from and its events), not of the lines shown. " + .expected))' \
     "$OUT/$src.json" >"$OUT/$name.json"
}

# ---- the README, from every truth file in the folder ----------------------------------
write_readme() {
  {
    cat <<'EOF'
# Real captures with their ground truth

Every `*.txt` here is the unedited output of a real tool run on this project's
development machine by `scripts/capture-fixtures.sh` (re-run it as root to make
them again; `--only NAME` for one). Beside each is `NAME.json`, its ground truth:
the exact command, the tool's version as it prints it and its Debian package,
the interval, the targets, when the capture started and stopped, and every
injected event as CLOCK_REALTIME times (a reading right before and right after
each action), plus the expected outcome in words. Nothing here was typed by hand.

How the captures were made: two network namespaces of the script's own joined
by a veth pair. The prober (192.0.2.1, 2001:db8::1) runs the tool; the target
(192.0.2.2 and .3, 2001:db8::2) has the kernel's echo turned off and
runs the project's user-space responder `migprobe-echo --rcvbuf-force`.

- **freeze**: SIGSTOP to migprobe-echo, SIGCONT later. Requests queue in its
  socket buffer and are all answered at the resume — a real freeze, like a
  paused guest: nothing is lost, the replies come late and all at once.
- **loss**: an nftables table in the target namespace drops the echo requests
  on the input hook, then is deleted. (`tc … netem loss 100%` is not possible
  here: this kernel is built without `CONFIG_NET_SCH_NETEM` and has no loadable
  modules.) Neighbour discovery and ARP are not dropped.

Each capture has one freeze and one loss window (the long run: one loss window
of one probe, then the freeze). `start_since_started_s` in the truth gives each
event's start relative to the capture's start. The machine is shared and was
busy at times, so a few replies outside the windows take some milliseconds:
that is in the captures as it happened.

Notes on what the tools did, as captured:

- iputils 20221126 prints the loss share with `%g` (`8.47458% packet loss`;
  the long run's 1 of 330 is `0.30303% packet loss`), where older iputils
  printed a whole number (`0% packet loss` for the same counts, as in the
  issue's seed text). BusyBox prints a whole number and `packets received`.
- fping's timeout with `-l`/`-c`/`-C` is the `-p` period (200 ms here), so the
  probes of a freeze are reported `timed out` although the responder answers
  them at the resume; only the probe sent within 200 ms before the resume shows
  its late reply. Timeout reports can come after a later probe's reply.
- `fping -e` changes nothing visible in loop mode (the round-trip time is
  already printed); `fping-e-D-l-p200.txt` is kept to show exactly that.
- fping writes its per-probe lines to stdout and its summary (`xmt/rcv/%loss`
  and the `-C` lines) to stderr; both went to the one file.
- `script-ping-D-O-i0.2.txt`: the keystrokes (the command line and Enter,
  Ctrl-C, `exit`) were fed to script(1) from a pipe, hence its header's
  `<not executed on terminal>`; the session inside is a real pseudo-terminal.
- The excerpt `ping-1s-excerpt.txt` is the only file not written by a tool as a
  whole: it is cut from `ping-1s-long.txt` by line numbers, given in its truth.

## What could not be captured for real

- **`icmp_req=`**: no tool on this machine prints it. iputils here is 20221126
  and prints `icmp_seq=`; BusyBox prints `seq=`; fping prints `[N]`. Older
  iputils releases printed `icmp_req=`, but no such build is installable here
  (only Debian 12's archive is reachable), so there is no capture of it and
  none was written by hand.
- **ANSI colour from ping or fping**: neither colours its output. The only ANSI
  bytes here are real ones from the terminal session: bash's coloured prompt
  (Debian's stock `/etc/skel/.bashrc` with TERM=xterm-256color), its xterm title
  sequence and bracketed-paste switches, in `script-ping-D-O-i0.2.txt`.

## The files

EOF
    local j
    for j in "$OUT"/*.json; do
      jq -r '
        def t: tostring;
        "### `\(.file)`\n",
        (if .cut_from then "Cut from `\(.cut_from)`: \(.kept). Why: \(.why).\n" else empty end),
        "- tool: \(.tool) — `\(.version)` (\(.package))",
        "- command: `\(.command)`" + (if .cut_from then " (the run it was cut from)" else "" end),
        "- interval: \(.interval_s) s; targets: \(.targets | join(", "))",
        "- started \(.started); stopped: \(.stopped.how)",
        (.events[] | "- \(.kind): from \(.start.before) (+\(.start_since_started_s) s) for \(.duration_s) s ± \(.duration_uncertainty_s) s, on \(.affects | if type == "array" then join(", ") else . end) — \(.how)"),
        "- expected: \(.expected)",
        ""' "$j"
    done
  } >"$OUT/README.md"
}

# ---- the captures ----------------------------------------------------------------------
if [ "$README_ONLY" = 1 ]; then write_readme; echo "capture-fixtures: wrote $OUT/README.md"; exit 0; fi
# (kept small: ~12 s each; one freeze of 1.5 s and one loss window of 1.0 s at -i 0.2)
for ns in "${MYNS[@]}"; do pair_down "${ns%-?}"; done

run_long=0
if [ "$SKIP_LONG" = 0 ] && selected long; then run_long=1; fi
if [ "$run_long" = 1 ]; then
  run_long_capture &
  LONG_PID=$!
fi

LOSS_RULES=("${DEFAULT_RULES[@]}"); LOSS_TARGETS="all targets"
run_capture ping-D-O-i0.2     iputils-O 0.2 3 1.5 3 1.0 3.5 int -- ping -D -O -i 0.2 192.0.2.2
run_capture ping-i0.2         iputils   0.2 3 1.5 3 1.0 3.5 int -- ping -i 0.2 192.0.2.2
run_capture ping-D            iputils   1   3.5 3.3 4 2.0 4 int -- ping -D 192.0.2.2
run_capture ping6-D-O-i0.2    iputils-O 0.2 3 1.5 3 1.0 3.5 int -- ping -6 -D -O -i 0.2 2001:db8::2
run_capture busybox-ping-i0.2 busybox   0.2 3 1.5 3 1.0 3.5 int -- busybox ping -i 0.2 192.0.2.2
run_capture busybox-ping6-i0.2 busybox  0.2 3 1.5 3 1.0 3.5 int -- busybox ping -6 -i 0.2 2001:db8::2
run_capture fping-D-l-p200    fping     0.2 3 1.5 3 1.0 3.5 int -- fping -D -l -p 200 192.0.2.2
run_capture fping-e-D-l-p200  fping     0.2 3 1.5 3 1.0 3.5 int -- fping -e -D -l -p 200 192.0.2.2
run_capture fping-D-c60-p200  fping     0.2 2.5 1.5 2.5 1.0 0 exit -- fping -D -c 60 -p 200 192.0.2.2
run_capture fping-C60-p200    fping-C   0.2 2.5 1.5 2.5 1.0 0 exit -- fping -C 60 -p 200 192.0.2.2
run_capture fping-C60-p200-q  fping-C   0.2 2.5 1.5 2.5 1.0 0 exit -- fping -C 60 -p 200 -q 192.0.2.2
LOSS_RULES=('ip daddr 192.0.2.3 icmp type echo-request drop'); LOSS_TARGETS=192.0.2.3
run_capture fping-D-l-p200-2targets fping 0.2 3 1.5 3 1.0 3.5 int -- fping -D -l -p 200 192.0.2.2 192.0.2.3
LOSS_RULES=("${DEFAULT_RULES[@]}"); LOSS_TARGETS="all targets"
run_script_capture

if [ "$run_long" = 1 ]; then
  echo "capture-fixtures: waiting for the long ping (about $LONG_COUNT s from its start)"
  rc=0; wait "$LONG_PID" || rc=$?
  LONG_PID=
  [ "$rc" = 0 ] || fail "the long capture failed ($rc)"
fi
write_readme
echo "capture-fixtures: done: $OUT"
