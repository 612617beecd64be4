//! The compact run file (docs/run-file.md) against the JSON Lines form:
//! every line round-trips exactly and `migprobe cat` prints what
//! `--format jsonl` writes, byte for byte; a file read while it is written
//! or cut anywhere reads up to its last whole frame; damage never panics;
//! old JSONL files still read.

use migprobe_probe::input::Limits;
use migprobe_probe::record::compact::{self, Record};
use migprobe_probe::record::kinds::EventKind;
use migprobe_probe::record::{
    read_run, DuplicateLine, EventLine, Footer, Header, Line, Origin, ProbeError, ProbeLine,
    ProbeStatus, RunData, RunFormat, RunWriter, StampClock, TargetInfo, SCHEMA_VERSION,
};
use migprobe_probe::sys::SocketKind;
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::{Family, ProbeKind};
use proptest::prelude::*;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

fn header(targets: u32) -> Header {
    Header {
        schema_version: SCHEMA_VERSION,
        tool: "migprobe".into(),
        version: "0.1.0".into(),
        nonce: "00ff".into(),
        start_ns: RealNs(1_795_651_200_000_000_000),
        interval_ns: 1_000_000,
        targets: (0..targets)
            .map(|id| TargetInfo {
                id,
                addr: if id % 2 == 0 {
                    "192.0.2.10".parse().unwrap()
                } else {
                    "2001:db8::10".parse().unwrap()
                },
                name: format!("gäst-{id} \"q\""),
                family: if id % 2 == 0 { Family::V4 } else { Family::V6 },
                phase_ns: i64::from(id) * 1000,
                probe: (id == 1).then_some(ProbeKind::Tcp(22)),
                domain: None,
            })
            .collect(),
        hostname: "h".into(),
        kernel: "6.1".into(),
        socket: Some(SocketKind::Raw),
        scheduling: "fifo".into(),
        spin_ns: 0,
        payload_bytes: 56,
        min_loss_run: 3,
        drain_ns: 1_000_000_000,
        argv: vec!["migprobe".into(), "probe".into(), "--token=***".into()],
    }
}

fn status() -> impl Strategy<Value = ProbeStatus> {
    prop_oneof![
        Just(ProbeStatus::Ok),
        Just(ProbeStatus::Lost),
        Just(ProbeStatus::Skipped),
        Just(ProbeStatus::Error),
        Just(ProbeStatus::Pending),
    ]
}

fn clock() -> impl Strategy<Value = StampClock> {
    prop_oneof![
        Just(StampClock::Kernel),
        Just(StampClock::User),
        Just(StampClock::Planned)
    ]
}

fn addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from)
    ]
}

/// Any i64, with the edges often.
fn ns() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        Just(-1),
        any::<i64>()
    ]
}

fn error() -> impl Strategy<Value = Option<Box<ProbeError>>> {
    proptest::option::of(
        (
            "[a-z_]{1,12}|send",
            proptest::option::of(any::<u8>()),
            proptest::option::of(addr()),
            proptest::option::of("\\PC{0,20}"),
        )
            .prop_map(|(kind, code, from, message)| {
                Box::new(ProbeError {
                    kind,
                    code,
                    from,
                    message,
                })
            }),
    )
}

fn probe() -> impl Strategy<Value = Line> {
    (
        (
            addr(),
            any::<u32>(),
            any::<u64>(),
            any::<u16>(),
            ns(),
            clock(),
        ),
        (
            proptest::option::of(ns()),
            proptest::option::of(clock()),
            proptest::option::of(ns()),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u32>()),
            any::<u32>(),
            status(),
            error(),
        ),
    )
        .prop_map(|((target, target_id, index, seq, tx, tx_clock), rest)| {
            let (rx_ns, rx_clock, rtt_ns, ttl, bytes, dup, status, error) = rest;
            Line::Probe(ProbeLine {
                target,
                target_id,
                index: ProbeIndex(index),
                seq,
                tx_ns: RealNs(tx),
                tx_clock,
                rx_ns: rx_ns.map(RealNs),
                rx_clock,
                rtt_ns,
                ttl,
                bytes,
                dup,
                status,
                error,
            })
        })
}

/// JSON detail values: nested, with floats, strings and nulls.
fn detail() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        // Floats that JSON text holds exactly (serde_json's own float parsing is
        // not the subject here: both formats hold the same text).
        (-1e9f64..1e9).prop_map(|f| serde_json::Value::from((f * 1024.0).round() / 1024.0)),
        "\\PC{0,16}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn other_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        (addr(), any::<u32>(), any::<u64>(), ns()).prop_map(|(target, target_id, i, rx)| {
            Line::Duplicate(DuplicateLine {
                target,
                target_id,
                index: ProbeIndex(i),
                rx_ns: RealNs(rx),
            })
        }),
        (
            ns(),
            proptest::option::of(ns()),
            prop_oneof![Just(Origin::Src), Just(Origin::Dst), Just(Origin::Local)],
            prop_oneof![
                Just(EventKind::ClockStep),
                Just(EventKind::MigrationIteration),
                "[a-z_]{1,20}".prop_map(|k| EventKind::from(k.as_str())),
            ],
            detail(),
            proptest::option::of("\\PC{0,40}"),
        )
            .prop_map(|(at, src, origin, kind, detail, raw)| {
                Line::Event(EventLine {
                    at_ns: RealNs(at),
                    source_ts_ns: src.map(RealNs),
                    origin,
                    kind,
                    detail,
                    raw,
                })
            }),
        (ns(), "\\PC{0,30}", any::<u64>(), any::<u64>()).prop_map(
            |(end, reason, sent, foreign)| {
                Line::Footer(Footer {
                    end_ns: RealNs(end),
                    reason,
                    sent,
                    foreign,
                })
            }
        ),
    ]
}

fn lines() -> impl Strategy<Value = Vec<Line>> {
    proptest::collection::vec(prop_oneof![3 => probe(), 1 => other_line()], 0..60).prop_map(
        |body| {
            std::iter::once(Line::Header(header(3)))
                .chain(body)
                .collect()
        },
    )
}

/// Writes `lines` in `format`, flushing (one compact frame) every `every` lines.
fn write(path: &Path, format: RunFormat, lines: &[Line], every: usize) {
    let mut w = RunWriter::create_as(path, format).unwrap();
    for (i, l) in lines.iter().enumerate() {
        w.write(l).unwrap();
        if (i + 1) % every == 0 {
            w.flush().unwrap();
        }
    }
    w.finish().unwrap();
}

/// The JSON Lines of a run file of either format.
fn decoded(path: &Path) -> (Vec<u8>, Vec<compact::Damage>) {
    let (lines, damage) = compact::open(path, Limits::RUN_FILE).unwrap();
    let mut text = Vec::new();
    lines.into_input().read_to_end(&mut text).unwrap();
    (text, damage.take())
}

fn records(path: &Path) -> Vec<Record> {
    compact::open_lines(path, Limits::RUN_FILE)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every line comes back equal, and the compact file decodes to the
    /// JSONL file's bytes.
    #[test]
    fn every_line_round_trips_exactly(lines in lines(), every in 1usize..20) {
        let d = tempfile::tempdir().unwrap();
        let (c, j) = (d.path().join("r.jsonl.zst"), d.path().join("r.jsonl"));
        write(&c, RunFormat::Compact, &lines, every);
        write(&j, RunFormat::Jsonl, &lines, every);
        let (text, damage) = decoded(&c);
        prop_assert!(damage.is_empty());
        prop_assert_eq!(&text, &std::fs::read(&j).unwrap());
        let back: Vec<Line> = records(&c)
            .into_iter()
            .map(|r| match r {
                Record::Line(_, l) => l,
                other => panic!("{other:?}"),
            })
            .collect();
        prop_assert_eq!(back, lines);
    }
}

/// Probe `i` of a 1 kHz run: answered in 60 µs, or `status` without a reply.
fn probe_line(i: u64, status: ProbeStatus) -> Line {
    let tx = RealNs(1_795_651_200_000_000_000 + i as i64 * 1_000_000 + 3_000);
    let mut p = ProbeLine::without_reply(
        "192.0.2.10".parse().unwrap(),
        0,
        ProbeIndex(i),
        (tx, StampClock::Kernel),
        status,
    );
    if status == ProbeStatus::Ok {
        p.rx_ns = Some(RealNs(tx.0 + 60_000));
        p.rx_clock = Some(StampClock::Kernel);
        p.rtt_ns = Some(60_000);
        p.ttl = Some(64);
        p.bytes = Some(64);
    }
    Line::Probe(p)
}

fn summary(run: &RunData) -> (usize, usize, bool, u64) {
    (
        run.probes.len(),
        run.events.len(),
        run.footer.is_some(),
        run.bad_lines.count(),
    )
}

#[test]
fn a_file_is_read_while_it_is_written() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("live.jsonl.zst");
    let mut w = RunWriter::create_as(&path, RunFormat::Compact).unwrap();
    w.write(&Line::Header(header(1))).unwrap();
    for i in 0..10 {
        w.write(&probe_line(i, ProbeStatus::Lost)).unwrap();
    }
    w.flush().unwrap();
    let run = read_run(&path).unwrap();
    assert_eq!(summary(&run), (10, 0, false, 0));
    // Lines not yet flushed are not in the file; flushed ones are.
    for i in 10..25 {
        w.write(&probe_line(i, ProbeStatus::Lost)).unwrap();
    }
    assert_eq!(read_run(&path).unwrap().probes.len(), 10);
    w.flush().unwrap();
    assert_eq!(summary(&read_run(&path).unwrap()), (25, 0, false, 0));
    // Half a frame on disk (a writer caught mid-write): the rest reads, the cut is noted.
    let whole = std::fs::read(&path).unwrap();
    let mut more = RunWriter::create_as(&d.path().join("x.zst"), RunFormat::Compact).unwrap();
    more.write(&probe_line(25, ProbeStatus::Lost)).unwrap();
    more.finish().unwrap();
    let frame = std::fs::read(d.path().join("x.zst")).unwrap()[compact::MAGIC_LEN..].to_vec();
    let mut cut = whole.clone();
    cut.extend_from_slice(&frame[..frame.len() / 2]);
    std::fs::write(&path, &cut).unwrap();
    let run = read_run(&path).unwrap();
    assert_eq!(summary(&run), (25, 0, false, 1));
    let why = &run.bad_lines.examples()[0];
    assert_eq!(why.0, 27, "after the header and 25 probes");
    assert!(why.1.contains("the file ends"), "{why:?}");
    assert!(run.skipped_lines().unwrap().contains("compact file"));
    drop(w);
}

#[test]
fn a_run_cut_at_any_byte_reads_back_without_panic() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("r.jsonl.zst");
    let mut lines = vec![Line::Header(header(1))];
    lines.extend((0..40).map(|i| probe_line(i, ProbeStatus::Lost)));
    write(&path, RunFormat::Compact, &lines, 10);
    let bytes = std::fs::read(&path).unwrap();
    let cut_path = d.path().join("cut.jsonl.zst");
    let mut last = 0;
    for n in 0..=bytes.len() {
        std::fs::write(&cut_path, &bytes[..n]).unwrap();
        match read_run(&cut_path) {
            Ok(run) => {
                assert!(run.probes.len() >= last, "cut at {n}: never fewer");
                assert!(run.bad_lines.count() <= 1, "cut at {n}");
                last = run.probes.len();
            }
            Err(e) => assert!(last == 0, "cut at {n}: {e}"),
        }
    }
    assert_eq!(last, 40);
}

/// reports/examples' committed JSONL runs read the same from JSONL and
/// from their compact copy.
#[test]
fn old_jsonl_files_read_and_their_compact_copies_read_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for side in ["old", "new"] {
        let jsonl = root.join(format!("reports/examples/upgrade/{side}/events.jsonl"));
        let old = read_run(&jsonl).unwrap();
        let d = tempfile::tempdir().unwrap();
        let c = d.path().join("events.jsonl.zst");
        let lines: Vec<Line> = records(&jsonl)
            .into_iter()
            .filter_map(|r| match r {
                Record::Line(_, l) => Some(l),
                _ => None,
            })
            .collect();
        write(&c, RunFormat::Compact, &lines, 7);
        let new = read_run(&c).unwrap();
        assert_eq!(format!("{:?}", old.events), format!("{:?}", new.events));
        assert_eq!(old.footer, new.footer);
        assert_eq!(old.header, new.header);
        assert_eq!(
            decoded(&c).0,
            std::fs::read(&jsonl).unwrap(),
            "{side}: same bytes"
        );
    }
}

fn cat(args: &[&Path]) -> std::process::Output {
    Command::new(MIGPROBE)
        .arg("cat")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cat_prints_the_jsonl_form_and_refuses_what_is_not_a_run_file() {
    let d = tempfile::tempdir().unwrap();
    let mut lines = vec![Line::Header(header(2))];
    lines.extend((0..300).map(|i| probe_line(i, ProbeStatus::Ok)));
    let (c, j) = (d.path().join("run.jsonl.zst"), d.path().join("j.jsonl"));
    write(&c, RunFormat::Compact, &lines, 64);
    write(&j, RunFormat::Jsonl, &lines, 64);
    let jsonl = std::fs::read(&j).unwrap();
    for input in [&c, &j, &d.path().to_path_buf()] {
        let out = cat(&[input]);
        assert_eq!(out.status.code(), Some(0), "{input:?}");
        assert!(out.stdout == jsonl, "{input:?}: the JSONL bytes");
    }
    // Cut in its last frame: the rest printed, the cut reported, exit 0.
    let bytes = std::fs::read(&c).unwrap();
    let cut = d.path().join("cut.zst");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).unwrap();
    let out = cat(&[&cut]);
    assert_eq!(out.status.code(), Some(0));
    assert!(jsonl.starts_with(&out.stdout) && out.stdout.len() < jsonl.len());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("the file ends"),
        "{err}"
    );
    // Not a run file: exit 2, a clear message.
    let bad: [(&str, &[u8]); 4] = [
        ("empty", b""),
        ("text", b"hello\n"),
        ("magic-only", &bytes[..compact::MAGIC_LEN]),
        (
            "garbage-frame",
            &[&bytes[..compact::MAGIC_LEN], &[7u8; 40][..]].concat(),
        ),
    ];
    for (name, content) in bad {
        let p = d.path().join(name);
        std::fs::write(&p, content).unwrap();
        let out = cat(&[&p]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is not a migprobe run file"), "{name}: {err}");
    }
    for missing in [d.path().join("nope"), PathBuf::from("/dev/zero")] {
        assert_eq!(cat(&[&missing]).status.code(), Some(2), "{missing:?}");
    }
}

#[test]
fn report_and_summary_read_both_formats_alike() {
    let d = tempfile::tempdir().unwrap();
    let mut lines = vec![Line::Header(header(1))];
    lines.extend((0..2000).map(|i| {
        probe_line(
            i,
            if (900..1100).contains(&i) {
                ProbeStatus::Lost
            } else {
                ProbeStatus::Ok
            },
        )
    }));
    let mut out = Vec::new();
    for (sub, format) in [("c", RunFormat::Compact), ("j", RunFormat::Jsonl)] {
        let dir = d.path().join(sub);
        std::fs::create_dir(&dir).unwrap();
        write(&dir.join(format.file_name()), format, &lines, 100);
        let o = Command::new(MIGPROBE)
            .args(["summary", "--json"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        out.push(o.stdout);
    }
    assert_eq!(out[0], out[1]);
}

/// `import` writes the format its `--out` name asks for, appends events in
/// it, and refuses a log imported twice in either.
#[test]
fn import_writes_and_appends_either_format_alike() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let d = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    for name in ["run.jsonl", "run.jsonl.zst"] {
        let out = d.path().join(name);
        let import = |args: &[&str]| {
            Command::new(MIGPROBE)
                .arg("import")
                .args(args)
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap()
        };
        let ping = fixtures.join("ping-D.txt");
        let ev = fixtures.join("virsh-event-src.log");
        let o = import(&["ping", ping.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = import(&["virsh-event", ev.to_str().unwrap(), "--origin", "src"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let again = import(&["virsh-event", ev.to_str().unwrap(), "--origin", "src"]);
        assert_eq!(again.status.code(), Some(2), "{name}: imported twice");
        let first = std::fs::read(&out).unwrap();
        assert_eq!(
            first.get(8..16) == Some(&compact::MAGIC[..]),
            name.ends_with(".zst"),
            "{name}: the format its name asks for"
        );
        let run = read_run(&out).unwrap();
        assert!(run.events.len() > 3 && !run.probes.is_empty(), "{name}");
        assert_eq!(run.bad_lines.count(), 0, "{name}");
        let text = String::from_utf8(decoded(&out).0).unwrap();
        texts.push(text.replace("run.jsonl.zst", "run.jsonl"));
    }
    assert_eq!(texts[0], texts[1], "the same lines in both formats");
}
