#!/usr/bin/env python3
"""Turns the scores of scripts/bench-accuracy.sh into accuracy.json, accuracy.md
and accuracy.svg.

Input (in --scores): score-<session>.json (from `migprobe-inject score`),
score-false.json (`migprobe-inject false-outages`), commands.txt and, after
--lab, lab-pause.json (scored pauses), lab-migrate.json (a report.json),
lab-commands.txt. The per-case statistics come from migprobe-inject; this
script only collects, judges against the targets and renders.
"""
import argparse
import datetime
import glob
import html
import json
import os
import platform
import subprocess

CASES = ["freeze", "loss", "overflow"]
# Targets (measurement.md / issue 7), per interval in ms.
TARGET_MEAN_MS = {1.0: 0.2}
TARGET_MAX_MS = {1.0: 1.5, 0.1: 0.3}
TARGET_LOSS_COVERAGE = {1.0: 0.95}


def ms(ns):
    return None if ns is None else ns / 1e6


def fmt(v, digits=3):
    return "–" if v is None else f"{v:.{digits}f}"


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "load_average": os.getloadavg(),
        "git_commit": sh("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(sh("git", "status", "--porcelain", "--untracked-files=no")),
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def load_rows(out):
    """One row per (case, interval, requested duration), with the peers' rows at 1 ms."""
    rows, peers, sessions = [], [], []
    for path in sorted(glob.glob(os.path.join(out, "score-*.json"))):
        if path.endswith("score-false.json"):
            continue
        with open(path) as f:
            s = json.load(f)
        iv = s["interval_ms"]
        extra = s.get("extra_estimates_ms", [])
        name = os.path.basename(path)[6:-5]
        drops = None
        try:
            with open(os.path.join(out, f"drops-{name}.txt")) as f:
                drops = int(f.read().strip() or 0)
        except (OSError, ValueError):
            pass
        sessions.append({"session": name, "interval_ms": iv, "prober_socket_drops": drops,
                         "faults": len(s["faults"]), "outages": s["outages"],
                         "extra": s["extra_outages"], "extra_max_ms": max(extra, default=None),
                         "extra_over_5ms": sum(1 for e in extra if e > 5),
                         "extra_estimates_ms": extra, "fault_scores": s["faults"],
                         "peer_scores": {t: s[t]["faults"] for t in ("ping", "fping") if t in s},
                         "peer_loss_pct": {t: s[t]["loss_pct"] for t in ("ping", "fping") if t in s}})
        for c in s["cases"]:
            rows.append(dict(c, interval_ms=iv,
                             errors=[x["error_ns"] for x in s["faults"]
                                     if x["case"] == c["case"] and x["requested_ms"] == c["requested_ms"]],
                             inside=[x["outside_ns"] == 0 for x in s["faults"]
                                     if x["case"] == c["case"] and x["requested_ms"] == c["requested_ms"]]))
        for tool in ("ping", "fping"):
            if tool not in s:
                continue
            for c in s[tool]["cases"]:
                peers.append(dict(c, tool=tool, interval_ms=iv,
                                  loss_pct_session=s[tool]["loss_pct"],
                                  errors=[x["error_ns"] for x in s[tool]["faults"]
                                          if x["case"] == c["case"] and x["requested_ms"] == c["requested_ms"]]))
    key = lambda r: (CASES.index(r["case"]) if r["case"] in CASES else 9, -r["interval_ms"], r["requested_ms"])
    rows.sort(key=key)
    peers.sort(key=key)
    return rows, peers, sessions


def judge(rows):
    """Per target: met / not met, and the rows that miss it."""
    verdicts = []
    for iv, lim in TARGET_MEAN_MS.items():
        sel = [r for r in rows if r["interval_ms"] == iv and r["error"]]
        bad = [r for r in sel if abs(r["error"]["mean_ns"]) / 1e6 > lim]
        worst = max((abs(r["error"]["mean_ns"]) / 1e6 for r in sel), default=None)
        verdicts.append(dict(target=f"{iv:g} ms interval: |mean error| ≤ {lim} ms in every case",
                             met=bool(sel) and not bad, worst_ms=worst,
                             missed_by=[f"{r['case']} {r['requested_ms']:g} ms" for r in bad]))
    for iv, lim in TARGET_MAX_MS.items():
        sel = [r for r in rows if r["interval_ms"] == iv and r["error"]]
        bad = [r for r in sel if r["error"]["max_abs_ns"] / 1e6 > lim]
        worst = max((r["error"]["max_abs_ns"] / 1e6 for r in sel), default=None)
        verdicts.append(dict(target=f"{iv:g} ms interval: max |error| ≤ {lim} ms",
                             met=bool(sel) and not bad, worst_ms=worst,
                             missed_by=[f"{r['case']} {r['requested_ms']:g} ms" for r in bad]))
    for iv, lim in TARGET_LOSS_COVERAGE.items():
        sel = [r for r in rows if r["interval_ms"] == iv and r["case"] == "loss"]
        n = sum(r["n"] for r in sel)
        inside = sum(r["in_bracket"] for r in sel)
        share = inside / n if n else None
        verdicts.append(dict(target=f"{iv:g} ms interval: loss truth inside the bracket ≥ {lim:.0%}",
                             met=share is not None and share >= lim, share=share,
                             detail=f"{inside}/{n}"))
    return verdicts


def svg_chart(rows, peers, path):
    """Error per fault, per case and duration, both intervals; coverage above each column."""
    durs = sorted({r["requested_ms"] for r in rows})
    ivs = sorted({r["interval_ms"] for r in rows}, reverse=True)
    panels = [c for c in CASES if any(r["case"] == c for r in rows)]
    W, PH, L, R, T = 980, 230, 70, 20, 50
    H = T + PH * (len(panels) + (1 if peers else 0)) + 40
    col_w = (W - L - R) / max(1, len(durs))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="20" text-anchor="middle" font-size="15">migprobe accuracy: error = estimate − truth per injected fault</text>',
           f'<text x="{W/2}" y="37" text-anchor="middle" fill="#555">dots: one fault each (green: truth inside the reported bracket, red: outside); '
           f'black bar: mean; n/n: truths inside the bracket; ▲▼: beyond the axis</text>']
    colors = {1.0: "#1f77b4", 0.1: "#ff7f0e"}

    def panel(idx, title, ylim, series, unit_note):
        y0 = T + idx * PH + 20
        h = PH - 50
        ymid = y0 + h / 2
        yof = lambda v: ymid - max(-1.0, min(1.0, v / ylim)) * h / 2
        out.append(f'<text x="{L}" y="{y0 - 5}" font-size="13" font-weight="bold">{html.escape(title)}</text>')
        out.append(f'<rect x="{L}" y="{y0}" width="{W-L-R}" height="{h}" fill="none" stroke="#999"/>')
        for frac in (-1, -0.5, 0, 0.5, 1):
            y = ymid - frac * h / 2
            out.append(f'<line x1="{L}" x2="{W-R}" y1="{y}" y2="{y}" stroke="{"#666" if frac == 0 else "#ddd"}"/>')
            out.append(f'<text x="{L-5}" y="{y+4}" text-anchor="end">{frac*ylim:+g}</text>')
        out.append(f'<text x="15" y="{ymid}" transform="rotate(-90 15 {ymid})" text-anchor="middle">{unit_note}</text>')
        for di, d in enumerate(durs):
            x0 = L + di * col_w
            out.append(f'<text x="{x0 + col_w/2}" y="{y0 + h + 14}" text-anchor="middle">{d:g} ms</text>')
            if di:
                out.append(f'<line x1="{x0}" x2="{x0}" y1="{y0}" y2="{y0+h}" stroke="#ccc"/>')
            for si, (label, color, rowsel) in enumerate(series):
                r = next((r for r in rowsel if r["requested_ms"] == d), None)
                if not r:
                    continue
                cx = x0 + col_w * (si + 1) / (len(series) + 1)
                errs = [e for e in r["errors"] if e is not None]
                inside = r.get("inside") or [True] * len(errs)
                for k, (e, ok) in enumerate(zip(r["errors"], inside)):
                    if e is None:
                        continue
                    v = e / 1e6
                    x = cx - 10 + 20 * ((k * 0.618) % 1)
                    fill = "#2ca02c" if ok else "#d62728"
                    if abs(v) > ylim:
                        y = yof(v)
                        pts = f"{x-4},{y+6} {x+4},{y+6} {x},{y}" if v > 0 else f"{x-4},{y-6} {x+4},{y-6} {x},{y}"
                        out.append(f'<polygon points="{pts}" fill="{fill}"/>')
                    else:
                        out.append(f'<circle cx="{x:.1f}" cy="{yof(v):.1f}" r="2.2" fill="{fill}" fill-opacity="0.7"/>')
                if errs:
                    m = sum(errs) / len(errs) / 1e6
                    out.append(f'<line x1="{cx-13}" x2="{cx+13}" y1="{yof(m)}" y2="{yof(m)}" stroke="black" stroke-width="2"/>')
                cov = f'{r["in_bracket"]}/{r["n"]}' if "in_bracket" in r else f'n={r["n"]}'
                out.append(f'<text x="{cx}" y="{y0 + 11}" text-anchor="middle" fill="{color}">{cov}</text>')
                out.append(f'<rect x="{cx-13}" y="{y0+h+18}" width="26" height="4" fill="{color}"/>')
        xs = L
        for label, color, _ in series:
            out.append(f'<rect x="{xs}" y="{y0 + h + 27}" width="10" height="8" fill="{color}"/>'
                       f'<text x="{xs + 14}" y="{y0 + h + 35}">{html.escape(label)}</text>')
            xs += 14 + 7 * len(label) + 20

    for i, c in enumerate(panels):
        series = [(f"interval {iv:g} ms", colors.get(iv, "#555"),
                   [r for r in rows if r["case"] == c and r["interval_ms"] == iv]) for iv in ivs]
        panel(i, f"{c} (migprobe)", 2.0, series, "error, ms")
    if peers:
        pc = {"migprobe": "#1f77b4", "ping": "#9467bd", "fping": "#8c564b"}
        series = [("migprobe freeze", pc["migprobe"], [r for r in rows if r["case"] == "freeze" and r["interval_ms"] == 1.0])]
        for tool in ("ping", "fping"):
            series.append((f"{tool} longest reply gap, freeze", pc[tool],
                           [dict(p, inside=[True] * len(p["errors"])) for p in peers
                            if p["tool"] == tool and p["case"] == "freeze"]))
        panel(len(panels), "1 ms, the same freezes: migprobe's estimate vs ping's / fping's longest gap between replies",
              25.0, series, "error, ms")
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def md_report(a, rows, peers, sessions, false, verdicts, lab, commands):
    L = []
    L.append("# migprobe accuracy (network level" + (" and lab" if lab else "") + ")\n")
    L.append(f"Made by `scripts/bench-accuracy.sh` on {a['machine']['date_utc']}"
             f"{' (**--quick: development numbers only**)' if a['quick'] else ''}; "
             f"{a['elapsed_s']} s. Machine: {a['machine']['cpus']} CPUs ({a['machine']['cpu_model']}), "
             f"kernel {a['machine']['kernel']}, load average at the end {', '.join(f'{x:.2f}' for x in a['machine']['load_average'])}, "
             f"commit {a['machine']['git_commit']}{' (+ uncommitted changes)' if a['machine']['git_dirty'] else ''}. "
             "Nothing else ran on the machine but the benchmark (and, in the lab part, the lab).\n")
    L.append("## Method\n")
    L.append("- Two network namespaces joined by a veth pair; migprobe (release build) probes "
             "192.0.2.2 over IPv4 from the prober namespace. Each fault comes from "
             "`migprobe-inject` in the target namespace, which reads CLOCK_REALTIME right before "
             "and right after each action; the **truth** is the distance between the midpoints "
             "of the start and end stamp pairs (their half-widths, typically 10–50 µs, widen the "
             "bracket check). Faults come at random gaps of 250–550 ms, so at random phases of "
             "the probe grid, in random order of duration.")
    L.append("- **freeze**: SIGSTOP / SIGCONT of `migprobe-echo` (kernel echo off; receive buffer "
             "forced to 100 MB so every request queues). **overflow**: the same with "
             "`--rcvbuf 4096` (a few requests queue, the rest are dropped: queued then lost). "
             "**loss**: `net.ipv4.icmp_echo_ignore_all` 1 / 0 written from inside the target "
             "namespace, the kernel's own echo being the target.")
    L.append("- `migprobe-echo` runs under SCHED_FIFO (chrt -f 30) so that its resume after "
             "SIGCONT is prompt; what remains of its resume latency is in the freeze error (it "
             "is real: the responder answers that much later), see the mean error of the freeze rows.")
    L.append(f"- {a['reps']} repetitions per case and duration; at 100 µs the 4 s faults "
             f"{a['reps_4s_fast']} times (each is 40 000 requests and ~8 s of the time budget). "
             "Error = estimate − truth; *inside* = truth within the reported bracket widened by "
             "the stamps' uncertainty; *missed* = no outage overlaps the fault; *extra* = "
             "outages overlapping no fault in the same session.")
    L.append("- ICMP only. The same faults probed by `tcp:` and `udp:` at the same time as ICMP "
             "(`scripts/bench-accuracy.sh --kinds icmp,tcp,udp`, with faults that hold or drop any "
             "protocol): [accuracy-kinds.md](accuracy-kinds.md).\n")

    L.append("## Results: migprobe\n")
    L.append("| case | interval | duration | n | mean error ms | sd ms | max \\|error\\| ms | truth inside bracket | missed | split | classes |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        e = r["error"] or {}
        L.append(f"| {r['case']} | {r['interval_ms']:g} ms | {r['requested_ms']:g} ms | {r['n']} | "
                 f"{fmt(ms(e.get('mean_ns')))} | {fmt(ms(e.get('sd_ns')))} | {fmt(ms(e.get('max_abs_ns')))} | "
                 f"{r['in_bracket']}/{r['n']} | {r['missed']} | {r['split']} | "
                 f"{', '.join(f'{k} {v}' for k, v in r['classes'].items())} |")
    L.append("")
    L.append("Extra outages per session (outages that overlap no injected fault):\n")
    L.append("| session | interval | faults | outages | extra | largest extra ms | extra > 5 ms | prober socket's drop counter ¹ |")
    L.append("|---|---|---|---|---|---|---|---|")
    for x in sessions:
        L.append(f"| {x['session']} | {x['interval_ms']:g} ms | {x['faults']} | {x['outages']} | {x['extra']} | "
                 f"{fmt(x['extra_max_ms'])} | {x['extra_over_5ms']} | {'–' if x['prober_socket_drops'] is None else x['prober_socket_drops']} |")
    L.append("")
    L.append("¹ The kernel's drop count of migprobe's raw socket (`/proc/net/raw`). It also counts the "
             "packets its BPF filter turns away: in the 1 ms sessions those are the replies to `ping` and "
             "`fping`, which every raw ICMP socket sees. 0 elsewhere: no reply of migprobe's was dropped.\n")
    L.append("## Targets\n")
    L.append("| target | result | |")
    L.append("|---|---|---|")
    for v in verdicts:
        if "share" in v:
            detail = f"{v['detail']} = {fmt(None if v['share'] is None else 100 * v['share'], 1)} %"
        else:
            detail = f"worst {fmt(v['worst_ms'])} ms" + (f"; missed by {', '.join(v['missed_by'])}" if v["missed_by"] else "")
        L.append(f"| {v['target'].replace('|', chr(92) + '|')} | **{'met' if v['met'] else 'not met'}** | {detail} |")
    L.append("")
    if peers:
        L.append("## ping and fping against the same faults (1 ms)\n")
        L.append("What a careful user could read from `ping -D -i 0.001` and `fping -D -l -p 1 -i 0` "
                 "running at the same time as migprobe: the longest gap between two reply arrivals "
                 "(`-D` timestamps) within 100 ms of the fault, its error against the truth, the "
                 "largest RTT printed, and how many probes the tool reported lost.\n")
        L.append("| case | duration | tool | gap error mean ms | gap error max \\|·\\| ms | largest RTT mean ms | lost per fault (mean) |")
        L.append("|---|---|---|---|---|---|---|")
        for p in peers:
            ge, mr, lo = p["gap_error"] or {}, p["max_rtt"] or {}, p["lost"] or {}
            L.append(f"| {p['case']} | {p['requested_ms']:g} ms | {p['tool']} | {fmt(ms(ge.get('mean_ns')))} | "
                     f"{fmt(ms(ge.get('max_abs_ns')))} | {fmt(ms(mr.get('mean_ns')))} | {fmt(lo.get('mean_ns'), 1)} |")
        L.append("")
    if false:
        L.append(f"## False outages under 2 % random loss (1 ms, {false['duration_s']:.0f} s, extrapolated to an hour)\n")
        L.append(f"`migprobe-echo --drop-rate 0.02` dropped {false['lost']} of {false['probes']} requests "
                 f"({100 * false['loss_fraction']:.2f} %). The run was analysed with each K "
                 "(`--min-loss-run`); expected = probes per hour × (1 − p) × p^K. K governs outages of "
                 "lost probes; outages with queued replies are the responder stalling (a real freeze of "
                 "the target, which K does not filter), counted apart.\n")
        L.append("| K | loss outages in the run | loss outages per hour (extrapolated) | expected per hour | freeze outages in the run (responder stalls) |")
        L.append("|---|---|---|---|---|")
        for r in false["rows"]:
            lo = r.get("loss_outages", r["outages"])
            lph = r.get("loss_per_hour", r["per_hour"])
            L.append(f"| {r['k']} | {lo} | {lph:.1f} | {r['expected_per_hour']:.2f} | {r.get('freeze_outages', '–')} |")
        L.append("")
    if lab:
        L.append(lab_md(lab))
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accuracy-notes.md")
    if os.path.exists(notes) and not a["quick"]:
        with open(notes) as f:
            L.append(f.read().strip() + "\n")
    L.append("## Commands\n")
    L.append("```sh\n" + a["argv"] + "\n```\n")
    L.append("Per session (PROBER / TARGET are the namespaces the script makes):\n")
    L.append("```sh\n" + commands.strip() + "\n```\n")
    return "\n".join(L) + "\n"


def build_lab(out):
    """The lab part's results, from lab-pause.json (scored pauses) and lab-migrate.json (a report)."""
    pp, mp = os.path.join(out, "lab-pause.json"), os.path.join(out, "lab-migrate.json")
    if not (os.path.exists(pp) or os.path.exists(mp)):
        return None
    lab = {"pauses": [], "pause_extra": None, "migrations": []}
    if os.path.exists(pp):
        with open(pp) as f:
            s = json.load(f)
        lab["pauses"] = s["cases"]
        lab["pause_extra"] = s.get("extra_estimates_ms", [])
    if os.path.exists(mp):
        with open(mp) as f:
            r = json.load(f)
        entries = r.get("migrations") or [{"index": 0, "downtime": r.get("downtime"),
                                           "migration": r.get("migration")}]
        for e in entries:
            d = e.get("downtime") or {}
            lab["migrations"].append({
                "index": e.get("index"),
                "result": (e.get("migration") or {}).get("result"),
                "network_ms": d.get("network_ms"), "bracket_ms": d.get("bracket_ms"),
                "class": d.get("class"), "qemu_pause_ms": d.get("qemu_pause_ms"),
                "libvirt_ms": d.get("hypervisor_ms"), "difference_ms": d.get("difference_ms"),
                "pause_part_ms": d.get("pause_part_ms"), "convergence_part_ms": d.get("convergence_part_ms")})
    cp = os.path.join(out, "lab-commands.txt")
    if os.path.exists(cp):
        with open(cp) as f:
            lab["commands"] = f.read()
    return lab


def lab_md(lab):
    L = ["## Lab: a real guest (QEMU 7.2 TCG under two libvirt daemons, `scripts/lab.sh`)\n"]
    L.append("**Known pauses.** One `migprobe run` at 1 ms whose trigger pauses the guest with "
             "`scripts/lab.sh suspend-for D` (virsh suspend / resume) at random gaps; the truth is "
             "QEMU's own STOP → RESUME event times (µs). The network-observed outage also holds "
             "what QEMU and the guest need to answer again after RESUME (TCG), so a positive "
             "error here is the guest's real resume latency, not the prober's.\n")
    L.append("| pause | n | mean error ms | sd ms | max \\|error\\| ms | QEMU pause inside bracket | missed | classes |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in lab["pauses"]:
        e = r["error"] or {}
        L.append(f"| {r['requested_ms']:g} ms | {r['n']} | {fmt(ms(e.get('mean_ns')))} | {fmt(ms(e.get('sd_ns')))} | "
                 f"{fmt(ms(e.get('max_abs_ns')))} | {r['in_bracket']}/{r['n']} | {r['missed']} | "
                 f"{', '.join(f'{k} {v}' for k, v in r['classes'].items())} |")
    if lab.get("pause_extra") is not None:
        ex = lab["pause_extra"]
        L.append(f"\nOther outages in that run (no pause injected): {len(ex)}"
                 + (f", up to {max(ex):.1f} ms (the TCG guest's own stalls)" if ex else "") + ".\n")
    if lab["migrations"]:
        L.append("**Real migrations** (`virsh migrate --live --copy-storage-all`, back and forth): the "
                 "network-observed downtime of the switchover against QEMU's pause (source STOP → "
                 "destination RESUME) and libvirt's figure. Here the network outage is *meant* to be "
                 "longer: after RESUME the guest must be reachable at its new host "
                 "(network convergence).\n")
        L.append("| # | result | network ms | bracket ms | class | QEMU pause ms | libvirt ms | network − QEMU ms | of which paused / convergence ms |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for m in lab["migrations"]:
            br = m["bracket_ms"]
            L.append(f"| {m['index']} | {m['result']} | {fmt(m['network_ms'], 1)} | "
                     f"{'–' if not br else f'{br[0]:.1f} – {br[1]:.1f}'} | {m['class'] or '–'} | "
                     f"{fmt(m['qemu_pause_ms'], 1)} | {fmt(m['libvirt_ms'], 0)} | {fmt(m['difference_ms'], 1)} | "
                     f"{fmt(m['pause_part_ms'], 1)} / {fmt(m['convergence_part_ms'], 1)} |")
        L.append("")
    if lab.get("commands"):
        L.append("```sh\n" + lab["commands"].strip() + "\n```\n")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scores", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--reps", type=int, default=0)
    ap.add_argument("--reps-4s-fast", type=int, default=0)
    ap.add_argument("--loss-seconds", type=int, default=0)
    ap.add_argument("--quick", type=int, default=0)
    ap.add_argument("--argv", default="")
    ap.add_argument("--migprobe", default="migprobe")
    a = ap.parse_args()
    rows, peers, sessions = load_rows(a.scores)
    false = None
    fp = os.path.join(a.scores, "score-false.json")
    if os.path.exists(fp):
        with open(fp) as f:
            false = json.load(f)
    lab = build_lab(a.scores)
    commands = ""
    cp = os.path.join(a.scores, "commands.txt")
    if os.path.exists(cp):
        with open(cp) as f:
            commands = f.read()
    verdicts = judge(rows) if rows else []
    meta = {"machine": machine(), "elapsed_s": a.elapsed, "reps": a.reps, "reps_4s_fast": a.reps_4s_fast,
            "loss_seconds": a.loss_seconds, "quick": bool(a.quick), "argv": a.argv,
            "migprobe_version": sh(a.migprobe, "--version")}
    strip = lambda r: {k: v for k, v in r.items() if k not in ("errors", "inside")}
    doc = {"meta": meta, "targets": verdicts, "cases": [strip(r) for r in rows],
           "peers": [strip(p) for p in peers], "sessions": sessions, "false_outages": false, "lab": lab}
    with open(os.path.join(a.out, "accuracy.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(os.path.join(a.out, "accuracy.md"), "w") as f:
        f.write(md_report(meta, rows, peers, sessions, false, verdicts, lab, commands))
    if rows:
        svg_chart(rows, peers, os.path.join(a.out, "accuracy.svg"))


if __name__ == "__main__":
    main()
