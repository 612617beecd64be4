//! `report --metrics-file` (and `run`'s and `probe`'s, as root): the exposition written, well
//! formed and labelled; a bad `--metrics-campaign` is refused with exit 2
//! naming the flag, before anything is written.

mod common;

use common::migprobe;
use migprobe_analysis::report::metrics::{self, ParsedSample};
use std::path::Path;

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs migprobe with `args`, which must succeed, and reads the exposition
/// `prom` back: its text and samples.
fn written(args: &[&str], prom: &Path) -> (String, Vec<ParsedSample>) {
    let o = migprobe(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(prom).unwrap();
    let samples = metrics::check(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, samples)
}

#[test]
fn report_writes_a_well_formed_exposition_labelled_with_the_campaign() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("night-42");
    std::fs::create_dir(&dir).unwrap();
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ping-D.txt");
    let run = dir.join("run.jsonl");
    let o = migprobe(&["import", "ping", arg(&log), "--out", arg(&run)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let prom = d.path().join("migprobe.prom");
    for (campaign, want) in [(None, "night-42"), (Some("weekly \"a\""), "weekly \"a\"")] {
        let mut args = vec!["report", arg(&run), "--metrics-file", arg(&prom)];
        args.extend(
            campaign
                .map(|c| ["--metrics-campaign", c])
                .into_iter()
                .flatten(),
        );
        let (text, samples) = written(&args, &prom);
        assert!(
            samples.iter().all(|s| s.labels["campaign"] == want),
            "{text}"
        );
        assert!(
            samples
                .iter()
                .any(|s| s.name == "migprobe_target_longest_outage_seconds"),
            "a probe-only run: per-target figures\n{text}"
        );
        assert!(!samples
            .iter()
            .any(|s| s.name.starts_with("migprobe_migration_")));
    }
    let before = std::fs::read(&prom).unwrap();
    for bad in [
        vec![
            "report",
            arg(&run),
            "--metrics-file",
            arg(&prom),
            "--metrics-campaign",
            " ",
        ],
        vec!["report", arg(&run), "--metrics-campaign", "x"],
        vec![
            "probe",
            "127.0.0.1",
            "-c",
            "1",
            "--metrics-file",
            arg(&prom),
        ],
    ] {
        let o = migprobe(&bad);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {e}");
        assert!(e.contains("--metrics-"), "{bad:?}: {e}");
    }
    assert_eq!(std::fs::read(&prom).unwrap(), before, "left as it was");
}

/// `run --metrics-file`: a one-second loopback run (sockets: root).
#[cfg(feature = "root-tests")]
#[test]
fn run_writes_the_metrics_of_its_migration() {
    let d = tempfile::tempdir().unwrap();
    let (dir, prom) = (d.path().join("r7"), d.path().join("r7.prom"));
    let (text, samples) = written(
        &[
            "run",
            "-t",
            "127.0.0.1",
            "-q",
            "--warmup",
            "0s",
            "--cooldown",
            "0s",
            "--out",
            arg(&dir),
            "--metrics-file",
            arg(&prom),
            "--",
            "true",
        ],
        &prom,
    );
    let duration = samples
        .iter()
        .find(|s| s.name == "migprobe_migration_duration_seconds")
        .unwrap_or_else(|| panic!("the trigger's duration\n{text}"));
    assert_eq!(duration.labels["campaign"], "r7");
    assert_eq!(duration.labels["migration"], "0");
    assert_eq!(duration.labels["target"], "127.0.0.1");
}

/// `probe --out FILE --metrics-file`: the targets' figures, no migration.
#[cfg(feature = "root-tests")]
#[test]
fn probe_writes_the_metrics_of_its_targets() {
    let d = tempfile::tempdir().unwrap();
    let (run, prom) = (d.path().join("p.jsonl"), d.path().join("p.prom"));
    let (text, samples) = written(
        &[
            "probe",
            "127.0.0.1",
            "-c",
            "20",
            "-i",
            "10ms",
            "-q",
            "--out",
            arg(&run),
            "--metrics-file",
            arg(&prom),
            "--metrics-campaign",
            "lab",
        ],
        &prom,
    );
    let sent: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == "migprobe_target_sent_probes" && s.labels["campaign"] == "lab")
        .map(|s| s.value)
        .collect();
    assert_eq!(sent, [20.0], "{text}");
    assert!(!samples
        .iter()
        .any(|s| s.name.starts_with("migprobe_migration_")));
}
