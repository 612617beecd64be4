# shellcheck shell=bash
# Extra guests for a host evacuation: `guests-up N` boots N small guests on
# node01 beside the lab guest, `migrate-guest NAME` live-migrates one of them
# to the other node (as `migrate` does the lab guest), `env` lists them and
# `guests-down` removes them. Each extra guest is the lab guest's image with
# its own name, UUID, MAC, addresses, disk, tap and console: guest i is
# $LAB_DOMAIN-gI at 192.0.2.(20+I) and 2001:db8::(20+I), MAC
# 52:54:00:c0:02:(20+I), files gI-disk.img, gI-domain.xml, gI-serial.log in
# each node's directory. They are idle (no workload) with LAB_EVAC_RAM_MIB of
# RAM. The list is $LAB_DIR/guests (one "name tag ip4 ip6" line each).
# Sourced by scripts/lab.sh (uses its knobs and the helpers in common.sh).

guests_file() { echo "$LAB_DIR/guests"; }

# Runs "$@" with the globals of extra guest `tag` (name, UUID, addresses, MAC,
# RAM, no workload) in place of the lab guest's.
with_guest() { # tag uuid cmd...
	local tag=$1 uuid=$2 i
	shift 2
	i=${tag#g}
	# shellcheck disable=SC2034 # read by the functions "$@" runs (dynamic scope)
	local GUEST_TAG=$tag LAB_DOMAIN=$LAB_DOMAIN-$tag DOMAIN_UUID=$uuid
	local LAB_GUEST_IP4=192.0.2.$((20 + i)) LAB_GUEST_IP6=2001:db8::$((20 + i))
	# shellcheck disable=SC2034 # read by render_domain_xml (dynamic scope)
	local LAB_RAM_MIB=$LAB_EVAC_RAM_MIB LAB_WORKLOAD=0 LAB_GUEST_MAC
	# shellcheck disable=SC2034 # read by render_domain_xml (dynamic scope)
	LAB_GUEST_MAC=52:54:00:c0:02:$(printf %02x $((20 + i)))
	"$@"
}

# Defines and starts the current (with_guest) guest on node01.
start_extra_guest() {
	local n
	for n in "${NODES[@]}"; do render_domain_xml "$n"; done
	local qpid
	boot_on_node01
	qpid=$BOOTED_QPID
	echo "$LAB_DOMAIN $GUEST_TAG $LAB_GUEST_IP4 $LAB_GUEST_IP6" >>"$(guests_file)"
	say "guest $LAB_DOMAIN started on node01 (qemu pid $qpid; $LAB_GUEST_IP4, $LAB_GUEST_IP6, ${LAB_RAM_MIB} MiB)"
}

# Waits until the current (with_guest) guest answers on both addresses.
wait_extra_guest() {
	wait_for_guest "$LAB_BOOT_TIMEOUT" ||
		die "guest $LAB_DOMAIN did not answer $(answer_kind) within ${LAB_BOOT_TIMEOUT}s (console: $(guest_file node01 serial.log))"
}

cmd_guests_up() {
	local n=${1:-} i tag
	if ! [[ $n =~ ^[1-9][0-9]?$ ]] || ((n > 20)); then
		usage_error "guests-up needs a count from 1 to 20, e.g. guests-up 4 (got '$n')"
	fi
	need_root guests-up
	require_lab
	validate_knobs
	check_uint LAB_EVAC_RAM_MIB "$LAB_EVAC_RAM_MIB"
	[[ -s $(guests_file) ]] && die "extra guests exist already ($(guests_file)); scripts/lab.sh down removes them with the lab"
	pick_kernel
	build_guest
	for ((i = 1; i <= n; i++)); do
		with_guest "g$i" "$(cat /proc/sys/kernel/random/uuid)" start_extra_guest
	done
	for ((i = 1; i <= n; i++)); do
		with_guest "g$i" "" wait_extra_guest
	done
	say "$n extra guests answer on node01"
}

# The tag of extra guest `name`, from the list.
guest_tag() { # name
	awk -v n="$1" '$1 == n {print $2; exit}' "$(guests_file)" 2>/dev/null
}

cmd_migrate_guest() {
	local name=${1:-} tag
	need_root migrate-guest
	require_lab
	tag=$(guest_tag "$name")
	[[ -n $tag ]] || usage_error "migrate-guest: '$name' is not an extra guest (see LAB_EVAC_DOMAINS in scripts/lab.sh env)"
	with_guest "$tag" "" migrate_once
}

# `env` lines of the extra guests (nothing without any).
guests_env() {
	[[ -s $(guests_file) ]] || return 0
	local names=() targets=() name tag ip4
	while read -r name tag ip4 _; do
		names+=("$name")
		targets+=("$name=$ip4")
	done <"$(guests_file)"
	printf 'export LAB_EVAC_DOMAINS=%q\n' "${names[*]}"
	printf 'export LAB_EVAC_TARGETS=%q\n' "${targets[*]}"
	printf 'export LAB_MIGRATE_GUEST_CMD=%q\n' "env LAB_DIR=$LAB_DIR LAB_URI_TRANSPORT=$LAB_URI_TRANSPORT $LAB_SH migrate-guest"
}

cmd_guests_down() {
	need_root guests-down
	require_lab
	local name tag n
	if [[ -s $(guests_file) ]]; then
		while read -r name tag _; do
			for n in "${NODES[@]}"; do
				daemon_alive "$n" || continue
				vsh "$n" destroy "$name" >/dev/null 2>&1 || true
				vsh "$n" undefine "$name" >/dev/null 2>&1 || true
				rm -f "$(node_dir "$n")/$tag-"{disk.img,domain.xml,serial.log}
			done
		done <"$(guests_file)"
	fi
	rm -f "$(guests_file)"
	say "extra guests removed"
}
