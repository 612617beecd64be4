#!/usr/bin/env bash
# The seed example: one block live migration of the OpenStack lab's server
# through nova, probed by migprobe at 1 ms and by plain `ping -D -i 1` in the
# same run (scripts/openstack/scenario.sh, the run CI's test makes too), kept
# in OUTDIR (default reports/examples/openstack/) with a README.md that puts
# ping beside migprobe, nova, libvirt and QEMU (scripts/openstack/example_readme.py).
#
# Usage: sudo scripts/openstack/example.sh [--force] [OUTDIR]
#   --force  replace the files of an earlier example in OUTDIR
# Brings the cloud up and down itself (LAB_DIR/LAB_NETNS, default
# /tmp/migprobe-os-example, migprobe-osex), or uses one that is up with
# OS_SCENARIO_REUSE=1; the other knobs are scenario.sh's.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/openstack/scenario.sh
source scripts/openstack/scenario.sh
FORCE=0
OUTDIR=reports/examples/openstack
while (($#)); do
	case $1 in
	--force) FORCE=1 ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
	-*) echo "example.sh: unknown flag '$1' (usage: example.sh [--force] [OUTDIR])" >&2 && exit 2 ;;
	*) OUTDIR=$1 ;;
	esac
	shift
done
FILES=(README.md report.json summary.md chart.svg run.jsonl.zst trigger.log ping.log nova-migrations.json
	nova-action-live-migration.json cloud.txt)
for f in "${FILES[@]}"; do
	[[ $FORCE == 1 || ! -e $OUTDIR/$f ]] ||
		{ echo "example.sh: $OUTDIR/$f exists: pass --force to replace the example, or give another OUTDIR" >&2 && exit 2; }
done
LAB_DIR=${LAB_DIR:-/tmp/migprobe-os-example}
LAB_NETNS=${LAB_NETNS:-migprobe-osex}
scenario_knobs

WORK=$(mktemp -d /tmp/migprobe-os-example.XXXXXX)
scenario_up "$WORK/evidence"
scenario_run "$WORK/out"
[[ $(cat "$WORK/out/run.rc") == 0 ]] || scenario_die "migprobe run exited $(cat "$WORK/out/run.rc"): see $WORK/out (nothing written to $OUTDIR)"
mkdir -p "$OUTDIR"
(cd "$WORK/out/run" && cp report.json summary.md chart.svg run.jsonl.zst trigger.log "$OLDPWD/$OUTDIR/")
cp "$WORK/out/"{ping.log,nova-migrations.json,nova-action-live-migration.json} "$OUTDIR/"
if ((SCENARIO_UP_S > 0)); then
	echo "\`scripts/openstack-lab.sh up\` took $SCENARIO_UP_S s for this run (packages already installed), on $(nproc) cores at load average $(cut -d' ' -f1-3 /proc/loadavg)" >"$OUTDIR/cloud.txt"
else
	echo "the cloud was up already (OS_SCENARIO_REUSE=1)" >"$OUTDIR/cloud.txt"
fi
MIGPROBE=$MIGPROBE python3 scripts/openstack/example_readme.py "$OUTDIR"
# No path of this machine in the committed text (the work directory, the binary's).
bash scripts/portable-paths.sh --strip "$WORK/out" --strip "$(dirname "$MIGPROBE")" \
	"$OUTDIR"/{README.md,report.json,summary.md}
rm -rf "$WORK"
echo "example.sh: wrote $OUTDIR (README.md: ping beside migprobe, nova, libvirt and QEMU)"
