#!/usr/bin/env bash
# The lab part of scripts/test.sh: every lab test, each through lab-step.sh (a
# lab fault is said with its evidence and that test retried once on a fresh
# guest; any other failure fails). Needs root and a built target/debug/migprobe.
# Leaves no lab behind, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }
lab_step() { bash tests/lab/lab-step.sh "$@"; }

step "lab: two libvirt hypervisors, real block live migrations"
trap 'bash scripts/lab.sh down >/dev/null 2>&1 || true' EXIT
KEEP_LAB=1 lab_step test-lab -- bash tests/lab/test-lab.sh

step "lab: migprobe events on both hypervisors"
lab_step --uses-lab test-events -- bash tests/lab/test-events.sh

step "lab: migprobe run around a migration and around a known pause"
lab_step --uses-lab test-run -- bash tests/lab/test-run.sh

step "lab: a real Prometheus scrapes a live migprobe run around a migration and receives its push"
lab_step --uses-lab test-metrics -- bash tests/lab/test-metrics.sh

step "lab: skewed host clocks (QEMU under libfaketime, +50 ms and -30 ms) are estimated and corrected"
lab_step --uses-lab test-clocks -- bash tests/lab/test-clocks.sh

step "lab: a host evacuation: four guests leave node01, two at a time, one report with four downtimes"
lab_step --uses-lab test-evacuation -- bash tests/lab/test-evacuation.sh

step "lab: lab faults are told apart from failures (health, reset-guest, one retry)"
bash tests/lab/test-lab-step.sh

step "lab down"
bash scripts/lab.sh down

step "demo: scripts/demo.sh end to end (brings its own lab up and down)"
lab_step test-demo -- bash tests/lab/test-demo.sh

step "openstack-lab: usage errors and templates (no cloud started; the cloud itself: docs/openstack-lab.md)"
bash tests/lab/test-openstack-usage.sh
