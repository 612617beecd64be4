//! `--probe tcp-session:PORT` in network namespaces (issue 15): one
//! established connection to an echo service in the target namespace.
//! An echo stopped (SIGSTOP) for a second is a stall of about a second on a
//! connection that survives, reported as a late-answered outage, not loss;
//! an echo killed is a connection lost, recorded and reported as such.
//!
//! Root only (namespaces), like tests/netns_probes.rs, whose rig it uses:
//! each test has its own namespace pair, removed also on panic. Needs
//! iproute2 and perl (perl-base, for the echo service).

mod common;

use common::*;
use migprobe_probe::record::{kinds, ProbeStatus, RunData};
use migprobe_probe::wire::ProbeKind;
use std::time::Duration;

const MS: i64 = 1_000_000;
const PORT: u16 = 7;

/// An echo service on `PORT` (both families), one connection at a time, in
/// one process (so SIGSTOP stops all of it); runs until dropped.
fn echo(rig: &Rig) -> Proc {
    let script = format!(
        "use IO::Socket::IP; $|=1; my $s = IO::Socket::IP->new(LocalHost => '::', LocalPort => {PORT}, \
         Listen => 8, ReuseAddr => 1, V6Only => 0) or die \"listen: $@\"; print \"ready\\n\"; \
         while (my $c = $s->accept) {{ my $b; while (sysread($c, $b, 65536)) {{ syswrite($c, $b) }} close $c }}"
    );
    let mut p = rig.spawn(&rig.target, &["perl", "-e", &script], "perl echo");
    let mut line = String::new();
    let out = p.child.stdout.take().expect("piped stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).expect("echo output");
    assert_eq!(line.trim(), "ready", "the echo did not start");
    p
}

/// The run file's `tcp_session` summary of target 0.
fn summary(run: &RunData) -> serde_json::Value {
    let found = run.events.iter().find(|e| e.kind == kinds::TCP_SESSION);
    found.expect("a tcp_session event").detail.clone()
}

/// Runs `migprobe probe` on `target` for `secs`, doing `during` after 1 s;
/// returns the run and what `during` returned.
fn probe_while<T>(
    rig: &Rig,
    name: &str,
    target: &str,
    secs: &str,
    during: impl FnOnce() -> T,
) -> (RunData, T) {
    let kind = format!("tcp-session:{PORT}");
    let args = [
        target, "--probe", &kind, "-i", "10ms", "-d", secs, "--drain", "1s",
    ];
    let probe = rig.probe(&rig.path(name), &args);
    std::thread::sleep(Duration::from_millis(1000));
    let got = during();
    let out = probe.output_timeout(Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = migprobe_probe::record::read_run(&rig.path(name)).expect("run file");
    let t = &run.header.targets[0];
    assert_eq!(
        t.probe_kind(),
        ProbeKind::TcpSession(PORT),
        "the header says the kind"
    );
    (run, got)
}

#[test]
fn a_stopped_echo_is_one_stall_of_its_length_and_the_connection_survives() {
    let mut rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let server = echo(&rig);
    let pid = server.pid();
    rig.keep(server);
    let (run, (stopped, resumed)) = probe_while(&rig, "stall.jsonl", TARGET_V4, "4s", || {
        let stopped = now_ns();
        sh(&["kill", "-STOP", &pid.to_string()]);
        std::thread::sleep(Duration::from_millis(1000));
        sh(&["kill", "-CONT", &pid.to_string()]);
        (stopped, now_ns())
    });
    let s = summary(&run);
    assert_eq!(s["survived"], true, "{s}");
    assert_eq!(s["bytes_written"], s["bytes_echoed"], "{s}");
    assert_eq!(s["rx_clock"], "kernel", "{s}");
    let stall = s["longest_stall_ns"].as_i64().expect("a stall");
    // TCP retransmits nothing here (the target's kernel acknowledges while the
    // echo is stopped); the slack is the scheduling of a loaded machine.
    let most = resumed - stopped + 300 * MS;
    eprintln!(
        "echo stopped for {} ns: longest stall {stall} ns",
        resumed - stopped
    );
    assert!(
        (900 * MS..=most).contains(&stall),
        "stall of {stall} ns, not in [0.9 s, {most} ns]"
    );
    assert!(run.events.iter().all(|e| e.kind != kinds::TCP_SESSION_LOST));
    let probes = of_target(&run, 0);
    assert_eq!(count(&probes, ProbeStatus::Lost), 0, "{}", tally(&probes));
    let r = rig.report_json("stall.jsonl", "json,md");
    let t = &r["targets"][0];
    assert_eq!(t["probe"], format!("tcp-session:{PORT}"));
    assert_eq!(t["session"]["survived"], true);
    let ms = t["session"]["longest_stall_ms"].as_f64().expect("stall ms");
    assert!(
        (ms * 1e6 - stall as f64).abs() < 1e3,
        "{ms} ms vs {stall} ns"
    );
    let classes: Vec<&str> = r["outages"]
        .as_array()
        .expect("outages")
        .iter()
        .filter_map(|o| o["class"].as_str())
        .collect();
    assert!(
        classes.contains(&"freeze") && !classes.contains(&"loss"),
        "{classes:?}"
    );
    let md =
        std::fs::read_to_string(rig.path("stall.jsonl.report").join("summary.md")).expect("md");
    assert!(
        md.contains("## TCP sessions") && md.contains("| yes |"),
        "{md}"
    );
}

#[test]
fn a_killed_echo_loses_the_connection_and_says_so() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V6);
    let server = echo(&rig);
    let (run, killed) = probe_while(&rig, "kill.jsonl", TARGET_V6, "2s", move || {
        let at = now_ns();
        drop(server);
        at
    });
    let lost: Vec<_> = run
        .events
        .iter()
        .filter(|e| e.kind == kinds::TCP_SESSION_LOST)
        .collect();
    let [lost] = &lost[..] else {
        panic!("one tcp_session_lost event expected, got {lost:?}");
    };
    assert!(
        lost.at_ns.0 >= killed,
        "lost at {} before the kill at {killed}",
        lost.at_ns.0
    );
    assert!(
        matches!(lost.detail["how"].as_str(), Some("fin" | "reset")),
        "{}",
        lost.detail
    );
    let s = summary(&run);
    assert_eq!(s["survived"], false, "{s}");
    // The probes after the loss fail to send: recorded, never silently resent.
    let probes = of_target(&run, 0);
    let failed = probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Error && p.send_failed())
        .count();
    assert!(failed > 50, "{}", tally(&probes));
    let r = rig.report_json("kill.jsonl", "json,md");
    let session = &r["targets"][0]["session"];
    assert_eq!(session["survived"], false, "{session}");
    assert!(session["lost_how"].is_string(), "{session}");
    let md = std::fs::read_to_string(rig.path("kill.jsonl.report").join("summary.md")).expect("md");
    assert!(md.contains("| no ("), "{md}");
}
