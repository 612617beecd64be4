#!/usr/bin/env python3
"""Renders reports/bench/runfile.json (scripts/bench-runfile.sh) as Markdown."""
import json
import sys


def codec_table(rows, title):
    if not rows:
        return [f"### {title}", "", "Not measured (see above).", ""]
    base = next(r for r in rows if r["codec"] == "jsonl")
    out = [
        f"### {title}",
        "",
        f"{rows[0]['probes']:,} probe lines, {rows[0]['lines']:,} lines, {rows[0]['frames']:,} frames of 100 ms.",
        "",
        "| encoding | B/probe | × JSONL size | encode ns/line | decode ns/line (to line values) |",
        "|---|--:|--:|--:|--:|",
    ]
    for r in rows:
        out.append(
            f"| {r['codec']} | {r['bytes_per_probe']:.1f} | {r['bytes'] / base['bytes']:.3f} "
            f"| {r['encode_ns_per_line']:.0f} | {r['decode_ns_per_line']:.0f} |"
        )
    return out + [""]


def main():
    d = json.load(open(sys.argv[1]))
    hc, hj = d["hour"]["compact"], d["hour"]["jsonl"]
    cpu = lambda t: t["user_s"] + t["sys_s"]
    lines = [
        "# Run-file formats: size and speed",
        "",
        f"Measured {d['when']} on {d['host']} (load {d['load']}) by `scripts/bench-runfile.sh`. "
        "Each figure is meant as a ratio against JSON Lines measured in the same run.",
        "",
        "## Default format (compact: zstd-framed JSON Lines, `run.jsonl.zst`) against JSON Lines",
        "",
        "### Synthetic one-hour run, 1 kHz, one target (3.6 M probes; `synth-run`, flushed every 100 ms of run time)",
        "",
        "| | compact (default) | JSONL | compact / JSONL |",
        "|---|--:|--:|--:|",
        f"| file size | {hc['bytes'] / 1e6:.1f} MB | {hj['bytes'] / 1e6:.1f} MB | {hc['bytes'] / hj['bytes']:.3f} |",
        f"| bytes per probe | **{hc['bytes_per_probe']:.1f}** | {hj['bytes_per_probe']:.1f} | |",
        f"| write (synth-run, CPU s) | {cpu(hc['write']):.2f} | {cpu(hj['write']):.2f} | {cpu(hc['write']) / max(cpu(hj['write']), 1e-9):.2f} |",
        f"| `migprobe summary` (whole reader, CPU s) | {cpu(hc['summary']):.2f} | {cpu(hj['summary']):.2f} | {cpu(hc['summary']) / max(cpu(hj['summary']), 1e-9):.2f} |",
        f"| `migprobe summary` max RSS | {hc['summary']['max_rss_kb'] / 1024:.0f} MB | {hj['summary']['max_rss_kb'] / 1024:.0f} MB | |",
        f"| `migprobe cat` (CPU s) | {cpu(hc['cat']):.2f} | {cpu(hj['cat']):.2f} | |",
        "",
        f"The 3.6 M probes are {hc['probe_lines']:,} probe lines (a provisional `pending` line precedes each late reply).",
        "",
    ]
    real = d["real"]
    lines += ["### Real capture: `migprobe probe 192.0.2.2 -i 1ms` over a veth pair between two namespaces", ""]
    if isinstance(real, list):
        rc = next(r for r in real if r["format"] == "compact")
        rj = next(r for r in real if r["format"] == "jsonl")
        lines += [
            f"{d['capture_s']} s each, one after the other.",
            "",
            "| | compact (default) | JSONL | compact / JSONL |",
            "|---|--:|--:|--:|",
            f"| probes | {rc['probes']:,} | {rj['probes']:,} | |",
            f"| bytes per probe | **{rc['bytes_per_probe']:.1f}** | {rj['bytes_per_probe']:.1f} | {rc['bytes_per_probe'] / rj['bytes_per_probe']:.3f} |",
            "",
        ]
    else:
        lines += [str(real), ""]
    lines += ["## Candidate encodings", "",
              "`runfile-codecs` (crates/bench/examples) encodes the same lines in frames of 100 ms of run time "
              "by each candidate and decodes them back (checked equal). Encode includes the JSON serialisation "
              "where the format has one; decode ends at line values (the reader's own plausibility checks and "
              "reduction are not in it).", ""]
    lines += codec_table(d["codecs_synthetic"], "10-minute synthetic sample (600 000 probes)")
    lines += codec_table(d["codecs_real"], "The real capture (JSONL form)")
    print("\n".join(lines))


main()
