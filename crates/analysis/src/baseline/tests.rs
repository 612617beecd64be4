//! The verdict on whole campaigns: the committed A/A pair, clear regressions
//! and improvements, drift, thin evidence.

use super::*;

/// reports/examples/campaign/report.json, network downtime in campaign order.
const BEFORE: [f64; 8] = [
    173.919, 305.598, 152.797, 198.735, 141.608, 131.588, 143.695, 171.888,
];
/// The second campaign of the same-stack compare example (run right
/// after): its first migration (205 ms, from the chart's trace label), then
/// the other seven as read off compare.svg's CDF (±0.2 ms, order unknown).
const AFTER: [f64; 8] = [205.0, 185.7, 186.5, 209.1, 216.5, 222.7, 235.5, 253.9];

#[test]
fn the_same_stack_pair_is_not_a_regression() {
    let j = judge(&BEFORE, &AFTER, &Policy::default()).unwrap();
    assert_eq!((j.base.discarded, j.cand.discarded), (1, 1));
    assert_eq!(j.base.median, 152.797);
    assert!((j.margin - 0.2 * 152.797).abs() < 1e-9);
    assert!(j.shift() > j.margin, "{j:?}");
    let t = j.slower.unwrap();
    assert!(!t.significant, "{t:?}");
    assert_eq!(j.outcome, Outcome::Within);
    assert!(!j.regressed());
    let p = j.power().unwrap();
    assert!(p.pct > 20.0 && p.pct < 100.0, "{p:?}");
    // The order of AFTER's last seven is unknown. Ascending is the order most
    // like an upward drift and descending the most like a downward one (each
    // gives its direction's largest U); neither drifts beyond the margin, so
    // no order of them would have made the verdict inconclusive.
    let mut down = AFTER;
    down[1..].reverse();
    for order in [AFTER, down] {
        let j = judge(&BEFORE, &order, &Policy::default()).unwrap();
        assert_eq!(j.outcome, Outcome::Within, "{order:?}");
        assert!(j.cand.drift.is_some_and(|d| !d.material));
    }
}

#[test]
fn a_clear_regression_and_a_clear_improvement() {
    let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * f64::from(i)).collect();
    let slow: Vec<f64> = base.iter().map(|x| x + 400.0).collect();
    let j = judge(&base, &slow, &Policy::default()).unwrap();
    assert_eq!(j.outcome, Outcome::Slower);
    assert!(j.regressed());
    let j = judge(&slow, &base, &Policy::default()).unwrap();
    assert_eq!(j.outcome, Outcome::Faster);
    // 10 % slower is within a 20 % limit, however consistent.
    let bit: Vec<f64> = base.iter().map(|x| x * 1.1).collect();
    assert_eq!(
        judge(&base, &bit, &Policy::default()).unwrap().outcome,
        Outcome::Within
    );
}

#[test]
fn the_absolute_minimum_counts_too() {
    // +50 % of 10 ms is 5 ms: below the 30 ms minimum effect.
    let base: Vec<f64> = (0..10).map(|i| 10.0 + 0.1 * f64::from(i)).collect();
    let cand: Vec<f64> = base.iter().map(|x| x * 1.5).collect();
    let j = judge(&base, &cand, &Policy::default()).unwrap();
    assert_eq!((j.margin, j.outcome), (30.0, Outcome::Within));
    let strict = Policy {
        min_effect_ms: 0.0,
        ..Policy::default()
    };
    assert_eq!(
        judge(&base, &cand, &strict).unwrap().outcome,
        Outcome::Slower
    );
}

#[test]
fn a_campaign_that_moves_within_itself_is_inconclusive() {
    let base: Vec<f64> = (0..9).map(|i| 200.0 + f64::from(i % 3)).collect();
    // Settles from 200 to 300 ms halfway through.
    let mut cand = vec![200.0, 201.0, 202.0, 203.0, 204.0];
    cand.extend([300.0, 301.0, 302.0, 303.0]);
    let j = judge(&base, &cand, &Policy::default()).unwrap();
    assert_eq!(j.outcome, Outcome::Drifted);
    assert!(j.cand.drifted() && !j.base.drifted());
    assert!(!j.regressed());
}

#[test]
fn thin_evidence_compares_the_medians() {
    let j = judge(&[240.0], &[612.0], &Policy::default()).unwrap();
    assert_eq!(
        j.outcome,
        Outcome::Thin {
            slower: true,
            faster: false
        }
    );
    assert!(j.regressed() && j.power().is_none());
    // Exactly the limit passes.
    let j = judge(&[240.0], &[288.0], &Policy::default()).unwrap();
    assert!(!j.regressed());
    assert!((j.relative() - 20.0).abs() < 1e-9);
    assert!(judge(&[], &[1.0], &Policy::default()).is_none());
    assert_eq!(
        judge(&[0.0], &[5.0], &Policy::default())
            .unwrap()
            .relative(),
        f64::INFINITY
    );
}
