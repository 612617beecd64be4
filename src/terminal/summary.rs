//! The end-of-run summary table, one block per target.

use migprobe_analysis::analysis::sessions::SessionView;
use migprobe_analysis::analysis::TargetSummary;
use migprobe_probe::record::TargetInfo;
use migprobe_probe::types::human_ns;
use std::fmt::Write;

/// Renders the per-target summary as plain text; `targets` (the run's
/// header) gives the probe kind of targets not probed by ICMP echo,
/// `sessions` the application's view of `tcp-session` targets.
pub(crate) fn render(
    summaries: &[TargetSummary],
    targets: &[TargetInfo],
    sessions: &[SessionView],
    reason: &str,
) -> String {
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
        if let Some(v) = sessions.iter().find(|v| v.target_id == t.target_id) {
            let _ = writeln!(s, "{}", session_line(v));
        }
    }
    s
}

/// "tcp session: longest stall 1.001 s, survived yes" (or how it was lost).
fn session_line(v: &SessionView) -> String {
    let stall = match v.longest_stall_ns {
        None => "unobserved".to_owned(),
        Some(ns) if v.longest_stall_open => format!(">= {} (cut short)", human_ns(ns)),
        Some(ns) => human_ns(ns),
    };
    let survived = match (v.survived, &v.lost_how, &v.lost_error) {
        (Some(true), _, _) => "yes".to_owned(),
        (None, _, _) => "unknown".to_owned(),
        (Some(false), how, error) => format!(
            "no ({}: {})",
            how.as_deref().unwrap_or("lost"),
            error.as_deref().unwrap_or("-")
        ),
    };
    format!("tcp session: longest stall {stall}, survived {survived}")
}
