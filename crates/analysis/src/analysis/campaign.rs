//! A run of several migrations (`run --repeat`) seen migration by migration.
//!
//! [`per_migration`](super::per_migration()) analyses each migration over its
//! own part of the run; [`merge`] puts those analyses back into the whole
//! run's, so that nothing of one migration is stretched over the others:
//!
//! - **windows**: migration i's window runs from its trigger's start to the
//!   next trigger's start (the last one's to the end of the run); before the
//!   first trigger there is no migration;
//! - **phases** and their RTT / loss are each migration's own, in order,
//!   each tagged with its migration;
//! - **outages** of the whole run carry the migration whose window they
//!   started in and their phase *within that migration*;
//! - **progress** samples carry their migration (a chart breaks its lines
//!   between migrations);
//! - **the headline** ([`Analysis::downtime`]) is the worst migration's, by
//!   network downtime (ties: the earlier), with the median across the
//!   migrations beside it ([`CampaignHeadline`]); without any network
//!   downtime there is no headline downtime.
//!
//! A host evacuation (guests migrating at once, each analysed over its own
//! targets and events by [`per_guest`](super::per_guest)) is merged the same
//! way, except that outages and progress belong to their guest, not to a time
//! window ([`by_guest`]), and the run's result is the worst guest's (its own
//! verdict would mix the guests' events).
//!
//! Everything else (baseline, targets, summaries, events, notes) stays the
//! whole run's. Unobserved windows stay the whole run's too, but each is
//! judged as the migrations judged it: it can hide an outage, or overlaps a
//! switchover, when a window of some migration's analysis within it does; the
//! verdict is open (`inconclusive`) when it is for the whole run or for any
//! one migration.

use super::model::{
    Analysis, CampaignHeadline, MigrationInfo, Outage, Outcome, Phase, PhaseName, TriggerInfo,
};
use super::phases::phase_of;
use crate::stats::Samples;
use migprobe_probe::types::RealNs;

/// Migration trigger starts in time order: (start, migration index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows(Vec<(RealNs, u32)>);

impl Windows {
    /// The windows of migrations whose triggers started at `starts` (in run
    /// order); a migration without a known start has no window.
    pub fn new(starts: &[Option<RealNs>]) -> Windows {
        let mut w: Vec<(RealNs, u32)> = starts
            .iter()
            .zip(0u32..)
            .filter_map(|(s, i)| Some(((*s)?, i)))
            .collect();
        w.sort_unstable();
        Windows(w)
    }

    /// The windows of `migrations` (in run order), from their triggers' starts.
    pub fn of(migrations: &[Analysis]) -> Windows {
        let starts: Vec<Option<RealNs>> = migrations
            .iter()
            .map(|m| m.trigger.as_ref()?.started_ns)
            .collect();
        Windows::new(&starts)
    }

    /// The migration whose window holds `t`: the last one started at or
    /// before it; `None` before the first.
    pub fn migration_at(&self, t: RealNs) -> Option<u32> {
        let n = self.0.partition_point(|(s, _)| *s <= t);
        n.checked_sub(1).map(|i| self.0[i].1)
    }
}

/// Which migration the headline shows, given each migration's network
/// downtime in run order (`None`: it has none): the largest (ties: the
/// earliest), with the median of all of them.
pub fn choose_headline(network_ns: &[Option<i64>]) -> CampaignHeadline {
    let downtimes: Vec<(u32, i64)> = network_ns
        .iter()
        .zip(0u32..)
        .filter_map(|(d, i)| Some((i, (*d)?)))
        .collect();
    let mut shown: Option<(u32, i64)> = None;
    for &(i, ns) in &downtimes {
        if shown.is_none_or(|(_, best)| ns > best) {
            shown = Some((i, ns));
        }
    }
    let values: Vec<f64> = downtimes.iter().map(|d| d.1 as f64).collect();
    CampaignHeadline {
        migrations: u32::try_from(network_ns.len()).unwrap_or(u32::MAX),
        shown: shown.map(|s| s.0),
        measured: u32::try_from(downtimes.len()).unwrap_or(u32::MAX),
        median_network_ns: Samples::new(&values).median().map(|m| m.round() as i64),
    }
}

/// The whole run's analysis `whole` with the phases, outage attribution,
/// progress and headline of its `migrations` (one analysis each, in run
/// order, as [`per_migration`](super::per_migration()) makes them); `whole`
/// itself when there are fewer than two.
pub fn merge(whole: &Analysis, migrations: &[Analysis]) -> Analysis {
    let mut a = whole.clone();
    if migrations.len() < 2 {
        return a;
    }
    a.phases = tagged(migrations, |m| &m.phases, |p, i| p.migration = Some(i));
    a.per_phase = tagged(migrations, |m| &m.per_phase, |p, i| p.migration = Some(i));
    if by_guest(migrations) {
        attribute_by_guest(&mut a, migrations);
    } else {
        attribute_by_time(&mut a, migrations);
    }
    let network: Vec<Option<i64>> = migrations
        .iter()
        .map(|m| m.downtime.as_ref().map(|d| d.network_ns))
        .collect();
    let headline = choose_headline(&network);
    a.downtime = headline
        .shown
        .and_then(|i| migrations.get(i as usize)?.downtime.clone());
    judge_blind(&mut a, migrations);
    a.campaign = Some(headline);
    a
}

/// True when `migrations` are guests of one evacuation (two or more
/// distinct [`Analysis::guest`]s), not one guest's migrations in turn.
pub fn by_guest(migrations: &[Analysis]) -> bool {
    super::per_guest::distinct(migrations.iter().filter_map(Analysis::guest)).len() >= 2
}

/// Migrations in turn: an outage or a progress sample belongs to the
/// migration whose window it started in; an outage's phase is that
/// migration's phase it spent most of its time in.
fn attribute_by_time(a: &mut Analysis, migrations: &[Analysis]) {
    let windows = Windows::of(migrations);
    for o in &mut a.outages {
        o.migration = windows.migration_at(o.start_ns);
        o.phase = o
            .migration
            .and_then(|i| phase_in(migrations, i, o.start_ns, o.end_ns));
    }
    for p in &mut a.progress {
        p.migration = windows.migration_at(p.at_ns);
    }
}

/// Guests migrating at once: each guest's own outages (of its targets, with
/// the phase its analysis found) and progress, tagged with the guest; the
/// whole run's outages of targets bound to no guest are kept untagged.
fn attribute_by_guest(a: &mut Analysis, migrations: &[Analysis]) {
    let guest_target = |id: u32| {
        migrations
            .iter()
            .any(|m| m.targets.iter().any(|t| t.id == id))
    };
    let mut outages: Vec<Outage> = a
        .outages
        .iter()
        .filter(|o| !guest_target(o.target_id))
        .cloned()
        .collect();
    outages.extend(tagged(
        migrations,
        |m| &m.outages,
        |o, i| o.migration = Some(i),
    ));
    outages.sort_by_key(|o| (o.start_ns, o.target_id));
    a.outages = outages;
    let mut progress = tagged(migrations, |m| &m.progress, |p, i| p.migration = Some(i));
    progress.sort_by_key(|p| p.at_ns);
    a.progress = progress;
    a.migration = Some(MigrationInfo {
        result: evacuation_outcome(migrations),
        stats: None,
    });
    a.trigger = evacuation_trigger(migrations);
}

/// An evacuation's result: the worst of its guests' (a failure, then a
/// cancellation, then an unknown), completed only when every guest's is.
/// The whole run's own verdict would mix the guests' events.
fn evacuation_outcome(migrations: &[Analysis]) -> Outcome {
    let results: Vec<Outcome> = migrations
        .iter()
        .map(|m| m.migration.as_ref().map_or(Outcome::Unknown, |i| i.result))
        .collect();
    [
        Outcome::Failed,
        Outcome::TriggerFailed,
        Outcome::Cancelled,
        Outcome::Unknown,
    ]
    .into_iter()
    .find(|o| results.contains(o))
    .unwrap_or(Outcome::Completed)
}

/// An evacuation's triggers as one: from the first start to the last exit,
/// with the first guest's failing exit code (else 0); the command is the one
/// they share (`nova host-evacuate-live`), else none: each guest's is in its
/// own entry.
fn evacuation_trigger(migrations: &[Analysis]) -> Option<TriggerInfo> {
    let ts: Vec<&TriggerInfo> = migrations
        .iter()
        .filter_map(|m| m.trigger.as_ref())
        .collect();
    let first = ts.first()?;
    let exited = if ts.iter().all(|t| t.exited_ns.is_some()) {
        ts.iter().filter_map(|t| t.exited_ns).max()
    } else {
        None
    };
    let code = ts
        .iter()
        .find(|t| t.exit_code != Some(0))
        .map_or(Some(0), |t| t.exit_code);
    let shared = ts.iter().all(|t| t.argv == first.argv);
    Some(TriggerInfo {
        argv: if shared {
            first.argv.clone()
        } else {
            Vec::new()
        },
        started_ns: ts.iter().filter_map(|t| t.started_ns).min(),
        exited_ns: exited,
        exit_code: if exited.is_some() { code } else { None },
    })
}

/// Marks each unobserved window of `a` that a migration's analysis judged
/// hiding (or overlapping its switchover) in a window within it, and opens
/// the verdict when any migration's is open.
fn judge_blind(a: &mut Analysis, migrations: &[Analysis]) {
    for w in &mut a.unobserved {
        let within = migrations.iter().flat_map(|m| &m.unobserved).filter(|m| {
            m.target_id == w.target_id && m.start_ns < w.end_ns && w.start_ns < m.end_ns
        });
        for m in within {
            w.can_hide_outage |= m.can_hide_outage;
            w.overlaps_switchover |= m.overlaps_switchover;
        }
    }
    a.inconclusive |= migrations.iter().any(|m| m.inconclusive);
}

/// The phase of migration `i` that `[start, end]` spent most of its time in.
fn phase_in(migrations: &[Analysis], i: u32, start: RealNs, end: RealNs) -> Option<PhaseName> {
    let phases: &[Phase] = &migrations.get(i as usize)?.phases;
    phase_of(phases, start, end)
}

/// Every migration's items, in run order, each tagged with its migration.
fn tagged<T: Clone>(
    migrations: &[Analysis],
    items: impl Fn(&Analysis) -> &Vec<T>,
    tag: impl Fn(&mut T, u32),
) -> Vec<T> {
    let mut out = Vec::new();
    for (m, i) in migrations.iter().zip(0u32..) {
        out.extend(items(m).iter().cloned().map(|mut x| {
            tag(&mut x, i);
            x
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    /// (trigger starts in run order, moment in ms) → migration.
    type WindowCase<'a> = (&'a [Option<RealNs>], i64, Option<u32>);
    /// (network downtimes in ms) → (shown, measured, median ms).
    type HeadlineCase<'a> = (&'a [Option<i64>], Option<u32>, u32, Option<i64>);

    #[test]
    fn moments_belong_to_the_migration_last_triggered() {
        let s = |ms: i64| Some(RealNs(ms * MS));
        let cases: [WindowCase<'_>; 9] = [
            (&[], 5, None),
            (&[s(10), s(20)], 5, None),
            (&[s(10), s(20)], 10, Some(0)),
            (&[s(10), s(20)], 19, Some(0)),
            (&[s(10), s(20)], 20, Some(1)),
            (&[s(10), s(20)], 1_000_000, Some(1)),
            // A migration without a known start has no window of its own.
            (&[s(10), None, s(30)], 25, Some(0)),
            (&[s(10), None, s(30)], 30, Some(2)),
            // Starts out of order are sorted, indices kept.
            (&[s(30), s(10)], 15, Some(1)),
        ];
        for (starts, at, want) in cases {
            let w = Windows::new(starts);
            assert_eq!(w.migration_at(RealNs(at * MS)), want, "{starts:?} at {at}");
        }
    }

    #[test]
    fn the_headline_is_the_worst_migration_with_the_median_beside_it() {
        let cases: [HeadlineCase<'_>; 7] = [
            (&[], None, 0, None),
            (&[None, None], None, 0, None),
            (&[Some(174), Some(306), Some(153)], Some(1), 3, Some(174)),
            (&[Some(100), Some(200)], Some(1), 2, Some(150)),
            // Ties go to the earlier migration.
            (&[Some(190), Some(190), Some(100)], Some(0), 3, Some(190)),
            // A migration without a downtime (failed) is skipped, not zero.
            (&[None, Some(50), None, Some(70)], Some(3), 2, Some(60)),
            (&[Some(0), None], Some(0), 1, Some(0)),
        ];
        for (network, shown, measured, median) in cases {
            let ns: Vec<Option<i64>> = network.iter().map(|d| d.map(|v| v * MS)).collect();
            let h = choose_headline(&ns);
            assert_eq!(h.migrations as usize, network.len(), "{network:?}");
            assert_eq!(h.shown, shown, "{network:?}");
            assert_eq!(h.measured, measured, "{network:?}");
            assert_eq!(h.median_network_ns, median.map(|m| m * MS), "{network:?}");
        }
    }
}
