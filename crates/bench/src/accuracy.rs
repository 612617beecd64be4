//! Accuracy study: ground-truth faults, their matching with reported outages,
//! and the scores of `scripts/bench-accuracy.sh` and `tests/accuracy.rs`.
//!
//! `migprobe-inject` freezes a responder (SIGSTOP/SIGCONT) or switches the
//! kernel's echo off and on, and writes one [`Fault`] per JSON line with the
//! realtime read right before and right after each action. The **truth** is
//! the distance between the midpoints of those stamp pairs; its
//! **uncertainty** is the sum of the two half-widths.
//!
//! [`score`] matches every fault with the outages of `report.json` that
//! overlap it (give or take a slack) and computes the error
//! (estimate − truth) and whether the truth lies inside the reported bracket,
//! widened by the truth's uncertainty. Outages that overlap no fault are
//! extra (false) outages. [`score_peer`] does the same for the replies of
//! `ping -D` / `fping -D` (parsed with [`migprobe_sources::import`]): the longest gap
//! between two reply arrivals around each fault — what a careful user could
//! read from their output — and the probes they report lost.
//!
//! Pure: no I/O.

use migprobe_analysis::report::json::OutageReport;
use migprobe_probe::record::{ProbeLine, ProbeStatus};
use serde::{Deserialize, Serialize};

/// What an injected fault did to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The responder was stopped (SIGSTOP) and continued (SIGCONT): requests queue.
    Freeze,
    /// The kernel's echo was switched off and on again: requests are dropped.
    Loss,
}

/// One injected fault: one JSON line of `migprobe-inject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Case name (e.g. "freeze", "loss", "overflow"); faults are scored per case and duration.
    pub case: String,
    /// What was done.
    pub kind: FaultKind,
    /// Position in the plan, from 0.
    pub seq: u32,
    /// Requested duration, ns.
    pub requested_ns: i64,
    /// Realtime right before the start action.
    pub start_before_ns: i64,
    /// Realtime right after the start action.
    pub start_after_ns: i64,
    /// Realtime right before the end action.
    pub end_before_ns: i64,
    /// Realtime right after the end action.
    pub end_after_ns: i64,
}

impl Fault {
    /// Midpoint of the start stamps.
    pub fn start_ns(&self) -> i64 {
        mid(self.start_before_ns, self.start_after_ns)
    }

    /// Midpoint of the end stamps.
    pub fn end_ns(&self) -> i64 {
        mid(self.end_before_ns, self.end_after_ns)
    }

    /// The true duration: end midpoint − start midpoint.
    pub fn truth_ns(&self) -> i64 {
        self.end_ns().saturating_sub(self.start_ns())
    }

    /// How far the truth may be off: half of each stamp pair's width, summed.
    pub fn uncertainty_ns(&self) -> i64 {
        let half = |a: i64, b: i64| b.saturating_sub(a).max(0) / 2;
        half(self.start_before_ns, self.start_after_ns)
            .saturating_add(half(self.end_before_ns, self.end_after_ns))
    }
}

fn mid(a: i64, b: i64) -> i64 {
    a + b.saturating_sub(a) / 2
}

/// An outage as the scorer needs it (from report.json).
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Estimated start, realtime ns.
    pub start_ns: i64,
    /// Estimated end, realtime ns.
    pub end_ns: i64,
    /// Estimated length, ns.
    pub estimate_ns: i64,
    /// Bracket low end, ns.
    pub lo_ns: i64,
    /// Bracket high end, ns.
    pub hi_ns: i64,
    /// "loss", "freeze" or "mixed".
    pub class: String,
}

impl From<&OutageReport> for Observed {
    fn from(o: &OutageReport) -> Observed {
        Observed {
            start_ns: o.start_ns,
            end_ns: o.end_ns,
            estimate_ns: ms_to_ns(o.estimate_ms),
            lo_ns: ms_to_ns(o.bracket_ms[0]),
            hi_ns: ms_to_ns(o.bracket_ms[1]),
            class: o.class.clone(),
        }
    }
}

/// report.json's milliseconds (3 decimals) to whole ns.
fn ms_to_ns(ms: f64) -> i64 {
    if ms.is_finite() {
        (ms * 1e6).round() as i64
    } else {
        0
    }
}

/// How one fault was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultScore {
    /// Case name.
    pub case: String,
    /// Requested duration, ms.
    pub requested_ms: f64,
    /// Position in the plan.
    pub seq: u32,
    /// True duration, ns.
    pub truth_ns: i64,
    /// Its uncertainty, ns.
    pub uncertainty_ns: i64,
    /// Outages matched to this fault (0 = missed, > 1 = split).
    pub outages: usize,
    /// Estimate of the longest matched outage, ns.
    pub estimate_ns: Option<i64>,
    /// Its bracket, ns.
    pub bracket_ns: Option<[i64; 2]>,
    /// Its class.
    pub class: Option<String>,
    /// estimate − truth, ns.
    pub error_ns: Option<i64>,
    /// Estimated start − the fault's start (midpoint of its stamps), ns.
    pub start_error_ns: Option<i64>,
    /// Estimated end − the fault's end (midpoint of its stamps), ns.
    pub end_error_ns: Option<i64>,
    /// How far the truth lies outside the bracket widened by the uncertainty (0 = inside), ns.
    pub outside_ns: Option<i64>,
}

impl FaultScore {
    /// True when the truth lies inside the (widened) bracket.
    pub fn in_bracket(&self) -> bool {
        self.outside_ns == Some(0)
    }
}

/// Assigns each outage to the fault it overlaps most (within `slack_ns` on
/// either side). Returns the outage indices per fault and the indices of the
/// outages that overlap no fault.
pub fn match_outages(
    faults: &[Fault],
    outages: &[Observed],
    slack_ns: i64,
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut per_fault = vec![Vec::new(); faults.len()];
    let mut extra = Vec::new();
    for (oi, o) in outages.iter().enumerate() {
        let best = faults
            .iter()
            .enumerate()
            .filter_map(|(fi, f)| {
                let lo = f.start_ns().saturating_sub(slack_ns);
                let hi = f.end_ns().saturating_add(slack_ns);
                let overlap = o.end_ns.min(hi).saturating_sub(o.start_ns.max(lo));
                (overlap >= 0).then_some((overlap, fi))
            })
            .max();
        match best {
            Some((_, fi)) => per_fault[fi].push(oi),
            None => extra.push(oi),
        }
    }
    (per_fault, extra)
}

/// Scores every fault against the outages; also returns the indices of the
/// extra outages (those that overlap no fault).
pub fn score(
    faults: &[Fault],
    outages: &[Observed],
    slack_ns: i64,
) -> (Vec<FaultScore>, Vec<usize>) {
    let (per_fault, extra) = match_outages(faults, outages, slack_ns);
    let scores = faults
        .iter()
        .zip(&per_fault)
        .map(|(f, hits)| {
            let truth = f.truth_ns();
            let u = f.uncertainty_ns();
            let main = hits
                .iter()
                .map(|&i| &outages[i])
                .max_by_key(|o| o.estimate_ns);
            FaultScore {
                case: f.case.clone(),
                requested_ms: f.requested_ns as f64 / 1e6,
                seq: f.seq,
                truth_ns: truth,
                uncertainty_ns: u,
                outages: hits.len(),
                estimate_ns: main.map(|o| o.estimate_ns),
                bracket_ns: main.map(|o| [o.lo_ns, o.hi_ns]),
                class: main.map(|o| o.class.clone()),
                error_ns: main.map(|o| o.estimate_ns.saturating_sub(truth)),
                start_error_ns: main.map(|o| o.start_ns.saturating_sub(f.start_ns())),
                end_error_ns: main.map(|o| o.end_ns.saturating_sub(f.end_ns())),
                outside_ns: main.map(|o| {
                    let below = o.lo_ns.saturating_sub(u).saturating_sub(truth);
                    let above = truth.saturating_sub(o.hi_ns.saturating_add(u));
                    below.max(above).max(0)
                }),
            }
        })
        .collect();
    (scores, extra)
}

/// The delay the target's surroundings add at a fault's edges, ns: for each
/// edge, the largest RTT above `baseline_ns` among its **neighbours**, the
/// probes wholly outside the fault within `window_ns` of it (answered before
/// it started; sent after it ended); the two edges summed. A responder or
/// softirq stall that moves an edge shows in these neighbours' RTTs, so a
/// check may allow it. (A probe sent before the start but answered after it
/// waited through the fault: it is part of the fault, not a neighbour.)
pub fn edge_delay_ns(f: &Fault, probes: &[ProbeLine], window_ns: i64, baseline_ns: i64) -> i64 {
    let excess = |p: &ProbeLine| {
        p.rtt_ns
            .map_or(0, |rtt| rtt.saturating_sub(baseline_ns).max(0))
    };
    let answered = || probes.iter().filter(|p| p.status == ProbeStatus::Ok);
    let start = f.start_before_ns;
    let before = answered()
        .filter(|p| p.tx_ns.0 >= start.saturating_sub(window_ns))
        .filter(|p| p.rx_ns.is_some_and(|rx| rx.0 <= start))
        .map(excess)
        .max()
        .unwrap_or(0);
    let end = f.end_after_ns;
    let after = answered()
        .filter(|p| (end..=end.saturating_add(window_ns)).contains(&p.tx_ns.0))
        .map(excess)
        .max()
        .unwrap_or(0);
    before.saturating_add(after)
}

/// What ping or fping showed around one fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerScore {
    /// Case name.
    pub case: String,
    /// Requested duration, ms.
    pub requested_ms: f64,
    /// Position in the plan.
    pub seq: u32,
    /// True duration, ns.
    pub truth_ns: i64,
    /// Longest gap between two consecutive reply arrivals in the window, ns.
    pub gap_ns: Option<i64>,
    /// gap − truth, ns.
    pub error_ns: Option<i64>,
    /// Largest RTT printed in the window, ns.
    pub max_rtt_ns: Option<i64>,
    /// Probes sent in the window that the tool reported without a reply.
    pub lost: u64,
}

/// Scores a peer's probes (index order, from [`migprobe_sources::import::build`]) against
/// the faults: replies arriving within `window_ns` before and after each fault.
pub fn score_peer(faults: &[Fault], probes: &[ProbeLine], window_ns: i64) -> Vec<PeerScore> {
    let mut arrivals: Vec<(i64, i64)> = probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Ok)
        .filter_map(|p| Some((p.rx_ns?.0, p.rtt_ns.unwrap_or(0))))
        .collect();
    arrivals.sort_unstable();
    faults
        .iter()
        .map(|f| {
            let lo = f.start_ns().saturating_sub(window_ns);
            let hi = f.end_ns().saturating_add(window_ns);
            let a = arrivals.partition_point(|(rx, _)| *rx < lo);
            let b = arrivals.partition_point(|(rx, _)| *rx <= hi);
            let seen = &arrivals[a..b];
            let gap = seen.windows(2).map(|w| w[1].0 - w[0].0).max();
            let lost = probes
                .iter()
                .filter(|p| p.status != ProbeStatus::Ok && p.status != ProbeStatus::Skipped)
                .filter(|p| (lo..=hi).contains(&p.tx_ns.0))
                .count() as u64;
            PeerScore {
                case: f.case.clone(),
                requested_ms: f.requested_ns as f64 / 1e6,
                seq: f.seq,
                truth_ns: f.truth_ns(),
                gap_ns: gap,
                error_ns: gap.map(|g| g.saturating_sub(f.truth_ns())),
                max_rtt_ns: seen.iter().map(|(_, r)| *r).max(),
                lost,
            }
        })
        .collect()
}

/// `main` of the helper binaries (`migprobe-echo`, `migprobe-inject`): parses
/// the arguments (help and version exit 0, bad arguments exit 2 with clap's
/// message), runs `run`, and maps an error to `NAME: error: ...` and exit 2.
pub fn helper_main<A: clap::Parser>(
    name: &str,
    run: impl FnOnce(A) -> Result<(), String>,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let args = match A::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A small, seedable generator (SplitMix64) for random gaps, phases and drops.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed` (the same seed gives the same sequence).
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// A generator seeded from the operating system (falls back to the clock).
    pub fn from_os() -> SplitMix64 {
        let mut b = [0u8; 8];
        let seed = if getrandom::getrandom(&mut b).is_ok() {
            u64::from_le_bytes(b)
        } else {
            migprobe_probe::sys::realtime_now().0 as u64
        };
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi] (hi < lo gives lo).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.saturating_sub(lo).max(0) as u64;
        match span.checked_add(1) {
            Some(n) => lo + ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as i64,
            None => lo.wrapping_add(self.next_u64() as i64),
        }
    }

    /// Shuffles `v` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.between(0, i as i64) as usize;
            v.swap(i, j);
        }
    }
}

/// Summary statistics of errors, ns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorStats {
    /// Samples.
    pub n: usize,
    /// Mean.
    pub mean_ns: f64,
    /// Sample standard deviation (0 for fewer than two samples).
    pub sd_ns: f64,
    /// Largest absolute value.
    pub max_abs_ns: i64,
}

impl ErrorStats {
    /// Statistics of `errors` (`None` when empty).
    pub fn of(errors: &[i64]) -> Option<ErrorStats> {
        if errors.is_empty() {
            return None;
        }
        let n = errors.len();
        let mean = errors.iter().map(|&e| e as f64).sum::<f64>() / n as f64;
        let var = if n > 1 {
            errors
                .iter()
                .map(|&e| (e as f64 - mean).powi(2))
                .sum::<f64>()
                / (n - 1) as f64
        } else {
            0.0
        };
        Some(ErrorStats {
            n,
            mean_ns: mean,
            sd_ns: var.sqrt(),
            max_abs_ns: errors.iter().map(|e| e.saturating_abs()).max().unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    fn answered(i: u64, tx: i64, rtt: i64) -> ProbeLine {
        let mut p = ProbeLine::without_reply(
            "192.0.2.2".parse().unwrap(),
            0,
            migprobe_probe::types::ProbeIndex(i),
            (
                migprobe_probe::types::RealNs(tx),
                migprobe_probe::record::StampClock::Kernel,
            ),
            ProbeStatus::Ok,
        );
        p.rtt_ns = Some(rtt);
        p.rx_ns = Some(migprobe_probe::types::RealNs(tx + rtt));
        p
    }

    #[test]
    fn edge_delay_counts_only_neighbours() {
        let ms = 1_000_000;
        let f = Fault {
            case: "freeze".into(),
            kind: FaultKind::Freeze,
            seq: 0,
            requested_ns: 100 * ms,
            start_before_ns: 1_000 * ms,
            start_after_ns: 1_000 * ms,
            end_before_ns: 1_100 * ms,
            end_after_ns: 1_100 * ms,
        };
        let probes = [
            answered(0, 996 * ms, 3 * ms),   // before, answered before the start
            answered(1, 999 * ms, 101 * ms), // waited through the fault: not a neighbour
            answered(2, 1_101 * ms, 2 * ms), // after the end
            answered(3, 1_200 * ms, 9 * ms), // beyond the window
        ];
        let d = edge_delay_ns(&f, &probes, 5 * ms, ms / 10);
        assert_eq!(d, (3 * ms - ms / 10) + (2 * ms - ms / 10));
    }

    use super::*;

    fn fault(seq: u32, start: i64, end: i64) -> Fault {
        Fault {
            case: "loss".into(),
            kind: FaultKind::Loss,
            seq,
            requested_ns: end - start,
            start_before_ns: start - 10,
            start_after_ns: start + 10,
            end_before_ns: end - 20,
            end_after_ns: end + 20,
        }
    }

    fn outage(start: i64, est: i64, lo: i64, hi: i64) -> Observed {
        Observed {
            start_ns: start,
            end_ns: start + est,
            estimate_ns: est,
            lo_ns: lo,
            hi_ns: hi,
            class: "loss".into(),
        }
    }

    #[test]
    fn truth_is_the_distance_of_the_midpoints() {
        let f = fault(0, 1_000, 51_000);
        assert_eq!(f.truth_ns(), 50_000);
        assert_eq!(f.uncertainty_ns(), 30);
    }

    #[test]
    fn matches_overlaps_and_counts_extras_and_misses() {
        let faults = [
            fault(0, 1_000_000, 2_000_000),
            fault(1, 10_000_000, 11_000_000),
        ];
        let outs = [
            outage(1_100_000, 1_050_000, 1_000_000, 1_100_000),
            outage(5_000_000, 3_000, 2_000, 4_000),
        ];
        let (s, extra) = score(&faults, &outs, 100_000);
        assert_eq!(extra, vec![1]);
        assert_eq!(s[0].outages, 1);
        assert_eq!(s[0].error_ns, Some(50_000));
        assert!(s[0].in_bracket());
        assert_eq!(s[1].outages, 0);
        assert!(!s[1].in_bracket());
    }

    #[test]
    fn truth_outside_the_widened_bracket_is_measured() {
        let faults = [fault(0, 0, 1_000_000)];
        let outs = [outage(0, 1_300_000, 1_200_000, 1_400_000)];
        let (s, _) = score(&faults, &outs, 0);
        // lo − u − truth = 1.2 ms − 30 ns − 1 ms.
        assert_eq!(s[0].outside_ns, Some(199_970));
    }

    #[test]
    fn error_stats_and_rng_are_sane() {
        let st = ErrorStats::of(&[-2, 0, 2]).unwrap();
        assert_eq!((st.n, st.mean_ns, st.max_abs_ns), (3, 0.0, 2));
        assert!((st.sd_ns - 2.0).abs() < 1e-9);
        assert!(ErrorStats::of(&[]).is_none());
        let mut r = SplitMix64::new(7);
        for _ in 0..1000 {
            let x = r.between(5, 9);
            assert!((5..=9).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        let mut v: Vec<u32> = (0..20).collect();
        r.shuffle(&mut v);
        v.sort_unstable();
        assert_eq!(v, (0..20).collect::<Vec<_>>());
    }
}
