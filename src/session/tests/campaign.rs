//! The session over several migrations: repeat, ping-pong, stop on failure,
//! and what it shows and records along the way.

use super::*;

/// Three migrations that complete: each exits 0 after the source's job completed.
fn three(cfg: Config, first_exit: i32) -> Vec<(u64, Action)> {
    let mut script = vec![tick(0), tick(1000)];
    for (i, start) in [1000u64, 4000, 7000].into_iter().enumerate() {
        if i > 0 {
            script.push(tick(start));
        }
        script.push(job_completed(start + 500));
        script.push(exited(start + 600, if i == 0 { first_exit } else { 0 }));
        script.push(tick(start + 1000));
    }
    script.push(tick(10_000));
    run(cfg, script)
}

#[test]
fn repeat_with_ping_pong_swaps_the_direction_and_the_event_labels() {
    let cfg = Config {
        repeat: 3,
        pingpong: true,
        ..config()
    };
    let log = three(cfg.clone(), 0);
    let hosts: Vec<(u64, String, String)> = starts(&log)
        .into_iter()
        .map(|(ms, a)| (ms, a[1].clone(), a[3].clone()))
        .collect();
    let (fwd, back) = ("node01->node02".to_string(), "node02->node01".to_string());
    assert_eq!(
        hosts,
        [
            (1000, SRC.into(), fwd.clone()),
            (4000, DST.into(), back),
            (7000, SRC.into(), fwd)
        ]
    );
    let directions: Vec<Value> = local_events(&log)
        .into_iter()
        .filter(|(_, k, _)| *k == kinds::TRIGGER_STARTED)
        .map(|(_, _, d)| d["direction"].clone())
        .collect();
    assert_eq!(directions, ["forth", "back", "forth"]);
    let job_origins: Vec<Origin> = log
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Record(e) if e.kind == kinds::JOB_COMPLETED => Some(e.origin),
            _ => None,
        })
        .collect();
    assert_eq!(job_origins, [Origin::Src, Origin::Dst, Origin::Src]);
    assert_eq!(
        finish(&log),
        Some((10_000, "3 migrations ended", ExitCode::Ok))
    );
}

#[test]
fn a_failure_stops_the_campaign_only_when_asked() {
    let cfg = Config {
        repeat: 3,
        ..config()
    };
    let log = three(cfg.clone(), 1);
    assert_eq!(starts(&log).len(), 3);
    assert_eq!(
        finish(&log),
        Some((10_000, "1 of 3 migrations failed", ExitCode::Failed))
    );
    let log = three(
        Config {
            stop_on_failure: true,
            ..cfg
        },
        1,
    );
    assert_eq!(starts(&log).len(), 1);
    assert_eq!(
        finish(&log),
        Some((
            2000,
            "trigger failed (exit Some(1), signal None)",
            ExitCode::Failed
        ))
    );
}

#[test]
fn zero_warm_up_and_cool_down_start_at_once() {
    let cfg = Config {
        repeat: 2,
        warmup: Duration::ZERO,
        cooldown: Duration::ZERO,
        with_events: false,
        ..config()
    };
    let log = run(
        cfg,
        vec![
            tick(0),
            exited(300, 0),
            tick(320),
            exited(600, 0),
            tick(620),
        ],
    );
    let times: Vec<u64> = starts(&log).into_iter().map(|(ms, _)| ms).collect();
    assert_eq!(times, [0, 320]);
    assert_eq!(
        finish(&log),
        Some((620, "2 migrations ended", ExitCode::Ok))
    );
}

#[test]
fn the_live_status_follows_the_session() {
    let cfg = Config {
        repeat: 2,
        ..config()
    };
    let script = vec![
        tick(1000),
        hv(
            1100,
            Origin::Dst,
            kinds::STARTED,
            json!({ "reason": "migrated" }),
        ),
        hv(1200, Origin::Src, kinds::JOB_STATS, json!({})),
        hv(
            1300,
            Origin::Src,
            kinds::SUSPENDED,
            json!({ "reason": "migrated" }),
        ),
        job_completed(1400),
        exited(1500, 0),
        tick(1520),
    ];
    let mut s = Session::new(cfg);
    assert_eq!(s.status().phase, "warm-up");
    let mut phases = Vec::new();
    for (ms, input) in script {
        for a in s.handle(at(ms), input) {
            if let Action::Status(st) = a {
                phases.push((st.phase, st.last_event));
            }
        }
    }
    let p = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        phases,
        [
            p("migration 1/2", ""),
            p("copying", "dst started"),
            p("switchover", "src suspended"),
            p("switchover", "src job_completed"),
            p("cool-down", "src job_completed"),
        ]
    );
}

#[test]
fn events_are_shown_except_job_statistics_and_recorded_after_the_end() {
    let cfg = Config {
        with_events: false,
        ..config()
    };
    let mut script = vec![tick(1000), exited(1100, 0), tick(1120), tick(3120)];
    script.push(hv(3200, Origin::Src, kinds::JOB_STATS, json!({})));
    script.push(hv(3200, Origin::Dst, kinds::RESUMED, json!({})));
    let log = run(cfg, script);
    assert_eq!(finish(&log).map(|f| f.0), Some(3120));
    let late: Vec<(&str, &str)> = log
        .iter()
        .filter(|(ms, _)| *ms == 3200)
        .map(|(_, a)| match a {
            Action::Show(e) => ("show", e.kind.as_str()),
            Action::Record(e) => ("record", e.kind.as_str()),
            Action::Status(_) => ("status", ""),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        late,
        [
            ("record", kinds::JOB_STATS.as_str()),
            ("show", kinds::RESUMED.as_str()),
            ("status", ""),
            ("record", kinds::RESUMED.as_str())
        ]
    );
}
