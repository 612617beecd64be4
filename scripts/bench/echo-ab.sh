#!/usr/bin/env bash
# A/B of two migprobe binaries against the user-space echo of the accuracy
# bench (migprobe-echo, SCHED_FIFO 30, a 4 KiB receive buffer as in its
# "overflow" sessions), one after the other in the same namespaces, no faults:
# lost probes, runs of >= 3 unanswered probes (what the analysis would call an
# outage) and RTT percentiles. With BUSY=1 a nice-19 busy loop per CPU keeps
# the vCPUs from idling, which separates the prober from the echo's wake-up
# latency on an idle vCPU of a loaded host.
# Usage: BEFORE=bin AFTER=bin ECHO=bin [BUSY=1] [I=100us] [D=8] scripts/bench/echo-ab.sh   (root)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BEFORE:?set BEFORE=path to the earlier migprobe}" "${AFTER:?set AFTER=path to the changed migprobe}"
: "${ECHO:?set ECHO=path to migprobe-echo}"
P=mpab-$$-p T=mpab-$$-t
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  ip netns del "$P" 2>/dev/null; ip netns del "$T" 2>/dev/null
}
trap cleanup EXIT
. scripts/bench/veth-pair.sh
veth_pair "$P" "$T"
ip -n "$T" addr add 192.0.2.2/24 dev mp1
ip netns exec "$T" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
ip netns exec "$T" chrt -f 30 "$ECHO" -4 -q --rcvbuf 4096 & PIDS+=($!)
if [ "${BUSY:-0}" = 1 ]; then
  for _ in $(seq "$(nproc)"); do nice -n 19 yes >/dev/null & PIDS+=($!); done
fi
sleep 0.5
OUT=$(mktemp -d /tmp/echo-ab.XXXXXX)
for side in before after; do
  if [ "$side" = before ]; then bin=$BEFORE; else bin=$AFTER; fi
  ip netns exec "$P" "$bin" probe -q --allow-overload -i "${I:-100us}" -d "${D:-8}s" -o "$OUT/$side.jsonl" 192.0.2.2
  python3 - "$OUT/$side.jsonl" "$side" <<'PY'
import json, sys
final = {}
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get("type") == "probe":
        final[p["index"]] = p
counts = {}
for p in final.values():
    counts[p["status"]] = counts.get(p["status"], 0) + 1
runs, r = [], 0
for i in sorted(final):
    if final[i]["status"] != "ok":
        r += 1
    elif r:
        runs.append(r)
        r = 0
rtts = sorted(p["rtt_ns"] for p in final.values() if p.get("rtt_ns") is not None)
q = lambda f: rtts[min(len(rtts) - 1, int(len(rtts) * f))] / 1000 if rtts else float("nan")
print(f"{sys.argv[2]}: {counts}; runs of >= 3 unanswered: {sum(1 for x in runs if x >= 3)}; "
      f"RTT p50 / p99 / max µs: {q(.5):.1f} / {q(.99):.1f} / {q(1):.1f}")
PY
done
rm -rf "$OUT"
