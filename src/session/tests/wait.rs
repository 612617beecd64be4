//! `--wait-for`: the wait command before each migration.

use super::*;

/// Two migrations, each after a wait command.
fn waiting() -> Config {
    Config {
        repeat: 2,
        wait_for: Some("take-my-turn".into()),
        ..config()
    }
}

/// When each wait command was started.
fn waits(log: &[(u64, Action)]) -> Vec<u64> {
    log.iter()
        .filter_map(|(ms, a)| {
            matches!(a, Action::StartWait(c) if c == "take-my-turn").then_some(*ms)
        })
        .collect()
}

#[test]
fn each_migration_starts_when_its_wait_exited_0() {
    let log = run(
        waiting(),
        vec![
            tick(0),
            tick(1000),
            tick(1500),
            exited(2500, 0),
            job_completed(3000),
            exited(3100, 0),
            tick(3200),
            tick(5200),
            exited(6000, 0),
            job_completed(6500),
            exited(6600, 0),
            tick(6700),
            tick(8700),
        ],
    );
    assert_eq!(waits(&log), [1000, 5200]);
    let started: Vec<u64> = starts(&log).into_iter().map(|(ms, _)| ms).collect();
    assert_eq!(
        started,
        [2500, 6000],
        "the trigger starts when the wait ended"
    );
    let f = finish(&log).expect("finished");
    assert_eq!((f.0, f.1, f.2), (8700, "2 migrations ended", ExitCode::Ok));
    let triggers: Vec<u64> = local_events(&log)
        .into_iter()
        .filter(|(_, k, _)| *k == kinds::TRIGGER_STARTED)
        .map(|(ms, _, _)| ms)
        .collect();
    assert_eq!(
        triggers,
        [2500, 6000],
        "trigger_started is the trigger's start, not the wait's"
    );
}

#[test]
fn a_failed_wait_ends_the_campaign_as_failed() {
    for (name, input) in [
        ("exit 1", exited(1500, 1)),
        ("cannot start", (1500, Input::SpawnFailed("denied".into()))),
        ("lost", (1500, Input::TriggerLost)),
    ] {
        let log = run(waiting(), vec![tick(0), tick(1000), input, tick(2000)]);
        assert!(starts(&log).is_empty(), "{name}: no migration");
        let (ms, reason, code) = finish(&log).expect("finished");
        assert_eq!((ms, code), (1500, ExitCode::Failed), "{name}");
        assert!(
            reason.contains("--wait-for") && reason.contains("migration 1"),
            "{name}: {reason}"
        );
    }
}

#[test]
fn the_timeout_and_an_interrupt_stop_a_wait() {
    let cfg = Config {
        timeout: Duration::from_secs(5),
        ..waiting()
    };
    let log = run(
        cfg,
        vec![tick(0), tick(1000), tick(5999), tick(6000), stopped(6100)],
    );
    assert_eq!(count(&log, &Action::StopTrigger), 1);
    assert_eq!(
        finish(&log).map(|f| (f.0, f.1, f.2)),
        Some((6100, "timeout", ExitCode::Error))
    );
    let log = run(
        waiting(),
        vec![tick(0), tick(1000), (1200, Input::Interrupt), stopped(1300)],
    );
    assert_eq!(count(&log, &Action::StopTrigger), 1);
    assert!(starts(&log).is_empty());
    assert_eq!(
        finish(&log).map(|f| (f.0, f.1, f.2)),
        Some((1300, "interrupted", ExitCode::Error))
    );
}
