#!/usr/bin/env python3
"""Writes acceptance.md (on stdout) for scripts/acceptance.sh from what it
left in OUT: old/ and new/ (migprobe run directories), compare/compare.md,
gate.md, labs.txt. Every figure and version is read from those files.

Usage: acceptance-report.py OUT OLD NEW ORDER RC_OLD RC_NEW RC_GATE FAULTS
"""
import json
import pathlib
import re
import sys


def load(out, side):
    return json.loads((out / side / "report.json").read_text())


def versions(report):
    """(QEMU, libvirt) of the source and destination hosts, as the run file recorded them."""
    hv = report["run"].get("hypervisors") or {}
    qemu = sorted({h.get("hypervisor_version") or "?" for h in hv.values()})
    libvirt = sorted({h.get("libvirt_version") or "?" for h in hv.values()})
    return ", ".join(qemu) or "?", ", ".join(libvirt) or "?"


def downtimes(report, key):
    return [(m.get("downtime") or {}).get(key) for m in report.get("migrations") or []]


def results(report):
    ms = report.get("migrations") or []
    ok = sum(1 for m in ms if (m.get("migration") or {}).get("result") == "completed")
    return len(ms), ok


def fmt(v):
    return "–" if v is None else f"{v:.1f}"


def section(text, title):
    """The body of the `## title` section of a Markdown text."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return m.group(1).strip() if m else ""


def verdict(rc_old, rc_new, rc_gate, faults, gate_md):
    if faults > 0:
        return "LAB FAULT", "a guest died or went bad during a campaign: the lab's fault, not the candidate's; run again"
    if rc_old != 0 or rc_new != 0:
        return "INCOMPLETE", f"a campaign did not end cleanly (migprobe run exit {rc_old} old, {rc_new} new): see old.log / new.log"
    if rc_gate == 0 and "could not have caught any regression" in gate_md:
        return "INCONCLUSIVE", "the gate passed, but with so few migrations it could not have caught any regression: run more (--migrations)"
    if rc_gate == 0:
        return "ACCEPTED", "`migprobe gate --baseline` passed (the smallest regression it could have caught is in the gate below)"
    if "inconclusive" in gate_md.lower():
        return "INCONCLUSIVE", "`migprobe gate --baseline` could not decide (see the gate below): measure again"
    return "REJECTED", "`migprobe gate --baseline` failed (see the gate below)"


def main():
    out = pathlib.Path(sys.argv[1])
    old, new, order = sys.argv[2:5]
    rc_old, rc_new, rc_gate, faults = map(int, sys.argv[5:9])
    a, b = load(out, "old"), load(out, "new")
    compare_md = (out / "compare" / "compare.md").read_text()
    gate_md = (out / "gate.md").read_text()
    word, why = verdict(rc_old, rc_new, rc_gate, faults, gate_md)
    (qa, la), (qb, lb) = versions(a), versions(b)
    first = compare_md.strip().splitlines()[0].strip("*")
    p = print
    p(f"# Upgrade acceptance: {old} (QEMU {qa}, libvirt {la}) → {new} (QEMU {qb}, libvirt {lb})")
    p()
    p(f"**{word}**: {why}.")
    p()
    p(f"{first}")
    p()
    how = "interleaved: the two campaigns ran at once and took turns, one migration each (A, B, A, B, ...)" \
        if order == "interleaved" else "sequential: the old campaign first, then the new"
    p(f"Written by `scripts/acceptance.sh`, {how}; `--pingpong` live migrations with `--copy-storage-all` "
      "on the built-in lab (TCG guests, machine type pc-i440fx-7.2 on both stacks), probed every 1 ms.")
    p()
    p("## The stacks (from the run files)")
    p()
    p(f"| | {old} (baseline) | {new} (candidate) |")
    p("|---|---|---|")
    p(f"| QEMU (source and destination) | {qa} | {qb} |")
    p(f"| libvirt | {la} | {lb} |")
    (na, oka), (nb, okb) = results(a), results(b)
    p(f"| migrations (completed / run) | {oka} / {na} | {okb} / {nb} |")
    p(f"| prober kernel | {a['run'].get('kernel', '?')} | {b['run'].get('kernel', '?')} |")
    p(f"| recorded | {a['run'].get('start_utc', '?')} | {b['run'].get('start_utc', '?')} |")
    p(f"| lab faults (guest deaths; `lab.sh health`) | {faults} in both labs | (see labs.txt) |")
    p()
    p("## Side by side")
    p()
    p(section(compare_md, "Side by side"))
    p()
    p("## Every migration (ms, in campaign order)")
    p()
    p(f"| # | {old} network | {old} libvirt | {new} network | {new} libvirt |")
    p("|--:|--:|--:|--:|--:|")
    cols = [downtimes(a, "network_ms"), downtimes(a, "hypervisor_ms"),
            downtimes(b, "network_ms"), downtimes(b, "hypervisor_ms")]
    for i in range(max(len(c) for c in cols)):
        cells = [fmt(c[i]) if i < len(c) else "–" for c in cols]
        p(f"| {i + 1} | " + " | ".join(cells) + " |")
    p()
    p("## The gate (`migprobe gate new/report.json --baseline old/report.json`)")
    p()
    p(gate_md.strip())
    p()
    p("## Charts and files")
    p()
    p("- [compare/compare.svg](compare/compare.svg): the downtime distributions and the RTT around the switchover")
    p(f"- [old/chart.svg](old/chart.svg) ({old}) and [new/chart.svg](new/chart.svg) ({new}): each campaign's timeline")
    p("- [compare/compare.md](compare/compare.md) (the whole comparison), [gate.xml](gate.xml) (JUnit), "
      "[labs.txt](labs.txt) (both labs' versions and health after the campaigns)")
    p("- old/run.jsonl.zst, new/run.jsonl.zst: every probe and hypervisor event (`migprobe report` re-creates the rest; "
      "`migprobe cat` prints them as JSON Lines)")
    p()
    p("![compare](compare/compare.svg)")


if __name__ == "__main__":
    main()
