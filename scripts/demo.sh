#!/usr/bin/env bash
# The main job on the built-in local lab, from a fresh Debian 12 machine (root):
# installs what is missing, builds migprobe, brings up two libvirt hypervisors
# with a guest, and runs `migprobe run` around a real block live migration
# (--copy-storage-all): probes the guest at 1 ms (IPv4 and IPv6) from the lab's
# prober host, listens to both hypervisors over qemu+ssh://, writes report.json, summary.md,
# chart.svg and run.jsonl.zst to reports/demo/, prints the summary, and takes the
# lab down.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${DEMO_OUT:-$ROOT/reports/demo}
WARMUP=${DEMO_WARMUP:-3s}
COOLDOWN=${DEMO_COOLDOWN:-3s}

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/demo.sh must run as root (it creates namespaces and starts libvirt daemons)" >&2
  exit 2
fi
need=(); command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
pkg-config --exists libvirt libvirt-qemu 2>/dev/null || need+=(pkg-config libvirt-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -n "${MIGPROBE:-}" ]; then
  BIN=$MIGPROBE # a migprobe built elsewhere (e.g. with CARGO_TARGET_DIR)
else
  echo "== building migprobe (release)"
  cargo build --release --quiet
  BIN=$ROOT/target/release/migprobe
fi

cleanup() {
  echo "== taking the lab down"
  bash scripts/lab.sh down || true
}
trap cleanup EXIT

echo "== bringing the lab up (first time: installs QEMU, libvirt and a guest kernel)"
bash scripts/lab.sh up
eval "$(bash scripts/lab.sh env)"

rm -rf "$OUT"
echo "== migprobe run: probing $LAB_GUEST_IP4 and $LAB_GUEST_IP6 every 1 ms from the prober host $LAB_PROBER_NETNS,"
echo "   listening to $LAB_SRC_NODE and $LAB_DST_NODE over qemu+$LAB_URI_TRANSPORT://, migrating $LAB_DOMAIN with --copy-storage-all"
set +e
# shellcheck disable=SC2086 # LAB_MIGRATE_CMD is a command line
ip netns exec "$LAB_PROBER_NETNS" "$BIN" run \
  --target "$LAB_GUEST_IP4" --target "$LAB_GUEST_IP6" --interval 1ms \
  --src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
  --warmup "$WARMUP" --cooldown "$COOLDOWN" --out "$OUT" -- $LAB_MIGRATE_CMD
code=$?
set -e
echo
echo "report:  $OUT/summary.md  (machine-readable: $OUT/report.json)"
echo "chart:   $OUT/chart.svg"
echo "raw:     $OUT/run.jsonl.zst  (re-create everything with: $BIN report $OUT --out DIR; as JSON Lines: $BIN cat $OUT)"
exit $code
