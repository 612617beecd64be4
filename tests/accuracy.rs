//! Accuracy smoke test: a few freezes and loss windows with a known ground
//! truth at a 1 ms interval, in two network namespaces. Every fault must be
//! detected and its truth must lie inside the reported bracket, widened by
//! the truth's own uncertainty, by the delay the target's surroundings showed
//! at the fault's edges ([`edge_delay_ns`]: the RTTs of the probes sent just
//! outside the fault), and by one interval. The full study is
//! `scripts/bench-accuracy.sh`.
//!
//! **How often a correct implementation fails this test.** The bracket holds
//! the truth by construction (measurement.md) unless something delays the
//! target's answer at an edge; such a delay shows in the neighbours' RTTs and
//! is allowed. A failure needs an unexplained excess over the bracket of more
//! than one interval (1 ms). In the last full run of `scripts/bench-accuracy.sh`
//! (`reports/bench/accuracy.json`, 300 faults at 1 ms, without this allowance)
//! one excess above the bracket occurred at all, of 0.048 ms. Taking excesses
//! as exponential with that rate and scale, P(excess > 1 ms) per fault ≈
//! (1/300)·e^(−1/0.048) ≈ 3e-12, so about 1e-11 for the four faults of one
//! run: far under the 1e-4 target (an estimate that rests on that model; the
//! allowance only lowers it). The self-check below shows the check can fail.
//!
//! **A stalling host.** That model breaks when the whole VM is descheduled
//! (steal time): CI on 2026-12-01 saw a 15 ms freeze read 2.0 ms past its
//! allowance in a session with twelve outages of 1.7–9.9 ms outside the
//! faults, i.e. the machine itself stalling. A failed session with at least
//! [`STALLS_FOR_RETRY`] such stalls (≥ 2 ms) is said (`RETRY (host stalled…)`)
//! and run once more on fresh files; any other failure, or a second one, fails.
//!
//! Needs root (namespaces, raw sockets) and `chrt` (util-linux).

mod common;

use common::*;
use migprobe_bench::accuracy::{edge_delay_ns, score, Fault, FaultScore, Observed};
use migprobe_probe::record::{read_run, ProbeLine, ProbeStatus};
use std::path::Path;
use std::time::Duration;

const INTERVAL_NS: i64 = 1_000_000;

/// What one session produced: the faults, the reported outages and the probes.
struct Session {
    faults: Vec<Fault>,
    outages: Vec<Observed>,
    probes: Vec<ProbeLine>,
}

/// Probes the target at 1 ms while `migprobe-inject ARGS` runs in the target namespace,
/// then writes report.json.
fn probe_while_injecting(rig: &Rig, attempt: u32, inject: &[&str]) -> Session {
    let run = rig.path(&format!("run-{attempt}.jsonl"));
    let faults = rig.path(&format!("faults-{attempt}.jsonl"));
    let probe = rig.probe(&run, &[TARGET_V4, "-i", "1ms", "--drain", "300ms"]);
    let mut argv = vec![INJECT.as_str()];
    argv.extend_from_slice(inject);
    argv.extend_from_slice(&[
        "--durations",
        "15ms,120ms",
        "--reps",
        "2",
        "--gap-min",
        "150ms",
        "--gap-max",
        "300ms",
        "--warmup",
        "3200ms",
        "--out",
        faults.to_str().expect("utf-8 path"),
    ]);
    let out = rig
        .spawn(&rig.target, &argv, "migprobe-inject")
        .output_timeout(Duration::from_secs(20));
    assert!(
        out.status.success(),
        "migprobe-inject failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    probe.signal(libc::SIGINT);
    let out = probe.output_timeout(Duration::from_secs(10));
    assert!(
        out.status.success(),
        "migprobe probe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = rig.path(&format!("report-{attempt}"));
    sh(&[
        MIGPROBE,
        "report",
        run.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    Session {
        faults: read_faults(&faults),
        outages: read_outages(&dir.join("report.json")),
        probes: read_run(&run).expect("run file").probes,
    }
}

/// The allowance per fault beyond the bracket: one interval plus the delay
/// its neighbours showed (see the module doc).
fn allowances(s: &Session) -> Vec<i64> {
    let mut rtts: Vec<i64> = s
        .probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Ok)
        .filter_map(|p| p.rtt_ns)
        .collect();
    rtts.sort_unstable();
    let baseline = rtts.get(rtts.len() / 2).copied().unwrap_or(0);
    s.faults
        .iter()
        .map(|f| INTERVAL_NS + edge_delay_ns(f, &s.probes, 5 * INTERVAL_NS, baseline))
        .collect()
}

fn read_faults(p: &Path) -> Vec<Fault> {
    let text = std::fs::read_to_string(p).expect("faults file");
    let faults: Vec<Fault> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("fault line {l:?}: {e}")))
        .collect();
    assert_eq!(faults.len(), 4, "the injector performed every fault");
    faults
}

fn read_outages(p: &Path) -> Vec<Observed> {
    let bytes = std::fs::read(p).expect("report.json");
    let rep = migprobe_analysis::report::json::parse(&bytes).expect("a valid report");
    rep.outages.iter().map(Observed::from).collect()
}

/// The faults whose truth lies further outside the reported bracket than
/// their allowance, or that were missed.
fn failures(scores: &[FaultScore], allow: &[i64]) -> Vec<String> {
    scores
        .iter()
        .zip(allow)
        .filter(|(s, &a)| s.outages == 0 || s.outside_ns.is_none_or(|o| o > a))
        .map(|(s, a)| {
            format!(
                "{} {} ms #{}: truth {} µs, estimate {:?} µs, bracket {:?} ns, outages {}, allowed {} µs",
                s.case,
                s.requested_ms,
                s.seq,
                s.truth_ns / 1000,
                s.estimate_ns.map(|e| e / 1000),
                s.bracket_ns,
                s.outages,
                a / 1000
            )
        })
        .collect()
}

/// Probes while injecting and checks the session; once more, on fresh
/// files, when it failed while the host visibly stalled (see the module doc).
fn check_injecting(rig: &Rig, inject: &[&str]) {
    let session = probe_while_injecting(rig, 1, inject);
    let Err(Failed { bad, extra_us }) = judge(&session) else {
        return;
    };
    // Outages outside the injected faults that show the host stalling (≥ 2 ms).
    let stalls: Vec<i64> = extra_us.into_iter().filter(|&us| us >= 2_000).collect();
    assert!(
        stalls.len() >= STALLS_FOR_RETRY,
        "truth outside the bracket:\n{bad}"
    );
    eprintln!(
        "RETRY (host stalled: {} outages outside the faults, {stalls:?} µs): truth outside the bracket:\n{bad}",
        stalls.len()
    );
    let again = probe_while_injecting(rig, 2, inject);
    if let Err(Failed { bad, .. }) = judge(&again) {
        panic!("truth outside the bracket (second try):\n{bad}");
    }
}

/// How many such stalls make a failed session the host's fault, not the
/// measurement's: a quiet run here shows none.
const STALLS_FOR_RETRY: usize = 3;

/// A session whose truths fell outside their allowances.
struct Failed {
    /// One line per fault outside.
    bad: String,
    /// The outages outside the injected faults, µs.
    extra_us: Vec<i64>,
}

/// Prints the session's scores; the failures, if any; then checks that the
/// check itself can fail.
fn judge(session: &Session) -> Result<(), Failed> {
    let (faults, outages) = (&session.faults, &session.outages);
    let allow = allowances(session);
    let (scores, extra) = score(faults, outages, 20 * INTERVAL_NS);
    for (s, a) in scores.iter().zip(&allow) {
        eprintln!(
            "{} {:>4} ms: truth {:>7} µs, error {:>5?} µs, outside {:?} ns, allowed {} µs, class {:?}",
            s.case,
            s.requested_ms,
            s.truth_ns / 1000,
            s.error_ns.map(|e| e / 1000),
            s.outside_ns,
            a / 1000,
            s.class
        );
    }
    let extra: Vec<i64> = extra
        .iter()
        .map(|&i| outages[i].estimate_ns / 1000)
        .collect();
    eprintln!("extra outages (µs): {extra:?}");
    let bad = failures(&scores, &allow);

    // The check can fail: every fault moved to 1 µs past what the check allows
    // above its bracket is rejected. Built from the scores and allowances
    // themselves, so it fails by construction, wherever the random phase put
    // the bracket.
    let wrong = shifted_past_allowance(faults, &scores, &allow);
    let (wrong_scores, _) = score(&wrong, outages, 20 * INTERVAL_NS);
    assert_eq!(
        failures(&wrong_scores, &allow).len(),
        wrong.len(),
        "a truth beyond the allowance must fail the check"
    );
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failed {
            bad: bad.join("\n"),
            extra_us: extra,
        })
    }
}

/// Each fault lengthened so that its truth lies 1 µs beyond its allowance
/// above its bracket (truth > hi + uncertainty + allowance).
fn shifted_past_allowance(faults: &[Fault], scores: &[FaultScore], allow: &[i64]) -> Vec<Fault> {
    faults
        .iter()
        .zip(scores)
        .zip(allow)
        .map(|((f, s), a)| {
            let hi = s.bracket_ns.map_or(s.truth_ns, |b| b[1]);
            let shift = hi + s.uncertainty_ns + a + 1_000 - s.truth_ns;
            Fault {
                end_before_ns: f.end_before_ns + shift.max(0),
                end_after_ns: f.end_after_ns + shift.max(0),
                ..f.clone()
            }
        })
        .collect()
}

#[test]
fn freezes_lie_inside_their_widened_brackets() {
    let mut rig = Rig::new();
    // SCHED_FIFO: the responder resumes promptly after SIGCONT even on a busy machine.
    let echo = rig.start_echo_cmd(&["chrt", "-f", "30", ECHO.as_str(), "-4"]);
    rig.wait_reachable(TARGET_V4);
    let pid = echo.pid().to_string();
    rig.keep(echo);
    check_injecting(&rig, &["freeze", "--pid", &pid]);
}

#[test]
fn loss_windows_lie_inside_their_widened_brackets() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    check_injecting(
        &rig,
        &[
            "loss",
            "--sysctl",
            "/proc/sys/net/ipv4/icmp_echo_ignore_all",
        ],
    );
}
