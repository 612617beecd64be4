//! Build stage 1: the host whose probes become the run file's one target.
//!
//! Rules: without `--target`, the first host with per-probe lines or a footer;
//! with it, the host at that address, else the one host the log shows no
//! address for (`--target` then gives it). Lines about other hosts are
//! skipped and counted.

use super::BuildError;
use crate::import::log::{HostLog, PingLog};
use migprobe_probe::record::TargetInfo;
use migprobe_probe::wire::Family;
use std::net::IpAddr;

/// A host the log says something about its probes for.
fn with_probes(h: &&HostLog) -> bool {
    !h.observations.is_empty() || h.stats.is_some() || h.c_line.is_some()
}

/// The host to import and its address.
pub(super) fn pick(log: &PingLog, want: Option<IpAddr>) -> Result<(&HostLog, IpAddr), BuildError> {
    let host = match want {
        Some(want) => wanted(log, want)?,
        None => log
            .hosts
            .iter()
            .find(with_probes)
            .ok_or(BuildError::NoProbes)?,
    };
    let addr = want.or(host.addr).ok_or_else(|| BuildError::NoTarget {
        name: host.name.clone(),
    })?;
    Ok((host, addr))
}

/// The host `--target` names: the one at that address, else one without an address.
fn wanted(log: &PingLog, want: IpAddr) -> Result<&HostLog, BuildError> {
    let hosts = log.hosts.iter().filter(with_probes);
    if let Some(h) = hosts.clone().find(|h| h.addr == Some(want)) {
        return Ok(h);
    }
    if let Some(h) = hosts.clone().find(|h| h.addr.is_none()) {
        return Ok(h);
    }
    let found = hosts
        .map(|h| h.addr.map(|a| a.to_string()).unwrap_or(h.name.clone()))
        .collect::<Vec<_>>()
        .join(", ");
    if found.is_empty() {
        return Err(BuildError::NoProbes);
    }
    Err(BuildError::TargetMismatch { want, found })
}

/// Per-probe lines about the hosts not imported.
pub(super) fn other_host_lines(log: &PingLog, host: &HostLog) -> u64 {
    log.hosts
        .iter()
        .filter(|h| !std::ptr::eq(*h, host))
        .map(|h| h.observations.len() as u64)
        .sum()
}

/// The run file's target 0: `host` at `addr` (named by its address if the log gives no name).
pub(super) fn info(host: &HostLog, addr: IpAddr) -> TargetInfo {
    TargetInfo {
        id: 0,
        addr,
        name: if host.name.is_empty() {
            addr.to_string()
        } else {
            host.name.clone()
        },
        family: Family::of(&addr),
        phase_ns: 0,
        probe: None,
        domain: None,
    }
}
