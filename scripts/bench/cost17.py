#!/usr/bin/env python3
"""Issue 17's cost targets from one run of scripts/bench-probe.sh.

Reads the run's work directory and manifest, appends a section "Cost against
the peers (issue 17)" to probe.md and a "cost17" object to probe.json. Every
figure is a ratio against a peer measured in the same run: fping for CPU per
probe, the raw blocking send/receive loop (migprobe-rawloop) for the rate on
one core. Beside each CPU figure stands its floor: the raw loop *paced*
on the same grid (`migprobe-rawloop --interval`: sleep to the slot, send,
receive; no timestamps, no recording), the least a prober that sends each
probe from user space at its time pays on this machine; at 1 kHz also its
timer wake-ups alone (`--sleep-only`). With MIGPROBE_BASE the earlier binary's figures ("before") stand
beside the new ones.

Usage: cost17.py WORK MANIFEST PROBE_JSON PROBE_MD
"""
import json
import os
import re
import sys


def read_time(work, name):
    """(elapsed s, cpu s, max RSS KB) of a measured command, or Nones."""
    try:
        e, c, rss = open(os.path.join(work, name + ".time")).read().split()[:3]
        return float(e), float(c), int(rss)
    except (OSError, ValueError):
        return None, None, None


def run_stats(work, name):
    """Slots, sent, answered and lateness p99 (µs) of a migprobe run file (last line per probe wins)."""
    path = os.path.join(work, name + ".jsonl")
    if not os.path.exists(path):
        return None
    h, final = None, {}
    for line in open(path):
        p = json.loads(line)
        if p.get("type") == "header":
            h = p
        elif p.get("type") == "probe":
            final[(p["target_id"], p["index"])] = p
    if not h or not final:
        return None
    phase = {t["id"]: t["phase_ns"] for t in h["targets"]}
    late = sorted(p["tx_ns"] - (h["start_ns"] + phase[t] + k * h["interval_ns"])
                  for (t, k), p in final.items()
                  if p["status"] != "skipped" and p.get("tx_clock") == "kernel")
    sent = sum(1 for p in final.values() if p["status"] != "skipped")
    ok = sum(1 for p in final.values() if p["status"] == "ok")
    p99 = late[min(len(late) - 1, int(round((len(late) - 1) * 0.99)))] / 1000 if late else None
    return {"slots": len(final), "sent": sent, "answered": ok,
            "sent_pct": 100 * sent / len(final), "answered_pct": 100 * ok / len(final), "lateness_p99_us": p99}


def mp_cpu_us(work, name):
    """CPU µs per probe sent (user + sys of the whole process, start-up and drain included)."""
    _, cpu, _ = read_time(work, name)
    st = run_stats(work, name)
    if cpu is None or not st or not st["sent"]:
        return None
    return 1e6 * cpu / st["sent"]


def fping_cpu_us(work, name):
    """CPU µs per request of an fping run (requests from its -q summary: xmt/rcv/%loss = X/Y/Z%)."""
    _, cpu, _ = read_time(work, name)
    try:
        err = open(os.path.join(work, name + ".err")).read()
    except OSError:
        return None
    xmt = sum(int(x) for x in re.findall(r"xmt/rcv/%loss = (\d+)/", err))
    return None if cpu is None or not xmt else 1e6 * cpu / xmt


def rawloop(work, name):
    """The raw loop's JSON result line, or None."""
    try:
        return json.loads(open(os.path.join(work, name + ".out")).read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


def raw_cpu_us(work, name, per="round_trips"):
    """CPU µs per round trip (or per `per`, e.g. wake_ups) of a raw loop run (user + sys of the whole
    process, like migprobe's)."""
    _, cpu, _ = read_time(work, name)
    r = rawloop(work, name)
    n = r and r.get(per)
    return None if cpu is None or not n else 1e6 * cpu / n


def best_rate(work, side):
    try:
        return int(open(os.path.join(work, f"c17-{side}.best")).read().strip())
    except (OSError, ValueError):
        return None


def fmt(v, nd=1):
    return "–" if v is None else f"{v:,.{nd}f}"


def ratio(a, b):
    return None if a is None or not b else a / b


def side_figures(work, side, raw_rate):
    """The figures of one binary ("after" or "before")."""
    best = best_rate(work, side)
    at_best = run_stats(work, f"c17-{side}-rate-{best}") if best else None
    return {
        "cpu_us_1k": mp_cpu_us(work, f"c17-{side}-1k"),
        "cpu_us_100x100hz": mp_cpu_us(work, f"c17-{side}-100x100hz"),
        "max_rate_one_core": best,
        "max_rate_stats": at_best,
        "max_rate_vs_raw": ratio(best, raw_rate),
        "ladder": {r: run_stats(work, f"c17-{side}-rate-{r}")
                   for r in [120000, 100000, 80000, 60000, 40000, 20000, 10000]
                   if os.path.exists(os.path.join(work, f"c17-{side}-rate-{r}.jsonl"))},
    }


def main():
    work, _manifest, out_json, out_md = sys.argv[1:5]
    fping_1k = fping_cpu_us(work, "fping-1k-idle")
    fping_100 = fping_cpu_us(work, "fping-100x100hz")
    raw1, raw2 = rawloop(work, "raw-1core"), rawloop(work, "raw-2core")
    raw_rate = raw1 and raw1.get("round_trips_per_s")
    sides = {s: side_figures(work, s, raw_rate) for s in ("after", "before")
             if os.path.exists(os.path.join(work, f"c17-{s}.best"))}
    rows = []

    floors = {"cpu_us_1k": raw_cpu_us(work, "raw-paced-1k"),
              "cpu_us_100x100hz": raw_cpu_us(work, "raw-paced-100x100hz"),
              "cpu_us_100x100hz_burst": raw_cpu_us(work, "raw-burst-100x100hz"),
              "cpu_us_1k_wake_ups_alone": raw_cpu_us(work, "raw-sleep-1k", "wake_ups")}

    def add(target, key, peer_txt, peer, limit_abs, limit_ratio, smaller_better, unit):
        floor = floors.get(key)
        if floor is not None:
            peer_txt += f"; paced raw loop (floor): {fmt(floor)} µs = {fmt(ratio(floor, peer), 2)} × the peer"
            wake = floors["cpu_us_1k_wake_ups_alone"]
            if key == "cpu_us_1k" and wake is not None:
                peer_txt += (f"; its timer wake-ups alone (nothing sent): {fmt(wake)} µs = "
                             f"{fmt(ratio(wake, peer), 2)} × the peer")
            if key == "cpu_us_100x100hz":
                peer_txt += f"; the same loop bursting each interval: {fmt(floors['cpu_us_100x100hz_burst'])} µs"
        cells = {}
        for s, fig in sides.items():
            v = fig[key]
            r = ratio(v, peer)
            met = None if v is None or r is None else (
                (v <= limit_abs and r <= limit_ratio) if smaller_better else (v >= limit_abs and r >= limit_ratio))
            cells[s] = (v, r, met)
        rows.append((target, unit, peer_txt, cells))

    add("CPU per probe, 1 kHz, one target: ≤ 20 µs and ≤ 0.4 × fping", "cpu_us_1k",
        f"fping -p 1: {fmt(fping_1k)} µs", fping_1k, 20, 0.4, True, "µs")
    add("CPU per probe, 100 targets × 100 Hz: ≤ 10 µs", "cpu_us_100x100hz",
        f"fping -p 10, 100 targets: {fmt(fping_100)} µs", fping_100, 10, float("inf"), True, "µs")
    add("Sustained rate on one core, every probe recorded, lateness p99 ≤ 50 µs, ≥ 99.9 % sent: "
        "≥ 60 000 /s and ≥ 0.6 × the raw loop", "max_rate_one_core",
        f"raw loop pinned: {fmt(raw_rate, 0)} /s", raw_rate, 60000, 0.6, False, "/s")

    md = ["", "## Cost against the peers (issue 17)", "",
          "Same run as above. CPU = user + sys of the whole process (start-up and the 0.5 s drain included) per "
          "probe sent; fping's per request from its own count. Rate on one core: the whole process under "
          "`taskset -c 1`, 4 IPv4 targets, a rate step passes with ≥ 99.9 % of slots sent, ≥ 99 % answered (every "
          "probe is in the run file) and send lateness p99 ≤ 50 µs; the raw loop (`migprobe-rawloop`, a blocking "
          "ICMP send / receive on one raw socket, no timestamps, no recording) pinned the same way. The floor of a "
          "CPU figure is that loop paced on the same grid (sleep to each slot, send, receive): a figure's ratio "
          "to fping cannot go below the floor's, whatever the prober does, unless it sends without waking once "
          "per slot (targets sharing a tick, as the 100 × 100 Hz row's burst loop does per interval); below "
          "it, the same grid's timer wake-ups alone (`--sleep-only`, nothing sent). "
          + ("*before* = the earlier binary (`MIGPROBE_BASE`) in the same run." if "before" in sides else ""), "",
          "| target | figure | peer figure(s) | ratio | met? |" + (" before: figure / ratio / met? |" if "before" in sides else ""),
          "|---|--:|---|--:|---|" + ("---|" if "before" in sides else "")]
    for target, unit, peer_txt, cells in rows:
        a = cells.get("after", (None, None, None))
        nd = 0 if unit == "/s" else 1
        line = (f"| {target} | {fmt(a[0], nd)} {unit} | {peer_txt} | {fmt(a[1], 2)} | "
                f"{'yes' if a[2] else ('–' if a[2] is None else '**no**')} |")
        if "before" in sides:
            b = cells["before"]
            line += f" {fmt(b[0], nd)} {unit} / {fmt(b[1], 2)} / {'yes' if b[2] else ('–' if b[2] is None else 'no')} |"
        md.append(line)
    md += ["", f"Raw loop on two cores (not pinned): {fmt(raw2 and raw2.get('round_trips_per_s'), 0)} round trips/s, "
           f"{fmt(raw2 and raw2.get('cpu_us_per_round_trip'))} µs CPU each; pinned: "
           f"{fmt(raw1 and raw1.get('cpu_us_per_round_trip'))} µs CPU each.", "",
           "| binary | rate /s | slots | sent % | answered % | lateness p99 µs |", "|---|--:|--:|--:|--:|--:|"]
    for s, fig in sides.items():
        for r, st in sorted(fig["ladder"].items()):
            if st:
                md.append(f"| {s} | {r:,} | {st['slots']} | {st['sent_pct']:.2f} | {st['answered_pct']:.2f} | "
                          f"{fmt(st['lateness_p99_us'])} |")
    open(out_md, "a").write("\n".join(md) + "\n")
    data = json.load(open(out_json))
    data["cost17"] = {"fping_cpu_us_1k": fping_1k, "fping_cpu_us_100x100hz": fping_100,
                      "rawloop_one_core": raw1, "rawloop_two_cores": raw2, "paced_floors_cpu_us": floors,
                      "sides": sides}
    json.dump(data, open(out_json, "w"), indent=2)
    print("\n".join(md))


if __name__ == "__main__":
    main()
