//! The sockets of a session: one per address family the targets need, of
//! the protocol the probe kind needs (ICMP raw or datagram, raw TCP, UDP),
//! with their receive buffers sized and their kernel filters attached.

use super::filter::{ident_filter, tcp_port_filter};
use super::receiver::receive_batch;
use super::runner::{random_u64, ProbePlan, SocketChoice};
use super::session::Sessions;
use super::transport::Transport;
use super::{ProbeMsg, SendPath};
use crate::sys::mmsg::RecvBatch;
use crate::sys::socket::{hold_tcp_ports, route_source};
use crate::sys::{ErrQueueEntry, ProbeSocket, Proto, SocketKind};
use crate::wire::{Family, ProbeKind};
use std::io;
use std::io::Write as _;
use std::net::IpAddr;
use std::time::Duration;
use thiserror::Error;

/// Why sockets could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    /// Neither a raw nor a datagram ICMP socket is allowed.
    #[error(
        "cannot open an ICMP socket: raw sockets need CAP_NET_RAW ({raw}) and unprivileged ping sockets are \
         not allowed for this group ({dgram}).\n  fix: run as root, or `sudo setcap cap_net_raw+ep {exe}`, \
         or allow ping sockets: `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`"
    )]
    NotPermitted {
        /// Error from the raw socket.
        raw: io::Error,
        /// Error from the datagram socket.
        dgram: io::Error,
        /// This executable, for the setcap hint.
        exe: String,
    },
    /// `--socket raw` without CAP_NET_RAW.
    #[error(
        "--socket raw: {0}; raw sockets need CAP_NET_RAW.\n  fix: run as root or `sudo setcap cap_net_raw+ep {1}`, \
         or use --socket dgram / auto"
    )]
    RawNotPermitted(io::Error, String),
    /// `--socket dgram` not allowed by ping_group_range.
    #[error(
        "--socket dgram: {0}; ping sockets are governed by net.ipv4.ping_group_range.\n  fix: \
         `sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`, or use --socket raw / auto"
    )]
    DgramNotPermitted(io::Error),
    /// Any other failure setting a socket up.
    #[error("cannot set up the {0:?} ICMP socket: {1}")]
    Setup(Family, io::Error),
    /// `--probe tcp:PORT` without CAP_NET_RAW.
    #[error(
        "--probe {0}: {1}; TCP SYN probes are sent on a raw socket, which needs CAP_NET_RAW.\n  fix: run as \
         root or `sudo setcap cap_net_raw+ep {2}`, or probe with --probe udp:PORT or icmp"
    )]
    TcpNotPermitted(ProbeKind, io::Error, String),
    /// `--probe tcp-session:PORT`: a target's connection could not be established.
    #[error(
        "--probe {0}: cannot connect to {1} port {2}: {3}.\n  fix: run a TCP echo service on the target's \
         port (e.g. busybox `nc -ll -p {2} -e cat`), open it in the target's firewall, or probe another \
         port or kind (tcp:PORT, icmp)"
    )]
    SessionConnect(ProbeKind, IpAddr, u16, io::Error),
    /// A TCP or UDP probe socket (or a port it holds) could not be set up.
    #[error("--probe {0}: cannot set up the {1:?} socket: {2}")]
    TransportSetup(ProbeKind, Family, io::Error),
}

/// Seconds of replies a receive buffer holds, for a frozen target that
/// answers its whole queue at once when it resumes.
pub(crate) const FLUSH_HEADROOM_S: u64 = 10;
/// Kernel memory per queued echo reply (the skb's truesize, about 0.7 KiB on
/// veth), rounded up.
const BYTES_PER_REPLY: f64 = 1024.0;
const MIN_RCVBUF: f64 = (8 << 20) as f64;
const MAX_RCVBUF: f64 = (256 << 20) as f64;

/// Receive buffer for `targets` targets probed every `interval`: room for
/// [`FLUSH_HEADROOM_S`] seconds of replies, 8 MiB to 256 MiB. (A 4 s freeze at
/// 100 µs flushes 40 000 replies within a third of a second.)
pub(crate) fn recv_buffer_bytes(targets: usize, interval: Duration) -> usize {
    let per_s = targets as f64 / interval.as_secs_f64().max(1e-7);
    (per_s * FLUSH_HEADROOM_S as f64 * BYTES_PER_REPLY).clamp(MIN_RCVBUF, MAX_RCVBUF) as usize
}

#[cfg(test)]
mod buffer_tests {
    use super::*;

    #[test]
    fn receive_buffer_scales_with_the_rate() {
        let ms = Duration::from_millis(1);
        assert_eq!(recv_buffer_bytes(1, Duration::from_secs(1)), 8 << 20);
        assert_eq!(recv_buffer_bytes(1, ms), 10_240_000);
        // 100 µs: 10 s of replies, 100 MB.
        assert_eq!(
            recv_buffer_bytes(1, Duration::from_micros(100)),
            102_400_000
        );
        assert_eq!(recv_buffer_bytes(1000, ms), 256 << 20);
        assert_eq!(recv_buffer_bytes(0, ms), 8 << 20);
    }
}

/// Source ports a TCP run holds per family; probe `i` leaves from port `i % TCP_PORTS`
/// of the pool, so a port is reused only every 64 intervals.
const TCP_PORTS: usize = 64;

/// The open sockets of a session.
#[derive(Debug)]
pub struct Sockets {
    v4: Option<ProbeSocket>,
    v6: Option<ProbeSocket>,
    kind: SocketKind,
    ident: u16,
    probe: ProbeKind,
    /// TCP: the held source ports per family (IPv4, IPv6), with their sockets.
    held: [Vec<(socket2::Socket, u16)>; 2],
    /// TCP: each target's source address, for checksums computed in user space (IPv4).
    sources: Vec<Option<IpAddr>>,
    /// TCP session: each target's connection.
    sessions: Option<Sessions>,
}

fn exe() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "migprobe".into())
}

fn permission(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES))
}

/// The families `plan`'s targets need, IPv4 first.
fn families(plan: &ProbePlan) -> Vec<Family> {
    let need = |f| plan.targets.iter().any(|(_, a)| Family::of(a) == f);
    [Family::V4, Family::V6]
        .into_iter()
        .filter(|f| need(*f))
        .collect()
}

/// Opens an ICMP socket of `kind` per family; on failure, the family and error.
fn open_all(
    families: &[Family],
    proto: Proto,
    kind: SocketKind,
) -> Result<Vec<ProbeSocket>, (Family, io::Error)> {
    families
        .iter()
        .map(|&f| ProbeSocket::open_proto(f, proto, kind).map_err(|e| (f, e)))
        .collect()
}

/// Opens the ICMP sockets `choice` asks for, raw before datagram for `Auto`.
fn open_icmp(
    families: &[Family],
    choice: SocketChoice,
) -> Result<(SocketKind, Vec<ProbeSocket>), OpenError> {
    let icmp = |kind| open_all(families, Proto::Icmp, kind);
    Ok(match choice {
        SocketChoice::Raw => match icmp(SocketKind::Raw) {
            Ok(s) => (SocketKind::Raw, s),
            Err((_, e)) if permission(&e) => return Err(OpenError::RawNotPermitted(e, exe())),
            Err((f, e)) => return Err(OpenError::Setup(f, e)),
        },
        SocketChoice::Dgram => match icmp(SocketKind::Dgram) {
            Ok(s) => (SocketKind::Dgram, s),
            Err((_, e)) if permission(&e) => return Err(OpenError::DgramNotPermitted(e)),
            Err((f, e)) => return Err(OpenError::Setup(f, e)),
        },
        SocketChoice::Auto => match icmp(SocketKind::Raw) {
            Ok(s) => (SocketKind::Raw, s),
            Err((_, raw)) if permission(&raw) => match icmp(SocketKind::Dgram) {
                Ok(s) => (SocketKind::Dgram, s),
                Err((_, dgram)) if permission(&dgram) => {
                    return Err(OpenError::NotPermitted {
                        raw,
                        dgram,
                        exe: exe(),
                    })
                }
                Err((f, e)) => return Err(OpenError::Setup(f, e)),
            },
            Err((f, e)) => return Err(OpenError::Setup(f, e)),
        },
    })
}

/// Opens the TCP (raw) or UDP (datagram) sockets of `probe`.
fn open_transport(
    families: &[Family],
    probe: ProbeKind,
) -> Result<(SocketKind, Vec<ProbeSocket>), OpenError> {
    let (proto, kind) = match probe {
        ProbeKind::Tcp(_) => (Proto::Tcp, SocketKind::Raw),
        _ => (Proto::Udp, SocketKind::Dgram),
    };
    match open_all(families, proto, kind) {
        Ok(s) => Ok((kind, s)),
        Err((_, e)) if proto == Proto::Tcp && permission(&e) => {
            Err(OpenError::TcpNotPermitted(probe, e, exe()))
        }
        Err((f, e)) => Err(OpenError::TransportSetup(probe, f, e)),
    }
}

/// Warns when a receive buffer stays below what a flush of `want` bytes needs.
fn warn_small_buffer(family: Family, got: usize, want: usize) {
    // A closed stderr must not stop the prober: the line is dropped (never `eprintln!`).
    let _ = writeln!(
        std::io::stderr(),
        "warning: the {} receive buffer is {} KiB, less than the {} KiB that {} s of \
         replies need when a frozen target answers its queue at once; replies beyond \
         it are lost. Raise net.core.rmem_max (sysctl -w net.core.rmem_max={want}) or \
         run with CAP_NET_ADMIN.",
        if family == Family::V4 { "IPv4" } else { "IPv6" },
        got / 1024,
        want / 1024,
        FLUSH_HEADROOM_S
    );
}

/// The connections of a `tcp-session:PORT` plan, `None` for other kinds.
fn connect(plan: &ProbePlan) -> Result<Option<Sessions>, OpenError> {
    let ProbeKind::TcpSession(port) = plan.probe else {
        return Ok(None);
    };
    let addrs: Vec<IpAddr> = plan.targets.iter().map(|t| t.1).collect();
    Sessions::connect(&addrs, port, plan.payload_len)
        .map(Some)
        .map_err(|e| OpenError::SessionConnect(plan.probe, e.addr, e.port, e.error))
}

impl Sockets {
    /// Opens one socket per family the targets need. Fails fast, naming the fix.
    pub fn open(plan: &ProbePlan) -> Result<Sockets, OpenError> {
        let families = families(plan);
        let (kind, socks) = match plan.probe {
            ProbeKind::Icmp => open_icmp(&families, plan.socket)?,
            ProbeKind::TcpSession(_) => (SocketKind::Dgram, Vec::new()),
            other => open_transport(&families, other)?,
        };
        let mut s = Sockets {
            v4: None,
            v6: None,
            kind,
            ident: (random_u64() & 0xffff) as u16,
            probe: plan.probe,
            held: [Vec::new(), Vec::new()],
            sources: Vec::new(),
            sessions: connect(plan)?,
        };
        for sock in socks {
            s.prepare(plan, &sock)?;
            match sock.family() {
                Family::V4 => s.v4 = Some(sock),
                Family::V6 => s.v6 = Some(sock),
            }
        }
        if let ProbeKind::Tcp(_) = plan.probe {
            s.sources = plan
                .targets
                .iter()
                .map(|(_, a)| {
                    (Family::of(a) == Family::V4)
                        .then(|| route_source(*a).ok())
                        .flatten()
                })
                .collect();
        }
        Ok(s)
    }

    /// Sizes `sock`'s receive buffer to the plan, attaches its kernel filter
    /// and, for TCP, holds its source ports.
    fn prepare(&mut self, plan: &ProbePlan, sock: &ProbeSocket) -> Result<(), OpenError> {
        let f = sock.family();
        let setup = |e| match plan.probe {
            ProbeKind::Icmp => OpenError::Setup(f, e),
            p => OpenError::TransportSetup(p, f, e),
        };
        let n = plan
            .targets
            .iter()
            .filter(|(_, a)| Family::of(a) == f)
            .count();
        let want = recv_buffer_bytes(n, plan.interval);
        match sock.grow_recv_buffer(want) {
            Ok(got) if got < want => warn_small_buffer(f, got, want),
            Ok(_) => {}
            Err(e) => return Err(setup(e)),
        }
        match plan.probe {
            ProbeKind::Icmp if self.kind == SocketKind::Raw => sock
                .attach_filter(&ident_filter(f, self.ident))
                .map_err(setup)?,
            ProbeKind::Tcp(port) => {
                sock.attach_filter(&tcp_port_filter(f, port))
                    .map_err(setup)?;
                self.held[f as usize] = hold_tcp_ports(f, TCP_PORTS).map_err(setup)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The socket kind in use.
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    /// The probe kind the sockets are for.
    pub fn probe(&self) -> ProbeKind {
        self.probe
    }

    /// The identifier of ICMP echo requests on raw sockets.
    pub(crate) fn ident(&self) -> u16 {
        self.ident
    }

    /// How the run with `nonce` encodes its probes and recognises their answers.
    pub(crate) fn transport(&self, nonce: u64) -> Transport {
        let ports = |f: Family| self.held[f as usize].iter().map(|h| h.1).collect();
        Transport::new(
            self.probe,
            nonce,
            [ports(Family::V4), ports(Family::V6)],
            self.sources.clone(),
        )
    }

    /// How long a frozen target's replies fit in the receive buffers
    /// ([`FLUSH_HEADROOM_S`]), ns.
    pub(crate) fn headroom_ns(&self) -> i64 {
        FLUSH_HEADROOM_S as i64 * 1_000_000_000
    }

    /// The TCP session connections, for `tcp-session:PORT`.
    pub(crate) fn sessions(&self) -> Option<&Sessions> {
        self.sessions.as_ref()
    }

    /// The open sockets.
    pub(crate) fn each(&self) -> impl Iterator<Item = &ProbeSocket> {
        [&self.v4, &self.v6].into_iter().flatten()
    }

    fn get(&self, f: Family) -> Option<&ProbeSocket> {
        match f {
            Family::V4 => self.v4.as_ref(),
            Family::V6 => self.v6.as_ref(),
        }
    }
}

/// How often a UDP probe is sent while each send meets a pending port
/// unreachable (ECONNREFUSED) instead of going out.
const UDP_SEND_TRIES: u32 = 16;

impl SendPath for Sockets {
    fn send(&self, family: Family, dst: IpAddr, packet: &[u8]) -> io::Result<()> {
        if let Some(s) = &self.sessions {
            return s.write(packet);
        }
        let port = match self.probe {
            ProbeKind::Udp(p) => p,
            _ => 0,
        };
        match self.get(family) {
            // An earlier UDP probe's answer, a port unreachable, is also reported once as
            // the error of the socket's next send (ECONNREFUSED; that send did not go out),
            // unless the error queue was read in between: send again. The answer itself
            // is on the error queue, read as usual. When a frozen target's backlog is
            // answered at once, thousands of port unreachables arrive within milliseconds,
            // each setting the error anew: a send may meet several in a row, so it is
            // tried up to UDP_SEND_TRIES times (measured: one retry left 6 of the first
            // 300 probes after a 4 s hold unsent).
            Some(s) => {
                let mut tries = 1;
                loop {
                    match s.send_to(packet, dst, port) {
                        Err(e)
                            if port != 0
                                && e.raw_os_error() == Some(libc::ECONNREFUSED)
                                && tries < UDP_SEND_TRIES =>
                        {
                            tries += 1;
                        }
                        r => return r,
                    }
                }
            }
            None => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "no socket for this address family",
            )),
        }
    }
    fn drain(&self, family: Family, out: &mut Vec<ErrQueueEntry>) {
        if let Some(s) = self.get(family) {
            let _ = s.drain_errqueue(out);
        }
    }
    fn drain_to(&self, family: Family, key: u32, out: &mut Vec<ErrQueueEntry>) {
        if let Some(s) = self.get(family) {
            let own =
                |e: &ErrQueueEntry| matches!(e, ErrQueueEntry::TxStamp { key: k, .. } if *k == key);
            let _ = s.drain_errqueue_until(out, own);
        }
    }
    fn recv_replies(&self, batch: &mut RecvBatch, out: &mut Vec<ProbeMsg>) -> usize {
        self.each()
            .map(|sock| receive_batch(sock, batch, out).unwrap_or(0))
            .sum()
    }
}
