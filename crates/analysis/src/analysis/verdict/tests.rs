//! The verdict rule case by case, its independence of event order, and its
//! agreement with the phase markers.

use super::*;
use crate::analysis::phases::Markers;
use migprobe_probe::record::EventKind;
use serde_json::json;

/// An event at `t` ms (received then; no source timestamp).
fn ev(t: i64, origin: Origin, kind: impl Into<EventKind>, detail: serde_json::Value) -> EventLine {
    EventLine {
        at_ns: RealNs(t * 1_000_000),
        source_ts_ns: None,
        origin,
        kind: kind.into(),
        detail,
        raw: None,
    }
}

fn plain(t: i64, origin: Origin, kind: impl Into<EventKind>) -> EventLine {
    ev(t, origin, kind, json!({}))
}

fn reason(t: i64, origin: Origin, kind: impl Into<EventKind>, r: &str) -> EventLine {
    ev(t, origin, kind, json!({ "reason": r }))
}

fn qemu(t: i64, origin: Origin, status: &str) -> EventLine {
    ev(
        t,
        origin,
        kinds::QEMU_MIGRATION,
        json!({ "status": status }),
    )
}

fn job(t: i64, origin: Origin, success: Option<bool>) -> EventLine {
    let detail = success.map_or(json!({}), |s| json!({ "success": s }));
    ev(t, origin, kinds::JOB_COMPLETED, detail)
}

fn exited(t: i64, code: Option<i64>) -> EventLine {
    ev(
        t,
        Origin::Local,
        kinds::TRIGGER_EXITED,
        json!({ "code": code }),
    )
}

use Origin::{Dst, Local, Src};

/// One case: name, events, the outcome they mean.
type Case = (&'static str, Vec<EventLine>, Outcome);

/// Every case of the rule.
fn cases() -> Vec<Case> {
    [
        trigger_and_job_cases(),
        qemu_and_lifecycle_cases(),
        pause_cases(),
    ]
    .concat()
}

fn trigger_and_job_cases() -> Vec<Case> {
    vec![
        ("no events", vec![], Outcome::Unknown),
        (
            "trigger exited 0, nothing else",
            vec![plain(0, Local, kinds::TRIGGER_STARTED), exited(5, Some(0))],
            Outcome::Unknown,
        ),
        (
            "trigger killed by a signal",
            vec![exited(5, None)],
            Outcome::Unknown,
        ),
        (
            "trigger exited 1",
            vec![exited(5, Some(1))],
            Outcome::TriggerFailed,
        ),
        (
            "the latest trigger exit counts",
            vec![exited(9, Some(0)), exited(5, Some(1))],
            Outcome::Unknown,
        ),
        (
            "source job completed",
            vec![job(5, Src, None)],
            Outcome::Completed,
        ),
        (
            "job says success",
            vec![job(5, Src, Some(true))],
            Outcome::Completed,
        ),
        (
            "job says no success",
            vec![job(5, Src, Some(false))],
            Outcome::Failed,
        ),
        (
            "the source's latest job wins over the destination's",
            vec![job(5, Src, Some(false)), job(9, Dst, Some(true))],
            Outcome::Failed,
        ),
        (
            "the destination's job without one of the source",
            vec![job(9, Dst, Some(true))],
            Outcome::Completed,
        ),
        (
            "of equal times the job observed last wins",
            vec![job(5, Src, Some(false)), job(5, Src, Some(true))],
            Outcome::Completed,
        ),
    ]
}

fn qemu_and_lifecycle_cases() -> Vec<Case> {
    vec![
        (
            "source stopped migrated",
            vec![reason(5, Src, kinds::STOPPED, "migrated")],
            Outcome::Completed,
        ),
        (
            "source stopped for another reason",
            vec![reason(5, Src, kinds::STOPPED, "destroyed")],
            Outcome::Unknown,
        ),
        (
            "qemu completed",
            vec![qemu(5, Src, "completed")],
            Outcome::Completed,
        ),
        (
            "local qemu completed",
            vec![qemu(5, Local, "completed")],
            Outcome::Completed,
        ),
        (
            "destination qemu ignored",
            vec![qemu(5, Dst, "completed")],
            Outcome::Unknown,
        ),
        (
            "qemu cancelled",
            vec![qemu(5, Src, "cancelled")],
            Outcome::Cancelled,
        ),
        (
            "qemu cancelling",
            vec![qemu(5, Src, "cancelling")],
            Outcome::Cancelled,
        ),
        ("qemu failed", vec![qemu(5, Src, "failed")], Outcome::Failed),
        (
            "cancelled wins over failed",
            vec![qemu(5, Src, "failed"), qemu(6, Src, "cancelled")],
            Outcome::Cancelled,
        ),
        (
            "completed wins over failed",
            vec![
                qemu(5, Src, "failed"),
                job(6, Src, None),
                exited(7, Some(1)),
            ],
            Outcome::Completed,
        ),
        (
            "failed wins over the trigger",
            vec![qemu(5, Src, "failed"), exited(7, Some(1))],
            Outcome::Failed,
        ),
        (
            "destination resumed after it started",
            vec![
                reason(1, Dst, kinds::STARTED, "migrated"),
                reason(5, Dst, kinds::RESUMED, "migrated"),
            ],
            Outcome::Completed,
        ),
        (
            "destination resumed in postcopy",
            vec![reason(5, Dst, kinds::RESUMED, "postcopy")],
            Outcome::Completed,
        ),
        (
            "destination resumed for another reason",
            vec![reason(5, Dst, kinds::RESUMED, "unpaused")],
            Outcome::Unknown,
        ),
        (
            "destination QEMU resume, any detail",
            vec![plain(5, Dst, kinds::QEMU_RESUME)],
            Outcome::Completed,
        ),
        (
            "destination resumed before it started (an earlier migration)",
            vec![
                reason(1, Dst, kinds::RESUMED, "migrated"),
                reason(3, Dst, kinds::STARTED, "migrated"),
            ],
            Outcome::Unknown,
        ),
    ]
}

fn pause_cases() -> Vec<Case> {
    vec![
        (
            "source resumed after pausing",
            vec![
                plain(0, Local, kinds::TRIGGER_STARTED),
                plain(4, Src, kinds::QEMU_STOP),
                reason(6, Src, kinds::RESUMED, "unpaused"),
            ],
            Outcome::Failed,
        ),
        (
            "source resumed after a lifecycle suspend",
            vec![
                reason(4, Src, kinds::SUSPENDED, "migrated"),
                plain(6, Src, kinds::RESUMED),
            ],
            Outcome::Failed,
        ),
        (
            "a suspend for another reason is no migration pause",
            vec![
                reason(4, Src, kinds::SUSPENDED, "paused"),
                plain(6, Src, kinds::RESUMED),
            ],
            Outcome::Unknown,
        ),
        (
            "source resumed before pausing",
            vec![
                plain(2, Src, kinds::RESUMED),
                plain(4, Src, kinds::QEMU_STOP),
            ],
            Outcome::Unknown,
        ),
        (
            "a pause before the trigger does not count",
            vec![
                plain(1, Src, kinds::QEMU_STOP),
                plain(2, Src, kinds::RESUMED),
                plain(3, Local, kinds::TRIGGER_STARTED),
            ],
            Outcome::Unknown,
        ),
        (
            "QEMU STOP is preferred over the lifecycle suspend",
            vec![
                reason(2, Src, kinds::SUSPENDED, "migrated"),
                plain(3, Src, kinds::RESUMED),
                plain(4, Src, kinds::QEMU_STOP),
            ],
            Outcome::Unknown,
        ),
        (
            "the destination's start bounds the pause",
            vec![
                plain(0, Local, kinds::TRIGGER_STARTED),
                plain(1, Src, kinds::QEMU_STOP),
                reason(2, Dst, kinds::STARTED, "migrated"),
                plain(3, Src, kinds::RESUMED),
            ],
            Outcome::Unknown,
        ),
        (
            "the earliest destination start counts",
            vec![
                reason(1, Dst, kinds::STARTED, "migrated"),
                reason(3, Dst, kinds::RESUMED, "migrated"),
                reason(6, Dst, kinds::STARTED, "migrated"),
            ],
            Outcome::Completed,
        ),
        (
            "the earliest trigger start counts",
            vec![
                plain(1, Local, kinds::TRIGGER_STARTED),
                plain(3, Src, kinds::QEMU_STOP),
                plain(4, Src, kinds::RESUMED),
                plain(5, Local, kinds::TRIGGER_STARTED),
            ],
            Outcome::Failed,
        ),
        (
            "the earliest pause counts",
            vec![
                plain(3, Src, kinds::QEMU_STOP),
                plain(4, Src, kinds::RESUMED),
                plain(5, Src, kinds::QEMU_STOP),
            ],
            Outcome::Failed,
        ),
        (
            "job stats and other kinds say nothing",
            vec![
                plain(1, Src, kinds::JOB_STATS),
                plain(2, Src, kinds::MIGRATION_ITERATION),
            ],
            Outcome::Unknown,
        ),
    ]
}

#[test]
fn the_rule_case_by_case() {
    for (name, events, want) in cases() {
        assert_eq!(MigrationVerdict::of(&events).outcome(), want, "{name}");
    }
}

#[test]
fn the_order_of_events_does_not_matter() {
    for (name, mut events, want) in cases() {
        // Ties between equal times are the only order-dependent facts.
        if name.contains("equal times") {
            continue;
        }
        events.reverse();
        assert_eq!(
            MigrationVerdict::of(&events).outcome(),
            want,
            "{name}, reversed"
        );
        let half = events.len() / 2;
        events.rotate_left(half);
        assert_eq!(
            MigrationVerdict::of(&events).outcome(),
            want,
            "{name}, rotated"
        );
    }
}

#[test]
fn pauses_and_resumes_agree_with_the_phase_markers() {
    for (name, events, _) in cases() {
        let v = MigrationVerdict::of(&events);
        let mk = Markers::from_events(&events);
        assert_eq!(v.resumed_on_destination(), mk.resume.is_some(), "{name}");
        assert_eq!(v.paused(), mk.suspend, "{name}");
        assert_eq!(v.resumed_on_source(), mk.src_resumed.is_some(), "{name}");
    }
}

#[test]
fn source_timestamps_win_over_reception() {
    let mut resumed = reason(9, Dst, kinds::RESUMED, "migrated");
    resumed.source_ts_ns = Some(RealNs(1_000_000));
    let events = [reason(5, Dst, kinds::STARTED, "migrated"), resumed];
    assert_eq!(MigrationVerdict::of(&events).outcome(), Outcome::Unknown);
}

#[test]
fn outcome_names_and_classes() {
    use Outcome::*;
    let all = [Completed, Cancelled, Failed, TriggerFailed, Unknown];
    let names: Vec<_> = all.iter().map(|o| o.as_str()).collect();
    assert_eq!(
        names,
        ["completed", "cancelled", "failed", "failed", "unknown"]
    );
    let decided: Vec<_> = all.iter().map(|o| o.is_decided()).collect();
    assert_eq!(decided, [true, true, true, true, false]);
    let failure: Vec<_> = all.iter().map(|o| o.is_failure()).collect();
    assert_eq!(failure, [false, true, true, true, false]);
    let hypervisor: Vec<_> = all.iter().map(|o| o.is_hypervisor_failure()).collect();
    assert_eq!(hypervisor, [false, true, true, false, false]);
}
