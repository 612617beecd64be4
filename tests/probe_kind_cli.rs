//! `--probe` on the command line (issue 15): a bad value is a usage error
//! (exit 2) that names the flag and the accepted forms; no root needed.

use std::process::Command;

const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");

#[test]
fn a_bad_probe_kind_exits_2_naming_the_flag_and_the_fix() {
    // Loopback only, and the trigger last: nothing is probed even if a value were taken.
    for (command, bad) in [
        (&["probe", "127.0.0.1", "-c", "1", "--probe"][..], "tcp"),
        (
            &["probe", "127.0.0.1", "-c", "1", "--probe"][..],
            "udp:70000",
        ),
        (&["run", "-t", "127.0.0.1", "--probe"][..], "ping"),
    ] {
        let trigger: &[&str] = if command[0] == "run" {
            &["--", "true"]
        } else {
            &[]
        };
        let out = Command::new(MIGPROBE)
            .args(command)
            .arg(bad)
            .args(trigger)
            .output()
            .expect("run migprobe");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{command:?} --probe {bad}: {err}"
        );
        assert!(err.contains("--probe") && err.contains("tcp:PORT"), "{err}");
        assert!(out.stdout.is_empty(), "nothing on stdout");
    }
}

#[test]
fn the_help_explains_the_kinds() {
    for command in ["probe", "run"] {
        let out = Command::new(MIGPROBE)
            .args([command, "--help"])
            .output()
            .expect("help");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("--probe <KIND>") && text.contains("udp:PORT"),
            "{command}: {text}"
        );
    }
}

#[test]
fn a_tcp_session_that_cannot_connect_exits_2_naming_the_target_port_and_fix() {
    // A loopback port nobody listens on: the connection is refused at once.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let kind = format!("tcp-session:{port}");
    let out = Command::new(MIGPROBE)
        .args(["probe", "127.0.0.1", "-c", "1", "--probe", &kind])
        .output()
        .expect("run migprobe");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "--probe {kind}: cannot connect to 127.0.0.1 port {port}"
        )) && err.contains("fix: run a TCP echo service"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout");
}
