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

/// `probe --listen --listen-linger`: scraped after the end, the live
/// counters and the report's figures are report.json's (sockets: root).
#[cfg(feature = "root-tests")]
#[test]
fn probe_serves_live_figures_that_end_equal_to_report_json() {
    use std::io::{Read, Write};
    let d = tempfile::tempdir().unwrap();
    let run = d.path().join("p.jsonl");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(common::MIGPROBE)
        .args([
            "probe",
            "127.0.0.1",
            "-c",
            "30",
            "-i",
            "5ms",
            "--drain",
            "100ms",
            "-q",
        ])
        .args([
            "--out",
            arg(&run),
            "--listen",
            &addr,
            "--listen-linger",
            "30s",
        ])
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
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let text = loop {
        match scrape() {
            Some(t) if t.contains("migprobe_run_end_timestamp_seconds") => break t,
            _ if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                panic!("no final figures on --listen");
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    let _ = migprobe_probe::sys::process::send_signal(child.id(), libc::SIGINT);
    assert!(child.wait().unwrap().success());
    let samples = metrics::check(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let o = migprobe(&["report", arg(&run), "--json", "--format", "json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let t = &r["targets"][0];
    for k in ["sent", "answered", "lost", "late", "skipped"] {
        let name = format!("migprobe_live_probes_{k}_total");
        let got = samples.iter().find(|s| s.name == name).map(|s| s.value);
        assert_eq!(got, t[k].as_f64(), "{name}\n{text}");
    }
    let sent = samples
        .iter()
        .find(|s| s.name == "migprobe_target_sent_probes")
        .map(|s| s.value);
    assert_eq!(sent, Some(30.0), "{text}");
}
