#!/usr/bin/env bash
# Measures the run-file formats (issue 17) with the release build, to choose
# and check the default (docs/run-file.md):
#   1. a synthetic one-hour run at 1 kHz (3.6 M probes, written by the bench
#      crate's synth-run through the library's own writer, flushed every 100 ms
#      of run time) in the default format (compact) and as JSON Lines: bytes per
#      probe, write time, and the read time of `migprobe summary` (the whole
#      reader: sniff, decode, parse, plausibility) and `migprobe cat`;
#   2. every candidate encoding (runfile-codecs: JSONL, zstd-framed JSONL at
#      levels 1, 3, 9, a binary delta-encoded prototype) on a 10-minute sample
#      of that run: bytes per probe, encode and decode CPU per line;
#   3. a real capture, when run as root: `migprobe probe 192.0.2.2 -i 1ms` for
#      CAPTURE_S seconds (default 20) over a veth pair between two network
#      namespaces created here (removed on exit), in the default format and as
#      JSON Lines (`--format jsonl`), and the candidates on it. Not root: said
#      so in the report, not measured.
# Figures are ratios against JSONL measured in the same run (the machine is noisy).
# Writes reports/bench/runfile.json and reports/bench/runfile.md (refuses to
# overwrite them without --force).
# Usage: [CAPTURE_S=20] scripts/bench-runfile.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac
OUT_MD=reports/bench/runfile.md
OUT_JSON=reports/bench/runfile.json
if [ "$FORCE" = 0 ] && { [ -e "$OUT_MD" ] || [ -e "$OUT_JSON" ]; }; then
  echo "$0: $OUT_MD or $OUT_JSON exists; pass --force to replace it" >&2; exit 2
fi
for c in cargo jq python3 /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "$0: $c not found (apt-get install jq python3 time)" >&2; exit 2; }
done
CAPTURE_S=${CAPTURE_S:-20}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

echo "== building (release)" >&2
cargo build --release --bin migprobe >&2
cargo build --release -p migprobe-bench --example synth-run --example runfile-codecs >&2
MP=$TARGET_DIR/release/migprobe
SYNTH=$TARGET_DIR/release/examples/synth-run
CODECS=$TARGET_DIR/release/examples/runfile-codecs

WORK=$(mktemp -d /tmp/bench-runfile.XXXXXX)
P=mpt-$$-rp
T=mpt-$$-rt
NETNS=0
cleanup() {
  set +e
  if [ "$NETNS" = 1 ]; then ip netns del "$P" 2>/dev/null; ip netns del "$T" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# timed OUT_JSON CMD...: runs CMD (stdout to /dev/null), records wall/user/sys/max RSS.
timed() {
  local out=$1; shift
  /usr/bin/time -f '{"wall_s":%e,"user_s":%U,"sys_s":%S,"max_rss_kb":%M}' -o "$out" "$@" >/dev/null
}
size() { stat -c %s "$1"; }
probes_in() { "$MP" cat "$1" | grep -c '"type":"probe"'; }

echo "== 1. synthetic one hour at 1 kHz" >&2
HOUR=3600000
timed "$WORK/w-compact.json" "$SYNTH" --probes "$HOUR" --out "$WORK/hour.jsonl.zst"
timed "$WORK/w-jsonl.json" "$SYNTH" --probes "$HOUR" --out "$WORK/hour.jsonl"
cmp <("$MP" cat "$WORK/hour.jsonl.zst" | sed 's/hour\.jsonl\.zst/hour.jsonl/') "$WORK/hour.jsonl" \
  || { echo "$0: cat of the compact hour differs from its JSONL" >&2; exit 1; }
HOUR_PROBE_LINES=$(grep -c '"type":"probe"' "$WORK/hour.jsonl")
for f in compact jsonl; do
  file=$WORK/hour.jsonl; [ "$f" = compact ] && file=$WORK/hour.jsonl.zst
  timed "$WORK/r-$f.json" "$MP" summary --json "$file"
  timed "$WORK/c-$f.json" "$MP" cat "$file"
  jq -n --arg f "$f" --argjson bytes "$(size "$file")" --argjson lines "$HOUR_PROBE_LINES" \
    --argjson probes "$HOUR" --slurpfile w "$WORK/w-$f.json" --slurpfile r "$WORK/r-$f.json" \
    --slurpfile c "$WORK/c-$f.json" \
    '{format: $f, bytes: $bytes, probes: $probes, probe_lines: $lines,
      bytes_per_probe: ($bytes / $probes), write: $w[0], summary: $r[0], cat: $c[0]}' \
    >"$WORK/hour-$f.json"
done

echo "== 2. candidate encodings on a 10-minute sample" >&2
"$SYNTH" --probes 600000 --out "$WORK/sample.jsonl" 2>/dev/null
"$CODECS" "$WORK/sample.jsonl" | jq -s . >"$WORK/codecs-synth.json"

echo "== 3. a real capture" >&2
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
  . scripts/bench/veth-pair.sh
  NETNS=1
  veth_pair "$P" "$T"
  ip -n "$T" addr add 192.0.2.2/24 dev mp1
  ip netns exec "$P" ping -q -c 1 -W 2 192.0.2.2 >/dev/null
  for f in compact jsonl; do
    file=$WORK/real.jsonl; [ "$f" = compact ] && file=$WORK/real.jsonl.zst
    ip netns exec "$P" "$MP" probe 192.0.2.2 -i 1ms -d "${CAPTURE_S}s" -q --out "$file"
    jq -n --arg f "$f" --argjson bytes "$(size "$file")" --argjson probes "$(probes_in "$file")" \
      '{format: $f, bytes: $bytes, probes: $probes, bytes_per_probe: ($bytes / $probes)}' \
      >"$WORK/real-$f.json"
  done
  "$CODECS" "$WORK/real.jsonl" | jq -s . >"$WORK/codecs-real.json"
  jq -s . "$WORK/real-compact.json" "$WORK/real-jsonl.json" >"$WORK/real.json"
else
  echo '"not measured: needs root for the network namespaces"' >"$WORK/real.json"
  echo '[]' >"$WORK/codecs-real.json"
fi

jq -n --slurpfile hc "$WORK/hour-compact.json" --slurpfile hj "$WORK/hour-jsonl.json" \
  --slurpfile cs "$WORK/codecs-synth.json" --slurpfile cr "$WORK/codecs-real.json" \
  --slurpfile real "$WORK/real.json" --arg when "$(date -u +%FT%TZ)" --arg host "$(uname -r), $(nproc) cores" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg capture_s "$CAPTURE_S" \
  '{when: $when, host: $host, load: $load, capture_s: ($capture_s | tonumber),
    hour: {compact: $hc[0], jsonl: $hj[0]}, codecs_synthetic: $cs[0], codecs_real: $cr[0], real: $real[0]}' \
  >"$OUT_JSON"
python3 scripts/bench/runfile_report.py "$OUT_JSON" >"$OUT_MD"
echo "wrote $OUT_MD $OUT_JSON" >&2
