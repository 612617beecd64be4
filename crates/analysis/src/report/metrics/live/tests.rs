//! The live tally against hand-made lines: counters as report.json counts
//! them, the current outage, the phase, and a text `check` reads back.

use super::*;
use crate::report::metrics::check;
use migprobe_probe::record::{Footer, Header, ProbeError, TargetInfo};
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;

const MS: i64 = 1_000_000;
const T0: i64 = 1_795_600_000_000_000_000;

fn header() -> Line {
    let mut h = Header::without_probes(RealNs(T0), vec![]);
    h.interval_ns = 10 * MS;
    h.min_loss_run = 3;
    h.targets = vec![TargetInfo {
        id: 0,
        addr: "192.0.2.2".parse().unwrap(),
        name: "g".into(),
        family: Family::V4,
        phase_ns: 0,
        probe: None,
        domain: None,
    }];
    Line::Header(h)
}

/// Probe `i` (sent at T0 + i × 10 ms) with `status` and, if answered, `rtt`.
fn probe(i: u64, status: ProbeStatus, rtt: Option<i64>) -> Line {
    let tx = T0 + i as i64 * 10 * MS;
    Line::Probe(ProbeLine {
        target: "192.0.2.2".parse().unwrap(),
        target_id: 0,
        index: ProbeIndex(i),
        seq: i as u16,
        tx_ns: RealNs(tx),
        tx_clock: StampClock::Kernel,
        rx_ns: rtt.map(|r| RealNs(tx + r)),
        rx_clock: None,
        rtt_ns: rtt,
        ttl: None,
        bytes: None,
        dup: 0,
        status,
        error: (status == ProbeStatus::Error).then(|| {
            Box::new(ProbeError {
                kind: ProbeError::SEND.into(),
                code: None,
                from: None,
                message: None,
            })
        }),
    })
}

use migprobe_probe::record::StampClock;

fn value(text: &str, name: &str) -> f64 {
    check(text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name}\n{text}"))
        .value
}

fn text(t: &LiveTally, now: i64, phase: Option<LivePhase>) -> String {
    String::from_utf8(render_live(t, now, phase, None)).unwrap()
}

#[test]
fn an_outage_is_current_once_min_loss_run_probes_are_pending() {
    let mut t = LiveTally::new();
    t.observe(&header());
    t.observe(&probe(0, ProbeStatus::Ok, Some(MS)));
    t.observe(&probe(1, ProbeStatus::Pending, None));
    t.observe(&probe(2, ProbeStatus::Pending, None));
    let now = T0 + 100 * MS;
    assert_eq!(
        value(&text(&t, now, None), "migprobe_live_outage_seconds"),
        0.0
    );
    t.observe(&probe(3, ProbeStatus::Pending, None));
    let s = text(&t, now, None);
    assert_eq!(
        value(&s, "migprobe_live_outage_seconds"),
        0.09,
        "since probe 1"
    );
    assert_eq!(value(&s, "migprobe_live_probes_pending"), 3.0);
    // The queued replies come back: the outage is over.
    for i in 1..=3 {
        t.observe(&probe(i, ProbeStatus::Ok, Some(500 * MS)));
    }
    let s = text(&t, now, None);
    assert_eq!(value(&s, "migprobe_live_outage_seconds"), 0.0);
    assert_eq!(value(&s, "migprobe_live_probes_late_total"), 3.0);
    assert_eq!(value(&s, "migprobe_live_rtt_seconds_count"), 4.0);
    assert_eq!(
        value(&s, "migprobe_live_last_rtt_seconds"),
        0.5,
        "probe 3's"
    );
}

#[test]
fn counters_count_final_lines_as_the_report_does() {
    let mut t = LiveTally::new();
    t.observe(&header());
    t.set_engine(&[Live {
        sent: 5,
        ..Live::default()
    }]);
    for (i, st) in [
        ProbeStatus::Ok,
        ProbeStatus::Pending,
        ProbeStatus::Lost,
        ProbeStatus::Skipped,
        ProbeStatus::Error,
    ]
    .into_iter()
    .enumerate()
    {
        t.observe(&probe(i as u64, st, (st == ProbeStatus::Ok).then_some(MS)));
    }
    t.observe(&probe(1, ProbeStatus::Lost, None));
    t.observe(&Line::Footer(Footer {
        end_ns: RealNs(T0),
        reason: "count".into(),
        sent: 5,
        foreign: 0,
    }));
    let s = text(&t, T0, Some(LivePhase("migration 2/3")));
    let v = |n| value(&s, n);
    assert_eq!(
        v("migprobe_live_probes_sent_total"),
        4.0,
        "5 less the send failure"
    );
    assert_eq!(v("migprobe_live_probes_answered_total"), 1.0);
    assert_eq!(v("migprobe_live_probes_lost_total"), 2.0);
    assert_eq!(v("migprobe_live_probes_skipped_total"), 1.0);
    assert_eq!(v("migprobe_live_probes_errors_total"), 1.0);
    assert_eq!(v("migprobe_live_probes_pending"), 0.0);
    assert_eq!(v("migprobe_live_finished"), 1.0);
    let phases: Vec<_> = check(&s)
        .unwrap()
        .into_iter()
        .filter(|x| x.name == "migprobe_live_migration_phase" && x.value == 1.0)
        .map(|x| x.labels["phase"].clone())
        .collect();
    assert_eq!(phases, ["done"]);
}

#[test]
fn phases_are_named_from_the_live_line() {
    assert_eq!(LivePhase("migration 2/5").name(), "migrating");
    assert_eq!(LivePhase("switchover").name(), "switchover");
    assert_eq!(LivePhase("nonsense").name(), "other");
}

#[test]
fn an_empty_tally_renders_a_well_formed_text() {
    let s = text(&LiveTally::new(), T0, None);
    assert_eq!(value(&s, "migprobe_live_finished"), 0.0);
}
