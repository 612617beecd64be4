#!/usr/bin/env bash
# Regenerates the committed campaign examples on the built-in lab:
#   reports/examples/campaign/  one `run --repeat N --pingpong` (report.json, summary.md, chart.svg)
#   reports/examples/upgrade/   with EXAMPLES_UPGRADE=M: scripts/acceptance.sh, M migrations per
#                               stack, QEMU 7.2 / libvirt 9.0 against QEMU 10.0 / libvirt 11.3
#                               (two labs of its own; the run files' events kept, not their probes)
# Usage: scripts/examples.sh [N]   (root; N migrations per campaign, default 8;
#        EXAMPLES_KEEP=1 keeps the campaign's run directory and says where)
# Brings the lab up if it is not, and down again if it brought it up.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-8}
case "$N" in '' | *[!0-9]*) echo "usage: $0 [N migrations per campaign]" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root (the lab needs it)" >&2; exit 2; }

cargo build --release --bin migprobe
BIN=$PWD/target/release/migprobe
WORK=$(mktemp -d /tmp/migprobe-examples.XXXXXX)
UP=0
KEEP=0
cleanup() {
	if [ "$KEEP" = 1 ] || [ -n "${EXAMPLES_KEEP:-}" ]; then echo "kept the runs in $WORK"; else rm -rf "$WORK"; fi
	[ "$UP" = 1 ] && bash scripts/lab.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
if ! bash scripts/lab.sh status >/dev/null 2>&1; then
	UP=1
	bash scripts/lab.sh up
fi

campaign() { # campaign NAME
	eval "$(scripts/lab.sh env)"
	echo "== campaign $1: $N migrations back and forth"
	ip netns exec "$LAB_PROBER_NETNS" "$BIN" run -t "$LAB_GUEST_IP4" \
		--src-uri "$LAB_SRC_URI" --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" \
		--warmup 2s --cooldown 2s --drain 1s -q --repeat "$N" --pingpong \
		--out "$WORK/$1" -- $LAB_MIGRATE_CMD >/dev/null || {
		local code=$?
		KEEP=1
		# 1: a migration failed; the campaign went on and its report says which.
		[ "$code" = 1 ] || { echo "$0: run $1 failed with exit code $code" >&2; exit "$code"; }
		echo "note: a migration of campaign $1 failed (see $WORK/$1/summary.md)" >&2
	}
}
campaign before

mkdir -p reports/examples/campaign
cp "$WORK/before/report.json" "$WORK/before/summary.md" "$WORK/before/chart.svg" reports/examples/campaign/
# The examples are read on other machines: the checkout's and the work
# directory's absolute paths (in argv, trigger and run_dir) become relative,
# the lab's directory $LAB_DIR.
bash scripts/portable-paths.sh --strip "$WORK" reports/examples/campaign/*
echo "wrote reports/examples/campaign/"
[ -n "${EXAMPLES_UPGRADE:-}" ] || exit 0

MIGPROBE=$BIN scripts/acceptance.sh --migrations "$EXAMPLES_UPGRADE" --out "$WORK/upgrade" || true
MIGPROBE=$BIN bash scripts/lab/keep-acceptance.sh "$WORK/upgrade" reports/examples/upgrade
echo "wrote reports/examples/upgrade/"
