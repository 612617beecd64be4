#!/usr/bin/env python3
"""Compares two runs of scripts/bench-accuracy.sh (accuracy.json each): the
earlier binary ("before") and the changed one ("after"), case by case.

Writes a Markdown table to stdout: per case, interval and fault duration the
mean error, sd, max |error| and truth-inside-bracket of both runs; then the
extra (false) outages per session and the targets of both runs. A case
counts as worse when its max |error| grew by more than the larger of
0.1 ms and 25 % (noise of this benchmark on a shared machine), or fewer
truths fell inside the bracket.

Usage: accuracy_compare.py BEFORE.json AFTER.json
"""
import json
import sys


def key(c):
    return (c["case"], c["interval_ms"], c["requested_ms"])


def ms(ns):
    return ns / 1e6


def worse(b, a):
    """True when case `a` (after) is clearly worse than `b` (before)."""
    grew = ms(a["error"]["max_abs_ns"]) - ms(b["error"]["max_abs_ns"])
    limit = max(0.1, 0.25 * ms(b["error"]["max_abs_ns"]))
    return grew > limit or a["in_bracket"] * b["n"] < b["in_bracket"] * a["n"]


def main():
    before, after = (json.load(open(p)) for p in sys.argv[1:3])
    bc = {key(c): c for c in before["cases"]}
    out = ["| case | interval | duration | before: mean / sd / max \\|error\\| ms, inside | "
           "after: mean / sd / max \\|error\\| ms, inside | worse? |",
           "|---|---|---|---|---|---|"]
    n_worse = 0
    for a in sorted(after["cases"], key=key):
        b = bc.get(key(a))
        if not b:
            continue
        cell = lambda c: (f"{ms(c['error']['mean_ns']):.3f} / {ms(c['error']['sd_ns']):.3f} / "
                          f"{ms(c['error']['max_abs_ns']):.3f}, {c['in_bracket']}/{c['n']}")
        w = worse(b, a)
        n_worse += w
        out.append(f"| {a['case']} | {a['interval_ms']:g} ms | {a['requested_ms']:g} ms | {cell(b)} | {cell(a)} | "
                   f"{'**yes**' if w else 'no'} |")
    bs = {s["session"]: s for s in before["sessions"]}
    out += ["", "| session | before: outages / extra / extra > 5 ms | after: outages / extra / extra > 5 ms |",
            "|---|---|---|"]
    for s in sorted(after["sessions"], key=lambda s: s["session"]):
        b = bs.get(s["session"], {})
        out.append(f"| {s['session']} | {b.get('outages')} / {b.get('extra')} / {b.get('extra_over_5ms')} | "
                   f"{s['outages']} / {s['extra']} / {s['extra_over_5ms']} |")
    bt = {t["target"]: t for t in before["targets"]}
    out += ["", "| target | before | after |", "|---|---|---|"]
    for t in after["targets"]:
        b = bt.get(t["target"], {})
        fmt = lambda x: ("met" if x.get("met") else "not met") + (
            f" (worst {x['worst_ms']:.3f} ms)" if x.get("worst_ms") is not None else "")
        name = t["target"].replace("|", "\\|")
        out.append(f"| {name} | {fmt(b) if b else '–'} | {fmt(t)} |")
    out += ["", f"Cases clearly worse after: {n_worse} of {len(after['cases'])}."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
