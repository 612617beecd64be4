#!/usr/bin/env python3
"""Checks the outputs of one OpenStack scenario (scripts/openstack/scenario.sh,
scenario_run OUT): migprobe's run (OUT/run, read with `migprobe cat`), plain
ping's log, nova's own records and the server after the migration.

Usage: check_openstack.py OUT FORM   (FORM: openstack | libvirt, as
OS_SCENARIO_FORM: with libvirt, migprobe ran without --openstack-server and
the run holds no nova_* events; nova's view is then checked in its records
only, and the checks of nova_* events are listed as not run.)
Prints one line per check and 'N passed, M failed'; exit 1 on any failure."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "openstack"))
from runfile import first, load_json, run_lines  # noqa: E402 (the path above)

results = []


def check(name, ok, info=""):
    results.append(bool(ok))
    print(("ok:   " if ok else "FAIL: ") + name + (f" ({info})" if info else ""))


def check_files(run_dir, code):
    check("migprobe run exit code 0 (trigger 0, migration completed)", code == 0, str(code))
    for f in ("report.json", "summary.md", "chart.svg", "trigger.log"):
        p = os.path.join(run_dir, f)
        check(f"{f} written", os.path.exists(p) and os.path.getsize(p) > 0)
    check("run file written", any(os.path.exists(os.path.join(run_dir, f)) for f in ("run.jsonl.zst", "run.jsonl")))


def check_timeline(lines):
    events = [l for l in lines if l["type"] == "event"]
    probes = [l for l in lines if l["type"] == "probe"]
    answered = [p for p in probes if p.get("status") == "ok"]
    check("probes recorded and answered", len(probes) > 1000 and len(answered) > 1000,
          f"{len(probes)} probes, {len(answered)} answered")
    for origin in ("src", "dst"):
        kinds = sorted({e["kind"] for e in events if e["origin"] == origin})
        check(f"libvirt events from {origin}", any(k in kinds for k in ("suspended", "resumed", "started", "stopped")),
              ", ".join(kinds))
    check("libvirt: src suspended (migrated), dst resumed (migrated)",
          first(events, "src", "suspended", reason="migrated") and first(events, "dst", "resumed", reason="migrated"))
    check("libvirt job_completed with its downtime", any(e["kind"] == "job_completed" for e in events))
    stop, resume = first(events, "src", "qemu_stop"), first(events, "dst", "qemu_resume")
    check("QEMU STOP (src) and RESUME (dst) with QEMU's own time", stop and resume
          and stop.get("source_ts_ns") and resume.get("source_ts_ns"))
    return events


def check_nova_events(events, report, summary):
    """nova's view on the run's timeline (migprobe run --openstack-server)."""
    nova = [e for e in events if e["origin"] == "local" and e["kind"].startswith("nova_")]
    check("nova_* events on the timeline", nova, ", ".join(sorted({e["kind"] for e in nova})))
    check("nova_action live-migration", first(events, "local", "nova_action", action="live-migration"))
    check("nova_action_event compute_live_migration",
          first(events, "local", "nova_action_event", event="compute_live_migration"))
    done = first(events, "local", "nova_migration", status="completed")
    check("nova_migration reaches completed", done, json.dumps((done or {}).get("detail")))
    check("report.json has a nova object", isinstance((report or {}).get("nova"), dict))
    notes = sorted({e["detail"].get("event_type", "") for e in events if e["kind"] == "nova_notification"})
    check("nova's notifications from the bus (instance.live_migration_*)",
          any(n.startswith("instance.live_migration_") for n in notes), ", ".join(notes))
    check("summary.md has a '## Nova' section", "\n## Nova" in summary)


def check_nova_records(out, expected_dst):
    """nova's own records, read after the run with the openstack CLI."""
    migs = load_json(os.path.join(out, "nova-migrations.json")) or []
    live = [m for m in migs if m.get("Type") == "live-migration" or m.get("Migration Type") == "live-migration"]
    last = live[0] if live else {}
    check("nova's migration record: live-migration completed to the other host",
          last.get("Status") == "completed" and last.get("Dest Compute") == expected_dst, json.dumps(last)[:300])
    action = load_json(os.path.join(out, "nova-action-live-migration.json")) or {}
    evs = [e.get("event") for e in action.get("events") or []]
    check("nova's instance action holds compute_live_migration", "compute_live_migration" in evs, str(evs))


def check_report(report):
    if not report:
        check("report.json readable", False)
        return
    mig = report.get("migration") or {}
    check("report: migration result completed", mig.get("result") == "completed", str(mig.get("result")))
    d = report.get("downtime") or {}
    net, pause = d.get("network_ms"), d.get("qemu_pause_ms")
    interval_ms = (report.get("run") or {}).get("interval_ms", 1)
    # The guest cannot answer while QEMU has it paused (one probe interval of rounding).
    check("report: network downtime >= QEMU's pause", net is not None and pause is not None
          and net >= pause - interval_ms, f"network {net} ms, QEMU pause {pause} ms, libvirt {d.get('hypervisor_ms')} ms")


def check_after(out):
    env = dict(l.strip().split("=", 1) for l in open(os.path.join(out, "after.env")) if "=" in l)
    server = load_json(os.path.join(out, "server-after.json")) or {}
    host = server.get("OS-EXT-SRV-ATTR:host")
    check("server on the other host after the migration", host == env.get("expected_host"),
          f"{host}, expected {env.get('expected_host')}")
    check("server ACTIVE after the migration", server.get("status") == "ACTIVE", str(server.get("status")))
    check("server answers ping after the migration (within 120 s of the run's end)", env.get("answers") == "1",
          f"after {env.get('answers_after_s', '?')} s")
    ping = open(os.path.join(out, "ping.log")).read()
    check("plain ping ran through the run and printed its summary", "packets transmitted" in ping)
    return env.get("expected_host")


def main():
    out, form = sys.argv[1], sys.argv[2]
    if form not in ("openstack", "libvirt"):
        sys.exit(f"check_openstack.py: FORM must be openstack or libvirt, got {form!r}")
    run_dir = os.path.join(out, "run")
    check_files(run_dir, int(open(os.path.join(out, "run.rc")).read().strip() or -1))
    report = load_json(os.path.join(run_dir, "report.json"))
    try:
        events = check_timeline(run_lines(run_dir))
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        check("run file readable with migprobe cat", False, str(e))
        events = []
    check_report(report)
    dst = check_after(out)
    check_nova_records(out, dst)
    if form == "openstack":
        summary_path = os.path.join(run_dir, "summary.md")
        summary = open(summary_path).read() if os.path.exists(summary_path) else ""
        check_nova_events(events, report, summary)
    else:
        print("not run: nova_* events in the run, report.json's nova, summary.md's Nova "
              "(OS_SCENARIO_FORM=libvirt: migprobe ran without --openstack-server)")
    passed, failed = results.count(True), results.count(False)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
