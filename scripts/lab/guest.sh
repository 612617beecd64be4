# shellcheck shell=bash
# The guest: kernel choice, initramfs (guest-init.sh), domain XML per node, waiting for it to answer.
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

pick_kernel() {
	if [[ -n $LAB_GUEST_KERNEL ]]; then
		guest_kernel_prepare "$LAB_GUEST_KERNEL"
		return
	fi
	if [[ -n $LAB_KERNEL ]]; then
		[[ -f /boot/vmlinuz-$LAB_KERNEL ]] || die "LAB_KERNEL=$LAB_KERNEL: no /boot/vmlinuz-$LAB_KERNEL"
		[[ -d /lib/modules/$LAB_KERNEL ]] || die "LAB_KERNEL=$LAB_KERNEL: no /lib/modules/$LAB_KERNEL"
		return
	fi
	local v
	for v in $(compgen -G '/boot/vmlinuz-*' | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		if [[ -d /lib/modules/$v ]]; then
			LAB_KERNEL=$v
			return
		fi
	done
	die "no /boot/vmlinuz-VERSION with a matching /lib/modules/VERSION (apt-get install linux-image-amd64)"
}

GUEST_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	failover net_failover virtio_net virtio_blk)

# Build (or reuse) vmlinuz + initramfs; sets KERNEL_IMG and INITRD_IMG.
build_guest() {
	local busybox key cdir stage m f
	busybox=$(dpkg-query -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n1 || true)
	[[ -n $busybox && -x $busybox ]] || busybox=/bin/busybox
	file_is_static "$busybox" || die "$busybox is not statically linked (apt-get install busybox-static)"
	key=$({
		echo "$LAB_KERNEL"
		sha256sum "$busybox" "$LAB_HELPERS/guest-init.sh" "$KERNEL_ROOT/boot/vmlinuz-$LAB_KERNEL"
	} | sha256sum | cut -c1-16)
	cdir=$LAB_CACHE_DIR/$LAB_KERNEL-$key
	KERNEL_IMG=$cdir/vmlinuz
	INITRD_IMG=$cdir/initrd.gz
	if [[ -s $KERNEL_IMG && -s $INITRD_IMG ]]; then
		say "guest kernel+initramfs from cache $cdir"
		return
	fi
	say "building guest initramfs for kernel $LAB_KERNEL"
	mkdir -p "$cdir"
	stage=$(mktemp -d "$LAB_DIR/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,scratch,lib/modules}
	cp "$busybox" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	install -m 755 "$LAB_HELPERS/guest-init.sh" "$stage/init"
	mknod "$stage/dev/console" c 5 1
	mknod "$stage/dev/null" c 1 3
	for m in "${GUEST_MODULES[@]}"; do
		f=$(find "$KERNEL_ROOT/lib/modules/$LAB_KERNEL" -name "$m.ko" -o -name "$m.ko.*" | head -n1)
		if [[ -z $f ]]; then
			if grep -q "/$m.ko" "$KERNEL_ROOT/lib/modules/$LAB_KERNEL/modules.builtin" 2>/dev/null; then continue; fi
			die "kernel module $m not found in $KERNEL_ROOT/lib/modules/$LAB_KERNEL (and not built in)"
		fi
		case "$f" in
		*.ko) cp "$f" "$stage/lib/modules/$m.ko" ;;
		*.ko.xz) "$busybox" xz -dc "$f" >"$stage/lib/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$m.ko" ;;
		*.ko.zst) command -v zstd >/dev/null || die "$f is zstd-compressed: apt-get install zstd"
			zstd -qdc "$f" >"$stage/lib/modules/$m.ko" ;;
		*) die "unknown module format: $f" ;;
		esac
	done
	(cd "$stage" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$INITRD_IMG.tmp"
	cp "$KERNEL_ROOT/boot/vmlinuz-$LAB_KERNEL" "$KERNEL_IMG.tmp"
	mv "$INITRD_IMG.tmp" "$INITRD_IMG"
	mv "$KERNEL_IMG.tmp" "$KERNEL_IMG"
	rm -rf "$stage"
}

file_is_static() {
	# A static binary has no PT_INTERP; ldd says "not a dynamic executable".
	! ldd "$1" >/dev/null 2>&1
}

# The machine type `pc` stands for in this QEMU (pc-i440fx-7.2 for 7.2), or
# `pc`. The XML names it: a libvirtd restarted under a running guest records
# the expanded type, and a migration whose --xml says `pc` then fails with
# "Target domain machine type pc does not match source pc-i440fx-7.2".
pc_machine() { # emulator
	local m
	m=$("$1" -machine help 2>/dev/null | sed -n 's/^pc  .*(alias of \([A-Za-z0-9_.-]*\)).*/\1/p' | head -n 1)
	echo "${m:-pc}"
}

# A file of the guest on a node: the lab guest's own name, or prefixed with
# GUEST_TAG- for an extra guest of `guests-up` (set by its caller).
guest_file() { # node name
	echo "$(node_dir "$1")/${GUEST_TAG:+$GUEST_TAG-}$2"
}

render_domain_xml() { # node -> writes $(guest_file node domain.xml)
	local n=$1 guest_args emulator
	# A node on a stack from the cache sees that stack's QEMU at /usr/bin.
	emulator=$(command -v qemu-system-x86_64 || true)
	[[ -n $(node_stack_root "$n") ]] && emulator=/usr/bin/qemu-system-x86_64
	# The guest's CPU is spelled out: a libvirtd restarted under a running
	# guest (restart-node) fills in its live CPU definition, and a migration
	# with an --xml that has no <cpu> then fails with "Target CPU does not
	# match source" (on libvirt 9.0 and 11.3 alike).
	local cpu=(-e "s|@CPU@|<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>|")
	guest_args="mp_ip4=$LAB_GUEST_IP4/24 mp_gw4=$LAB_GW4 mp_ip6=$LAB_GUEST_IP6/64 mp_wl=$LAB_WORKLOAD"
	guest_args+=" mp_mem=$LAB_WORKLOAD_MEM_MIB mp_disk=$LAB_WORKLOAD_DISK_MIB mp_tick=$LAB_WORKLOAD_TICK"
	guest_args+=" mp_flush=$LAB_TLB_FLUSH_MS mp_tcp=$LAB_GUEST_TCP_PORT mp_icmp_limit=$((1 - LAB_GUEST_NO_ICMP_LIMIT))"
	sed -e "s|@DOMAIN@|$LAB_DOMAIN|g" \
		-e "s|@UUID@|$DOMAIN_UUID|g" \
		-e "s|@RAM_MIB@|$LAB_RAM_MIB|g" \
		-e "s|@MACHINE@|${LAB_MACHINE:-$(pc_machine "$emulator")}|g" \
		"${cpu[@]}" \
		-e "s|@KERNEL@|$KERNEL_IMG|g" \
		-e "s|@INITRD@|$INITRD_IMG|g" \
		-e "s|@GUEST_ARGS@|$guest_args|g" \
		-e "s|@EMULATOR@|$emulator|g" \
		-e "s|@DISK@|$(guest_file "$n" disk.img)|g" \
		-e "s|@MAC@|$LAB_GUEST_MAC|g" \
		-e "s|@BRIDGE@|$LAB_BRIDGE|g" \
		-e "s|@TAP@|mp-$n${GUEST_TAG:+-$GUEST_TAG}|g" \
		-e "s|@SERIAL_LOG@|$(guest_file "$n" serial.log)|g" \
		"$LAB_HELPERS/domain.xml.in" >"$(guest_file "$n" domain.xml)"
}

# Defines and starts the guest ($LAB_DOMAIN; its files by guest_file) on
# node01 on a fresh disk and records QEMU's pid, also in BOOTED_QPID (or ?).
# Not in a command substitution: a failed virsh must stop the script.
boot_on_node01() {
	truncate -s "${LAB_DISK_MIB}M" "$(guest_file node01 disk.img)"
	vsh node01 define "$(guest_file node01 domain.xml)" >/dev/null
	vsh node01 start "$LAB_DOMAIN" >/dev/null
	BOOTED_QPID=$(cat "$LAB_DIR/node01/run/qemu/$LAB_DOMAIN.pid" 2>/dev/null || true)
	[[ -n $BOOTED_QPID ]] && record_pid "qemu-node01${GUEST_TAG:+-$GUEST_TAG}" "$BOOTED_QPID"
	BOOTED_QPID=${BOOTED_QPID:-?}
}

wait_for_guest() { # timeout_s
	local deadline v4=0 v6=0
	deadline=$(($(now_us) + $1 * 1000000))
	while (($(now_us) < deadline)); do
		((v4)) || { guest_answers 4 "$LAB_GUEST_IP4" && v4=1; } || true
		((v6)) || { guest_answers 6 "$LAB_GUEST_IP6" && v6=1; } || true
		((v4 && v6)) && return 0
		[[ -n $(current_node) ]] || die "the guest stopped while booting (serial log: $LAB_DIR/node01/serial.log)"
		sleep 0.2
	done
	return 1
}
