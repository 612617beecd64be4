//! The fast path agrees with serde on every line it answers for, and gives
//! up on every line serde would read differently or refuse.

use super::{dotted_quad, probe_line};
use crate::record::schema::ProbeLine;
use std::net::Ipv4Addr;

/// Lines as the writer produces them (every optional field, both families,
/// extreme numbers).
const WRITTEN: &[&str] = &[
    r#"{"type":"probe","target":"192.0.2.10","target_id":0,"index":7,"seq":7,"tx_ns":1000,"tx_clock":"kernel","rx_ns":1500,"rx_clock":"kernel","rtt_ns":500,"ttl":64,"bytes":64,"dup":0,"status":"ok"}"#,
    r#"{"type":"probe","target":"10.0.0.1","target_id":3,"index":0,"seq":0,"tx_ns":1795651200000000000,"tx_clock":"user","rx_ns":1795651200000060000,"rtt_ns":60000,"ttl":255,"dup":2,"status":"ok"}"#,
    r#"{"type":"probe","target":"2001:db8::1","target_id":4294967295,"index":18446744073709551615,"seq":65535,"tx_ns":-9223372036854775808,"tx_clock":"planned","rx_ns":null,"rtt_ns":null,"ttl":null,"dup":4294967295,"status":"skipped"}"#,
    r#"{"type":"probe","target":"192.0.2.10","target_id":0,"index":1,"seq":1,"tx_ns":9223372036854775807,"tx_clock":"kernel","rx_ns":null,"rtt_ns":null,"ttl":null,"dup":0,"status":"pending"}"#,
    r#"{"type":"probe","target":"192.0.2.10","target_id":0,"index":1,"seq":1,"tx_ns":5,"tx_clock":"kernel","rx_ns":null,"rtt_ns":null,"ttl":null,"dup":0,"status":"lost"}"#,
    r#"{"type":"probe","target":"192.0.2.10","target_id":0,"index":1,"seq":1,"tx_ns":5,"tx_clock":"kernel","rx_ns":-3,"rx_clock":"user","rtt_ns":-8,"ttl":0,"bytes":0,"dup":0,"status":"error"}"#,
];

fn serde(line: &[u8]) -> Option<ProbeLine> {
    serde_json::from_slice(line).ok()
}

#[test]
fn written_lines_take_the_fast_path_with_serdes_value() {
    for l in WRITTEN {
        let fast = probe_line(l.as_bytes());
        assert!(fast.is_some(), "{l}");
        assert_eq!(fast, serde(l.as_bytes()), "{l}");
    }
}

#[test]
fn other_shapes_take_the_general_path() {
    let base = WRITTEN[0];
    let cases = [
        base.replace(",\"", ", \""),
        base.replace("\"index\":7", "\"index\":07"),
        base.replace("\"index\":7", "\"index\":7.0"),
        base.replace("\"index\":7", "\"index\":7e0"),
        base.replace("\"index\":7", "\"index\":-7"),
        base.replace("\"tx_ns\":1000", "\"tx_ns\":-0"),
        base.replace("\"tx_ns\":1000", "\"tx_ns\":9223372036854775808"),
        base.replace("\"ttl\":64", "\"ttl\":256"),
        base.replace("\"seq\":7", "\"seq\":65536"),
        base.replace("\"rx_clock\":\"kernel\"", "\"rx_clock\":null"),
        base.replace("192.0.2.10", "192.0.2.1\\u0030"),
        base.replace(
            "\"status\":\"ok\"}",
            "\"status\":\"ok\",\"error\":{\"kind\":\"send\"}}",
        ),
        base.replace("\"status\":\"ok\"}", "\"status\":\"ok\"} "),
        base.replace("\"status\":\"ok\"}", "\"status\":\"ok\",\"x\":1}"),
        base.replace("\"dup\":0,", ""),
        base.replace("\"kernel\"", "\"Kernel\""),
        base.replace("192.0.2.10", "192.0.2.300"),
        base.replace("\"index\":7", "\"index\":18446744073709551616"),
        base.replace("\"index\":7", "\"index\":99999999999999999999"),
        base.replace("\"index\":7", "\"index\":100000000000000000000"),
    ];
    for l in cases {
        assert_eq!(probe_line(l.as_bytes()), None, "{l}");
    }
}

/// Every single-byte damage to every written line (a byte changed, dropped
/// or doubled with a JSON-ish byte): the fast path answers only with serde's
/// own value.
#[test]
fn damaged_lines_never_read_differently() {
    let alphabet = b"0123456789-,:\"{}nul .e\\ab";
    let mut answered = 0;
    for l in WRITTEN {
        let l = l.as_bytes();
        for at in 0..l.len() {
            for &b in alphabet {
                let changed = [&l[..at], &[b], &l[at + 1..]].concat();
                let dropped = [&l[..at], &l[at + 1..]].concat();
                let inserted = [&l[..at], &[b], &l[at..]].concat();
                for damaged in [changed, dropped, inserted] {
                    if let Some(fast) = probe_line(&damaged) {
                        answered += 1;
                        let text = String::from_utf8_lossy(&damaged);
                        assert_eq!(Some(fast), serde(&damaged), "{text}");
                    }
                }
            }
        }
    }
    assert!(
        answered > 1000,
        "some damage leaves a readable line: {answered}"
    );
}

#[test]
fn dotted_quads_read_as_the_standard_parser_reads_them() {
    let canonical = ["0.0.0.0", "255.255.255.255", "192.0.2.10", "10.0.99.1"];
    for a in canonical {
        assert_eq!(dotted_quad(a.as_bytes()), a.parse::<Ipv4Addr>().ok(), "{a}");
    }
    let others = [
        "",
        "1.2.3",
        "1.2.3.4.5",
        "256.0.0.0",
        "01.2.3.4",
        "1.2.3.00",
        "1..2.3",
        "1.2.3.4 ",
        "1.2.3.4.",
        ".1.2.3",
        "1.2.3.1000",
        "1.2.3.-4",
        "::1",
        "1.2.3.4x",
    ];
    for a in others {
        assert_eq!(dotted_quad(a.as_bytes()), None, "{a}");
    }
}
