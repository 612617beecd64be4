//! The tables of reports/bench/aa-study.md.

use super::study::Verdict;
use super::tally::{rate_text, Tally};
use migprobe_analysis::baseline::{Judgement, Outcome};

/// A Markdown table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "| {} |\n|{}|\n",
        header.join(" | "),
        vec!["---"; header.len()].join("|")
    );
    for r in rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    out
}

/// "2.9 % / 0.9 %": regressions / inconclusive.
pub fn cell(t: &Tally) -> String {
    format!(
        "{:.1} % / {:.1} %",
        t.regression_rate() * 100.0,
        t.inconclusive_rate() * 100.0
    )
}

/// The verdict in one word, as the gate's JSON says it.
pub fn outcome(j: &Judgement) -> &'static str {
    match j.outcome {
        Outcome::Slower => "**regression**",
        Outcome::Faster => "improvement",
        Outcome::Within => "no regression",
        Outcome::Drifted => "inconclusive",
        Outcome::Thin { slower: true, .. } => "**regression** (thin)",
        Outcome::Thin { .. } => "no regression (thin)",
    }
}

/// One judged pair as a row: baseline, candidate, migrations judged, medians,
/// shift, verdict, p beyond the margin, power, the old rule's verdict.
pub fn verdict_row(v: &Verdict) -> Vec<String> {
    let j = &v.judgement;
    let p = j
        .slower
        .map_or_else(|| "–".to_owned(), |t| format!("{:.3}", t.test.p_value));
    let power = match j.outcome {
        Outcome::Within | Outcome::Faster => j
            .power()
            .map_or_else(|| "none".to_owned(), |p| format!("+{:.0} %", p.pct)),
        _ => "–".to_owned(),
    };
    vec![
        v.base.clone(),
        v.cand.clone(),
        format!("{} vs {}", j.base.len(), j.cand.len()),
        format!("{:.1} → {:.1} ms", j.base.median, j.cand.median),
        format!(
            "{:+.1} ms ({:+.0} %), margin {:.1} ms",
            j.shift(),
            j.relative(),
            j.margin
        ),
        outcome(j).to_owned(),
        p,
        power,
        if v.legacy {
            "**regression**"
        } else {
            "no regression"
        }
        .to_owned(),
    ]
}

/// The header of [`verdict_row`].
pub const VERDICT_HEADER: [&str; 9] = [
    "baseline",
    "candidate",
    "judged",
    "medians",
    "shift",
    "verdict",
    "p beyond the margin",
    "would have caught (80 %)",
    "rule before issue 14",
];

/// "regression: 1 of 10 (10.0 % (1.8–40.4 %)); inconclusive: 0 of 10 (...); the rule before issue 14: ...".
pub fn summary(t: &Tally) -> String {
    format!(
        "false alarms (judged a regression): {} of {}, {}; inconclusive: {}, {}; the gate fails {} by default; \
         the rule before issue 14: {}, {}",
        t.regressions,
        t.pairs,
        rate_text(t.regressions, t.pairs),
        t.inconclusive,
        rate_text(t.inconclusive, t.pairs),
        rate_text(t.regressions + t.inconclusive, t.pairs),
        t.legacy,
        rate_text(t.legacy, t.pairs)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(
            table(&["a", "b"], &[vec!["1".into(), "2".into()]]),
            "| a | b |\n|---|---|\n| 1 | 2 |\n"
        );
        let t = Tally {
            pairs: 10,
            regressions: 1,
            inconclusive: 0,
            legacy: 4,
        };
        assert_eq!(cell(&t), "10.0 % / 0.0 %");
        assert!(summary(&t).starts_with("false alarms (judged a regression): 1 of 10, 10.0 %"));
    }
}
