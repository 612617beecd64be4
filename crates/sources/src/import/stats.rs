//! The tools' own statistics lines, parsed into [`Stats`]:
//!
//! - iputils ping: `330 packets transmitted, 329 received, +1 duplicates,
//!   +2 errors, 0.30303% packet loss, time 329412ms`;
//! - BusyBox ping: `12 packets transmitted, 11 packets received, 8% packet loss`;
//! - fping: `192.0.2.2 : xmt/rcv/%loss = 60/55/8%, min/avg/max = ...`
//!   (the part after `xmt/rcv/%loss = `).
//!
//! Rules: pure; `None` when the counts are not there or received exceeds
//! transmitted; the loss share and time are kept only when printed.

use super::log::Stats;
use super::text::parse_decimal;

/// ping's (iputils or BusyBox) statistics line, found at line `line_no`.
pub(crate) fn parse_ping_stats(body: &str, line_no: u64) -> Option<Stats> {
    let (tx, rest) = body.split_once(" packets transmitted, ")?;
    let mut stats = Stats {
        line_no,
        transmitted: tx.trim().parse().ok()?,
        ..Stats::default()
    };
    let mut received = None;
    for part in rest.split(',').map(str::trim) {
        if let Some(pct) = part.strip_suffix("% packet loss") {
            stats.loss_micro_pct = parse_decimal(pct.trim(), 6);
        } else if let Some(t) = part.strip_prefix("time ") {
            stats.time_ns = t
                .trim()
                .strip_suffix("ms")
                .and_then(|ms| parse_decimal(ms.trim(), 6));
        } else if received.is_none() {
            let n = part.split_whitespace().next()?;
            received = Some(n.parse::<u64>().ok()?);
        }
    }
    stats.received = received?;
    (stats.received <= stats.transmitted).then_some(stats)
}

/// fping's `N/M/L%` (what follows `xmt/rcv/%loss = `), found at line `line_no`.
pub(crate) fn parse_fping_stats(counts: &str, line_no: u64) -> Option<Stats> {
    let mut it = counts.split(['/', ',']).map(str::trim);
    let transmitted = it.next()?.parse::<u64>().ok()?;
    let received = it.next()?.parse::<u64>().ok()?;
    let loss_micro_pct = it
        .next()
        .and_then(|l| l.strip_suffix('%'))
        .and_then(|l| parse_decimal(l, 6));
    (received <= transmitted).then_some(Stats {
        line_no,
        transmitted,
        received,
        loss_micro_pct,
        time_ns: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_lines() {
        let s = parse_ping_stats(
            "330 packets transmitted, 329 received, +1 duplicates, +2 errors, 0.30303% packet loss, time 329412ms",
            9,
        )
        .unwrap();
        assert_eq!(
            (
                s.line_no,
                s.transmitted,
                s.received,
                s.loss_micro_pct,
                s.time_ns
            ),
            (9, 330, 329, Some(303_030), Some(329_412_000_000))
        );
        let s = parse_ping_stats(
            "12 packets transmitted, 11 packets received, 8% packet loss",
            1,
        )
        .unwrap();
        assert_eq!(
            (s.transmitted, s.received, s.loss_micro_pct, s.time_ns),
            (12, 11, Some(8_000_000), None)
        );
        assert_eq!(
            parse_ping_stats("3 packets transmitted, 4 received", 1),
            None
        );
        assert_eq!(
            parse_ping_stats("3 packets transmitted, many received", 1),
            None
        );
        let f = parse_fping_stats("60/55/8%, min/avg/max = 0.03/0.05/0.09", 4).unwrap();
        assert_eq!(
            (f.transmitted, f.received, f.loss_micro_pct),
            (60, 55, Some(8_000_000))
        );
        assert_eq!(parse_fping_stats("5/x/0%", 1), None);
    }
}
