//! `migprobe import` end to end (through the library: captured virsh output in
//! tests/fixtures/ → run file → `read_run`).

use migprobe::cli::import::{ImportArgs, ImportFormat, OriginArg};
use migprobe::commands::import::{execute as run, ImportError, ImportReport};
use migprobe_probe::record::kinds::{self, EventKind};
use migprobe_probe::record::{read_run, EventLine, Origin, RunWriter, SCHEMA_VERSION};
use migprobe_probe::types::RealNs;
use migprobe_sources::import::{parse_qemu_monitor_events, parse_timestamp, parse_virsh_events};
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn args(format: ImportFormat, files: &[&str], origin: OriginArg, out: &Path) -> ImportArgs {
    ImportArgs {
        format,
        files: files.iter().map(|f| fixture(f)).collect(),
        origin: Some(origin),
        interval: None,
        target: None,
        out: out.to_owned(),
        caps: Default::default(),
    }
}

fn ts(s: &str) -> RealNs {
    parse_timestamp(s).unwrap()
}

fn summary(events: &[EventLine]) -> Vec<(Origin, EventKind)> {
    events.iter().map(|e| (e.origin, e.kind.clone())).collect()
}

/// The captures of one block migration, imported in this order into one run
/// file: (format, file, origin, events imported, lines not understood).
const BLOCK_MIGRATION: [(ImportFormat, &str, OriginArg, u64, u64); 4] = [
    (
        ImportFormat::VirshEvent,
        "virsh-event-src.log",
        OriginArg::Src,
        11,
        2,
    ),
    (
        ImportFormat::VirshEvent,
        "virsh-event-dst.log",
        OriginArg::Dst,
        3,
        1,
    ),
    (
        ImportFormat::QemuMonitorEvent,
        "qemu-monitor-event-src.log",
        OriginArg::Src,
        18,
        2,
    ),
    (
        ImportFormat::QemuMonitorEvent,
        "qemu-monitor-event-dst.log",
        OriginArg::Dst,
        4,
        1,
    ),
];

/// Imports [`BLOCK_MIGRATION`] into a new run file `out`; the reports, in order.
fn import_block_migration(out: &Path) -> Vec<ImportReport> {
    BLOCK_MIGRATION
        .iter()
        .map(|(format, file, origin, ..)| run(&args(*format, &[file], *origin, out)).unwrap())
        .collect()
}

/// The events of a run file read back, without the notes recording the imported files.
fn events_of(out: &Path) -> Vec<EventLine> {
    let ev = read_run(out).unwrap().events;
    ev.into_iter().filter(|e| e.kind != kinds::NOTE).collect()
}

/// The events of the [`BLOCK_MIGRATION`] run file, read back.
fn block_migration_events() -> Vec<EventLine> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    import_block_migration(&out);
    events_of(&out)
}

#[test]
fn block_migration_reports_count_each_capture() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let reports = import_block_migration(&out);
    for (r, (_, file, _, events, bad)) in reports.iter().zip(BLOCK_MIGRATION) {
        assert_eq!(
            (r.total_events(), r.files[0].bad_lines.count()),
            (events, bad),
            "{file}"
        );
    }
    let first = &reports[0];
    assert!(first.created);
    assert_eq!(first.files[0].bad_lines.examples(), [1, 38]);
    let text = first.to_string();
    assert!(
        text.starts_with("imported 11 events from ")
            && text.contains(
                "(2 lines not understood: line 1 \"root@src:~# LC_ALL=C virsh -c 'qemu:///system?socket=/run/mi…\", line 38 \"^C\")"
            ),
        "{text}"
    );
    assert!(text.ends_with("with 11 events"), "{text}");
    assert!(!reports[1].created);
    assert!(
        reports[1].to_string().ends_with("(3 events)"),
        "{}",
        reports[1]
    );
}

#[test]
fn block_migration_run_file_is_events_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    import_block_migration(&out);
    let data = read_run(&out).unwrap();
    assert_eq!(data.bad_lines.count(), 0, "{:?}", data.bad_lines);
    assert_eq!(data.header.schema_version, SCHEMA_VERSION);
    assert!(data.header.targets.is_empty() && data.header.socket.is_none());
    assert_eq!(data.header.start_ns, ts("2026-11-25 19:18:05.401+0000"));
    assert_eq!(data.header.argv[..3], ["migprobe", "import", "virsh-event"]);
    assert!(data.probes.is_empty());
    assert_eq!(
        data.events.len(),
        11 + 3 + 18 + 4 + 4,
        "the events and a note per file"
    );
    let notes: Vec<(&str, &str)> = data
        .events
        .iter()
        .filter(|e| e.kind == kinds::NOTE)
        .map(|e| {
            (
                e.detail["file"].as_str().unwrap(),
                e.detail["origin"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        BLOCK_MIGRATION.map(|(_, f, o, ..)| (f, if o == OriginArg::Src { "src" } else { "dst" }))
    );
    assert!(data
        .events
        .iter()
        .all(|e| e.kind != kinds::NOTE || e.detail["sha256"].as_str().unwrap().len() == 64));
    // No probes were sent: the header names no prober.
    assert_eq!(
        (data.header.hostname.as_str(), data.header.kernel.as_str()),
        ("", "")
    );
}

#[test]
fn block_migration_virsh_events_from_source_and_destination() {
    let ev = block_migration_events();
    use Origin::{Dst, Src};
    assert_eq!(
        summary(&ev[..14]),
        [
            (Src, kinds::BLOCK_JOB),
            (Src, kinds::BLOCK_JOB),
            (Src, kinds::MIGRATION_ITERATION),
            (Src, kinds::MIGRATION_ITERATION),
            (Src, kinds::MIGRATION_ITERATION),
            (Src, kinds::MIGRATION_ITERATION),
            (Src, kinds::SUSPENDED),
            (Src, kinds::BLOCK_JOB),
            (Src, kinds::BLOCK_JOB),
            (Src, kinds::STOPPED),
            (Src, kinds::JOB_COMPLETED),
            (Dst, kinds::STARTED),
            (Dst, kinds::RESUMED),
            (Dst, kinds::JOB_COMPLETED),
        ]
    );
    assert_eq!(
        ev[0].detail,
        json!({"domain": "migvm", "disk": "/var/lib/migprobe-lab/src/migvm.raw", "job": "copy",
               "status": "ready", "event": "block-job"})
    );
    assert_eq!(
        ev[1].detail,
        json!({"domain": "migvm", "disk": "vda", "job": "copy", "status": "ready", "event": "block-job-2"})
    );
    assert_eq!(ev[5].detail, json!({"domain": "migvm", "iteration": 4}));
    assert_eq!(ev[8].detail["status"], json!("completed"));
    // The destination's block ends the file (no newline): still complete.
    assert_eq!(
        ev[13].detail,
        json!({"domain": "migvm", "operation": 4, "time_elapsed": 16270, "downtime": 125, "success": true})
    );
}

#[test]
fn block_migration_virsh_suspend_resume_and_job_completed() {
    let ev = block_migration_events();
    let suspended = &ev[6];
    assert_eq!(
        suspended.detail,
        json!({"domain": "migvm", "reason": "migrated"})
    );
    assert_eq!(suspended.at_ns, ts("2026-11-25 19:18:09.435+0000"));
    assert_eq!(suspended.source_ts_ns, None);
    assert_eq!(
        suspended.raw.as_deref(),
        Some("2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': Suspended Migrated")
    );
    let job = &ev[10].detail;
    assert_eq!(
        (&job["downtime"], &job["downtime_net"], &job["setup_time"]),
        (&json!(51), &json!(48), &json!(6))
    );
    assert_eq!(
        (&job["operation"], &job["success"], &job["domain"]),
        (&json!(5), &json!(true), &json!("migvm"))
    );
    assert_eq!(job.as_object().unwrap().len(), 26);
    assert_eq!(ev[10].raw.as_deref().unwrap().lines().count(), 26);
    let resumed = &ev[12];
    assert_eq!(
        resumed.detail,
        json!({"domain": "migvm", "reason": "migrated"})
    );
    assert_eq!(resumed.at_ns.since(suspended.at_ns), 125_000_000);
}

#[test]
fn block_migration_qemu_events_from_the_source() {
    let ev = block_migration_events();
    let qsrc = &ev[14..32];
    assert!(qsrc
        .iter()
        .all(|e| e.origin == Origin::Src && e.source_ts_ns == Some(e.at_ns)));
    let stop = qsrc.iter().find(|e| e.kind == kinds::QEMU_STOP).unwrap();
    assert_eq!(stop.source_ts_ns, Some(RealNs(1_795_634_289_431_022_000)));
    assert_eq!(stop.detail, json!({"domain": "migvm"}));
    let statuses: Vec<&str> = qsrc
        .iter()
        .filter(|e| e.kind == kinds::QEMU_MIGRATION)
        .map(|e| e.detail["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["setup", "active", "device", "completed"]);
    assert_eq!(qsrc[0].kind, kinds::QEMU_JOB_STATUS_CHANGE);
    assert_eq!(
        qsrc[0].detail,
        json!({"domain": "migvm", "id": "drive-virtio-disk0", "status": "created"})
    );
    assert_eq!(qsrc[3].kind, kinds::QEMU_BLOCK_JOB_READY);
    assert_eq!(qsrc[3].detail["type"], json!("mirror"));
    assert_eq!(qsrc[5].detail, json!({"domain": "migvm", "pass": 1}));
    assert_eq!(qsrc[17].kind, kinds::OTHER);
    assert_eq!(qsrc[17].detail["qemu_event"], json!("SHUTDOWN"));
}

#[test]
fn block_migration_qemu_events_from_the_destination_and_the_blackout() {
    let ev = block_migration_events();
    let qdst = &ev[32..];
    use Origin::Dst;
    assert_eq!(
        summary(qdst),
        [
            (Dst, kinds::QEMU_MIGRATION),
            (Dst, kinds::QEMU_MIGRATION),
            (Dst, kinds::QEMU_RESUME),
            (Dst, kinds::OTHER)
        ]
    );
    // The guest blackout by QEMU's clocks: source STOP → destination RESUME.
    let stop = ev[14..32]
        .iter()
        .find(|e| e.kind == kinds::QEMU_STOP)
        .unwrap();
    assert_eq!(
        qdst[2]
            .source_ts_ns
            .unwrap()
            .since(stop.source_ts_ns.unwrap()),
        125_209_000
    );
}

#[test]
fn qemu_monitor_events_with_virsh_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let r = run(&args(
        ImportFormat::QemuMonitorEvent,
        &["qemu-monitor-event-dst-timestamp.log"],
        OriginArg::Dst,
        &out,
    ))
    .unwrap();
    assert_eq!(
        r.to_string().lines().next(),
        Some(
            format!(
                "imported 2 events from {}",
                fixture("qemu-monitor-event-dst-timestamp.log").display()
            )
            .as_str()
        )
    );
    let ev = events_of(&out);
    assert_eq!(ev[1].kind, kinds::QEMU_RESUME);
    assert_eq!(
        (ev[1].at_ns, ev[1].source_ts_ns),
        (ts("2026-11-25 19:18:09.557+0000"), None)
    );
}

#[test]
fn several_files_in_one_import_keep_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let r = run(&args(
        ImportFormat::VirshEvent,
        &["virsh-event-dst.log", "virsh-event-src.log"],
        OriginArg::Src,
        &out,
    ))
    .unwrap();
    assert_eq!(r.files.len(), 2);
    assert_eq!(r.to_string().lines().count(), 3);
    let data = read_run(&out).unwrap();
    let ev = events_of(&out);
    assert_eq!(ev[0].kind, kinds::STARTED);
    assert_eq!(ev[3].kind, kinds::BLOCK_JOB);
    assert_eq!(data.events[0].detail["file"], "virsh-event-dst.log");
    assert_eq!(data.events[4].detail["file"], "virsh-event-src.log");
    // The header starts at the earliest event, wherever it is.
    assert_eq!(data.header.start_ns, ts("2026-11-25 19:17:53.301+0000"));
}

#[test]
fn the_same_capture_is_imported_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let a = args(
        ImportFormat::VirshEvent,
        &["virsh-event-dst.log"],
        OriginArg::Dst,
        &out,
    );
    assert!(run(&a).unwrap().created);
    let before = std::fs::read(&out).unwrap();
    // Again, under another name, or as the other side: refused, nothing written.
    let copy = dir.path().join("copy-of-dst.log");
    std::fs::copy(fixture("virsh-event-dst.log"), &copy).unwrap();
    let again = ImportArgs {
        files: vec![copy],
        origin: Some(OriginArg::Src),
        ..a.clone()
    };
    for a in [&a, &again] {
        let e = run(a).unwrap_err();
        assert!(matches!(e, ImportError::AlreadyImported { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("already imported into --out")
                && msg.contains("virsh-event-dst.log, line 2 of --out")
                && msg.contains("nothing was written"),
            "{msg}"
        );
        assert_eq!(std::fs::read(&out).unwrap(), before, "--out untouched");
    }
    // Twice in one command: refused before --out is created.
    let out2 = dir.path().join("run2.jsonl");
    let twice = args(
        ImportFormat::VirshEvent,
        &["virsh-event-dst.log", "virsh-event-dst.log"],
        OriginArg::Dst,
        &out2,
    );
    let e = run(&twice).unwrap_err().to_string();
    assert!(e.contains("in this same command"), "{e}");
    assert!(!out2.exists());
}

#[test]
fn appending_to_a_probe_run_and_to_a_killed_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let mut w = RunWriter::create(&out).unwrap();
    // Started shortly before the captured events (times far outside the run are not believed).
    let start = RealNs(1_795_634_280_000_000_000);
    w.write(&migprobe_probe::record::Line::Header(
        migprobe_probe::record::Header::without_probes(start, vec![]),
    ))
    .unwrap();
    w.finish().unwrap();
    // Killed mid-line: the cut line stays bad, the imported events are intact.
    std::fs::write(
        &out,
        std::fs::read_to_string(&out).unwrap() + "{\"type\":\"probe\",\"tar",
    )
    .unwrap();
    run(&args(
        ImportFormat::QemuMonitorEvent,
        &["qemu-monitor-event-dst.log"],
        OriginArg::Dst,
        &out,
    ))
    .unwrap();
    let data = read_run(&out).unwrap();
    assert_eq!(data.header.start_ns, start);
    assert_eq!(events_of(&out).len(), 4);
    assert_eq!(data.events.len(), 5, "and the note recording the file");
    assert_eq!(data.bad_lines.count(), 1);
}

#[test]
fn appending_to_a_file_that_is_not_a_run_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (content, want) in [
        ("2026-11-25 19:18:09.435+0000: event 'lifecycle' for domain 'migvm': Suspended Migrated\n", "not JSON"),
        ("", "empty"),
        ("{\"type\":\"event\",\"at_ns\":1}\n", "not a header"),
        ("{\"type\":\"header\"}\n", "bad header"),
    ] {
        let out = dir.path().join("notes.txt");
        std::fs::write(&out, content).unwrap();
        let e = run(&args(ImportFormat::VirshEvent, &["virsh-event-src.log"], OriginArg::Src, &out)).unwrap_err();
        assert!(matches!(e, ImportError::NotRunFile { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains("--out") && msg.contains("notes.txt") && msg.contains(want), "{msg}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), content, "left untouched");
    }
    let out = dir.path().join("v99.jsonl");
    let v99 = format!(
        "{}\n",
        serde_json::to_string(&migprobe_probe::record::Line::Header(
            migprobe_probe::record::Header::without_probes(RealNs(0), vec![])
        ))
        .unwrap()
        .replace(
            &format!("\"schema_version\":{SCHEMA_VERSION}"),
            "\"schema_version\":99"
        )
    );
    std::fs::write(&out, &v99).unwrap();
    let e = run(&args(
        ImportFormat::VirshEvent,
        &["virsh-event-src.log"],
        OriginArg::Src,
        &out,
    ))
    .unwrap_err();
    assert!(matches!(e, ImportError::Version { found: 99, .. }), "{e:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), v99);
}

#[test]
fn a_missing_input_is_an_error_naming_it_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    let a = args(
        ImportFormat::VirshEvent,
        &["virsh-event-src.log", "no-such-capture.log"],
        OriginArg::Src,
        &out,
    );
    let e = run(&a).unwrap_err();
    assert!(matches!(e, ImportError::Input { .. }), "{e:?}");
    assert!(e.to_string().contains("no-such-capture.log"), "{e}");
    assert!(!out.exists());
    let a = ImportArgs { files: vec![], ..a };
    assert!(matches!(run(&a), Err(ImportError::NoInput)));
    let a = args(
        ImportFormat::VirshEvent,
        &["virsh-event-src.log"],
        OriginArg::Src,
        &dir.path().join("no/such/dir/run.jsonl"),
    );
    let e = run(&a).unwrap_err();
    assert!(
        matches!(e, ImportError::Output { .. }) && e.to_string().contains("--out"),
        "{e}"
    );
}

#[test]
fn a_file_of_another_format_is_refused_and_an_empty_one_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.jsonl");
    for (format, file, looks_like) in [
        (
            ImportFormat::QemuMonitorEvent,
            "virsh-event-dst.log",
            "virsh-event",
        ),
        (
            ImportFormat::VirshEvent,
            "qemu-monitor-event-src.log",
            "qemu-monitor-event",
        ),
        (ImportFormat::VirshEvent, "ping-D.txt", "ping"),
        (ImportFormat::QemuMonitorEvent, "fping-D.txt", "fping"),
    ] {
        let e = run(&args(format, &[file], OriginArg::Dst, &out)).unwrap_err();
        assert!(matches!(e, ImportError::WrongFormat { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("FILE {}", fixture(file).display()))
                && msg.contains(&format!("holds no {} output", format.name()))
                && msg.contains(&format!(
                    "it looks like {looks_like} output: `migprobe import {looks_like} "
                ))
                && msg.contains("nothing was written"),
            "{msg}"
        );
        assert!(!out.exists(), "nothing written");
    }
    // An empty capture (no event happened on that host) is not the wrong format.
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "\n").unwrap();
    let mut a = args(ImportFormat::VirshEvent, &[], OriginArg::Dst, &out);
    a.files = vec![empty];
    let r = run(&a).unwrap();
    assert_eq!(r.total_events(), 0);
    assert!(r.to_string().contains("no events found"), "{r}");
    let data = read_run(&out).unwrap();
    assert!(events_of(&out).is_empty());
    assert!(data.header.start_ns.0 > 1_700_000_000_000_000_000, "now");
}

#[test]
fn fixtures_never_panic_cut_anywhere() {
    for name in [
        "virsh-event-src.log",
        "virsh-event-dst.log",
        "qemu-monitor-event-src.log",
        "qemu-monitor-event-dst.log",
        "qemu-monitor-event-dst-timestamp.log",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for n in 0..=bytes.len() {
            let cut = &bytes[..n];
            parse_virsh_events(cut, Origin::Src, None);
            parse_qemu_monitor_events(cut, Origin::Src, None);
            let mut flipped = cut.to_vec();
            if let Some(b) = flipped.get_mut(n / 2) {
                *b ^= 0x80;
            }
            parse_virsh_events(&flipped, Origin::Src, Some(RealNs(0)));
            parse_qemu_monitor_events(&flipped, Origin::Src, Some(RealNs(0)));
        }
    }
}
