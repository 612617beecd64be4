//! Prober health is part of the measurement (root, network namespaces): a
//! prober that could not look must never yield a PASS, and a plan this
//! machine cannot send is refused before anything is written.

mod common;

use common::*;
use serde_json::Value;
use std::process::Output;
use std::time::Duration;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The reproduction of the issue: the target unreachable for 0.8 s while the
/// prober is stopped (SIGSTOP). Before: "longest outage 1.7 ms" and a PASS.
#[test]
fn a_stopped_prober_makes_the_run_inconclusive_and_the_gate_fail() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let mut dark = SysctlToggler::new(&rig, &rig.target, "/proc/sys/net/ipv4/icmp_echo_ignore_all");
    dark.set("0");
    let file = rig.path("blind.jsonl");
    let probe = rig.probe(
        &file,
        &[TARGET_V4, "-i", "1ms", "-d", "3s", "--drain", "300ms"],
    );
    std::thread::sleep(Duration::from_millis(1200));
    probe.signal(libc::SIGSTOP);
    // The probes in flight at the stop are answered before the target goes
    // dark, and it answers again before the prober resumes: the dark time lies
    // wholly inside the blind window (else, on a loaded machine, a probe lost
    // at an edge makes the loss an observed outage across the window; see below).
    std::thread::sleep(Duration::from_millis(100));
    dark.set("1");
    std::thread::sleep(Duration::from_millis(800));
    dark.set("0");
    std::thread::sleep(Duration::from_millis(100));
    probe.signal(libc::SIGCONT);
    let out = probe.output_timeout(Duration::from_secs(30));
    assert!(out.status.success(), "{}", text(&out));

    let dir = rig.path("blind");
    let f = file.to_str().unwrap();
    let d = dir.to_str().unwrap();
    let rep = migprobe(&["report", f, "--out", d]);
    assert!(rep.status.success(), "{}", text(&rep));
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let u = &json["unobserved"];
    let report = dir.join("report.json");
    if u["inconclusive"] == false {
        // A probe lost at an edge of the blind window (its request met the
        // dark target) makes the loss observed: an outage spanning the window,
        // and the gate fails on it. Nothing reachable was claimed either way.
        let longest = json["outages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["estimate_ms"].as_f64().unwrap())
            .fold(0.0, f64::max);
        assert!(
            longest > 700.0,
            "neither blind nor an outage: {u} {}",
            json["outages"]
        );
        let gate = migprobe(&["gate", report.to_str().unwrap(), "--max-downtime", "100ms"]);
        assert_eq!(gate.status.code(), Some(1), "{}", text(&gate));
        return;
    }
    let longest = u["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["can_hide_outage"] == true)
        .map(|w| w["duration_ms"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(longest > 700.0, "the stop shows as one blind window: {u}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(
        summary.lines().next().unwrap().contains("Inconclusive"),
        "{summary}"
    );

    let gate = migprobe(&["gate", report.to_str().unwrap(), "--max-downtime", "100ms"]);
    assert_eq!(gate.status.code(), Some(1), "{}", text(&gate));
    assert!(text(&gate).contains("prober coverage"), "{}", text(&gate));
    let allowed = migprobe(&[
        "gate",
        report.to_str().unwrap(),
        "--max-downtime",
        "100ms",
        "--allow-unobserved",
    ]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed));
}

/// One target every 10 µs is 100 000 probes/s: beyond this machine's send
/// thread. Refused up front with the figures; nothing written.
#[test]
fn an_impossible_plan_is_refused_before_anything_is_written() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let file = rig.path("over.jsonl");
    let out = rig
        .probe(&file, &[TARGET_V4, "-i", "10us", "-d", "2s"])
        .output_timeout(Duration::from_secs(30));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("more than this machine can send"), "{t}");
    assert!(
        t.contains("probes/s") && t.contains("--allow-overload"),
        "{t}"
    );
    assert!(!file.exists(), "a refused plan writes no run file");
}

/// `kill -9` of `run`: the trigger dies with it (parent-death signal), and
/// its guard stops what the trigger started (here a shell's two sleeps).
#[test]
fn kill_9_of_run_leaves_nothing_of_the_trigger_behind() {
    use migprobe_probe::sys::process::live_group_members;
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let pg_file = rig.path("pgid");
    let script = format!("echo $$ > {}; sleep 60 & sleep 60", pg_file.display());
    let dir = rig.path("killed");
    let mut run = rig.run(&dir, &["--warmup", "300ms"], &["sh", "-c", &script]);
    let t0 = std::time::Instant::now();
    while !pg_file.exists() && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pgid: u32 = std::fs::read_to_string(&pg_file)
        .expect("the trigger started")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(live_group_members(pgid), 3, "sh and two sleeps running");
    run.signal(libc::SIGKILL);
    run.wait_timeout(Duration::from_secs(5));
    let t1 = std::time::Instant::now();
    while live_group_members(pgid) > 0 && t1.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        live_group_members(pgid),
        0,
        "the trigger's group outlived migprobe by {:?}",
        t1.elapsed()
    );
    let run_file = dir.join("run.jsonl.zst");
    assert!(
        migprobe_probe::record::read_run(&run_file).is_ok(),
        "what was written before the kill is readable"
    );
}

/// `--timeout` holds although the trigger's child keeps its output pipe
/// open (before: 25.7 s for `--timeout 2s`).
#[test]
fn timeout_holds_when_the_triggers_child_keeps_the_pipe() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let dir = rig.path("timeout");
    let started = std::time::Instant::now();
    let out = rig
        .run(
            &dir,
            &[
                "--warmup",
                "300ms",
                "--cooldown",
                "300ms",
                "--timeout",
                "2s",
            ],
            &["sh", "-c", "sleep 25; echo after"],
        )
        .output_timeout(Duration::from_secs(30));
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        took < Duration::from_secs(12),
        "--timeout 2s took {took:?}: {}",
        text(&out)
    );
    let log = std::fs::read_to_string(dir.join("trigger.log")).unwrap_or_default();
    assert!(
        !log.contains("after"),
        "the trigger's sleep was stopped: {log}"
    );
}

/// A re-run with --force that fails its pre-flight (libvirt unreachable)
/// leaves the earlier run exactly as it was (before: five 0-byte files).
#[test]
fn a_failed_forced_rerun_leaves_the_earlier_run_intact() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let dir = rig.path("keep");
    let first = rig
        .run(
            &dir,
            &["--warmup", "300ms", "--cooldown", "300ms"],
            &["true"],
        )
        .output_timeout(Duration::from_secs(30));
    assert!(first.status.success(), "{}", text(&first));
    let snapshot = |d: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        names(d)
            .into_iter()
            .map(|n| {
                let bytes = std::fs::read(d.join(&n)).unwrap();
                (n, bytes)
            })
            .collect()
    };
    let before = snapshot(&dir);
    assert!(before.len() >= 4, "{before:?}");
    // Port 1 of the peer: nothing listens, the connection is refused at once.
    let again = rig
        .run(
            &dir,
            &[
                "--force",
                "--warmup",
                "300ms",
                "--src-uri",
                "qemu+tcp://192.0.2.2:1/system",
                "--dst-uri",
                "qemu+tcp://192.0.2.2:2/system",
                "--domain",
                "vm",
            ],
            &["true"],
        )
        .output_timeout(Duration::from_secs(60));
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert_eq!(snapshot(&dir), before, "the earlier run was touched");
}
