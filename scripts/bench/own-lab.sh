# shellcheck shell=bash
# Sourced by the lab benchmarks (lab-*.sh): they run on a lab of the caller's,
# never the default one that CI and the demo use, with a release migprobe.
# Sets MIGPROBE (default: the release build) and OUT (default: reports/bench);
# exits 2 with the fix when LAB_DIR/LAB_NETNS do not name an own lab or the
# binary is missing. Needs ROOT (the repository).
MIGPROBE=${MIGPROBE:-${CARGO_TARGET_DIR:-$ROOT/target}/release/migprobe}
OUT=${OUT:-$ROOT/reports/bench}
if [ -z "${LAB_DIR:-}" ] || [ -z "${LAB_NETNS:-}" ] || [ "$LAB_NETNS" = migprobe-lab ]; then
  echo "$0: set LAB_DIR and LAB_NETNS to a lab of your own (not the default migprobe-lab)" >&2
  exit 2
fi
[ -x "$MIGPROBE" ] || { echo "$0: $MIGPROBE not built (cargo build --release, or MIGPROBE=path)" >&2; exit 2; }
