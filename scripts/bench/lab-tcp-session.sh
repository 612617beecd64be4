#!/usr/bin/env bash
# A TCP session across real live migrations in the libvirt lab (issue 15,
# `--probe tcp-session:PORT`): per rep, `migprobe run --probe tcp-session:7`
# (the guest's busybox echo) around one `--copy-storage-all` migration, with
# the hypervisors' events, and beside it an ICMP `migprobe probe` of the same
# guest from the same prober host, both every 10 ms. Reports the session's
# longest stall and survival, its downtime against QEMU's pause and libvirt's
# figure, and the ICMP run's longest outage of the same migration.
#
# Brings its own lab up and always down again (also on failure or Ctrl-C),
# never the default one: LAB_DIR and LAB_NETNS must name a lab of the
# caller's (e.g. LAB_DIR=/tmp/mplab-tcps LAB_NETNS=mplab-tcps); an existing
# lab of that name is used as it is and left up.
# Usage: LAB_DIR=... LAB_NETNS=... scripts/bench/lab-tcp-session.sh [REPS]   (MIGPROBE=path, OUT=dir)
# Writes reports/bench/tcp-session-lab.json and tcp-session-lab.md. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
REPS=${1:-3}
# shellcheck source=scripts/bench/own-lab.sh
source scripts/bench/own-lab.sh
W=$(mktemp -d /tmp/lab-tcp-session.XXXXXX)
if [ -e "$LAB_DIR/lab.state" ]; then
  trap 'rm -rf "$W"' EXIT
else
  trap 'scripts/lab.sh down >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
  scripts/lab.sh up >"$W/up.log" 2>&1 || { tail -20 "$W/up.log" >&2; exit 1; }
fi
trap 'exit 130' INT TERM
for n in $(seq 1 "$REPS"); do
  eval "$(scripts/lab.sh env)"
  ip netns exec "$LAB_PROBER_NETNS" "$MIGPROBE" probe "$LAB_GUEST_IP4" -i 10ms -d 10m -q -o "$W/icmp$n.jsonl" &
  icmp=$!
  # shellcheck disable=SC2086 # LAB_MIGRATE_CMD is a command line
  ip netns exec "$LAB_PROBER_NETNS" "$MIGPROBE" run -q --target "$LAB_GUEST_IP4" \
    --probe "tcp-session:$LAB_GUEST_TCP_PORT" --interval 10ms \
    --src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
    --warmup 3s --cooldown 5s --out "$W/run$n" -- $LAB_MIGRATE_CMD >/dev/null
  kill -INT "$icmp"
  wait "$icmp" || true
  "$MIGPROBE" report "$W/icmp$n.jsonl" --out "$W/icmp$n.rep" --format json >/dev/null
  python3 - "$W" "$n" >>"$W/rows.jsonl" <<'PY'
import json, sys
w, n = sys.argv[1], sys.argv[2]
r = json.load(open(f"{w}/run{n}/report.json"))
i = json.load(open(f"{w}/icmp{n}.rep/report.json"))
s, d = r["targets"][0].get("session") or {}, r.get("downtime") or {}
big = max(i["outages"], key=lambda o: o["estimate_ms"], default={})
print(json.dumps({"rep": int(n), "stall_ms": s.get("longest_stall_ms"), "survived": s.get("survived"),
  "session_downtime_ms": d.get("network_ms"), "session_class": d.get("class"),
  "qemu_pause_ms": d.get("qemu_pause_ms"), "libvirt_downtime_ms": d.get("hypervisor_ms"),
  "icmp_longest_outage_ms": big.get("estimate_ms"), "icmp_class": big.get("class")}))
PY
  tail -1 "$W/rows.jsonl" >&2
done
mkdir -p "$OUT"
python3 - "$W/rows.jsonl" "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
json.dump({"rows": rows}, open(f"{out}/tcp-session-lab.json", "w"), indent=1)
f = lambda x: "–" if x is None else f"{x:.0f} ms"
lines = ["# A TCP session across live migrations (lab)", "",
         "`scripts/bench/lab-tcp-session.sh`: per rep one `--copy-storage-all` migration of the lab guest, "
         "probed by `migprobe run --probe tcp-session:7` (the guest's busybox echo) and, beside it, an ICMP "
         "`migprobe probe`, both every 10 ms from the prober host. ICMP outage: the longest of the ICMP run "
         "(its own analysis, without the hypervisors' events). Debug or release build alike: the figures are "
         "the network's and TCP's, not the prober's CPU.", "",
         "| Rep | Stall | Survived | Session downtime (class) | QEMU pause | libvirt downtime | ICMP outage (class) |",
         "|--:|--:|---|--:|--:|--:|--:|"]
for r in rows:
    lines.append(f"| {r['rep']} | {f(r['stall_ms'])} | {'yes' if r['survived'] else 'no'} | "
                 f"{f(r['session_downtime_ms'])} ({r['session_class']}) | {f(r['qemu_pause_ms'])} | "
                 f"{f(r['libvirt_downtime_ms'])} | {f(r['icmp_longest_outage_ms'])} ({r['icmp_class']}) |")
open(f"{out}/tcp-session-lab.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
