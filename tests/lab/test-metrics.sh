#!/usr/bin/env bash
# A real Prometheus scrapes a live `migprobe run --listen` around a real block
# live migration in the lab (scripts/lab.sh up), and a real Pushgateway
# receives `migprobe report --push` of the same run. Prometheus's query API
# must then hold report.json's per-migration figures (network downtime and
# its bracket, libvirt downtime, QEMU pause, the difference, storage copy,
# duration, result, per-target probes), both as scraped and as pushed, and
# must have seen the run's migrating phase while it ran.
# Prometheus and the Pushgateway run on the prober namespace's loopback and
# are stopped on exit, also on failure. Needs prometheus and
# prometheus-pushgateway (scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/prom.sh
source scripts/lib/prom.sh
BIN=${MIGPROBE:-$PWD/target/debug/migprobe}
eval "$(scripts/lab.sh env)"
NS=${LAB_PROBER_NETNS:-$LAB_NETNS}
OUT=$(mktemp -d /tmp/migprobe-metrics.XXXXXX)
run=""
cleanup() {
	[ -z "$run" ] || kill "$run" 2>/dev/null || true
	prom_stop
	rm -rf "$OUT"
}
trap cleanup EXIT
fail() { echo "test-metrics: FAIL: $*" >&2; exit 1; }

prom_start "$NS" "$OUT" run-live=9466 || fail "see above"

echo "--- migprobe run --listen around a block live migration ($LAB_SRC_NODE -> $LAB_DST_NODE), scraped live"
# shellcheck disable=SC2086 # LAB_MIGRATE_CMD is a command line
ip netns exec "$NS" "$BIN" run -t "$LAB_GUEST_IP4" -t "$LAB_GUEST_IP6" \
	--src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
	--warmup 2s --cooldown 2s --drain 1s -q --out "$OUT/run" \
	--listen 127.0.0.1:9466 --listen-linger 60s -- $LAB_MIGRATE_CMD >"$OUT/run.out" 2>&1 &
run=$!
within 120 is 'migprobe_live_finished{job="run-live"}' 1 || fail "the end of the run was not scraped: $(tail -3 "$OUT/run.out")"
within 20 is 'count(migprobe_migration_network_downtime_seconds{job="run-live"})' 1 ||
	fail "no final migration figures scraped: $(tail -3 "$OUT/run.out")"
is 'max_over_time(migprobe_live_migration_phase{job="run-live",phase="migrating"}[5m])' 1 ||
	fail "the migrating phase was not seen live"
is 'min_over_time(migprobe_live_finished{job="run-live"}[5m])' 0 || fail "never scraped while the run ran"
kill -INT "$run"
wait "$run" || fail "run --listen: exit code $?: $(tail -3 "$OUT/run.out")"
run=""

echo "--- migprobe report --push of the same run"
ip netns exec "$NS" "$BIN" report "$OUT/run" -o "$OUT/pushed" --format json -q \
	--push http://127.0.0.1:9091 --push-instance lab 2>"$OUT/push.err" || fail "report --push: $(tail -2 "$OUT/push.err")"
within 20 is 'count(migprobe_migration_network_downtime_seconds{job="migprobe",instance="lab"})' 1 ||
	fail "the pushed figures did not reach Prometheus"

python3 scripts/lib/prom_check.py "$NS" migration "$OUT/run/report.json" \
	'job="run-live"' 'job="migprobe",instance="lab"' || fail "Prometheus's figures differ from report.json's"
echo "test-metrics: ok"
