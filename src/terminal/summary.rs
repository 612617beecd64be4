//! The end-of-run summary table, one block per target.

use migprobe_analysis::analysis::TargetSummary;
use migprobe_probe::record::TargetInfo;
use migprobe_probe::types::human_ns;
use std::fmt::Write;

/// Renders the per-target summary as plain text; `targets` (the run's
/// header) gives the probe kind of targets not probed by ICMP echo.
pub(crate) fn render(summaries: &[TargetSummary], targets: &[TargetInfo], reason: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "migprobe: run ended ({reason})");
    for t in summaries {
        let pct = |n: u64| {
            if t.sent == 0 {
                0.0
            } else {
                100.0 * n as f64 / t.sent as f64
            }
        };
        let ns = |v: Option<i64>| v.map(human_ns).unwrap_or_else(|| "-".into());
        let kind = targets
            .iter()
            .find(|i| i.id == t.target_id)
            .and_then(|i| i.probe);
        let label = match kind {
            Some(k) => format!("{} via {k}", t.addr),
            None => t.addr.to_string(),
        };
        let _ = writeln!(s, "--- {label} ---");
        let _ = writeln!(
            s,
            "sent {}, answered {} ({:.2}%), late {}, lost {} ({:.2}%), duplicates {}, errors {}, skipped {}{}",
            t.sent,
            t.answered,
            pct(t.answered),
            t.late,
            t.lost,
            pct(t.lost),
            t.duplicates,
            t.errors,
            t.skipped,
            if t.unsettled > 0 { format!(", unsettled {}", t.unsettled) } else { String::new() },
        );
        let _ = writeln!(
            s,
            "rtt min/p50/p99/p99.9/max = {} / {} / {} / {} / {}",
            ns(t.rtt_min_ns),
            ns(t.rtt_p50_ns),
            ns(t.rtt_p99_ns),
            ns(t.rtt_p999_ns),
            ns(t.rtt_max_ns)
        );
        let _ = writeln!(
            s,
            "longest gap between replies {}, longest run without reply {} probes",
            ns(t.longest_reply_gap_ns),
            t.longest_unanswered_run
        );
    }
    s
}
