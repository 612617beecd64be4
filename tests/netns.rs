//! Integration tests in network namespaces: `migprobe probe` in a prober namespace
//! against the kernel's echo or `migprobe-echo` in a target namespace, over veth.
//!
//! They need root (namespaces, raw sockets) and iproute2, iputils-ping and bash.
//! They FAIL, never skip, when the namespaces cannot be made. Each test builds its
//! own namespaces (`mpt-<pid>-<n>-p` / `-t`) and removes them, and kills every
//! process it started, also when it panics.

mod common;

use common::*;
use migprobe_probe::record::{ProbeLine, ProbeStatus, RunData, RunFormat, StampClock};
use std::time::Duration;

const MS: i64 = 1_000_000;

/// Slot k of a target on the ideal grid.
fn slot_ns(run: &RunData, target: u32, k: u64) -> i64 {
    let h = &run.header;
    h.start_ns.0 + h.targets[target as usize].phase_ns + k as i64 * h.interval_ns
}

/// Every sent probe is kernel-stamped and consistent.
fn assert_kernel_stamped(probes: &[&ProbeLine]) {
    for p in probes.iter().filter(|p| p.status == ProbeStatus::Ok) {
        assert_eq!(p.tx_clock, StampClock::Kernel, "tx clock of {p:?}");
        assert_eq!(p.rx_clock, Some(StampClock::Kernel), "rx clock of {p:?}");
        let (rx, rtt) = (p.rx_ns.expect("rx_ns"), p.rtt_ns.expect("rtt_ns"));
        assert_eq!(rx.0 - p.tx_ns.0, rtt, "rtt = rx - tx in {p:?}");
        assert!(rtt > 0, "positive RTT in {p:?}");
    }
}

#[test]
fn kernel_echo_v4_and_v6_all_answered_with_kernel_stamps() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    let (out, run) = rig.probe_run(
        "k.jsonl",
        &[
            TARGET_V4, TARGET_V6, "-i", "1ms", "-d", "2s", "--drain", "300ms",
        ],
        Duration::from_secs(20),
    );
    assert_eq!(run.header.targets.len(), 2);
    assert_eq!(run.header.interval_ns, MS);
    assert_eq!(serde_json::to_value(run.header.socket).unwrap(), "raw");
    let footer = run.footer.as_ref().expect("footer");
    assert_eq!(footer.reason, "duration");
    assert_eq!(run.bad_lines.count(), 0);
    let mut sent = 0;
    for id in 0..2 {
        let probes = of_target(&run, id);
        let t = tally(&probes);
        assert_eq!(probes.len(), 2000, "one line per slot: {t}");
        assert!(probes
            .iter()
            .enumerate()
            .all(|(i, p)| p.index.0 == i as u64));
        let ok = count(&probes, ProbeStatus::Ok);
        assert_eq!(count(&probes, ProbeStatus::Lost), 0, "{t}");
        assert_eq!(count(&probes, ProbeStatus::Error), 0, "{t}");
        assert_eq!(count(&probes, ProbeStatus::Pending), 0, "{t}");
        // Skipped slots happen when the machine is loaded (the benchmark measures how
        // many); correctness does not depend on them.
        assert_eq!(ok + count(&probes, ProbeStatus::Skipped), 2000, "{t}");
        assert!(ok >= 1800, "most slots sent and answered: {t}");
        assert!(probes.iter().all(|p| p.dup == 0), "no duplicates");
        assert_kernel_stamped(&probes);
        let mut rtts: Vec<i64> = probes.iter().filter_map(|p| p.rtt_ns).collect();
        rtts.sort_unstable();
        assert!(
            quantile(&rtts, 0.5) < 2 * MS,
            "median RTT over veth {rtts:?}"
        );
        assert!(*rtts.last().unwrap() < 200 * MS, "max RTT");
        sent += ok as u64;
    }
    assert_eq!(footer.sent, sent, "footer counts the sent probes");
    assert!(run.duplicates.is_empty());

    // The printed and the offline summaries agree.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("192.0.2.2") && stdout.contains("2001:db8::2"),
        "{stdout}"
    );
    let s = std::process::Command::new(MIGPROBE)
        .args(["summary", "--json"])
        .arg(rig.path("k.jsonl"))
        .output()
        .expect("migprobe summary");
    assert!(s.status.success());
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).expect("summary JSON");
    let targets = v.as_array().expect("one entry per target");
    assert_eq!(targets.len(), 2);
    for t in targets {
        assert_eq!(t["lost"], 0, "{t}");
        assert_eq!(t["duplicates"], 0, "{t}");
        assert_eq!(t["errors"], 0, "{t}");
        assert!(t["answered"].as_u64().unwrap() >= 1800, "{t}");
        let p50 = t["rtt_p50_ns"].as_i64().unwrap();
        assert!(t["rtt_min_ns"].as_i64().unwrap() <= p50, "{t}");
        assert!(p50 <= t["rtt_max_ns"].as_i64().unwrap(), "{t}");
    }
}

#[test]
fn frozen_responder_replies_queue_with_true_rtts_and_none_lost() {
    let mut rig = Rig::new();
    let echo = rig.start_echo();
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    let probe = rig.probe(
        &rig.path("f.jsonl"),
        &[
            TARGET_V4, TARGET_V6, "-i", "1ms", "-d", "1800ms", "--drain", "500ms",
        ],
    );
    std::thread::sleep(Duration::from_millis(700));
    let stop0 = now_ns();
    echo.signal(libc::SIGSTOP);
    let stop1 = now_ns();
    std::thread::sleep(Duration::from_millis(300));
    let cont0 = now_ns();
    echo.signal(libc::SIGCONT);
    let cont1 = now_ns();
    rig.keep(echo);
    let out = probe.output_timeout(Duration::from_secs(20));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = migprobe_probe::record::read_run(&rig.path("f.jsonl")).expect("run file");
    assert!(run.footer.is_some());
    let w = Freeze {
        stop0,
        stop1,
        cont0,
        cont1,
    };
    for id in 0..2 {
        let probes = of_target(&run, id);
        let t = tally(&probes);
        assert_eq!(
            count(&probes, ProbeStatus::Lost),
            0,
            "a freeze loses nothing: {t}"
        );
        assert_eq!(count(&probes, ProbeStatus::Error), 0, "{t}");
        assert_eq!(count(&probes, ProbeStatus::Pending), 0, "{t}");
        assert!(count(&probes, ProbeStatus::Ok) >= 1600, "{t}");
        assert_kernel_stamped(&probes);
        let queued = assert_queued_through(id, &probes, &w);
        assert_one_burst(id, &queued, &w);
        assert_rtt_steps_of_one_interval(id, &queued);
    }
}

/// A SIGSTOP/SIGCONT freeze, realtime ns: the stop was sent in [stop0, stop1],
/// the continue in [cont0, cont1].
struct Freeze {
    stop0: i64,
    stop1: i64,
    cont0: i64,
    cont1: i64,
}

impl Freeze {
    fn min(&self) -> i64 {
        self.cont0 - self.stop1
    }

    fn max(&self) -> i64 {
        self.cont1 - self.stop0
    }
}

/// The queued probes (sent before the resume, answered after it): every probe
/// sent well inside the freeze is among them, the first was sent at the stop
/// and its RTT is the freeze.
fn assert_queued_through<'a>(id: u32, probes: &[&'a ProbeLine], w: &Freeze) -> Vec<&'a ProbeLine> {
    let queued: Vec<&ProbeLine> = probes
        .iter()
        .copied()
        .filter(|p| {
            p.status == ProbeStatus::Ok && p.tx_ns.0 < w.cont0 && p.rx_ns.unwrap().0 > w.cont0
        })
        .collect();
    let inside = probes
        .iter()
        .filter(|p| {
            p.status == ProbeStatus::Ok && p.tx_ns.0 > w.stop1 + MS && p.tx_ns.0 < w.cont0 - MS
        })
        .count();
    assert!(
        queued.len() >= inside && inside as i64 >= w.min() / MS / 2,
        "target {id}: {} queued, {inside} sent inside the freeze of {} ms",
        queued.len(),
        w.min() / MS
    );
    let first = queued[0];
    let rtt0 = first.rtt_ns.unwrap();
    assert!(
        first.tx_ns.0 >= w.stop0 - 5 * MS && first.tx_ns.0 <= w.stop1 + 2 * MS,
        "target {id}: the first queued probe was sent at the stop ({} ms after it)",
        (first.tx_ns.0 - w.stop0) / MS
    );
    assert!(
        rtt0 >= w.min() - 3 * MS && rtt0 <= w.max() + 40 * MS,
        "target {id}: first queued RTT {} µs ≈ freeze {}..{} µs",
        rtt0 / 1000,
        w.min() / 1000,
        w.max() / 1000
    );
    queued
}

/// The queued replies were answered in one burst.
fn assert_one_burst(id: u32, queued: &[&ProbeLine], w: &Freeze) {
    let rx: Vec<i64> = queued.iter().map(|p| p.rx_ns.unwrap().0).collect();
    let spread = rx.iter().max().unwrap() - rx.iter().min().unwrap();
    let sent_over = queued.last().unwrap().tx_ns.0 - queued[0].tx_ns.0;
    // A few ms when idle; a normal-priority responder on a loaded machine is slower.
    assert!(
        spread < (25 * MS).max(sent_over / 5),
        "target {id}: {} queued replies arrived over {} µs",
        rx.len(),
        spread / 1000
    );
    eprintln!(
        "target {id}: freeze {}..{} µs, {} queued, first RTT {} µs, burst {} µs",
        w.min() / 1000,
        w.max() / 1000,
        queued.len(),
        queued[0].rtt_ns.unwrap() / 1000,
        spread / 1000
    );
}

/// Each queued RTT is one interval (1 ms) shorter than the one before.
fn assert_rtt_steps_of_one_interval(id: u32, queued: &[&ProbeLine]) {
    let mut steps: Vec<i64> = queued
        .windows(2)
        .map(|w| {
            let di = (w[1].index.0 - w[0].index.0) as i64;
            (w[0].rtt_ns.unwrap() - w[1].rtt_ns.unwrap()) / di
        })
        .collect();
    steps.sort_unstable();
    let med = quantile(&steps, 0.5);
    assert!(
        (900_000..=1_100_000).contains(&med),
        "target {id}: median RTT step {med} ns, want ≈ 1 ms"
    );
    let near = steps
        .iter()
        .filter(|s| (500_000..=1_500_000).contains(*s))
        .count();
    assert!(
        near * 100 >= steps.len() * 95,
        "target {id}: RTT steps {:?}..{:?}",
        steps.first(),
        steps.last()
    );
}

#[test]
fn loss_window_loses_the_probes_inside_it_only() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let mut toggle =
        SysctlToggler::new(&rig, &rig.target, "/proc/sys/net/ipv4/icmp_echo_ignore_all");
    toggle.set("0");
    let probe = rig.probe(
        &rig.path("l.jsonl"),
        &[TARGET_V4, "-i", "1ms", "-d", "1500ms", "--drain", "300ms"],
    );
    std::thread::sleep(Duration::from_millis(600));
    let (on0, on1) = toggle.set("1");
    std::thread::sleep(Duration::from_millis(300));
    let (off0, off1) = toggle.set("0");
    let out = probe.output_timeout(Duration::from_secs(20));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = migprobe_probe::record::read_run(&rig.path("l.jsonl")).expect("run file");
    let probes = of_target(&run, 0);
    let t = tally(&probes);
    assert_eq!(count(&probes, ProbeStatus::Error), 0, "{t}");
    assert_eq!(count(&probes, ProbeStatus::Pending), 0, "{t}");
    let lost: Vec<&&ProbeLine> = probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Lost)
        .collect();
    // Requests take a few µs to reach the target: allow 2 ms at each edge.
    for p in &lost {
        assert!(
            p.tx_ns.0 >= on0 - 2 * MS && p.tx_ns.0 <= off1 + 2 * MS,
            "probe {} lost {} ms away from the window",
            p.index,
            (p.tx_ns.0 - on0) / MS
        );
    }
    for p in probes.iter().filter(|p| p.status == ProbeStatus::Ok) {
        assert!(
            p.tx_ns.0 < on1 + 2 * MS || p.tx_ns.0 > off0 - 2 * MS,
            "probe {} answered inside the window",
            p.index
        );
    }
    let (wmin, wmax) = ((off0 - on1) / MS, (off1 - on0) / MS);
    let skipped_inside = probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Skipped && p.tx_ns.0 >= on0 && p.tx_ns.0 <= off1)
        .count() as i64;
    assert!(
        lost.len() as i64 >= wmin - 3 - skipped_inside && lost.len() as i64 <= wmax + 3,
        "{} lost for a window of {wmin}..{wmax} ms at 1 ms: {t}",
        lost.len()
    );
    eprintln!("loss window {wmin}..{wmax} ms: {t}");
}

#[test]
fn foreign_pingers_do_not_change_the_result() {
    let mut rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    // Foreign traffic: iputils ping on both families at 500/s, and a second migprobe.
    for a in [TARGET_V4, TARGET_V6] {
        let p = rig.spawn(
            &rig.prober,
            &["ping", "-q", "-i", "0.002", "-c", "1500", a],
            "foreign ping",
        );
        rig.keep(p);
    }
    let other = rig.probe(
        &rig.path("other.jsonl"),
        &[
            TARGET_V4, TARGET_V6, "-i", "1ms", "-d", "2s", "--drain", "300ms",
        ],
    );
    std::thread::sleep(Duration::from_millis(50));
    let (_, run) = rig.probe_run(
        "mine.jsonl",
        &[
            TARGET_V4, TARGET_V6, "-i", "1ms", "-d", "1500ms", "--drain", "300ms",
        ],
        Duration::from_secs(20),
    );
    let out = other.output_timeout(Duration::from_secs(20));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other_run = migprobe_probe::record::read_run(&rig.path("other.jsonl")).expect("other run");
    assert_ne!(run.header.nonce, other_run.header.nonce);
    for (name, r, n) in [("mine", &run, 1500), ("other", &other_run, 2000)] {
        assert!(r.duplicates.is_empty(), "{name}: no duplicate lines");
        for id in 0..2 {
            let probes = of_target(r, id);
            let t = tally(&probes);
            assert_eq!(probes.len(), n, "{name}: {t}");
            assert_eq!(count(&probes, ProbeStatus::Lost), 0, "{name}: {t}");
            assert_eq!(count(&probes, ProbeStatus::Error), 0, "{name}: {t}");
            assert!(probes.iter().all(|p| p.dup == 0), "{name}: no duplicates");
            assert!(
                count(&probes, ProbeStatus::Ok) * 100 >= n * 90,
                "{name}: {t}"
            );
            assert_kernel_stamped(&probes);
            // A reply matched to the wrong probe would show an impossible RTT.
            assert!(
                probes
                    .iter()
                    .filter_map(|p| p.rtt_ns)
                    .all(|rtt| rtt < 200 * MS),
                "{name}: RTTs stay small"
            );
        }
    }
}

#[test]
fn dgram_socket_works_when_ping_group_range_allows_it() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    // Not allowed: a clear error naming the fix.
    rig.sysctl(&rig.prober, &["net.ipv4.ping_group_range=1 0"]);
    let out = rig
        .probe(
            &rig.path("no.jsonl"),
            &[TARGET_V4, "--socket", "dgram", "-c", "3"],
        )
        .output_timeout(Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "refused with exit code 2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ping_group_range"), "names the sysctl: {err}");
    // Allowed.
    rig.sysctl(&rig.prober, &["net.ipv4.ping_group_range=0 2147483647"]);
    let (_, run) = rig.probe_run(
        "d.jsonl",
        &[
            TARGET_V4, TARGET_V6, "--socket", "dgram", "-i", "1ms", "-d", "1s", "--drain", "300ms",
        ],
        Duration::from_secs(20),
    );
    assert_eq!(serde_json::to_value(run.header.socket).unwrap(), "dgram");
    for id in 0..2 {
        let probes = of_target(&run, id);
        let t = tally(&probes);
        assert_eq!(probes.len(), 1000, "{t}");
        assert_eq!(count(&probes, ProbeStatus::Lost), 0, "{t}");
        assert_eq!(count(&probes, ProbeStatus::Error), 0, "{t}");
        assert!(count(&probes, ProbeStatus::Ok) >= 900, "{t}");
        assert_kernel_stamped(&probes);
    }
}

#[test]
fn kill_9_leaves_a_readable_truncated_file() {
    kill_9_leaves_a_readable_truncated(RunFormat::Compact);
}

#[test]
fn kill_9_leaves_a_readable_truncated_jsonl_file() {
    kill_9_leaves_a_readable_truncated(RunFormat::Jsonl);
}

/// `kill -9` of `probe` writing `format`: at most the last flush (100 ms)
/// is lost, and at most one cut line or frame is noted.
fn kill_9_leaves_a_readable_truncated(format: RunFormat) {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let file = rig.path(&format!("k9.{}", format.file_name()));
    let mut probe = rig.probe(&file, &[TARGET_V4, TARGET_V6, "-i", "1ms", "-d", "10s"]);
    std::thread::sleep(Duration::from_millis(1200));
    let killed = now_ns();
    probe.signal(libc::SIGKILL);
    let st = probe.wait_timeout(Duration::from_secs(5));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&st),
        Some(libc::SIGKILL)
    );
    let run = migprobe_probe::record::read_run(&file).expect("a killed run reads back");
    assert!(run.truncated(), "no footer after kill -9");
    assert!(
        run.bad_lines.count() <= 1,
        "at most the cut-off last line: {:?}",
        run.bad_lines
    );
    if let Some((line, why)) = run.bad_lines.examples().first() {
        let lines = run_text(&file).lines().count() as u64;
        match format {
            RunFormat::Jsonl => assert_eq!(*line, lines, "only the last line may be cut"),
            RunFormat::Compact => {
                assert_eq!(*line, lines + 1, "only the last frame may be cut: {why}");
                assert!(why.contains("the file ends"), "{why}");
            }
        }
    }
    for id in 0..2 {
        let probes = of_target(&run, id);
        // Every slot more than 300 ms before the kill is in the file.
        let due = (0..)
            .take_while(|&k| slot_ns(&run, id, k) < killed - 300 * MS)
            .count();
        assert!(due > 500, "the run was going for a while ({due} slots)");
        let have: std::collections::HashSet<u64> = probes.iter().map(|p| p.index.0).collect();
        let missing: Vec<u64> = (0..due as u64).filter(|k| !have.contains(k)).collect();
        assert!(
            missing.is_empty(),
            "target {id}: slots missing from the file: {missing:?}"
        );
        let t = tally(&probes);
        assert_eq!(count(&probes, ProbeStatus::Lost), 0, "{t}");
    }
    // `summary` still works on it.
    let s = std::process::Command::new(MIGPROBE)
        .arg("summary")
        .arg(&file)
        .output()
        .expect("migprobe summary");
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    assert!(String::from_utf8_lossy(&s.stdout).contains("192.0.2.2"));
}

#[test]
fn sigint_ends_the_run_cleanly_with_a_footer_and_summary() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let file = rig.path("int.jsonl");
    let probe = rig.probe(
        &file,
        &[TARGET_V4, "-i", "1ms", "-d", "30s", "--drain", "300ms"],
    );
    std::thread::sleep(Duration::from_millis(800));
    probe.signal(libc::SIGINT);
    let out = probe.output_timeout(Duration::from_secs(10));
    assert!(out.status.success(), "exit 0 after SIGINT: {}", out.status);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("192.0.2.2") && stdout.contains("sent"),
        "summary printed: {stdout}"
    );
    let run = migprobe_probe::record::read_run(&file).expect("run file");
    let footer = run.footer.as_ref().expect("footer after SIGINT");
    assert_eq!(footer.reason, "interrupted");
    let probes = of_target(&run, 0);
    let t = tally(&probes);
    assert!(probes.len() > 500 && probes.len() < 5000, "{t}");
    assert_eq!(
        count(&probes, ProbeStatus::Pending),
        0,
        "every probe settled: {t}"
    );
    assert_eq!(count(&probes, ProbeStatus::Lost), 0, "{t}");
}

#[test]
fn unreachable_address_is_lost_or_error_without_panic() {
    let rig = Rig::new();
    let (out, run) = rig.probe_run(
        "u.jsonl",
        &[
            "192.0.2.99",
            "2001:db8::99",
            "-i",
            "10ms",
            "-d",
            "1s",
            "--drain",
            "500ms",
        ],
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(run.footer.is_some());
    for id in 0..2 {
        let probes = of_target(&run, id);
        let t = tally(&probes);
        assert_eq!(probes.len(), 100, "{t}");
        assert_eq!(count(&probes, ProbeStatus::Ok), 0, "nobody answers: {t}");
        assert_eq!(count(&probes, ProbeStatus::Pending), 0, "{t}");
        assert!(
            count(&probes, ProbeStatus::Lost) + count(&probes, ProbeStatus::Error) >= 95,
            "{t}"
        );
    }
}

/// Issue 12: a secret in the command line (here in the trigger's own argv,
/// which the trigger also echoes) is in no output file: run file, report,
/// summary, chart, trigger log.
#[test]
fn secrets_in_the_command_line_are_in_no_output_file() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let dir = rig.path("secret-run");
    let secret_uri = "qemu+ssh://admin:hunter2secret@node01/system";
    let out = rig
        .run(
            &dir,
            &["--warmup", "200ms", "--cooldown", "200ms"],
            &["echo", secret_uri, "--password", "pa55word-xyz"],
        )
        .output_timeout(Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "run.jsonl.zst",
        "report.json",
        "summary.md",
        "chart.svg",
        "trigger.log",
    ] {
        let text = run_text(&dir.join(f));
        for secret in ["hunter2secret", "pa55word-xyz"] {
            assert!(!text.contains(secret), "{secret} in {f}");
        }
    }
    let log = std::fs::read_to_string(dir.join("trigger.log")).unwrap();
    assert!(
        log.contains("admin:***@node01"),
        "the trigger's echo, masked: {log}"
    );
    let run = run_text(&dir.join("run.jsonl.zst"));
    assert!(run.contains("--password\",\"***\""), "the argv, masked");
}
