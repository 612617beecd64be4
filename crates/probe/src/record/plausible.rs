//! Which values of a run file are believable. A line that parses but says
//! something impossible is a bad line (counted and reported, never used), so
//! that one damaged line cannot turn into a false figure.
//!
//! Rules (the header's are fatal: without a believable header nothing is):
//! - **Header.** `interval_ns`, `spin_ns`, `drain_ns` and every target's
//!   `phase_ns` are not negative.
//! - **Far outside the run.** Every time (a probe's `tx_ns` and `rx_ns`, an
//!   event's `at_ns` and `source_ts_ns`, a duplicate's `rx_ns`, the footer's
//!   `end_ns`) lies within [`WINDOW_NS`] (a year) of the header's `start_ns`,
//!   and so does the slot of every probe index (`index × interval_ns`).
//! - **One probe line.** Its `rtt_ns` is not negative, and a reply measured
//!   on both sides was not received before it was sent.
//! - **Far off the schedule.** Probe k of a target is due `k × interval_ns`
//!   after probe 0, so two lines of one target *agree* when their send times
//!   differ by their index difference × `interval_ns`, within [`AGREE_NS`]
//!   (an hour: sends are never late by more than half an interval, and an
//!   hour also covers clock steps and the guessed interval of an imported
//!   log). A probe line is believed when it agrees with the target's last
//!   believed line (for the first, with slot 0 at the header's start) or
//!   with the target's next line: a real jump (a clock step, a log captured
//!   mid-run) is confirmed by the lines after it, a damaged index or send
//!   time (`index` 100 000 000 000 in a 10 s run) agrees with neither
//!   neighbour. A lone line of its target is believed. Without an interval
//!   (`interval_ns` 0) there is no schedule to check.

use super::badlines::BadLines;
use super::id_map::IdMap;
use super::schema::{DuplicateLine, EventLine, Footer, Header, ProbeLine, StampClock};
use crate::types::{human_ns, RealNs};

/// Times further than this from the run's start are not believed: 366 days.
pub const WINDOW_NS: i64 = 366 * 86_400 * 1_000_000_000;
/// How far two probe lines of one target may be off each other's schedule: an hour.
pub const AGREE_NS: i64 = 3_600 * 1_000_000_000;

/// A probe line's place on the schedule: (index, send time).
type Point = (u64, i64);

/// Checks the header's durations.
pub(crate) fn header(h: &Header) -> Result<(), String> {
    let phases = h.targets.iter().map(|t| ("phase_ns", t.phase_ns));
    let fields = [
        ("interval_ns", h.interval_ns),
        ("spin_ns", h.spin_ns),
        ("drain_ns", h.drain_ns),
    ];
    match fields.into_iter().chain(phases).find(|(_, v)| *v < 0) {
        Some((name, v)) => Err(format!("{name} is {v}: a duration cannot be negative")),
        None => Ok(()),
    }
}

/// The checks of the lines after the header.
#[derive(Debug)]
pub(crate) struct Plausibility {
    start: i64,
    interval: i64,
    phases: IdMap<u32, i64>,
    tracks: IdMap<u32, Track>,
}

/// One target's schedule check: its last believed line (at first: slot 0),
/// and the line waiting for its next neighbour.
#[derive(Debug)]
struct Track {
    last: Point,
    believed: bool,
    held: Option<(u64, ProbeLine)>,
}

impl Plausibility {
    /// Checks against `h` (already checked by [`header`]).
    pub(crate) fn new(h: &Header) -> Plausibility {
        Plausibility {
            start: h.start_ns.0,
            interval: h.interval_ns,
            phases: h.targets.iter().map(|t| (t.id, t.phase_ns)).collect(),
            tracks: IdMap::default(),
        }
    }

    /// `Err(why)` when time `at` (field `name`) is far outside the run.
    fn within(&self, name: &str, at: RealNs) -> Result<(), String> {
        let off = i128::from(at.0) - i128::from(self.start);
        if off.unsigned_abs() <= WINDOW_NS as u128 {
            return Ok(());
        }
        let days = off / (86_400 * 1_000_000_000);
        Err(format!(
            "{name} is {days} days from the run's start: far outside the run"
        ))
    }

    /// `Err(why)` when the slot of probe `index` is far outside the run.
    fn slot_within(&self, index: u64) -> Result<(), String> {
        let slot = i128::from(index) * i128::from(self.interval);
        if slot <= i128::from(WINDOW_NS) {
            return Ok(());
        }
        Err(format!(
            "index {index} is beyond a year of probing at {} per probe",
            human_ns(self.interval)
        ))
    }

    /// An event line: its times within the run.
    pub(crate) fn event(&self, e: &EventLine) -> Result<(), String> {
        self.within("at_ns", e.at_ns)?;
        e.source_ts_ns
            .map_or(Ok(()), |t| self.within("source_ts_ns", t))
    }

    /// The footer: its end within the run.
    pub(crate) fn footer(&self, f: &Footer) -> Result<(), String> {
        self.within("end_ns", f.end_ns)
    }

    /// A duplicate line: its time and index within the run.
    pub(crate) fn duplicate(&self, d: &DuplicateLine) -> Result<(), String> {
        self.within("rx_ns", d.rx_ns)?;
        self.slot_within(d.index.0)
    }

    /// What one probe line says by itself.
    fn probe_alone(&self, p: &ProbeLine) -> Result<(), String> {
        if let Some(rtt) = p.rtt_ns.filter(|r| *r < 0) {
            return Err(format!(
                "rtt_ns is {rtt}: a round-trip time cannot be negative"
            ));
        }
        self.within("tx_ns", p.tx_ns)?;
        if let Some(rx) = p.rx_ns {
            self.within("rx_ns", rx)?;
            let measured = |c: Option<StampClock>| c.is_some_and(|c| c != StampClock::Planned);
            if measured(Some(p.tx_clock)) && measured(p.rx_clock) && rx < p.tx_ns {
                return Err(format!(
                    "received {} before it was sent",
                    human_ns(p.tx_ns.since(rx))
                ));
            }
        }
        self.slot_within(p.index.0)
    }

    /// Takes probe line `no`: the believed lines go to `probes`, the others to
    /// `bad`; the schedule's verdict on a line waits for the target's next line.
    pub(crate) fn probe(
        &mut self,
        no: u64,
        p: ProbeLine,
        probes: &mut Vec<ProbeLine>,
        bad: &mut BadLines<(u64, String)>,
    ) {
        if let Err(why) = self.probe_alone(&p) {
            bad.note((no, why));
            return;
        }
        if self.interval <= 0 {
            probes.push(p);
            return;
        }
        let (interval, start, phases) = (self.interval, self.start, &self.phases);
        let id = p.target_id;
        let track = self.tracks.entry(id).or_insert_with(|| Track {
            last: (
                0,
                start.saturating_add(phases.get(&id).copied().unwrap_or(0)),
            ),
            believed: false,
            held: None,
        });
        let next = point(&p);
        if let Some(held) = track.held.replace((no, p)) {
            let verdict = track.decide(interval, held, Some(next));
            deliver(verdict, start, interval, probes, bad);
        }
    }

    /// The verdicts on the lines still waiting (the last line of each target).
    pub(crate) fn finish(mut self, probes: &mut Vec<ProbeLine>, bad: &mut BadLines<(u64, String)>) {
        let mut verdicts: Vec<Result<ProbeLine, (u64, ProbeLine)>> = self
            .tracks
            .values_mut()
            .filter_map(|t| {
                let held = t.held.take()?;
                Some(t.decide(self.interval, held, None))
            })
            .collect();
        let no = |v: &Result<ProbeLine, (u64, ProbeLine)>| v.as_ref().err().map(|e| e.0);
        verdicts.sort_by_key(no);
        for v in verdicts {
            deliver(v, self.start, self.interval, probes, bad);
        }
    }
}

impl Track {
    /// Believes `held` when it agrees with the last believed line (or slot 0)
    /// or with the `next` line; a lone line is believed. `Err` gives the line
    /// back with its number.
    fn decide(
        &mut self,
        interval: i64,
        (no, p): (u64, ProbeLine),
        next: Option<Point>,
    ) -> Result<ProbeLine, (u64, ProbeLine)> {
        let here = point(&p);
        let fits = agree(interval, self.last, here)
            || next.is_some_and(|n| agree(interval, here, n))
            || (!self.believed && next.is_none());
        if fits {
            self.last = here;
            self.believed = true;
            Ok(p)
        } else {
            Err((no, p))
        }
    }
}

/// A believed line to `probes`, a doubted one to `bad` with the reason.
fn deliver(
    verdict: Result<ProbeLine, (u64, ProbeLine)>,
    start: i64,
    interval: i64,
    probes: &mut Vec<ProbeLine>,
    bad: &mut BadLines<(u64, String)>,
) {
    match verdict {
        Ok(p) => probes.push(p),
        Err((no, p)) => bad.note((
            no,
            format!(
                "index {} sent {} after the run's start does not fit the schedule ({} per probe) of the lines around it",
                p.index.0,
                human_ns(p.tx_ns.0.saturating_sub(start)),
                human_ns(interval)
            ),
        )),
    }
}

fn point(p: &ProbeLine) -> Point {
    (p.index.0, p.tx_ns.0)
}

/// True when `a` and `b` are on one schedule of `interval` within [`AGREE_NS`].
fn agree(interval: i64, a: Point, b: Point) -> bool {
    let steps = i128::from(b.0) - i128::from(a.0);
    let off = (i128::from(b.1) - i128::from(a.1)) - steps * i128::from(interval);
    off.unsigned_abs() <= AGREE_NS as u128
}

#[cfg(test)]
mod tests {
    use crate::record::reader::{read_from, ReadError, RunData};
    use std::path::Path;

    const MS: i64 = 1_000_000;
    const START: i64 = 1_795_651_200_000_000_000;

    fn header(interval: i64) -> String {
        format!(
            r#"{{"type":"header","schema_version":1,"tool":"migprobe","version":"0","nonce":"00","start_ns":{START},"interval_ns":{interval},"targets":[{{"id":0,"addr":"192.0.2.10","name":"g","family":"v4","phase_ns":0}}],"hostname":"h","kernel":"k","socket":"raw","scheduling":"fifo","spin_ns":0,"payload_bytes":56,"min_loss_run":3,"drain_ns":0,"argv":[]}}"#
        )
    }

    /// An answered probe `index` sent `tx` ns after the start.
    fn probe(index: u64, tx: i64, rtt: i64) -> String {
        let tx = START + tx;
        format!(
            r#"{{"type":"probe","target":"192.0.2.10","target_id":0,"index":{index},"seq":0,"tx_ns":{tx},"tx_clock":"kernel","rx_ns":{},"rx_clock":"kernel","rtt_ns":{rtt},"ttl":64,"dup":0,"status":"ok"}}"#,
            tx + rtt
        )
    }

    /// A run at 1 ms whose line `at` (0-based, after the header) is `bad`.
    fn run_with(n: u64, at: usize, bad: &str) -> RunData {
        let mut lines: Vec<String> = (0..n).map(|i| probe(i, i as i64 * MS, 50_000)).collect();
        lines[at] = bad.to_owned();
        let text = format!("{}\n{}\n", header(MS), lines.join("\n"));
        read_from(text.as_bytes(), Path::new("t.jsonl")).unwrap()
    }

    fn reasons(run: &RunData) -> Vec<(u64, String)> {
        run.bad_lines.examples().to_vec()
    }

    #[test]
    fn implausible_probe_lines_are_bad_lines() {
        for (bad, want) in [
            (
                probe(10_000_000_000, 5 * MS, 50_000),
                "does not fit the schedule",
            ),
            (probe(100_000_000_000, 5 * MS, 50_000), "beyond a year"),
            (
                probe(5, 86_400_000 * MS, 50_000),
                "does not fit the schedule",
            ),
            (
                probe(5, 400 * 86_400_000 * MS, 50_000),
                "far outside the run",
            ),
            (probe(5, 5 * MS, -7), "cannot be negative"),
            (probe(u64::MAX, 5 * MS, 50_000), "beyond a year"),
            (
                probe(5, 5 * MS, 50_000)
                    .replace("\"rtt_ns\":50000", "\"rtt_ns\":null")
                    .replace(
                        &format!("\"rx_ns\":{}", START + 5 * MS + 50_000),
                        &format!("\"rx_ns\":{}", START),
                    ),
                "before it was sent",
            ),
        ] {
            for at in [0, 5, 9] {
                let run = run_with(10, at, &bad);
                assert_eq!(run.probes.len(), 9, "{bad} at {at}: {:?}", reasons(&run));
                let r = reasons(&run);
                assert_eq!(r.len(), 1, "{bad}: {r:?}");
                assert_eq!(r[0].0, at as u64 + 2, "line number");
                assert!(r[0].1.contains(want), "{bad}: {r:?}");
                assert!(run.probes.iter().all(|p| p.index.0 < 10));
            }
        }
    }

    #[test]
    fn genuine_jumps_and_orders_are_believed() {
        let mut lines: Vec<String> = Vec::new();
        // A log captured mid-run: indices from 40 000, first send at the start.
        lines.extend((40_000..40_005).map(|i| probe(i, (i as i64 - 40_000) * MS, 1)));
        // A clock step of 2 hours, confirmed by the lines after it.
        let step = 7_200_000 * MS;
        lines.extend((40_005..40_010).map(|i| probe(i, step + (i as i64 - 40_000) * MS, 1)));
        // Lines written late for early probes (pending, then lost at the end).
        lines.extend((40_000..40_003).map(|i| probe(i, (i as i64 - 40_000) * MS, 2)));
        let text = format!("{}\n{}\n", header(MS), lines.join("\n"));
        let run = read_from(text.as_bytes(), Path::new("t.jsonl")).unwrap();
        // The late lines agree with each other but not with the step: only the
        // first of them, between the step and its own kind, is doubted.
        assert!(run.bad_lines.count() <= 1, "{:?}", reasons(&run));
        assert_eq!(run.probes.len(), 10);
        // Without an interval there is no schedule to check.
        let text = format!("{}\n{}\n", header(0), probe(7, 1, 1));
        let run = read_from(text.as_bytes(), Path::new("t.jsonl")).unwrap();
        assert_eq!((run.probes.len(), run.bad_lines.count()), (1, 0));
    }

    #[test]
    fn other_lines_far_outside_the_run_are_bad_lines() {
        let far = START + 400 * 86_400_000 * MS;
        let event = format!(
            r#"{{"type":"event","at_ns":{far},"origin":"src","kind":"note","detail":{{}}}}"#
        );
        let footer =
            format!(r#"{{"type":"footer","end_ns":{far},"reason":"x","sent":1,"foreign":0}}"#);
        let dup = format!(
            r#"{{"type":"duplicate","target":"192.0.2.10","target_id":0,"index":1,"rx_ns":{far}}}"#
        );
        for line in [event, footer, dup] {
            let text = format!("{}\n{}\n{line}\n", header(MS), probe(0, 0, 1));
            let run = read_from(text.as_bytes(), Path::new("t.jsonl")).unwrap();
            assert_eq!(run.bad_lines.count(), 1, "{line}");
            assert!(run.events.is_empty() && run.footer.is_none() && run.duplicates.is_empty());
            let note = run.skipped_lines().unwrap();
            assert!(
                note.contains("first at line 3") && note.contains("far outside"),
                "{note}"
            );
        }
    }

    #[test]
    fn a_header_with_negative_durations_is_an_error() {
        for (from, to) in [
            ("\"interval_ns\":1000000", "\"interval_ns\":-5"),
            ("\"drain_ns\":0", "\"drain_ns\":-1"),
            ("\"phase_ns\":0", "\"phase_ns\":-1"),
        ] {
            let text = header(MS).replace(from, to);
            let e = read_from(text.as_bytes(), Path::new("t.jsonl")).unwrap_err();
            assert!(matches!(e, ReadError::BadHeader { .. }), "{e}");
            assert!(e.to_string().contains("cannot be negative"), "{e}");
        }
    }
}
