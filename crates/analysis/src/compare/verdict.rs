//! The verdict sentence: each run after the first against the first, on
//! network downtime, by the gate's own rule ([`crate::baseline`]): the
//! warm-up left out, a shift counts only when it is significantly larger
//! than the margin, a run that drifted within itself makes it inconclusive,
//! and when no change was shown the sentence says what could have been.

use super::table::{self, amount, direction, evidence, p_text, percent, signed, CONFIDENCE};
use super::{judge_metric, Metric, RunFigures};
use crate::baseline::words::{self, Style};
use crate::baseline::{Judgement, MarginTest, Outcome, Policy};

/// How compare writes network downtime.
const STYLE: Style = Style {
    ms: |v| table::value(Metric::Network, v),
    signed_ms: |v| signed(Metric::Network, v),
    pct: percent,
    p: p_text,
};

/// One sentence per run after the first, against the first, on network downtime.
pub fn verdict(runs: &[RunFigures], policy: &Policy) -> String {
    let Some((base, rest)) = runs.split_first() else {
        return "nothing to compare".to_owned();
    };
    if rest.is_empty() {
        return format!("only {}: nothing to compare it with", base.label);
    }
    rest.iter()
        .map(|r| clause(base, r, policy))
        .collect::<Vec<_>>()
        .join(". ")
}

/// The clause about one run against the first.
fn clause(base: &RunFigures, run: &RunFigures, policy: &Policy) -> String {
    let Some(j) = judge_metric(Metric::Network, base, run, policy) else {
        let missing = if base.samples(Metric::Network).is_empty() {
            base
        } else {
            run
        };
        return format!(
            "{} and {} cannot be compared: {} has no network downtime",
            run.label, base.label, missing.label
        );
    };
    let names = (base.label.as_str(), run.label.as_str());
    let shift = shift(&j, base, run);
    let Some(test) = (if j.shift() < 0.0 { j.faster } else { j.slower }) else {
        return format!("{shift}; {}", thin(&j));
    };
    let margin = words::margin(&j, &STYLE, &base.label);
    let ruling = match j.outcome {
        Outcome::Slower => format!(", significantly more than {margin}: a regression"),
        Outcome::Faster => format!(", significantly more than {margin}: an improvement"),
        Outcome::Drifted => format!(
            ": inconclusive, {}",
            words::drift(&j, &STYLE, names).unwrap_or_default()
        ),
        _ if j.shift() > 0.0 => format!(", not significantly more than {margin}: no regression"),
        _ if j.shift() < 0.0 => {
            format!(", not significantly more than {margin}: no improvement shown")
        }
        _ => format!(", within {margin}: no change"),
    };
    let mut out = format!("{shift}{ruling} ({})", stats(&j, &test, run, names));
    if matches!(j.outcome, Outcome::Within | Outcome::Faster) {
        out.push_str("; ");
        out.push_str(&words::power(&j, j.power().as_ref(), &STYLE));
    }
    out
}

/// "after is 63.7 ms (+42 %) slower than before in median network downtime".
fn shift(j: &Judgement, base: &RunFigures, run: &RunFigures) -> String {
    let median = if j.base.total > 1 || j.cand.total > 1 {
        "median "
    } else {
        ""
    };
    let pct = j.relative();
    let diff = amount(
        Metric::Network,
        Some(j.shift()),
        (pct.is_finite() && j.base.median > 0.0).then_some(pct),
    );
    if diff == "±0" {
        return format!(
            "{} has the same {median}network downtime as {} ({})",
            run.label,
            base.label,
            table::value(Metric::Network, j.base.median)
        );
    }
    // "+45 ms (+23 %)" → "45 ms (+23 %)": the direction is in the words.
    let diff = diff.strip_prefix(['+', '-']).unwrap_or(&diff).to_owned();
    format!(
        "{} is {diff} {} than {} in {median}network downtime",
        run.label,
        direction(Some(j.shift())),
        base.label
    )
}

/// "one-sided Mann–Whitney p = 0.097 on after less the margin; 95 % CI of
/// the median difference +12.5 ms … +81.1 ms; 7 vs 7 migrations, 1 warm-up
/// migration left out of each".
fn stats(j: &Judgement, test: &MarginTest, run: &RunFigures, names: words::Names) -> String {
    let who = if j.shift() < 0.0 { names.0 } else { &run.label };
    let ci = j
        .interval(
            table::BOOTSTRAP_ITERATIONS,
            CONFIDENCE,
            table::BOOTSTRAP_SEED,
        )
        .map(|(lo, hi)| {
            format!(
                "; {:.0} % CI of the median difference {} … {}",
                CONFIDENCE * 100.0,
                signed(Metric::Network, lo),
                signed(Metric::Network, hi)
            )
        })
        .unwrap_or_default();
    let warmup = words::warmup(j, names)
        .map(|w| format!(", {w}"))
        .unwrap_or_default();
    format!(
        "one-sided Mann–Whitney {} on {who} less the margin{ci}; {}{warmup}",
        p_text(test.test.p_value),
        evidence(j.base.len(), j.cand.len())
    )
}

/// "evidence thin: 1 migration each", "evidence thin: 1 migration vs 10".
fn thin(j: &Judgement) -> String {
    match (j.base.len(), j.cand.len()) {
        (1, 1) => "evidence thin: 1 migration each".to_owned(),
        (a, b) => format!(
            "evidence thin: {a} migration{} vs {b}",
            if a == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture_runs as two;
    use super::*;

    fn v(a: &[f64], b: &[f64]) -> String {
        verdict(&two(a, b), &Policy::default())
    }

    #[test]
    fn verdict_sentences() {
        assert_eq!(
            v(&[200.0], &[245.0]),
            "after is 45 ms (+23 %) slower than before in network downtime; evidence thin: 1 migration each"
        );
        assert_eq!(
            v(&[200.0], &[200.0]),
            "after has the same network downtime as before (200 ms); evidence thin: 1 migration each"
        );
        let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * f64::from(i)).collect();
        let fast: Vec<f64> = base.iter().map(|x| x - 100.0).collect();
        let s = v(&base, &fast);
        assert!(s.starts_with("after is 100 ms (-40 %) faster than before in median network downtime, significantly more than the margin of 50 ms (20 % of before's median, at least 30 ms): an improvement (one-sided Mann–Whitney p"), "{s}");
        assert!(
            s.contains("9 vs 9 migrations, 1 warm-up migration left out of each)"),
            "{s}"
        );
        assert!(s.contains("it would have caught a regression of +"), "{s}");
        assert!(v(&[], &[1.0]).contains("before has no network downtime"));
        let same = v(&base, &base);
        assert!(same.starts_with("after has the same median network downtime as before (250 ms), within the margin of 50 ms (20 % of before's median, at least 30 ms): no change (one-sided"), "{same}");
        assert!(verdict(&two(&[1.0], &[1.0])[..1], &Policy::default()).starts_with("only before"));
    }

    #[test]
    fn the_same_stack_pair_reads_no_regression() {
        // reports/examples/campaign (real) and the second campaign of
        // the same-stack compare example as read off its chart (see baseline::tests).
        let before = [
            173.919, 305.598, 152.797, 198.735, 141.608, 131.588, 143.695, 171.888,
        ];
        let after = [205.0, 185.7, 186.5, 209.1, 216.5, 222.7, 235.5, 253.9];
        let s = v(&before, &after);
        assert!(s.starts_with("after is 63.7 ms (+42 %) slower than before in median network downtime, not significantly more than the margin of 30.6 ms (20 % of before's median, at least 30 ms): no regression (one-sided Mann–Whitney p = 0.104 on after less the margin; 95 % CI of the median difference +10.4 ms … +91.8 ms; 7 vs 7 migrations, 1 warm-up migration left out of each); it would have caught a regression of +"), "{s}");
    }
}
