#!/usr/bin/env python3
"""Turns the scores of `scripts/bench-accuracy.sh --kinds ...` into
accuracy-kinds.json and accuracy-kinds.md: per fault and probe kind, the
errors of the outage's start, end and length against the truth (p50 / p95 /
max of |error|), the truth inside the bracket, missed faults and false
outages, side by side, with a verdict "within ICMP's bounds" per fault and kind.

Input (in --scores): <session>-<kind>.json (`migprobe-inject score`),
<session>-queue.txt (/proc/net/netfilter/nfnetlink_queue), <session>-hold.json
(migprobe-hold's counts), commands.txt.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
import sys

SESSIONS = ["freeze", "overflow", "loss"]
KINDS = ["icmp", "tcp", "udp"]
# ICMP's published bounds at 1 ms (reports/bench/accuracy.md, docs/accuracy.md).
BOUND_MEAN_MS = 0.2
BOUND_MAX_MS = 1.5
BOUND_INSIDE = 0.95
# As good as ICMP in the same run: |mean| within ICMP's + 0.2 ms (the mean target), p95 |error|
# within ICMP's + 0.5 ms (half an interval), the bracket holding the truth as often (−5 %).
SAME_RUN_MEAN_MS = 0.2
SAME_RUN_P95_MS = 0.5
SAME_RUN_INSIDE = 0.05


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def pct(values, q):
    """The q-quantile (nearest rank) of values, or None."""
    if not values:
        return None
    v = sorted(values)
    i = min(len(v) - 1, max(0, int(round(q * len(v) + 0.5)) - 1))
    return v[i]


def ms(ns):
    return None if ns is None else ns / 1e6


def fmt(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def stats(faults):
    """Error figures of a list of fault scores (ms)."""
    seen = [f for f in faults if f.get("error_ns") is not None]
    err = [abs(f["error_ns"]) for f in seen]
    start = [abs(f["start_error_ns"]) for f in seen if f.get("start_error_ns") is not None]
    end = [abs(f["end_error_ns"]) for f in seen if f.get("end_error_ns") is not None]
    mean = sum(f["error_ns"] for f in seen) / len(seen) if seen else None
    return {
        "n": len(faults),
        "missed": sum(1 for f in faults if f["outages"] == 0),
        "split": sum(1 for f in faults if f["outages"] > 1),
        "inside": sum(1 for f in faults if f.get("outside_ns") == 0),
        "mean_ms": ms(mean),
        "p50_ms": ms(pct(err, 0.5)), "p95_ms": ms(pct(err, 0.95)), "max_ms": ms(max(err, default=None)),
        "start_p50_ms": ms(pct(start, 0.5)), "start_p95_ms": ms(pct(start, 0.95)),
        "start_max_ms": ms(max(start, default=None)),
        "end_p50_ms": ms(pct(end, 0.5)), "end_p95_ms": ms(pct(end, 0.95)),
        "end_max_ms": ms(max(end, default=None)),
        "classes": sorted({f["class"] for f in seen if f.get("class")}),
    }


def verdict(by_duration, total):
    """Within ICMP's published bounds: |mean| per duration, max |error|, bracket, none missed."""
    means = [abs(s["mean_ms"]) for s in by_duration.values() if s["mean_ms"] is not None]
    ok = (total["n"] > 0 and total["missed"] == 0 and total["max_ms"] is not None
          and max(means, default=0) <= BOUND_MEAN_MS and total["max_ms"] <= BOUND_MAX_MS
          and total["inside"] >= BOUND_INSIDE * total["n"])
    return {"within_icmp_bounds": ok, "worst_abs_mean_ms": max(means, default=None)}


def same_run(r, icmp):
    """As good as ICMP on the same faults in the same run (the side-by-side verdict)."""
    if icmp is None or r["total"]["p95_ms"] is None or icmp["total"]["p95_ms"] is None:
        return None
    t, i = r["total"], icmp["total"]
    return (t["missed"] <= i["missed"]
            and (r["worst_abs_mean_ms"] or 0) <= (icmp["worst_abs_mean_ms"] or 0) + SAME_RUN_MEAN_MS
            and t["p95_ms"] <= i["p95_ms"] + SAME_RUN_P95_MS
            and t["inside"] >= i["inside"] - SAME_RUN_INSIDE * t["n"])


def queue_counters(path):
    """The kernel's nfnetlink_queue line of queue 0, or None."""
    try:
        with open(path) as f:
            for line in f:
                v = line.split()
                if len(v) >= 8 and v[0] == "0":
                    return {"held_at_end": int(v[2]), "queue_dropped": int(v[5]),
                            "user_dropped": int(v[6]), "queued_total": int(v[7])}
    except (OSError, ValueError):
        pass
    return None


def snmp(path):
    """Cumulative counters where UDP answers went: target's port unreachables, prober's."""
    side, tables, udp_drops = None, {}, 0
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for i, line in enumerate(lines):
        if line.startswith("# "):
            side = line[2:]
        elif side and side.endswith("snmp") and ":" in line and i + 1 < len(lines) \
                and lines[i + 1].split(":")[0] == line.split(":")[0] and not line.split()[1].isdigit():
            names, values = line.split()[1:], lines[i + 1].split()[1:]
            tables[(side.split()[0], line.split(":")[0])] = dict(zip(names, (int(v) for v in values)))
        elif side == "prober /proc/net/udp" and line.split() and line.split()[0].endswith(":"):
            udp_drops += int(line.split()[-1])
    get = lambda s, t, k: tables.get((s, t), {}).get(k)
    return {"target_udp_noports": get("target", "Udp", "NoPorts"),
            "target_icmp_out_dest_unreach": get("target", "Icmp", "OutDestUnreachs"),
            "prober_icmp_in_dest_unreach": get("prober", "Icmp", "InDestUnreachs"),
            "prober_udp_socket_drops": udp_drops}


def load(scores):
    out = {}
    for path in sorted(glob.glob(os.path.join(scores, "*-*.json"))):
        name = os.path.basename(path)[:-5]
        session, _, kind = name.rpartition("-")
        if kind == "hold" or session not in SESSIONS:
            continue
        with open(path) as f:
            s = json.load(f)
        durs = sorted({f["requested_ms"] for f in s["faults"]})
        by_d = {d: stats([f for f in s["faults"] if f["requested_ms"] == d]) for d in durs}
        total = stats(s["faults"])
        out.setdefault(session, {})[kind] = {
            "by_duration": {f"{d:g}": v for d, v in by_d.items()}, "total": total,
            "extra_outages": s["extra_outages"], "extra_estimates_ms": s.get("extra_estimates_ms", []),
            **verdict(by_d, total)}
    for kinds in out.values():
        for r in kinds.values():
            r["as_good_as_icmp_same_run"] = same_run(r, kinds.get("icmp"))
    return out


def load_hold(scores, session):
    try:
        with open(os.path.join(scores, f"{session}-hold.json")) as f:
            hold = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        hold = None
    return {"queue": queue_counters(os.path.join(scores, f"{session}-queue.txt")), "hold": hold,
            "snmp": snmp(os.path.join(scores, f"{session}-snmp.txt"))}


def yes_no(v):
    return "–" if v is None else ("**yes**" if v else "**no**")


def summary_table(res):
    lines = ["| fault | kind | n | missed | truth inside bracket | worst \\|mean\\| ms | length error p50 / p95 / max ms "
             "| start error p50 / p95 / max ms | end error p50 / p95 / max ms | false outages "
             "| within ICMP's published bounds | as good as ICMP in this run |",
             "|---|---|--:|--:|--:|--:|---|---|---|--:|---|---|"]
    for s in SESSIONS:
        for k in KINDS:
            r = res.get(s, {}).get(k)
            if not r:
                continue
            t = r["total"]
            lines.append(
                f"| {s} | {k} | {t['n']} | {t['missed']} | {t['inside']}/{t['n']} | {fmt(r['worst_abs_mean_ms'], 3)} "
                f"| {fmt(t['p50_ms'])} / {fmt(t['p95_ms'])} / {fmt(t['max_ms'])} "
                f"| {fmt(t['start_p50_ms'])} / {fmt(t['start_p95_ms'])} / {fmt(t['start_max_ms'])} "
                f"| {fmt(t['end_p50_ms'])} / {fmt(t['end_p95_ms'])} / {fmt(t['end_max_ms'])} "
                f"| {r['extra_outages']} | {yes_no(r['within_icmp_bounds'])} "
                f"| {'(the peer)' if k == 'icmp' else yes_no(r['as_good_as_icmp_same_run'])} |")
    return lines


def duration_table(res, session):
    kinds = [k for k in KINDS if k in res.get(session, {})]
    if not kinds:
        return []
    head = "| duration | " + " | ".join(f"{k}: mean / p95 / max \\|error\\| ms, inside, classes" for k in kinds) + " |"
    lines = [f"### {session}", "", head, "|---|" + "---|" * len(kinds)]
    durs = sorted({d for k in kinds for d in res[session][k]["by_duration"]}, key=float)
    for d in durs:
        cells = []
        for k in kinds:
            v = res[session][k]["by_duration"].get(d)
            cells.append("–" if not v else
                         f"{fmt(v['mean_ms'], 3)} / {fmt(v['p95_ms'])} / {fmt(v['max_ms'])}, "
                         f"{v['inside']}/{v['n']}, {' '.join(v['classes']) or '–'}")
        lines.append(f"| {d} ms | " + " | ".join(cells) + " |")
    return lines + [""]


def queue_lines(queues):
    lines = ["| fault | packets queued | held at the end | dropped: queue full | dropped: socket full | "
             "accepted by migprobe-hold | largest release batch |", "|---|--:|--:|--:|--:|--:|--:|"]
    for s, q in queues.items():
        if q["queue"] is None:
            continue
        k, h = q["queue"] or {}, q["hold"] or {}
        lines.append(f"| {s} | {k.get('queued_total', '–')} | {k.get('held_at_end', '–')} | "
                     f"{k.get('queue_dropped', '–')} | {k.get('user_dropped', '–')} | "
                     f"{h.get('accepted', '–')} | {h.get('largest_batch', '–')} |")
    return lines


def render(res, queues, meta, commands):
    L = ["# migprobe accuracy by probe kind (ICMP, TCP, UDP)", "",
         f"Made by `{meta['argv']}` on {meta['date_utc']} ({meta['elapsed_s']} s, commit {meta['git_commit']}, "
         f"load average at the end {', '.join(f'{x:.2f}' for x in meta['load_average'])}). Machine: "
         f"{meta['cpus']} CPUs, kernel {meta['kernel']}. "
         f"{meta['reps']} repetitions of each fault duration (10 ms, 50 ms, 250 ms, 1 s, 4 s) per fault, "
         "at 1 ms. Part of [accuracy.md](accuracy.md), whose ICMP figures are the bounds used here.", "",
         "## Method", "",
         "- The veth rig of accuracy.md, but the **target's kernel** answers every kind: ICMP echo "
         "(`--probe icmp`), a TCP SYN to a closed port (`--probe tcp:9`, answered by RST) and a UDP datagram "
         "to a closed port (`--probe udp:33434`, answered by ICMP port unreachable). One migprobe per kind "
         "probes **the same faults at the same time**, so the kinds are compared side by side.",
         "- The target namespace's ICMP rate limits are off (`net.ipv4.icmp_ratelimit=0`, "
         "`net.ipv4.icmp_ratemask=0`, `net.ipv6.icmp.ratelimit=0`). **A real Linux guest rate-limits port "
         "unreachables to 1 per second per peer by default** (`icmp_ratelimit` 1000 ms, burst 6; and "
         "1000/s in all, `icmp_msgs_per_sec`), so `udp:` probes of a Linux guest need a slow interval "
         "(≥ 1 s), the guest's limit lifted, or a UDP service that answers; `tcp:` has no such limit.",
         "- **freeze**: an iptables rule `-j NFQUEUE --queue-num 0` (this kernel lacks nftables' own `queue`) hands every packet to the target to "
         "`migprobe-hold`, an NFQUEUE verdict process (crates/nfqueue/src/lib.rs) that accepts them at "
         "once; `migprobe-inject freeze` SIGSTOPs it (packets are **held** in the kernel, whatever their "
         "protocol) and SIGCONTs it (the queue is accepted oldest first, 64 packets a verdict, and the target "
         "answers it). **overflow**: the same with a 64-packet queue (queued, then lost). **loss**: "
         "`migprobe-inject drop` adds and removes an nftables rule that drops everything to the target "
         "(one `nft -i` kept open; each action is stamped before the command and after nft echoes its "
         "commit).",
         "- Error = estimate − truth for the outage's length; start and end errors are the outage's "
         "estimated start / end against the midpoints of the fault's stamps. *inside* = the truth within the "
         "reported bracket widened by the stamps' uncertainty. *false outages* = outages overlapping no fault.",
         f"- Verdict **within ICMP's bounds** (ICMP's published targets at 1 ms): |mean error| ≤ "
         f"{BOUND_MEAN_MS} ms at every duration, every |error| ≤ {BOUND_MAX_MS} ms, truth inside the bracket "
         f"for ≥ {BOUND_INSIDE:.0%} of the faults, none missed. **As good as ICMP in this run** (the "
         f"side-by-side verdict, ICMP's own row being the peer): none missed that ICMP caught, worst "
         f"|mean error| within ICMP's + {SAME_RUN_MEAN_MS} ms, p95 |error| within ICMP's + "
         f"{SAME_RUN_P95_MS} ms (half an interval), truth inside the bracket as often as for ICMP "
         f"(less {SAME_RUN_INSIDE:.0%} of the faults at most).", "",
         "## Results", ""]
    L += summary_table(res) + ["", "Per duration (mean is signed; p95 and max are of |error|):", ""]
    for s in SESSIONS:
        L += duration_table(res, s)
    L += ["## Were held packets delivered?", "",
          "The kernel's counters of the queue (`/proc/net/netfilter/nfnetlink_queue` in the target "
          "namespace) and migprobe-hold's own count, at the end of each session. For the freeze, "
          "*dropped* must be 0 and *accepted* equal to *packets queued*: the held packets were delivered "
          "at release, not lost. The overflow's queue holds 64 packets, so its drops are the point.", ""]
    L += queue_lines(queues) + ["", "## Where did the UDP answers go?", "",
          "Counters at the end of each session, cumulative over the run (the namespaces live through all "
          "sessions): UDP datagrams the target found no socket for, port unreachables it sent, port "
          "unreachables the prober's kernel received, and drops on the prober's UDP sockets.", "",
          "| after | target Udp NoPorts | target Icmp OutDestUnreachs | prober Icmp InDestUnreachs "
          "| prober UDP socket drops |", "|---|--:|--:|--:|--:|"]
    for s, q in queues.items():
        n = q["snmp"] or {}
        L.append(f"| {s} | {n.get('target_udp_noports', '–')} | {n.get('target_icmp_out_dest_unreach', '–')} "
                 f"| {n.get('prober_icmp_in_dest_unreach', '–')} | {n.get('prober_udp_socket_drops', '–')} |")
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accuracy-kinds-notes.md")
    if os.path.exists(notes) and meta.get("notes", True):
        with open(notes) as f:
            L += ["", f.read().strip()]
    L += ["", "## Commands", "", "```sh", commands.strip(), "```", ""]
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scores", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--reps", type=int, default=0)
    ap.add_argument("--argv", default="scripts/bench-accuracy.sh --kinds icmp,tcp,udp")
    ap.add_argument("--quick", type=int, default=0, help="1: a development run (no hand-written notes)")
    ap.add_argument("--meta-from", help="render again: take the run's meta (date, commit, load, "
                    "sizes) from this earlier accuracy-kinds.json")
    a = ap.parse_args()
    res = load(a.scores)
    if not res:
        print(f"accuracy_kinds.py: --scores {a.scores}: no <session>-<kind>.json scores there; "
              "run scripts/bench-accuracy.sh --kinds icmp,tcp,udp first", file=sys.stderr)
        sys.exit(2)
    queues = {s: load_hold(a.scores, s) for s in SESSIONS if s in res}
    try:
        with open(os.path.join(a.scores, "commands.txt")) as f:
            commands = f.read()
    except OSError:
        commands = ""
    meta = {"argv": a.argv, "elapsed_s": a.elapsed, "reps": a.reps, "kernel": platform.release(),
            "cpus": os.cpu_count(), "load_average": os.getloadavg(),
            "git_commit": sh("git", "rev-parse", "--short", "HEAD"), "notes": not a.quick,
            "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    if a.meta_from:
        with open(a.meta_from) as f:
            meta = json.load(f)["meta"]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "accuracy-kinds.json"), "w") as f:
        json.dump({"meta": meta, "results": res, "queues": queues}, f, indent=1)
        f.write("\n")
    with open(os.path.join(a.out, "accuracy-kinds.md"), "w") as f:
        f.write(render(res, queues, meta, commands))


if __name__ == "__main__":
    main()
