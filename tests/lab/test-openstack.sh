#!/usr/bin/env bash
# The OpenStack scenario end to end, as CI runs it (the last stage of
# scripts/test.sh): scripts/openstack-lab.sh up, one block live migration
# through nova probed by `migprobe run --openstack-server` at 1 ms and by plain
# `ping -D -i 1` in the same run, the checks of tests/lab/check_openstack.py,
# and down — always, also on failure (then the cloud's log tails are kept in
# $OS_CI_EVIDENCE). Needs root and a built migprobe ($MIGPROBE).
# Knobs: LAB_DIR/LAB_NETNS (default /tmp/migprobe-osci, migprobe-osci),
# OS_SCENARIO_FORM (scripts/openstack/scenario.sh), OS_CI_EVIDENCE
# (default /tmp/migprobe-openstack-ci-evidence), OS_CI_OUT (the scenario's
# outputs; default a fresh temporary directory, removed on success).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/openstack/scenario.sh
source scripts/openstack/scenario.sh
LAB_DIR=${LAB_DIR:-/tmp/migprobe-osci}
LAB_NETNS=${LAB_NETNS:-migprobe-osci}
EVIDENCE=${OS_CI_EVIDENCE:-/tmp/migprobe-openstack-ci-evidence}
scenario_knobs
[[ -z $(ls -A "${OS_CI_OUT:-/nonexistent}" 2>/dev/null) ]] ||
	{ echo "test-openstack: OS_CI_OUT=$OS_CI_OUT is not empty: give an empty or new directory" >&2 && exit 2; }

scenario_up "$EVIDENCE"
OUT=${OS_CI_OUT:-$(mktemp -d /tmp/migprobe-openstack-ci.XXXXXX)}
check() { MIGPROBE=$MIGPROBE python3 tests/lab/check_openstack.py "$1" "$OS_SCENARIO_FORM"; }
scenario_run "$OUT"
if ! check "$OUT"; then
	mkdir -p "$EVIDENCE" && cp -r "$OUT" "$EVIDENCE/scenario"
	# A lab fault (the guest's kernel crashed: QEMU 7.2's TCG migration bug,
	# scripts/lab/guest-deaths.md) is said with its evidence and the
	# scenario run once more on the rebooted server; any other failure fails.
	fault=$(scenario_guest_died "$OUT") || {
		echo "test-openstack: FAILED; outputs in $EVIDENCE/scenario" >&2
		exit 1
	}
	echo "RETRY (lab fault): the guest's kernel crashed after the migration: $fault (console in $EVIDENCE/scenario)"
	scenario_reboot
	rm -rf "$OUT" && mkdir -p "$OUT"
	scenario_run "$OUT"
	if ! check "$OUT"; then
		mkdir -p "$EVIDENCE" && cp -r "$OUT" "$EVIDENCE/scenario-retry"
		echo "test-openstack: FAILED on the retry too; outputs in $EVIDENCE/scenario-retry" >&2
		exit 1
	fi
fi
echo "test-openstack: passed (cloud up in ${SCENARIO_UP_S} s; outputs in $OUT)"
[[ -n ${OS_CI_OUT:-} ]] || rm -rf "$OUT"
