//! `--probe tcp:PORT` and `--probe udp:PORT` in network namespaces (issue 15):
//! closed ports answer (RST, ICMP port unreachable), an open port answers
//! with a SYN-ACK and is left with no connection, and a second of dropped
//! TCP/UDP traffic in the target namespace is one outage of about a second;
//! UDP probes at 1 ms whose answers come late are all sent and answered.
//!
//! Root only (namespaces, raw sockets, nftables), like tests/netns.rs, whose
//! rig they use: each test has its own namespace pair, removed also on panic.
//! Needs iproute2, nftables, iptables (NFQUEUE) and perl (perl-base, for the
//! listening port), and migprobe-hold built beside migprobe.

mod common;

use common::*;
use migprobe_probe::record::{ProbeLine, ProbeStatus, RunData, StampClock};
use migprobe_probe::wire::ProbeKind;
use std::process::Command;
use std::time::Duration;

const MS: i64 = 1_000_000;

/// Lets the target answer every UDP probe: Linux sends at most one port
/// unreachable per second per peer by default (net.ipv4.icmp_ratelimit), and
/// 1000 ICMP errors per second in all (net.ipv4.icmp_msgs_per_sec).
fn unlimited_port_unreachables(rig: &Rig) {
    rig.sysctl(
        &rig.target,
        &[
            "net.ipv4.icmp_ratelimit=0",
            "net.ipv6.icmp.ratelimit=0",
            "net.ipv4.icmp_msgs_per_sec=100000",
        ],
    );
}

/// Every probe of every target of `run` was sent as `kind` and answered,
/// with kernel stamps at both ends (skipped slots aside, which a loaded
/// machine may have).
fn assert_all_answered(run: &RunData, kind: &str) {
    let want: ProbeKind = kind.parse().unwrap();
    for t in &run.header.targets {
        assert_eq!(t.probe_kind(), want, "the header says the probe kind");
        let probes = of_target(run, t.id);
        let tl = tally(&probes);
        let ok = count(&probes, ProbeStatus::Ok);
        assert!(
            ok > 0 && ok + count(&probes, ProbeStatus::Skipped) == probes.len(),
            "{kind} {}: {tl}",
            t.addr
        );
        for p in probes.iter().filter(|p| p.status == ProbeStatus::Ok) {
            assert_eq!(
                (p.tx_clock, p.rx_clock),
                (StampClock::Kernel, Some(StampClock::Kernel)),
                "{p:?}"
            );
            assert!(p.rtt_ns.is_some_and(|r| r > 0 && r < 100 * MS), "{p:?}");
        }
    }
}

#[test]
fn closed_ports_answer_tcp_with_a_reset_and_udp_with_port_unreachable() {
    let rig = Rig::new();
    unlimited_port_unreachables(&rig);
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    for kind in ["tcp:9", "udp:9"] {
        let name = format!("{}.jsonl", &kind[..3]);
        let args = [
            TARGET_V4, TARGET_V6, "--probe", kind, "-i", "5ms", "-d", "1s", "--drain", "500ms",
        ];
        let (_, run) = rig.probe_run(&name, &args, Duration::from_secs(20));
        assert_eq!(run.header.targets.len(), 2);
        assert_all_answered(&run, kind);
        assert_eq!(
            run.footer.as_ref().map(|f| f.foreign),
            Some(0),
            "{kind}: nothing unmatched"
        );
    }
}

/// At 1 ms, with every answer a little late (each packet to the target passes
/// a user-space NFQUEUE verdict, `migprobe-hold`), a port unreachable often
/// arrives after the sender last read its error queue; the socket then
/// reports it once more as the next send's error (ECONNREFUSED), which must
/// not cost that probe: every probe is sent and answered.
#[test]
fn udp_probes_at_1ms_are_all_sent_and_answered_when_answers_come_late() {
    let mut rig = Rig::new();
    unlimited_port_unreachables(&rig);
    rig.wait_reachable(TARGET_V4);
    let hold = hold_every_packet(&rig);
    rig.keep(hold);
    let args = [
        TARGET_V4, "--probe", "udp:9", "-i", "1ms", "-d", "2s", "--drain", "500ms",
    ];
    let (_, run) = rig.probe_run("udp1ms.jsonl", &args, Duration::from_secs(20));
    assert_all_answered(&run, "udp:9");
}

/// Every packet to the target passes `migprobe-hold`, an NFQUEUE verdict
/// process: stopped, it holds them; continued, it lets them through, oldest first.
fn hold_every_packet(rig: &Rig) -> Proc {
    let mut hold = rig.spawn(&rig.target, &[HOLD.as_str()], "migprobe-hold");
    let mut line = String::new();
    let out = hold.child.stdout.take().expect("piped stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)
        .expect("migprobe-hold output");
    assert!(
        line.starts_with("ready"),
        "migprobe-hold did not start: {line}"
    );
    let t = rig.target.clone();
    sh(&[
        "ip", "netns", "exec", &t, "iptables", "-w", "-I", "INPUT", "-j", "NFQUEUE",
    ]);
    hold
}

/// A 4 s freeze of the target (its packets held, then let through at once)
/// probed by UDP at 1 ms: the ~4 000 held probes' port unreachables arrive
/// within milliseconds, each setting the socket's error anew, and the first
/// sends after the release meet one after another. With one retry some of
/// them were not sent; now every probe goes out, and the freeze is seen
/// whole. (How long it reads is the accuracy rig's to measure, side by side
/// with ICMP, on a release build: `scripts/bench-accuracy.sh --kinds`; here,
/// a debug build on a loaded machine loses some answers of the burst now and
/// then, and the end moves by up to tens of ms.)
#[test]
fn a_released_backlog_of_udp_probes_costs_no_send() {
    let mut rig = Rig::new();
    unlimited_port_unreachables(&rig);
    rig.wait_reachable(TARGET_V4);
    let hold = hold_every_packet(&rig);
    let name = "udp-hold.jsonl";
    let args = [
        TARGET_V4, "--probe", "udp:9", "-i", "1ms", "-d", "6s", "--drain", "1s",
    ];
    let probe = rig.probe(&rig.path(name), &args);
    std::thread::sleep(Duration::from_millis(1000));
    let stop = now_ns();
    hold.signal(libc::SIGSTOP);
    std::thread::sleep(Duration::from_millis(4000));
    let cont = now_ns();
    hold.signal(libc::SIGCONT);
    rig.keep(hold);
    let out = probe.output_timeout(Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = migprobe_probe::record::read_run(&rig.path(name)).expect("the run file");
    let unsent: Vec<&ProbeLine> = of_target(&run, 0)
        .into_iter()
        .filter(|p| p.status == ProbeStatus::Error)
        .collect();
    assert!(
        unsent.is_empty(),
        "{} probes not sent: {:?}",
        unsent.len(),
        unsent.first()
    );
    let found = outages(&rig, name, 0);
    let longest = found.iter().map(|o| o.1).max().unwrap_or(0);
    let truth = cont - stop;
    assert!(
        longest >= truth - 10 * MS && longest <= truth + 500 * MS,
        "outage {longest} ns against a {truth} ns hold: {found:?}"
    );
}

/// A listener on `port` in the target namespace (both families), running until dropped.
fn listen(rig: &Rig, port: u16) -> Proc {
    let script = format!(
        "use IO::Socket::IP; $|=1; my $s = IO::Socket::IP->new(LocalHost => '::', LocalPort => {port}, \
         Listen => 128, ReuseAddr => 1, V6Only => 0) or die \"listen: $@\"; print \"ready\\n\"; sleep 120;"
    );
    let mut p = rig.spawn(&rig.target, &["perl", "-e", &script], "perl listener");
    let mut line = String::new();
    let out = p.child.stdout.take().expect("piped stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)
        .expect("listener output");
    assert_eq!(line.trim(), "ready", "the listener did not start");
    p
}

/// The TCP sockets of the target namespace other than listeners (`ss` lines).
fn connections(rig: &Rig) -> String {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &rig.target,
            "ss",
            "-Htan",
            "exclude",
            "listening",
        ])
        .output()
        .expect("ss");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_open_port_answers_with_a_syn_ack_and_no_handshake_is_completed() {
    let mut rig = Rig::new();
    let listener = listen(&rig, 8080);
    rig.keep(listener);
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    let prom = rig.path("open.prom");
    let args = [
        TARGET_V4,
        TARGET_V6,
        "--probe",
        "tcp:8080",
        "-i",
        "2ms",
        "-d",
        "1s",
        "--drain",
        "500ms",
        "--metrics-file",
        prom.to_str().unwrap(),
    ];
    let (_, run) = rig.probe_run("open.jsonl", &args, Duration::from_secs(20));
    assert_all_answered(&run, "tcp:8080");
    let metrics = std::fs::read_to_string(&prom).expect("metrics file");
    assert!(metrics.contains(r#"probe="tcp:8080""#), "{metrics}");
    // The prober's kernel answered every SYN-ACK with an RST: nothing is left
    // half-open or established on the target.
    assert_eq!(connections(&rig), "", "connections left on the target");
}

/// Runs `nft` in the target namespace; returns the realtime before and after.
fn nft(rig: &Rig, command: &str) -> (i64, i64) {
    let before = now_ns();
    sh(&["ip", "netns", "exec", &rig.target, "nft", command]);
    (before, now_ns())
}

/// The outages report.json lists for target `id`: (class, estimate in ns).
fn outages(rig: &Rig, run_file: &str, id: u64) -> Vec<(String, i64)> {
    let report = rig.report_json(run_file, "json");
    let all = report["outages"].as_array().cloned().unwrap_or_default();
    all.iter()
        .filter(|o| o["target"].as_u64() == Some(id))
        .map(|o| {
            let class = o["class"].as_str().unwrap_or("").to_owned();
            (
                class,
                (o["estimate_ms"].as_f64().unwrap_or(0.0) * 1e6) as i64,
            )
        })
        .collect()
}

#[test]
fn a_second_of_dropped_traffic_is_one_outage_for_tcp_and_udp() {
    let rig = Rig::new();
    unlimited_port_unreachables(&rig);
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    nft(&rig, "add table inet mptcp");
    nft(
        &rig,
        "add chain inet mptcp input { type filter hook input priority 0 ; policy accept ; }",
    );
    for kind in ["tcp:9", "udp:9"] {
        let name = format!("out-{}.jsonl", &kind[..3]);
        let args = [
            TARGET_V4, TARGET_V6, "--probe", kind, "-i", "2ms", "-d", "3s", "--drain", "500ms",
        ];
        let probe = rig.probe(&rig.path(&name), &args);
        std::thread::sleep(Duration::from_millis(1000));
        let drop = nft(
            &rig,
            "add rule inet mptcp input meta l4proto { tcp, udp } drop",
        );
        std::thread::sleep(Duration::from_millis(1000));
        let pass = nft(&rig, "flush chain inet mptcp input");
        let out = probe.output_timeout(Duration::from_secs(20));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The drop began within the first command and ended within the second;
        // the estimate may miss by an interval or two either way.
        let (shortest, longest) = (pass.0 - drop.1 - 6 * MS, pass.1 - drop.0 + 6 * MS);
        for id in 0..2 {
            let found = outages(&rig, &name, id);
            // A busy host may delay a few replies elsewhere in the run (a
            // freeze of a few ms, seen in CI beside other jobs): not the drop.
            let hiccup = |(class, ns): &&(String, i64)| class == "freeze" && *ns < 20 * MS;
            let drop_outages: Vec<_> = found.iter().filter(|o| !hiccup(o)).collect();
            let [(class, estimate)] = &drop_outages[..] else {
                panic!("{kind} target {id}: one outage expected, got {found:?}");
            };
            assert_eq!(class, "loss", "{kind} target {id}");
            assert!(
                (shortest..=longest).contains(estimate),
                "{kind} target {id}: outage of {estimate} ns, not in [{shortest}, {longest}]"
            );
        }
    }
}
