#!/usr/bin/env bash
# Checks that a refactor changed no output: runs the migprobe of git revision
# REV and the one of the work tree over the same inputs and compares every
# file and every stdout/stderr byte for byte.
#
# Usage: scripts/same-output.sh [REV]     (default REV: HEAD; no root needed)
#
# Inputs: three synthetic run files (one migration; a 3-migration campaign on
# two targets; three targets at 500 us), written by the work tree's
# `synth-run`; every log in tests/fixtures imported (ping, fping, virsh-event,
# qemu-monitor-event) and reported; compare with and without run files (the
# aligned-trace chart), gate with every fixture policy, a baseline, flags and a
# bad flag; every --help. Exit 0 when all is identical, 1 with the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
REV=${1:-HEAD}
git rev-parse --verify -q "$REV^{commit}" >/dev/null || { echo "$0: unknown revision $REV" >&2; exit 2; }
WORK=$(mktemp -d /tmp/migprobe-same-output.XXXXXX)
cleanup() {
	git -C "$REPO" worktree remove --force "$WORK/old" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building $REV and the work tree (release)"
git -C "$REPO" worktree add -q --detach "$WORK/old" "$REV"
(cd "$WORK/old" && CARGO_TARGET_DIR=${SAME_OUTPUT_TARGET:-/tmp/migprobe-same-output-target} \
	cargo build -q --release --bin migprobe)
OLD_BIN=${SAME_OUTPUT_TARGET:-/tmp/migprobe-same-output-target}/release/migprobe
cargo build -q --release --bin migprobe
cargo build -q --release -p migprobe-bench --example synth-run
NEW_BIN=$REPO/target/release/migprobe

mkdir -p "$WORK/in"
(cd "$WORK/in" &&
	"$REPO/target/release/examples/synth-run" --probes 20000 --out one.jsonl &&
	"$REPO/target/release/examples/synth-run" --probes 60000 --targets 2 --migrations 3 --seed 7 --out campaign.jsonl &&
	"$REPO/target/release/examples/synth-run" --probes 30000 --targets 3 --interval-us 500 --migrations 2 --seed 3 --out three.jsonl) >/dev/null

# exercise BIN OUTDIR: every command over the inputs, outputs under OUTDIR.
exercise() {
	local BIN=$1 OUT=$2 IN=$WORK/in F=$REPO/tests/fixtures E=$REPO/reports/examples
	mkdir -p "$OUT"
	cd "$OUT"
	x() {
		local name=$1
		shift
		local rc=0
		"$@" >"$name.out" 2>"$name.err" || rc=$?
		echo "exit $rc" >>"$name.out"
	}
	for r in one campaign three; do
		x "rep-$r" "$BIN" report "$IN/$r.jsonl" --out "rep-$r"
		x "sum-$r" "$BIN" summary "$IN/$r.jsonl"
	done
	for l in ping-seed ping-D ping-loss; do
		x "imp-$l" "$BIN" import ping "$F/$l.txt" --out "imp-$l.jsonl"
		x "rep-imp-$l" "$BIN" report "imp-$l.jsonl" --out "rep-imp-$l"
	done
	x imp-fping "$BIN" import fping "$F/fping-D.txt" --out imp-fping.jsonl
	x rep-imp-fping "$BIN" report imp-fping.jsonl --out rep-imp-fping
	x imp-ev1 "$BIN" import virsh-event "$F/virsh-event-src.log" --origin src --out imp-ping-D.jsonl
	x imp-ev2 "$BIN" import virsh-event "$F/virsh-event-dst.log" --origin dst --out imp-ping-D.jsonl
	x imp-ev3 "$BIN" import qemu-monitor-event "$F/qemu-monitor-event-src.log" --origin src --out imp-ping-D.jsonl
	x imp-ev4 "$BIN" import qemu-monitor-event "$F/qemu-monitor-event-dst-timestamp.log" --origin dst --out imp-ping-D.jsonl
	x rep-imp-ev "$BIN" report imp-ping-D.jsonl --out rep-imp-ev
	x imp-evonly "$BIN" import virsh-event "$F/virsh-event-src.log" --origin src --out evonly.jsonl
	x rep-evonly "$BIN" report evonly.jsonl --out rep-evonly
	x cmp "$BIN" compare "$E/report.json" "$E/campaign/report.json" rep-campaign/report.json --out cmp
	for r in one campaign three; do
		mkdir -p "tr-$r"
		cp "$IN/$r.jsonl" "tr-$r/run.jsonl"
		"$BIN" report "tr-$r/run.jsonl" --out "tr-$r" >/dev/null 2>&1 || true
	done
	x cmp-tr "$BIN" compare tr-one/report.json tr-campaign/report.json tr-three/report.json "$E/report.json" --out cmp-tr
	rm -f tr-*/run.jsonl
	x cmp-md "$BIN" compare "$E/report.json" rep-one/report.json --format markdown
	for p in "$F"/gate/*.toml; do
		local b
		b=$(basename "$p" .toml)
		x "gate-$b" "$BIN" gate "$E/report.json" --policy "$p"
		x "gate-c-$b" "$BIN" gate rep-campaign/report.json --policy "$p" --format markdown
	done
	x gate-base "$BIN" gate rep-campaign/report.json --baseline "$E/campaign/report.json" --max-regression 10% --format json --junit junit.xml
	x gate-flags "$BIN" gate "$E/report.json" --max-downtime 100ms --max-loss 3 --require-completed
	x gate-bad "$BIN" gate "$E/report.json" --max-downtime 10parsecs
	x help "$BIN" --help
	for c in run report probe summary gate compare import events; do x "help-$c" "$BIN" "$c" --help; done
	x badflag "$BIN" probe -i 0s 192.0.2.1
	# The binary's own path appears in run files' argv; make it one name.
	{ grep -rlF "$BIN" . || true; } | xargs -r sed -i "s|$BIN|BIN|g"
	{ grep -rlF "$OUT" . || true; } | xargs -r sed -i "s|$OUT|OUT|g"
	cd "$REPO"
}

echo "== running both over the same inputs"
exercise "$OLD_BIN" "$WORK/a"
exercise "$NEW_BIN" "$WORK/b"
# The two output directories differ in name only; make them one.
{ grep -rl "$WORK/a\|$WORK/b" "$WORK/a" "$WORK/b" 2>/dev/null || true; } | xargs -r sed -i "s|$WORK/[ab]|OUT|g"
n=$(find "$WORK/a" -type f | wc -l)
if diff -r "$WORK/a" "$WORK/b"; then
	echo "same-output: $n files identical between $REV and the work tree"
else
	echo "same-output: outputs differ between $REV and the work tree (diff above)" >&2
	exit 1
fi
