//! Build stage 6: what a reader of the report must know about an imported
//! log, in words — one [`Note`] per fact, written into the run file as
//! `note` events (the report lists their messages) and printed by the import.
//!
//! Rules: each note says what was assumed or is unknown and, where something
//! can be done, what (the tool's own flag: ping `-i`, fping `-p`; or
//! `--interval`). Nothing is said when nothing was assumed.

use super::accounting::{AbsentRule, Accounting};
use super::interval::{Interval, IntervalSource};
use crate::import::log::{LogKind, PingLog};
use migprobe_probe::types::human_ns;

/// One fact about an imported log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Machine-readable name (`reconstructed_send_times`, `not_in_log`, ...).
    pub key: &'static str,
    /// The sentence a reader sees.
    pub message: String,
}

/// The tool as a reader knows it, and its interval flag.
struct Tool {
    name: &'static str,
    flag: &'static str,
}

impl Tool {
    fn of(log: &PingLog) -> Tool {
        match log.kind {
            LogKind::Ping if log.busybox => Tool {
                name: "BusyBox ping",
                flag: "-i",
            },
            LogKind::Ping => Tool {
                name: "ping",
                flag: "-i",
            },
            LogKind::Fping => Tool {
                name: "fping",
                flag: "-p",
            },
        }
    }
}

/// The notes of a log built with `interval` and `acc`; `reconstructed` when
/// it has no timestamps at all.
pub(super) fn notes(
    log: &PingLog,
    interval: &Interval,
    acc: &Accounting,
    reconstructed: bool,
) -> Vec<Note> {
    let tool = Tool::of(log);
    let mut out = Vec::new();
    if reconstructed {
        out.push(Note {
            key: "reconstructed_send_times",
            message: format!(
                "The {} log has no timestamps (-D): its send times are reconstructed as sequence × {} from time 0, {}; durations hold, wall-clock times do not.",
                tool.name,
                human_ns(interval.ns),
                interval_origin(&tool, interval, acc)
            ),
        });
    }
    out.extend(interval_disagreements(&tool, interval));
    out.extend(contradiction(acc));
    out.extend(absent(&tool, acc));
    out
}

/// Where the interval of reconstructed send times came from, in words.
fn interval_origin(tool: &Tool, interval: &Interval, acc: &Accounting) -> String {
    match interval.source {
        IntervalSource::Timestamps => "the interval measured from its timestamps".into(),
        IntervalSource::Flag => "the interval given with --interval".into(),
        IntervalSource::Log => format!("the interval from the {} {} on the command line in the log", tool.name, tool.flag),
        IntervalSource::Statistics => match acc.stats.and_then(|s| Some((s.transmitted, s.time_ns?))) {
            Some((n, t)) => format!(
                "the interval estimated from its statistics ({n} probes transmitted in {}); give --interval if {} {} was different",
                human_ns(t),
                tool.name,
                tool.flag
            ),
            None => "the interval estimated from its statistics".into(),
        },
        IntervalSource::Default => format!(
            "the interval ASSUMED to be {}'s default of 1 s: if {} ran with {}, import the log again with --interval",
            tool.name, tool.name, tool.flag
        ),
    }
}

/// A note for each source that disagrees with the interval used.
fn interval_disagreements(tool: &Tool, interval: &Interval) -> Vec<Note> {
    let used = match interval.source {
        IntervalSource::Timestamps => "measured from the log's timestamps",
        IntervalSource::Flag => "given with --interval",
        IntervalSource::Log => "from the command line in the log",
        IntervalSource::Statistics => "estimated from the statistics",
        IntervalSource::Default => "assumed",
    };
    interval
        .disagreeing()
        .into_iter()
        .map(|(what, ns)| {
            let other = match what {
                IntervalSource::Log => format!(
                    "the command line in the log says {} {}",
                    tool.flag,
                    human_ns(ns)
                ),
                IntervalSource::Statistics => {
                    format!("the statistics' time suggests {}", human_ns(ns))
                }
                _ => format!("--interval says {}", human_ns(ns)),
            };
            Note {
                key: "interval_disagrees",
                message: format!(
                    "The probe interval used, {} ({used}), disagrees with another source: {other}.",
                    human_ns(interval.ns)
                ),
            }
        })
        .collect()
}

/// The note of a log whose lines contradict its statistics.
fn contradiction(acc: &Accounting) -> Option<Note> {
    if acc.contradictions.is_empty() {
        return None;
    }
    Some(Note {
        key: "log_contradicts_statistics",
        message: format!(
            "The log contradicts its own statistics: {}. The report uses the lines; probes without a line are left out as unknown.",
            acc.contradictions.join("; ")
        ),
    })
}

/// The note on the probes without a line: unknown, or taken as lost.
fn absent(tool: &Tool, acc: &Accounting) -> Option<Note> {
    let stats = acc.stats.map_or(String::new(), |s| {
        format!(
            " (its statistics: {} transmitted, {} received)",
            s.transmitted, s.received
        )
    });
    let message = match acc.rule {
        AbsentRule::NoneAbsent | AbsentRule::StatsAllLost => return None,
        AbsentRule::GapsLost => format!(
            "The log has no statistics: the {} sequence numbers missing from it are taken as lost ({} prints nothing for an unanswered probe); if the log is an excerpt or was edited, they are unknown instead.",
            acc.absent_lost, tool.name
        ),
        AbsentRule::GapsUnknown => format!(
            "The log holds {} of {} probes and has no statistics; {} prints a line for every unanswered probe, so the other {} are not in the log: unknown, not lost.",
            acc.shown, acc.sent, tool.name, acc.unknown
        ),
        AbsentRule::StatsInsideLost | AbsentRule::StatsUnknown if acc.unknown == 0 => return None,
        AbsentRule::StatsInsideLost | AbsentRule::StatsUnknown => {
            let lost = match acc.unknown_lost {
                _ if !acc.contradictions.is_empty() => String::new(),
                0 => " (the statistics count them answered)".to_owned(),
                n => format!(
                    ": the statistics count {n} of them lost, which the log does not show"
                ),
            };
            format!(
                "The log holds {} of {} probes{stats}; the other {} are unknown, not lost{lost}. The report uses only what the log shows.",
                acc.shown, acc.sent, acc.unknown
            )
        }
    };
    Some(Note {
        key: if acc.rule == AbsentRule::GapsLost {
            "gaps_taken_as_lost"
        } else {
            "not_in_log"
        },
        message,
    })
}
