use super::*;
use crate::outputs::WriteFailure;
use std::time::Instant;

fn job(index: u32, domain: &str, script: &str) -> GuestJob {
    GuestJob {
        index,
        domain: domain.into(),
        argv: vec!["sh".into(), "-c".into(), script.into()],
    }
}

fn log() -> (LogFile, tempfile::NamedTempFile) {
    let f = tempfile::NamedTempFile::new().unwrap();
    let file = f.reopen().unwrap();
    (LogFile::new(file, f.path(), &WriteFailure::default()), f)
}

/// Runs the pool to its end; its exit and every event.
fn finish(p: &mut Pool) -> (Exit, Vec<EventLine>) {
    let until = Instant::now() + Duration::from_secs(20);
    let mut events = Vec::new();
    loop {
        let exit = p.try_wait().unwrap();
        events.extend(p.take_events());
        if let Some(e) = exit {
            return (e, events);
        }
        assert!(Instant::now() < until, "the pool did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn of<'a>(events: &'a [EventLine], kind: &EventKind, domain: &str) -> Vec<&'a EventLine> {
    events
        .iter()
        .filter(|e| &e.kind == kind && e.detail["domain"] == domain)
        .collect()
}

#[test]
fn at_most_parallel_run_at_once_in_the_order_given() {
    let (log, file) = log();
    let jobs = vec![
        job(0, "a", "sleep 0.4; echo one"),
        job(1, "b", "sleep 0.4; echo two"),
        job(2, "c", "echo three"),
    ];
    let mut p = Pool::start(jobs, 2, log);
    let (exit, events) = finish(&mut p);
    assert!(exit.success(), "{exit:?}");
    let at = |k: &EventKind, d: &str| of(&events, k, d)[0].at_ns;
    // The third starts only once one of the first two has exited.
    let first_exit = at(&kinds::TRIGGER_EXITED, "a").min(at(&kinds::TRIGGER_EXITED, "b"));
    assert!(at(&kinds::TRIGGER_STARTED, "c") >= first_exit);
    assert!(
        at(&kinds::TRIGGER_STARTED, "b") < first_exit,
        "a and b run together"
    );
    for (d, i) in [("a", 0), ("b", 1), ("c", 2)] {
        assert_eq!(
            of(&events, &kinds::TRIGGER_STARTED, d)[0].detail["migration"],
            i
        );
        assert_eq!(of(&events, &kinds::TRIGGER_EXITED, d)[0].detail["code"], 0);
    }
    let text = std::fs::read_to_string(file.path()).unwrap();
    for line in ["[a] one", "[b] two", "[c] three"] {
        assert!(text.lines().any(|l| l == line), "{line:?} in {text:?}");
    }
    assert!(p.tail().contains(&"[c] three".to_owned()), "{:?}", p.tail());
}

#[test]
fn a_failed_guest_fails_the_pool_and_the_others_go_on() {
    let (log, _file) = log();
    let jobs = vec![
        job(0, "a", "exit 0"),
        job(1, "b", "exit 3"),
        GuestJob {
            index: 2,
            domain: "c".into(),
            argv: vec!["/nonexistent/migrate".into()],
        },
        job(3, "d", "exit 0"),
    ];
    let mut p = Pool::start(jobs, 1, log);
    let (exit, events) = finish(&mut p);
    assert_eq!(exit.code, Some(3), "the first failure's exit");
    assert_eq!(
        of(&events, &kinds::TRIGGER_EXITED, "b")[0].detail["code"],
        3
    );
    let c = of(&events, &kinds::TRIGGER_EXITED, "c")[0];
    assert!(c.detail["code"].is_null());
    assert!(
        c.detail["error"].as_str().unwrap().contains("cannot start"),
        "{c:?}"
    );
    assert_eq!(
        of(&events, &kinds::TRIGGER_EXITED, "d")[0].detail["code"],
        0
    );
}

#[test]
fn stopping_stops_the_running_and_starts_no_more() {
    let (log, _file) = log();
    let jobs = vec![
        job(0, "a", "sleep 30"),
        job(1, "b", "sleep 30"),
        job(2, "c", "sleep 30"),
    ];
    let mut p = Pool::start(jobs, 2, log);
    assert_eq!(p.try_wait().unwrap(), None);
    let t0 = Instant::now();
    let exit = p.stop(Duration::from_secs(5)).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    assert!(!exit.success());
    let events = p.take_events();
    assert_eq!(of(&events, &kinds::TRIGGER_STARTED, "c").len(), 0);
    for d in ["a", "b"] {
        let e = of(&events, &kinds::TRIGGER_EXITED, d)[0];
        assert_eq!(e.detail["stopped"], true, "{e:?}");
        assert_eq!(e.detail["signal"], libc::SIGTERM);
    }
}

#[test]
fn every_line_gets_the_prefix_however_it_is_written() {
    let mut out = Vec::new();
    {
        let mut p = Prefixed::new(&mut out, "[g] ".into());
        p.write_all(b"one\ntw").unwrap();
        p.write_all(b"o\n\nthree").unwrap();
    }
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "[g] one\n[g] two\n[g] \n[g] three"
    );
}
