//! `migprobe-echo`: a user-space ICMP echo responder for tests and benchmarks.
//!
//! It answers ICMPv4 / ICMPv6 echo requests from raw sockets with echo replies
//! carrying the same identifier, sequence and payload, back to the sender. Run
//! it in a network namespace whose kernel echo is off
//! (`sysctl -w net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1`):
//! then SIGSTOP freezes the "guest" (requests queue in the socket buffer) and
//! SIGCONT answers the queue in one burst, which is the freeze migprobe measures.
#![forbid(unsafe_code)]

use clap::Parser;
use migprobe_bench::accuracy::{helper_main, SplitMix64};
use migprobe_probe::sys::socket::{force_recv_buffer, raw_icmp};
use migprobe_probe::wire::Family;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Answers ICMP echo requests from user space (raw sockets), for migprobe's tests and benchmarks.
///
/// Disable the kernel's own echo in the same network namespace first:
/// `sysctl -w net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1`.
/// SIGSTOP freezes the responder (requests queue in its socket buffer); SIGCONT
/// answers the queue at once. Prints one `ready` line on stdout once listening.
/// Needs CAP_NET_RAW.
#[derive(Debug, Parser)]
#[command(name = "migprobe-echo", version)]
struct Args {
    /// Answer IPv4 (ICMP) only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    ipv4: bool,
    /// Answer IPv6 (ICMPv6) only.
    #[arg(short = '6')]
    ipv6: bool,
    /// Socket receive buffer per family, bytes (capped by net.core.rmem_max; warned when smaller).
    #[arg(long, default_value_t = 8 << 20, value_name = "BYTES",
          value_parser = clap::value_parser!(u64).range(4096..=(1 << 31)))]
    rcvbuf: u64,
    /// Set the receive buffer with SO_RCVBUFFORCE, above net.core.rmem_max (root), so that a
    /// long freeze at a high rate queues every request.
    #[arg(long)]
    rcvbuf_force: bool,
    /// Drop this share of the requests at random, unanswered (0 to 1; e.g. 0.02 = 2 % loss).
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = drop_rate)]
    drop_rate: f64,
    /// Stop after answering this many requests (all families together).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    /// No `ready` line and no warnings.
    #[arg(short, long)]
    quiet: bool,
}

fn drop_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{s:?} is not a share between 0 and 1 (e.g. 0.02)")),
    }
}

const ICMP_ECHO: u8 = 8;
const ICMP_ECHOREPLY: u8 = 0;
const ICMP6_ECHO: u8 = 128;
const ICMP6_ECHOREPLY: u8 = 129;

fn main() -> ExitCode {
    helper_main("migprobe-echo", |args: Args| serve_all(&args))
}

fn serve_all(args: &Args) -> Result<(), String> {
    let mut families = Vec::new();
    if !args.ipv6 {
        families.push(Family::V4);
    }
    if !args.ipv4 {
        families.push(Family::V6);
    }
    let mut sockets = Vec::new();
    for d in families {
        sockets.push((d, open(d, args)?));
    }
    let answered = Arc::new(AtomicU64::new(0));
    if !args.quiet {
        let names: Vec<&str> = sockets
            .iter()
            .map(|(d, _)| if *d == Family::V4 { "ipv4" } else { "ipv6" })
            .collect();
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "ready {}", names.join(" "));
        let _ = out.flush();
    }
    let limit = args.count;
    let handles: Vec<_> = sockets
        .into_iter()
        .map(|(d, s)| {
            let answered = Arc::clone(&answered);
            let drop = args.drop_rate;
            std::thread::spawn(move || serve(d, &s, &answered, limit, drop))
        })
        .collect();
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err("a responder thread panicked".into()),
        }
    }
    Ok(())
}

/// A raw ICMP socket passing echo requests only, with a large receive buffer.
fn open(family: Family, args: &Args) -> Result<UdpSocket, String> {
    let name = if family == Family::V4 {
        "ICMPv4"
    } else {
        "ICMPv6"
    };
    let sock = raw_icmp(family).map_err(|e| {
        if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)) {
            format!("cannot open a raw {name} socket: {e}; run as root (CAP_NET_RAW needed)")
        } else {
            format!("cannot open a raw {name} socket: {e}")
        }
    })?;
    let want = usize::try_from(args.rcvbuf).unwrap_or(usize::MAX);
    if args.rcvbuf_force {
        force_recv_buffer(&sock, want).map_err(|e| {
            format!("{name}: cannot force the receive buffer to {want} bytes (root needed): {e}")
        })?;
    } else {
        sock.set_recv_buffer_size(want)
            .map_err(|e| format!("{name}: cannot set the receive buffer to {want} bytes: {e}"))?;
    }
    let got = sock.recv_buffer_size().unwrap_or(0);
    if got < want && !args.quiet {
        eprintln!(
            "migprobe-echo: warning: {name} receive buffer is {got} bytes, not {want} \
             (raise net.core.rmem_max to queue more requests while stopped)"
        );
    }
    let filter = if family == Family::V4 {
        // The IPv4 header comes first: load its length, then the ICMP type.
        vec![
            bpf(0xb1, 0, 0, 0), // ldxb 4*([0]&0xf)
            bpf(0x50, 0, 0, 0), // ldb [x+0]
            bpf(0x15, 0, 1, u32::from(ICMP_ECHO)),
            bpf(0x06, 0, 0, 0xffff), // accept
            bpf(0x06, 0, 0, 0),      // drop
        ]
    } else {
        // IPv6 raw sockets see the ICMPv6 header at offset 0.
        vec![
            bpf(0x30, 0, 0, 0), // ldb [0]
            bpf(0x15, 0, 1, u32::from(ICMP6_ECHO)),
            bpf(0x06, 0, 0, 0xffff),
            bpf(0x06, 0, 0, 0),
        ]
    };
    sock.attach_filter(&filter)
        .map_err(|e| format!("{name}: cannot attach the echo-request filter: {e}"))?;
    if family == Family::V4 {
        // Replies carry our own IPv4 header so their source is the address that was asked.
        sock.set_header_included_v4(true)
            .map_err(|e| format!("{name}: cannot set IP_HDRINCL: {e}"))?;
    }
    Ok(UdpSocket::from(sock))
}

fn bpf(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

fn serve(
    family: Family,
    sock: &UdpSocket,
    answered: &AtomicU64,
    limit: Option<u64>,
    drop_rate: f64,
) -> Result<(), String> {
    let mut rng = SplitMix64::from_os();
    let mut buf = vec![0u8; 65_536];
    let mut out = Vec::with_capacity(65_536);
    loop {
        let (n, from) = match sock.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("receive failed: {e}")),
        };
        let reply = if family == Family::V4 {
            reply_v4(&buf[..n], &mut out)
        } else {
            reply_v6(&buf[..n], &mut out)
        };
        let Some(dst) = reply else { continue };
        if drop_rate > 0.0 && rng.unit() < drop_rate {
            continue;
        }
        let dst = match (dst, from) {
            // Keep the scope of link-local senders.
            (IpAddr::V6(_), SocketAddr::V6(f)) => SocketAddr::V6(f),
            (a, _) => SocketAddr::new(a, 0),
        };
        match sock.send_to(&out, dst) {
            Ok(_) => {}
            // A full queue or an unroutable sender is not fatal: the prober sees a loss.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => eprintln!("migprobe-echo: warning: reply to {dst} failed: {e}"),
        }
        let total = answered.fetch_add(1, Ordering::Relaxed) + 1;
        if limit.is_some_and(|l| total >= l) {
            std::process::exit(0);
        }
    }
}

/// Builds the IPv4 packet (header included) answering `pkt`; returns where to send it.
fn reply_v4(pkt: &[u8], out: &mut Vec<u8>) -> Option<IpAddr> {
    if pkt.len() < 20 || pkt[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(pkt[0] & 0xf) * 4;
    let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]])).min(pkt.len());
    if ihl < 20 || total < ihl + 8 || pkt[9] != 1 {
        return None;
    }
    let icmp = &pkt[ihl..total];
    if icmp[0] != ICMP_ECHO || icmp[1] != 0 {
        return None;
    }
    let src = Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]);
    let dst = Ipv4Addr::new(pkt[16], pkt[17], pkt[18], pkt[19]);
    if src.is_unspecified() || src.is_broadcast() || src.is_multicast() {
        return None;
    }
    // Requests to a broadcast or multicast address are answered from an unspecified
    // source (the kernel picks one).
    let reply_src = if dst.is_broadcast() || dst.is_multicast() {
        Ipv4Addr::UNSPECIFIED
    } else {
        dst
    };
    out.clear();
    let len = 20 + icmp.len();
    let len16 = u16::try_from(len).ok()?;
    // version/IHL, TOS, total length, ID (kernel fills), flags/fragment (DF), TTL, protocol,
    // checksum (kernel fills), source, destination.
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&len16.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0x40, 0, 64, 1, 0, 0]);
    out.extend_from_slice(&reply_src.octets());
    out.extend_from_slice(&src.octets());
    out.extend_from_slice(icmp);
    let m = &mut out[20..];
    m[0] = ICMP_ECHOREPLY;
    m[2] = 0;
    m[3] = 0;
    let sum = checksum(m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    Some(IpAddr::V4(src))
}

/// Builds the ICMPv6 echo reply to `msg` (the kernel fills the checksum).
fn reply_v6(msg: &[u8], out: &mut Vec<u8>) -> Option<IpAddr> {
    if msg.len() < 8 || msg[0] != ICMP6_ECHO || msg[1] != 0 {
        return None;
    }
    out.clear();
    out.extend_from_slice(msg);
    out[0] = ICMP6_ECHOREPLY;
    out[2] = 0;
    out[3] = 0;
    // The destination comes from recv_from (the IPv6 header is not in the buffer).
    Some(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}

/// The Internet checksum (RFC 1071) of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_reply_swaps_addresses_and_keeps_id_seq_payload() {
        let mut req = vec![
            0x45, 0, 0, 32, 0x12, 0x34, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, //
            8, 0, 0, 0, 0xab, 0xcd, 0x00, 0x07, 1, 2, 3, 4,
        ];
        let sum = checksum(&req[20..]);
        req[22..24].copy_from_slice(&sum.to_be_bytes());
        let mut out = Vec::new();
        let to = reply_v4(&req, &mut out).unwrap();
        assert_eq!(to, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(&out[12..16], &[192, 0, 2, 2]);
        assert_eq!(&out[16..20], &[192, 0, 2, 1]);
        assert_eq!(out[20], 0);
        assert_eq!(&out[24..], &req[24..]);
        assert_eq!(checksum(&out[20..]), 0, "valid ICMP checksum");
    }

    #[test]
    fn ignores_everything_but_echo_requests() {
        let mut out = Vec::new();
        assert!(reply_v4(&[0x45; 10], &mut out).is_none());
        assert!(reply_v6(&[129, 0, 0, 0, 0, 1, 0, 1], &mut out).is_none());
        assert!(reply_v6(&[128, 0, 0, 0, 0, 1, 0, 1, 9], &mut out).is_some());
        assert_eq!(out, vec![129, 0, 0, 0, 0, 1, 0, 1, 9]);
    }
}
