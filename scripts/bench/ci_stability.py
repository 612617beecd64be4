#!/usr/bin/env python3
"""Reading scripts/test.sh logs for scripts/ci-stability.sh.

  ci_stability.py run LOG RUN BUSY EXIT SECONDS   -> one JSON line for that run
  ci_stability.py report --planned N ... < runs   -> the markdown and JSON report

Rules: a run passed iff its exit status is 0. A failure's step is the last
"=== step" line before the end; its checks are the FAIL lines of that step (in
test-run's step that includes the gate run with a policy made to fail); its
cause is "lab fault" if the step printed LAB FAULT evidence, else "test failure".
Lab faults and their retries are listed for every run, passed or not.
"""
import argparse
import json
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone

STEP = re.compile(r"^=== (.*) \(\d\d:\d\d:\d\d\)$")
FAIL = re.compile(r"^(FAIL - |FAIL: |test .* \.\.\. FAILED$|error(\[E\d+\])?: )")
FAULT = re.compile(r"^LAB FAULT")
RETRY = re.compile(r"^RETRY \(lab fault\): ")
EVIDENCE_LINES = 14


def parse_log(path):
    """Steps with their FAIL lines, lab faults (with evidence) and retries."""
    steps = [{"step": "(before the first step)", "fails": [], "faults": [], "retries": []}]
    evidence = None
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            cur = steps[-1]
            m = STEP.match(line)
            if m:
                steps.append({"step": m.group(1), "fails": [], "faults": [], "retries": []})
                evidence = None
                continue
            if evidence is not None and (line.startswith("  ") or FAULT.match(line)) and len(evidence) < EVIDENCE_LINES:
                evidence.append(line)
                continue
            evidence = None
            if FAULT.match(line):
                evidence = [line]
                cur["faults"].append(evidence)
            elif RETRY.match(line):
                cur["retries"].append(line)
            elif FAIL.match(line):
                cur["fails"].append(line)
    return steps


def summarize(path, run, busy, code, seconds):
    steps = parse_log(path)
    last = steps[-1]
    faults = [{"step": s["step"], "evidence": e} for s in steps for e in s["faults"]]
    retries = [{"step": s["step"], "line": r} for s in steps for r in s["retries"]]
    res = {"run": run, "busy": busy, "exit": code, "seconds": seconds, "passed": code == 0,
           "log": path, "lab_faults": faults, "retries": retries}
    if code != 0:
        res["failed_step"] = last["step"]
        res["failed_checks"] = last["fails"][:30]
        res["cause"] = "lab fault" if last["faults"] else "test failure"
    return res


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        return out.splitlines()[0].strip() if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine():
    return {
        "cores": len(__import__("os").sched_getaffinity(0)),
        "kernel": platform.release(),
        "qemu": tool_version(["qemu-system-x86_64", "--version"]),
        "libvirt": tool_version(["libvirtd", "--version"]),
        "commit": tool_version(["git", "rev-parse", "--short", "HEAD"]),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def count(runs, busy=None):
    sel = [r for r in runs if busy is None or r["busy"] == busy]
    return sum(r["passed"] for r in sel), len(sel)


def markdown(runs, meta):
    m = meta["machine"]
    p, t = count(runs)
    pi, ti = count(runs, 0)
    pb, tb = count(runs, 1)
    out = ["# CI stability", "",
           f"Machine: {m['cores']} cores, kernel {m['kernel']}; {m['qemu']}; {m['libvirt']}; "
           f"migprobe {m['commit']}; {m['date']}.",
           f"Written by `scripts/ci-stability.sh`; raw data in `{meta['json_name']}`; logs were in `{meta['logs']}`.",
           f"Command: `{meta['command']}`, {meta['planned']} runs planned, every second one with "
           "`stress-ng --cpu 0` (a CPU hog on every core).", ""]
    if meta["interrupted"]:
        out += [f"**Interrupted** after {t} finished runs.", ""]
    retried = sum(len(r["retries"]) for r in runs)
    out += [f"**{p} of {t} runs passed** (idle {pi}/{ti}, busy {pb}/{tb}); "
            f"lab-fault retries: {retried}.", "",
            "| run | load | result | time | failed step | cause | lab faults | retries |",
            "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        out.append(f"| {r['run']} | {'busy' if r['busy'] else 'idle'} | "
                   f"{'pass' if r['passed'] else 'FAIL (exit %d)' % r['exit']} | {r['seconds']} s | "
                   f"{r.get('failed_step', '–')} | {r.get('cause', '–')} | {len(r['lab_faults'])} | {len(r['retries'])} |")
    fails = [r for r in runs if not r["passed"]]
    out += ["", "## Failures", ""]
    if not fails:
        out.append("None.")
    for r in fails:
        out += [f"### run {r['run']} ({'busy' if r['busy'] else 'idle'}): {r['failed_step']}", "",
                f"Cause: **{r['cause']}**. Log: `{r['log']}`.", ""]
        out += [f"- `{c}`" for c in r["failed_checks"]] or ["- (no FAIL line: see the log's last lines)"]
        out.append("")
    faults = [(r, f) for r in runs for f in r["lab_faults"]]
    out += ["## Lab faults (all runs, passed or not)", ""]
    if not faults:
        out.append("None.")
    for r, f in faults:
        out += [f"run {r['run']}, step \"{f['step']}\":", "", "```", *f["evidence"], "```", ""]
    for r in runs:
        out += [f"- run {r['run']}: `{x['line']}`" for x in r["retries"]]
    return "\n".join(out).rstrip() + "\n"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        path, run, busy, code, secs = sys.argv[2:7]
        print(json.dumps(summarize(path, int(run), int(busy), int(code), int(secs))))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["report"])
    for a in ("--planned", "--command", "--logs", "--interrupted", "--md", "--json"):
        ap.add_argument(a, required=True)
    a = ap.parse_args()
    runs = [json.loads(x) for x in sys.stdin if x.strip()]
    meta = {"machine": machine(), "planned": int(a.planned), "command": a.command, "logs": a.logs,
            "interrupted": a.interrupted == "1", "json_name": a.json.rsplit("/", 1)[-1]}
    with open(a.md, "w") as f:
        f.write(markdown(runs, meta))
    with open(a.json, "w") as f:
        json.dump({"meta": meta, "runs": runs}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
