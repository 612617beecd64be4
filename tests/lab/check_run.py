#!/usr/bin/env python3
"""Checks the outputs of tests/lab/test-run.sh. Prints one line per check and
'N passed, M failed'; exit 1 on any failure. The run files are read through
`migprobe cat` ($MIGPROBE, else migprobe on PATH), whatever their format."""
import json
import os
import re
import subprocess
import sys

MIGPROBE = os.environ.get("MIGPROBE", "migprobe")


def run_lines(run_dir):
    """The run file of run_dir as JSON Lines (migprobe cat)."""
    out = subprocess.run([MIGPROBE, "cat", run_dir], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()


mig_dir, mig_code, pause_dir, pause_code = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
camp_dir, camp_code, gate_pass, gate_fail = sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
camp2_dir, camp2_code, cmp_dir, cmp_code = sys.argv[9], int(sys.argv[10]), sys.argv[11], int(sys.argv[12])
regress_json, regress_code = sys.argv[13], int(sys.argv[14])
results = []


def check(name, ok, info=""):
    results.append(bool(ok))
    print(("ok:   " if ok else "FAIL: ") + name + (f" ({info})" if info else ""))


def load(d):
    try:
        return json.load(open(os.path.join(d, "report.json")))
    except Exception as e:  # noqa: BLE001 - report the failure as a check
        print(f"cannot read {d}/report.json: {e}")
        return None


# 1. the migration
r = load(mig_dir)
check("run exit code 0 after a successful migration", mig_code == 0, str(mig_code))
for f in ("run.jsonl.zst", "report.json", "summary.md", "chart.svg", "trigger.log"):
    p = os.path.join(mig_dir, f)
    check(f"{f} written", os.path.exists(p) and os.path.getsize(p) > 0)
if r:
    check("report schema_version", r.get("schema_version") == 1)
    check("trigger exit 0 recorded", (r.get("trigger") or {}).get("exit_code") == 0, str(r.get("trigger")))
    d = r.get("downtime")
    check("a headline downtime", d is not None, json.dumps(d))
    if d:
        interval_ms = r["run"]["interval_ms"]
        hyp = d.get("hypervisor_ms")
        check("hypervisor-reported downtime present", hyp is not None, str(hyp))
        # The guest cannot answer while QEMU has it paused, so the network
        # outage is at least QEMU's pause (libvirt's own figure adds libvirt's
        # processing, which grows with the host's load: not a lower bound).
        pause = d.get("qemu_pause_ms")
        check("network estimate >= QEMU's pause - one interval",
              pause is not None and d["network_ms"] >= pause - interval_ms,
              f"network {d['network_ms']} ms vs QEMU pause {pause} ms (libvirt {hyp} ms)")
        check("QEMU pause present", d.get("qemu_pause_ms") is not None, str(d.get("qemu_pause_ms")))
    names = [p["name"] for p in r.get("phases", [])]
    order = ["preparation", "storage_copy", "memory_precopy", "switchover", "network_convergence", "completion"]
    present = [n for n in order if n in names]
    check("phases in the right order", names == present and "switchover" in names, str(names))
    starts = [p["start_ns"] for p in r.get("phases", [])]
    check("phases do not go back in time", starts == sorted(starts))
    swp = [p for p in r.get("phases", []) if p["name"] == "switchover"]
    sw = [o for o in r.get("outages", [])
          if swp and o["start_ns"] <= swp[0]["end_ns"] and o["end_ns"] >= swp[0]["start_ns"]]
    check("an outage overlaps the switchover", len(sw) >= 1,
          json.dumps([(o["offset_ms"], o["estimate_ms"], o["phase"]) for o in r.get("outages", [])][:8]))
    svg = open(os.path.join(mig_dir, "chart.svg")).read()
    check("chart names the switchover phase", "switchover" in svg)

# 2. the known pause
p = load(pause_dir)
check("pause run exit code 0", pause_code == 0, str(pause_code))
log = open(os.path.join(pause_dir, "trigger.log")).read()
m_p, m_r = re.search(r"paused_ns=(\d+)", log), re.search(r"resumed_ns=(\d+)", log)
check("lab printed the pause window", m_p and m_r, log.strip()[-200:])
if p and m_p and m_r:
    truth_ms = (int(m_r.group(1)) - int(m_p.group(1))) / 1e6
    outs = sorted(p.get("outages", []), key=lambda o: -o["estimate_ms"])
    check("an outage was found", len(outs) >= 1)
    if outs:
        o = outs[0]
        lo, hi = o["bracket_ms"]
        # The network outage is the pause plus what the guest added around it,
        # both measured here from the run file (same host, same realtime clock as
        # QEMU's pause window), not assumed: at the end, the guest must run and
        # answer the queued requests after QEMU's RESUME (the first reply after
        # resumed_ns: a few ms under TCG, tens on a busy host); at the start,
        # requests sent shortly before the pause were not answered before it
        # (the earliest probe sent before paused_ns and answered after it, or
        # never). Plus 2 ms for stamps and one interval.
        interval_ms = p["run"]["interval_ms"]
        paused, resumed = int(m_p.group(1)), int(m_r.group(1))
        probes = [json.loads(l) for l in run_lines(pause_dir) if '"type":"probe"' in l]
        after = [q["rx_ns"] for q in probes if q.get("rx_ns") is not None and q["rx_ns"] >= resumed]
        caught = []  # the probes sent just before the pause and not answered before it
        for q in sorted((q for q in probes if q["tx_ns"] <= paused), key=lambda q: -q["tx_ns"]):
            if q.get("rx_ns") is not None and q["rx_ns"] < paused:
                break
            caught.append(q["tx_ns"])
        lag_ms = (min(after) - resumed) / 1e6 if after else None
        lead_ms = (paused - min(caught)) / 1e6 if caught else 0.0
        allow = (lag_ms or 0.0) + lead_ms + 2
        check(f"outage bracket = the measured pause + the guest's measured lag around it (0..{allow:.0f} ms)",
              lag_ms is not None and truth_ms <= hi + interval_ms and lo <= truth_ms + allow + interval_ms,
              f"pause {truth_ms:.2f} ms, estimate {o['estimate_ms']:.2f} ms, bracket [{lo:.2f}, {hi:.2f}] ms, "
              f"{o['class']}, first reply {lag_ms if lag_ms is None else round(lag_ms, 2)} ms after the resume, "
              f"unanswered from {lead_ms:.2f} ms before the pause")
        check("a pause is a freeze (replies queued), not loss", o["class"] in ("freeze", "mixed"), o["class"])

# 3. a campaign of three migrations, back and forth, and the gate on it
c = load(camp_dir)
check("campaign exit code 0", camp_code == 0, str(camp_code))
if c:
    ms = c.get("migrations", [])
    check("three migrations in report.json", len(ms) == 3, str(len(ms)))
    check("each migration has its own downtime and trigger exit 0",
          all((m.get("downtime") or {}).get("network_ms") is not None
              and (m.get("trigger") or {}).get("exit_code") == 0 for m in ms))
    dist = (c.get("distribution") or {}).get("network_ms") or {}
    check("distribution across migrations", dist.get("n") == 3, json.dumps(dist))
    svg = open(os.path.join(camp_dir, "chart.svg")).read()
    check("campaign chart has the per-migration strip", "Migrations along the run (3)" in svg)
    check("campaign chart has the distribution plot",
          "Downtime of each migration" in svg and "Distribution over 3 migrations" in svg)
    # The headline is the worst migration's by network downtime (chosen in
    # ns: of migrations equal to the µs of report.json, any may be shown).
    net = [((m.get("downtime") or {}).get("network_ms")) for m in ms]
    head = c.get("downtime") or {}
    k = head.get("migration")
    shown = (ms[k].get("downtime") or {}) if isinstance(k, int) and 0 <= k < len(ms) else {}
    check("campaign headline is the worst migration's (downtime.migration), hypervisor figure included",
          shown.get("network_ms") is not None
          and shown.get("network_ms") == max(v for v in net if v is not None)
          and head.get("network_ms") == shown.get("network_ms")
          and head.get("hypervisor_ms") == shown.get("hypervisor_ms"),
          f"headline #{k} {head.get('network_ms')}/{head.get('hypervisor_ms')} vs {net}")
    summary = open(os.path.join(camp_dir, "summary.md")).read()
    check("campaign summary names the migration shown",
          isinstance(k, int) and summary.startswith(f"**In migration {k + 1} of 3, the worst"),
          summary.splitlines()[0] if summary else "")
    starts = [(m.get("trigger") or {}).get("started_ns") for m in ms]
    first_start = min((t for t in starts if t is not None), default=None)
    check("every campaign outage after the first trigger names its migration",
          first_start is not None
          and all(o.get("migration") is not None for o in c.get("outages", [])
                  if o["start_ns"] >= first_start),
          json.dumps([(o["offset_ms"], o.get("migration"), o["phase"]) for o in c.get("outages", [])][:12]))
    susp = [json.loads(l) for l in run_lines(camp_dir) if '"kind":"suspended"' in l]
    check("pingpong: the pausing side is labelled src both ways",
          len(susp) >= 2 and all(e["origin"] == "src" for e in susp), str([e["origin"] for e in susp]))
check("gate passes a lenient policy file (exit 0)", gate_pass == 0, str(gate_pass))
check("gate fails a strict policy file (exit 1)", gate_fail == 1, str(gate_fail))

# 4. the second campaign against the first as baseline, then compare on the two
try:
    g = json.load(open(regress_json))
except Exception as e:  # noqa: BLE001 - report the failure as a check
    g = {}
    print(f"cannot read {regress_json}: {e}")
reg = [c for c in g.get("checks", []) if "baseline" in c.get("name", "") or c.get("baseline") is not None]
check("baseline gate runs the statistics on 3 vs 3 migrations",
      any("Mann–Whitney" in (c.get("detail") or "") and "n = 3 vs 3" in (c.get("detail") or "") for c in reg),
      json.dumps(reg)[:400])
check("baseline gate with a lenient limit passes (exit 0)", regress_code == 0 and g.get("pass") is True,
      f"{regress_code} {g.get('summary')}")
c2 = load(camp2_dir)
check("second campaign exit code 0", camp2_code == 0, str(camp2_code))
check("compare exit code 0", cmp_code == 0, str(cmp_code))
md_path, svg_path = os.path.join(cmp_dir, "compare.md"), os.path.join(cmp_dir, "compare.svg")
check("compare.md and compare.svg written",
      all(os.path.exists(p) and os.path.getsize(p) > 0 for p in (md_path, svg_path)))
if c and c2 and os.path.exists(md_path):
    md = open(md_path).read()
    check("compare.md has both runs side by side", "| figure | before | after |" in md, md[:300])
    check("compare.md counts three migrations each", "| migrations | 3 | 3 |" in md)
    m = re.search(r"\| network downtime \| ([^|]+) \| ([^|]+) \|", md)
    check("compare.md shows each run's network downtime", m is not None, m.group(0) if m else md[:400])
    stat = re.search(r"\| network downtime: Mann–Whitney p beyond the margin \(one-sided\) \|[^\n]*p [=<] [0-9.]+", md)
    check("compare.md runs the statistics on 3 vs 3 migrations", stat is not None and "evidence is thin" not in md,
          [l for l in md.splitlines() if "Mann" in l][:1])
    svg = open(svg_path).read() if os.path.exists(svg_path) else ""
    check("compare.svg overlays both runs", "before" in svg and "after" in svg and "</svg>" in svg)

passed, failed = results.count(True), results.count(False)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
