//! `migprobe gate` end to end (the real binary): thresholds at their
//! boundaries (a figure equal to its threshold passes), every bad input →
//! exit 2 naming the flag or file, policy files, baselines with one and with
//! several migrations, and the JUnit / Markdown / JSON forms.
//!
//! Reports are copies of tests/fixtures/gate/report-v0.1.json (a real report of
//! migprobe 0.1, before prober coverage) edited in a temp dir;
//! policy files are in tests/fixtures/gate/. No XML schema validator is
//! available offline, so the JUnit output is checked with a small
//! well-formedness parser below and structure assertions.

mod gatekit;

use gatekit::*;
use serde_json::{json, Value};

// ------------------------------------------------------------ boundaries

#[test]
fn network_downtime_equal_to_the_threshold_passes() {
    let d = tmp();
    let r = write(&d, "r.json", &with_network(500.0));
    expect(
        &gate(&[&r, "--max-downtime", "500ms"]),
        0,
        &["network downtime 500 ms ≤ 500 ms", "PASS"],
    );
    expect(
        &gate(&[&r, "--max-downtime", "499.999ms"]),
        1,
        &["FAIL: network downtime 500 ms > 499.999 ms"],
    );
    // The example's own figure, to the microsecond.
    expect(
        &gate(&[&fixture("report-v0.1.json"), "--max-downtime", "193.985ms"]),
        0,
        &[],
    );
}

#[test]
fn an_open_ended_downtime_never_passes() {
    // Still dark when probing stopped: 500 ms is only a lower bound.
    let d = tmp();
    let mut v = with_network(500.0);
    v["downtime"]["open_end"] = json!(true);
    let r = write(&d, "r.json", &v);
    expect(
        &gate(&[&r, "--max-downtime", "30s"]),
        1,
        &["network downtime at least 500 ms, open-ended", "--cooldown"],
    );
    // One open migration of several is enough.
    let mut v = with_migrations(&[100.0, 200.0]);
    v["migrations"][1]["downtime"]["open_end"] = json!(true);
    let r = write(&d, "m.json", &v);
    expect(&gate(&[&r, "--max-downtime", "30s"]), 1, &["open-ended"]);
    v["migrations"][1]["downtime"]["open_end"] = json!(false);
    let r = write(&d, "m.json", &v);
    expect(&gate(&[&r, "--max-downtime", "30s"]), 0, &["PASS"]);
}

#[test]
fn hypervisor_downtime_boundary_and_missing_figure() {
    let r = fixture("report-v0.1.json");
    expect(&gate(&[&r, "--max-hypervisor-downtime", "109ms"]), 0, &[]);
    expect(
        &gate(&[&r, "--max-hypervisor-downtime", "108.999ms"]),
        1,
        &["hypervisor downtime 109 ms > 108.999 ms"],
    );
    let d = tmp();
    let mut v = example();
    v["downtime"]["hypervisor_ms"] = Value::Null;
    v["downtime"]["qemu_pause_ms"] = Value::Null;
    let p = write(&d, "r.json", &v);
    expect(
        &gate(&[&p, "--max-hypervisor-downtime", "1s"]),
        1,
        &["hypervisor downtime: cannot evaluate", "--src-uri"],
    );
    // QEMU's pause stands in when libvirt gave no figure.
    v["downtime"]["qemu_pause_ms"] = json!(105.681);
    let p = write(&d, "r.json", &v);
    expect(
        &gate(&[&p, "--max-hypervisor-downtime", "105.681ms"]),
        0,
        &[],
    );
}

#[test]
fn loss_counts_every_unanswered_probe_of_the_run() {
    // The example: 106 + 106 probes never answered, 0 unsettled.
    let r = fixture("report-v0.1.json");
    expect(
        &gate(&[&r, "--max-loss", "212"]),
        0,
        &["lost probes 212 ≤ 212"],
    );
    expect(
        &gate(&[&r, "--max-loss", "211"]),
        1,
        &["lost probes 212 > 211 (never answered, all targets, whole run)"],
    );
    let d = tmp();
    let mut v = example();
    v["targets"][0]["unsettled"] = json!(3);
    let p = write(&d, "r.json", &v);
    expect(&gate(&[&p, "--max-loss", "212"]), 1, &["215 > 212"]);
}

#[test]
fn rtt_p99_is_the_worst_target() {
    let r = fixture("report-v0.1.json");
    expect(
        &gate(&[&r, "--max-rtt-p99", "104.858ms"]),
        0,
        &["(worst target, 2001:db8::10)"],
    );
    expect(
        &gate(&[&r, "--max-rtt-p99", "104.857ms"]),
        1,
        &["RTT p99 104.858 ms > 104.857 ms"],
    );
}

#[test]
fn require_completed() {
    let r = fixture("report-v0.1.json");
    expect(
        &gate(&[&r, "--require-completed"]),
        0,
        &["migration completed and the trigger exited 0"],
    );
    let d = tmp();
    let mut v = example();
    v["migration"]["result"] = json!("failed");
    v["trigger"]["exit_code"] = json!(1);
    let p = write(&d, "failed.json", &v);
    expect(
        &gate(&[&p, "--require-completed"]),
        1,
        &["migration not completed: migration failed, trigger exited 1"],
    );
    let mut v = example();
    v["migration"] = Value::Null;
    v["trigger"]["exit_code"] = Value::Null;
    let p = write(&d, "unknown.json", &v);
    expect(
        &gate(&[&p, "--require-completed"]),
        1,
        &["migration result unknown", "trigger killed by a signal"],
    );
    let mut v = with_migrations(&[100.0, 110.0, 120.0]);
    v["migrations"][1]["result"] = json!("failed");
    v["migrations"][1]["trigger_exit_code"] = json!(1);
    let p = write(&d, "campaign.json", &v);
    expect(
        &gate(&[&p, "--require-completed"]),
        1,
        &["migration #2 failed", "migration #2: trigger exited 1"],
    );
}

#[test]
fn no_outage_is_zero_downtime() {
    let d = tmp();
    let mut v = example();
    v["downtime"] = Value::Null;
    v["outages"] = json!([]);
    let p = write(&d, "r.json", &v);
    expect(
        &gate(&[&p, "--max-downtime", "0ms"]),
        0,
        &["network downtime 0 ms ≤ 0 ms"],
    );
    // ... unless nothing was answered at all: then there is nothing to vouch for.
    for t in v["targets"].as_array_mut().unwrap() {
        t["answered"] = json!(0);
    }
    let p = write(&d, "r.json", &v);
    expect(
        &gate(&[&p, "--max-downtime", "1s"]),
        1,
        &["network downtime: cannot evaluate"],
    );
}

#[test]
fn several_migrations_judge_the_worst() {
    let d = tmp();
    let p = write(&d, "r.json", &with_migrations(&[100.0, 450.0, 200.0]));
    expect(
        &gate(&[&p, "--max-downtime", "450ms"]),
        0,
        &[
            "450 ms (max of 3)",
            "network downtime 450 ms ≤ 450 ms (worst of 3 migrations)",
        ],
    );
    expect(
        &gate(&[&p, "--max-hypervisor-downtime", "200ms"]),
        1,
        &["hypervisor downtime 225 ms > 200 ms (worst of 3 migrations)"],
    );
}

// ------------------------------------------------------------ baselines

/// A one-migration candidate (612 ms) and its baseline (240 ms), written into `d`.
fn regressed_pair(d: &tempfile::TempDir) -> (String, String) {
    (
        write(d, "cand.json", &with_network(612.0)),
        write(d, "base.json", &with_network(240.0)),
    )
}

#[test]
fn single_migrations_compare_values_and_say_the_evidence_is_thin() {
    let d = tmp();
    let (cand, base) = regressed_pair(&d);
    let o = gate(&[
        &cand,
        "--max-downtime",
        "500ms",
        "--baseline",
        &base,
        "--max-regression",
        "20%",
    ]);
    expect(
        &o,
        1,
        &[
            "FAIL: network downtime 612 ms > 500 ms; baseline 240 ms, +155 %",
            "network downtime 612 ms vs baseline 240 ms: +155 % (+372 ms) > the margin of 48 ms \
             (20 % of the baseline's median, at least 30 ms)",
            "evidence is thin: 1 migration against 1 in the baseline",
        ],
    );
    // Exactly +20 % passes.
    let cand = write(&d, "cand.json", &with_network(288.0));
    expect(
        &gate(&[&cand, "--baseline", &base, "--max-regression", "20%"]),
        0,
        &[
            "+20 % (+48 ms) ≤ the margin of 48 ms",
            "evidence is thin: 1 migration",
            "no test with a single migration on a side",
        ],
    );
    // Several migrations on one side only: still thin (the first left out as warm-up).
    let cand = write(&d, "cand.json", &with_migrations(&[600.0, 610.0, 620.0]));
    expect(
        &gate(&[&cand, "--baseline", &base, "--max-regression", "20%"]),
        1,
        &[
            "evidence is thin: 2 migrations against 1 in the baseline",
            "1 warm-up migration left out of the report (the baseline has too few)",
        ],
    );
}

#[test]
fn several_migrations_clear_shift_fails_with_its_confidence() {
    let d = tmp();
    let base: Vec<f64> = (0..10).map(|i| 200.0 + 10.0 * f64::from(i)).collect();
    let cand: Vec<f64> = base.iter().map(|x| x + 400.0).collect();
    let b = write(&d, "base.json", &with_migrations(&base));
    let c = write(&d, "cand.json", &with_migrations(&cand));
    let o = gate(&[
        &c,
        "--baseline",
        &b,
        "--max-regression",
        "20%",
        "--format",
        "json",
    ]);
    expect(&o, 1, &[]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let detail = v["checks"][0]["detail"].as_str().unwrap();
    // The first of each campaign is left out as warm-up: 9 vs 9.
    assert!(
        detail.starts_with(
            "median network downtime 650 ms vs baseline 250 ms: +160 % (+400 ms) > the margin of \
             50 ms (20 % of the baseline's median, at least 30 ms); significantly more than the \
             margin at 95 % confidence (one-sided Mann–Whitney U = 81 on the report less the \
             margin, p < 0.0001 exact, n = 9 vs 9)"
        ),
        "{detail}"
    );
    assert!(
        detail.contains("95 % bootstrap interval of the median difference +"),
        "{detail}"
    );
    assert!(
        detail.ends_with("; 1 warm-up migration left out of each"),
        "{detail}"
    );
    assert_eq!(v["checks"][0]["baseline"], "250 ms (median of 9)");
    assert_eq!(v["checks"][0]["observed"], "+160 % (median 650 ms)");
    let stats = &v["checks"][0]["statistics"];
    assert_eq!(stats["outcome"], "regression");
    assert_eq!(stats["margin_ms"], 50.0);
    assert_eq!(
        (
            stats["warmup_left_out"].as_u64(),
            stats["migrations"].as_u64()
        ),
        (Some(1), Some(9))
    );
    assert_eq!(stats["significant"], true);
    assert_eq!(
        stats["min_detectable_pct"],
        Value::Null,
        "no power figure on a FAIL"
    );
}

#[test]
fn several_migrations_without_shift_pass() {
    let d = tmp();
    let base = [240.0, 251.0, 236.0, 262.0, 245.0, 230.0, 255.0, 248.0];
    let cand = [243.0, 238.0, 259.0, 247.0, 233.0, 252.0, 241.0, 250.0];
    let b = write(&d, "base.json", &with_migrations(&base));
    let c = write(&d, "cand.json", &with_migrations(&cand));
    expect(
        &gate(&[&c, "--baseline", &b, "--max-regression", "20%"]),
        0,
        &[
            "≤ +20 %",
            "not significantly more than the margin at 95 % confidence",
            "it would have caught a regression of +",
            "80 % of the time",
        ],
    );
    // A big median jump from two noisy migrations is not significant: pass, and say so.
    let b = write(&d, "base.json", &with_migrations(&[100.0, 120.0]));
    let c = write(&d, "cand.json", &with_migrations(&[100.0, 900.0]));
    expect(
        &gate(&[&c, "--baseline", &b, "--max-regression", "20%"]),
        0,
        &[
            "+355 % (+390 ms) > the margin of 30 ms",
            "not significantly more than the margin at 95 % confidence",
            "it could not have caught any regression: 2 against 2 migrations cannot reach p < 0.05",
        ],
    );
}

// ------------------------------------------------------------ bad input → 2

#[test]
fn bad_flag_values_exit_2_naming_the_flag() {
    let d = tmp();
    let good = write(&d, "good.json", &example());
    assert_exit_2(vec![
        (
            vec![&good, "--max-downtime", "-5ms"],
            vec!["--max-downtime \"-5ms\"", "cannot be negative"],
        ),
        (
            vec![&good, "--max-downtime=-5ms"],
            vec!["--max-downtime \"-5ms\"", "cannot be negative"],
        ),
        (
            vec![&good, "--max-downtime", "500"],
            vec!["--max-downtime \"500\"", "with a unit"],
        ),
        (
            vec![&good, "--max-rtt-p99", "fast"],
            vec!["--max-rtt-p99 \"fast\""],
        ),
        (
            vec![&good, "--max-loss", "-1"],
            vec!["--max-loss \"-1\"", "negative"],
        ),
        (
            vec![&good, "--baseline", &good, "--max-regression", "20"],
            vec!["--max-regression \"20\"", "% sign"],
        ),
        (
            vec![&good, "--baseline", &good, "--max-regression", "-5%"],
            vec!["--max-regression \"-5%\"", "negative"],
        ),
        (
            vec![&good],
            vec![
                "no checks given",
                "--max-downtime",
                "--require-completed",
                "--policy",
            ],
        ),
        (
            vec![&good, "--baseline", &good, "--max-downtime", "1s"],
            vec!["--baseline: needs a limit", "--max-regression"],
        ),
        (
            vec![&good, "--max-regression", "20%"],
            vec!["--max-regression: needs a baseline", "--baseline"],
        ),
        (
            vec![&good, "--max-downtime", "1s", "--format", "xml"],
            vec!["--format \"xml\"", "text, json or markdown"],
        ),
    ]);
}

#[test]
fn bad_files_exit_2_naming_the_file() {
    let d = tmp();
    let good = write(&d, "good.json", &example());
    let mut v = example();
    v["schema_version"] = json!(2);
    let v2 = write(&d, "v2.json", &v);
    let garbage = d.path().join("garbage.json");
    std::fs::write(&garbage, "not json at all").unwrap();
    let garbage = garbage.display().to_string();
    let unknown_key = fixture("unknown-key.toml");
    let negative = fixture("negative.toml");
    let missing_dir = d.path().join("no/such/dir/gate.xml").display().to_string();
    assert_exit_2(vec![
        (
            vec!["/nonexistent/report.json", "--max-downtime", "1s"],
            vec!["REPORT.json /nonexistent/report.json: cannot read"],
        ),
        (
            vec![&v2, "--max-downtime", "1s"],
            vec!["v2.json", "report schema version 2 is not supported"],
        ),
        (
            vec![&garbage, "--max-downtime", "1s"],
            vec!["garbage.json", "not JSON"],
        ),
        (
            vec![&good, "--policy", &unknown_key],
            vec![
                "--policy",
                "unknown-key.toml",
                "unknown key `max_downtim`",
                "max_downtime",
            ],
        ),
        (
            vec![&good, "--policy", &negative],
            vec!["max_downtime in", "negative.toml", "cannot be negative"],
        ),
        (
            vec![&good, "--policy", "/nonexistent/gate.toml"],
            vec!["--policy /nonexistent/gate.toml: cannot read"],
        ),
        (
            vec![
                &good,
                "--baseline",
                "/nonexistent/base.json",
                "--max-regression",
                "20%",
            ],
            vec!["--baseline /nonexistent/base.json: cannot read"],
        ),
        (
            vec![&good, "--baseline", &v2, "--max-regression", "20%"],
            vec!["--baseline", "v2.json", "schema version 2"],
        ),
        (
            vec![&good, "--max-downtime", "1s", "--junit", &missing_dir],
            vec!["--junit", "cannot write"],
        ),
    ]);
}

/// Runs each case; each must exit 2 with no verdict and an error naming every needle.
fn assert_exit_2(cases: Vec<(Vec<&str>, Vec<&str>)>) {
    for (args, needles) in cases {
        let o = gate(&args);
        assert_eq!(
            o.code, 2,
            "{args:?}\nstdout:\n{}\nstderr:\n{}",
            o.stdout, o.stderr
        );
        assert!(
            o.stdout.is_empty(),
            "{args:?}: no verdict on stdout\n{}",
            o.stdout
        );
        assert!(
            o.stderr.starts_with("migprobe: error: "),
            "{args:?}: {}",
            o.stderr
        );
        for n in needles {
            assert!(
                o.stderr.contains(n),
                "{args:?}: missing {n:?} in {}",
                o.stderr
            );
        }
    }
}

// ------------------------------------------------------------ policy files

#[test]
fn policy_files_pass_fail_and_flags_override() {
    let r = fixture("report-v0.1.json");
    expect(
        &gate(&[&r, "--policy", &fixture("pass.toml")]),
        0,
        &["all 6 checks passed"],
    );
    expect(
        &gate(&[&r, "--policy", &fixture("fail.toml")]),
        1,
        &["network downtime 193.985 ms > 150 ms"],
    );
    expect(
        &gate(&[
            &r,
            "--policy",
            &fixture("fail.toml"),
            "--max-downtime",
            "500ms",
        ]),
        0,
        &[
            "network downtime 193.985 ms ≤ 500 ms",
            "all 3 checks passed",
        ],
    );
}

#[test]
fn policy_baseline_is_relative_to_the_policy_file() {
    let d = tmp();
    std::fs::copy(fixture("regression.toml"), d.path().join("gate.toml")).unwrap();
    write(&d, "base.json", &with_network(240.0));
    let cand = write(&d, "cand.json", &with_network(612.0));
    let elsewhere = tmp();
    let policy = d.path().join("gate.toml").display().to_string();
    expect(
        &gate_in(elsewhere.path(), &[&cand, "--policy", &policy]),
        1,
        &["+155 % (+372 ms) > the margin of 48 ms", "evidence is thin"],
    );
    expect(
        &gate_in(
            elsewhere.path(),
            &[&cand, "--policy", &policy, "--max-regression", "200%"],
        ),
        0,
        &["+155 % (+372 ms) ≤ the margin of 480 ms"],
    );
}

// ------------------------------------------------------------ output forms

#[test]
fn json_output_shape() {
    let d = tmp();
    let (cand, base) = regressed_pair(&d);
    let o = gate(&[
        &cand,
        "--max-downtime",
        "500ms",
        "--max-loss",
        "1000",
        "--baseline",
        &base,
        "--max-regression",
        "20%",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["pass"], false);
    assert!(v["summary"]
        .as_str()
        .unwrap()
        .starts_with("network downtime 612 ms > 500 ms; baseline 240 ms, +155 % · "));
    let checks = v["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "network downtime",
            "lost probes",
            "regression vs baseline",
            "prober coverage"
        ]
    );
    for c in checks {
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        // The regression check adds its figures; no key is renamed.
        let regression = c["name"] == "regression vs baseline";
        assert_eq!(keys.len(), 7 + usize::from(regression), "{c}");
        assert_eq!(c.get("statistics").is_some(), regression, "{c}");
        for k in [
            "name",
            "threshold",
            "observed",
            "baseline",
            "pass",
            "detail",
            "measure",
        ] {
            assert!(c.get(k).is_some(), "{k} in {c}");
        }
    }
    assert_eq!(checks[0]["threshold"], "≤ 500 ms");
    assert_eq!(checks[0]["observed"], "612 ms");
    assert_eq!(checks[0]["baseline"], "240 ms");
    let m = &checks[0]["measure"];
    assert_eq!(
        (m["value"].as_f64(), m["threshold"].as_f64()),
        (Some(612.0), Some(500.0))
    );
    assert_eq!(
        (m["unit"].as_str(), m["baseline"].as_f64()),
        (Some("ms"), Some(240.0))
    );
    assert_eq!(checks[2]["measure"]["unit"], "%");
    assert_eq!(checks[2]["measure"]["threshold"].as_f64(), Some(20.0));
    assert_eq!(checks[1]["pass"], true);
}

#[test]
fn markdown_output_is_a_job_summary() {
    let d = tmp();
    let (cand, base) = regressed_pair(&d);
    let o = gate(&[
        &cand,
        "--max-downtime",
        "500ms",
        "--baseline",
        &base,
        "--max-regression",
        "20%",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let md = &o.stdout;
    assert!(md.starts_with("### migprobe gate: **FAIL**\n\nnetwork downtime 612 ms \\> 500 ms; baseline 240 ms, +155 %"), "{md}");
    assert!(
        md.contains(
            "| check | threshold | observed | baseline | verdict |\n|---|---|---|---|---|\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("| network downtime | ≤ 500 ms | 612 ms | 240 ms | FAIL |"),
        "{md}"
    );
    let rows = md.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(rows, 4, "{md}");
}

#[test]
fn text_output_is_a_table_and_a_verdict_line() {
    let r = fixture("report-v0.1.json");
    let o = gate(&[&r, "--max-downtime", "500ms", "--require-completed"]);
    assert_eq!(o.code, 0);
    let lines: Vec<&str> = o.stdout.lines().collect();
    for h in ["check", "threshold", "observed", "baseline", "verdict"] {
        assert!(lines[0].contains(h), "{}", o.stdout);
    }
    assert!(lines[1].starts_with("network downtime"), "{}", o.stdout);
    assert!(lines[1].ends_with("pass"), "{}", o.stdout);
    assert_eq!(lines.last(), Some(&"PASS: all 3 checks passed"));
}

// ------------------------------------------------------------ JUnit

/// A parsed XML element (enough of XML 1.0 for the checker below).
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// Decodes the five predefined entities and numeric references; rejects anything else.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or("unterminated entity")? + i;
        let ent = &rest[i + 1..end];
        out.push(match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if ent.starts_with('#') => ent[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or(format!("bad reference &{ent};"))?,
            _ => return Err(format!("unknown entity &{ent};")),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    if out.chars().any(|c| c.is_control() && !"\t\n\r".contains(c)) {
        return Err("control character".into());
    }
    Ok(out)
}

/// Parses a document: optional `<?xml ...?>` prolog, then exactly one root element.
/// Checks nesting, quoting, entities and that no raw `<` appears in text or values.
fn parse_xml(doc: &str) -> Result<Element, String> {
    let mut s = doc;
    if let Some(rest) = s.strip_prefix("<?xml") {
        let end = rest.find("?>").ok_or("unterminated prolog")?;
        s = &rest[end + 2..];
    }
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let lt = match s.find('<') {
            Some(i) => i,
            None => {
                if !s.trim().is_empty() {
                    return Err(format!("text after the root: {s:?}"));
                }
                break;
            }
        };
        let text = &s[..lt];
        if text.contains('>') {
            return Err(format!("raw '>' in text {text:?}"));
        }
        match stack.last_mut() {
            Some(e) => e.text.push_str(&unescape(text)?),
            None if !text.trim().is_empty() => {
                return Err(format!("text outside the root {text:?}"))
            }
            None => {}
        }
        s = &s[lt + 1..];
        if let Some(rest) = s.strip_prefix('/') {
            let gt = rest.find('>').ok_or("unterminated end tag")?;
            let name = rest[..gt].trim();
            let e = stack.pop().ok_or(format!("</{name}> without start"))?;
            if e.name != name {
                return Err(format!("<{}> closed by </{name}>", e.name));
            }
            s = &rest[gt + 1..];
            match stack.last_mut() {
                Some(parent) => parent.children.push(e),
                None if root.is_none() => root = Some(e),
                None => return Err("two roots".into()),
            }
            continue;
        }
        // Start or empty tag: name, then name="value" pairs.
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("unterminated tag")?;
        let mut e = Element {
            name: s[..name_end].to_owned(),
            attrs: Vec::new(),
            children: Vec::new(),
            text: String::new(),
        };
        if e.name.is_empty() {
            return Err("empty tag name".into());
        }
        s = &s[name_end..];
        let empty = loop {
            s = s.trim_start();
            if let Some(rest) = s.strip_prefix("/>") {
                s = rest;
                break true;
            }
            if let Some(rest) = s.strip_prefix('>') {
                s = rest;
                break false;
            }
            let eq = s
                .find('=')
                .ok_or(format!("attribute without value in <{}>", e.name))?;
            let key = s[..eq].trim().to_owned();
            let rest = s[eq + 1..].strip_prefix('"').ok_or("unquoted attribute")?;
            let close = rest.find('"').ok_or("unterminated attribute")?;
            let raw = &rest[..close];
            if raw.contains('<') {
                return Err(format!("raw '<' in attribute {key}"));
            }
            if e.attrs.iter().any(|(k, _)| *k == key) {
                return Err(format!("duplicate attribute {key}"));
            }
            e.attrs.push((key, unescape(raw)?));
            s = &rest[close + 1..];
        };
        if empty {
            match stack.last_mut() {
                Some(parent) => parent.children.push(e),
                None if root.is_none() => root = Some(e),
                None => return Err("two roots".into()),
            }
        } else {
            stack.push(e);
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{}> not closed", open.name));
    }
    root.ok_or("no root element".into())
}

#[test]
fn xml_checker_rejects_broken_documents() {
    for bad in [
        "<a><b></a></b>",
        "<a x=\"1\" x=\"2\"/>",
        "<a x=1/>",
        "<a>&nbsp;</a>",
        "<a>",
        "<a/><b/>",
        "<a x=\"<\"/>",
        "",
    ] {
        assert!(parse_xml(bad).is_err(), "{bad}");
    }
    let e = parse_xml("<?xml version=\"1.0\"?>\n<a k=\"&lt;&#10;\"><b/>t&amp;</a>\n").unwrap();
    assert_eq!(
        (e.attr("k"), e.all("b").len(), e.text.as_str()),
        (Some("<\n"), 1, "t&")
    );
}

/// The one `<testsuite>` of a `<testsuites>` document, whose counts must agree with it.
fn only_suite(root: &Element) -> &Element {
    assert_eq!(root.name, "testsuites");
    let suites = root.all("testsuite");
    assert_eq!(suites.len(), 1, "{root:?}");
    for count in ["tests", "failures", "errors", "skipped"] {
        assert_eq!(root.attr(count), suites[0].attr(count), "{count}");
    }
    suites[0]
}

#[test]
fn junit_has_one_testcase_per_check_and_escapes() {
    let d = tmp();
    let mut v = with_network(612.0);
    v["targets"][1]["addr"] = json!("<evil & \"quoted\" 'x'>");
    let cand = write(&d, "cand.json", &v);
    let base = write(&d, "base.json", &with_network(240.0));
    let xml_path = d.path().join("gate.xml");
    let o = gate(&[
        &cand,
        "--max-downtime",
        "500ms",
        "--max-rtt-p99",
        "50ms",
        "--require-completed",
        "--baseline",
        &base,
        "--max-regression",
        "20%",
        "--junit",
        &xml_path.display().to_string(),
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        "{xml}"
    );
    let root = parse_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suite = only_suite(&root);
    assert_eq!(suite.attr("name"), Some("migprobe gate"));
    let cases = suite.all("testcase");
    assert_eq!(cases.len(), 5);
    assert_eq!(suite.attr("tests"), Some("5"));
    let failed: Vec<&&Element> = cases
        .iter()
        .filter(|c| !c.all("failure").is_empty())
        .collect();
    assert_eq!(
        suite.attr("failures"),
        Some(failed.len().to_string().as_str())
    );
    assert_eq!(failed.len(), 3, "{xml}");
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attr("name")).collect();
    assert_eq!(
        names,
        [
            "network downtime",
            "RTT p99",
            "migration completed",
            "regression vs baseline",
            "prober coverage"
        ]
    );
    for c in &cases {
        assert_eq!(c.attr("classname"), Some("migprobe.gate"));
        for f in c.all("failure") {
            let msg = f.attr("message").expect("failure message");
            assert!(!msg.is_empty());
            assert!(f.text.contains(msg), "body holds the detail");
        }
    }
    let rtt = cases
        .iter()
        .find(|c| c.attr("name") == Some("RTT p99"))
        .unwrap();
    let msg = rtt.all("failure")[0].attr("message").unwrap();
    assert!(msg.contains("<evil & \"quoted\" 'x'>"), "{msg}");
    let passed = cases
        .iter()
        .find(|c| c.attr("name") == Some("migration completed"))
        .unwrap();
    assert!(passed.all("failure").is_empty());
    assert_eq!(passed.all("system-out").len(), 1);
    let summary = suite.all("properties")[0].all("property")[0];
    assert_eq!(summary.attr("name"), Some("summary"));
    assert!(summary
        .attr("value")
        .unwrap()
        .starts_with("network downtime 612 ms > 500 ms; baseline 240 ms, +155 %"));
}

#[test]
fn junit_is_written_when_all_pass() {
    let d = tmp();
    let xml_path = d.path().join("ok.xml");
    let r = fixture("report-v0.1.json");
    let o = gate(&[
        &r,
        "--policy",
        &fixture("pass.toml"),
        "--junit",
        &xml_path.display().to_string(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let root = parse_xml(&std::fs::read_to_string(&xml_path).unwrap()).unwrap();
    let suite = only_suite(&root);
    assert_eq!(
        (suite.attr("tests"), suite.attr("failures")),
        (Some("6"), Some("0"))
    );
    assert!(suite
        .all("testcase")
        .iter()
        .all(|c| c.all("failure").is_empty()));
}

#[test]
fn odd_migrations_arrays_are_read_leniently() {
    let d = tmp();
    let mut v = example();
    v["migrations"] = json!([
        null,
        "x",
        { "downtime": null },
        { "downtime": { "network_ms": null } },
        { "downtime": { "network_ms": 1500.0 } },
        { "downtime": { "network_ms": 120.5 } },
        { "result": 7, "trigger_exit_code": "zero" }
    ]);
    let p = write(&d, "odd.json", &v);
    let base = write(&d, "base.json", &with_network(0.0));
    // Two usable values (1500 and 120.5): the worst fails, nothing panics.
    let o = gate(&[
        &p,
        "--max-downtime",
        "1s",
        "--require-completed",
        "--baseline",
        &base,
        "--max-regression",
        "0%",
    ]);
    expect(
        &o,
        1,
        &[
            "(worst of 2 migrations)",
            "+∞ %",
            "evidence is thin: 2 migrations against 1",
        ],
    );
    // A figure that cannot be true is bad input, not a sample to skip or judge.
    for (bad, want) in [
        (
            json!(-5),
            "migrations[1].downtime.network_ms is -5: a duration cannot be negative",
        ),
        (
            json!("300"),
            "migrations[1].downtime.network_ms is \"300\": not a number",
        ),
        (
            json!(1e300),
            "migrations[1].downtime.network_ms is 1e+300: longer than any run",
        ),
    ] {
        v["migrations"] =
            json!([{ "downtime": { "network_ms": 120.5 } }, { "downtime": { "network_ms": bad } }]);
        let p = write(&d, "implausible.json", &v);
        expect(&gate(&[&p, "--max-downtime", "1s"]), 2, &[want]);
    }
    // An empty array falls back to the headline downtime.
    v["migrations"] = json!([]);
    let p = write(&d, "empty.json", &v);
    expect(
        &gate(&[&p, "--max-downtime", "193.985ms"]),
        0,
        &["193.985 ms ≤ 193.985 ms"],
    );
}
