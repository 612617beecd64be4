#!/usr/bin/env python3
"""Checks a run file written by `migprobe events` during one --copy-storage-all
migration in the lab, with the destination daemon restarted before it.
Prints one line per check and 'N passed, M failed'; exit 1 on any failure."""
import json
import sys

path = sys.argv[1]
lines = [json.loads(l) for l in open(path) if l.strip()]
events = [l for l in lines if l["type"] == "event"]
results = []


def check(name, ok, info=""):
    results.append(ok)
    print(("ok:   " if ok else "FAIL: ") + name + (f" ({info})" if info else ""))


def first(origin, kind, **detail):
    for i, e in enumerate(events):
        if e["origin"] == origin and e["kind"] == kind and all(e["detail"].get(k) == v for k, v in detail.items()):
            return i, e
    return None, None


check("header first, footer last", lines[0]["type"] == "header" and lines[-1]["type"] == "footer")
check("every event has at_ns, origin, kind, detail",
      all({"at_ns", "origin", "kind", "detail"} <= set(e) for e in events))
lost, _ = first("dst", "connection_lost")
back, _ = first("dst", "connection_restored")
check("destination daemon restart recorded and survived", lost is not None and back is not None and lost < back)

seq = [
    ("dst", "started", {"reason": "migrated"}),
    ("src", "block_job", {"status": "ready"}),
    ("src", "migration_iteration", {}),
    ("src", "suspended", {"reason": "migrated"}),
    ("dst", "resumed", {"reason": "migrated"}),
    ("src", "stopped", {"reason": "migrated"}),
    ("src", "job_completed", {}),
]
pos = []
for origin, kind, detail in seq:
    i, _ = first(origin, kind, **detail)
    check(f"{origin} {kind} {detail or ''}".strip() + " seen", i is not None)
    pos.append(i if i is not None else -1)
check("libvirt events in migration order", all(a < b for a, b in zip(pos, pos[1:])) and min(pos) >= 0, str(pos))
check("restart happened before the migration", back is not None and min(pos) >= 0 and back < pos[0])

_, jc = first("src", "job_completed")
downtime = jc["detail"].get("downtime") if jc else None
check("job_completed carries downtime and the typed statistics",
      isinstance(downtime, int) and all(k in jc["detail"] for k in ("time_elapsed", "memory_total", "disk_total")),
      f"downtime={downtime}")
comp = [e for e in events if e["kind"] == "job_stats" and e["detail"].get("completed")]
check("completed statistics read (kept) after the capture", any(e["detail"].get("downtime") is not None for e in comp))
live = [e for e in events if e["kind"] == "job_stats" and not e["detail"].get("completed")]
check("live job statistics sampled on the source", len(live) >= 1 and all(e["origin"] == "src" for e in live), f"{len(live)} samples")

_, stop = first("src", "qemu_stop")
_, resume = first("dst", "qemu_resume")
ok = stop is not None and resume is not None and stop.get("source_ts_ns") and resume.get("source_ts_ns")
check("QEMU STOP (src) and RESUME (dst) with QEMU's own timestamps", bool(ok))
if ok and downtime is not None:
    pause_ms = (resume["source_ts_ns"] - stop["source_ts_ns"]) / 1e6
    check("QEMU STOP precedes RESUME", pause_ms > 0, f"{pause_ms:.1f} ms")
    # libvirt measures its downtime around QEMU's pause with its own clock and
    # processing: a few ms more on an idle machine (4-6 ms seen), ~20 ms when
    # both cores are busy, 60 ms seen with stress-ng on every core (CI
    # stability runs). What this checks is that both figures are of the same
    # pause: the lab's other pauses are seconds away, so the excess may grow
    # with the host's load but stays well under 500 ms.
    check("QEMU's pause lies within libvirt's downtime (1 ms rounding)", pause_ms <= downtime + 1,
          f"qemu {pause_ms:.1f} ms vs libvirt {downtime} ms")
    check("libvirt's downtime and QEMU's pause are of the same pause (excess < 500 ms)",
          downtime - pause_ms < 500, f"{downtime - pause_ms:.1f} ms")
    _, susp = first("src", "suspended", reason="migrated")
    _, res = first("dst", "resumed", reason="migrated")
    check("libvirt lifecycle events bracket the QEMU pause",
          susp["at_ns"] >= stop["source_ts_ns"] and res["at_ns"] >= resume["source_ts_ns"])

passed, failed = results.count(True), results.count(False)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
