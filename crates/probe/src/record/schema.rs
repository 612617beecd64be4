//! One JSON object per line: `header` first, then `probe`, `duplicate`,
//! `event` lines as they happen, and a `footer` when the run ends cleanly.
//!
//! A probe may have several lines: a provisional `pending` line (written when
//! it has waited long enough without a reply, so a killed run keeps it) and a
//! final one. **The last line for a (target_id, index) wins.**

use crate::record::kinds::EventKind;
use crate::sys::SocketKind;
use crate::types::{ProbeIndex, RealNs};
use crate::wire::{Family, IcmpErrorKind, ProbeKind};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Version of the run-file schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// One line of a run file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    /// First line: how the run was made.
    Header(Header),
    /// One probe, settled (or provisional `pending`).
    Probe(ProbeLine),
    /// A duplicate reply that came after its probe was written.
    Duplicate(DuplicateLine),
    /// Something that happened on the timeline (clock step, hypervisor event, ...).
    Event(EventLine),
    /// Last line of a run that ended cleanly.
    Footer(Footer),
}

/// A probed target as listed in the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// Position in the target list; carried in every probe's payload.
    pub id: u32,
    /// The address probed.
    pub addr: IpAddr,
    /// What the user typed (host name or address).
    pub name: String,
    /// IPv4 or IPv6.
    pub family: Family,
    /// Offset of this target's schedule within the interval.
    pub phase_ns: i64,
    /// What its probes were (`tcp:PORT`, `udp:PORT`); absent for ICMP echo,
    /// as in every run file written before other kinds existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeKind>,
    /// The libvirt domain (guest) the address belongs to, when the run
    /// probed several guests (`run --domain A --domain B -t A=ADDR ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

impl TargetInfo {
    /// The kind of probe sent to the target (ICMP echo when the file does not say).
    pub fn probe_kind(&self) -> ProbeKind {
        self.probe.unwrap_or_default()
    }
}

/// The header line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Always "migprobe".
    pub tool: String,
    /// migprobe version.
    pub version: String,
    /// Per-run nonce carried in every probe, hex.
    pub nonce: String,
    /// Realtime of the first slot (slot k of target i is `start_ns + phase_ns + k * interval_ns`).
    pub start_ns: RealNs,
    /// Probe interval per target.
    pub interval_ns: i64,
    /// The targets.
    pub targets: Vec<TargetInfo>,
    /// Host name of the prober.
    pub hostname: String,
    /// Kernel release of the prober.
    pub kernel: String,
    /// Socket kind used; `null` in a file without probes (events or imports only).
    pub socket: Option<SocketKind>,
    /// Scheduling policy of the send thread ("fifo" or "other").
    pub scheduling: String,
    /// Busy-wait before each slot, ns (0 = none).
    pub spin_ns: i64,
    /// ICMP payload bytes per probe.
    pub payload_bytes: usize,
    /// Consecutive misses that make an outage (used by analysis).
    pub min_loss_run: u32,
    /// How long replies were awaited after the last send.
    pub drain_ns: i64,
    /// The command line.
    pub argv: Vec<String>,
}

impl Header {
    /// The header of a run file that holds no probes (`migprobe events` or `import` alone).
    pub fn without_probes(start_ns: RealNs, argv: Vec<String>) -> Header {
        let read = |p: &str| {
            std::fs::read_to_string(p)
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        Header {
            schema_version: SCHEMA_VERSION,
            tool: "migprobe".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            nonce: String::new(),
            start_ns,
            interval_ns: 0,
            targets: Vec::new(),
            hostname: read("/proc/sys/kernel/hostname"),
            kernel: read("/proc/sys/kernel/osrelease"),
            socket: None,
            scheduling: "none".into(),
            spin_ns: 0,
            payload_bytes: 0,
            min_loss_run: 0,
            drain_ns: 0,
            argv,
        }
    }
}

/// Which clock a timestamp came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StampClock {
    /// Kernel software timestamp (SO_TIMESTAMPING).
    Kernel,
    /// User-space CLOCK_REALTIME read next to the system call.
    User,
    /// The planned slot time (skipped probes).
    Planned,
}

/// Final (or provisional) state of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    /// Answered.
    Ok,
    /// No reply by the end of the run and its drain.
    Lost,
    /// Not sent: its slot was already more than half an interval late.
    Skipped,
    /// Send failed, or an ICMP error came back instead of a reply.
    Error,
    /// Provisional: sent, no reply yet. A later line for the same probe supersedes it.
    Pending,
}

/// Why a probe is in error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeError {
    /// "send" for a local send failure, else the ICMP error kind.
    pub kind: String,
    /// ICMP code, for ICMP errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u8>,
    /// Who sent the ICMP error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<IpAddr>,
    /// OS error text, for send failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ProbeError {
    /// The `kind` of a local send failure (the probe never left this host).
    pub const SEND: &'static str = "send";

    /// An ICMP error received for a probe.
    pub fn icmp(kind: IcmpErrorKind, code: u8, from: Option<IpAddr>) -> ProbeError {
        let kind = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "icmp_error".into());
        ProbeError {
            kind,
            code: Some(code),
            from,
            message: None,
        }
    }
}

/// One probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeLine {
    /// Target address.
    pub target: IpAddr,
    /// Target id (see header).
    pub target_id: u32,
    /// Probe index within the target.
    pub index: ProbeIndex,
    /// ICMP sequence sent (index mod 65 536).
    pub seq: u16,
    /// Send time.
    pub tx_ns: RealNs,
    /// Clock of `tx_ns`.
    pub tx_clock: StampClock,
    /// Reply (or ICMP error) receive time.
    pub rx_ns: Option<RealNs>,
    /// Clock of `rx_ns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx_clock: Option<StampClock>,
    /// `rx_ns - tx_ns`.
    pub rtt_ns: Option<i64>,
    /// TTL / hop limit of the reply.
    pub ttl: Option<u8>,
    /// ICMP bytes of the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u32>,
    /// Duplicate replies seen before this line was written.
    pub dup: u32,
    /// State.
    pub status: ProbeStatus,
    /// Details when `status` is `error` (boxed: rare, and a long run holds
    /// millions of probes in memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Box<ProbeError>>,
}

impl ProbeLine {
    /// True when sending this probe failed on this host (an error of kind
    /// [`ProbeError::SEND`]); an ICMP error means it was sent.
    pub fn send_failed(&self) -> bool {
        self.status == ProbeStatus::Error
            && self
                .error
                .as_ref()
                .is_some_and(|e| e.kind == ProbeError::SEND)
    }

    /// True when the probe left this host: neither skipped nor failed to send.
    pub fn was_sent(&self) -> bool {
        self.status != ProbeStatus::Skipped && !self.send_failed()
    }

    /// A probe without a reply (lost, pending, skipped), sent (or planned) at `tx_ns`.
    pub fn without_reply(
        target: IpAddr,
        target_id: u32,
        index: ProbeIndex,
        tx: (RealNs, StampClock),
        status: ProbeStatus,
    ) -> ProbeLine {
        ProbeLine {
            target,
            target_id,
            index,
            seq: index.seq(),
            tx_ns: tx.0,
            tx_clock: tx.1,
            rx_ns: None,
            rx_clock: None,
            rtt_ns: None,
            ttl: None,
            bytes: None,
            dup: 0,
            status,
            error: None,
        }
    }
}

/// A duplicate reply to an already written probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateLine {
    /// Target address.
    pub target: IpAddr,
    /// Target id.
    pub target_id: u32,
    /// Probe index.
    pub index: ProbeIndex,
    /// When the duplicate arrived.
    pub rx_ns: RealNs,
}

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Migration source hypervisor.
    Src,
    /// Migration destination hypervisor.
    Dst,
    /// This machine (prober, trigger, clock).
    Local,
}

impl Origin {
    /// The name in run files and reports: "src", "dst" or "local".
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::Src => "src",
            Origin::Dst => "dst",
            Origin::Local => "local",
        }
    }
}

/// Something that happened on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLine {
    /// Local realtime when it was observed.
    pub at_ns: RealNs,
    /// The source's own timestamp, when it has one.
    #[serde(default)]
    pub source_ts_ns: Option<RealNs>,
    /// Who said it.
    pub origin: Origin,
    /// What it is.
    pub kind: EventKind,
    /// Kind-specific fields.
    #[serde(default)]
    pub detail: serde_json::Value,
    /// The original text, when parsed from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl EventLine {
    /// An event seen at `at_ns` from `origin`, with no timestamp of its source and no raw text.
    pub fn new(
        at_ns: RealNs,
        origin: Origin,
        kind: EventKind,
        detail: serde_json::Value,
    ) -> EventLine {
        EventLine {
            at_ns,
            source_ts_ns: None,
            origin,
            kind,
            detail,
            raw: None,
        }
    }

    /// An event of migprobe itself (origin `local`) at `at_ns`.
    pub fn local(at_ns: RealNs, kind: EventKind, detail: serde_json::Value) -> EventLine {
        EventLine::new(at_ns, Origin::Local, kind, detail)
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footer {
    /// Realtime at the end.
    pub end_ns: RealNs,
    /// "duration", "count", "interrupted" or "error: ...".
    pub reason: String,
    /// Probes sent (all targets).
    pub sent: u64,
    /// Datagrams that were not ours or not decodable.
    pub foreign: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_line_has_documented_field_names() {
        let l = Line::Probe(ProbeLine {
            target: "192.0.2.10".parse().unwrap(),
            target_id: 0,
            index: ProbeIndex(7),
            seq: 7,
            tx_ns: RealNs(1_000),
            tx_clock: StampClock::Kernel,
            rx_ns: Some(RealNs(1_500)),
            rx_clock: Some(StampClock::Kernel),
            rtt_ns: Some(500),
            ttl: Some(64),
            bytes: Some(64),
            dup: 0,
            status: ProbeStatus::Ok,
            error: None,
        });
        let s = serde_json::to_string(&l).unwrap();
        assert_eq!(
            s,
            r#"{"type":"probe","target":"192.0.2.10","target_id":0,"index":7,"seq":7,"tx_ns":1000,"tx_clock":"kernel","rx_ns":1500,"rx_clock":"kernel","rtt_ns":500,"ttl":64,"bytes":64,"dup":0,"status":"ok"}"#
        );
        assert_eq!(serde_json::from_str::<Line>(&s).unwrap(), l);
    }

    #[test]
    fn targets_without_a_probe_kind_are_icmp_and_icmp_is_not_written() {
        let old = r#"{"id":0,"addr":"192.0.2.10","name":"g","family":"v4","phase_ns":0}"#;
        let t: TargetInfo = serde_json::from_str(old).unwrap();
        assert_eq!((t.probe, t.probe_kind()), (None, ProbeKind::Icmp));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            old,
            "ICMP runs are written as before"
        );
        let tcp = old.replace("}", r#","probe":"tcp:9"}"#);
        let t: TargetInfo = serde_json::from_str(&tcp).unwrap();
        assert_eq!(t.probe_kind(), ProbeKind::Tcp(9));
        assert_eq!(serde_json::to_string(&t).unwrap(), tcp);
        assert!(
            serde_json::from_str::<TargetInfo>(&old.replace("}", r#","probe":"tcp:0"}"#)).is_err()
        );
    }
}
