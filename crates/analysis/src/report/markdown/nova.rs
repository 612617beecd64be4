//! "## Nova" of summary.md: nova's view of a `run --openstack-server`, the
//! steps nova recorded beside the run's own phases, and the migration
//! record's statuses, on the run's clock (offsets from its start).

use crate::analysis::model::Analysis;
use crate::analysis::nova::{NovaStep, NovaView};
use crate::report::text::{dur, md_escape, offset};
use migprobe_probe::types::RealNs;
use std::fmt::{self, Write};

/// Writes the section when the run has nova's view.
pub(super) fn write_nova(s: &mut String, a: &Analysis) -> fmt::Result {
    match &a.nova {
        Some(v) => write_view(s, v, a.start_ns),
        None => Ok(()),
    }
}

fn write_view(s: &mut String, v: &NovaView, start: RealNs) -> fmt::Result {
    writeln!(s, "## Nova")?;
    writeln!(s)?;
    writeln!(s, "{}", moved(v))?;
    writeln!(s)?;
    if !v.steps.is_empty() {
        writeln!(s, "| nova step | Start | Duration | Host | Result |")?;
        writeln!(s, "|---|--:|--:|---|---|")?;
        for step in &v.steps {
            let cell = |x: Option<&String>| x.map_or_else(|| "–".to_owned(), |t| md_escape(t));
            writeln!(
                s,
                "| {} {} | {} | {} | {} | {} |",
                md_escape(&step.action),
                md_escape(&step.event),
                offset(step.start_ns.since(start)),
                length(v, step),
                cell(step.host.as_ref()),
                cell(step.result.as_ref()),
            )?;
        }
        writeln!(s)?;
    }
    if !v.statuses.is_empty() {
        let chain: Vec<String> = v
            .statuses
            .iter()
            .map(|st| {
                format!(
                    "{} ({})",
                    md_escape(&st.status),
                    offset(st.at_ns.since(start))
                )
            })
            .collect();
        writeln!(s, "Migration record: {}.", chain.join(" → "))?;
        writeln!(s)?;
    }
    if !v.notifications.is_empty() {
        writeln!(s, "| nova notification | Time | From |")?;
        writeln!(s, "|---|--:|---|")?;
        for n in &v.notifications {
            let from = n
                .publisher
                .as_deref()
                .map_or_else(|| "–".to_owned(), md_escape);
            writeln!(
                s,
                "| {} | {} | {from} |",
                md_escape(&n.event_type),
                offset(n.at_ns.since(start))
            )?;
        }
        writeln!(s)?;
    }
    let clock = if v.whole_seconds {
        "nova's own times, which its database keeps in whole seconds: its steps are good to a second \
         (its notifications carry microseconds)"
    } else {
        "nova's own times"
    };
    writeln!(s, "Times are offsets from the run's start, by {clock}; nova was polled, so a status it held for less than a poll may be missing.")?;
    writeln!(s)
}

/// A step's length; under a second reads "< 1 s" when nova's times are whole seconds.
fn length(v: &NovaView, step: &NovaStep) -> String {
    match step.end_ns.map(|e| e.since(step.start_ns)) {
        None => "not finished".to_owned(),
        Some(ns) if v.whole_seconds && ns < 1_000_000_000 => "< 1 s".to_owned(),
        Some(ns) => dur(ns),
    }
}

fn moved(v: &NovaView) -> String {
    let domain = v
        .instance_name
        .as_deref()
        .map(|d| format!(" (libvirt domain {})", md_escape(d)))
        .unwrap_or_default();
    match (v.host_before.as_deref(), v.host_after.as_deref()) {
        (Some(b), Some(e)) if b != e => format!(
            "The server moved from {} to {}{domain}.",
            md_escape(b),
            md_escape(e)
        ),
        (Some(b), _) => format!("The server stayed on {}{domain}.", md_escape(b)),
        _ => format!("nova did not say where the server runs{domain}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::nova::{NovaNotice, NovaStatus};

    const S: i64 = 1_000_000_000;

    fn step(event: &str, start: i64, end: Option<i64>) -> NovaStep {
        NovaStep {
            action: "live-migration".into(),
            event: event.into(),
            start_ns: RealNs(start),
            end_ns: end.map(RealNs),
            result: end.map(|_| "Success".into()),
            host: Some("node02".into()),
        }
    }

    #[test]
    fn steps_statuses_and_the_move_are_listed_on_the_run_clock() {
        let v = NovaView {
            instance_name: Some("instance-00000001".into()),
            host_before: Some("node01".into()),
            host_after: Some("node02".into()),
            steps: vec![
                step("compute_pre_live_migration", 31 * S, Some(46 * S)),
                step("compute_live_migration", 47 * S, Some(47 * S)),
                step("compute_post_live_migration_at_destination", 52 * S, None),
            ],
            statuses: vec![
                NovaStatus {
                    status: "running".into(),
                    at_ns: RealNs(47 * S),
                },
                NovaStatus {
                    status: "completed".into(),
                    at_ns: RealNs(53 * S),
                },
            ],
            notifications: vec![NovaNotice {
                event_type: "instance.live_migration_pre.start".into(),
                at_ns: RealNs(31 * S + 141_763_000),
                publisher: Some("nova-compute:node02".into()),
            }],
            whole_seconds: true,
        };
        let mut s = String::new();
        write_view(&mut s, &v, RealNs(S)).unwrap();
        assert!(
            s.contains("moved from node01 to node02 (libvirt domain instance-00000001)"),
            "{s}"
        );
        assert!(s.contains("| live-migration compute_pre_live_migration | 30.000 s | 15 s | node02 | Success |"), "{s}");
        assert!(s.contains("| 46.000 s | < 1 s |"), "{s}");
        assert!(s.contains("| not finished | node02 | – |"), "{s}");
        assert!(
            s.contains("running (46.000 s) → completed (52.000 s)"),
            "{s}"
        );
        assert!(s.contains("whole seconds"), "{s}");
        assert!(
            s.contains("| instance.live_migration_pre.start | 30.141 s | nova-compute:node02 |"),
            "{s}"
        );
    }
}
