use super::*;
use crate::record::last_line::last_line_wins;
use crate::record::schema::{ProbeStatus, StampClock};
use crate::types::{ProbeIndex, RealNs};

fn probe(target_id: u32, index: u64, status: ProbeStatus) -> ProbeLine {
    ProbeLine::without_reply(
        "192.0.2.10".parse().unwrap(),
        target_id,
        ProbeIndex(index),
        (RealNs(1_000 + index as i64), StampClock::Kernel),
        status,
    )
}

/// Lines of three targets interleaved, some probes written twice (pending,
/// then settled), some out of order, one repeated far later.
fn lines() -> Vec<ProbeLine> {
    let mut v = Vec::new();
    for i in 0..40u64 {
        for t in [2, 0, 5] {
            let status = if i % 7 == 3 {
                ProbeStatus::Pending
            } else {
                ProbeStatus::Ok
            };
            v.push(probe(t, i, status));
        }
        if i >= 5 && i % 7 == 3 {
            v.push(probe(0, i - 4, ProbeStatus::Lost));
        }
    }
    v.push(probe(5, 3, ProbeStatus::Lost));
    v.push(probe(9, 1, ProbeStatus::Skipped));
    v
}

fn collect(store: &ProbeStore) -> Vec<ProbeLine> {
    store.scan().map(|p| p.into_owned()).collect()
}

#[test]
fn the_spill_holds_what_last_line_wins_keeps() {
    let input = lines();
    let mut want = input.clone();
    last_line_wins(&mut want);
    for chunk in [1, 2, 3, 7, 50, 1000] {
        let mut w = SpillWriter::with_chunk(chunk);
        for p in &input {
            w.push(p).unwrap();
        }
        let store = w.finish().unwrap();
        assert_eq!(store.on_disk(), chunk < input.len(), "chunk {chunk}");
        assert_eq!(collect(&store), want, "chunk {chunk}");
        assert_eq!(store.target_ids(), vec![0, 2, 5, 9]);
        for id in [0, 2, 5, 9, 1, 77] {
            let got: Vec<ProbeLine> = store.of_target(id).map(|p| p.into_owned()).collect();
            let exp: Vec<ProbeLine> = want.iter().filter(|p| p.target_id == id).cloned().collect();
            assert_eq!(got, exp, "chunk {chunk}, target {id}");
        }
        store.check().unwrap();
    }
}

#[test]
fn an_empty_run_has_no_probes() {
    let store = SpillWriter::default().finish().unwrap();
    assert!(store.is_empty());
    assert_eq!(store.scan().count(), 0);
    assert!(store.target_ids().is_empty());
}

#[test]
fn scans_read_across_buffer_refills() {
    let input: Vec<ProbeLine> = (0..20_000).map(|i| probe(1, i, ProbeStatus::Ok)).collect();
    let mut w = SpillWriter::with_chunk(4_000);
    for p in &input {
        w.push(p).unwrap();
    }
    let store = w.finish().unwrap();
    assert!(store.on_disk());
    assert_eq!(collect(&store), input);
    store.check().unwrap();
}

#[test]
fn ordered_chunks_and_overlapping_ones_read_the_same() {
    // Two targets one after the other (no merge), then interleaved (merged).
    let apart: Vec<ProbeLine> = (0..2u32)
        .flat_map(|t| (0..30).map(move |i| probe(t, i, ProbeStatus::Ok)))
        .collect();
    let mut mixed = apart.clone();
    mixed.sort_by_key(|p| (p.index, p.target_id));
    for input in [&apart, &mixed] {
        let mut w = SpillWriter::with_chunk(7);
        for p in input {
            w.push(p).unwrap();
        }
        let store = w.finish().unwrap();
        assert_eq!(collect(&store), apart);
        let one: Vec<ProbeLine> = store.of_target(1).map(|p| p.into_owned()).collect();
        assert_eq!(one, apart[30..]);
    }
}
