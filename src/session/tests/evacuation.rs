//! The session of a host evacuation: one command per guest, one verdict per
//! guest, the migration over when every guest's is decided.

use super::*;
use crate::trigger::pool::GuestJob;

fn guests(argv: &[&str]) -> Config {
    Config {
        argv: argv.iter().map(|a| (*a).to_owned()).collect(),
        guests: vec!["vm1".into(), "vm2".into()],
        parallel: 2,
        ..config()
    }
}

/// A guest's event of kind `kind` from `origin` at `ms`.
fn of(ms: u64, origin: Origin, kind: EventKind, domain: &str, extra: Value) -> Step {
    let mut detail = json!({ "domain": domain });
    if let (Some(d), Value::Object(x)) = (detail.as_object_mut(), extra) {
        d.extend(x);
    }
    hv(ms, origin, kind, detail)
}

/// A guest's own trigger exit (as the pool reports it).
fn guest_exit(ms: u64, domain: &str, code: i32) -> Step {
    of(
        ms,
        Origin::Local,
        kinds::TRIGGER_EXITED,
        domain,
        json!({ "code": code }),
    )
}

fn jobs(log: &[(u64, Action)]) -> Vec<(u64, Vec<GuestJob>, usize)> {
    log.iter()
        .filter_map(|(ms, a)| match a {
            Action::StartGuests { jobs, parallel } => Some((*ms, jobs.clone(), *parallel)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_trigger_with_domain_runs_once_per_guest_and_waits_for_every_guest() {
    let script = vec![
        tick(0),
        tick(1000),
        of(1500, Origin::Src, kinds::JOB_COMPLETED, "vm1", json!({})),
        guest_exit(1600, "vm1", 0),
        guest_exit(1700, "vm2", 0),
        exited(1700, 0),
        // vm2's migration is not decided yet: the migration goes on.
        tick(1720),
        tick(5000),
        of(5100, Origin::Src, kinds::JOB_COMPLETED, "vm2", json!({})),
        tick(5120),
        tick(7120),
    ];
    let log = run(
        guests(&["virsh", "migrate", "{domain}", "{dst_uri}"]),
        script,
    );
    let started = jobs(&log);
    assert_eq!(started.len(), 1, "{log:?}");
    let (ms, jobs, parallel) = &started[0];
    assert_eq!((*ms, *parallel), (1000, 2));
    let argvs: Vec<(u32, &str, &str)> = jobs
        .iter()
        .map(|j| (j.index, j.domain.as_str(), j.argv[2].as_str()))
        .collect();
    assert_eq!(argvs, [(0, "vm1", "vm1"), (1, "vm2", "vm2")]);
    assert_eq!(jobs[1].argv[3], DST);
    assert!(starts(&log).is_empty(), "no single trigger");
    // The guests' commands record their own starts and exits: the session none.
    let own: Vec<EventKind> = local_events(&log)
        .into_iter()
        .filter(|(_, _, d)| d.get("domain").is_none())
        .map(|(_, k, _)| k)
        .collect();
    assert!(!own.contains(&kinds::TRIGGER_STARTED), "{own:?}");
    assert!(!own.contains(&kinds::TRIGGER_EXITED), "{own:?}");
    assert_eq!(finish(&log), Some((7120, "migration ended", ExitCode::Ok)));
}

#[test]
fn one_failed_guest_fails_the_evacuation() {
    let script = vec![
        tick(1000),
        of(1500, Origin::Src, kinds::JOB_COMPLETED, "vm1", json!({})),
        of(
            1500,
            Origin::Src,
            kinds::QEMU_MIGRATION,
            "vm2",
            json!({"status": "failed"}),
        ),
        guest_exit(1600, "vm1", 0),
        guest_exit(1600, "vm2", 1),
        exited(1600, 1),
        tick(1620),
        tick(3620),
    ];
    let log = run(guests(&["virsh", "migrate", "{domain}"]), script);
    let (_, _, code) = finish(&log).expect("finished after the cool-down");
    assert_eq!(code, ExitCode::Failed, "{log:?}");
}

#[test]
fn a_trigger_without_domain_runs_once_for_all_guests() {
    let script = vec![
        tick(1000),
        exited(1200, 0),
        tick(1220),
        of(1500, Origin::Src, kinds::JOB_COMPLETED, "vm1", json!({})),
        tick(1520),
        of(2500, Origin::Src, kinds::JOB_COMPLETED, "vm2", json!({})),
        tick(2520),
        tick(4520),
    ];
    let log = run(guests(&["nova", "host-evacuate-live", "{src}"]), script);
    assert!(jobs(&log).is_empty());
    assert_eq!(
        starts(&log),
        [(
            1000,
            vec!["nova".into(), "host-evacuate-live".into(), "node01".into()]
        )]
    );
    // Over only once both guests' migrations completed (2500), then the cool-down.
    assert_eq!(finish(&log), Some((4520, "migration ended", ExitCode::Ok)));
    let shared = local_events(&log)
        .into_iter()
        .filter(|(_, k, _)| *k == kinds::TRIGGER_STARTED)
        .count();
    assert_eq!(shared, 1);
}
