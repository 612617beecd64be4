//! `--probe tcp-session:PORT` on loopback, no root needed: an echo thread in
//! this test answers; every probe is answered with a kernel RX stamp, the run
//! file names the kind and ends with the session's figures, and report.json
//! and summary.md carry them.

use migprobe_probe::record::{kinds, read_run, ProbeStatus, StampClock};
use migprobe_probe::wire::ProbeKind;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

/// An echo of one connection on a loopback port; returns the port.
fn echo() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let Ok((mut c, _)) = listener.accept() else {
            return;
        };
        let mut buf = [0u8; 4096];
        while let Ok(n) = c.read(&mut buf) {
            if n == 0 || c.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    });
    port
}

#[test]
fn every_probe_comes_back_and_the_session_is_summarised() {
    let port = echo();
    let dir = std::env::temp_dir().join(format!("mp-tcps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("run.jsonl");
    let kind = format!("tcp-session:{port}");
    let out = Command::new(MIGPROBE)
        .args([
            "probe",
            "127.0.0.1",
            "--probe",
            &kind,
            "-c",
            "50",
            "-i",
            "5ms",
            "--drain",
            "300ms",
            "-q",
        ])
        .arg("-o")
        .arg(&file)
        .output()
        .expect("run migprobe");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = read_run(&file).expect("run file");
    assert_eq!(
        run.header.targets[0].probe_kind(),
        ProbeKind::TcpSession(port)
    );
    assert_eq!(
        run.header.socket, None,
        "a connected TCP socket is neither raw nor dgram"
    );
    let ok: Vec<_> = run
        .probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Ok)
        .collect();
    assert_eq!(ok.len(), 50, "every probe answered");
    assert!(ok
        .iter()
        .all(|p| p.rx_clock == Some(StampClock::Kernel) && p.tx_clock == StampClock::User));
    let s = run
        .events
        .iter()
        .find(|e| e.kind == kinds::TCP_SESSION)
        .expect("tcp_session event");
    let d = &s.detail;
    assert_eq!(
        (d["survived"].as_bool(), d["bytes_written"].as_u64()),
        (Some(true), Some(50 * 56)),
        "{d}"
    );
    assert_eq!(d["bytes_written"], d["bytes_echoed"], "{d}");
    assert!(run.events.iter().all(|e| e.kind != kinds::TCP_SESSION_LOST));
    assert!(run.footer.is_some(), "the run ended normally");
    let rep = dir.join("rep");
    let st = Command::new(MIGPROBE)
        .args([
            "report",
            file.to_str().unwrap(),
            "--out",
            rep.to_str().unwrap(),
            "--format",
            "json,md",
        ])
        .output()
        .expect("report");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("report.json")).expect("json"))
            .expect("JSON");
    assert_eq!(r["targets"][0]["probe"], kind.as_str());
    assert_eq!(r["targets"][0]["session"]["survived"], true);
    let md = std::fs::read_to_string(rep.join("summary.md")).expect("md");
    assert!(
        md.contains(&format!("127.0.0.1 via {kind} |")) && md.contains("## TCP sessions"),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
