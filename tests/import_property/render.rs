//! The text each tool would have printed for a played scenario: iputils
//! `ping -D`, `ping` (no timestamps) and `fping -D -l -p`.
//!
//! Rules: lines in the order the tool prints them (replies as they arrive,
//! fping's `timed out` one period after the send); ping prints nothing for a
//! lost probe; fping waits one period (its `-l` timeout) and drops a later
//! reply; an excerpt keeps the lines of its probes and the statistics of
//! the whole run.

use super::model::{Probe, Scenario};

/// Which tool's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `ping -D 192.0.2.10`.
    PingD,
    /// `ping 192.0.2.10`.
    Ping,
    /// `fping -D -l -p INTERVAL 192.0.2.10`.
    FpingD,
}

impl Tool {
    /// The probe index the tool prints for probe `i` (iputils counts from 1).
    pub fn seq(self, i: u64) -> u64 {
        match self {
            Tool::Ping | Tool::PingD => i + 1,
            Tool::FpingD => i,
        }
    }
}

/// `1795634356.428328` (ping) or `1795634356.42832` (fping).
fn stamp(ns: i64, digits: u32) -> String {
    let div = 10i64.pow(9 - digits);
    format!(
        "{}.{:0w$}",
        ns / 1_000_000_000,
        (ns % 1_000_000_000) / div,
        w = digits as usize
    )
}

/// An RTT as iputils prints it: three significant digits, whole ms from 100 ms.
fn ping_rtt(ns: i64) -> String {
    let us = ns / 1_000;
    match us {
        0..=999 => format!("0.{us:03}"),
        1_000..=9_999 => format!("{}.{:02}", us / 1_000, us % 1_000 / 10),
        10_000..=99_999 => format!("{}.{}", us / 1_000, us % 1_000 / 100),
        _ => format!("{}", us / 1_000),
    }
}

/// The text of `tool` for `probes` of scenario `s`.
pub fn render(tool: Tool, s: &Scenario, probes: &[Probe]) -> String {
    let keep = |i: u64| s.excerpt.is_none_or(|(lo, hi)| (lo..=hi).contains(&i));
    let mut lines: Vec<(i64, String)> = Vec::new();
    let timeout = s.interval_ns;
    for p in probes {
        let seq = tool.seq(p.index);
        let answered = p
            .rx_ns
            .filter(|rx| tool != Tool::FpingD || rx - p.tx_ns <= timeout);
        let replies = answered
            .into_iter()
            .map(|rx| (rx, false))
            .chain(p.dup_ns.filter(|_| answered.is_some()).map(|d| (d, true)));
        for (rx, dup) in replies {
            let rtt = rx - p.tx_ns;
            let text = match tool {
                Tool::FpingD if dup => format!(
                    "[{}] 192.0.2.10 : duplicate for [{seq}], 64 bytes, {:.3} ms",
                    stamp(rx, 5),
                    rtt as f64 / 1e6
                ),
                Tool::FpingD => format!(
                    "[{}] 192.0.2.10 : [{seq}], 64 bytes, {:.3} ms (0.50 avg, 0% loss)",
                    stamp(rx, 5),
                    rtt as f64 / 1e6
                ),
                _ => {
                    let d = if tool == Tool::PingD {
                        format!("[{}] ", stamp(rx, 6))
                    } else {
                        String::new()
                    };
                    let dup = if dup { " (DUP!)" } else { "" };
                    format!(
                        "{d}64 bytes from 192.0.2.10: icmp_seq={seq} ttl=64 time={} ms{dup}",
                        ping_rtt(rtt)
                    )
                }
            };
            if keep(p.index) {
                lines.push((rx, text));
            }
        }
        if tool == Tool::FpingD && answered.is_none() && keep(p.index) {
            let at = p.tx_ns + timeout;
            lines.push((
                at,
                format!(
                    "[{}] 192.0.2.10 : [{seq}], timed out (0.50 avg, 1% loss)",
                    stamp(at, 5)
                ),
            ));
        }
    }
    lines.sort_by_key(|(t, _)| *t);
    let mut text = String::new();
    if s.excerpt.is_none() && tool != Tool::FpingD {
        text.push_str("PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n");
    }
    for (_, l) in &lines {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str(&statistics(tool, s, probes));
    text
}

/// The statistics the tool prints at the end, for the whole run.
fn statistics(tool: Tool, s: &Scenario, probes: &[Probe]) -> String {
    let n = probes.len() as u64;
    let answered = |p: &&Probe| {
        p.rx_ns
            .is_some_and(|rx| tool != Tool::FpingD || rx - p.tx_ns <= s.interval_ns)
    };
    let r = probes.iter().filter(answered).count() as u64;
    let dups = probes
        .iter()
        .filter(answered)
        .filter(|p| p.dup_ns.is_some())
        .count();
    let lost_pct = 100.0 * (n - r) as f64 / n as f64;
    match tool {
        Tool::FpingD => format!(
            "\n192.0.2.10 : xmt/rcv/%loss = {n}/{r}/{}%, min/avg/max = 0.10/0.50/9.00\n",
            lost_pct as u64
        ),
        _ => {
            let time_ms = (probes[probes.len() - 1].tx_ns - probes[0].tx_ns) / 1_000_000;
            let dups = if dups > 0 {
                format!(", +{dups} duplicates")
            } else {
                String::new()
            };
            format!(
                "\n--- 192.0.2.10 ping statistics ---\n{n} packets transmitted, {r} received{dups}, {lost_pct:.4}% packet loss, time {time_ms}ms\nrtt min/avg/max/mdev = 0.100/1.000/9.000/1.000 ms\n"
            )
        }
    }
}
