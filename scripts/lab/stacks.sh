# shellcheck shell=bash
# Hypervisor stacks and guest kernels per node: sourced by scripts/lab.sh (uses
# its helpers and knobs). See scripts/lab/stacks.md.
#
# A stack is the QEMU + libvirt daemon a node runs:
#   bookworm   the host's own packages (QEMU 7.2, libvirt 9.0), from /usr
#   backports  bookworm-backports' QEMU and libvirt (10.0 / 11.3), side by side
#              with the host's: their .debs (and whatever they need that the
#              host lacks or has too old) are unpacked into
#              $LAB_CACHE_DIR/stacks/backports/root-KEY, and the node's libvirtd
#              runs in its mount namespace with that tree laid over /usr
#              (a read-only overlayfs; the host's /usr is never written)
# The layer is what `apt-get install` of those packages would change on this
# host, made without touching the host: files of the new packages, plus
# overlayfs whiteouts for the files of the host packages that apt would
# upgrade or remove and that the new versions no longer ship (e.g. libvirt
# 9.0's storage driver, which libvirtd 11.3 would try to load and fail on).
# Nothing else on the host changes; `down` has nothing of it to restore (the
# overlay lives and dies with the node's mount namespace). apt runs with a
# private configuration (sources, lists, cache under $LAB_CACHE_DIR/stacks/apt)
# that only reads the host's dpkg status: it never installs anything.

STACK_NAMES="bookworm backports"
# Top-level packages of a stack; apt adds their dependencies.
STACK_PKGS=(qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu)
# A machine type both QEMU 7.2 and 10.0 know (the default 'pc' is the newest
# one of each QEMU, and a 7.2 cannot take a pc-i440fx-10.0 guest).
STACK_MIXED_MACHINE=pc-i440fx-7.2
# shellcheck disable=SC2034 # used by scripts/lab.sh (write_state, load_state)
STACK_KEYS=(LAB_STACK LAB_STACK_NODE01 LAB_STACK_NODE02 LAB_STACK_ROOT_NODE01
	LAB_STACK_ROOT_NODE02 LAB_GUEST_KERNEL LAB_MACHINE)

# Per-node stack knob name and value: node01 -> LAB_STACK_NODE01.
stack_var() { local n=${1^^}; echo "LAB_STACK_${n}"; }
node_stack() { local v; v=$(stack_var "$1"); echo "${!v:-$LAB_STACK}"; }
# The overlay layer a node's libvirtd runs with (empty: the host's /usr).
node_stack_root() { local v; v=LAB_STACK_ROOT_${1^^}; echo "${!v:-}"; }
# Does a node run the host's own QEMU/libvirt (LAB_STACK* unset or bookworm)?
host_stack_used() {
	local n s
	for n in "${NODES[@]}"; do
		s=$(node_stack "$n")
		[[ -z $s || $s == bookworm ]] && return 0
	done
	return 1
}
stacks_wanted() { [[ -n $LAB_STACK$LAB_STACK_NODE01$LAB_STACK_NODE02$LAB_GUEST_KERNEL$LAB_MACHINE ]]; }

validate_stack_knobs() {
	local k v
	for k in LAB_STACK LAB_STACK_NODE01 LAB_STACK_NODE02 LAB_GUEST_KERNEL; do
		v=${!k}
		[[ -z $v || " $STACK_NAMES " == *" $v "* ]] ||
			usage_error "$k must be one of: $STACK_NAMES (or unset for the host's packages), got '$v'"
	done
	[[ -z $LAB_MACHINE || $LAB_MACHINE =~ ^[A-Za-z0-9_.-]{1,60}$ ]] ||
		usage_error "LAB_MACHINE must be a QEMU machine type like pc-i440fx-7.2, got '$LAB_MACHINE'"
	if stacks_wanted; then
		[[ $LAB_CACHE_DIR != *[[:space:],:\'\"]* ]] ||
			usage_error "LAB_CACHE_DIR must not contain spaces, commas, colons or quotes when LAB_STACK* or LAB_GUEST_KERNEL is set (it becomes an overlayfs option): '$LAB_CACHE_DIR'"
	fi
	return 0
}

# At up only (a lab's state records the kernel that LAB_GUEST_KERNEL chose).
validate_kernel_choice() {
	if [[ -n $LAB_GUEST_KERNEL && -n $LAB_KERNEL ]]; then
		usage_error "LAB_KERNEL=$LAB_KERNEL and LAB_GUEST_KERNEL=$LAB_GUEST_KERNEL both choose the guest kernel: unset one of them"
	fi
	return 0
}

# ---- private apt ---------------------------------------------------------------
stack_apt_dir() { echo "$LAB_CACHE_DIR/stacks/apt"; }
stack_apt_opts() {
	local a
	a=$(stack_apt_dir)
	STACK_APT=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/sources.list.d"
		-o "Dir::Etc::Preferences=$a/preferences" -o "Dir::Etc::PreferencesParts=$a/preferences.d"
		-o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o "Dir::Cache::archives=$a/archives"
		-o "APT::Sandbox::User=root" -o "APT::Get::List-Cleanup=false")
}
sapt_get() { stack_apt_opts && apt-get "${STACK_APT[@]}" "$@"; }
sapt_cache() { stack_apt_opts && apt-cache "${STACK_APT[@]}" "$@"; }

# The host must be Debian 12: the stacks are bookworm's and bookworm-backports'.
stack_check_host() {
	local code="" pretty=""
	if [[ -r /etc/os-release ]]; then
		# shellcheck source=/dev/null
		code=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
		# shellcheck source=/dev/null
		pretty=$(. /etc/os-release && echo "${PRETTY_NAME:-}")
	fi
	[[ $code == bookworm ]] || die "LAB_STACK*/LAB_GUEST_KERNEL need a Debian 12 (bookworm) host, this is '${pretty:-unknown}': unset them to use this host's own packages"
	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		die "LAB_STACK*/LAB_GUEST_KERNEL need apt-get and dpkg-deb (Debian's apt and dpkg packages)"
	fi
}

# Private sources: the host's own Debian mirror(s) for bookworm, -updates and
# -security, plus bookworm-backports from the mirror that serves bookworm.
stack_write_sources() {
	local a lines main key=""
	a=$(stack_apt_dir)
	lines=$(apt-cache policy 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[a-z+]+:/ && $3 ~ /^bookworm(-updates|-security|-backports)?\/main$/ {print $2, $3}' | sort -u)
	if ! grep -q ' bookworm/main$' <<<"$lines"; then
		[[ $LAB_INSTALL == 1 ]] || die "the host's apt knows no 'bookworm main' source (apt-cache policy lists none) and LAB_INSTALL=0 forbids apt-get update: run apt-get update, or add Debian bookworm to /etc/apt/sources.list"
		say "the host's apt lists are empty; running apt-get update once"
		apt-get update >"$a/host-update.log" 2>&1 ||
			die "apt-get update failed on the host (log: $a/host-update.log): $(grep -E '^(E|W):' "$a/host-update.log" | head -n 3 | tr '\n' ' ')"
		lines=$(apt-cache policy 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[a-z+]+:/ && $3 ~ /^bookworm(-updates|-security|-backports)?\/main$/ {print $2, $3}' | sort -u)
		grep -q ' bookworm/main$' <<<"$lines" ||
			die "the host's apt sources have no Debian 'bookworm main' entry (see apt-cache policy): add one to /etc/apt/sources.list (the lab takes the backports mirror from it)"
	fi
	main=$(awk '$2 == "bookworm/main" {print $1; exit}' <<<"$lines")
	[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] && key="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
	{
		echo "# written by migprobe scripts/lab.sh: the host's Debian sources + bookworm-backports"
		awk -v k="$key" '{split($2, s, "/"); print "deb " k $1 " " s[1] " main"}' <<<"$lines"
		grep -q ' bookworm-backports/main$' <<<"$lines" || echo "deb ${key}${main} bookworm-backports main"
	} >"$a/sources.list.tmp"
	mv "$a/sources.list.tmp" "$a/sources.list"
}

# apt-get update of the private lists (the host's own lists seed them).
stack_apt_update() {
	[[ -n ${STACK_APT_UPDATED:-} ]] && return 0
	[[ $LAB_INSTALL == 1 ]] || die "LAB_INSTALL=0 forbids apt-get, but the stack/kernel is not in the cache $LAB_CACHE_DIR/stacks yet: run once with LAB_INSTALL=1 (it only downloads into the cache; the host's packages are not changed)"
	local a
	a=$(stack_apt_dir)
	mkdir -p "$a"/{lists/partial,archives/partial,cache,sources.list.d,preferences.d}
	stack_write_sources
	if ! compgen -G "$a/lists/*_Packages*" >/dev/null; then
		cp -p /var/lib/apt/lists/*_dists_bookworm* "$a/lists/" 2>/dev/null || true
	fi
	say "stacks: apt-get update of the private lists ($a; sources: $(awk '/^deb/ {print $NF=="main" ? $(NF-1) : $NF}' "$a/sources.list" | tr '\n' ' '))"
	if ! sapt_get update >"$a/update.log" 2>&1 || grep -qE '^(E:|W: Failed to fetch)' "$a/update.log"; then
		if compgen -G "$a/lists/*bookworm-backports*Packages*" >/dev/null; then
			say "stacks: apt-get update failed ($(grep -E '^(E|W):' "$a/update.log" | head -n 1)); going on with the lists from $(date -r "$a/lists" '+%F %T') (log: $a/update.log)"
			STACK_APT_UPDATED=1
			return 0
		fi
		die "could not fetch the package lists for the lab's stacks (apt-get update with the private sources $a/sources.list; log: $a/update.log): $(grep -E '^(E|W):' "$a/update.log" | head -n 3 | tr '\n' ' ')— check that this host reaches its Debian mirror, or unset LAB_STACK*/LAB_GUEST_KERNEL"
	fi
	STACK_APT_UPDATED=1
}

# ---- stack layers ----------------------------------------------------------------
stack_dir() { echo "$LAB_CACHE_DIR/stacks/$1"; }

# What apt would do on this host to install the stack: Inst/Remv lines.
# "qemu-system-x86/bookworm-backports" takes only that package from the suite;
# its dependencies come from bookworm unless the host already has them (then
# apt upgrades them). A host without QEMU (say, a fresh one with only a
# qemu-utils) gets "Depends: seabios (> 1.16.3-1~) but 1.16.2-1 is to be
# installed": each package named in apt's unmet dependencies that the suite
# has is then taken from the suite too, and apt asked again.
stack_plan() { # stack -> writes $dir/plan (lines "inst PKG VERSION" / "remv PKG")
	local s=$1 dir log p sel=() tries rc added
	dir=$(stack_dir "$s")
	log=$dir/plan.log
	for p in "${STACK_PKGS[@]}"; do sel+=("$p/bookworm-$s"); done
	for ((tries = 0; tries < 8; tries++)); do
		rc=0
		sapt_get install -s --no-install-recommends "${sel[@]}" >"$log" 2>&1 || rc=$?
		((rc != 0)) || break
		added=0
		for p in $(awk '/unmet dependencies:/ {u = 1; next} u && /^ / {for (i = 1; i <= NF; i++) print $i}' "$log" |
			tr -d ':,()|' | sort -u); do
			[[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ && " ${sel[*]} " != *" $p/"* ]] || continue
			# (not piped into grep -q: with pipefail, an early exit of grep fails it)
			[[ $(sapt_cache madison "$p" 2>/dev/null || true) == *" bookworm-$s/"* ]] || continue
			sel+=("$p/bookworm-$s")
			added=1
		done
		((added)) || break
	done
	if ((rc != 0)); then
		die "apt cannot assemble the $s stack on this host (apt-get install -s ${sel[*]} with the private lists; log: $log):
$(grep -E '^ |^E:' "$log" | head -n 12)
fix: make the host's own packages consistent first (apt-get -f install; or apt-get install qemu-system-x86 libvirt-daemon-driver-qemu from bookworm), or unset LAB_STACK*"
	fi
	awk '/^Inst / {v=$3; if (v ~ /^\[/) v=$4; gsub(/[()]/, "", v); print "inst", $2, v}
	     /^Remv / {print "remv", $2}' "$log" >"$dir/plan"
}

# Host files of PKG, as paths under /usr (merged-/usr aliases folded).
host_pkg_usr_files() {
	dpkg-query -L "$1" 2>/dev/null | sed -E 's#^/(lib|lib32|lib64|libx32|bin|sbin)/#/usr/\1/#' | grep '^/usr/' || true
}

# Unpacks the plan's .debs into $dir/root.new/usr, with whiteouts.
stack_unpack() { # stack
	local s=$1 dir root kind pkg ver f p debs=() n_wh=0
	dir=$(stack_dir "$s")
	root=$dir/root.new
	rm -rf "$root"
	mkdir -p "$root" "$dir/debs"
	while read -r kind pkg ver; do
		[[ $kind == inst ]] || continue
		f=$(compgen -G "$dir/debs/${pkg}_*.deb" | while read -r x; do
			[[ $(dpkg-deb -f "$x" Version) == "$ver" ]] && echo "$x"
		done | head -n1 || true)
		if [[ -z $f ]]; then
			(cd "$dir/debs" && sapt_get download "$pkg=$ver") >>"$dir/download.log" 2>&1 ||
				die "could not download $pkg=$ver for the $s stack (apt-get download with the private lists; log: $dir/download.log): $(grep -E '^(E|W):' "$dir/download.log" | tail -n 2 | tr '\n' ' ')"
			f=$(compgen -G "$dir/debs/${pkg}_*.deb" | while read -r x; do
				[[ $(dpkg-deb -f "$x" Version) == "$ver" ]] && echo "$x"
			done | head -n1 || true)
			[[ -n $f ]] || die "apt-get download $pkg=$ver left no .deb in $dir/debs (log: $dir/download.log)"
		fi
		debs+=("$f")
	done <"$dir/plan"
	for f in "${debs[@]}"; do
		dpkg-deb -x "$f" "$root" || die "dpkg-deb -x $f failed (a broken download? delete it and run up again)"
	done
	# Merged /usr, as on the host: /lib, /bin, /sbin are /usr/lib, /usr/bin, /usr/sbin.
	for p in lib lib32 lib64 libx32 bin sbin; do
		[[ -d $root/$p && ! -L $root/$p ]] || continue
		mkdir -p "$root/usr/$p"
		cp -a "$root/$p/." "$root/usr/$p/"
		rm -rf "${root:?}/$p"
	done
	# Only /usr is laid over the host (the node's /etc/libvirt is its own anyway).
	find "$root" -mindepth 1 -maxdepth 1 ! -name usr -exec rm -rf {} +
	# Whiteouts: what apt would delete from the host's /usr.
	while read -r kind pkg ver; do
		case $kind in
		inst) dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || continue ;;
		remv) ;;
		*) continue ;;
		esac
		while read -r p; do
			[[ -e $root$p || -L $root$p ]] && continue
			[[ -d $p && ! -L $p ]] && continue
			[[ -e $p || -L $p ]] || continue
			mkdir -p "$root${p%/*}"
			mknod "$root$p" c 0 0
			n_wh=$((n_wh + 1))
		done < <(host_pkg_usr_files "$pkg")
	done <"$dir/plan"
	echo "$n_wh" >"$dir/whiteouts"
}

# Runs a command with the stack's /usr, as the node's libvirtd will.
stack_exec() { # root command...
	local root=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private -- /bin/sh -c '
		mount -t overlay -o "lowerdir=$1/usr:/usr" migprobe-stack /usr || exit 97
		shift
		exec "$@"
	' sh "$root" "$@"
}

# Does the layer run? Prints "libvirt X, QEMU Y"; dies with the evidence if not.
stack_verify() { # stack root
	local s=$1 root=$2 out missing
	# shellcheck disable=SC2016 # expanded by the inner sh
	out=$(stack_exec "$root" /bin/sh -c '
		libvirtd --version || exit 11
		qemu-system-x86_64 --version || exit 12
		for f in /usr/sbin/libvirtd /usr/bin/qemu-system-x86_64 /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/*.so; do
			ldd "$f" 2>&1 | grep -E "not found|version .* not found" | sed "s|^|missing for $f: |"
		done
		exit 0
	' 2>&1) || die "the $s stack in $root does not run (exit $?):
$out
fix: delete $(dirname "$root") and run up again; if it persists, this host's packages differ from what bookworm-backports expects (unset LAB_STACK*)"
	missing=$(grep '^missing for' <<<"$out" || true)
	[[ -z $missing ]] || die "the $s stack in $root lacks libraries:
$missing
fix: delete $(dirname "$root") and run up again (apt's plan is made against the host's installed packages)"
	local lv qv
	lv=$(awk '/^libvirtd/ {print $NF; exit}' <<<"$out")
	qv=$(awk '/^QEMU emulator version/ {print $4; exit}' <<<"$out")
	echo "libvirt $lv, QEMU $qv"
}

# Makes sure the stack's layer exists and matches the host; sets STACK_ROOT.
# The layer is remade when the host's installed packages changed since.
stack_ensure() { # stack
	local s=$1 dir hostkey t0 lockfd
	dir=$(stack_dir "$s")
	mkdir -p "$dir"
	exec {lockfd}>"$dir/.lock"
	flock "$lockfd"
	hostkey=$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' | sha256sum | cut -c1-16)
	# One layer per host state: a running lab keeps the layer it started with
	# while another lab (sharing the cache) makes a new one.
	STACK_ROOT=$dir/root-$hostkey
	if [[ -d $STACK_ROOT && -f $STACK_ROOT.versions ]]; then
		say "stack $s: from cache $STACK_ROOT ($(cat "$STACK_ROOT.versions"))"
		exec {lockfd}>&-
		return 0
	fi
	t0=$(now_us)
	say "stack $s: assembling in $dir (apt's plan against this host's packages; nothing is installed on the host)"
	stack_apt_update
	stack_plan "$s"
	stack_unpack "$s"
	local v old
	v=$(stack_verify "$s" "$dir/root.new")
	# Older layers that no process has mounted go.
	for old in "$dir"/root-*; do
		[[ -d $old ]] || continue
		grep -qs "lowerdir=$old/usr:" /proc/[0-9]*/mountinfo && continue
		rm -rf "$old" "$old.versions"
	done
	rm -rf "$STACK_ROOT"
	mv "$dir/root.new" "$STACK_ROOT"
	echo "$v" >"$STACK_ROOT.versions"
	say "stack $s: $v, $(grep -c '^inst' "$dir/plan") packages ($(awk '$1 == "inst" {printf "%s%s=%s", sep, $2, $3; sep=" "}' "$dir/plan")), $(cat "$dir/whiteouts") host files hidden, in $(fmt_s $(($(now_us) - t0))) s"
	exec {lockfd}>&-
}

# bookworm: the host's packages, which must be bookworm's QEMU 7.2 / libvirt 9.0.
stack_check_bookworm() { # node
	local n=$1 var q qc qd l lq want=()
	var=$(stack_var "$n")
	q=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
	qc=$(dpkg-query -W -f='${Version}' qemu-system-common 2>/dev/null || true)
	qd=$(dpkg-query -W -f='${Version}' qemu-system-data 2>/dev/null || true)
	l=$(dpkg-query -W -f='${Version}' libvirt-daemon 2>/dev/null || true)
	lq=$(dpkg-query -W -f='${Version}' libvirt-daemon-driver-qemu 2>/dev/null || true)
	[[ $q == 1:7.2* && $qc == "$q" && ${qd%+b*} == "${q%+b*}" ]] ||
		want+=("qemu-system-x86/bookworm" "qemu-system-common/bookworm" "qemu-system-data/bookworm" "qemu-utils/bookworm")
	[[ $l == 9.0.* && $lq == "$l" ]] ||
		want+=("libvirt-daemon/bookworm" "libvirt-daemon-driver-qemu/bookworm" "libvirt0/bookworm" "libvirt-clients/bookworm")
	((${#want[@]} == 0)) && return 0
	die "${var}=bookworm (or LAB_STACK=bookworm) runs the host's own QEMU and libvirt, which must be bookworm's 7.2 and 9.0, but this host has qemu-system-x86 ${q:-none} (common ${qc:-none}, data ${qd:-none}) and libvirt-daemon ${l:-none} (driver-qemu ${lq:-none}).
fix: apt-get install --allow-downgrades ${want[*]}
  or run that node on the stack the host has: ${var}=backports takes QEMU/libvirt from the lab cache instead"
}

# Resolves each node's stack at up: sets LAB_STACK_NODE0N (effective) and
# LAB_STACK_ROOT_NODE0N, and LAB_MACHINE.
stacks_prepare() {
	local n s var rootvar any_new=0
	for n in "${NODES[@]}"; do
		var=$(stack_var "$n")
		s=$(node_stack "$n")
		printf -v "$var" '%s' "$s"
		rootvar=LAB_STACK_ROOT_${n^^}
		printf -v "$rootvar" '%s' ""
		case $s in
		"") ;;
		bookworm) stack_check_bookworm "$n" ;;
		*)
			any_new=1
			stack_check_host
			stack_ensure "$s"
			printf -v "$rootvar" '%s' "$STACK_ROOT"
			;;
		esac
	done
	if [[ -z $LAB_MACHINE ]] && ((any_new)); then LAB_MACHINE=$STACK_MIXED_MACHINE; fi
	return 0
}

# ---- guest kernel from a suite -----------------------------------------------------
# Sets LAB_KERNEL (the version) and KERNEL_ROOT ("" = the host's /boot and
# /lib/modules, or a tree in the cache with boot/ and lib/modules/).
guest_kernel_prepare() { # suite
	local s=$1 kpkg=linux-image-amd64 info ver dep depver abi kdir deb
	stack_check_host
	[[ $s == bookworm ]] || kpkg=linux-image-amd64/bookworm-$s
	stack_apt_update
	info=$(sapt_cache show --no-all-versions "$kpkg" 2>/dev/null) ||
		die "LAB_GUEST_KERNEL=$s: apt knows no $kpkg in the private lists ($(stack_apt_dir)/sources.list)"
	ver=$(awk '/^Version:/ {print $2; exit}' <<<"$info")
	dep=$(awk -F'[:,]' '/^Depends:/ {print $2; exit}' <<<"$info" | awk '{print $1}')
	depver=$(awk '/^Depends:/ {if (match($0, /\(= [^)]*\)/)) print substr($0, RSTART + 3, RLENGTH - 4); exit}' <<<"$info")
	[[ $dep == linux-image-* && -n $depver ]] || die "LAB_GUEST_KERNEL=$s: cannot tell which kernel $kpkg $ver depends on (apt-cache show: '$dep' '$depver')"
	abi=${dep#linux-image-}
	if [[ -f /boot/vmlinuz-$abi && -d /lib/modules/$abi ]]; then
		LAB_KERNEL=$abi
		KERNEL_ROOT=
		say "guest kernel $s: $abi ($dep $depver, installed on the host)"
		return 0
	fi
	kdir=$LAB_CACHE_DIR/stacks/kernel-$s/$abi
	if [[ ! -f $kdir/ready ]]; then
		local t0
		t0=$(now_us)
		mkdir -p "$kdir/debs"
		rm -rf "$kdir/root"
		say "guest kernel $s: downloading $dep=$depver into $kdir"
		(cd "$kdir/debs" && sapt_get download "$dep=$depver") >"$kdir/download.log" 2>&1 ||
			die "could not download $dep=$depver (LAB_GUEST_KERNEL=$s; log: $kdir/download.log): $(grep -E '^(E|W):' "$kdir/download.log" | tail -n 2 | tr '\n' ' ')"
		deb=$(compgen -G "$kdir/debs/${dep}_*.deb" | head -n1)
		[[ -n $deb ]] || die "apt-get download $dep=$depver left no .deb in $kdir/debs"
		mkdir -p "$kdir/root"
		# Only the kernel image and what the guest's initramfs takes.
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir/root" --wildcards --no-anchored \
			'boot/vmlinuz-*' '*/modules.builtin' '*/kernel/drivers/virtio/*' '*/kernel/drivers/net/*' \
			'*/kernel/drivers/block/*' '*/kernel/net/core/*' ||
			die "could not unpack $deb (a broken download? delete $kdir and run up again)"
		if [[ -d $kdir/root/usr/lib/modules ]]; then
			mkdir -p "$kdir/root/lib"
			mv "$kdir/root/usr/lib/modules" "$kdir/root/lib/modules"
		fi
		[[ -f $kdir/root/boot/vmlinuz-$abi && -d $kdir/root/lib/modules/$abi ]] ||
			die "$deb has no boot/vmlinuz-$abi or lib/modules/$abi"
		rm -f "$deb"
		echo "$dep $depver" >"$kdir/ready"
		say "guest kernel $s: $abi unpacked in $(fmt_s $(($(now_us) - t0))) s"
	else
		say "guest kernel $s: $abi from cache $kdir"
	fi
	LAB_KERNEL=$abi
	# shellcheck disable=SC2034 # used by scripts/lab.sh (build_guest)
	KERNEL_ROOT=$kdir/root
}

# ---- versions (status) ----------------------------------------------------------
# "libvirt X, QEMU Y" as the node's daemon says it (empty if it does not answer).
node_versions() { # node
	local out lv qv
	out=$(vsh "$1" version --daemon 2>/dev/null) || return 0
	lv=$(awk -F': *' '/^Running against daemon/ {print $2; exit}' <<<"$out")
	qv=$(awk -F': *' '/^Running hypervisor/ {print $2; exit}' <<<"$out")
	echo "libvirt ${lv:-?}, ${qv:-QEMU ?}"
}

node_stack_label() { # node
	local s
	s=$(node_stack "$1")
	case $s in
	"") echo "host packages (LAB_STACK unset)" ;;
	bookworm) echo "bookworm (host packages)" ;;
	*) echo "$s ($(node_stack_root "$1") over /usr)" ;;
	esac
}

# For up's summary.
stack_summary() {
	local n
	for n in "${NODES[@]}"; do
		printf '  %s stack: %s: %s\n' "$n" "$(node_stack_label "$n")" "$(node_versions "$n")"
	done
	printf '  machine:    %s   guest kernel: %s%s\n' "${LAB_MACHINE:-pc}" "$LAB_KERNEL" "${LAB_GUEST_KERNEL:+ ($LAB_GUEST_KERNEL)}"
}
