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
//! `--seed N`, `--out FILE` (required).
//!
//! The file is what `migprobe run` writes, line for line, through the
//! library's own [`RunWriter`] and schema types: header; probe lines in the
//! order the engine writes them (an `ok` line when its reply arrives, a
//! provisional `pending` line after 100 ms without one, `lost` lines at the
//! end); hypervisor, trigger and job-statistics events interleaved by time;
//! a footer. Each migration, spread evenly over the run, has a storage copy
//! with a 100 ms guest freeze (queued replies flushed at once), a 110 ms
//! switchover pause (lost probes) followed by 80 ms of queued replies, and a
//! 250 ms loss window between migrations. RTTs are a 60 µs baseline with
//! jitter, and one probe in 2 000 is lost at random.

use migprobe_bench::accuracy::SplitMix64;
use migprobe_probe::record::kinds;
use migprobe_probe::record::{
    EventLine, Footer, Header, Line, Origin, ProbeLine, ProbeStatus, RunWriter, StampClock,
    TargetInfo,
};
use migprobe_probe::sys::SocketKind;
use migprobe_probe::types::{ProbeIndex, RealNs};
use migprobe_probe::wire::Family;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

const MS: i64 = 1_000_000;
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
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        probes: 3_600_000,
        targets: 1,
        interval: MS,
        migrations: 1,
        seed: 1,
        out: PathBuf::new(),
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

fn event(at: i64, origin: Origin, kind: &str, detail: serde_json::Value, qemu: bool) -> EventLine {
    EventLine {
        at_ns: RealNs(at),
        source_ts_ns: qemu.then_some(RealNs(at - 450_000)),
        origin,
        kind: kind.into(),
        raw: qemu.then(|| detail.to_string()),
        detail,
    }
}

/// The events and outage windows of one migration triggered at `t`.
fn migration(t: i64, events: &mut Vec<EventLine>, windows: &mut Vec<Window>) {
    let d = |k: &str, v: serde_json::Value| {
        let mut m = json!({ "domain": "synthvm" });
        m[k] = v;
        m
    };
    let argv = json!([
        "virsh",
        "migrate",
        "--live",
        "--copy-storage-all",
        "synthvm"
    ]);
    let (started, ready, stop) = (t + S, t + 4 * S, t + 6 * S);
    let resume = stop + 110 * MS;
    let done = resume + 1_600 * MS;
    events.push(event(
        t,
        Origin::Local,
        kinds::TRIGGER_STARTED,
        json!({ "argv": argv }),
        false,
    ));
    events.push(event(
        started,
        Origin::Dst,
        kinds::QEMU_MIGRATION,
        d("status", json!("setup")),
        true,
    ));
    events.push(event(
        started + MS,
        Origin::Dst,
        kinds::STARTED,
        d("reason", json!("migrated")),
        false,
    ));
    let ready_detail =
        json!({ "disk": "vda", "domain": "synthvm", "job": "copy", "status": "ready" });
    events.push(event(
        ready,
        Origin::Src,
        kinds::QEMU_BLOCK_JOB_READY,
        d("device", json!("drive-virtio-disk0")),
        true,
    ));
    events.push(event(
        ready + MS,
        Origin::Src,
        kinds::BLOCK_JOB,
        ready_detail,
        false,
    ));
    for pass in 1..=3 {
        let at = ready + pass * 500 * MS;
        events.push(event(
            at,
            Origin::Src,
            kinds::QEMU_MIGRATION_PASS,
            d("pass", json!(pass)),
            true,
        ));
        events.push(event(
            at + 50_000,
            Origin::Src,
            kinds::MIGRATION_ITERATION,
            d("iteration", json!(pass)),
            false,
        ));
    }
    events.push(event(
        stop,
        Origin::Src,
        kinds::QEMU_STOP,
        d("reason", json!(null)),
        true,
    ));
    events.push(event(
        stop + 2 * MS,
        Origin::Src,
        kinds::SUSPENDED,
        d("reason", json!("migrated")),
        false,
    ));
    events.push(event(
        resume,
        Origin::Dst,
        kinds::QEMU_RESUME,
        d("reason", json!(null)),
        true,
    ));
    events.push(event(
        resume + 3 * MS,
        Origin::Dst,
        kinds::RESUMED,
        d("reason", json!("migrated")),
        false,
    ));
    events.push(event(
        done,
        Origin::Src,
        kinds::STOPPED,
        d("reason", json!("migrated")),
        false,
    ));
    let stats = json!({ "domain": "synthvm", "downtime": 113, "memory_total": 134_217_728u64,
                        "disk_total": 67_108_864, "data_remaining": 0, "time_elapsed": 7_710 });
    events.push(event(
        done + MS,
        Origin::Src,
        kinds::JOB_COMPLETED,
        stats,
        false,
    ));
    events.push(event(
        done + 200 * MS,
        Origin::Local,
        kinds::TRIGGER_EXITED,
        json!({ "code": 0, "output": ["Migration: [100 %]"], "signal": null }),
        false,
    ));
    let total = 201_859_072u64;
    let mut at = t + 200 * MS;
    while at < done {
        let frac = (at - t) as f64 / (done - t) as f64;
        let remaining = (total as f64 * (1.0 - frac)) as u64;
        events.push(event(
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
    // A storage-copy freeze, the switchover (lost while paused, queued after), a loss window.
    let freeze = started + 1_500 * MS;
    windows.push(Window {
        from: freeze,
        to: freeze + 100 * MS,
        fate: Fate::Queued {
            flush: freeze + 100 * MS,
        },
    });
    windows.push(Window {
        from: stop,
        to: resume,
        fate: Fate::Lost,
    });
    let conv = resume + 80 * MS;
    windows.push(Window {
        from: resume,
        to: conv,
        fate: Fate::Queued { flush: conv },
    });
    windows.push(Window {
        from: done + 20 * S,
        to: done + 20 * S + 250 * MS,
        fate: Fate::Lost,
    });
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
            phase_ns: o.interval * i64::from(i) / n as i64,
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

    let mut events = vec![
        event(
            T0 - 50 * MS,
            Origin::Src,
            kinds::CAPTURE_STARTED,
            json!({ "domain": "synthvm" }),
            false,
        ),
        event(
            T0 - 40 * MS,
            Origin::Dst,
            kinds::CAPTURE_STARTED,
            json!({ "domain": "synthvm" }),
            false,
        ),
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

    let mut w = RunWriter::create(&o.out).unwrap_or_else(|e| {
        eprintln!("synth-run: {}: {e}", o.out.display());
        std::process::exit(2);
    });
    let mut put = |l: &Line| {
        w.write(l).unwrap_or_else(|e| {
            eprintln!("synth-run: write: {e}");
            std::process::exit(1);
        })
    };
    put(&Line::Header(header.clone()));
    let mut rng = SplitMix64::new(o.seed);
    let mut below = |n: u64| rng.next_u64() % n;
    // Lines written later than their slot: (write time, sequence, line).
    let mut later: BTreeMap<(i64, u64), ProbeLine> = BTreeMap::new();
    let mut lost = Vec::new();
    let (mut next_event, mut next_window, mut seq, mut sent) = (0usize, 0usize, 0u64, 0u64);
    for j in 0..per_target * n {
        let (k, id) = (j / n, (j % n) as u32);
        let t = &header.targets[id as usize];
        let slot = T0 + t.phase_ns + k as i64 * o.interval;
        while next_window < windows.len() && windows[next_window].to <= slot {
            next_window += 1;
        }
        // Everything due before this slot is written first.
        while later
            .first_key_value()
            .is_some_and(|(key, _)| key.0 <= slot)
        {
            let (_, p) = later.pop_first().expect("not empty");
            put(&Line::Probe(p));
        }
        while next_event < events.len() && events[next_event].at_ns.0 <= slot {
            put(&Line::Event(events[next_event].clone()));
            next_event += 1;
        }
        let tx = slot + 2_000 + below(6_000) as i64;
        let index = ProbeIndex(k);
        let mut p = ProbeLine::without_reply(
            t.addr,
            id,
            index,
            (RealNs(tx), StampClock::Kernel),
            ProbeStatus::Pending,
        );
        sent += 1;
        let fate = windows
            .get(next_window)
            .filter(|w| w.from <= slot)
            .map(|w| w.fate);
        let rx = match fate {
            Some(Fate::Lost) => None,
            Some(Fate::Queued { flush }) => {
                let from = windows[next_window].from;
                Some(flush + 2_000 * ((slot - from) / o.interval))
            }
            None if below(2_000) == 0 => None,
            None => Some(tx + 45_000 + below(30_000) as i64 + (below(100) == 0) as i64 * 200_000),
        };
        if rx.is_none_or(|r| r - tx >= PENDING_AFTER) {
            seq += 1;
            later.insert((tx + PENDING_AFTER, seq), p.clone());
        }
        match rx {
            Some(r) => {
                p.rx_ns = Some(RealNs(r));
                p.rx_clock = Some(StampClock::Kernel);
                p.rtt_ns = Some(r - tx);
                p.ttl = Some(64);
                p.bytes = Some(64);
                p.status = ProbeStatus::Ok;
                seq += 1;
                later.insert((r, seq), p);
            }
            None => {
                p.status = ProbeStatus::Lost;
                lost.push(p);
            }
        }
    }
    while let Some((_, p)) = later.pop_first() {
        put(&Line::Probe(p));
    }
    for e in &events[next_event..] {
        put(&Line::Event(e.clone()));
    }
    for p in lost {
        put(&Line::Probe(p));
    }
    put(&Line::Footer(Footer {
        end_ns: RealNs(T0 + length + 2 * S),
        reason: "migration ended".into(),
        sent,
        foreign: 0,
    }));
    w.finish().unwrap_or_else(|e| {
        eprintln!("synth-run: {}: {e}", o.out.display());
        std::process::exit(1);
    });
}
