//! The regression check's detail: one sentence with the medians, the margin,
//! the test, the bootstrap interval, the warm-up left out, the drift that
//! made it inconclusive, and with every pass the smallest regression the
//! comparison would have caught.

use super::NAME;
use crate::baseline::words::{self, Names, Style};
use crate::baseline::{margin, Judgement, MarginTest, Outcome, Power};
use crate::gate::figures::{fmt_ms, fmt_p, fmt_pct, fmt_signed_ms, migrations, trim};

/// How the gate writes numbers.
pub const STYLE: Style = Style {
    ms: fmt_ms,
    signed_ms: fmt_signed_ms,
    pct: fmt_pct,
    p: fmt_p,
};

/// The two sides, as the gate names them.
const NAMES: Names = ("the baseline", "the report");

/// What the check found.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The verdict.
    pub judgement: &'a Judgement,
    /// 95 % bootstrap interval of the median difference.
    pub interval: Option<(f64, f64)>,
    /// The power, computed for a passing check.
    pub power: Option<&'a Power>,
    /// The check passed.
    pub pass: bool,
}

/// The detail of the check.
pub fn render(f: &Facts) -> String {
    let j = f.judgement;
    let mut parts = vec![head(j)];
    match (j.outcome, &j.slower) {
        (Outcome::Thin { .. }, _) | (_, None) => parts.push(thin(j)),
        (_, Some(t)) => parts.push(format!("{}{}", test_text(t), interval_text(f.interval))),
    }
    if j.base.total > 1 || j.cand.total > 1 {
        parts.extend(words::warmup(j, NAMES));
    }
    if f.pass {
        parts.push(words::power(j, f.power, &STYLE));
    }
    let body = parts.join("; ");
    match (j.outcome, words::drift(j, &STYLE, NAMES)) {
        (Outcome::Drifted, Some(drift)) => {
            let allowed = if f.pass {
                " (allowed: --allow-inconclusive)"
            } else {
                ""
            };
            format!(
                "{NAME}: inconclusive{allowed}: {drift}, so the comparison cannot tell a regression from the drift: \
                 measure both campaigns again, each in one steady stretch; {body}"
            )
        }
        _ => body,
    }
}

/// "median network downtime 216.5 ms vs baseline 152.797 ms: +42 % (+63.703
/// ms) > the margin of 30.559 ms (20 % of the baseline's median, at least 30 ms)".
fn head(j: &Judgement) -> String {
    let label = if j.base.total > 1 || j.cand.total > 1 {
        "median network downtime"
    } else {
        "network downtime"
    };
    let cmp = if margin::exceeds(j.shift(), j.margin) {
        ">"
    } else {
        "≤"
    };
    format!(
        "{label} {} vs baseline {}: {} ({}) {cmp} {}",
        fmt_ms(j.cand.median),
        fmt_ms(j.base.median),
        fmt_pct(j.relative()),
        fmt_signed_ms(j.shift()),
        words::margin(j, &STYLE, "the baseline")
    )
}

/// "not significantly more than the margin at 95 % confidence (one-sided
/// Mann–Whitney U = 35 on the report less the margin, p = 0.0967 exact, n = 7 vs 7)".
fn test_text(t: &MarginTest) -> String {
    let mw = &t.test;
    format!(
        "{}significantly more than the margin at 95 % confidence (one-sided Mann–Whitney U = {} on the report less the margin, {}{}, n = {} vs {})",
        if t.significant { "" } else { "not " },
        trim(mw.u, 1),
        fmt_p(mw.p_value),
        if mw.exact { " exact" } else { "" },
        mw.n1,
        mw.n2
    )
}

/// ", 95 % bootstrap interval of the median difference -3 ms … +40 ms".
fn interval_text(interval: Option<(f64, f64)>) -> String {
    interval
        .map(|(lo, hi)| {
            format!(
                "; 95 % bootstrap interval of the median difference {} … {}",
                fmt_signed_ms(lo),
                fmt_signed_ms(hi)
            )
        })
        .unwrap_or_default()
}

fn thin(j: &Judgement) -> String {
    format!(
        "evidence is thin: {} against {} in the baseline (a statistical verdict needs at least 2 on each side)",
        migrations(j.cand.len()),
        j.base.len()
    )
}
