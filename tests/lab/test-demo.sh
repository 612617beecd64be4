#!/usr/bin/env bash
# scripts/demo.sh end to end, as an operator runs it (it brings the lab up and
# down itself, so run it with no lab up): exit 0, and a report with a headline
# downtime next to the hypervisor's figures, a chart and the run file.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=$(mktemp -d /tmp/migprobe-demo.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
set +e
DEMO_OUT="$OUT/demo" DEMO_WARMUP=2s DEMO_COOLDOWN=2s bash scripts/demo.sh >"$OUT/demo.log" 2>&1
code=$?
set -e
tail -n 12 "$OUT/demo.log"
# The run file as JSON Lines, whatever its format.
"${MIGPROBE:-target/debug/migprobe}" cat "$OUT/demo" >"$OUT/run.jsonl" 2>/dev/null || true
python3 - "$OUT/demo" "$code" "$OUT/run.jsonl" <<'PY'
import json, os, sys
d, code, run_jsonl = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ok = []
def check(name, cond, info=""):
    ok.append(bool(cond))
    print(("ok:   " if cond else "FAIL: ") + name + (f" ({info})" if info else ""))
check("demo.sh exit code 0", code == 0, str(code))
for f in ("run.jsonl.zst", "report.json", "summary.md", "chart.svg"):
    p = os.path.join(d, f)
    check(f"{f} written", os.path.exists(p) and os.path.getsize(p) > 0)
try:
    r = json.load(open(os.path.join(d, "report.json")))
except Exception as e:  # noqa: BLE001 - a failed check, not a crash
    r = {}
    print(f"cannot read report.json: {e}")
dt = r.get("downtime") or {}
check("a network-observed downtime with its bracket", dt.get("network_ms") is not None and len(dt.get("bracket_ms") or []) == 2, json.dumps(dt)[:200])
check("the hypervisor's figures next to it", dt.get("hypervisor_ms") is not None and dt.get("qemu_pause_ms") is not None)
check("the migration completed", (r.get("migration") or {}).get("result") == "completed")
check("both targets (IPv4 and IPv6) probed", len((r.get("run") or {}).get("targets", [])) == 2)
started = {}
try:
    for line in open(run_jsonl):
        e = json.loads(line)
        if e.get("type") == "event" and e.get("kind") == "capture_started":
            started[e["origin"]] = str(e["detail"].get("uri", ""))
except Exception as e:  # noqa: BLE001 - a failed check, not a crash
    print(f"cannot read run.jsonl: {e}")
check("events from both hosts, over qemu+ssh:// from the prober host",
      set(started) >= {"src", "dst"} and all(u.startswith("qemu+ssh://") for u in started.values()), json.dumps(started)[:300])
print(f"{ok.count(True)} passed, {ok.count(False)} failed")
sys.exit(0 if all(ok) else 1)
PY
if ip netns list | grep -qw -- "${LAB_NETNS:-migprobe-lab}"; then echo "FAIL: demo.sh left the lab up" >&2; exit 1; fi
