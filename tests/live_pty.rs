//! The live status line on a real terminal: `migprobe probe` under `script`
//! (a pty set to 60 columns) in a prober namespace, the target's link taken
//! down for a second. Every redraw must fit in 60 columns, show the current
//! rate, show the outage while it lasts, use colour (not under `NO_COLOR`);
//! with stderr not a terminal there is no live line at all.
//!
//! Needs root, iproute2 and `script` (util-linux); FAILS, never skips.

mod common;

use common::*;
use std::thread;
use std::time::Duration;

const COLS: usize = 60;

/// Runs `migprobe probe` for 3 s in a `COLS`-column pty with `env` set; the
/// target's link is down from 1 s to 2 s. Returns what the terminal received.
fn probe_in_pty(rig: &Rig, env: &str) -> String {
    let cmd = format!(
        "stty rows 24 cols {COLS}; env {env} {MIGPROBE} probe -i 1ms --duration 3s --drain 1500ms {TARGET_V4}"
    );
    let p = rig.spawn(&rig.prober, &["script", "-qc", &cmd, "/dev/null"], "script");
    thread::sleep(Duration::from_millis(1000));
    sh(&["ip", "-n", &rig.target, "link", "set", "mp1", "down"]);
    thread::sleep(Duration::from_millis(1000));
    sh(&["ip", "-n", &rig.target, "link", "set", "mp1", "up"]);
    let out = p.output_timeout(Duration::from_secs(20));
    assert!(out.status.success(), "script: {}", out.status);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The live line's redraws, as the terminal shows them (SGR codes removed).
fn redraws(tty: &str) -> Vec<String> {
    tty.split("\r\x1b[K")
        .skip(1)
        .map(|s| {
            let line = s.split(['\r', '\n']).next().unwrap_or_default();
            let mut shown = String::new();
            let mut esc = false;
            for c in line.chars() {
                match (esc, c) {
                    (false, '\x1b') => esc = true,
                    (true, 'm') => esc = false,
                    (false, c) => shown.push(c),
                    _ => {}
                }
            }
            shown
        })
        .collect()
}

/// The current rate of a redraw (`12.3s  998/s  ...`).
fn rate(line: &str) -> Option<f64> {
    line.split("  ").nth(1)?.strip_suffix("/s")?.parse().ok()
}

#[test]
fn live_line_fits_60_columns_shows_the_current_rate_and_the_outage() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let tty = probe_in_pty(&rig, "-u NO_COLOR TERM=xterm");
    let lines = redraws(&tty);
    assert!(lines.len() >= 8, "too few redraws: {tty:?}");
    for l in &lines {
        assert!(
            l.chars().count() < COLS,
            "{} columns: {l:?}",
            l.chars().count()
        );
        assert!(rate(l).is_some(), "no current rate in {l:?}");
    }
    let rates: Vec<f64> = lines.iter().filter_map(|l| rate(l)).collect();
    assert!(rates.iter().any(|&r| r > 500.0), "{rates:?}");
    // Sending stopped at 3 s: over 1 s of draining the current rate falls to 0
    // (sent / elapsed would still say about 650/s).
    assert_eq!(rates.last(), Some(&0.0), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("no reply")), "{lines:?}");
    assert!(
        tty.contains("\x1b[1;31mno reply"),
        "outage not red: {tty:?}"
    );

    let plain = probe_in_pty(&rig, "NO_COLOR=1 TERM=xterm");
    assert!(redraws(&plain).len() >= 8, "{plain:?}");
    assert!(
        !plain.contains("\x1b[1;31m") && !plain.contains("\x1b[33m"),
        "{plain:?}"
    );
}

#[test]
fn no_live_line_when_stderr_is_not_a_terminal() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let (out, _) = rig.probe_run(
        "p.jsonl",
        &["-i", "1ms", "--duration", "1s", TARGET_V4],
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");
}
