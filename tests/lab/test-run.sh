#!/usr/bin/env bash
# `migprobe run` against the running lab (scripts/lab.sh up): (1) around a real
# --copy-storage-all migration with both hypervisors' events, (2) around a
# known pause (scripts/lab.sh suspend-for 300ms). Checks the reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${MIGPROBE:-$PWD/target/debug/migprobe}
eval "$(scripts/lab.sh env)"
OUT=$(mktemp -d /tmp/migprobe-run.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

echo "--- migprobe run around a block live migration ($LAB_SRC_NODE -> $LAB_DST_NODE)"
set +e
ip netns exec "$LAB_PROBER_NETNS" "$BIN" run -t "$LAB_GUEST_IP4" -t "$LAB_GUEST_IP6" \
	--src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
	--warmup 2s --cooldown 2s --drain 1s -q --out "$OUT/migrate" -- $LAB_MIGRATE_CMD
code=$?
set -e
echo "exit code $code"
eval "$(scripts/lab.sh env)"

echo "--- migprobe run around suspend-for 300ms (no libvirt: probe and trigger only)"
set +e
ip netns exec "$LAB_PROBER_NETNS" "$BIN" run -t "$LAB_GUEST_IP4" --warmup 1s --cooldown 1s --drain 1s -q \
	--out "$OUT/pause" -- "$PWD/scripts/lab.sh" suspend-for 300ms
pcode=$?
set -e
echo "exit code $pcode"

# --cooldown 5s: the lenient gate below passes only a downtime that ended
# (an open-ended one is a lower bound), and a loaded host can take seconds.
campaign() { # campaign OUTDIR: three migrations back and forth
	eval "$(scripts/lab.sh env)"
	ip netns exec "$LAB_PROBER_NETNS" "$BIN" run -t "$LAB_GUEST_IP4" \
		--src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
		--warmup 1s --cooldown 5s --drain 1s -q --repeat 3 --pingpong --out "$1" -- $LAB_MIGRATE_CMD >/dev/null
}
echo "--- migprobe run --repeat 3 --pingpong, then gate with a passing and a failing policy"
set +e
campaign "$OUT/campaign"
rcode=$?
printf 'max_downtime = "30s"\nrequire_completed = true\nmax_loss = 100000\n' >"$OUT/pass.toml"
printf 'max_downtime = "1ms"\n' >"$OUT/fail.toml"
"$BIN" gate "$OUT/campaign/report.json" --policy "$OUT/pass.toml" --junit "$OUT/pass.xml"
gpass=$?
"$BIN" gate "$OUT/campaign/report.json" --policy "$OUT/fail.toml" --junit "$OUT/fail.xml"
gfail=$?
echo "--- a second campaign, then migprobe compare on the two"
campaign "$OUT/campaign2"
rcode2=$?
# Three migrations a side: keep them all (no warm-up discarded) so the test runs on 3 vs 3.
printf 'baseline = "campaign/report.json"\nmax_regression = "1000%%"\ndiscard_warmup = 0\nrequire_completed = true\n' >"$OUT/regress.toml"
"$BIN" gate "$OUT/campaign2/report.json" --policy "$OUT/regress.toml" --format json >"$OUT/regress.json"
gbase=$?
"$BIN" compare "$OUT/campaign/report.json" "$OUT/campaign2/report.json" --labels before,after --discard-warmup 0 \
	--out "$OUT/compare" >"$OUT/compare.txt"
ccode=$?
set -e
echo "exit codes: run $rcode, passing gate $gpass, failing gate $gfail, second run $rcode2, baseline gate $gbase, compare $ccode"

MIGPROBE=$BIN python3 tests/lab/check_run.py "$OUT/migrate" "$code" "$OUT/pause" "$pcode" \
	"$OUT/campaign" "$rcode" "$gpass" "$gfail" "$OUT/campaign2" "$rcode2" "$OUT/compare" "$ccode" "$OUT/regress.json" "$gbase"
