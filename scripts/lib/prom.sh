# shellcheck shell=bash
# A real Prometheus and a real Pushgateway inside a network namespace, for the
# checks that scrape migprobe (scripts/check-metrics.sh, tests/lab/test-metrics.sh).
# Source it, then:
#   prom_start NETNS WORKDIR JOB=PORT...   start both on NETNS's loopback
#                                          (Prometheus :9090 scraping each
#                                          127.0.0.1:PORT as JOB every 500 ms,
#                                          the Pushgateway :9091, honour_labels);
#                                          returns once Prometheus scrapes
#   prom_stop                              stop both (call it from your EXIT trap)
#   within SECONDS COMMAND...              poll COMMAND until it succeeds
#   query EXPR                             the value of a one-series PromQL query
#   is EXPR VALUE                          true when query EXPR gives VALUE
# PROM_NETNS, PROM_WORK and PROM_PIDS are set by prom_start.

PROM_PIDS=()

prom_fail() { echo "prom: $*" >&2; return 1; }

# Polls "$@" until it succeeds, for at most $1 seconds.
within() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

in_prom_ns() { ip netns exec "$PROM_NETNS" "$@"; }

# The value of PromQL expression $1 (one series), or nothing.
query() {
	in_prom_ns curl -fsS --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r) == 1 else "")'
}

# True when $1 has exactly one series, of value $2.
is() { [ "$(query "$1")" = "$2" ]; }

prom_start() { # NETNS WORKDIR JOB=PORT...
	PROM_NETNS=$1 PROM_WORK=$2
	shift 2
	local spec
	{
		echo "global: {scrape_interval: 500ms, scrape_timeout: 400ms}"
		echo "scrape_configs:"
		for spec in "$@"; do
			echo "  - job_name: ${spec%%=*}"
			echo "    static_configs: [{targets: ['127.0.0.1:${spec#*=}']}]"
		done
		echo "  - job_name: pushgateway"
		echo "    honor_labels: true"
		echo "    static_configs: [{targets: ['127.0.0.1:9091']}]"
	} >"$PROM_WORK/prometheus.yml"
	# `ip netns exec` execs the daemon, so $! is the daemon itself (through a
	# shell function it would be a subshell, and kill would leave the daemon).
	ip netns exec "$PROM_NETNS" prometheus-pushgateway --web.listen-address=127.0.0.1:9091 \
		--persistence.file= >"$PROM_WORK/pushgateway.log" 2>&1 &
	PROM_PIDS+=($!)
	ip netns exec "$PROM_NETNS" prometheus --config.file="$PROM_WORK/prometheus.yml" \
		--storage.tsdb.path="$PROM_WORK/tsdb" --web.listen-address=127.0.0.1:9090 --log.level=warn \
		>"$PROM_WORK/prometheus.log" 2>&1 &
	PROM_PIDS+=($!)
	sleep 0.5
	local p
	for p in "${PROM_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || prom_fail "a daemon exited at once (port taken?): $(tail -2 "$PROM_WORK"/*.log)" || return 1
	done
	within 30 in_prom_ns curl -fsS http://127.0.0.1:9090/-/ready ||
		prom_fail "Prometheus did not start: $(tail -3 "$PROM_WORK/prometheus.log")" || return 1
	within 30 in_prom_ns curl -fsS http://127.0.0.1:9091/-/ready ||
		prom_fail "the Pushgateway did not start: $(tail -3 "$PROM_WORK/pushgateway.log")" || return 1
	# Prometheus hands its targets to the scrapers some seconds after it is
	# ready: once it has scraped the Pushgateway, it scrapes the others too.
	within 30 is 'up{job="pushgateway"}' 1 ||
		prom_fail "Prometheus does not scrape: $(tail -3 "$PROM_WORK/prometheus.log")"
}

prom_stop() {
	local p
	for p in "${PROM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PROM_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PROM_PIDS=()
}
