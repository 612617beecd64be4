//! `report --csv DIR` through the real binary: outages.csv, migrations.csv
//! and probes.csv with their headers and one row per outage, migration and
//! probe; a --csv that is a file is exit 2 naming the flag.

mod bin;

use bin::{migprobe, s};
use std::path::Path;

fn lines(p: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines().map(str::to_owned).collect()
}

#[test]
fn report_csv_writes_the_three_tables() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("run.jsonl");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ping-seed.txt");
    let o = migprobe(&["import", "ping", fixture, "--out", s(&run)]);
    assert_eq!(o.status.code(), Some(0));
    let csv = d.path().join("tables");
    let o = migprobe(&["report", s(&run), "--csv", s(&csv), "--quiet"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    let outages = lines(&csv.join("outages.csv"));
    assert!(
        outages[0].starts_with("migration,target,addr,start_ns"),
        "{outages:?}"
    );
    assert_eq!(outages.len(), 2, "one outage: the 4.7 s freeze");
    assert!(outages[1].contains(",freeze,"), "{outages:?}");
    let migrations = lines(&csv.join("migrations.csv"));
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert!(
        migrations[1].ends_with(",1"),
        "its one outage: {migrations:?}"
    );
    let probes = lines(&csv.join("probes.csv"));
    assert_eq!(
        probes[0],
        "target_id,target,index,tx_ns,rx_ns,rtt_ns,status,dup,ttl"
    );
    assert_eq!(probes.len(), 1 + 7, "{probes:?}");
    assert!(probes[2].ends_with(",4208000000,ok,0,64"), "{probes:?}");

    let file = d.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let o = migprobe(&["report", s(&run), "--csv", s(&file)]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--csv") && e.contains("directory"), "{e}");
}
