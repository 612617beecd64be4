#!/usr/bin/env bash
# The Prometheus doors, checked against the real thing (run as root: it
# makes a pair of network namespaces).
#
# 1. Offline: a synthetic campaign of 3 migrations (the bench's synth-run)
#    reported with `--metrics-file`, linted by `promtool check metrics`; the
#    rules of contrib/prometheus checked and unit tested.
# 2. Live: in a namespace pair of its own (mpfleet<pid>-a 192.0.2.1 probing
#    mpfleet<pid>-b 192.0.2.2), a real Prometheus and a real Pushgateway on
#    the prober's loopback (a fresh namespace: every port is free) scrape a
#    `migprobe probe --listen` and a `migprobe run --listen -- sleep 2`
#    while they run; `migprobe report --push` then pushes. Prometheus's query
#    API must give report.json's figures: the live counters after the end,
#    the final figures scraped, the pushed ones, and the phase seen live.
# Needs promtool, prometheus and prometheus-pushgateway (Debian's packages;
# scripts/test.sh installs them). Every process and namespace it starts is
# gone when it exits, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/prom.sh
source scripts/lib/prom.sh

for c in promtool prometheus prometheus-pushgateway curl ip python3; do
  command -v "$c" >/dev/null || { echo "check-metrics: $c not found (apt-get install prometheus prometheus-pushgateway curl iproute2)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "check-metrics: run as root (network namespaces)" >&2; exit 2; }

work=$(mktemp -d)
ns=mpfleet$$
pids=()
cleanup() {
  prom_stop
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns-a" 2>/dev/null || true
  ip netns del "$ns-b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-metrics: FAIL: $*" >&2; exit 1; }

# ---- 1. offline: the file and the rules
mkdir "$work/nightly"
cargo run -q -p migprobe-bench --example synth-run -- --probes 30000 --migrations 3 --out "$work/nightly/run.jsonl"
cargo build -q --features migprobe/root-tests
target_dir=$(cargo metadata -q --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
mp=$target_dir/debug/migprobe
"$mp" report "$work/nightly/run.jsonl" --format json --metrics-file "$work/migprobe.prom" >/dev/null
grep -q '^migprobe_migration_network_downtime_seconds{.*campaign="nightly".*migration="2"} ' "$work/migprobe.prom"
promtool check metrics < "$work/migprobe.prom"
promtool check rules contrib/prometheus/migprobe-rules.yml
promtool test rules contrib/prometheus/migprobe-rules.test.yml
echo "check-metrics: exposition and rules OK ($SECONDS s)"

# ---- 2. live: Prometheus scrapes, the Pushgateway receives
A=$ns-a
# Runs "$@" in the prober's namespace (`ip netns exec` execs it: a
# background one's $! is its own pid, for kill).
in_a() { ip netns exec "$A" "$@"; }
ip netns add "$A"; ip netns add "$ns-b"
ip link add "${ns}va" type veth peer name "${ns}vb"
ip link set "${ns}va" netns "$A"; ip link set "${ns}vb" netns "$ns-b"
ip -n "$A" addr add 192.0.2.1/24 dev "${ns}va"; ip -n "$ns-b" addr add 192.0.2.2/24 dev "${ns}vb"
for n in "$A" "$ns-b"; do ip -n "$n" link set lo up; done
ip -n "$A" link set "${ns}va" up; ip -n "$ns-b" link set "${ns}vb" up

echo "check-metrics: starting Prometheus and the Pushgateway in $A ($SECONDS s)"
prom_start "$A" "$work" probe-live=9465 run-live=9466 || fail "see above"

echo "check-metrics: probe --listen and run --listen, scraped ($SECONDS s)"
mkdir "$work/probe"
ip netns exec "$A" "$mp" probe 192.0.2.2 -i 10ms -d 4s --drain 500ms -q --out "$work/probe/run.jsonl" \
  --listen 127.0.0.1:9465 --listen-linger 60s >"$work/probe.out" 2>&1 &
probe=$!; pids+=("$probe")
ip netns exec "$A" "$mp" run -t 192.0.2.2 -i 10ms --warmup 1s --cooldown 1s --drain 500ms -q --out "$work/run" \
  --listen 127.0.0.1:9466 --listen-linger 60s -- sleep 2 >"$work/run.out" 2>&1 &
run=$!; pids+=("$run")

within 10 in_a curl -fsS -o "$work/live.prom" http://127.0.0.1:9465/metrics || fail "no live /metrics on --listen: $(tail -2 "$work/probe.out")"
promtool check metrics < "$work/live.prom" || fail "promtool check metrics on the live /metrics"
for job in probe-live run-live; do
  within 40 is "migprobe_live_finished{job=\"$job\"}" 1 || fail "$job: the end was not scraped"
  within 20 is "count(migprobe_run_end_timestamp_seconds{job=\"$job\"})" 1 || fail "$job: no final figures scraped"
  is "min_over_time(migprobe_live_finished{job=\"$job\"}[5m])" 0 ||
    fail "$job: never scraped while it ran: $(in_a curl -fsS --get --data-urlencode "query=migprobe_live_finished{job=\"$job\"}[5m]" http://127.0.0.1:9090/api/v1/query)"
done
is 'max_over_time(migprobe_live_migration_phase{job="run-live",phase="migrating"}[5m])' 1 \
  || fail "the run's migrating phase was not seen live"
in_a curl -fsS -o "$work/final.prom" http://127.0.0.1:9466/metrics
promtool check metrics < "$work/final.prom" || fail "promtool check metrics on the final /metrics"
kill -INT "$probe" "$run"
wait "$probe" || fail "probe --listen: $(tail -2 "$work/probe.out")"
wait "$run" || fail "run --listen: $(tail -2 "$work/run.out")"

echo "check-metrics: report --push ($SECONDS s)"
in_a "$mp" report "$work/probe/run.jsonl" --format json --json --push http://127.0.0.1:9091 \
  --push-instance check --metrics-campaign "night/1" >"$work/probe/report.json" 2>"$work/push.err" \
  || fail "report --push: $(tail -2 "$work/push.err")"
within 20 is 'migprobe_target_sent_probes{job="migprobe",instance="check"}' "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["targets"][0]["sent"])' "$work/probe/report.json")" \
  || fail "the pushed figures did not reach Prometheus"

# Every figure stored, against report.json's.
python3 scripts/lib/prom_check.py "$A" probe-run "$work" || fail "Prometheus's figures differ from report.json's"
echo "check-metrics: live /metrics scraped by Prometheus and a push through the Pushgateway agree with report.json ($SECONDS s)"
