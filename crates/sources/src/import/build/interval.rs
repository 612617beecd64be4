//! Build stage 3: the probe interval, from the data when the log has it.
//!
//! Rules, first that applies:
//!
//! 1. **Timestamps** (`-D`): the median of the measured send-time steps
//!    between consecutive answered probes (per index). An `--interval` that
//!    differs from it by more than [`TOLERANCE_PCT`] % is an error naming both.
//! 2. `--interval`.
//! 3. A command line echoed in the log (`ping -i`, `fping -p`).
//! 4. iputils ping's statistics: `time` over `transmitted − 1` (≥ 3 probes),
//!    to the microsecond — not rounded to the nominal value: `ping -i 0.2`
//!    really sends every ~204 ms, and over 60 probes 2 % is two intervals.
//! 5. The tool's default, 1 s: *assumed*, and said so.
//!
//! A value that another source contradicts by more than [`TOLERANCE_PCT`] %
//! is kept, and the contradiction is reported by the notes.

use super::sequence::IndexRecord;
use super::BuildError;
use crate::import::log::Stats;
use std::collections::BTreeMap;

/// How far two intervals may differ before they disagree, percent.
pub const TOLERANCE_PCT: i64 = 10;

/// Default interval of ping and fping: 1 s.
pub(crate) const DEFAULT_INTERVAL_NS: i64 = 1_000_000_000;

/// Where the probe interval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalSource {
    /// Measured from the log's `-D` timestamps.
    Timestamps,
    /// `--interval`.
    Flag,
    /// A command line echoed in the log.
    Log,
    /// Estimated from ping's statistics (`time` over the probes transmitted).
    Statistics,
    /// The tool's default (1 s), assumed.
    Default,
}

/// The interval used and what each source said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// The interval used, ns.
    pub ns: i64,
    /// Where it came from.
    pub source: IntervalSource,
    /// Measured from timestamps, ns.
    pub measured_ns: Option<i64>,
    /// `--interval`, ns.
    pub flag_ns: Option<i64>,
    /// From a command line in the log, ns.
    pub command_ns: Option<i64>,
    /// Estimated from the statistics' time, ns.
    pub stats_ns: Option<i64>,
}

impl Interval {
    /// The sources that disagree with the one used by more than
    /// [`TOLERANCE_PCT`] %: (what, ns).
    pub fn disagreeing(&self) -> Vec<(IntervalSource, i64)> {
        [
            (IntervalSource::Flag, self.flag_ns),
            (IntervalSource::Log, self.command_ns),
            (IntervalSource::Statistics, self.stats_ns),
        ]
        .into_iter()
        .filter(|(s, _)| *s != self.source)
        .filter_map(|(s, v)| Some((s, v?)))
        .filter(|(_, v)| disagree(*v, self.ns))
        .collect()
    }
}

/// True when `a` differs from `b` by more than [`TOLERANCE_PCT`] % of `b`.
pub(crate) fn disagree(a: i64, b: i64) -> bool {
    i128::from(a.abs_diff(b)) * 100 > i128::from(b.unsigned_abs()) * i128::from(TOLERANCE_PCT)
}

/// The interval of a log (see the module docs).
pub(super) fn choose(
    merged: &BTreeMap<u64, IndexRecord>,
    stats: Option<&Stats>,
    command_ns: Option<i64>,
    flag_ns: Option<i64>,
) -> Result<Interval, BuildError> {
    let measured_ns = measured(merged);
    let stats_ns = stats.and_then(from_statistics);
    if let (Some(m), Some(f)) = (measured_ns, flag_ns) {
        if disagree(f, m) {
            return Err(BuildError::IntervalDisagrees {
                flag_ns: f,
                measured_ns: m,
            });
        }
    }
    let (ns, source) = [
        (measured_ns, IntervalSource::Timestamps),
        (flag_ns, IntervalSource::Flag),
        (command_ns, IntervalSource::Log),
        (stats_ns, IntervalSource::Statistics),
    ]
    .into_iter()
    .find_map(|(v, s)| Some((v?, s)))
    .unwrap_or((DEFAULT_INTERVAL_NS, IntervalSource::Default));
    Ok(Interval {
        ns,
        source,
        measured_ns,
        flag_ns,
        command_ns,
        stats_ns,
    })
}

/// The median send-time step per index between consecutive answered probes
/// whose send time is measured (timestamp and RTT).
fn measured(merged: &BTreeMap<u64, IndexRecord>) -> Option<i64> {
    let sends: Vec<(u64, i64)> = merged
        .iter()
        .filter_map(|(i, r)| match r.reply {
            Some((Some(at), Some(rtt), _, _)) => Some((*i, at.0.saturating_sub(rtt))),
            _ => None,
        })
        .collect();
    let mut steps: Vec<i64> = sends
        .windows(2)
        .filter_map(|w| {
            let di = i64::try_from(w[1].0 - w[0].0).ok()?;
            let dt = w[1].1.checked_sub(w[0].1)?;
            (di > 0 && dt > 0).then(|| dt / di)
        })
        .filter(|s| *s > 0)
        .collect();
    if steps.is_empty() {
        return None;
    }
    let mid = steps.len() / 2;
    Some(*steps.select_nth_unstable(mid).1)
}

/// iputils' `time` over `transmitted − 1`, to the microsecond.
fn from_statistics(s: &Stats) -> Option<i64> {
    let time = s.time_ns.filter(|t| *t > 0)?;
    let steps = i64::try_from(s.transmitted.checked_sub(1)?).ok()?;
    if steps < 2 {
        return None;
    }
    Some((time / steps + 500) / 1_000 * 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migprobe_probe::types::RealNs;

    fn replies(sends: &[(u64, i64)]) -> BTreeMap<u64, IndexRecord> {
        sends
            .iter()
            .map(|(i, tx)| {
                let r = IndexRecord {
                    reply: Some((Some(RealNs(tx + 1_000)), Some(1_000), None, None)),
                    ..IndexRecord::default()
                };
                (*i, r)
            })
            .collect()
    }

    #[test]
    fn timestamps_win_and_a_disagreeing_flag_is_an_error() {
        let m = replies(&[
            (0, 0),
            (1, 201_000_000),
            (2, 400_000_000),
            (5, 1_000_000_000),
            (6, 1_300_000_000),
            (7, 1_500_000_000),
        ]);
        let i = choose(&m, None, Some(1_000_000_000), None).unwrap();
        assert_eq!((i.ns, i.source), (200_000_000, IntervalSource::Timestamps));
        assert_eq!(i.disagreeing(), [(IntervalSource::Log, 1_000_000_000)]);
        let ok = choose(&m, None, None, Some(210_000_000)).unwrap();
        assert_eq!(ok.source, IntervalSource::Timestamps);
        assert_eq!(
            choose(&m, None, None, Some(1_000_000_000)).unwrap_err(),
            BuildError::IntervalDisagrees {
                flag_ns: 1_000_000_000,
                measured_ns: 200_000_000
            }
        );
    }

    #[test]
    fn without_timestamps_flag_then_command_then_statistics_then_default() {
        let m = BTreeMap::new();
        let stats = Stats {
            transmitted: 60,
            received: 60,
            time_ns: Some(11_890_000_000),
            ..Stats::default()
        };
        let pick = |s: Option<&Stats>, c, f| {
            let i = choose(&m, s, c, f).unwrap();
            (i.ns, i.source)
        };
        assert_eq!(
            pick(Some(&stats), Some(5), Some(7)),
            (7, IntervalSource::Flag)
        );
        assert_eq!(pick(Some(&stats), Some(5), None), (5, IntervalSource::Log));
        assert_eq!(
            pick(Some(&stats), None, None),
            (201_525_000, IntervalSource::Statistics)
        );
        assert_eq!(
            pick(None, None, None),
            (DEFAULT_INTERVAL_NS, IntervalSource::Default)
        );
        let long = Stats {
            transmitted: 330,
            time_ns: Some(329_412_000_000),
            ..stats
        };
        assert_eq!(
            pick(Some(&long), None, None),
            (1_001_252_000, IntervalSource::Statistics)
        );
        let odd = Stats {
            transmitted: 11,
            time_ns: Some(1_234_560_000),
            ..stats
        };
        assert_eq!(
            pick(Some(&odd), None, None),
            (123_456_000, IntervalSource::Statistics)
        );
        let short = Stats {
            transmitted: 2,
            ..stats
        };
        assert_eq!(pick(Some(&short), None, None).1, IntervalSource::Default);
    }
}
