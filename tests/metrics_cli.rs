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
    // A busy machine may skip a slot or two: the metric is what was sent.
    let run_file = migprobe_probe::record::read_run(&run).expect("run file");
    let was_sent = run_file.probes.iter().filter(|p| p.was_sent()).count();
    assert!(was_sent >= 10, "{was_sent} of 20 sent: {text}");
    assert_eq!(sent, [was_sent as f64], "{text}");
    assert!(!samples
        .iter()
        .any(|s| s.name.starts_with("migprobe_migration_")));
}

/// A one-request Pushgateway stand-in on loopback: answers `status` and
/// hands back the request it got.
fn fake_gateway(status: &'static str) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://user:hunter22@{}", l.local_addr().unwrap());
    let got = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_millis(500)))
            .unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        // Until the client has sent its body (it waits for the answer).
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&req).ends_with("# EOF\n") {
                break;
            }
        }
        let body = "pushed metrics are invalid\n";
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(answer.as_bytes()).unwrap();
        String::from_utf8_lossy(&req).into_owned()
    });
    (url, got)
}

/// A run file made by `import` from the ping fixture, in `dir/night-42`.
fn imported_run(dir: &Path) -> std::path::PathBuf {
    let run_dir = dir.join("night-42");
    std::fs::create_dir(&run_dir).unwrap();
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ping-D.txt");
    let run = run_dir.join("run.jsonl");
    let o = migprobe(&["import", "ping", arg(&log), "--out", arg(&run)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    run
}

#[test]
fn report_pushes_the_file_s_figures_to_the_group_and_keeps_the_secret() {
    let d = tempfile::tempdir().unwrap();
    let run = imported_run(d.path());
    let (url, got) = fake_gateway("200 OK");
    let prom = d.path().join("m.prom");
    let o = migprobe(&[
        "report",
        arg(&run),
        "-q",
        "--metrics-file",
        arg(&prom),
        "--push",
        &url,
        "--push-instance",
        "lab 1",
        "--metrics-campaign",
        "weekly",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
    let req = got.join().unwrap();
    assert!(
        req.starts_with(
            "PUT /metrics/job/migprobe/instance@base64/bGFiIDE=/campaign/weekly HTTP/1.1\r\n"
        ),
        "{req}"
    );
    let body = req.split_once("\r\n\r\n").unwrap().1;
    assert_eq!(
        body,
        std::fs::read_to_string(&prom).unwrap(),
        "the file's figures"
    );
}

#[test]
fn a_refused_push_is_exit_2_after_the_files_are_written() {
    let d = tempfile::tempdir().unwrap();
    let run = imported_run(d.path());
    let (url, got) = fake_gateway("400 Bad Request");
    let o = migprobe(&[
        "report",
        arg(&run),
        "-q",
        "--format",
        "json",
        "--push",
        &url,
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--push http://127.0.0.1:"), "{err}");
    assert!(
        err.contains("400 Bad Request: pushed metrics are invalid"),
        "{err}"
    );
    assert!(!err.contains("hunter22"), "{err}");
    assert!(
        run.with_file_name("report.json").is_file(),
        "the report is written"
    );
    got.join().unwrap();
}

#[test]
fn bad_listen_and_push_flags_are_exit_2_naming_the_flag() {
    let d = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = taken.local_addr().unwrap().to_string();
    let out = d.path().join("p.jsonl");
    let cases: [(&[&str], &str); 7] = [
        (&["--listen", "nonsense"], "--listen"),
        (&["--listen", "127.0.0.1:99999"], "--listen"),
        (&["--listen", &busy], "--listen"),
        (&["--listen-linger", "5s"], "--listen"),
        (
            &["--listen", "127.0.0.1:0", "--listen-linger", "soon"],
            "--listen-linger",
        ),
        (&["--push", "http://127.0.0.1:9"], "--push needs --out"),
        (
            &["--out", arg(&out), "--push", "https://u:hunter22@gw"],
            "--push",
        ),
    ];
    for (flags, want) in cases {
        let mut args = vec!["probe", "127.0.0.1", "-c", "1"];
        args.extend(flags);
        let o = migprobe(&args);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!e.contains("hunter22"), "{args:?}: {e}");
    }
    assert!(!out.exists(), "nothing written");
}

/// Runs migprobe with `args` and `--listen` on a free loopback port (and a
/// linger), scrapes `/metrics` until the final figures are there, then
/// interrupts it (it must exit 0): the text and its samples.
#[cfg(feature = "root-tests")]
fn final_scrape(args: &[&str]) -> (String, Vec<ParsedSample>) {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let (before, trigger) = match args.iter().position(|&a| a == "--") {
        Some(i) => args.split_at(i),
        None => (args, &[][..]),
    };
    let mut child = std::process::Command::new(common::MIGPROBE)
        .args(before)
        .args(["--listen", &addr, "--listen-linger", "30s"])
        .args(trigger)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let scrape = || -> Option<String> {
        let mut s = std::net::TcpStream::connect(&addr).ok()?;
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out.split_once("\r\n\r\n")?.1.to_owned())
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        match scrape() {
            Some(t) if t.contains("migprobe_run_end_timestamp_seconds") => break t,
            _ if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{args:?}: no final figures on --listen");
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let _ = migprobe_probe::sys::process::send_signal(child.id(), libc::SIGINT);
    assert!(child.wait().unwrap().success(), "{args:?}");
    let samples = metrics::check(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, samples)
}

/// The value of the one sample `name` (with label `k` = `v`, if given).
#[cfg(feature = "root-tests")]
fn value_of(samples: &[ParsedSample], name: &str, label: Option<(&str, &str)>) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && label.is_none_or(|(k, v)| s.labels.get(k).map(String::as_str) == Some(v))
        })
        .map(|s| s.value)
}

/// The live counters of target 0 against report.json `r`'s.
#[cfg(feature = "root-tests")]
fn assert_live_counters(samples: &[ParsedSample], r: &serde_json::Value, text: &str) {
    let t = &r["targets"][0];
    for k in ["sent", "answered", "lost", "late", "skipped"] {
        let name = format!("migprobe_live_probes_{k}_total");
        assert_eq!(
            value_of(samples, &name, None),
            t[k].as_f64(),
            "{name}\n{text}"
        );
    }
}

/// `probe --listen --listen-linger`: scraped after the end, the live
/// counters and the report's figures are report.json's (sockets: root).
#[cfg(feature = "root-tests")]
#[test]
fn probe_serves_live_figures_that_end_equal_to_report_json() {
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("p.jsonl");
    let (text, samples) = final_scrape(&[
        "probe",
        "127.0.0.1",
        "-c",
        "30",
        "-i",
        "5ms",
        "--drain",
        "100ms",
        "-q",
        "--out",
        arg(&run),
    ]);
    let o = migprobe(&["report", arg(&run), "--json", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_live_counters(&samples, &r, &text);
    let sent = value_of(&samples, "migprobe_target_sent_probes", None);
    assert_eq!(sent, r["targets"][0]["sent"].as_f64(), "{text}");
}

/// `run --listen -- true`: the final scrape has the phase done, the
/// counters and the trigger's duration of report.json (sockets: root).
#[cfg(feature = "root-tests")]
#[test]
fn run_serves_its_phase_and_final_figures() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("r8");
    let (text, samples) = final_scrape(&[
        "run",
        "-t",
        "127.0.0.1",
        "-i",
        "5ms",
        "-q",
        "--warmup",
        "200ms",
        "--cooldown",
        "0s",
        "--drain",
        "100ms",
        "--out",
        arg(&dir),
        "--",
        "true",
    ]);
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_live_counters(&samples, &r, &text);
    let phase = |p| {
        value_of(
            &samples,
            "migprobe_live_migration_phase",
            Some(("phase", p)),
        )
    };
    assert_eq!(
        (phase("done"), phase("migrating")),
        (Some(1.0), Some(0.0)),
        "{text}"
    );
    let ms = r["trigger"]["duration_ms"].as_f64().unwrap();
    let secs = value_of(&samples, "migprobe_migration_duration_seconds", None).unwrap();
    assert!(
        (secs - ms / 1e3).abs() < 1e-9,
        "{secs} s, report.json {ms} ms"
    );
}
