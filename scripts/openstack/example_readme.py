#!/usr/bin/env python3
"""Writes README.md of the OpenStack example (scripts/openstack/example.sh):
what plain `ping -D -i 1` printed beside what migprobe reported, with nova's,
libvirt's and QEMU's figures, every figure read from the example's files.

Usage: example_readme.py DIR   (DIR holds report.json, the run file, ping.log,
trigger.log, nova-migrations.json, nova-action-live-migration.json, cloud.txt;
the run is read with `migprobe cat`, $MIGPROBE or migprobe on PATH)."""
import datetime
import os
import re
import sys

from runfile import first, load_json, run_lines

PING_REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+) .*time=([\d.]+) ms")
UNOBSERVED = "unobserved"


def utc(ns):
    """Wall-clock time of a realtime nanosecond stamp, UTC, to the millisecond."""
    if ns is None:
        return UNOBSERVED
    t = datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc)
    return t.strftime("%H:%M:%S.%f")[:-3]


def nova_ns(text):
    """nova's time stamps ('2026-11-30T18:10:12.000000', UTC) as realtime ns."""
    if not text:
        return None
    t = datetime.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1e9)


def ms(v):
    return UNOBSERVED if v is None else f"{v:.1f} ms"


def ping_view(path):
    """ping's replies, its longest gap between two replies and its summary."""
    lines = open(path).read().splitlines()
    replies = [(float(m[1]), int(m[2]), float(m[3]), l) for l in lines if (m := PING_REPLY.match(l))]
    gap = max(zip(replies, replies[1:]), key=lambda p: p[1][0] - p[0][0], default=None)
    summary = [l for l in lines if "packets transmitted" in l or l.startswith("rtt ")]
    around = []
    if gap:
        i = replies.index(gap[0])
        around = [r[3] for r in replies[max(0, i - 2):i + 3]]
    slow = [r for r in replies if r[2] >= 100]
    return {"gap": gap, "summary": summary, "around": around, "slow": slow}


def events_of(run_dir):
    return [l for l in run_lines(run_dir) if l["type"] == "event"]


def nova_rows(d, events):
    """nova's view: from the run's nova_* events when migprobe recorded them,
    else from nova's records read after the run (same clock: UTC)."""
    rows = []
    # The action's events are listed once, from nova's record below (nova's
    # times); the migration record's statuses and the notifications only
    # migprobe saw, as it saw them.
    for e in events:
        det = e["detail"]
        if e["origin"] == "local" and e["kind"] == "nova_migration":
            rows.append((e["at_ns"], f"nova migration record: `{det.get('status')}` (seen by migprobe's poll)"))
        elif e["origin"] == "local" and e["kind"] == "nova_notification":
            ts = e.get("source_ts_ns") or e["at_ns"]
            rows.append((ts, f"nova notification `{det.get('event_type')}` from {det.get('publisher_id')} (nova's time, µs)"))
    action = load_json(os.path.join(d, "nova-action-live-migration.json"), {}) or {}
    for ev in action.get("events") or []:
        name = ev.get("event")
        rows.append((nova_ns(ev.get("start_time")), f"nova `{name}` started (nova's action record, 1 s)"))
        rows.append((nova_ns(ev.get("finish_time")), f"nova `{name}` finished: {ev.get('result')} (nova's action record, 1 s)"))
    migs = load_json(os.path.join(d, "nova-migrations.json"), []) or []
    live = [m for m in migs if m.get("Type") == "live-migration"][:1]
    for m in live:
        rows.append((nova_ns(m.get("Created At")), f"nova migration record created ({m.get('Source Compute')} -> {m.get('Dest Compute')})"))
        rows.append((nova_ns(m.get("Updated At")), f"nova migration record last updated: `{m.get('Status')}`"))
    return [r for r in rows if r[0] is not None], action, live


def timeline(rows):
    out = ["| UTC | who | what |", "|---|---|---|"]
    for at, who, what in sorted(rows, key=lambda r: r[0]):
        out.append(f"| {utc(at)} | {who} | {what} |")
    return out


def gather(d):
    """Every figure the README shows, read from the files in d."""
    report = load_json(os.path.join(d, "report.json"), {}) or {}
    events = events_of(d)
    nrows, action, live = nova_rows(d, events)
    cloud_txt = os.path.join(d, "cloud.txt")
    return {
        "report": report, "events": events, "ping": ping_view(os.path.join(d, "ping.log")),
        "down": report.get("downtime") or {}, "trig": report.get("trigger") or {},
        "job": ((first(events, "src", "job_completed") or {}).get("detail")) or {},
        "qemu": [e for e in (first(events, "src", "qemu_stop"), first(events, "dst", "qemu_resume")) if e],
        "nova_rows": nrows, "action": action, "live": live,
        "cloud": open(cloud_txt).read().strip() if os.path.exists(cloud_txt) else "",
    }


def timeline_rows(f):
    """(time, who, what) of libvirt, QEMU, nova, the trigger and ping's gap."""
    events, trig, gap = f["events"], f["trig"], f["ping"]["gap"]
    rows = [(e["at_ns"], "libvirt " + e["origin"], f"`{e['kind']}` ({(e.get('detail') or {}).get('reason', '')})")
            for e in events if e["kind"] in ("suspended", "resumed") and e["origin"] in ("src", "dst")]
    rows += [(e.get("source_ts_ns") or e["at_ns"], "QEMU " + e["origin"], f"`{e['kind']}`") for e in f["qemu"]]
    rows += [(at, "nova", what) for at, what in f["nova_rows"]]
    rows += [(trig.get("started_ns"), "trigger", "`openstack server migrate --live-migration --block-migration --wait` started"),
             (trig.get("exited_ns"), "trigger", f"exited {trig.get('exit_code')}")]
    if gap:
        rows += [(int(gap[0][0] * 1e9), "ping", f"last reply before the gap (icmp_seq={gap[0][1]})"),
                 (int(gap[1][0] * 1e9), "ping", f"first reply after it (icmp_seq={gap[1][1]})")]
    return [r for r in rows if r[0] is not None]


def side_by_side(f):
    """The table: ping, migprobe, libvirt, QEMU, nova, the trigger."""
    ping, down, jd, trig = f["ping"], f["down"], f["job"], f["trig"]
    gap = ping["gap"]
    gap_s = f"{gap[1][0] - gap[0][0]:.3f} s" if gap else UNOBSERVED
    lost = gap[1][1] - gap[0][1] - 1 if gap else UNOBSERVED
    record = ", ".join("%s %s -> %s" % (m.get("Status"), m.get("Source Compute"), m.get("Dest Compute")) for m in f["live"])
    return [
        "| who | says |",
        "|---|---|",
        f"| ping at 1 s | {ping['summary'][0] if ping['summary'] else UNOBSERVED}; longest gap between two replies "
        f"{gap_s} ({lost} requests unanswered) |",
        f"| ping at 1 s: replies of 100 ms or more | {slow_replies(ping['slow'])} |",
        f"| migprobe at 1 ms: network downtime | {ms(down.get('network_ms'))} (bracket {down.get('bracket_ms') or UNOBSERVED}, "
        f"target {down.get('addr', UNOBSERVED)}, class {down.get('class', UNOBSERVED)}) |",
        f"| libvirt: downtime of the migration job | {ms(down.get('hypervisor_ms'))} (job total "
        f"{jd.get('time_elapsed', UNOBSERVED)} ms, memory {jd.get('memory_total', UNOBSERVED)} B, disk {jd.get('disk_total', UNOBSERVED)} B) |",
        f"| QEMU: the guest paused (STOP on the source to RESUME on the destination) | {ms(down.get('qemu_pause_ms'))} |",
        f"| nova: the live-migration action, as its record says (1 s resolution) | {nova_span(f['action'])} |",
        f"| nova: the migration record | {record or UNOBSERVED} |",
        f"| the trigger (`openstack server migrate ... --wait`) | {ms(trig.get('duration_ms'))}, exit {trig.get('exit_code', UNOBSERVED)} |",
        f"| migprobe's verdict on the migration | {(f['report'].get('migration') or {}).get('result', UNOBSERVED)} |",
    ]


def slow_replies(slow):
    if not slow:
        return "none"
    worst = max(slow, key=lambda r: r[2])
    return f"{len(slow)}, the slowest {worst[2]:.0f} ms (icmp_seq={worst[1]}, at {utc(int(worst[0] * 1e9))} UTC)"


def readme(f):
    argv = " ".join(f["report"].get("run", {}).get("run_argv") or [])
    return [
        "# The seed scenario: a block live migration through nova, ping beside migprobe",
        "",
        "Written by `scripts/openstack/example.sh` (every figure below is read from the files here by",
        "`scripts/openstack/example_readme.py`; nothing is typed in by hand). The cloud is",
        "[the OpenStack lab](../../../docs/openstack-lab.md); " + (f["cloud"] or "its start-up time was not recorded") + ".",
        "",
        "One run, two probes of the same server from the prober host: plain `ping -D -i 1` (its output:",
        "[ping.log](ping.log)) and",
        "",
        "```",
        argv or "(the command line was not recorded)",
        "```",
        "",
        "([report.json](report.json), [summary.md](summary.md), [chart.svg](chart.svg), the run file",
        "`run.jsonl.zst` (`migprobe cat` prints it), the trigger's output [trigger.log](trigger.log),",
        "nova's own records `nova-migrations.json` and `nova-action-live-migration.json`).",
        "",
        "## Side by side",
        "",
        *side_by_side(f),
        "",
        "What ping printed around its longest gap:",
        "",
        "```",
        *(f["ping"]["around"] or ["(no gap: every request answered in turn)"]),
        "...",
        *f["ping"]["summary"],
        "```",
        "",
        "## The timeline (UTC)",
        "",
        *timeline(timeline_rows(f)),
        "",
        "## migprobe's summary",
        "",
        "See [summary.md](summary.md) and the chart:",
        "",
        "![chart](chart.svg)",
        "",
    ]


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: example_readme.py DIR (the example's directory: report.json, run file, ping.log, ...)")
    d = sys.argv[1]
    with open(os.path.join(d, "README.md"), "w") as out:
        out.write("\n".join(readme(gather(d))))


def nova_span(action):
    """The live-migration action from its first event's start to its last
    event's finish (nova's own `compute_live_migration` event only spans the
    hand-off to the migration thread), and the longest event in it."""
    evs = [(nova_ns(e.get("start_time")), nova_ns(e.get("finish_time")), e.get("event"), e.get("result"))
           for e in action.get("events") or []]
    evs = [e for e in evs if e[0] is not None and e[1] is not None]
    if not evs:
        return UNOBSERVED
    a, b = min(e[0] for e in evs), max(e[1] for e in evs)
    longest = max(evs, key=lambda e: e[1] - e[0])
    failed = [e[2] for e in evs if e[3] != "Success"]
    return (f"{(b - a) / 1e9:.0f} s from `{min(evs)[2]}` to the end of `{max(evs, key=lambda e: e[1])[2]}` "
            f"({utc(a)} to {utc(b)}); longest step `{longest[2]}` {(longest[1] - longest[0]) / 1e9:.0f} s; "
            f"{'failed: ' + ', '.join(failed) if failed else 'every event Success'}")


if __name__ == "__main__":
    main()
