//! `migprobe-rawloop`: the physical limit a prober is measured against — a
//! blocking ICMPv4 echo loop on one raw socket (send one request, wait for
//! its reply, repeat) with no timestamps, no schedule and no recording.
//!
//! With `--interval` it is the paced floor instead: it sleeps to each slot of
//! a grid (one target per slot, round robin, like migprobe's spread phases;
//! or, with `--burst`, every target at once per interval, like `fping -i 0`),
//! sends and waits for the reply: the least any prober that sends each probe
//! from user space at its time pays per probe on this machine (one timer
//! wake-up per slot and the send), measured beside migprobe and fping.
//!
//! With `--sleep-only` it sends nothing: it only sleeps to each slot, so its
//! CPU per wake-up is what the timer wake-ups alone cost, below any paced
//! prober that wakes once per probe.
//!
//! Prints one JSON line: round trips, seconds, round trips per second, CPU
//! seconds (user + sys of this process) and CPU µs per round trip (or, with
//! `--sleep-only`, wake-ups and CPU µs per wake-up). Used by
//! `scripts/bench-probe.sh` as the peer of the sustained-rate figure.
#![forbid(unsafe_code)]

use clap::Parser;
use migprobe_probe::sys::socket::raw_icmp;
use migprobe_probe::sys::thread_cpu_ns;
use migprobe_probe::wire::{encode_echo_request, Family, ProbePayload};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// A blocking ICMPv4 echo loop (send, wait for the reply, repeat) for `--duration`; needs CAP_NET_RAW.
#[derive(Debug, Parser)]
#[command(name = "migprobe-rawloop", version)]
struct Args {
    /// The IPv4 addresses to probe (e.g. the far end of a veth pair), in turn.
    #[arg(required = true)]
    targets: Vec<Ipv4Addr>,
    /// Paced: each target once per this interval, on a grid (default: as fast as replies come).
    #[arg(short, long, value_parser = humantime::parse_duration)]
    interval: Option<Duration>,
    /// Paced: every target at the start of each interval instead of spread over it.
    #[arg(long, requires = "interval")]
    burst: bool,
    /// Paced, sending nothing: only the timer wake-ups of the grid, to measure what they cost.
    #[arg(long, requires = "interval")]
    sleep_only: bool,
    /// How long to loop.
    #[arg(short, long, default_value = "3s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// A reply not seen within this long counts as lost and the loop sends the next request.
    #[arg(long, default_value = "100ms", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("migprobe-rawloop: {e}");
            ExitCode::from(1)
        }
    }
}

/// Loops and returns the JSON result line.
fn run(args: &Args) -> std::io::Result<String> {
    if args.sleep_only {
        return Ok(sleep_only(args));
    }
    // A raw socket driven through std's datagram calls (sendto / recv), which are the same
    // system calls; the process has one thread, so its CPU is the thread's.
    let sock = UdpSocket::from(raw_icmp(Family::V4)?);
    sock.set_read_timeout(Some(args.timeout))?;
    let ident = (std::process::id() & 0xffff) as u16;
    let (mut packet, mut buf) = (Vec::new(), [0u8; 2048]);
    let meter = Meter::start();
    let t0 = meter.t0;
    let (mut answered, mut lost) = (0u64, 0u64);
    let mut index = 0u64;
    let mut slot = 0u32;
    while t0.elapsed() < args.duration {
        let n = args.targets.len() as u32;
        let burst = if args.burst { n } else { 1 };
        pace(args, t0, slot);
        slot += 1;
        for _ in 0..burst {
            let dst = SocketAddr::new(args.targets[(index % u64::from(n)) as usize].into(), 0);
            let payload = ProbePayload {
                target: 0,
                nonce: 0,
                index,
            };
            encode_echo_request(Family::V4, ident, index as u16, &payload, 56, &mut packet);
            sock.send_to(&packet, dst)?;
            index += 1;
            if wait_reply(&sock, &mut buf, ident, index as u16 - 1, t0, args) {
                answered += 1;
            } else {
                lost += 1;
            }
        }
    }
    let (secs, cpu_s) = meter.read();
    Ok(serde_json::json!({
        "round_trips": answered,
        "lost": lost,
        "seconds": secs,
        "round_trips_per_s": answered as f64 / secs,
        "cpu_s": cpu_s,
        "cpu_us_per_round_trip": us_per(cpu_s, answered),
    })
    .to_string())
}

/// Sleeps to each slot of the grid for `--duration`, sending nothing;
/// returns the JSON result line (wake-ups and their CPU).
fn sleep_only(args: &Args) -> String {
    let meter = Meter::start();
    let mut slot = 0u32;
    while meter.t0.elapsed() < args.duration {
        pace(args, meter.t0, slot);
        slot += 1;
    }
    let (secs, cpu_s) = meter.read();
    serde_json::json!({
        "wake_ups": slot,
        "seconds": secs,
        "cpu_s": cpu_s,
        "cpu_us_per_wake_up": us_per(cpu_s, u64::from(slot)),
    })
    .to_string()
}

/// Wall and CPU time of this thread from a start.
struct Meter {
    cpu0: i64,
    t0: Instant,
}

impl Meter {
    fn start() -> Meter {
        Meter {
            cpu0: thread_cpu_ns(),
            t0: Instant::now(),
        }
    }

    /// (wall seconds, CPU seconds) since the start.
    fn read(&self) -> (f64, f64) {
        let cpu_s = (thread_cpu_ns() - self.cpu0) as f64 / 1e9;
        (self.t0.elapsed().as_secs_f64(), cpu_s)
    }
}

/// CPU µs per item (0 without items).
fn us_per(cpu_s: f64, n: u64) -> f64 {
    if n > 0 {
        cpu_s * 1e6 / n as f64
    } else {
        0.0
    }
}

/// Paced: sleeps to slot `slot` of the grid (bursts start every interval,
/// single sends every interval / targets).
fn pace(args: &Args, t0: Instant, slot: u32) {
    if let Some(interval) = args.interval {
        let per_interval = if args.burst {
            1
        } else {
            args.targets.len() as u32
        };
        let due = t0 + interval / per_interval * slot;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
}

/// Receives until our echo reply with `seq` arrives (true) or the timeout passes (false).
fn wait_reply(
    sock: &UdpSocket,
    buf: &mut [u8],
    ident: u16,
    seq: u16,
    t0: Instant,
    args: &Args,
) -> bool {
    let give_up = Instant::now() + args.timeout;
    while Instant::now() < give_up && t0.elapsed() < args.duration + args.timeout {
        let Ok(n) = sock.recv(buf) else {
            return false;
        };
        // Raw IPv4: the IP header (20 bytes without options) precedes the ICMP message.
        let b = &buf[..n];
        if b.len() >= 28
            && b[20] == 0
            && u16::from_be_bytes([b[24], b[25]]) == ident
            && u16::from_be_bytes([b[26], b[27]]) == seq
        {
            return true;
        }
    }
    false
}
