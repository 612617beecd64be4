//! The reduction agrees with a plain stable sort and dedup on any order.

use super::{grouped_by_target, last_line_wins, DENSE_IDS};
use crate::record::schema::{ProbeLine, ProbeStatus, StampClock};
use crate::types::{ProbeIndex, RealNs};

/// Line `n` of a file: probe `i` of target `t` (`dup` carries `n`).
fn line(t: u32, i: u64, n: usize) -> ProbeLine {
    let mut p = ProbeLine::without_reply(
        "192.0.2.10".parse().unwrap(),
        t,
        ProbeIndex(i),
        (RealNs(n as i64), StampClock::Kernel),
        ProbeStatus::Lost,
    );
    p.dup = n as u32;
    p
}

/// (target, index, line number) of each line.
fn keys(lines: &[ProbeLine]) -> Vec<(u32, u64, u32)> {
    lines
        .iter()
        .map(|p| (p.target_id, p.index.0, p.dup))
        .collect()
}

/// Checks the reduction of `(target, index)` lines against a stable sort.
fn check(name: &str, file: &[(u32, u64)]) {
    let lines = lines_of(file);
    let mut want = lines.clone();
    want.sort_by_key(|p| (p.target_id, p.index));
    want.reverse(); // dedup keeps the first of equals: make it the file's last
    want.dedup_by_key(|p| (p.target_id, p.index));
    want.reverse();
    let mut got = lines;
    last_line_wins(&mut got);
    assert_eq!(keys(&got), keys(&want), "{name}: {} lines", file.len());
}

/// Shuffled targets and indices, with repeats.
#[test]
fn last_line_wins_in_any_order() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for len in [0usize, 1, 2, 3, 10, 100, 1000] {
        let file: Vec<(u32, u64)> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                ((seed % 3) as u32, seed % (len as u64 / 2 + 1))
            })
            .collect();
        check("shuffled", &file);
    }
}

/// Targets interleaved as a run writes them (each target's indices rising,
/// with holes), and the same spoiled by one late line, a repeated line or a
/// target id too large for the table.
#[test]
fn interleaved_targets_are_grouped() {
    let run: Vec<(u32, u64)> = (0..300u64)
        .flat_map(|i| [(2, i * 2), (0, i), (7, i + 1000)])
        .filter(|&(t, i)| !(t == 0 && i % 17 == 3))
        .collect();
    assert!(grouped_by_target(&lines_of(&run)).is_some());
    check("interleaved", &run);
    let mut late = run.clone();
    late.push((0, 5));
    assert!(grouped_by_target(&lines_of(&late)).is_none());
    check("a late line", &late);
    let mut repeated = run.clone();
    repeated.insert(40, repeated[39]);
    check("a repeated line", &repeated);
    let mut big = run;
    big.push((DENSE_IDS, 0));
    assert!(grouped_by_target(&lines_of(&big)).is_none());
    check("a large target id", &big);
}

fn lines_of(file: &[(u32, u64)]) -> Vec<ProbeLine> {
    file.iter()
        .enumerate()
        .map(|(n, &(t, i))| line(t, i, n))
        .collect()
}
