//! report.json's JSON Schema: the committed `schema/report-v1.json` is the
//! one generated from the Rust types (so it cannot drift), and every report
//! made here — from each fixture log through `import` and `report`, and the
//! committed examples — matches it.

mod bin;
mod schema_check;

use bin::migprobe;
use migprobe_analysis::schemas::Document;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_is_the_generated_one() {
    assert!(
        Document::Report.render() == schema_check::SCHEMA,
        "schema/report-v1.json is stale: regenerate it with `cargo run -- schema > schema/report-v1.json` \
         (and bump schema_version if the change is incompatible)"
    );
    let o = migprobe(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout), schema_check::SCHEMA);
}

#[test]
fn every_committed_schema_is_the_generated_one() {
    for (name, committed) in schema_check::ALL {
        let doc = Document::parse(name).expect(name);
        assert!(
            doc.render() == committed,
            "schema/{} is stale: regenerate it with `cargo run -- schema {name} > schema/{}`",
            doc.file_name(),
            doc.file_name()
        );
        let o = migprobe(&["schema", name]);
        assert_eq!(o.status.code(), Some(0), "schema {name}");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            committed,
            "schema {name}"
        );
    }
    assert_eq!(schema_check::ALL.len(), Document::ALL.len());
    let bad = migprobe(&["schema", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn committed_examples_match_the_schema() {
    for rel in [
        "reports/examples/report.json",
        "reports/examples/campaign/report.json",
    ] {
        let bytes = std::fs::read(root().join(rel)).expect(rel);
        schema_check::assert_valid(&bytes);
    }
}

#[test]
fn reports_of_every_fixture_log_match_the_schema() {
    let d = tempfile::tempdir().unwrap();
    let logs: [(&str, &str); 4] = [
        ("ping", "ping-D.txt"),
        ("ping", "ping-seed.txt"),
        ("ping", "ping-loss.txt"),
        ("fping", "fping-D.txt"),
    ];
    for (i, (kind, log)) in logs.iter().enumerate() {
        let dir = d.path().join(i.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let run = dir.join("run.jsonl");
        let (run_s, log_p) = (
            run.to_str().unwrap(),
            root().join("tests/fixtures").join(log),
        );
        let o = migprobe(&["import", kind, log_p.to_str().unwrap(), "--out", run_s]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{log}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = migprobe(&["report", run_s, "--json", "--format", "json"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{log}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        schema_check::assert_valid(&o.stdout);
    }
}
