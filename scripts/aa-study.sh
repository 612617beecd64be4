#!/usr/bin/env bash
# The A/A study of `migprobe gate --baseline` and `migprobe compare` (issue 14):
# how often the default baseline policy calls the difference between two
# campaigns on the SAME stack a regression (a false alarm), and how often it
# catches a real one. Every verdict is the gate's own rule (the library code
# `migprobe_analysis::baseline::judge`, fed the figures `migprobe gate` reads).
#
# Writes reports/bench/aa-study.md (or --out FILE):
#   1. the lab: CAMPAIGNs given after --sequential (campaigns run one after the
#      other, paired in order: 1 vs 2, 3 vs 4, ...) and/or after --interleaved
#      (each one long campaign, its warm-up left out, its round trips dealt
#      alternately to A and B: 1-2, 5-6, ... against 3-4, 7-8, ...); every pair
#      judged, the false-alarm rate with its 95 % interval;
#   2. the committed same-stack pair: reports/bench/aa-data/pair1-before.json (8 real
#      migrations) and the second campaign of the 0.1 compare example (8 real
#      migrations read off its chart: reports/bench/aa-data/compare-after.txt),
#      judged as they are, split, and resampled;
#   3. the simulation: the model fit to those 16 migrations
#      (crates/bench/src/aa/model.rs), 2000 pairs per figure, fixed seed.
# A CAMPAIGN is a report.json, a `migprobe run --out` directory, or a text
# file of network downtimes in ms, one per line, in campaign order.
#
# Usage: scripts/aa-study.sh [--out FILE] [--sequential CAMPAIGN...] [--interleaved CAMPAIGN...]
#                            [--turns CAMPAIGN...] [--note "how the lab pairs were collected"]
#                            [--rule "--max-regression 20% --min-effect 30ms --discard-warmup 1"]
#
# Collecting the lab campaigns (root, the built-in lab up; see README "The lab"):
#   eval "$(scripts/lab.sh env)"
#   run() { ip netns exec "$LAB_PROBER_NETNS" migprobe run -t "$LAB_GUEST_IP4" --src-uri "$LAB_SRC_URI" \
#       --dst-uri "$LAB_DST_URI" --domain "$LAB_DOMAIN" --warmup 2s --cooldown 2s --drain 1s -q \
#       --pingpong "$@" -- $LAB_MIGRATE_CMD; }
#   for i in $(seq -w 1 20); do run --repeat 8 --out aa/seq-$i; done      # 10 sequential pairs
#   for i in $(seq -w 1 10); do run --repeat 17 --out aa/int-$i; done     # 10 interleaved pairs of 8
#   scripts/aa-study.sh --sequential aa/seq-* --interleaved aa/int-*
# Or pairs from scripts/acceptance.sh with the same stack on both sides (two labs;
# --turns: their migrations alternated; --sequential: one campaign after the other):
#   for i in $(seq -w 1 10); do scripts/acceptance.sh --old bookworm --new bookworm \
#       --migrations 9 --keep-labs --out aa/turns-$i; done
#   scripts/aa-study.sh --turns $(for d in aa/turns-*; do echo "$d/old $d/new"; done)
# 10 pairs are a first look, not a proof: with no false alarm in 10 the 95 %
# interval still reaches 28 %; 59 pairs without one are needed to show <= 5 %.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=reports/bench/aa-study.md
RULE="--max-regression 20% --min-effect 30ms --discard-warmup 1"
SEQ=()
INT=()
TURNS=()
NOTE=""
group=""
while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=${2:?--out needs a file}; shift 2 ;;
	--rule) RULE=${2:?--rule needs the flags in one argument}; shift 2 ;;
	--note) NOTE=${2:?--note needs a text}; shift 2 ;;
	--sequential) group=seq; shift ;;
	--interleaved) group=int; shift ;;
	--turns) group=turns; shift ;;
	-h | --help) sed -n '2,41p' "$0"; exit 0 ;;
	-*) echo "$0: unknown option $1 (see --help)" >&2; exit 2 ;;
	*)
		case "$group" in
		seq) SEQ+=("$1") ;;
		int) INT+=("$1") ;;
		turns) TURNS+=("$1") ;;
		*) echo "$0: $1: say --sequential, --interleaved or --turns before the campaigns" >&2; exit 2 ;;
		esac
		shift
		;;
	esac
done

cargo build --release -q -p migprobe-bench --example aa-study
BIN=${CARGO_TARGET_DIR:-target}/release/examples/aa-study
# shellcheck disable=SC2086 # RULE is a list of flags
study() { "$BIN" "$@" $RULE; }

TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
{
	echo "# A/A study of the baseline rule"
	echo
	echo "Written by \`scripts/aa-study.sh\` on $(date -u +%Y-%m-%dT%H:%M:%SZ), migprobe $(git rev-parse --short HEAD 2>/dev/null || echo '?'); rule: \`$RULE\` (the defaults, with \`--max-regression 20%\`)."
	echo
	cat <<'EOF'
Two campaigns on the same stack differ only by chance, so every regression
the gate finds between them is a false alarm. "regression / inconclusive" is
the share of pairs judged a regression (false alarms) / inconclusive (a
campaign moved by more than the margin within itself: the gate fails it too,
unless `--allow-inconclusive`, and asks for a re-measurement). "+10 %, +20 %,
+50 %": the share of pairs caught when every migration of the candidate is
that much longer. "Rule before issue 14": a regression when the median of all
migrations rose by more than 20 % and a one-sided Mann–Whitney test of all of
them said p < 0.05 (no margin in the test, no warm-up, no drift check).

## 1. The lab

EOF
	if [ ${#SEQ[@]} -eq 0 ] && [ ${#INT[@]} -eq 0 ] && [ ${#TURNS[@]} -eq 0 ]; then
		cat <<'EOF'
Not measured yet: lab time was scarce when the rule was written. Collect 20
sequential campaigns of 8 and 10 interleaved campaigns of 17 (see
`scripts/aa-study.sh --help`) and run
`scripts/aa-study.sh --sequential aa/seq-* --interleaved aa/int-*`; this part
then lists every pair and the false-alarm rate with its 95 % interval.

EOF
	fi
	[ -z "$NOTE" ] || printf '%s\n\n' "$NOTE"
	[ ${#SEQ[@]} -eq 0 ] || study pairs --schedule sequential "${SEQ[@]}"
	[ ${#INT[@]} -eq 0 ] || study pairs --schedule interleaved "${INT[@]}"
	[ ${#TURNS[@]} -eq 0 ] || study pairs --schedule turns "${TURNS[@]}"
	cat <<'EOF'
## 2. The committed same-stack pair (real data, then resampled)

**Real:** `before` is reports/bench/aa-data/pair1-before.json, 8 migrations
on the built-in lab; `after` is the campaign run right after it with no
change in between (the "after" of the 0.1 compare example). Its
report.json was not kept: its 8 downtimes are read off compare.svg
(reports/bench/aa-data/compare-after.txt says how; ±0.2 ms; the order of all
but its first is unknown, and no order of them would make its drift check
fire). The halves and round trips are the same real migrations of
`before`, paired differently (its warm-up left out first).

**Resampled:** campaigns of 8 drawn with replacement from the real
migrations, 2000 pairs per line. Drawn migrations are independent, so these
pairs have the real spread (the 306 ms outlier included) but no drift: they
test the rule against the shape of the data. The last two lines replay the
real pair's own difference (+42 % between the judged medians) 2000 times.

EOF
	study examples --before reports/bench/aa-data/pair1-before.json \
		--after reports/bench/aa-data/compare-after.txt
	cat <<'EOF'
## 3. Simulation

Pairs of campaigns drawn from `Model::LAB` (crates/bench/src/aa/model.rs),
fit to the 16 real migrations: median 180 ms; migration-to-migration spread
log-normal, sigma 0.12 (robust log-sd of the two campaigns without their
first migration: 0.17 and 0.12); 1 migration in 16 an outlier × 1.7–2.3 (the
real one: 306 ms, × 2.0); each campaign's first migration up to 30 % longer
(the data show +14 % and −5 %: a stress, not a fit); and a slow drift of the
lab's level (Ornstein–Uhlenbeck, correlation 0.9 from one migration to the
next, stationary log-sd 0.15). Sequential: A's migrations, a gap of 4, then
B's. Interleaved: round trips alternate between A and B.

The drift is the figure that decides the false-alarm rate of sequential
campaigns, and one pair cannot pin it: the fit below peaks at 0.2–0.25 but
is nearly flat from 0.15 to 0.3, while the spread of campaign medians across
sessions on this lab argues for less (network downtime of the committed
examples, 2 campaigns and 3 single migrations over two days, 150–213 ms:
log-sd 0.15 with the migration-to-migration noise, ≈ 0.11 without;
libvirt's downtime in scripts/lab/guest-deaths.md, 198 / 205 / 229 ms:
0.08). The model takes 0.15; the drift table shows 0 to 0.25.

Reading the tables: +20 % is the limit itself, which `--max-regression 20%`
allows (a figure equal to its limit passes), so catching it is a false alarm
too — rare when interleaved, common when sequential, where the lab's own
drift adds to it. The power the gate prints with a pass (last table but one)
resamples the baseline against itself: it cannot see a drift between the
campaigns, and promises more than sequential campaigns under the model's
drift deliver.

EOF
	study simulate
	echo
	study fit
} >"$TMP"
mkdir -p "$(dirname "$OUT")"
mv "$TMP" "$OUT"
trap - EXIT
echo "wrote $OUT"
