use super::*;
use migprobe_probe::record::{ProbeError, StampClock};
use migprobe_probe::types::ProbeIndex;

const MS: i64 = 1_000_000;

/// Probes of target 0 at 1 ms, one per letter: o = answered, s = skipped,
/// e = send failed, i = ICMP error, l = lost, . = no line.
fn probes(pattern: &str) -> Vec<ProbeLine> {
    probes_every(pattern, MS)
}

/// As [`probes`], one every `step` ns.
fn probes_every(pattern: &str, step: i64) -> Vec<ProbeLine> {
    pattern
        .chars()
        .enumerate()
        .filter(|(_, c)| *c != '.')
        .map(|(i, c)| {
            let status = match c {
                'o' => ProbeStatus::Ok,
                's' => ProbeStatus::Skipped,
                'l' => ProbeStatus::Lost,
                _ => ProbeStatus::Error,
            };
            let tx = (RealNs(i as i64 * step), StampClock::Kernel);
            let mut p = ProbeLine::without_reply(
                "192.0.2.1".parse().unwrap(),
                0,
                ProbeIndex(i as u64),
                tx,
                status,
            );
            if c == 'e' || c == 'i' {
                p.error = Some(Box::new(ProbeError {
                    kind: if c == 'e' { "send" } else { "host_unreachable" }.into(),
                    code: None,
                    from: None,
                    message: None,
                }));
            }
            p
        })
        .collect()
}

/// (first index, slots, start ms, end ms, cause) of a window.
type Window = (u64, u64, i64, i64, BlindCause);

/// The windows of a pattern.
fn windows(pattern: &str) -> Vec<Window> {
    detect(0, &probes(pattern), MS)
        .iter()
        .map(|w| {
            (
                w.first_index,
                w.slots,
                w.start_ns.0 / MS,
                w.end_ns.0 / MS,
                w.cause,
            )
        })
        .collect()
}

#[test]
fn every_kind_of_blind_stretch_is_a_window_with_its_cause() {
    use BlindCause::*;
    let cases: &[(&str, &[Window])] = &[
        ("oooo", &[]),
        ("oolo", &[]),
        ("ooio", &[]),
        ("ossso", &[(1, 3, 1, 4, Skipped)]),
        ("oeeo", &[(1, 2, 1, 3, SendFailed)]),
        ("o...o", &[(1, 3, 1, 4, NotRecorded)]),
        ("o.s.o", &[(1, 3, 1, 4, Skipped)]),
        ("osos", &[(1, 1, 1, 2, Skipped), (3, 1, 3, 4, Skipped)]),
        ("ssoo", &[(0, 2, 0, 2, Skipped)]),
        ("ssss", &[(0, 4, 0, 4, NeverProbed)]),
        ("", &[]),
    ];
    for (pattern, want) in cases {
        assert_eq!(windows(pattern), *want, "pattern {pattern:?}");
    }
}

#[test]
fn absurd_index_gaps_saturate_instead_of_overflowing() {
    let mut ps = probes("oo");
    ps[1].index = ProbeIndex(u64::MAX);
    let w = detect(0, &ps, i64::MAX);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].slots, u64::MAX - 1);
    assert!(w[0].end_ns >= w[0].start_ns);
}

fn outage(start_ms: i64, end_ms: i64) -> Outage {
    Outage {
        target_id: 0,
        first_index: 0,
        last_index: 0,
        start_ns: RealNs(start_ms * MS),
        end_ns: RealNs(end_ms * MS),
        estimate_ns: (end_ms - start_ms) * MS,
        bracket_lo_ns: 0,
        bracket_hi_ns: 0,
        open_end: false,
        lost: 1,
        queued: 0,
        class: super::super::model::OutageClass::Loss,
        phase: None,
        migration: None,
    }
}

#[test]
fn short_windows_and_windows_inside_an_outage_hide_nothing() {
    // 10 ms per slot: every window of 3 slots is past MIN_HIDING_NS.
    let ten = 10 * MS;
    let mut w = detect(0, &probes_every("osssoossoollsssllo", ten), ten);
    assert_eq!(w.len(), 3);
    judge(&mut w, &[outage(100, 170)], 3, None);
    let hide: Vec<bool> = w.iter().map(|w| w.can_hide_outage).collect();
    // 3 skipped between answers: could hide a 3-probe outage; 2: too short;
    // 3 inside the outage of probes 10..17: already in its bracket.
    assert_eq!(hide, [true, false, false]);
    assert!(inconclusive(&w, false));
    judge(
        &mut w,
        &[outage(100, 170)],
        3,
        Some((RealNs(100 * MS), RealNs(200 * MS))),
    );
    assert!(w
        .iter()
        .all(|w| !w.overlaps_switchover || !w.can_hide_outage));
    assert!(
        !inconclusive(&w, true),
        "the hiding window is before the switchover"
    );
    judge(&mut w, &[], 3, Some((RealNs(20 * MS), RealNs(30 * MS))));
    assert!(
        inconclusive(&w, true),
        "a hiding window over the switchover"
    );
}

#[test]
fn a_target_never_mentioned_is_blind_for_the_whole_run() {
    let w = never_probed(3, RealNs(0), RealNs(10 * MS), MS);
    assert_eq!(
        (w.slots, w.duration_ns(), w.cause),
        (10, 10 * MS, BlindCause::NeverProbed)
    );
    let mut ws = vec![w];
    judge(&mut ws, &[], 3, None);
    assert!(ws[0].can_hide_outage);
}

#[test]
fn a_few_skipped_ms_hide_nothing_away_from_the_switchover() {
    let mut w = detect(0, &probes("ossssoooo"), MS);
    judge(&mut w, &[], 3, None);
    assert!(
        !w[0].can_hide_outage,
        "4 ms blind, no switchover: below MIN_HIDING_NS"
    );
    judge(&mut w, &[], 3, Some((RealNs(2 * MS), RealNs(3 * MS))));
    assert!(w[0].can_hide_outage, "the same 4 ms over the switchover");
}
