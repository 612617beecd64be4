//! Measures run-file encodings on one run file, for choosing the default
//! format (`scripts/bench-runfile.sh` writes its table to
//! reports/bench/runfile.md):
//!
//! ```sh
//! cargo run --release -p migprobe-bench --example runfile-codecs -- RUN [--frame-ms 100]
//! ```
//!
//! The lines of RUN (either format) are encoded in frames of `--frame-ms`
//! of run time (the writer flushes every 100 ms) by each candidate:
//! - `jsonl`: the JSON Lines as written today;
//! - `zstd-jsonl-L`: those lines, one zstd frame (level L) per flush: what
//!   the compact format writes (through the library's own [`FrameEncoder`]);
//! - `binary-delta+zstd-1`: a prototype binary frame: probe lines of the
//!   usual shape as varints (index and send time as deltas from the target's
//!   previous probe, the RTT instead of the receive time), any other line as
//!   its JSON text, the frame then zstd level 1.
//!
//! For each: bytes per probe line, encode CPU per line (from the line
//! values, JSON serialisation included) and decode CPU per line (back to
//! line values, checked equal). Output: one JSON object per candidate.

use migprobe_probe::input::Limits;
use migprobe_probe::record::compact::{self, FrameEncoder, Record};
use migprobe_probe::record::{Line, ProbeLine, ProbeStatus, StampClock};
use migprobe_probe::types::{ProbeIndex, RealNs};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut frame_ms = 100i64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--frame-ms" => frame_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or(100),
            _ => path = Some(PathBuf::from(a)),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: runfile-codecs RUN [--frame-ms N]");
        std::process::exit(2);
    };
    let lines = load(&path);
    let frames = frames(&lines, frame_ms * 1_000_000);
    let probes = lines.iter().filter(|l| matches!(l, Line::Probe(_))).count();
    let header = match &lines[0] {
        Line::Header(h) => h.clone(),
        _ => unreachable!("load checks the header"),
    };
    let mut codecs: Vec<Box<dyn Codec>> = vec![
        Box::new(Jsonl),
        Box::new(ZstdJsonl(1)),
        Box::new(ZstdJsonl(3)),
        Box::new(ZstdJsonl(9)),
        Box::new(Binary {
            addrs: header.targets.iter().map(|t| t.addr).collect(),
        }),
    ];
    for c in &mut codecs {
        let t = Instant::now();
        let encoded: Vec<Vec<u8>> = frames.iter().map(|f| c.encode(f)).collect();
        let enc = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut back = Vec::with_capacity(lines.len());
        for e in &encoded {
            back.extend(c.decode(e));
        }
        let dec = t.elapsed().as_secs_f64();
        assert!(
            back == lines,
            "{}: decodes to the lines it encoded",
            c.name()
        );
        let bytes: usize = encoded.iter().map(Vec::len).sum();
        println!(
            "{}",
            serde_json::json!({
                "codec": c.name(),
                "lines": lines.len(),
                "probes": probes,
                "frames": frames.len(),
                "bytes": bytes,
                "bytes_per_probe": bytes as f64 / probes.max(1) as f64,
                "encode_ns_per_line": enc * 1e9 / lines.len() as f64,
                "decode_ns_per_line": dec * 1e9 / lines.len() as f64,
            })
        );
    }
}

/// Every line of the run file, which must have no damage.
fn load(path: &std::path::Path) -> Vec<Line> {
    let records = compact::open_lines(path, Limits::OWN_RUN_FILE).unwrap_or_else(|e| {
        eprintln!("runfile-codecs: {e}");
        std::process::exit(2);
    });
    let lines: Vec<Line> = records
        .filter_map(|r| match r {
            Ok(Record::Line(_, l)) => Some(l),
            _ => None,
        })
        .collect();
    if !matches!(lines.first(), Some(Line::Header(_))) {
        eprintln!("runfile-codecs: {} has no header", path.display());
        std::process::exit(2);
    }
    lines
}

/// The time a line was written at the latest (probes: their send time).
fn time_of(l: &Line) -> Option<i64> {
    match l {
        Line::Probe(p) => Some(p.rx_ns.unwrap_or(p.tx_ns).0),
        Line::Event(e) => Some(e.at_ns.0),
        Line::Duplicate(d) => Some(d.rx_ns.0),
        _ => None,
    }
}

/// The lines cut into frames of `every` ns of run time.
fn frames(lines: &[Line], every: i64) -> Vec<&[Line]> {
    let mut out = Vec::new();
    let (mut start, mut frame_end) = (0, None::<i64>);
    for (i, l) in lines.iter().enumerate() {
        let Some(t) = time_of(l) else { continue };
        let end = *frame_end.get_or_insert(t + every);
        if t >= end {
            out.push(&lines[start..i]);
            start = i;
            frame_end = Some(t + every);
        }
    }
    out.push(&lines[start..]);
    out.retain(|f| !f.is_empty());
    out
}

trait Codec {
    fn name(&self) -> String;
    fn encode(&mut self, lines: &[Line]) -> Vec<u8>;
    fn decode(&mut self, frame: &[u8]) -> Vec<Line>;
}

fn jsonl(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.len() * 240);
    for l in lines {
        serde_json::to_writer(&mut out, l).expect("serialises");
        out.push(b'\n');
    }
    out
}

fn parse_jsonl(text: &[u8]) -> Vec<Line> {
    text.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("parses"))
        .collect()
}

struct Jsonl;

impl Codec for Jsonl {
    fn name(&self) -> String {
        "jsonl".into()
    }
    fn encode(&mut self, lines: &[Line]) -> Vec<u8> {
        jsonl(lines)
    }
    fn decode(&mut self, frame: &[u8]) -> Vec<Line> {
        parse_jsonl(frame)
    }
}

struct ZstdJsonl(i32);

impl Codec for ZstdJsonl {
    fn name(&self) -> String {
        format!("zstd-jsonl-{}", self.0)
    }
    fn encode(&mut self, lines: &[Line]) -> Vec<u8> {
        let mut out = Vec::new();
        FrameEncoder::new(self.0)
            .and_then(|mut e| e.encode(&jsonl(lines), &mut out))
            .expect("encodes");
        out
    }
    fn decode(&mut self, frame: &[u8]) -> Vec<Line> {
        let text = zstd::stream::decode_all(&frame[12..]).expect("decodes");
        parse_jsonl(&text)
    }
}

/// The binary prototype (see the module doc).
struct Binary {
    addrs: Vec<std::net::IpAddr>,
}

const STATUSES: [ProbeStatus; 5] = [
    ProbeStatus::Ok,
    ProbeStatus::Lost,
    ProbeStatus::Skipped,
    ProbeStatus::Error,
    ProbeStatus::Pending,
];
const CLOCKS: [StampClock; 3] = [StampClock::Kernel, StampClock::User, StampClock::Planned];

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(b: &[u8], at: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let x = b[*at];
        *at += 1;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            return v;
        }
        shift += 7;
    }
}

fn zig(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzig(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

impl Binary {
    /// True when `p` has the shape the binary record holds exactly.
    fn fits(&self, p: &ProbeLine) -> bool {
        p.error.is_none()
            && self.addrs.get(p.target_id as usize) == Some(&p.target)
            && p.seq == p.index.seq()
            && p.rtt_ns == p.rx_ns.map(|rx| rx.0.wrapping_sub(p.tx_ns.0))
            && p.rx_clock.is_some() == p.rx_ns.is_some()
    }
}

impl Codec for Binary {
    fn name(&self) -> String {
        "binary-delta+zstd-1".into()
    }

    fn encode(&mut self, lines: &[Line]) -> Vec<u8> {
        let mut raw = Vec::with_capacity(lines.len() * 16);
        let mut prev = vec![(0u64, 0i64); self.addrs.len()];
        for l in lines {
            match l {
                Line::Probe(p) if self.fits(p) => {
                    let last = &mut prev[p.target_id as usize];
                    raw.push(1);
                    put(&mut raw, u64::from(p.target_id));
                    put(&mut raw, zig(p.index.0.wrapping_sub(last.0) as i64));
                    put(&mut raw, zig(p.tx_ns.0.wrapping_sub(last.1)));
                    *last = (p.index.0, p.tx_ns.0);
                    let status = STATUSES.iter().position(|s| *s == p.status).unwrap_or(0);
                    let clock = |c: StampClock| CLOCKS.iter().position(|x| *x == c).unwrap_or(0);
                    let flags = status
                        | (clock(p.tx_clock) << 3)
                        | (p.rx_clock.map_or(3, clock) << 5)
                        | (usize::from(p.ttl.is_some()) << 7);
                    raw.push(flags as u8);
                    raw.push(u8::from(p.bytes.is_some()));
                    if let Some(rtt) = p.rtt_ns {
                        put(&mut raw, zig(rtt));
                    }
                    if let Some(t) = p.ttl {
                        raw.push(t);
                    }
                    if let Some(b) = p.bytes {
                        put(&mut raw, u64::from(b));
                    }
                    put(&mut raw, u64::from(p.dup));
                }
                other => {
                    let text = serde_json::to_vec(other).expect("serialises");
                    raw.push(0);
                    put(&mut raw, text.len() as u64);
                    raw.extend_from_slice(&text);
                }
            }
        }
        zstd::bulk::compress(&raw, 1).expect("compresses")
    }

    fn decode(&mut self, frame: &[u8]) -> Vec<Line> {
        let raw = zstd::stream::decode_all(frame).expect("decodes");
        let mut prev = vec![(0u64, 0i64); self.addrs.len()];
        let (mut at, mut out) = (0, Vec::new());
        while at < raw.len() {
            let tag = raw[at];
            at += 1;
            if tag == 0 {
                let n = get(&raw, &mut at) as usize;
                out.push(serde_json::from_slice(&raw[at..at + n]).expect("parses"));
                at += n;
                continue;
            }
            let id = get(&raw, &mut at) as u32;
            let last = &mut prev[id as usize];
            let index = last.0.wrapping_add(unzig(get(&raw, &mut at)) as u64);
            let tx = last.1.wrapping_add(unzig(get(&raw, &mut at)));
            *last = (index, tx);
            let flags = raw[at] as usize;
            let has_bytes = raw[at + 1] == 1;
            at += 2;
            let rx_clock = CLOCKS.get((flags >> 5) & 3).copied();
            let rtt = rx_clock.map(|_| unzig(get(&raw, &mut at)));
            let ttl = (flags >> 7 == 1).then(|| {
                at += 1;
                raw[at - 1]
            });
            let bytes = has_bytes.then(|| get(&raw, &mut at) as u32);
            let dup = get(&raw, &mut at) as u32;
            out.push(Line::Probe(ProbeLine {
                target: self.addrs[id as usize],
                target_id: id,
                index: ProbeIndex(index),
                seq: ProbeIndex(index).seq(),
                tx_ns: RealNs(tx),
                tx_clock: CLOCKS[(flags >> 3) & 3],
                rx_ns: rtt.map(|r| RealNs(tx.wrapping_add(r))),
                rx_clock,
                rtt_ns: rtt,
                ttl,
                bytes,
                dup,
                status: STATUSES[flags & 7],
                error: None,
            }));
        }
        out
    }
}
