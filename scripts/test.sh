#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian 12 machine (as root) and
# runs every test: format, lints, unit and simulation tests, network-namespace
# integration tests, the two-hypervisor lab and, last, as a stage of its own,
# the OpenStack scenario (tests/lab/test-openstack.sh). Exit code 0 only if all pass.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh must run as root: the tests create network namespaces and raw sockets" >&2
    exit 2
  fi
}

install_packages() {
  local pkgs=(iproute2 iputils-ping fping procps python3 kmod pkg-config libvirt-dev nftables iptables)
  command -v cc >/dev/null 2>&1 || pkgs+=(gcc libc6-dev)
  command -v promtool >/dev/null 2>&1 || pkgs+=(prometheus)
  command -v prometheus-pushgateway >/dev/null 2>&1 || pkgs+=(prometheus-pushgateway)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  for c in rustfmt clippy; do
    if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
      step "adding rust component $c"
      rustup component add "$c"
    fi
  done
}

need_root
install_packages
export CARGO_TERM_COLOR=never

step "cargo fmt --check"
cargo fmt --all -- --check

step "layers: no module cycles, no library naming the CLI or clap (scripts/check-layers.py)"
python3 scripts/check-layers.py

step "msrv: every locked package supports the workspace's rust-version (scripts/check-msrv.py)"
python3 scripts/check-msrv.py

step "links: every relative link in README.md and docs/*.md resolves (scripts/check-links.py)"
python3 scripts/check-links.py

step "cargo clippy (workspace, root-only tests included, too_many_lines on)"
cargo clippy --workspace --all-targets --features migprobe/root-tests -- -D warnings

step "cargo check --no-default-features (builds without libvirt)"
cargo check --workspace --no-default-features --all-targets

step "cargo build"
cargo build --workspace --all-targets --features migprobe/root-tests

step "cargo test (unit, simulation; network namespaces and accuracy as root)"
cargo test --workspace --all-targets --features migprobe/root-tests -- --test-threads=2

step "metrics: promtool on the exposition and the rules; a real Prometheus scrapes probe/run --listen and reads a --push through a real Pushgateway (scripts/check-metrics.sh)"
bash scripts/check-metrics.sh

# Lab tests (tests/lab/run-all.sh prints its own steps): a lab fault (the
# lab's guest died) is printed with its evidence and that test retried once,
# with a "RETRY (lab fault): ..." line; any other failure fails.
bash tests/lab/run-all.sh

# The OpenStack scenario, last and as a stage of its own: it installs (once)
# and starts a whole cloud, minutes on its own (README.md, "OpenStack").
os_t0=$SECONDS
step "stage openstack: scripts/openstack-lab.sh up, one block live migration through nova probed by migprobe run --openstack-server and plain ping, checks, down (tests/lab/test-openstack.sh)"
bash tests/lab/test-openstack.sh
printf '=== stage openstack passed in %d s (%s)\n' $((SECONDS - os_t0)) "$(date +%T)"

step "all tests passed"
