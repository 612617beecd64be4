#!/usr/bin/env bash
# TCP session stall vs network outage: how much longer an application's
# connection stands still than the network is down, because of TCP's
# retransmission backoff (issue 15, `--probe tcp-session:PORT`).
#
# Two network namespaces joined by a veth pair (192.0.2.1 prober, 192.0.2.2
# target; created here, removed on exit, also on failure or Ctrl-C). The
# target runs the lab guest's echo, busybox `nc -ll -p 7 -e cat`. Per rep,
# two migprobe probes run at once from the prober, `icmp` and
# `tcp-session:7`, both every 10 ms; after 1.5 s an nftables rule in the
# target drops all its input for D seconds (D = 0.5, 1, 2, 3). The figures
# are the ICMP outage (the network's downtime), the session's longest stall
# (the application's) and their ratio, measured in the same rep.
#
# Writes reports/bench/tcp-session.json and tcp-session.md.
# Usage: scripts/bench-tcp-session.sh   (REPS=n, default 3; OUT=dir; MIGPROBE=path)
# Needs root, iproute2, nftables, busybox, python3. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "$(id -u)" -ne 0 ]; then echo "$0: must run as root (network namespaces)" >&2; exit 2; fi
for c in ip nft busybox python3; do
  command -v "$c" >/dev/null || { echo "$0: $c not found (apt-get install iproute2 nftables busybox python3)" >&2; exit 2; }
done
REPS=${REPS:-3}
OUT=${OUT:-$ROOT/reports/bench}
MIGPROBE=${MIGPROBE:-${CARGO_TARGET_DIR:-$ROOT/target}/release/migprobe}
[ -x "$MIGPROBE" ] || { echo "$0: $MIGPROBE not built (cargo build --release, or MIGPROBE=path)" >&2; exit 2; }

P=tcps-bp-$$ T=tcps-bt-$$
WORK=$(mktemp -d /tmp/bench-tcp-session.XXXXXX)
ECHO_PID=
cleanup() {
  if [ -n "$ECHO_PID" ]; then kill "$ECHO_PID" 2>/dev/null || true; fi
  ip netns del "$P" 2>/dev/null || true
  ip netns del "$T" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
# shellcheck source=scripts/bench/veth-pair.sh
. scripts/bench/veth-pair.sh
veth_pair "$P" "$T"
ip -n "$T" addr add 192.0.2.2/24 dev mp1
ip netns exec "$T" busybox nc -ll -p 7 -e cat &
ECHO_PID=$!
ip netns exec "$T" nft add table inet tcps
ip netns exec "$T" nft add chain inet tcps input '{ type filter hook input priority 0 ; policy accept ; }'
ip netns exec "$P" ping -c 3 -i 0.2 -q 192.0.2.2 >/dev/null

for d in 0.5 1 2 3; do
  for _ in $(seq 1 "$REPS"); do
    dur=$(python3 -c "print(f'{$d + 4.5}s')")
    ip netns exec "$P" "$MIGPROBE" probe 192.0.2.2 -i 10ms -d "$dur" --drain 1s -q -o "$WORK/icmp.jsonl" --force &
    a=$!
    ip netns exec "$P" "$MIGPROBE" probe 192.0.2.2 --probe tcp-session:7 -i 10ms -d "$dur" --drain 5s -q \
      -o "$WORK/sess.jsonl" --force &
    b=$!
    sleep 1.5
    ip netns exec "$T" nft add rule inet tcps input drop
    sleep "$d"
    ip netns exec "$T" nft flush chain inet tcps input
    wait "$a" "$b"
    for k in icmp sess; do
      rm -rf "$WORK/$k.rep"
      "$MIGPROBE" report "$WORK/$k.jsonl" --out "$WORK/$k.rep" --format json >/dev/null
    done
    row=$(python3 - "$WORK" "$d" <<'PY'
import json, sys
w, d = sys.argv[1], float(sys.argv[2])
icmp = json.load(open(f"{w}/icmp.rep/report.json"))
sess = json.load(open(f"{w}/sess.rep/report.json"))
net = max((o["estimate_ms"] for o in icmp["outages"]), default=None)
s = sess["targets"][0].get("session") or {}
stall = s.get("longest_stall_ms")
classes = sorted({o["class"] for o in sess["outages"]})
print(json.dumps({"drop_s": d, "icmp_outage_ms": net, "stall_ms": stall,
                  "ratio": (stall / net) if stall and net else None,
                  "survived": s.get("survived"), "session_outage_classes": classes}))
PY
)
    echo "$row" >&2
    echo "$row" >> "$WORK/rows.jsonl"
  done
done

mkdir -p "$OUT"
python3 - "$OUT" "$WORK/rows.jsonl" "$REPS" <<'PY'
import json, statistics, sys, platform
out, rows_file, reps = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(rows_file) if l.strip()]
json.dump({"reps": int(reps), "rows": rows}, open(f"{out}/tcp-session.json", "w"), indent=1)
lines = ["# TCP session stall vs network outage", "",
         f"`scripts/bench-tcp-session.sh` (REPS={reps}) on {platform.node()}: an nftables drop of all input in the "
         "target namespace for D s, probed at once by `icmp` and `tcp-session:7` (busybox `nc -ll -p 7 -e cat`), "
         "both every 10 ms. ICMP outage = the network's downtime; stall = the session's longest stall "
         "(the application's downtime); the ratio is taken within each rep.", "",
         "| Drop | ICMP outage (median) | Stall (median) | Stall / outage (median, min–max) | Survived | Session outage classes |",
         "|--:|--:|--:|--:|---|---|"]
for d in sorted({r["drop_s"] for r in rows}):
    rs = [r for r in rows if r["drop_s"] == d]
    ok = [r for r in rs if r["ratio"] is not None]
    med = lambda k: statistics.median([r[k] for r in ok]) if ok else float("nan")
    ratios = [r["ratio"] for r in ok]
    lines.append(f"| {d} s | {med('icmp_outage_ms'):.0f} ms | {med('stall_ms'):.0f} ms | "
                 f"{med('ratio'):.2f} ({min(ratios, default=float('nan')):.2f}–{max(ratios, default=float('nan')):.2f}) | "
                 f"{sum(1 for r in rs if r['survived'])}/{len(rs)} | "
                 f"{', '.join(sorted({c for r in rs for c in r['session_outage_classes']}))} |")
open(f"{out}/tcp-session.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
