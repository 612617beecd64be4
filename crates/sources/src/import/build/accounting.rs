//! Build stage 4: the log's lines reconciled with the tool's own statistics —
//! which probes without a line were lost, and which are simply not in the
//! log (unknown).
//!
//! Rules, for the indices of the range that no line speaks of ("absent"):
//!
//! - **With statistics** (`transmitted`, `received`): the probes the
//!   statistics count lost that the log does not already show unanswered
//!   ("remaining") are placed if the counts allow it, else nowhere:
//!   1. remaining = all absent: every absent index is lost (a complete log);
//!   2. remaining = the absent indices between the first and the last line
//!      (none, when nothing remains) — or, in a log that prints nothing for a
//!      lost probe (ping without `-O`), at least that many: a sequence number
//!      missing between two printed ones got no reply — those are lost, the
//!      ones outside (an excerpt's edges) unknown;
//!   3. otherwise every absent index is unknown, and the notes say how many
//!      of them were lost.
//!
//!   A log whose lines contradict its statistics (more answered or more
//!   unanswered probes than counted, sequence numbers past the count sent, a
//!   loss share that does not fit the counts, `-C` values against the lines)
//!   says so, and its absent indices are unknown.
//! - **Without statistics**: in a log that prints nothing for a lost probe
//!   (ping without `-O`) every absent index is lost, and a note says it was
//!   assumed; in one that prints a line for every lost probe (fping, ping
//!   `-O`) an absent index is a line missing from the log: unknown.
//!
//! Unknown probes get no line in the run file: the analysis sees their
//! indices as not recorded, never as lost.

use super::sequence::IndexRecord;
use crate::import::log::Stats;
use std::collections::BTreeMap;

/// How the absent indices were judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsentRule {
    /// No index is absent.
    NoneAbsent,
    /// The statistics count every absent index lost.
    StatsAllLost,
    /// The absent indices inside the log's lines are lost (the statistics
    /// count at least that many), the ones outside are unknown.
    StatsInsideLost,
    /// The statistics cannot place their losses (or contradict the lines): all absent unknown.
    StatsUnknown,
    /// No statistics, and the tool prints nothing for a lost probe: absent taken as lost.
    GapsLost,
    /// No statistics, and the tool prints a line for every lost probe: absent unknown.
    GapsUnknown,
}

/// What the log shows against what the tool counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounting {
    /// Probe indices the log has a line for.
    pub shown: u64,
    /// Probes sent, as far as the log and its statistics tell (the range).
    pub sent: u64,
    /// Absent indices taken as lost.
    pub absent_lost: u64,
    /// Absent indices not in the run file: unknown.
    pub unknown: u64,
    /// Of the unknown, how many the statistics count lost (which ones is unknown).
    pub unknown_lost: u64,
    /// How the absent indices were judged.
    pub rule: AbsentRule,
    /// The statistics used (transmitted, received), if any.
    pub stats: Option<Stats>,
    /// Where the lines and the statistics disagree, in words.
    pub contradictions: Vec<String>,
    /// The first and the last index with a line.
    seen: Option<(u64, u64)>,
}

impl Accounting {
    /// Reconciles the lines of `merged` over `first..=last` with `stats`.
    /// `shows_losses`: the tool prints a line for every unanswered probe.
    /// `c_disagree`: `-C` values that disagree with the per-probe lines.
    pub(super) fn new(
        merged: &BTreeMap<u64, IndexRecord>,
        (first, last): (u64, u64),
        stats: Option<Stats>,
        shows_losses: bool,
        c_disagree: u64,
    ) -> Accounting {
        let seen = merged
            .keys()
            .next()
            .copied()
            .zip(merged.keys().next_back().copied());
        let shown = merged.range(first..=last).count() as u64;
        let sent = last.saturating_sub(first).saturating_add(1);
        let absent = sent.saturating_sub(shown);
        let inside = seen.map_or(0, |(lo, hi)| {
            (hi - lo + 1).saturating_sub(merged.range(lo..=hi).count() as u64)
        });
        let mut a = Accounting {
            shown,
            sent,
            absent_lost: 0,
            unknown: 0,
            unknown_lost: 0,
            rule: AbsentRule::NoneAbsent,
            stats,
            contradictions: Vec::new(),
            seen,
        };
        if let Some(s) = stats {
            a.contradictions = contradictions(merged, first, &s, c_disagree);
        }
        let unanswered = merged.values().filter(|r| r.unanswered()).count() as u64;
        let remaining = stats.map(|s| (s.transmitted - s.received).saturating_sub(unanswered));
        a.rule = match remaining {
            _ if absent == 0 => AbsentRule::NoneAbsent,
            Some(_) if !a.contradictions.is_empty() => AbsentRule::StatsUnknown,
            Some(r) if r == absent => AbsentRule::StatsAllLost,
            Some(r) if r == inside || (!shows_losses && r > inside) => AbsentRule::StatsInsideLost,
            Some(_) => AbsentRule::StatsUnknown,
            None if shows_losses => AbsentRule::GapsUnknown,
            None => AbsentRule::GapsLost,
        };
        a.absent_lost = match a.rule {
            AbsentRule::StatsAllLost | AbsentRule::GapsLost => absent,
            AbsentRule::StatsInsideLost => inside,
            _ => 0,
        };
        a.unknown = absent - a.absent_lost;
        let remaining = remaining.unwrap_or(0);
        a.unknown_lost = match a.rule {
            AbsentRule::StatsUnknown => remaining.min(a.unknown),
            AbsentRule::StatsInsideLost => remaining.saturating_sub(inside).min(a.unknown),
            _ => 0,
        };
        a
    }

    /// Whether the absent `index` is lost (else it is unknown and gets no line).
    pub(super) fn absent_is_lost(&self, index: u64) -> bool {
        match self.rule {
            AbsentRule::StatsAllLost | AbsentRule::GapsLost => true,
            AbsentRule::StatsInsideLost => {
                self.seen.is_some_and(|(lo, hi)| (lo..=hi).contains(&index))
            }
            _ => false,
        }
    }
}

/// Where the lines of `merged` contradict the statistics `s`.
fn contradictions(
    merged: &BTreeMap<u64, IndexRecord>,
    first: u64,
    s: &Stats,
    c_disagree: u64,
) -> Vec<String> {
    let mut out = Vec::new();
    let answered = merged.values().filter(|r| r.reply.is_some()).count() as u64;
    let unanswered = merged.values().filter(|r| r.unanswered()).count() as u64;
    let lost = s.transmitted - s.received;
    let at = s.line_no;
    if answered > s.received {
        out.push(format!(
            "the log shows {answered} answered probes, its statistics (line {at}) count {} received",
            s.received
        ));
    }
    if unanswered > lost {
        out.push(format!(
            "the log shows {unanswered} unanswered probes, its statistics (line {at}) count {lost} lost"
        ));
    }
    let past = merged
        .keys()
        .next_back()
        .map_or(0, |hi| (hi + 1).saturating_sub(first));
    if past > s.transmitted {
        out.push(format!(
            "the log shows {past} sequence numbers, its statistics (line {at}) count {} transmitted",
            s.transmitted
        ));
    }
    if let Some(pct) = s.loss_micro_pct.filter(|_| s.transmitted > 0) {
        let want = i128::from(lost) * 100_000_000 / i128::from(s.transmitted);
        if (i128::from(pct) - want).abs() >= 1_000_000 {
            out.push(format!(
                "its statistics (line {at}) print {}% loss for {} transmitted and {} received",
                pct as f64 / 1e6,
                s.transmitted,
                s.received
            ));
        }
    }
    if c_disagree > 0 {
        out.push(format!(
            "fping -C's summary (line {at}) and the per-probe lines disagree about {c_disagree} probe(s)"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lines`: (index, answered?) — the log's lines.
    fn account(
        lines: &[(u64, bool)],
        range: (u64, u64),
        tx_rx: Option<(u64, u64)>,
        shows: bool,
    ) -> Accounting {
        let merged = lines
            .iter()
            .map(|(i, ok)| {
                let r = IndexRecord {
                    reply: ok.then_some((None, Some(1), None, None)),
                    no_reply_line: !ok,
                    ..IndexRecord::default()
                };
                (*i, r)
            })
            .collect();
        let stats = tx_rx.map(|(transmitted, received)| Stats {
            line_no: 99,
            transmitted,
            received,
            ..Stats::default()
        });
        Accounting::new(&merged, range, stats, shows, 0)
    }

    fn oks(r: std::ops::RangeInclusive<u64>) -> Vec<(u64, bool)> {
        r.map(|i| (i, true)).collect()
    }

    #[test]
    fn an_excerpt_leaves_the_rest_unknown() {
        let a = account(&oks(311..=318), (1, 330), Some((330, 329)), false);
        assert_eq!(a.rule, AbsentRule::StatsInsideLost);
        assert_eq!(
            (a.shown, a.sent, a.absent_lost, a.unknown, a.unknown_lost),
            (8, 330, 0, 322, 1)
        );
        assert!(!a.absent_is_lost(5));
        assert!(a.contradictions.is_empty());
    }

    #[test]
    fn a_complete_log_loses_its_gaps() {
        let mut lines = oks(1..=110);
        lines.extend(oks(112..=330));
        let a = account(&lines, (1, 330), Some((330, 329)), false);
        assert_eq!(
            (a.rule, a.absent_lost, a.unknown),
            (AbsentRule::StatsAllLost, 1, 0)
        );
        assert!(a.absent_is_lost(111));
    }

    #[test]
    fn an_excerpt_with_a_gap_inside_loses_the_gap_only() {
        let mut lines = oks(300..=310);
        lines.extend(oks(314..=320));
        let a = account(&lines, (1, 330), Some((330, 327)), false);
        assert_eq!(a.rule, AbsentRule::StatsInsideLost);
        assert_eq!((a.absent_lost, a.unknown), (3, 330 - 18 - 3));
        assert!(a.absent_is_lost(312) && !a.absent_is_lost(299) && !a.absent_is_lost(321));
        // More losses counted than the gap inside: the rest are among the unknown.
        let a = account(&lines, (1, 330), Some((330, 325)), false);
        assert_eq!(
            (a.rule, a.absent_lost, a.unknown_lost),
            (AbsentRule::StatsInsideLost, 3, 2)
        );
        // fping or ping -O print every loss: a gap inside is lines missing from the log.
        let a = account(&lines, (1, 330), Some((330, 325)), true);
        assert_eq!(
            (a.rule, a.absent_lost, a.unknown_lost),
            (AbsentRule::StatsUnknown, 0, 5)
        );
    }

    #[test]
    fn without_statistics_gaps_follow_the_tool() {
        let lines = [(1, true), (2, true), (5, true)];
        let a = account(&lines, (1, 5), None, false);
        assert_eq!(
            (a.rule, a.absent_lost, a.unknown),
            (AbsentRule::GapsLost, 2, 0)
        );
        let a = account(&lines, (1, 5), None, true);
        assert_eq!(
            (a.rule, a.absent_lost, a.unknown),
            (AbsentRule::GapsUnknown, 0, 2)
        );
        let a = account(&oks(1..=5), (1, 5), None, false);
        assert_eq!(a.rule, AbsentRule::NoneAbsent);
    }

    #[test]
    fn contradictions_are_named_and_leave_the_absent_unknown() {
        let a = account(&oks(1..=8), (1, 10), Some((10, 5)), false);
        assert_eq!(a.rule, AbsentRule::StatsUnknown);
        assert_eq!(a.unknown, 2);
        assert!(
            a.contradictions[0].contains("8 answered probes")
                && a.contradictions[0].contains("line 99"),
            "{:?}",
            a.contradictions
        );
        let a = account(&[(1, true), (12, true)], (1, 12), Some((10, 10)), false);
        assert!(
            a.contradictions
                .iter()
                .any(|c| c.contains("12 sequence numbers")),
            "{:?}",
            a.contradictions
        );
        let lines = [(1, false), (2, false), (3, true)];
        let a = account(&lines, (1, 3), Some((3, 2)), true);
        assert!(
            a.contradictions.iter().any(|c| c.contains("2 unanswered")),
            "{:?}",
            a.contradictions
        );
    }
}
