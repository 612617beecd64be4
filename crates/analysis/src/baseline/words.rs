//! The clauses a [`Judgement`] is told in, shared by the gate's detail and
//! compare's verdict sentence so that both say the same thing the same way;
//! each caller brings its own number formats ([`Style`]).

use super::power::DETECTION;
use super::{Campaign, Judgement, Outcome, Power, ALPHA};

/// How numbers are written.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Milliseconds: "30.6 ms".
    pub ms: fn(f64) -> String,
    /// Signed milliseconds: "+63.7 ms".
    pub signed_ms: fn(f64) -> String,
    /// Signed percent: "+42 %".
    pub pct: fn(f64) -> String,
    /// A p-value with its name: "p = 0.097".
    pub p: fn(f64) -> String,
}

/// The two campaigns' names: (baseline, candidate).
pub type Names<'a> = (&'a str, &'a str);

/// "the margin of 30.6 ms (20 % of before's median, at least 30 ms)".
pub fn margin(j: &Judgement, style: &Style, base: &str) -> String {
    let p = &j.policy;
    format!(
        "the margin of {} ({} % of {base}'s median, at least {})",
        (style.ms)(j.margin),
        trim(p.max_regression_pct),
        (style.ms)(p.min_effect_ms)
    )
}

/// "1 warm-up migration left out of each", "2 warm-up migrations left out of
/// after (before has too few)"; `None` when none was asked for.
pub fn warmup(j: &Judgement, names: Names) -> Option<String> {
    let n = j.policy.discard_warmup;
    if n == 0 {
        return None;
    }
    let what = if n == 1 {
        "1 warm-up migration".to_owned()
    } else {
        format!("{n} warm-up migrations")
    };
    let few = |c: &Campaign| c.too_few_for_warmup(n);
    Some(match (few(&j.base), few(&j.cand)) {
        (false, false) => format!("{what} left out of each"),
        (true, true) => format!(
            "no warm-up left out ({} and {} have too few migrations)",
            names.0, names.1
        ),
        (true, false) => format!("{what} left out of {} ({} has too few)", names.1, names.0),
        (false, true) => format!("{what} left out of {} ({} has too few)", names.0, names.1),
    })
}

/// "after drifted within itself: its second half 250 ms against its first
/// half's 190 ms (+60 ms, significantly more than the margin, p = 0.029, 3 vs
/// 4)"; `None` when neither campaign drifted.
pub fn drift(j: &Judgement, style: &Style, names: Names) -> Option<String> {
    let one = |c: &Campaign, name: &str| {
        let d = c.drift.filter(|d| d.material)?;
        let p = d
            .test
            .map(|t| (style.p)(t.test.p_value))
            .unwrap_or_default();
        Some(format!(
            "{name} drifted within itself: its second half {} against its first half's {} ({}, significantly more than the margin, {p}, {} vs {})",
            (style.ms)(d.second_median),
            (style.ms)(d.first_median),
            (style.signed_ms)(d.shift()),
            d.second,
            d.first
        ))
    };
    let said: Vec<String> = [one(&j.base, names.0), one(&j.cand, names.1)]
        .into_iter()
        .flatten()
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// "it would have caught a regression of +48 % (+73.3 ms) 80 % of the time",
/// or why it could not have caught any; `power` is [`Judgement::power`].
pub fn power(j: &Judgement, power: Option<&Power>, style: &Style) -> String {
    if matches!(j.outcome, Outcome::Thin { .. }) {
        return "no test with a single migration on a side, so no regression could have been shown: \
                compare campaigns of 8 or more migrations"
            .to_owned();
    }
    match power {
        Some(p) => format!(
            "it would have caught a regression of {} ({}) {:.0} % of the time",
            (style.pct)(p.pct),
            (style.signed_ms)(p.ms),
            DETECTION * 100.0
        ),
        None => format!(
            "it could not have caught any regression: {} against {} migrations cannot reach p < {}",
            j.cand.len(),
            j.base.len(),
            trim(ALPHA)
        ),
    }
}

/// `v` with at most 2 decimals, trailing zeros trimmed.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::{judge, Policy};
    use super::*;

    const STYLE: Style = Style {
        ms: |v| format!("{v:.1} ms"),
        signed_ms: |v| format!("{v:+.1} ms"),
        pct: |v| format!("{v:+.0} %"),
        p: |v| format!("p = {v:.3}"),
    };

    #[test]
    fn clauses() {
        let base: Vec<f64> = (0..9).map(|i| 200.0 + f64::from(i % 3)).collect();
        let mut cand = vec![200.0, 201.0, 202.0, 203.0, 204.0];
        cand.extend([300.0, 301.0, 302.0, 303.0]);
        let j = judge(&base, &cand, &Policy::default()).unwrap();
        assert_eq!(
            margin(&j, &STYLE, "a"),
            "the margin of 40.2 ms (20 % of a's median, at least 30.0 ms)"
        );
        assert_eq!(
            warmup(&j, ("a", "b")).unwrap(),
            "1 warm-up migration left out of each"
        );
        let d = drift(&j, &STYLE, ("a", "b")).unwrap();
        assert!(d.starts_with("b drifted within itself: its second half 301.5 ms against its first half's 202.5 ms (+99.0 ms"), "{d}");
        assert!(power(&j, j.power().as_ref(), &STYLE)
            .starts_with("it would have caught a regression of +"));
        let thin = judge(&[1.0, 2.0], &[1.0], &Policy::default()).unwrap();
        assert!(warmup(&thin, ("a", "b"))
            .unwrap()
            .starts_with("no warm-up left out"));
        assert!(power(&thin, None, &STYLE).starts_with("no test"));
        let two = judge(&[1.0, 2.0], &[1.0, 3.0], &Policy::default()).unwrap();
        assert_eq!(
            power(&two, two.power().as_ref(), &STYLE),
            "it could not have caught any regression: 2 against 2 migrations cannot reach p < 0.05"
        );
        let none = Policy {
            discard_warmup: 0,
            ..Policy::default()
        };
        assert!(warmup(&judge(&[1.0], &[1.0], &none).unwrap(), ("a", "b")).is_none());
    }
}
