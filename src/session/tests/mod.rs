//! The session on a virtual clock: scripts of inputs at given milliseconds.

use super::*;
use crate::exit::ExitCode;
use crate::trigger::Exit;
use migprobe_probe::record::kinds;
use migprobe_probe::record::{EventKind, EventLine, Origin};
use migprobe_probe::types::RealNs;
use serde_json::{json, Value};
use std::time::Duration;

const SRC: &str = "qemu+ssh://node01/system";
const DST: &str = "qemu+ssh://node02/system";

/// Realtime at `ms` on the virtual clock.
fn real(ms: u64) -> RealNs {
    RealNs(1_700_000_000_000_000_000 + ms as i64 * 1_000_000)
}

fn at(ms: u64) -> Now {
    Now {
        mono: Duration::from_millis(ms),
        real: real(ms),
    }
}

/// 1 migration, warm-up 1 s, cool-down 2 s, timeout 60 s, with events.
fn config() -> Config {
    Config {
        argv: ["migrate", "{src_uri}", "{dst_uri}", "{src}->{dst}"]
            .map(String::from)
            .to_vec(),
        endpoints: Endpoints::new(SRC.into(), DST.into()),
        repeat: 1,
        pingpong: false,
        stop_on_failure: false,
        warmup: Duration::from_secs(1),
        cooldown: Duration::from_secs(2),
        timeout: Duration::from_secs(60),
        with_events: true,
        wait_for: None,
        guests: Vec::new(),
        parallel: 1,
    }
}

/// One step of a script.
type Step = (u64, Input);

fn tick(ms: u64) -> Step {
    (ms, Input::Tick)
}

/// A hypervisor event at `ms`.
fn hv(ms: u64, origin: Origin, kind: impl Into<EventKind>, detail: Value) -> Step {
    let e = EventLine {
        at_ns: real(ms),
        source_ts_ns: None,
        origin,
        kind: kind.into(),
        detail,
        raw: None,
    };
    (ms, Input::Event(e))
}

fn exit(code: Option<i32>, signal: Option<i32>) -> Exit {
    Exit { code, signal }
}

/// The trigger exits by itself with `code`.
fn exited(ms: u64, code: i32) -> Step {
    let exit = exit(Some(code), None);
    let output = vec!["done".into()];
    (ms, Input::TriggerExited { exit, output })
}

/// The trigger, asked to stop, died of SIGTERM.
fn stopped(ms: u64) -> Step {
    let exit = exit(None, Some(15));
    (
        ms,
        Input::TriggerStopped {
            exit,
            output: vec![],
        },
    )
}

/// QEMU on the source says `status`.
fn qemu(ms: u64, status: &str) -> Step {
    let detail = json!({ "status": status });
    hv(ms, Origin::Src, kinds::QEMU_MIGRATION, detail)
}

fn job_completed(ms: u64) -> Step {
    hv(ms, Origin::Src, kinds::JOB_COMPLETED, json!({}))
}

/// Runs `script` on a new session; every action with the time it was asked for.
fn run(cfg: Config, script: Vec<Step>) -> Vec<(u64, Action)> {
    let mut s = Session::new(cfg);
    let mut log = Vec::new();
    for (ms, input) in script {
        log.extend(s.handle(at(ms), input).into_iter().map(|a| (ms, a)));
    }
    log
}

/// When the session finished, why, and its exit code.
fn finish(log: &[(u64, Action)]) -> Option<(u64, &str, ExitCode)> {
    let mut f = log.iter().filter_map(|(ms, a)| match a {
        Action::Finish { reason, code } => Some((*ms, reason.as_str(), *code)),
        _ => None,
    });
    let first = f.next();
    assert_eq!(f.next(), None, "finished twice");
    first
}

/// When each trigger was started, and with what.
fn starts(log: &[(u64, Action)]) -> Vec<(u64, Vec<String>)> {
    log.iter()
        .filter_map(|(ms, a)| match a {
            Action::StartTrigger(argv) => Some((*ms, argv.clone())),
            _ => None,
        })
        .collect()
}

/// The recorded events of migprobe itself.
fn local_events(log: &[(u64, Action)]) -> Vec<(u64, EventKind, Value)> {
    log.iter()
        .filter_map(|(ms, a)| match a {
            Action::Record(e) if e.origin == Origin::Local => {
                assert_eq!(e.at_ns, real(*ms));
                Some((*ms, e.kind.clone(), e.detail.clone()))
            }
            _ => None,
        })
        .collect()
}

fn count(log: &[(u64, Action)], want: &Action) -> usize {
    log.iter().filter(|(_, a)| a == want).count()
}

/// (case, with events, script, finish).
type Case = (
    &'static str,
    bool,
    Vec<Step>,
    Option<(u64, &'static str, ExitCode)>,
);

fn ending_cases() -> Vec<Case> {
    let ok = ExitCode::Ok;
    let failed = ExitCode::Failed;
    let trigger_failed = "trigger failed (exit Some(1), signal None)";
    vec![
        (
            "completed, then the trigger exits",
            true,
            vec![
                tick(0),
                tick(1000),
                job_completed(1500),
                exited(1600, 0),
                tick(1620),
                tick(3619),
                tick(3620),
            ],
            Some((3620, "migration ended", ok)),
        ),
        (
            "the trigger exits, then the migration completes",
            true,
            vec![
                tick(1000),
                exited(1500, 0),
                tick(1520),
                hv(
                    1530,
                    Origin::Src,
                    kinds::STOPPED,
                    json!({ "reason": "migrated" }),
                ),
                tick(1540),
                tick(3540),
            ],
            Some((3540, "migration ended", ok)),
        ),
        (
            "the hypervisor says failed",
            true,
            vec![
                tick(1000),
                qemu(1500, "failed"),
                exited(1600, 1),
                tick(1620),
                tick(3620),
            ],
            Some((3620, "migration failed", failed)),
        ),
        (
            "cancelled, though the trigger exited 0",
            true,
            vec![
                tick(1000),
                qemu(1500, "cancelled"),
                exited(1600, 0),
                tick(1620),
                tick(3620),
            ],
            Some((3620, "migration failed", failed)),
        ),
        (
            "completion wins over a failure word",
            true,
            vec![
                tick(1000),
                qemu(1500, "failed"),
                job_completed(1550),
                exited(1600, 0),
                tick(1620),
                tick(3620),
            ],
            Some((3620, "migration ended", ok)),
        ),
        (
            "the trigger fails, no word from the hypervisors",
            true,
            vec![tick(1000), exited(1600, 1), tick(1620), tick(3620)],
            Some((3620, trigger_failed, failed)),
        ),
        (
            "without events the trigger's exit ends the migration",
            false,
            vec![tick(1000), exited(1600, 0), tick(1620), tick(3620)],
            Some((3620, "migration ended", ok)),
        ),
    ]
}

fn stopping_cases() -> Vec<Case> {
    let failed = ExitCode::Failed;
    let error = ExitCode::Error;
    vec![
        (
            "the trigger exits 0 and no event ever says how it ended",
            true,
            vec![
                tick(1000),
                exited(1600, 0),
                tick(1620),
                tick(60_999),
                tick(61_000),
            ],
            Some((61_000, "timeout", error)),
        ),
        (
            "the trigger is lost",
            true,
            vec![
                tick(1000),
                (1600, Input::TriggerLost),
                tick(1620),
                tick(3620),
            ],
            Some((3620, "trigger failed (exit None, signal None)", failed)),
        ),
        (
            "timeout while the trigger runs",
            true,
            vec![
                tick(1000),
                tick(60_999),
                tick(61_000),
                stopped(61_000),
                tick(61_020),
            ],
            Some((61_000, "timeout", error)),
        ),
        (
            "interrupt while the trigger runs",
            true,
            vec![
                tick(1000),
                (1200, Input::Interrupt),
                tick(1200),
                stopped(1200),
            ],
            Some((1200, "interrupted", error)),
        ),
        (
            "interrupt during the warm-up",
            true,
            vec![tick(0), (500, Input::Interrupt), tick(500)],
            Some((500, "interrupted", error)),
        ),
        (
            "interrupt during the cool-down",
            true,
            vec![
                tick(1000),
                job_completed(1500),
                exited(1600, 0),
                tick(1620),
                (2000, Input::Interrupt),
                tick(2000),
            ],
            Some((2000, "interrupted", error)),
        ),
        (
            "the trigger cannot start",
            true,
            vec![
                tick(1000),
                (1000, Input::SpawnFailed("No such file".into())),
                tick(2999),
                tick(3000),
            ],
            Some((
                3000,
                "trigger failed to start: cannot start the trigger \"migrate\": No such file",
                failed,
            )),
        ),
        (
            "no tick after the warm-up: nothing happens",
            true,
            vec![tick(0), tick(999), job_completed(1500)],
            None,
        ),
    ]
}

#[test]
fn how_a_single_migration_ends() {
    for (name, with_events, script, want) in [ending_cases(), stopping_cases()].concat() {
        let log = run(
            Config {
                with_events,
                ..config()
            },
            script,
        );
        assert_eq!(finish(&log), want, "{name}");
    }
}

#[test]
fn the_trigger_starts_after_the_warm_up_with_the_placeholders_replaced() {
    let log = run(config(), vec![tick(0), tick(999), tick(1000), tick(1020)]);
    let argv = ["migrate", SRC, DST, "node01->node02"]
        .map(String::from)
        .to_vec();
    assert_eq!(starts(&log), [(1000, argv.clone())]);
    let started = json!({ "argv": argv, "migration": 0, "direction": "forth" });
    assert_eq!(
        local_events(&log),
        [(1000, kinds::TRIGGER_STARTED, started)]
    );
}

#[test]
fn a_stopped_trigger_is_recorded_with_what_stopped_it() {
    for (input, by) in [(Input::Interrupt, "interrupt"), (Input::Tick, "timeout")] {
        let cfg = Config {
            timeout: Duration::from_secs(5),
            ..config()
        };
        let log = run(
            cfg,
            vec![tick(1000), (6000, input), tick(6000), stopped(6010)],
        );
        assert_eq!(count(&log, &Action::StopTrigger), 1, "{by}");
        let exited = local_events(&log).pop().unwrap();
        let detail =
            json!({ "code": null, "signal": 15, "output": [], "migration": 0, "stopped_by": by });
        assert_eq!(exited, (6010, kinds::TRIGGER_EXITED, detail), "{by}");
    }
}

#[test]
fn the_timeout_counts_from_the_end_of_the_warm_up() {
    let cfg = Config {
        warmup: Duration::from_secs(10),
        timeout: Duration::from_secs(5),
        ..config()
    };
    let log = run(cfg, vec![tick(10_000), tick(14_999)]);
    assert_eq!(count(&log, &Action::StopTrigger), 0);
    let log = run(
        Config {
            warmup: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
            ..config()
        },
        vec![tick(10_000), tick(15_000)],
    );
    assert_eq!(count(&log, &Action::StopTrigger), 1);
}

#[test]
fn a_failed_spawn_is_recorded_and_warned_about() {
    let log = run(
        config(),
        vec![tick(1000), (1000, Input::SpawnFailed("denied".into()))],
    );
    let msg = "cannot start the trigger \"migrate\": denied";
    assert_eq!(count(&log, &Action::Warn(msg.into())), 1);
    let detail = json!({ "code": null, "signal": null, "error": msg, "migration": 0 });
    assert_eq!(local_events(&log)[1], (1000, kinds::TRIGGER_EXITED, detail));
}

mod campaign;
mod evacuation;
mod wait;
