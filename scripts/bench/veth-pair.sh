# Sourced by the benchmark scripts: veth_pair P T creates network namespaces
# P (prober) and T (target) joined by a veth pair mp0 (in P, 192.0.2.1/24)
# and mp1 (in T, no address yet), links and loopbacks up. The caller adds the
# target's addresses and removes both namespaces on exit.
veth_pair() {
  local p=$1 t=$2
  echo "== namespaces $p (prober) / $t (target)" >&2
  ip netns add "$p"
  ip netns add "$t"
  ip link add mp0 netns "$p" type veth peer name mp1 netns "$t"
  for ns in "$p" "$t"; do ip -n "$ns" link set lo up; done
  ip -n "$p" link set mp0 up
  ip -n "$t" link set mp1 up
  ip -n "$p" addr add 192.0.2.1/24 dev mp0
}
