//! What the property tests share: a deterministic proptest configuration and
//! the inputs they feed every reader — arbitrary bytes, and real inputs
//! (tests/fixtures, the example reports) damaged by a few edits.
//!
//! Rules: fixed seed, no failure persistence (no files written, no flakes);
//! inputs are a few KiB at most, so every case reads a bounded input.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use std::path::{Path, PathBuf};

/// `cases` cases from a fixed seed, nothing persisted.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x6d69_6770_726f_6265),
        ..Config::default()
    }
}

/// A file of tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The bytes of a file of tests/fixtures.
pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture")
}

/// Values that break naive readers, put where a number was.
const EXTREMES: [&str; 14] = [
    "-1",
    "0",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551615",
    "99999999999999999999999",
    "1e308",
    "-1e308",
    "1.5",
    "-0.001",
    "null",
    "\"x\"",
    "[]",
    "{}",
];

/// One damage to a text.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the byte at (position) with a byte.
    Flip(usize, u8),
    /// Insert bytes at (position).
    Insert(usize, Vec<u8>),
    /// Delete (position, length).
    Delete(usize, usize),
    /// Replace the n-th run of digits (with its sign) by an extreme value.
    Number(usize, usize),
    /// Repeat the n-th line.
    RepeatLine(usize),
    /// Cut the text at (position).
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        3 => (any::<usize>(), 0..EXTREMES.len()).prop_map(|(n, v)| Edit::Number(n, v)),
        1 => any::<usize>().prop_map(Edit::RepeatLine),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

/// The (start, end) of every run of digits in `t`, a leading `-` included.
fn numbers(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if t[i].is_ascii_digit() {
            let start = if i > 0 && t[i - 1] == b'-' { i - 1 } else { i };
            while i < t.len() && (t[i].is_ascii_digit() || t[i] == b'.') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

fn apply(mut t: Vec<u8>, e: &Edit) -> Vec<u8> {
    let at = |p: usize, t: &Vec<u8>| if t.is_empty() { 0 } else { p % (t.len() + 1) };
    match e {
        Edit::Flip(p, b) if !t.is_empty() => {
            let i = p % t.len();
            t[i] = *b;
        }
        Edit::Flip(..) => {}
        Edit::Insert(p, b) => {
            let i = at(*p, &t);
            t.splice(i..i, b.iter().copied());
        }
        Edit::Delete(p, n) => {
            let i = at(*p, &t);
            let j = (i + n).min(t.len());
            t.drain(i..j);
        }
        Edit::Number(n, v) => {
            let found = numbers(&t);
            if let Some(&(s, e)) = found.get(n % found.len().max(1)) {
                t.splice(s..e, EXTREMES[*v].bytes());
            }
        }
        Edit::RepeatLine(n) => {
            let lines: Vec<&[u8]> = t.split(|b| *b == b'\n').collect();
            let line = lines[n % lines.len()].to_vec();
            t.push(b'\n');
            t.extend(line);
        }
        Edit::Truncate(p) => {
            let i = at(*p, &t);
            t.truncate(i);
        }
    }
    t
}

/// `real` damaged by one to four edits.
pub fn damaged(real: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(edit(), 1..5)
        .prop_map(move |edits| edits.iter().fold(real.clone(), apply))
}

/// Arbitrary bytes or text-like lines: no input of any kind.
pub fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        "([ -~]{0,80}\n){0,20}".prop_map(String::into_bytes),
    ]
}

/// [`garbage`], or `real` damaged.
pub fn input(real: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![1 => garbage(), 2 => damaged(real)]
}

/// Pointers to every number in `v`.
fn number_pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(_) => out.push(at),
        serde_json::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                number_pointers(x, format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                number_pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// The JSON document `real` with one to three of its numbers replaced by
/// another finite number (still valid JSON, often an impossible figure).
pub fn json_numbers_changed(real: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let v: serde_json::Value = serde_json::from_slice(&real).expect("a JSON document");
    let mut pointers = Vec::new();
    number_pointers(&v, String::new(), &mut pointers);
    let number = prop_oneof![
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-5i64..5).prop_map(serde_json::Value::from),
    ];
    prop::collection::vec((0..pointers.len(), number), 1..4).prop_map(move |changes| {
        let mut v = v.clone();
        for (i, n) in changes {
            if let Some(slot) = v.pointer_mut(&pointers[i]) {
                *slot = n;
            }
        }
        serde_json::to_vec(&v).unwrap_or_default()
    })
}
