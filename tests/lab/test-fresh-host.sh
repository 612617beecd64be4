#!/usr/bin/env bash
# Manual test (not in CI): scripts/lab.sh on a fresh Debian 12 machine that
# already has a newer qemu-utils (10.0, from bookworm-backports) installed, as
# in issue 14. Needs root, debootstrap, the Debian mirror and ~3 GB in FRESH_DIR.
#
# It builds a minimal Debian 12 root (debootstrap --variant=minbase), gives it
# the sources of a normal install plus bookworm-backports, installs qemu-utils
# the way the backports instructions say (apt-get install -t bookworm-backports
# qemu-utils; this brings qemu-block-extra 10.0 along), copies this checkout's
# scripts/ in, and then, for each scenario on its own copy of that root, runs in
# a chroot: lab.sh up, status, migrate (twice), status, down. Scenarios:
#   default    LAB_STACK unset: the host's packages (QEMU 7.2 / libvirt 9.0 are
#              installed; the QEMU 10.0 packages are set to 7.2, none removed)
#   backports  LAB_STACK=backports: both nodes on QEMU 10.0 / libvirt 11.3 from
#              the lab cache; the root's QEMU packages are not touched
#   mixed      LAB_STACK_NODE01=bookworm LAB_STACK_NODE02=backports
#   held       LAB_STACK unset, qemu-utils on hold (apt-mark hold): up must stop
#              with exit 1 and say what to do, and change nothing
#
#   bash tests/lab/test-fresh-host.sh [SCENARIO...]    (default: all four)
#   FRESH_DIR=/tmp/migprobe-fresh-host   base/ (debootstrap) and pre/ (with
#                        qemu-utils 10.0) are made once and reused; one root
#                        per scenario, removed at the end unless FRESH_KEEP=1
#   FRESH_MIRROR=http://deb.debian.org/debian
#   FRESH_KEEP=0         1 = keep the scenario roots (unmounted) for a look
#
# The chroot is made to look like a booted machine where the lab needs it: the
# root is bind-mounted on itself (ip netns exec needs / to be a mount point),
# with /proc, /sys, /dev (rbind, rslave: nothing propagates back) and an empty
# tmpfs /run. No systemd runs in it (lab.sh then skips masking libvirt units).
# The lab uses TCG; /dev/kvm is not needed. Lab names inside the chroot:
# LAB_DIR=/tmp/fresh-lab, LAB_NETNS=mpfresh (the namespace is mounted under the
# chroot's /run/netns, invisible to the host's `ip netns`).
# On any exit (also Ctrl-C): lab.sh down in each chroot, processes still
# running in a chroot are ended, every mount under the roots is undone.
# The last line is always "N passed, M failed"; exit 0 only if M is 0.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FRESH_DIR=${FRESH_DIR:-/tmp/migprobe-fresh-host}
FRESH_MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
FRESH_KEEP=${FRESH_KEEP:-0}
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(default backports mixed held)
for s in "${SCENARIOS[@]}"; do
	[[ $s == default || $s == backports || $s == mixed || $s == held ]] || {
		echo "unknown scenario '$s' (default, backports, mixed, held)" >&2
		exit 2
	}
done
[[ $(id -u) == 0 ]] || {
	echo "needs root (debootstrap, chroot, mounts)" >&2
	exit 2
}
command -v debootstrap >/dev/null || {
	echo "needs debootstrap (apt-get install debootstrap)" >&2
	exit 2
}

passed=0
failed=0
mkdir -p "$FRESH_DIR"
LOG=$FRESH_DIR/test.log
: >"$LOG"
MOUNTED=()
# Is anything mounted at or under $1? (No "| grep -q": with pipefail, grep's
# early exit could make findmnt fail and a mount look absent.)
mounted_under() { [[ $'\n'$(findmnt -rn -o TARGET)$'\n' =~ $'\n'$1(/[^$'\n']*)?$'\n' ]]; }
ok() { passed=$((passed + 1)) && echo "ok   - $*"; }
not_ok() { failed=$((failed + 1)) && echo "FAIL - $*"; }
note() { echo "# $*"; }

mount_root() { # dir
	local r=$1
	mount --bind "$r" "$r"
	mount --make-private "$r"
	MOUNTED+=("$r")
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount --rbind /dev "$r/dev"
	mount --make-rslave "$r/dev"
	mount -t tmpfs -o mode=755 tmpfs "$r/run"
}
# Processes whose root is the chroot (all started by this test in it).
root_pids() { # dir
	local p
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/root" 2>/dev/null) == "$1" ]] && echo "${p#/proc/}"
	done
	return 0
}
umount_root() { # dir
	local r=$1 pids
	mapfile -t pids < <(root_pids "$r")
	if ((${#pids[@]})); then
		echo "ending processes left in $r: ${pids[*]}" >>"$LOG"
		kill -TERM "${pids[@]}" 2>/dev/null || true
		sleep 2
		mapfile -t pids < <(root_pids "$r")
		((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
	fi
	if mounted_under "$r"; then
		umount -R "$r" 2>>"$LOG" || umount -R -l "$r" 2>>"$LOG" || true
	fi
}
# Runs a command in the chroot, with a clean environment and the lab's names.
in_root() { # dir [VAR=value...] command...
	local r=$1
	shift
	chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 LAB_DIR=/tmp/fresh-lab LAB_NETNS=mpfresh \
		LAB_CACHE_DIR=/tmp/fresh-cache "$@"
}

teardown() {
	local r
	trap - EXIT INT TERM
	for r in "${MOUNTED[@]}"; do
		if [[ -f $r/tmp/fresh-lab/lab.state ]] && findmnt -rn "$r/proc" >/dev/null; then
			in_root "$r" bash /root/mp/scripts/lab.sh down >>"$LOG" 2>&1 || true
		fi
		umount_root "$r"
	done
	if ((FRESH_KEEP != 1)); then
		for r in "${SCENARIOS[@]}"; do
			mounted_under "$FRESH_DIR/$r" || rm -rf "${FRESH_DIR:?}/$r"
		done
	fi
	if mounted_under "$FRESH_DIR"; then
		not_ok "mounts left under $FRESH_DIR: $(findmnt -rn -o TARGET | grep "^$FRESH_DIR/" | tr '\n' ' ')"
	fi
	echo "(log: $LOG)"
	echo "$passed passed, $failed failed"
	((failed == 0))
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---- the fresh machine ------------------------------------------------------------
if [[ ! -f $FRESH_DIR/base/.done ]]; then
	rm -rf "$FRESH_DIR/base"
	note "debootstrap --variant=minbase bookworm $FRESH_DIR/base $FRESH_MIRROR"
	nice debootstrap --variant=minbase bookworm "$FRESH_DIR/base" "$FRESH_MIRROR" >>"$LOG" 2>&1
	touch "$FRESH_DIR/base/.done"
fi
if [[ ! -f $FRESH_DIR/pre/.done ]]; then
	rm -rf "$FRESH_DIR/pre"
	cp -a "$FRESH_DIR/base" "$FRESH_DIR/pre"
	rm -f "$FRESH_DIR/pre/.done"
	sec=${FRESH_MIRROR%/debian}/debian-security
	cat >"$FRESH_DIR/pre/etc/apt/sources.list" <<EOF
deb $FRESH_MIRROR bookworm main
deb $FRESH_MIRROR bookworm-updates main
deb $sec bookworm-security main
deb $FRESH_MIRROR bookworm-backports main
EOF
	mount_root "$FRESH_DIR/pre"
	note "pre-condition: apt-get install -t bookworm-backports qemu-utils"
	in_root "$FRESH_DIR/pre" apt-get update >>"$LOG" 2>&1
	in_root "$FRESH_DIR/pre" DEBIAN_FRONTEND=noninteractive nice apt-get install -y -t bookworm-backports qemu-utils >>"$LOG" 2>&1
	in_root "$FRESH_DIR/pre" apt-get clean
	umount_root "$FRESH_DIR/pre"
	MOUNTED=()
	touch "$FRESH_DIR/pre/.done"
fi
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
pre_qemu=$(chroot "$FRESH_DIR/pre" dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' 'qemu*' 2>/dev/null |
	awk '$1 == "ii" {printf "%s %s  ", $2, $3}')
note "pre-condition: $pre_qemu"
if [[ $pre_qemu == *"qemu-utils 1:10."* ]]; then ok "the fresh root has qemu-utils 10.0 from bookworm-backports"; else not_ok "pre-condition: no qemu-utils 10.0 ($pre_qemu)"; fi

pkg_version() { # root package
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	chroot "$1" dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$2" 2>/dev/null | awk '$1 ~ /^[ih]i$/ {print $2}' || true
}

# A scenario's own copy $1 of the pre-conditioned root, with this checkout's
# scripts/ in /root/mp, mounted.
fresh_copy() {
	local r=$1
	rm -rf "$r"
	cp -a "$FRESH_DIR/pre" "$r"
	rm -f "$r/.done"
	mkdir -p "$r/root/mp"
	tar -C "$ROOT" -c scripts | tar -x -C "$r/root/mp"
	mount_root "$r"
}

# ---- one scenario -------------------------------------------------------------------
run_scenario() { # name VAR=value...
	local s=$1 r=$FRESH_DIR/$1 out rc t0 i qs qu qb
	shift
	note "== $s: $* scripts/lab.sh up, status, migrate x2, status, down"
	fresh_copy "$r"
	local lab=(in_root "$r" "$@" nice bash /root/mp/scripts/lab.sh)
	t0=$SECONDS
	rc=0
	out=$("${lab[@]}" up 2>&1) || rc=$?
	printf '%s up (exit %d):\n%s\n' "$s" "$rc" "$out" >>"$LOG"
	grep -E '^lab(\.sh)?:|^  ' <<<"$out" | grep -vE '^  [a-z0-9]' | sed 's/^/#   /' | head -n 40
	if ((rc == 0)); then ok "$s: up ($((SECONDS - t0)) s)"; else
		not_ok "$s: up exited $rc: $(grep -A8 '^lab.sh: error' <<<"$out" | head -n 9)"
		umount_root "$r"
		return 0
	fi
	qs=$(pkg_version "$r" qemu-system-x86)
	qu=$(pkg_version "$r" qemu-utils)
	qb=$(pkg_version "$r" qemu-block-extra)
	note "$s: after up: qemu-system-x86 ${qs:-none}, qemu-utils ${qu:-none}, qemu-block-extra ${qb:-none}"
	if [[ $s == backports ]]; then
		if [[ -z $qs && $qu == 1:10.* && $qb == 1:10.* ]]; then ok "$s: the root's QEMU packages are untouched"; else
			not_ok "$s: the root's QEMU packages changed"
		fi
	elif [[ $qs == 1:7.2* && ${qu%+b*} == "${qs%+b*}" && ${qb%+b*} == "${qs%+b*}" ]]; then
		ok "$s: QEMU on the root is one release (7.2), nothing removed"
	else
		not_ok "$s: QEMU on the root is not consistent"
	fi
	if in_root "$r" apt-get check >>"$LOG" 2>&1 && [[ -z $(in_root "$r" dpkg --audit 2>&1) ]]; then
		ok "$s: apt-get check and dpkg --audit are clean"
	else not_ok "$s: apt-get check / dpkg --audit complain (see $LOG)"; fi
	rc=0
	out=$("${lab[@]}" status 2>&1) || rc=$?
	printf '%s status (exit %d):\n%s\n' "$s" "$rc" "$out" >>"$LOG"
	grep 'stack' <<<"$out" | sed 's/^/#   /'
	local want1="QEMU 7.2" want2="QEMU 7.2"
	[[ $s == backports ]] && want1="QEMU 10.0"
	[[ $s != default ]] && want2="QEMU 10.0"
	if ((rc == 0)) && grep -q "^node01: stack.*$want1" <<<"$out" && grep -q "^node02: stack.*$want2" <<<"$out"; then
		ok "$s: status: lab up, node01 $want1, node02 $want2"
	else not_ok "$s: status (exit $rc): $(grep -E 'stack|lab:' <<<"$out" | tr '\n' ' ')"; fi
	for i in 1 2; do
		rc=0
		out=$("${lab[@]}" migrate 2>&1) || rc=$?
		printf '%s migrate (exit %d):\n%s\n' "$s" "$rc" "$out" >>"$LOG"
		if ((rc == 0)); then ok "$s: migrate $i: $(grep '^migrated' <<<"$out")"; else not_ok "$s: migrate $i exited $rc: $(tail -n 3 <<<"$out")"; fi
	done
	rc=0
	out=$("${lab[@]}" status 2>&1) || rc=$?
	if ((rc == 0)); then ok "$s: status after the migrations: up"; else not_ok "$s: status after the migrations exited $rc"; fi
	rc=0
	out=$("${lab[@]}" down 2>&1) || rc=$?
	printf '%s down (exit %d):\n%s\n' "$s" "$rc" "$out" >>"$LOG"
	if ((rc == 0)) && [[ ! -e $r/tmp/fresh-lab && -z $(root_pids "$r") ]] && ! compgen -G "$r/run/netns/mpfresh*" >/dev/null; then
		ok "$s: down: no lab directory, namespace or process left"
	else not_ok "$s: down (exit $rc) left something: $(find "$r/tmp/fresh-lab" "$r/run/netns" -maxdepth 1 2>&1 | tr '\n' ' ') pids: $(root_pids "$r" | tr '\n' ' ')"; fi
	umount_root "$r"
}

# qemu-utils 10.0 on hold: up cannot set it to 7.2 and must say so, not apt.
run_held() {
	local r=$FRESH_DIR/held out rc
	note "== held: apt-mark hold qemu-utils; scripts/lab.sh up must stop and say what to do"
	fresh_copy "$r"
	in_root "$r" apt-mark hold qemu-utils >>"$LOG" 2>&1
	rc=0
	out=$(in_root "$r" nice bash /root/mp/scripts/lab.sh up 2>&1) || rc=$?
	printf 'held up (exit %d):\n%s\n' "$rc" "$out" >>"$LOG"
	grep -E '^lab(\.sh)?:|^fix|^  or' <<<"$out" | sed 's/^/#   /'
	if ((rc == 1)) && [[ $out == *"apt-mark unhold qemu-utils"* && $out == *"LAB_STACK=backports"* ]]; then
		ok "held: up stops (exit 1) naming the hold, the fix and the alternative"
	else not_ok "held: up exited $rc without the expected message"; fi
	if [[ $(pkg_version "$r" qemu-utils) == 1:10.* && -z $(pkg_version "$r" qemu-system-x86) && ! -e $r/tmp/fresh-lab ]]; then
		ok "held: nothing was installed or changed"
	else not_ok "held: the root changed"; fi
	umount_root "$r"
}

for s in "${SCENARIOS[@]}"; do
	case $s in
	held) run_held ;;
	default) run_scenario default ;;
	backports) run_scenario backports LAB_STACK=backports ;;
	mixed) run_scenario mixed LAB_STACK_NODE01=bookworm LAB_STACK_NODE02=backports ;;
	esac
done
