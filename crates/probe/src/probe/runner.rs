//! Runs a probe session on real sockets: opens them, starts the threads,
//! feeds the engine and hands every line to the caller.

use super::engine::{Engine, EngineConfig, Live};
use super::latch::Latch;
use super::receiver::run_receiver;
use super::schedule::Schedule;
use super::sender::{run_sender_with, SendOptions, SenderConfig};
use super::{ProbeMsg, SystemClock};
use crate::record::{kinds, EventLine, Footer, Header, Line, TargetInfo, SCHEMA_VERSION};
use crate::sys::{self, SocketKind};
use crate::types::{duration_ns, RealNs};
use crate::wire::{Family, ProbeKind};
use std::io;
use std::io::Write as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use super::sockets::{OpenError, Sockets};

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
    /// Socket kind wanted (ICMP probes).
    pub socket: SocketChoice,
    /// What each probe is: ICMP echo, TCP SYN or UDP datagram.
    pub probe: ProbeKind,
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
    /// The libvirt domain each target belongs to, by position in `targets`
    /// (a host evacuation probes several guests); empty or `None`: not said.
    pub domains: Vec<Option<String>>,
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
    let checked_ident = (sockets.kind() == SocketKind::Raw && sockets.probe() == ProbeKind::Icmp)
        .then_some(sockets.ident());
    let sender_cfg = SenderConfig {
        schedule,
        start_real: real0.plus(lead),
        targets: addrs.clone(),
        nonce,
        ident_v4: sockets.ident(),
        ident_v6: sockets.ident(),
        payload_len: plan.payload_len,
        spin_ns: effective_spin(plan),
    };
    let transport = sockets.transport(nonce);
    let mut engine = Engine::new(EngineConfig {
        targets: addrs.clone(),
        nonce,
        ident_v4: checked_ident,
        ident_v6: checked_ident,
        interval_ns,
        pending_after_ns: duration_ns(plan.pending_after),
    })
    .with_transport(transport.clone())
    .with_forget_after(forget_after_ns(plan, sockets));
    let err_pause = error_queue_pause(sockets.probe(), plan.interval);
    let opts = send_options(plan);
    let stop_send = AtomicBool::new(false);
    let stop_recv = AtomicBool::new(false);
    let sender_cpu = AtomicI64::new(0);
    let sender_done = Latch::default();
    let (tx, rx) = mpsc::channel::<ProbeMsg>();
    let (sched_tx, sched_rx) = mpsc::channel::<String>();
    std::thread::scope(|scope| {
        for sock in sockets.each() {
            let tx = tx.clone();
            let (stop_recv, sender_done) = (&stop_recv, &sender_done);
            let reads = opts.read_replies;
            scope.spawn(move || run_receiver(sock, &tx, stop_recv, sender_done, err_pause, reads));
        }
        if let Some(sessions) = sockets.sessions() {
            let (tx, stop_recv) = (tx.clone(), &stop_recv);
            scope.spawn(move || sessions.run_reader(&tx, stop_recv));
        }
        let sender_tx = tx.clone();
        let (cfg, stop_send, realtime) = (&sender_cfg, &stop_send, plan.realtime);
        let transport = &transport;
        let cpu = &sender_cpu;
        scope.spawn(move || {
            let sched = prepare_send_thread(realtime);
            let _ = sched_tx.send(sched.clone());
            let clock = &SystemClock;
            let reason =
                run_sender_with(cfg, transport, sockets, clock, stop_send, &sender_tx, opts);
            cpu.store(sys::thread_cpu_ns(), Ordering::Relaxed);
            let _ = sender_tx.send(ProbeMsg::SenderDone { reason, sched });
        });
        drop(tx);
        let sched = sched_rx.recv().unwrap_or_else(|_| "other".into());
        let header = session_header(plan, sockets, &sender_cfg, sched);
        let result = collect(
            plan,
            sockets,
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
        sender_done.set();
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
                probe: (plan.probe != ProbeKind::Icmp).then_some(plan.probe),
                domain: plan.domains.get(i).cloned().flatten(),
            })
            .collect(),
        hostname: base.hostname,
        kernel: base.kernel,
        // A TCP session's socket is neither: its targets name their kind.
        socket: sockets.sessions().is_none().then(|| sockets.kind()),
        scheduling: sched,
        spin_ns: effective_spin(plan),
        payload_bytes: plan.payload_len,
        min_loss_run: plan.min_loss_run,
        drain_ns: duration_ns(plan.drain),
        argv: plan.argv.clone(),
    }
}

/// How long the receiver waits while an entry sits in the error queue and
/// the sender (which drains it after each send) runs: UDP probes leave one
/// there for every answer, so its receiver waits up to a quarter interval
/// (at most 1 ms); ICMP errors are rare, and checked again after 50 µs.
fn error_queue_pause(probe: ProbeKind, interval: Duration) -> Duration {
    let short = Duration::from_micros(50);
    match probe {
        ProbeKind::Udp(_) => (interval / 4).clamp(short, Duration::from_millis(1)),
        _ => short,
    }
}

/// How long an unanswered probe is waited for before the engine gives it up
/// (writes it `lost` and forgets it): the drain, or the receive buffers'
/// headroom of replies a resuming target may flush, whichever is longer — a
/// reply later than the drain is lost at the end of a run too.
///
/// A TCP session's stream loses nothing while the connection lives: a
/// message is answered late, after TCP's retransmissions, whose backoff
/// doubles up to two minutes. Its probes are waited for [`SESSION_FORGET_NS`].
fn forget_after_ns(plan: &ProbePlan, sockets: &Sockets) -> i64 {
    let headroom = match plan.probe {
        ProbeKind::TcpSession(_) => SESSION_FORGET_NS,
        _ => sockets.headroom_ns(),
    };
    duration_ns(plan.drain).max(headroom)
}

/// How long a `tcp-session:PORT` probe is waited for before it is given up.
const SESSION_FORGET_NS: i64 = 120_000_000_000;

/// Gaps between two ticks up to this long: the send thread receives the
/// replies between its sends (read at most this late; their kernel RX stamps
/// keep their precision), so no thread wakes up per reply.
const SENDER_READS_GAP_NS: i64 = 5_000_000;

/// How the send thread works for `plan`.
fn send_options(plan: &ProbePlan) -> SendOptions {
    let gap = tick_ns(plan);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    SendOptions {
        read_replies: gap <= SENDER_READS_GAP_NS,
        spin_short_waits: cores >= 2,
    }
}

/// The busy-wait actually used: at most a tenth of the gap between two ticks,
/// so that at high rates the send thread never spins most of its time (which
/// would also run into the kernel's real-time throttling).
fn effective_spin(plan: &ProbePlan) -> i64 {
    duration_ns(plan.spin).min(tick_ns(plan) / 10)
}

/// The time between two wake-ups of the send thread ([`Schedule::tick_ns`]).
fn tick_ns(plan: &ProbePlan) -> i64 {
    let grid = Schedule {
        start: crate::types::MonoNs(0),
        interval_ns: duration_ns(plan.interval),
        targets: u32::try_from(plan.targets.len()).unwrap_or(u32::MAX),
        count: None,
        end: None,
    };
    grid.tick_ns()
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
            let _ = writeln!(
                std::io::stderr(),
                "note: SCHED_FIFO not permitted ({e}); sending with the normal scheduler"
            );
            "other".into()
        }
    }
}

/// How often the collecting thread wakes up to match, settle and record.
const COLLECT_TICK: Duration = Duration::from_millis(10);

#[allow(clippy::too_many_arguments)]
fn collect(
    plan: &ProbePlan,
    sockets: &Sockets,
    engine: &mut Engine,
    rx: &mpsc::Receiver<ProbeMsg>,
    sink: &mut LineSink<'_>,
    hooks: Hooks<'_>,
    stop_send: &AtomicBool,
    sender_done: &Latch,
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
        // Batched: one wake-up per tick however many probes per second.
        std::thread::sleep(COLLECT_TICK);
        let mut gone = false;
        loop {
            match rx.try_recv() {
                Ok(ProbeMsg::SenderDone { reason: r, .. }) => {
                    sender_done.set();
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
        if last_tick.elapsed() >= COLLECT_TICK {
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
    if let Some(s) = sockets.sessions() {
        out.extend(
            s.summaries(sys::realtime_now())
                .into_iter()
                .map(Line::Event),
        );
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
        (step.abs() > Self::STEP_NS).then(|| {
            let detail = serde_json::json!({ "step_ns": step, "realtime_minus_monotonic_ns": now });
            EventLine::local(RealNs(sys::realtime_now().0), kinds::CLOCK_STEP, detail)
        })
    }
}
