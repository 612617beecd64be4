#!/bin/sh
# shellcheck shell=dash
# /init of the migprobe lab guest (busybox-static initramfs, host kernel).
# Built into the initramfs by scripts/lab.sh; runs as PID 1 inside the guest.
# Settings come from the kernel command line:
#   mp_ip4=ADDR/LEN mp_gw4=ADDR mp_ip6=ADDR/LEN
#   mp_wl=1|0        keep dirtying memory and disk
#   mp_mem=MiB       tmpfs working set rewritten every tick
#   mp_disk=MiB      bytes written to /dev/vda every tick (rotating offset)
#   mp_tick=SECONDS  pause between ticks (fractions allowed)
#   mp_tcp=PORT      a TCP echo listener on PORT (0 = none), for TCP probes
#                    of a guest whose ICMP echo is dropped
#   mp_icmp_limit=0  lift the kernel's ICMP error rate limits (port
#                    unreachables answer every UDP probe); 1 = the defaults
#   mp_flush=MS      two processes take turns every MS milliseconds (0 = off):
#                    each switch loads CR3, which flushes QEMU's TCG TLB (see
#                    scripts/lab/guest-deaths.md: QEMU < 9.0 loses stores made
#                    through TLB entries older than a dirty-bitmap sync);
#                    they run at nice -20 so that a guest swamped by probes
#                    (receive work in ksoftirqd) still switches every MS
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /scratch
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

say() { echo "migprobe-guest: $*"; }

ip4=192.0.2.10/24 gw4=192.0.2.1 ip6=2001:db8::10/64
wl=1 mem=4 disk=1 tick=0.2 flush=0 tcp=0 icmp_limit=1
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	mp_ip4=*) ip4=${arg#*=} ;;
	mp_gw4=*) gw4=${arg#*=} ;;
	mp_ip6=*) ip6=${arg#*=} ;;
	mp_wl=*) wl=${arg#*=} ;;
	mp_mem=*) mem=${arg#*=} ;;
	mp_disk=*) disk=${arg#*=} ;;
	mp_tick=*) tick=${arg#*=} ;;
	mp_flush=*) flush=${arg#*=} ;;
	mp_tcp=*) tcp=${arg#*=} ;;
	mp_icmp_limit=*) icmp_limit=${arg#*=} ;;
	esac
done

# Order matters: each module needs the ones before it.
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci failover net_failover virtio_net virtio_blk; do
	if [ -f "/lib/modules/$m.ko" ]; then
		insmod "/lib/modules/$m.ko" || say "insmod $m failed"
	fi
done

n=0
while [ ! -e /sys/class/net/eth0 ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
ip link set lo up
# No duplicate address detection: IPv6 must work the moment the link is up.
echo 0 >/proc/sys/net/ipv6/conf/eth0/accept_dad 2>/dev/null
echo 0 >/proc/sys/net/ipv6/conf/eth0/dad_transmits 2>/dev/null
ip link set eth0 up
ip addr add "$ip4" dev eth0
ip -6 addr add "$ip6" dev eth0 2>/dev/null || say "no IPv6"
ip route add default via "$gw4" 2>/dev/null
say "net up ip4=$ip4 ip6=$ip6"
# Tell the bridge (and its FDB) where we are right away.
ping -c 1 -W 1 "$gw4" >/dev/null 2>&1 &

if [ "$icmp_limit" = 0 ]; then
	echo 0 >/proc/sys/net/ipv4/icmp_ratelimit
	echo 0 >/proc/sys/net/ipv4/icmp_ratemask
	echo 0 >/proc/sys/net/ipv6/icmp/ratelimit
	say "ICMP error rate limits lifted"
fi

if [ "$tcp" -gt 0 ] 2>/dev/null; then
	# busybox nc: -ll keeps listening, one `cat` per connection echoes it back.
	nc -ll -p "$tcp" -e cat &
	say "tcp echo on port $tcp"
fi

if [ "$wl" = 1 ]; then
	# Memory: a tmpfs file of $mem MiB rewritten every tick (non-zero data, so
	# QEMU's zero-page shortcut cannot skip it). Disk: $disk MiB written to
	# /dev/vda at a rotating offset every tick.
	mount -t tmpfs -o size=$((mem + 2))m tmpfs /scratch
	dd if=/dev/urandom of=/scratch/seed bs=64k count=16 2>/dev/null
	blocks=0
	if [ -b /dev/vda ]; then
		blocks=$(($(cat /sys/block/vda/size) / 2048)) # MiB
	fi
	say "workload on: mem=${mem}MiB disk=${disk}MiB every ${tick}s (disk ${blocks}MiB)"
	(
		i=0
		while :; do
			j=0
			while [ "$j" -lt "$mem" ]; do
				dd if=/scratch/seed of=/scratch/mem bs=1M count=1 seek="$j" conv=notrunc 2>/dev/null
				j=$((j + 1))
			done
			if [ "$blocks" -gt "$disk" ] && [ "$disk" -gt 0 ]; then
				off=$(((i * disk) % (blocks - disk)))
				k=0
				while [ "$k" -lt "$disk" ]; do
					dd if=/scratch/seed of=/dev/vda bs=1M count=1 seek=$((off + k)) conv=fsync 2>/dev/null
					k=$((k + 1))
				done
			fi
			i=$((i + 1))
			sleep "$tick"
		done
	) &
else
	say "workload off"
fi

if [ "$flush" -gt 0 ] 2>/dev/null; then
	for k in 1 2; do
		(while :; do usleep $((flush * 1000)); done) &
		renice -n -20 -p $! >/dev/null 2>&1 || say "tlb flusher $k: renice failed"
	done
	say "tlb flusher on: two processes every ${flush}ms, nice -20"
fi

say "ready"
while :; do sleep 3600; done
