//! `migprobe-hold`: the NFQUEUE verdict process of the accuracy bench's
//! protocol-independent freeze.
//!
//! A netfilter rule in the target's namespace (`iptables -I INPUT -j NFQUEUE`)
//! hands every packet to the target to this process, which accepts each at
//! once (in batches). SIGSTOP holds all traffic to the target in the kernel
//! (ICMP echo, TCP SYNs, UDP alike: the target's kernel answers them all);
//! SIGCONT accepts the whole queue (oldest first, 64 packets a verdict), so
//! the target answers it at once, as a guest resumed after a pause does. Up to `--queue-maxlen` packets are held;
//! beyond that the kernel drops them (an overflow: queued, then lost).
//!
//! Prints `ready` once bound; on SIGINT / SIGTERM prints one JSON line with
//! the packets accepted and the largest batch, so a run can check that every
//! held packet was delivered (with the kernel's own counters in
//! /proc/net/netfilter/nfnetlink_queue).
#![forbid(unsafe_code)]

use clap::Parser;
use migprobe_bench::accuracy::helper_main;
use migprobe_nfqueue::Queue;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Accepts every packet of an NFQUEUE; SIGSTOP holds them, SIGCONT releases them (root).
#[derive(Debug, Parser)]
#[command(name = "migprobe-hold", version)]
struct Args {
    /// The queue number of the NFQUEUE rule (`--queue-num N`).
    #[arg(long, default_value_t = 0)]
    queue: u16,
    /// Packets the kernel may hold while this process is stopped (more are dropped).
    #[arg(long, default_value_t = 65_536, value_name = "PACKETS",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    queue_maxlen: u32,
    /// Receive buffer of the queue socket, bytes (forced above net.core.rmem_max); about
    /// 1 KiB per held packet.
    #[arg(long, default_value_t = 256 << 20, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(65_536..=(1 << 31)))]
    rcvbuf: u64,
}

/// What the process did, printed at the end.
#[derive(Debug, Default, serde::Serialize)]
struct Counts {
    accepted: u64,
    batches: u64,
    largest_batch: usize,
    errors: usize,
}

fn main() -> ExitCode {
    helper_main("migprobe-hold", run)
}

fn run(a: Args) -> Result<(), String> {
    let rcvbuf = usize::try_from(a.rcvbuf).unwrap_or(usize::MAX);
    let mut q = Queue::bind(a.queue, a.queue_maxlen, rcvbuf).map_err(|e| {
        format!(
            "--queue {}: cannot bind the NFQUEUE: {e} (needs root, the nfnetlink_queue module, \
             and no other process bound to that queue)",
            a.queue
        )
    })?;
    q.set_read_timeout(Duration::from_millis(100))
        .map_err(|e| format!("cannot set a read timeout: {e}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| format!("cannot handle signal {sig}: {e}"))?;
    }
    say(&format!("ready queue {}", a.queue));
    let mut c = Counts::default();
    while !stop.load(Ordering::Relaxed) {
        drain(&mut q, &mut c)?;
    }
    say(&serde_json::to_string(&c).map_err(|e| e.to_string())?);
    Ok(())
}

/// Packets accepted in one verdict at most: after a hold the release starts at
/// once, not only when the whole queue has been read.
const MAX_BATCH: usize = 64;

/// Waits for a datagram, reads what else is there (up to [`MAX_BATCH`]
/// packets), accepts it all in one verdict.
fn drain(q: &mut Queue, c: &mut Counts) -> Result<(), String> {
    let mut last = None;
    let mut n = 0usize;
    let mut wait = true;
    while n < MAX_BATCH {
        let b = match q.read_batch(wait) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            // A read timeout (nothing came) or ENOBUFS (the socket overflowed: those
            // packets are the kernel's drops, counted in nfnetlink_queue).
            Err(e) if wait && matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) => {
                return Ok(())
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                c.errors += 1;
                continue;
            }
            Err(e) => return Err(format!("reading the queue: {e}")),
        };
        wait = false;
        c.errors += b.errors.len();
        n += b.ids.len();
        if let Some(&id) = b.ids.last() {
            last = Some(id);
        }
    }
    if let Some(id) = last {
        q.accept_up_to(id)
            .map_err(|e| format!("sending a verdict: {e}"))?;
        c.accepted += n as u64;
        c.batches += 1;
        c.largest_batch = c.largest_batch.max(n);
    }
    Ok(())
}

fn say(line: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}
