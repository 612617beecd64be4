use super::*;

fn live() -> Vec<Live> {
    vec![
        Live {
            sent: 12_000,
            answered: 11_990,
            waiting: 2,
            errors: 0,
            skipped: 0,
            dups: 1,
            last_rtt_ns: Some(412_000),
            max_rtt_ns: 4_208_000,
        },
        Live {
            sent: 12_000,
            answered: 12_000,
            skipped: 3,
            ..Live::default()
        },
    ]
}

fn status<'a>(live: &'a [Live], run: Option<(&'a str, &'a str)>) -> Status<'a> {
    Status {
        live,
        elapsed_ns: 12_345_000_000,
        rate: Some(1999.6),
        silent_ns: None,
        run,
    }
}

/// The visible text: SGR sequences removed.
fn visible(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => esc = false,
            (false, c) => out.push(c),
            _ => {}
        }
    }
    out
}

const WIDE: &str = "12.3s  2000/s  sent 24000  replies 23990  waiting 2  errors 0  skipped 3  dup 1  rtt 412 µs  max 4.208 ms";

#[test]
fn a_wide_terminal_shows_every_field_and_the_current_rate() {
    assert_eq!(render(&status(&live(), None), 200, false), WIDE);
}

#[test]
fn never_wider_than_the_terminal_and_drops_whole_fields() {
    let l = live();
    let run = Some(("switchover", "+3.2 s dst resumed reason=migrated 迁移"));
    for s in [status(&l, None), status(&l, run)] {
        let all: Vec<String> = fields(&s).into_iter().map(|f| f.text).collect();
        for width in [0, 1, 2, 5, 8, 10, 15, 20, 30, 40, 60, 80, 100, 120, 250] {
            let line = render(&s, width, true);
            let shown = visible(&line);
            assert!(shown.width() < width.max(1), "{width}: {shown:?}");
            assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown:?}");
            if width >= 16 {
                for part in shown.split(GAP) {
                    assert!(all.iter().any(|f| f == part), "{width}: {part:?} cut");
                }
                assert!(shown.contains("2000/s"), "{width}: {shown:?}");
            }
        }
    }
}

#[test]
fn narrow_keeps_the_important_fields() {
    let l = live();
    let run = |w| render(&status(&l, Some(("switchover", "dst resumed"))), w, false);
    assert_eq!(run(60), "12.3s  2000/s  waiting 2  skipped 3  rtt 412 µs");
    assert_eq!(
        run(80),
        "12.3s  2000/s  waiting 2  errors 0  skipped 3  rtt 412 µs  | switchover"
    );
    assert_eq!(
        run(140),
        "12.3s  2000/s  sent 24000  replies 23990  waiting 2  errors 0  skipped 3  dup 1  rtt 412 µs  max 4.208 ms  | switchover  | dst resumed"
    );
    let probe = |w| render(&status(&l, None), w, false);
    assert_eq!(
        probe(60),
        "12.3s  2000/s  waiting 2  errors 0  skipped 3  rtt 412 µs"
    );
    assert_eq!(probe(20), "12.3s  2000/s");
    assert_eq!(probe(5), "12.3");
    assert_eq!(probe(1), "");
    assert_eq!(probe(0), "");
}

#[test]
fn colour_only_when_asked_and_only_on_alarms() {
    let l = live();
    let plain = render(&status(&l, None), 200, false);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    let coloured = render(&status(&l, None), 200, true);
    assert!(
        coloured.contains("\x1b[33mwaiting 2\x1b[0m"),
        "{coloured:?}"
    );
    assert!(
        coloured.contains("\x1b[33mskipped 3\x1b[0m"),
        "{coloured:?}"
    );
    assert!(coloured.contains("  errors 0  "), "{coloured:?}");
    assert_eq!(visible(&coloured), plain);
    let calm = [Live::default()];
    assert!(!render(&status(&calm, None), 200, true).contains('\x1b'));
}

#[test]
fn unknown_rate_and_rtt_show_a_dash_and_event_text_cannot_escape() {
    let calm = [Live::default()];
    let s = Status {
        rate: None,
        ..status(&calm, Some(("copy", "a\x1b[2Jb\nc")))
    };
    let line = render(&s, 200, false);
    assert!(line.starts_with("12.3s  -/s  sent 0"), "{line}");
    assert!(line.contains("rtt -"), "{line}");
    assert!(line.ends_with("| copy  | a [2Jb c"), "{line:?}");
    let s = Status {
        rate: None,
        ..status(&calm, Some(("warm-up", " ")))
    };
    assert!(render(&s, 200, false).ends_with("max 0 ns  | warm-up"));
}

#[test]
fn an_outage_now_is_shown_in_red_and_kept_first() {
    let l = live();
    let s = Status {
        silent_ns: Some(1_234_000_000),
        ..status(&l, Some(("switchover", "dst resumed")))
    };
    assert_eq!(
        render(&s, 40, false),
        "12.3s  2000/s  no reply 1.2s  waiting 2"
    );
    let coloured = render(&s, 40, true);
    assert!(
        coloured.contains("\x1b[1;31mno reply 1.2s\x1b[0m"),
        "{coloured:?}"
    );
    assert_eq!(render(&s, 30, false), "12.3s  2000/s  no reply 1.2s");
}
