#!/usr/bin/env bash
# The Prometheus exposition and the shipped rules, checked with promtool:
# a synthetic campaign of 3 migrations (the bench's synth-run, written by the
# library's own run writer) reported with `--metrics-file`, the file linted by
# `promtool check metrics`, and contrib/prometheus's rules checked and unit
# tested (`promtool check rules`, `promtool test rules`).
# Needs promtool (Debian: prometheus); scripts/test.sh installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v promtool >/dev/null || { echo "check-metrics: promtool not found (apt-get install prometheus)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/nightly"
cargo run -q -p migprobe-bench --example synth-run -- --probes 30000 --migrations 3 --out "$work/nightly/run.jsonl"
cargo run -q --features migprobe/root-tests -- report "$work/nightly/run.jsonl" --format json --metrics-file "$work/migprobe.prom" >/dev/null
grep -q '^migprobe_migration_network_downtime_seconds{.*campaign="nightly".*migration="2"} ' "$work/migprobe.prom"
promtool check metrics < "$work/migprobe.prom"
promtool check rules contrib/prometheus/migprobe-rules.yml
promtool test rules contrib/prometheus/migprobe-rules.test.yml
echo "check-metrics: exposition and rules OK"
