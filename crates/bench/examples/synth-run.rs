//! Writes a realistic synthetic run file, for benchmarking `migprobe report`
//! on long runs without probing for an hour (`scripts/bench-probe.sh` uses it).
//!
//! ```sh
//! cargo run --release --example synth-run -- --probes 3600000 --out /tmp/run.jsonl
//! ```
//!
//! Options: `--probes N` (total, all targets; default 3 600 000 = one hour at
//! 1 kHz), `--targets N` (default 1; 192.0.2.x, 2001:db8::x alternating),
//! `--interval-us N` (per target, default 1000), `--migrations N` (default 1),
//! `--seed N`, `--out FILE` (required), `--format compact|jsonl` (default:
//! jsonl for a name ending in `.jsonl`, else compact, as `migprobe probe`).
//!
//! The file is what `migprobe run` writes, line for line, through the
//! library's own [`RunWriter`] and schema types, flushed (one compact frame)
//! every 100 ms of run time as the engine's writer does: header; probe lines in the
//! order the engine writes them (an `ok` line when its reply arrives, a
//! provisional `pending` line after 100 ms without one, `lost` lines at the
//! end); hypervisor, trigger and job-statistics events interleaved by time;
//! a footer. Each migration, spread evenly over the run, has a storage copy
//! with a 100 ms guest freeze (queued replies flushed at once), a 110 ms
//! switchover pause (lost probes) followed by 80 ms of queued replies, and a
//! 250 ms loss window between migrations. RTTs are a 60 µs baseline with
//! jitter, and one probe in 2 000 is lost at random.

use migprobe_bench::accuracy::SplitMix64;
use migprobe_probe::record::kinds::{self, EventKind};
use migprobe_probe::record::{
    EventLine, Footer, Header, Line, Origin, ProbeLine, ProbeStatus, RunFormat, RunWriter,
    StampClock, TargetInfo,
};
use migprobe_probe::sys::SocketKind;
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

const MS: i64 = 1_000_000;
/// The run file is flushed this often (run time), as the engine's writer.
const FLUSH_EVERY: i64 = 100 * MS;
const S: i64 = 1_000 * MS;
/// An unanswered probe gets its `pending` line this long after it was sent (as `ProbePlan`).
const PENDING_AFTER: i64 = 100 * MS;
/// Start of the synthetic run (2026-11-26T00:00:00Z).
const T0: i64 = 1_795_651_200 * S;

struct Opts {
    probes: u64,
    targets: u32,
    interval: i64,
    migrations: u32,
    seed: u64,
    out: PathBuf,
    format: Option<RunFormat>,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        probes: 3_600_000,
        targets: 1,
        interval: MS,
        migrations: 1,
        seed: 1,
        out: PathBuf::new(),
        format: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{a} {v:?}: {e}"));
        match a.as_str() {
            "--probes" => o.probes = num(val()?)?,
            "--targets" => o.targets = num(val()?)?.clamp(1, 10_000) as u32,
            "--interval-us" => o.interval = num(val()?)?.max(10) as i64 * 1_000,
            "--migrations" => o.migrations = num(val()?)?.min(1_000) as u32,
            "--seed" => o.seed = num(val()?)?,
            "--out" => o.out = PathBuf::from(val()?),
            "--format" => {
                o.format = Some(match val()?.as_str() {
                    "compact" => RunFormat::Compact,
                    "jsonl" => RunFormat::Jsonl,
                    v => return Err(format!("--format {v:?}: compact or jsonl")),
                })
            }
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    if o.out.as_os_str().is_empty() {
        return Err("--out FILE is required".into());
    }
    Ok(o)
}

/// What happened to the probes sent in `[from, to)`.
#[derive(Clone, Copy)]
enum Fate {
    /// Replies held until `flush`, then delivered 2 µs apart.
    Queued { flush: i64 },
    /// Never answered.
    Lost,
}

struct Window {
    from: i64,
    to: i64,
    fate: Fate,
}

fn event(
    at: i64,
    origin: Origin,
    kind: EventKind,
    detail: serde_json::Value,
    qemu: bool,
) -> EventLine {
    EventLine {
        at_ns: RealNs(at),
        source_ts_ns: qemu.then_some(RealNs(at - 450_000)),
        origin,
        kind,
        raw: qemu.then(|| detail.to_string()),
        detail,
    }
}

/// The events and outage windows of one migration triggered at `t`.
fn migration(t: i64, events: &mut Vec<EventLine>, windows: &mut Vec<Window>) {
    let (started, stop) = (t + S, t + 6 * S);
    let resume = stop + 110 * MS;
    let done = resume + 1_600 * MS;
    events.extend(lifecycle_events(t));
    events.extend(job_stats(t, done));
    // A storage-copy freeze, the switchover (lost while paused, queued after), a loss window.
    let freeze = started + 1_500 * MS;
    let conv = resume + 80 * MS;
    windows.extend([
        Window {
            from: freeze,
            to: freeze + 100 * MS,
            fate: Fate::Queued {
                flush: freeze + 100 * MS,
            },
        },
        Window {
            from: stop,
            to: resume,
            fate: Fate::Lost,
        },
        Window {
            from: resume,
            to: conv,
            fate: Fate::Queued { flush: conv },
        },
        Window {
            from: done + 20 * S,
            to: done + 20 * S + 250 * MS,
            fate: Fate::Lost,
        },
    ]);
}

/// The trigger, libvirt and QEMU events of a migration triggered at `t`, in
/// the order they are pushed (the caller sorts by time).
fn lifecycle_events(t: i64) -> Vec<EventLine> {
    let mut rows = copy_rows(t);
    rows.extend(switchover_rows(t));
    rows.into_iter()
        .map(|(at, origin, kind, detail, qemu)| event(at, origin, kind, detail, qemu))
        .collect()
}

/// One event: (time, origin, kind, detail, from QEMU).
type Row = (i64, Origin, EventKind, serde_json::Value, bool);

/// `{"domain": "synthvm", k: v}`.
fn detail(k: &str, v: serde_json::Value) -> serde_json::Value {
    let mut m = json!({ "domain": "synthvm" });
    m[k] = v;
    m
}

/// From the trigger to the memory passes.
fn copy_rows(t: i64) -> Vec<Row> {
    let d = detail;
    let argv = json!([
        "virsh",
        "migrate",
        "--live",
        "--copy-storage-all",
        "synthvm"
    ]);
    let (started, ready) = (t + S, t + 4 * S);
    let migrated = || d("reason", json!("migrated"));
    let ready_detail =
        json!({ "disk": "vda", "domain": "synthvm", "job": "copy", "status": "ready" });
    let mut rows = vec![
        (
            t,
            Origin::Local,
            kinds::TRIGGER_STARTED,
            json!({ "argv": argv }),
            false,
        ),
        (
            started,
            Origin::Dst,
            kinds::QEMU_MIGRATION,
            d("status", json!("setup")),
            true,
        ),
        (started + MS, Origin::Dst, kinds::STARTED, migrated(), false),
        (
            ready,
            Origin::Src,
            kinds::QEMU_BLOCK_JOB_READY,
            d("device", json!("drive-virtio-disk0")),
            true,
        ),
        (
            ready + MS,
            Origin::Src,
            kinds::BLOCK_JOB,
            ready_detail,
            false,
        ),
    ];
    for pass in 1..=3 {
        let at = ready + pass * 500 * MS;
        rows.push((
            at,
            Origin::Src,
            kinds::QEMU_MIGRATION_PASS,
            d("pass", json!(pass)),
            true,
        ));
        rows.push((
            at + 50_000,
            Origin::Src,
            kinds::MIGRATION_ITERATION,
            d("iteration", json!(pass)),
            false,
        ));
    }
    rows
}

/// The switchover and the end of the job.
fn switchover_rows(t: i64) -> Vec<Row> {
    let d = detail;
    let stop = t + 6 * S;
    let resume = stop + 110 * MS;
    let done = resume + 1_600 * MS;
    let migrated = || d("reason", json!("migrated"));
    let stats = json!({ "domain": "synthvm", "downtime": 113, "memory_total": 134_217_728u64,
                        "disk_total": 67_108_864, "data_remaining": 0, "time_elapsed": 7_710 });
    let exited = json!({ "code": 0, "output": ["Migration: [100 %]"], "signal": null });
    vec![
        (
            stop,
            Origin::Src,
            kinds::QEMU_STOP,
            d("reason", json!(null)),
            true,
        ),
        (
            stop + 2 * MS,
            Origin::Src,
            kinds::SUSPENDED,
            migrated(),
            false,
        ),
        (
            resume,
            Origin::Dst,
            kinds::QEMU_RESUME,
            d("reason", json!(null)),
            true,
        ),
        (
            resume + 3 * MS,
            Origin::Dst,
            kinds::RESUMED,
            migrated(),
            false,
        ),
        (done, Origin::Src, kinds::STOPPED, migrated(), false),
        (done + MS, Origin::Src, kinds::JOB_COMPLETED, stats, false),
        (
            done + 200 * MS,
            Origin::Local,
            kinds::TRIGGER_EXITED,
            exited,
            false,
        ),
    ]
}

/// Job statistics every 200 ms from `t` until `done`, the data remaining
/// falling linearly.
fn job_stats(t: i64, done: i64) -> Vec<EventLine> {
    let total = 201_859_072u64;
    let mut out = Vec::new();
    let mut at = t + 200 * MS;
    while at < done {
        let frac = (at - t) as f64 / (done - t) as f64;
        let remaining = (total as f64 * (1.0 - frac)) as u64;
        out.push(event(
            at,
            Origin::Src,
            kinds::JOB_STATS,
            json!({
            "completed": false, "domain": "synthvm", "data_remaining": remaining,
            "disk_remaining": remaining / 3, "memory_remaining": remaining - remaining / 3,
            "data_total": total, "time_elapsed": (at - t) / MS }),
            false,
        ));
        at += 200 * MS;
    }
    out
}

/// The run's header: `targets` alternating 192.0.2.x and 2001:db8::x, their
/// slots spread over the interval.
fn header(o: &Opts) -> Header {
    let n = i64::from(o.targets);
    let addr = |i: u32| -> IpAddr {
        if i % 2 == 0 {
            format!("192.0.2.{}", 10 + i / 2 % 240).parse().unwrap()
        } else {
            format!("2001:db8::{:x}", 0x10 + i / 2).parse().unwrap()
        }
    };
    let targets: Vec<TargetInfo> = (0..o.targets)
        .map(|i| TargetInfo {
            id: i,
            addr: addr(i),
            name: addr(i).to_string(),
            family: Family::of(&addr(i)),
            phase_ns: o.interval * i64::from(i) / n,
            probe: None,
            domain: None,
        })
        .collect();
    let argv: Vec<String> = std::env::args().collect();
    let mut header = Header::without_probes(RealNs(T0), argv);
    header.nonce = format!("{:016x}", o.seed);
    header.interval_ns = o.interval;
    header.targets = targets;
    header.socket = Some(SocketKind::Raw);
    header.scheduling = "fifo".into();
    header.spin_ns = 30_000;
    header.payload_bytes = 56;
    header.min_loss_run = 3;
    header.drain_ns = 2 * S;
    header
}

/// Every event of the run and the outage windows, each sorted by time.
fn plan(o: &Opts, length: i64) -> (Vec<EventLine>, Vec<Window>) {
    let capture = |at: i64, origin: Origin| {
        let detail = json!({ "domain": "synthvm" });
        event(at, origin, kinds::CAPTURE_STARTED, detail, false)
    };
    let mut events = vec![
        capture(T0 - 50 * MS, Origin::Src),
        capture(T0 - 40 * MS, Origin::Dst),
    ];
    let mut windows = Vec::new();
    let segment = length / i64::from(o.migrations.max(1));
    for m in 0..i64::from(o.migrations) {
        migration(
            T0 + m * segment + (segment / 2 - 4 * S).max(3 * S),
            &mut events,
            &mut windows,
        );
    }
    events.sort_by_key(|e| e.at_ns);
    windows.sort_by_key(|w| w.from);
    (events, windows)
}

/// Writes lines in the engine's order: a line due at time T goes out before
/// the first slot after T.
struct Emitter {
    w: RunWriter,
    rng: SplitMix64,
    /// Lines written later than their slot: (write time, sequence) → line.
    later: BTreeMap<(i64, u64), ProbeLine>,
    lost: Vec<ProbeLine>,
    seq: u64,
    next_event: usize,
}

impl Emitter {
    /// Flushes the writer, as the engine's writer does every 100 ms.
    fn flush(&mut self) {
        self.w.flush().unwrap_or_else(|e| {
            eprintln!("synth-run: write: {e}");
            std::process::exit(1);
        });
    }

    fn put(&mut self, l: &Line) {
        self.w.write(l).unwrap_or_else(|e| {
            eprintln!("synth-run: write: {e}");
            std::process::exit(1);
        });
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    /// Writes every line due at or before `slot`.
    fn flush_until(&mut self, slot: i64, events: &[EventLine]) {
        while self
            .later
            .first_key_value()
            .is_some_and(|(key, _)| key.0 <= slot)
        {
            let (_, p) = self.later.pop_first().expect("not empty");
            self.put(&Line::Probe(p));
        }
        while self.next_event < events.len() && events[self.next_event].at_ns.0 <= slot {
            self.put(&Line::Event(events[self.next_event].clone()));
            self.next_event += 1;
        }
    }

    /// Files probe `p` (sent at `tx`) with its reply at `rx`, if any: a
    /// `pending` line after [`PENDING_AFTER`] without a reply by then, the
    /// `ok` line when the reply arrives, `lost` lines at the end.
    fn file(&mut self, mut p: ProbeLine, tx: i64, rx: Option<i64>) {
        if rx.is_none_or(|r| r - tx >= PENDING_AFTER) {
            self.seq += 1;
            self.later.insert((tx + PENDING_AFTER, self.seq), p.clone());
        }
        match rx {
            Some(r) => {
                p.rx_ns = Some(RealNs(r));
                p.rx_clock = Some(StampClock::Kernel);
                p.rtt_ns = Some(r - tx);
                p.ttl = Some(64);
                p.bytes = Some(64);
                p.status = ProbeStatus::Ok;
                self.seq += 1;
                self.later.insert((r, self.seq), p);
            }
            None => {
                p.status = ProbeStatus::Lost;
                self.lost.push(p);
            }
        }
    }

    /// Writes what is left: late lines, the remaining events, the lost probes.
    fn finish(mut self, events: &[EventLine]) -> RunWriter {
        while let Some((_, p)) = self.later.pop_first() {
            self.put(&Line::Probe(p));
        }
        for e in &events[self.next_event..] {
            self.put(&Line::Event(e.clone()));
        }
        for p in std::mem::take(&mut self.lost) {
            self.put(&Line::Probe(p));
        }
        self.w
    }
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("synth-run: {e}");
            std::process::exit(2);
        }
    };
    let n = u64::from(o.targets);
    let per_target = o.probes.div_ceil(n);
    let length = per_target as i64 * o.interval;
    let header = header(&o);
    let (events, windows) = plan(&o, length);
    let format = o.format.unwrap_or_else(|| RunFormat::for_path(&o.out));
    let w = RunWriter::create_as(&o.out, format).unwrap_or_else(|e| {
        eprintln!("synth-run: {}: {e}", o.out.display());
        std::process::exit(2);
    });
    let mut em = Emitter {
        w,
        rng: SplitMix64::new(o.seed),
        later: BTreeMap::new(),
        lost: Vec::new(),
        seq: 0,
        next_event: 0,
    };
    em.put(&Line::Header(header.clone()));
    let (mut next_window, mut sent) = (0usize, 0u64);
    let mut flushed = T0;
    for j in 0..per_target * n {
        let (k, id) = (j / n, (j % n) as u32);
        let t = &header.targets[id as usize];
        let slot = T0 + t.phase_ns + k as i64 * o.interval;
        while next_window < windows.len() && windows[next_window].to <= slot {
            next_window += 1;
        }
        em.flush_until(slot, &events);
        if slot - flushed >= FLUSH_EVERY {
            em.flush();
            flushed = slot;
        }
        let tx = slot + 2_000 + em.below(6_000) as i64;
        let p = ProbeLine::without_reply(
            t.addr,
            id,
            ProbeIndex(k),
            (RealNs(tx), StampClock::Kernel),
            ProbeStatus::Pending,
        );
        sent += 1;
        let window = windows.get(next_window).filter(|w| w.from <= slot);
        let rx = match window.map(|w| (w.fate, w.from)) {
            Some((Fate::Lost, _)) => None,
            Some((Fate::Queued { flush }, from)) => {
                Some(flush + 2_000 * ((slot - from) / o.interval))
            }
            None if em.below(2_000) == 0 => None,
            None => {
                Some(tx + 45_000 + em.below(30_000) as i64 + (em.below(100) == 0) as i64 * 200_000)
            }
        };
        em.file(p, tx, rx);
    }
    let mut w = em.finish(&events);
    w.write(&Line::Footer(Footer {
        end_ns: RealNs(T0 + length + 2 * S),
        reason: "migration ended".into(),
        sent,
        foreign: 0,
    }))
    .unwrap_or_else(|e| {
        eprintln!("synth-run: write: {e}");
        std::process::exit(1);
    });
    w.finish().unwrap_or_else(|e| {
        eprintln!("synth-run: {}: {e}", o.out.display());
        std::process::exit(1);
    });
}
