#!/usr/bin/env bash
# A host evacuation on the running lab (scripts/lab.sh up): four more guests
# (scripts/lab.sh guests-up 4) leave node01 for node02 under one
# `migprobe run` with four --domain, each target bound to its guest, the
# trigger run once per guest ({domain}) at most two at a time. The report
# must hold four migrations, one per guest, each completed with its own
# network downtime (no shorter than its QEMU pause: a paused guest cannot
# answer) and the evacuation's distribution; the
# third guest's command must start only after one of the first two ended;
# all four guests must run on node02 afterwards. The extra guests are
# removed on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${MIGPROBE:-$PWD/target/debug/migprobe}
OUT=$(mktemp -d /tmp/migprobe-evac.XXXXXX)
cleanup() {
	scripts/lab.sh guests-down >/dev/null 2>&1 || echo "test-evacuation: could not remove the extra guests" >&2
	rm -rf "$OUT"
}
trap cleanup EXIT
fail() { echo "test-evacuation: FAIL: $*" >&2; exit 1; }

scripts/lab.sh guests-up 4 >&2
eval "$(scripts/lab.sh env)"
NS=${LAB_PROBER_NETNS:-$LAB_NETNS}
read -r -a guests <<<"$LAB_EVAC_DOMAINS"
read -r -a targets <<<"$LAB_EVAC_TARGETS"
args=()
for d in "${guests[@]}"; do args+=(--domain "$d"); done
for t in "${targets[@]}"; do args+=(-t "$t"); done
read -r -a trigger <<<"$LAB_MIGRATE_GUEST_CMD"
rc=0
ip netns exec "$NS" "$BIN" run "${args[@]}" --src-uri "$LAB_NODE01_URI" --dst-uri "$LAB_NODE02_URI" \
	--interval 5ms --warmup 2s --cooldown 2s --timeout 10m --parallel 2 --quiet \
	--out "$OUT/run" -- "${trigger[@]}" '{domain}' || rc=$?
[ "$rc" = 0 ] || { tail -n 30 "$OUT/run/trigger.log" >&2 || true; fail "migprobe run exited $rc"; }
"$BIN" cat "$OUT/run/run.jsonl.zst" >"$OUT/run.jsonl"
python3 - "$OUT/run/report.json" "$OUT/run.jsonl" "$OUT/run/summary.md" "${guests[@]}" <<'PY'
import json, sys
report, runfile, summary, *guests = sys.argv[1:]
r = json.load(open(report))
def fail(msg):
    sys.exit(f"test-evacuation: FAIL: {msg}")
ms = r.get("migrations") or fail("no migrations in report.json")
if [m.get("domain") for m in ms] != guests:
    fail(f"migrations' domains {[m.get('domain') for m in ms]}, want {guests}")
for m in ms:
    g = m["domain"]
    if (m.get("migration") or {}).get("result") != "completed":
        fail(f"{g}: result {m.get('migration')}")
    d = m.get("downtime") or fail(f"{g}: no downtime")
    if d.get("qemu_pause_ms") is None:
        fail(f"{g}: no QEMU pause")
    # The guest cannot answer while QEMU has it paused (5 ms for the clocks).
    if not d["network_ms"] >= d["qemu_pause_ms"] - 5:
        fail(f"{g}: network downtime {d['network_ms']} ms shorter than the QEMU pause {d['qemu_pause_ms']} ms")
    if (m.get("trigger") or {}).get("exit_code") != 0:
        fail(f"{g}: trigger {m.get('trigger')}")
    print(f"test-evacuation: {g}: network {d['network_ms']:.1f} ms, QEMU pause {d['qemu_pause_ms']:.1f} ms, "
          f"total {m['trigger'].get('duration_ms')} ms")
dist = (r.get("distribution") or {}).get("network_ms") or fail("no distribution")
if dist["n"] != len(guests):
    fail(f"distribution over {dist['n']} guests")
print(f"test-evacuation: network downtime median {dist['p50']:.1f} ms, max {dist['max']:.1f} ms")
starts, exits = {}, {}
for line in open(runfile):
    e = json.loads(line)
    if e.get("type") != "event":
        continue
    dom = (e.get("detail") or {}).get("domain")
    if e["kind"] == "trigger_started":
        starts[dom] = e["at_ns"]
    elif e["kind"] == "trigger_exited":
        exits[dom] = e["at_ns"]
if set(starts) != set(guests) or set(exits) != set(guests):
    fail(f"trigger events per guest: started {sorted(starts)}, exited {sorted(exits)}")
if starts[guests[2]] < min(exits[guests[0]], exits[guests[1]]):
    fail("the third guest's command started before one of the first two ended (--parallel 2)")
if "| Guest |" not in open(summary).read():
    fail("summary.md has no Guest column")
PY
for d in "${guests[@]}"; do
	st=$(ip netns exec "$NS" virsh -c "$LAB_NODE02_URI" domstate "$d" 2>/dev/null || true)
	[ "$st" = running ] || fail "$d is '$st' on node02 after the evacuation"
done
echo "test-evacuation: ok"
