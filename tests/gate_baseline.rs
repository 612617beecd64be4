//! The baseline rule of issue 14 end to end (the real binary): the committed
//! same-stack pair is no regression for `gate` nor `compare`; a campaign that
//! drifts within itself is INCONCLUSIVE (exit 1, its own JUnit failure type,
//! `--allow-inconclusive` to pass it); `--min-effect` and `--discard-warmup`
//! from flags and policy files; bad values exit 2 naming the flag.

mod gatekit;
mod schema_check;

use gatekit::*;
use serde_json::{json, Value};
use std::path::Path;

const CAMPAIGN: &str = include_str!("../reports/bench/aa-data/pair1-before.json");
const AFTER: &str = include_str!("../reports/bench/aa-data/compare-after.txt");

/// The committed campaign (the "before" of the same-stack compare example), with
/// its network downtimes replaced by `values` (as many as it has migrations).
fn campaign_with(values: &[f64]) -> Value {
    let mut v: Value = serde_json::from_str(CAMPAIGN).unwrap();
    let entries = v["migrations"].as_array_mut().unwrap();
    assert_eq!(entries.len(), values.len());
    for (m, x) in entries.iter_mut().zip(values) {
        m["downtime"]["network_ms"] = json!(x);
        m["downtime"]["bracket_ms"] = json!([x - 0.5, x + 0.5]);
    }
    v
}

/// The second campaign of the same-stack compare example, as read off its chart
/// (reports/bench/aa-data/compare-after.txt).
fn after_values() -> Vec<f64> {
    AFTER
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.parse().unwrap())
        .collect()
}

fn campaign_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/bench/aa-data/pair1-before.json")
        .display()
        .to_string()
}

#[test]
fn the_same_stack_pair_is_no_regression() {
    let d = tmp();
    let after = write(&d, "after.json", &campaign_with(&after_values()));
    let before = campaign_path();
    let o = gate(&[&after, "--baseline", &before, "--max-regression", "20%"]);
    expect(
        &o,
        0,
        &[
            "median network downtime 216.5 ms vs baseline 152.797 ms: +42 % (+63.703 ms) > the margin \
             of 30.559 ms (20 % of the baseline's median, at least 30 ms); not significantly more than \
             the margin at 95 % confidence (one-sided Mann–Whitney U = 35 on the report less the margin, \
             p = 0.1043 exact, n = 7 vs 7)",
            "1 warm-up migration left out of each; it would have caught a regression of +69 %",
            "PASS",
        ],
    );
    let o = run_in(
        d.path(),
        "compare",
        &[&before, &after, "--labels", "before,after"],
    );
    let verdict = o.stdout.lines().next().unwrap_or_default();
    assert!(
        verdict.starts_with(
            "after is 63.7 ms (+42 %) slower than before in median network downtime, not significantly \
             more than the margin of 30.6 ms (20 % of before's median, at least 30 ms): no regression"
        ),
        "{verdict}"
    );
    for row in [
        "network downtime: verdict",
        "no regression",
        "+69 % (+105.7 ms)",
    ] {
        assert!(o.stdout.contains(row), "{row} in\n{}", o.stdout);
    }
}

/// A baseline of 9 steady migrations and a candidate that settles 100 ms
/// higher halfway through.
fn drifting_pair(d: &tempfile::TempDir) -> (String, String) {
    let base: Vec<f64> = (0..9).map(|i| 200.0 + f64::from(i % 3)).collect();
    let mut cand = vec![200.0, 201.0, 202.0, 203.0, 204.0];
    cand.extend([300.0, 301.0, 302.0, 303.0]);
    (
        write(d, "cand.json", &with_migrations(&cand)),
        write(d, "base.json", &with_migrations(&base)),
    )
}

#[test]
fn a_drifting_campaign_is_inconclusive() {
    let d = tmp();
    let (cand, base) = drifting_pair(&d);
    let xml = d.path().join("gate.xml").display().to_string();
    let args = [&cand, "--baseline", &base, "--max-regression", "20%"];
    let o = gate(&[&args[..], &["--junit", &xml]].concat());
    expect(
        &o,
        1,
        &[
            "INCONCLUSIVE",
            "FAIL: regression vs baseline: inconclusive: the report drifted within itself: its second \
             half 301.5 ms against its first half's 202.5 ms (+99 ms, significantly more than the margin",
            "measure both campaigns again",
        ],
    );
    let junit = std::fs::read_to_string(&xml).unwrap();
    assert!(junit.contains("type=\"inconclusive\""), "{junit}");
    let o = gate(&[&args[..], &["--format", "json"]].concat());
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    schema_check::assert_valid_as("gate", o.stdout.as_bytes());
    let stats = &v["checks"][0]["statistics"];
    assert_eq!(stats["outcome"], "inconclusive");
    assert_eq!(stats["drift"]["drifted"], true);
    assert_eq!(stats["baseline_drift"]["drifted"], false);
    assert_eq!(stats["drift"]["halves"], json!([4, 4]));
    // Allowed: passes, says so, and states its power.
    expect(
        &gate(&[&args[..], &["--allow-inconclusive"]].concat()),
        0,
        &[
            "inconclusive (allowed: --allow-inconclusive)",
            "it would have caught a regression of +",
        ],
    );
}

#[test]
fn min_effect_and_warmup_from_flags_and_policy() {
    let d = tmp();
    // +50 % of 10 ms: 5 ms, under the 30 ms minimum effect.
    let base: Vec<f64> = (0..10).map(|i| 10.0 + 0.1 * f64::from(i)).collect();
    let cand: Vec<f64> = base.iter().map(|x| x * 1.5).collect();
    let b = write(&d, "base.json", &with_migrations(&base));
    let c = write(&d, "cand.json", &with_migrations(&cand));
    let args = [c.as_str(), "--baseline", &b, "--max-regression", "20%"];
    expect(
        &gate(&args),
        0,
        &["≤ the margin of 30 ms", "≤ +20 % (at least 30 ms)"],
    );
    expect(
        &gate(&[&args[..], &["--min-effect", "1ms"]].concat()),
        1,
        &["+50 % (+5.25 ms) > the margin of 2.1 ms (20 % of the baseline's median, at least 1 ms)"],
    );
    let o = gate(&[&args[..], &["--discard-warmup", "0", "--format", "json"]].concat());
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["checks"][0]["statistics"]["warmup_left_out"], 0);
    assert!(!v["checks"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("warm-up"));
    // The same from a policy file; flags override it.
    let policy = d.path().join("gate.toml");
    std::fs::write(
        &policy,
        "baseline = \"base.json\"\nmax_regression = \"20%\"\nmin_effect = \"1ms\"\ndiscard_warmup = 2\n",
    )
    .unwrap();
    let policy = policy.display().to_string();
    let o = gate(&[&c, "--policy", &policy, "--format", "json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let stats = &v["checks"][0]["statistics"];
    assert_eq!(
        (
            stats["warmup_left_out"].as_u64(),
            stats["min_effect_ms"].as_f64()
        ),
        (Some(2), Some(1.0))
    );
    assert_eq!(o.code, 1);
    expect(
        &gate(&[&c, "--policy", &policy, "--min-effect", "1s"]),
        0,
        &["at least 1000 ms"],
    );
}

#[test]
fn bad_rule_values_exit_2_naming_the_flag() {
    let d = tmp();
    let good = write(&d, "good.json", &with_migrations(&[100.0, 110.0, 120.0]));
    let base = ["--baseline", good.as_str(), "--max-regression", "20%"];
    for (extra, want) in [
        (vec!["--min-effect", "30"], "--min-effect \"30\""),
        (vec!["--min-effect", "-5ms"], "cannot be negative"),
        (
            vec!["--discard-warmup", "-1"],
            "--discard-warmup \"-1\": cannot be negative",
        ),
        (
            vec!["--discard-warmup", "one"],
            "expected a whole number from 0 to 1000",
        ),
    ] {
        let o = gate(&[&[good.as_str()][..], &base[..], &extra[..]].concat());
        expect(&o, 2, &[want]);
    }
    expect(
        &gate(&[&good, "--max-downtime", "1s", "--allow-inconclusive"]),
        2,
        &["--allow-inconclusive: only applies to the regression check: add --baseline BASE.json"],
    );
    for (extra, want) in [
        (vec!["--max-regression", "20"], "--max-regression \"20\""),
        (vec!["--min-effect", "x"], "--min-effect \"x\""),
        (vec!["--discard-warmup", "-2"], "--discard-warmup \"-2\""),
    ] {
        let o = run_in(
            d.path(),
            "compare",
            &[&[good.as_str(), good.as_str()][..], &extra[..]].concat(),
        );
        expect(&o, 2, &[want]);
    }
}
