#!/usr/bin/env bash
# Copies what a reader of an acceptance needs from scripts/acceptance.sh's
# output SRC into DST (a committed example): acceptance.md, the comparison,
# the gate, the labs' state, each side's report.json / summary.md / chart.svg,
# and each side's run file without its probe lines (events.jsonl: the header,
# every hypervisor and trigger event with the versions of both hosts, the
# footer; `grep -v '"type":"probe"'` of `migprobe cat` of the run file, of
# either format). Machine paths become portable ($LAB_DIR for each side's lab).
# Usage: [MIGPROBE=bin] scripts/lab/keep-acceptance.sh SRC DST
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 SRC DST" >&2; exit 2; }
src=$1 dst=$2
MP=${MIGPROBE:-${CARGO_TARGET_DIR:-target}/release/migprobe}
[ -x "$MP" ] || { echo "$0: $MP not found: build it (cargo build --release) or set MIGPROBE" >&2; exit 2; }
[ -f "$src/acceptance.md" ] || { echo "$0: $src has no acceptance.md" >&2; exit 2; }
rm -rf "$dst"
mkdir -p "$dst/compare" "$dst/old" "$dst/new"
cp "$src"/{acceptance.md,compare.txt,gate.md,gate.xml,labs.txt} "$dst/"
cp "$src"/compare/{compare.md,compare.svg} "$dst/compare/"
for side in old new; do
	cp "$src/$side"/{report.json,summary.md,chart.svg} "$dst/$side/"
	"$MP" cat "$src/$side" | grep -v '"type":"probe"' >"$dst/$side/events.jsonl"
	lab=$(grep -o "/tmp/migprobe-acc-$side-[a-z]*" "$dst/$side/report.json" | head -1 || true)
	files=("$dst/$side"/* "$dst"/*.md "$dst"/*.txt "$dst"/gate.xml "$dst"/compare/*)
	# No lab directory found: portable-paths.sh takes the default lab's.
	LAB_DIR=$lab bash scripts/portable-paths.sh --strip "$src" "${files[@]}"
done
