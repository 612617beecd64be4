#!/usr/bin/env python3
"""Checks that what a real Prometheus stored equals report.json's figures.

  prom_check.py NETNS probe-run WORK
      check-metrics.sh's probe and run (WORK/probe, WORK/run): the live
      counters, the final figures scraped and the pushed ones.
  prom_check.py NETNS migration REPORT.json SELECTOR...
      every per-migration figure of the report's headline target, once for
      each SELECTOR (e.g. 'job="run-live"' for the scraped final figures,
      'job="migprobe",instance="lab"' for the pushed ones).

Queries Prometheus's HTTP API on 127.0.0.1:9090 inside network namespace
NETNS, taking each series' latest sample of the last 5 minutes (the live
targets have ended since). Exit 0 when everything agrees, 1 (with every
difference listed) when not.
"""
import json
import subprocess
import sys


class Checker:
    """Compares PromQL results with expected values; collects differences."""

    def __init__(self, netns):
        self.netns = netns
        self.bad = []
        self.checked = 0

    def query(self, expr):
        expr = f"last_over_time({expr}[5m])"
        api = ["curl", "-fsS", "--get", "--data-urlencode", f"query={expr}",
               "http://127.0.0.1:9090/api/v1/query"]
        out = subprocess.run(["ip", "netns", "exec", self.netns, *api],
                             capture_output=True, text=True, check=True).stdout
        result = json.loads(out)["data"]["result"]
        if len(result) != 1:
            return None, f"{expr}: {len(result)} series {[r['metric'] for r in result]}"
        return float(result[0]["value"][1]), None

    def same(self, expr, want):
        self.checked += 1
        got, err = self.query(expr)
        if err:
            self.bad.append(err)
        elif abs(got - want) > 1e-9 * max(1.0, abs(want)):
            self.bad.append(f"{expr} = {got}, report.json: {want}")

    def verdict(self, what):
        if self.bad:
            print("\n".join(self.bad), file=sys.stderr)
            return 1
        print(f"prom_check: Prometheus holds report.json's figures ({what}, {self.checked} values)")
        return 0


def probe_run(c, work):
    probe = json.load(open(f"{work}/probe/report.json"))["targets"][0]
    for k in ["sent", "answered", "lost", "late", "skipped"]:
        c.same(f'migprobe_live_probes_{k}_total{{job="probe-live"}}', probe[k])
    for sel in ['job="probe-live"', 'job="migprobe",instance="check",campaign="night/1"']:
        c.same(f"migprobe_target_sent_probes{{{sel}}}", probe["sent"])
        c.same(f"migprobe_target_lost_probes{{{sel}}}", probe["lost"])
    run = json.load(open(f"{work}/run/report.json"))
    t = run["targets"][0]
    for k in ["sent", "answered", "lost", "late", "skipped"]:
        c.same(f'migprobe_live_probes_{k}_total{{job="run-live"}}', t[k])
    c.same('migprobe_migration_duration_seconds{job="run-live"}', run["trigger"]["duration_ms"] / 1000)
    completed = 1 if run["migration"]["result"] == "completed" else 0
    c.same('migprobe_migration_result{job="run-live",result="completed"}', completed)
    return c.verdict("probe and run")


def ms(value):
    return None if value is None else value / 1000


def migration(c, report_path, selectors):
    """A single migration's figures, as report.json gives them."""
    r = json.load(open(report_path))
    d = r["downtime"]
    m = r["migration"]
    figures = {
        "network_downtime_seconds": ms(d["network_ms"]),
        "hypervisor_downtime_seconds": ms(d["hypervisor_ms"]),
        "qemu_pause_seconds": ms(d["qemu_pause_ms"]),
        "downtime_difference_seconds": ms(d["difference_ms"]),
        "duration_seconds": ms(r["trigger"]["duration_ms"]),
        "storage_copy_seconds": next(
            (ms(p["duration_ms"]) for p in r["phases"] if p["name"] == "storage_copy"), None),
    }
    lo, hi = d["bracket_ms"]
    for sel in selectors:
        for name, want in figures.items():
            if want is None:
                c.bad.append(f"report.json has no {name}: the lab migration should give every figure")
                continue
            c.same(f"migprobe_migration_{name}{{{sel}}}", want)
        c.same(f'migprobe_migration_network_downtime_bracket_seconds{{{sel},bound="lo"}}', lo / 1000)
        c.same(f'migprobe_migration_network_downtime_bracket_seconds{{{sel},bound="hi"}}', hi / 1000)
        c.same(f'migprobe_migration_result{{{sel},result="{m["result"]}"}}', 1)
        for t in r["targets"]:
            tsel = f'{sel},target="{t["addr"]}"'
            c.same(f"migprobe_target_sent_probes{{{tsel}}}", t["sent"])
            c.same(f"migprobe_target_lost_probes{{{tsel}}}", t["lost"])
    return c.verdict("one lab migration, " + " and ".join(selectors))


def main(argv):
    if len(argv) >= 4 and argv[2] == "probe-run":
        return probe_run(Checker(argv[1]), argv[3])
    if len(argv) >= 5 and argv[2] == "migration":
        return migration(Checker(argv[1]), argv[3], argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
