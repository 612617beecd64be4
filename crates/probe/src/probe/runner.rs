//! Runs a probe session on real sockets: opens them, starts the threads,
//! feeds the engine and hands every line to the caller.

use super::engine::{Engine, EngineConfig, Live};
use super::filter::ident_filter;
use super::receiver::run_receiver;
use super::schedule::Schedule;
use super::sender::{run_sender, SenderConfig};
use super::{ProbeMsg, SendPath, SystemClock};
use crate::record::{kinds, EventLine, Footer, Header, Line, Origin, TargetInfo, SCHEMA_VERSION};
use crate::sys::{self, ErrQueueEntry, IcmpSocket, SocketKind};
use crate::types::{duration_ns, RealNs};
use crate::wire::Family;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Which socket kind to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketChoice {
    /// Raw if permitted, else datagram.
    Auto,
    /// Raw only.
    Raw,
    /// Datagram only.
    Dgram,
}

/// Everything a probe session needs (validated by `config`).
#[derive(Debug, Clone)]
pub struct ProbePlan {
    /// (what the user typed, resolved address).
    pub targets: Vec<(String, IpAddr)>,
    /// Interval per target.
    pub interval: Duration,
    /// Probes per target, if limited.
    pub count: Option<u64>,
    /// Run length, if limited.
    pub duration: Option<Duration>,
    /// Socket kind wanted.
    pub socket: SocketChoice,
    /// ICMP payload bytes.
    pub payload_len: usize,
    /// Busy-wait before each slot.
    pub spin: Duration,
    /// How long to wait for replies after the last send.
    pub drain: Duration,
    /// Unanswered probes get a provisional line after this long.
    pub pending_after: Duration,
    /// Consecutive misses that make an outage (recorded for analysis).
    pub min_loss_run: u32,
    /// Try SCHED_FIFO for the send thread.
    pub realtime: bool,
    /// The command line, for the header.
    pub argv: Vec<String>,
}

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

/// The open sockets of a session.
#[derive(Debug)]
pub struct Sockets {
    v4: Option<IcmpSocket>,
    v6: Option<IcmpSocket>,
    kind: SocketKind,
    ident: u16,
}

fn exe() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "migprobe".into())
}

fn permission(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES))
}

impl Sockets {
    /// Opens one socket per family the targets need. Fails fast, naming the fix.
    pub fn open(plan: &ProbePlan) -> Result<Sockets, OpenError> {
        let need = |f| plan.targets.iter().any(|(_, a)| Family::of(a) == f);
        let families: Vec<Family> = [Family::V4, Family::V6]
            .into_iter()
            .filter(|f| need(*f))
            .collect();
        let open_all = |kind| -> Result<Vec<IcmpSocket>, (Family, io::Error)> {
            families
                .iter()
                .map(|&f| IcmpSocket::open(f, kind).map_err(|e| (f, e)))
                .collect()
        };
        let (kind, socks) = match plan.socket {
            SocketChoice::Raw => match open_all(SocketKind::Raw) {
                Ok(s) => (SocketKind::Raw, s),
                Err((_, e)) if permission(&e) => return Err(OpenError::RawNotPermitted(e, exe())),
                Err((f, e)) => return Err(OpenError::Setup(f, e)),
            },
            SocketChoice::Dgram => match open_all(SocketKind::Dgram) {
                Ok(s) => (SocketKind::Dgram, s),
                Err((_, e)) if permission(&e) => return Err(OpenError::DgramNotPermitted(e)),
                Err((f, e)) => return Err(OpenError::Setup(f, e)),
            },
            SocketChoice::Auto => match open_all(SocketKind::Raw) {
                Ok(s) => (SocketKind::Raw, s),
                Err((_, raw)) if permission(&raw) => match open_all(SocketKind::Dgram) {
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
        };
        let ident = (random_u64() & 0xffff) as u16;
        let mut s = Sockets {
            v4: None,
            v6: None,
            kind,
            ident,
        };
        for sock in socks {
            let n = plan
                .targets
                .iter()
                .filter(|(_, a)| Family::of(a) == sock.family())
                .count();
            let want = recv_buffer_bytes(n, plan.interval);
            match sock.grow_recv_buffer(want) {
                Ok(got) if got < want => {
                    eprintln!(
                    "warning: the {} receive buffer is {} KiB, less than the {} KiB that {} s of \
                     replies need when a frozen target answers its queue at once; replies beyond \
                     it are lost. Raise net.core.rmem_max (sysctl -w net.core.rmem_max={want}) or \
                     run with CAP_NET_ADMIN.",
                    if sock.family() == Family::V4 { "IPv4" } else { "IPv6" },
                    got / 1024,
                    want / 1024,
                    FLUSH_HEADROOM_S
                )
                }
                Ok(_) => {}
                Err(e) => return Err(OpenError::Setup(sock.family(), e)),
            }
            if kind == SocketKind::Raw {
                sock.attach_filter(&ident_filter(sock.family(), ident))
                    .map_err(|e| OpenError::Setup(sock.family(), e))?;
            }
            match sock.family() {
                Family::V4 => s.v4 = Some(sock),
                Family::V6 => s.v6 = Some(sock),
            }
        }
        Ok(s)
    }

    /// The socket kind in use.
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    fn get(&self, f: Family) -> Option<&IcmpSocket> {
        match f {
            Family::V4 => self.v4.as_ref(),
            Family::V6 => self.v6.as_ref(),
        }
    }
}

impl SendPath for Sockets {
    fn send(&self, family: Family, dst: IpAddr, packet: &[u8]) -> io::Result<()> {
        match self.get(family) {
            Some(s) => s.send_to(packet, dst),
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
}

/// A random 64-bit value from the OS (falls back to the clock, which is still unique per run).
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_ok() {
        u64::from_ne_bytes(b)
    } else {
        sys::realtime_now().0 as u64 ^ u64::from(std::process::id()).rotate_left(32)
    }
}

/// How a session ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// "count", "duration", "interrupted", ...
    pub reason: String,
    /// The header that was written.
    pub header: Header,
    /// CPU time the send thread used, ns (its load: this over the run's length).
    pub sender_cpu_ns: i64,
}

/// Called with the lines to record, in order. An error ends the run.
pub type LineSink<'a> = dyn FnMut(&Line) -> io::Result<()> + 'a;

/// How the caller steers and watches a session.
pub struct Hooks<'a> {
    /// Counts stop requests (SIGINT/SIGTERM, or the caller): 1 stops sending
    /// (replies are still awaited for the drain), 2 skips the wait.
    pub interrupts: &'a AtomicUsize,
    /// Events from other sources (hypervisors, trigger) to record on the same timeline.
    pub events: Option<&'a mpsc::Receiver<EventLine>>,
    /// Called about 4 times a second with the live counters and the elapsed time.
    pub on_live: &'a mut dyn FnMut(&[Live], i64),
    /// Why the caller stopped the session, for the footer (default "interrupted").
    pub stop_reason: Option<&'a std::sync::Mutex<String>>,
}

/// Runs a session: header, probe and event lines, footer; each goes to `sink` as it happens.
pub fn probe_session(
    plan: &ProbePlan,
    sockets: &Sockets,
    sink: &mut LineSink<'_>,
    hooks: Hooks<'_>,
) -> io::Result<RunEnd> {
    let interval_ns = duration_ns(plan.interval);
    let nonce = random_u64();
    let n = plan.targets.len() as u32;
    let lead = 20_000_000;
    let (mono0, real0) = (sys::monotonic_now(), sys::realtime_now());
    let schedule = Schedule {
        start: mono0.plus(lead),
        interval_ns,
        targets: n,
        count: plan.count,
        end: plan.duration.map(|d| mono0.plus(lead).plus(duration_ns(d))),
    };
    let addrs: Vec<IpAddr> = plan.targets.iter().map(|t| t.1).collect();
    let raw = sockets.kind == SocketKind::Raw;
    let sender_cfg = SenderConfig {
        schedule,
        start_real: real0.plus(lead),
        targets: addrs.clone(),
        nonce,
        ident_v4: sockets.ident,
        ident_v6: sockets.ident,
        payload_len: plan.payload_len,
        spin_ns: effective_spin(plan),
    };
    let mut engine = Engine::new(EngineConfig {
        targets: addrs.clone(),
        nonce,
        ident_v4: raw.then_some(sockets.ident),
        ident_v6: raw.then_some(sockets.ident),
        interval_ns,
        pending_after_ns: duration_ns(plan.pending_after),
    });
    let stop_send = AtomicBool::new(false);
    let stop_recv = AtomicBool::new(false);
    let sender_cpu = AtomicI64::new(0);
    let sender_done = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<ProbeMsg>();
    let (sched_tx, sched_rx) = mpsc::channel::<String>();
    std::thread::scope(|scope| {
        for sock in [&sockets.v4, &sockets.v6].into_iter().flatten() {
            let tx = tx.clone();
            let (stop_recv, sender_done) = (&stop_recv, &sender_done);
            scope.spawn(move || run_receiver(sock, &tx, stop_recv, sender_done));
        }
        let sender_tx = tx.clone();
        let (cfg, stop_send, realtime) = (&sender_cfg, &stop_send, plan.realtime);
        let cpu = &sender_cpu;
        scope.spawn(move || {
            let sched = prepare_send_thread(realtime);
            let _ = sched_tx.send(sched.clone());
            let reason = run_sender(cfg, sockets, &SystemClock, stop_send, &sender_tx);
            cpu.store(sys::thread_cpu_ns(), Ordering::Relaxed);
            let _ = sender_tx.send(ProbeMsg::SenderDone { reason, sched });
        });
        drop(tx);
        let sched = sched_rx.recv().unwrap_or_else(|_| "other".into());
        let header = session_header(plan, sockets, &sender_cfg, sched);
        let result = collect(
            plan,
            &mut engine,
            &rx,
            sink,
            hooks,
            stop_send,
            &sender_done,
            &header,
        );
        stop_send.store(true, Ordering::Relaxed);
        stop_recv.store(true, Ordering::Relaxed);
        result.map(|reason| RunEnd {
            reason,
            header,
            sender_cpu_ns: sender_cpu.load(Ordering::Relaxed),
        })
    })
}

/// The header line of a session.
fn session_header(
    plan: &ProbePlan,
    sockets: &Sockets,
    cfg: &SenderConfig,
    sched: String,
) -> Header {
    let base = Header::without_probes(cfg.start_real, Vec::new());
    let schedule = cfg.schedule;
    Header {
        schema_version: SCHEMA_VERSION,
        tool: "migprobe".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        nonce: format!("{:016x}", cfg.nonce),
        start_ns: cfg.start_real,
        interval_ns: schedule.interval_ns,
        targets: plan
            .targets
            .iter()
            .enumerate()
            .map(|(i, (name, addr))| TargetInfo {
                id: i as u32,
                addr: *addr,
                name: name.clone(),
                family: Family::of(addr),
                phase_ns: schedule.phase_ns(i as u32),
            })
            .collect(),
        hostname: base.hostname,
        kernel: base.kernel,
        socket: Some(sockets.kind),
        scheduling: sched,
        spin_ns: effective_spin(plan),
        payload_bytes: plan.payload_len,
        min_loss_run: plan.min_loss_run,
        drain_ns: duration_ns(plan.drain),
        argv: plan.argv.clone(),
    }
}

/// The busy-wait actually used: at most a tenth of the gap between two sends,
/// so that at high rates the send thread never spins most of its time (which
/// would also run into the kernel's real-time throttling).
fn effective_spin(plan: &ProbePlan) -> i64 {
    let gap = duration_ns(plan.interval) / plan.targets.len().max(1) as i64;
    duration_ns(plan.spin).min(gap / 10)
}

/// Sets up the send thread's timing; returns the policy note for the header.
fn prepare_send_thread(realtime: bool) -> String {
    let _ = sys::set_timer_slack(1);
    if !realtime {
        return "other".into();
    }
    match sys::try_sched_fifo(10) {
        Ok(()) => "fifo".into(),
        Err(e) => {
            eprintln!("note: SCHED_FIFO not permitted ({e}); sending with the normal scheduler");
            "other".into()
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn collect(
    plan: &ProbePlan,
    engine: &mut Engine,
    rx: &mpsc::Receiver<ProbeMsg>,
    sink: &mut LineSink<'_>,
    hooks: Hooks<'_>,
    stop_send: &AtomicBool,
    sender_done: &AtomicBool,
    header: &Header,
) -> io::Result<String> {
    let Hooks {
        interrupts,
        events,
        on_live,
        stop_reason,
    } = hooks;
    sink(&Line::Header(header.clone()))?;
    let mut out = Vec::new();
    let mut reason: Option<String> = None;
    let mut drain_until: Option<Instant> = None;
    let mut last_tick = Instant::now();
    let mut last_live = Instant::now();
    let mut clock = ClockWatch::new();
    loop {
        if interrupts.load(Ordering::Relaxed) >= 1 {
            stop_send.store(true, Ordering::Relaxed);
        }
        // Batched: one wake-up every 2 ms however many probes per second.
        std::thread::sleep(Duration::from_millis(2));
        let mut gone = false;
        loop {
            match rx.try_recv() {
                Ok(ProbeMsg::SenderDone { reason: r, .. }) => {
                    sender_done.store(true, Ordering::Relaxed);
                    drain_until = Some(Instant::now() + plan.drain);
                    let given = stop_reason.and_then(|m| m.lock().ok().map(|s| s.clone()));
                    reason = Some(match given {
                        Some(g) if r == "interrupted" && !g.is_empty() => g,
                        _ => r,
                    });
                }
                Ok(msg) => engine.handle(msg, &mut out),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    gone = true;
                    break;
                }
            }
        }
        if gone && drain_until.is_none() {
            break;
        }
        if let Some(ev) = events {
            out.extend(ev.try_iter().map(Line::Event));
        }
        if last_tick.elapsed() >= Duration::from_millis(5) {
            last_tick = Instant::now();
            engine.tick(sys::realtime_now(), &mut out);
            if let Some(ev) = clock.check() {
                out.push(Line::Event(ev));
            }
        }
        for l in out.drain(..) {
            sink(&l)?;
        }
        if last_live.elapsed() >= Duration::from_millis(250) {
            last_live = Instant::now();
            on_live(engine.live(), sys::realtime_now().since(header.start_ns));
        }
        let drained = drain_until.is_some_and(|t| Instant::now() >= t);
        if drained || (reason.is_some() && interrupts.load(Ordering::Relaxed) >= 2) {
            break;
        }
    }
    // Messages already queued still count.
    while let Ok(msg) = rx.try_recv() {
        engine.handle(msg, &mut out);
    }
    engine.finish(&mut out);
    if let Some(ev) = events {
        out.extend(ev.try_iter().map(Line::Event));
    }
    for l in out.drain(..) {
        sink(&l)?;
    }
    let reason = reason.unwrap_or_else(|| "error: sender stopped".into());
    let sent = engine.live().iter().map(|l| l.sent).sum();
    sink(&Line::Footer(Footer {
        end_ns: sys::realtime_now(),
        reason: reason.clone(),
        sent,
        foreign: engine.foreign(),
    }))?;
    on_live(engine.live(), sys::realtime_now().since(header.start_ns));
    Ok(reason)
}

/// Watches REALTIME − MONOTONIC once a second and reports steps over 1 ms.
struct ClockWatch {
    offset: i64,
    last: Instant,
}

impl ClockWatch {
    const STEP_NS: i64 = 1_000_000;

    fn new() -> ClockWatch {
        ClockWatch {
            offset: Self::sample(),
            last: Instant::now(),
        }
    }

    fn sample() -> i64 {
        let m = sys::monotonic_now();
        let r = sys::realtime_now();
        r.0 - m.0
    }

    fn check(&mut self) -> Option<EventLine> {
        if self.last.elapsed() < Duration::from_secs(1) {
            return None;
        }
        self.last = Instant::now();
        let now = Self::sample();
        let step = now - self.offset;
        self.offset = now;
        (step.abs() > Self::STEP_NS).then(|| EventLine {
            at_ns: RealNs(sys::realtime_now().0),
            source_ts_ns: None,
            origin: Origin::Local,
            kind: kinds::CLOCK_STEP,
            detail: serde_json::json!({ "step_ns": step, "realtime_minus_monotonic_ns": now }),
            raw: None,
        })
    }
}
