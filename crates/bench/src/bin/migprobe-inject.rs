//! `migprobe-inject`: injects faults with a known ground truth, and scores
//! migprobe's (and ping's / fping's) view of them. Used by
//! `scripts/bench-accuracy.sh` and `tests/accuracy.rs`.
//!
//! - `freeze --pid PID`: SIGSTOP / SIGCONT a responder (`migprobe-echo`).
//! - `loss --sysctl PATH`: write 1 / 0 to e.g.
//!   `/proc/sys/net/ipv4/icmp_echo_ignore_all` (run it inside the target's
//!   network namespace: /proc/sys/net is the namespace's own).
//! - `drop`: add / remove an nftables rule that drops every packet to the
//!   target (run it in the target's namespace): a loss for any probe kind
//!   (ICMP, TCP, UDP), see [`migprobe_bench::nft`].
//!
//! All three perform every duration `--reps` times in random order, after random
//! gaps (so the faults fall at random phases of the probe grid), and write one
//! [`Fault`] JSON line per fault with the realtime read right before and right
//! after each action. SIGINT / SIGTERM end the current fault first (the
//! responder is never left stopped, the echo never left off).
//!
//! - `score`: matches the faults with the outages of a `report.json` (and
//!   optionally the replies in `ping -D` / `fping -D` logs) and writes the
//!   per-fault and per-case scores as JSON.
//! - `false-outages RUN.jsonl`: outages per hour in a run with random loss,
//!   analysed with each given `--min-loss-run` K.
#![forbid(unsafe_code)]

use clap::{Args as ClapArgs, Parser, Subcommand};
use migprobe_analysis::analysis::model::OutageClass;
use migprobe_analysis::analysis::{analyze, AnalysisOptions};
use migprobe_analysis::report::json as report_json;
use migprobe_bench::accuracy::{
    helper_main, score, score_peer, ErrorStats, Fault, FaultKind, FaultScore, Observed, PeerScore,
    SplitMix64,
};
use migprobe_bench::nft::{self, NftDrop};
use migprobe_probe::record::{read_run, ProbeStatus};
use migprobe_probe::sys;
use migprobe_probe::types::MonoNs;
use migprobe_sources::import::{self, BuildOptions};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::net::IpAddr;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Injects faults with a known ground truth and scores what migprobe, ping and fping saw.
#[derive(Debug, Parser)]
#[command(name = "migprobe-inject", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Freeze a responder: SIGSTOP, wait, SIGCONT.
    Freeze {
        /// The responder's process id.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        pid: u32,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Switch the kernel's echo off and on: write 1, wait, write 0 (run it in the target's netns).
    Loss {
        /// A sysctl file to toggle (repeatable), e.g. /proc/sys/net/ipv4/icmp_echo_ignore_all.
        #[arg(long = "sysctl", required = true, value_name = "PATH")]
        sysctls: Vec<PathBuf>,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Drop every packet to the target: add an nftables drop rule, wait, remove it (run it in
    /// the target's netns; any probe kind).
    Drop {
        /// The nft program.
        #[arg(long, default_value = "nft", value_name = "PATH")]
        nft: PathBuf,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Score faults against a report.json (and ping / fping logs); writes JSON.
    Score {
        /// The faults (JSON lines from `freeze` / `loss`).
        #[arg(long)]
        faults: PathBuf,
        /// migprobe's report.json.
        #[arg(long)]
        report: PathBuf,
        /// Only outages of this target address.
        #[arg(long)]
        target: Option<IpAddr>,
        /// An outage belongs to a fault when it overlaps it extended by this much on each side.
        #[arg(long, default_value = "20ms", value_parser = duration)]
        slack: Duration,
        /// A `ping -D` log recorded during the faults.
        #[arg(long)]
        ping: Option<PathBuf>,
        /// An `fping -D -l` log recorded during the faults.
        #[arg(long)]
        fping: Option<PathBuf>,
        /// The peers' probe interval (for their logs).
        #[arg(long, default_value = "1ms", value_parser = duration)]
        peer_interval: Duration,
        /// Peer replies this long before and after each fault are looked at.
        #[arg(long, default_value = "100ms", value_parser = duration)]
        peer_window: Duration,
        /// Where to write the JSON (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Count outages per hour in a run (random loss), analysed with each K.
    FalseOutages {
        /// The run file.
        run: PathBuf,
        /// Comma-separated values of --min-loss-run to analyse with.
        #[arg(long, default_value = "1,3,5", value_delimiter = ',',
              value_parser = clap::value_parser!(u32).range(1..=1000))]
        k: Vec<u32>,
        /// Where to write the JSON (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The plan shared by `freeze`, `loss` and `drop`.
#[derive(Debug, ClapArgs)]
struct PlanArgs {
    /// Case name written in every line (default: the subcommand).
    #[arg(long)]
    case: Option<String>,
    /// Comma-separated fault durations.
    #[arg(long, default_value = "10ms,50ms,250ms,1s,4s", value_delimiter = ',',
          value_parser = duration)]
    durations: Vec<Duration>,
    /// Repetitions of each duration (all shuffled together).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    reps: u32,
    /// Shortest pause between two faults (and before the first, after --warmup).
    #[arg(long, default_value = "300ms", value_parser = duration)]
    gap_min: Duration,
    /// Longest pause between two faults.
    #[arg(long, default_value = "700ms", value_parser = duration)]
    gap_max: Duration,
    /// Wait this long before the first fault (the prober's baseline window is 3 s).
    #[arg(long, default_value = "3500ms", value_parser = duration)]
    warmup: Duration,
    /// Seed of the random order and gaps (default: from the OS).
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the fault lines (default: stdout).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{s:?} is not a duration like 250ms or 1s: {e}"))?;
    if d.is_zero() || d > Duration::from_secs(3600) {
        return Err(format!("{s:?}: give a duration between 1ns and 1h"));
    }
    Ok(d)
}

fn main() -> ExitCode {
    helper_main("migprobe-inject", |cli: Cli| execute(cli.cmd))
}

fn execute(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Freeze { pid, plan } => {
            sys::process::send_signal(pid, 0)
                .map_err(|e| format!("--pid {pid}: cannot signal that process: {e}"))?;
            inject(&plan, FaultKind::Freeze, &mut Freezer { pid })
        }
        Cmd::Loss { sysctls, plan } => {
            let files = sysctls
                .iter()
                .map(|p| {
                    OpenOptions::new()
                        .write(true)
                        .open(p)
                        .map(|f| (p.clone(), f))
                        .map_err(|e| {
                            format!("--sysctl {}: cannot open for writing: {e}", p.display())
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut t = Toggler { files };
            t.set(b"0\n")?;
            inject(&plan, FaultKind::Loss, &mut t)
        }
        Cmd::Drop { nft, plan } => inject(&plan, FaultKind::Loss, &mut NftDrop::start(&nft)?),
        Cmd::Score {
            faults,
            report,
            target,
            slack,
            ping,
            fping,
            peer_interval,
            peer_window,
            out,
        } => {
            let faults = read_faults(&faults)?;
            let bytes = read(&report)?;
            let rep =
                report_json::parse(&bytes).map_err(|e| format!("{}: {e}", report.display()))?;
            let outages: Vec<Observed> = rep
                .outages
                .iter()
                .filter(|o| target.is_none_or(|t| o.addr == t.to_string()))
                .map(Observed::from)
                .collect();
            let (scores, extra) = score(&faults, &outages, ns(slack));
            let mut doc = json!({
                "interval_ms": rep.run.interval_ms,
                "min_loss_run": rep.run.min_loss_run,
                "outages": outages.len(),
                "extra_outages": extra.len(),
                "extra_estimates_ms": extra.iter().map(|&i| outages[i].estimate_ns as f64 / 1e6).collect::<Vec<_>>(),
                "cases": case_summaries(&scores),
                "faults": scores,
            });
            let peer_opts = BuildOptions {
                interval_ns: Some(ns(peer_interval)),
                target,
            };
            for (name, log) in [("ping", ping), ("fping", fping)] {
                let Some(log) = log else { continue };
                let v = score_peer_log(name, &log, &faults, &peer_opts, ns(peer_window))?;
                doc[name] = v;
            }
            write_json(out.as_deref(), &doc)
        }
        Cmd::FalseOutages { run, k, out } => false_outages(&run, &k, out.as_deref()),
    }
}

fn ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

fn write_json(out: Option<&Path>, v: &serde_json::Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    text.push('\n');
    match out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write to stdout: {e}")),
    }
}

/// A start and an end action.
trait Action {
    fn start(&mut self) -> Result<(), String>;
    fn end(&mut self) -> Result<(), String>;
}

struct Freezer {
    pid: u32,
}

impl Action for Freezer {
    fn start(&mut self) -> Result<(), String> {
        sys::process::send_signal(self.pid, libc::SIGSTOP)
            .map_err(|e| format!("SIGSTOP to {}: {e}", self.pid))
    }
    fn end(&mut self) -> Result<(), String> {
        sys::process::send_signal(self.pid, libc::SIGCONT)
            .map_err(|e| format!("SIGCONT to {}: {e}", self.pid))
    }
}

struct Toggler {
    files: Vec<(PathBuf, File)>,
}

impl Toggler {
    fn set(&mut self, v: &[u8]) -> Result<(), String> {
        for (p, f) in &self.files {
            f.write_at(v, 0)
                .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        }
        Ok(())
    }
}

impl Action for Toggler {
    fn start(&mut self) -> Result<(), String> {
        self.set(b"1\n")
    }
    fn end(&mut self) -> Result<(), String> {
        self.set(b"0\n")
    }
}

impl Action for NftDrop {
    fn start(&mut self) -> Result<(), String> {
        self.commit(&nft::drop_line())
    }
    fn end(&mut self) -> Result<(), String> {
        self.commit(&nft::pass_line())
    }
}

/// Sleeps until monotonic `t` in slices, returning early (false) once `stop` is set.
fn sleep_to(t: MonoNs, stop: &AtomicBool) -> bool {
    const SLICE_NS: i64 = 20_000_000;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = sys::monotonic_now();
        if now >= t {
            return true;
        }
        sys::sleep_until(if t.since(now) > SLICE_NS {
            now.plus(SLICE_NS)
        } else {
            t
        });
    }
}

fn inject(plan: &PlanArgs, kind: FaultKind, action: &mut dyn Action) -> Result<(), String> {
    if plan.gap_max < plan.gap_min {
        return Err(format!(
            "--gap-max {:?} is shorter than --gap-min {:?}",
            plan.gap_max, plan.gap_min
        ));
    }
    let mut out: Box<dyn Write> = match &plan.out {
        Some(p) => Box::new(
            File::create(p).map_err(|e| format!("--out {}: cannot create: {e}", p.display()))?,
        ),
        None => Box::new(io::stdout()),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| format!("cannot handle signal {sig}: {e}"))?;
    }
    // Tight stamps: no timer slack, and run before the prober if we may (it is not fatal).
    let _ = sys::set_timer_slack(1);
    let _ = sys::try_sched_fifo(20);
    let mut rng = plan.seed.map_or_else(SplitMix64::from_os, SplitMix64::new);
    let mut order: Vec<i64> = (0..plan.reps)
        .flat_map(|_| plan.durations.iter().map(|d| ns(*d)))
        .collect();
    rng.shuffle(&mut order);
    let case = plan.case.clone().unwrap_or_else(|| {
        match kind {
            FaultKind::Freeze => "freeze",
            FaultKind::Loss => "loss",
        }
        .to_owned()
    });
    if !sleep_to(sys::monotonic_now().plus(ns(plan.warmup)), &stop) {
        return Err("interrupted".into());
    }
    for (seq, d) in order.into_iter().enumerate() {
        let gap = rng.between(ns(plan.gap_min), ns(plan.gap_max));
        if !sleep_to(sys::monotonic_now().plus(gap), &stop) {
            return Err("interrupted".into());
        }
        let start_before_ns = sys::realtime_now().0;
        action.start()?;
        let start_after_ns = sys::realtime_now().0;
        let t0 = sys::monotonic_now();
        let completed = sleep_to(t0.plus(d), &stop);
        let end_before_ns = sys::realtime_now().0;
        action.end()?;
        let end_after_ns = sys::realtime_now().0;
        let f = Fault {
            case: case.clone(),
            kind,
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            requested_ns: d,
            start_before_ns,
            start_after_ns,
            end_before_ns,
            end_after_ns,
        };
        let line = serde_json::to_string(&f).map_err(|e| e.to_string())?;
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write a fault line: {e}"))?;
        if !completed {
            return Err("interrupted (the current fault was ended first)".into());
        }
    }
    // Let the prober see the end of the last fault.
    sleep_to(sys::monotonic_now().plus(ns(plan.gap_max)), &stop);
    Ok(())
}

fn read_faults(p: &Path) -> Result<Vec<Fault>, String> {
    let text = String::from_utf8(read(p)?).map_err(|_| format!("{}: not UTF-8", p.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}:{}: not a fault line: {e}", p.display(), i + 1))
        })
        .collect()
}

/// Per (case, requested duration) summaries of fault scores.
fn case_summaries(scores: &[FaultScore]) -> Vec<serde_json::Value> {
    group(scores, |s| (s.case.clone(), s.requested_ms))
        .into_iter()
        .map(|((case, req), v)| {
            let errors: Vec<i64> = v.iter().filter_map(|s| s.error_ns).collect();
            let truths: Vec<i64> = v.iter().map(|s| s.truth_ns).collect();
            let mut classes = BTreeMap::<String, usize>::new();
            for c in v.iter().filter_map(|s| s.class.clone()) {
                *classes.entry(c).or_default() += 1;
            }
            json!({
                "case": case,
                "requested_ms": req,
                "n": v.len(),
                "detected": v.iter().filter(|s| s.outages > 0).count(),
                "missed": v.iter().filter(|s| s.outages == 0).count(),
                "split": v.iter().filter(|s| s.outages > 1).count(),
                "in_bracket": v.iter().filter(|s| s.in_bracket()).count(),
                "max_outside_ns": v.iter().filter_map(|s| s.outside_ns).max(),
                "max_uncertainty_ns": v.iter().map(|s| s.uncertainty_ns).max(),
                "truth": ErrorStats::of(&truths),
                "error": ErrorStats::of(&errors),
                "classes": classes,
            })
        })
        .collect()
}

/// Groups items by a (case, requested ms) key, in key order.
fn group<T, F>(items: &[T], key: F) -> Vec<((String, f64), Vec<&T>)>
where
    F: Fn(&T) -> (String, f64),
{
    let mut out: Vec<((String, f64), Vec<&T>)> = Vec::new();
    for it in items {
        let k = key(it);
        match out.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(it),
            None => out.push((k, vec![it])),
        }
    }
    out.sort_by(|a, b| a.0 .0.cmp(&b.0 .0).then(a.0 .1.total_cmp(&b.0 .1)));
    out
}

fn score_peer_log(
    name: &str,
    log: &Path,
    faults: &[Fault],
    opts: &BuildOptions,
    window_ns: i64,
) -> Result<serde_json::Value, String> {
    let bytes = read(log)?;
    let parsed = if name == "ping" {
        import::parse_ping(&bytes)
    } else {
        import::parse_fping(&bytes)
    };
    let built = import::build(&parsed, opts).map_err(|e| format!("{}: {e}", log.display()))?;
    let scores = score_peer(faults, &built.probes, window_ns);
    let cases: Vec<serde_json::Value> =
        group(&scores, |s: &PeerScore| (s.case.clone(), s.requested_ms))
            .into_iter()
            .map(|((case, req), v)| {
                let errors: Vec<i64> = v.iter().filter_map(|s| s.error_ns).collect();
                let rtts: Vec<i64> = v.iter().filter_map(|s| s.max_rtt_ns).collect();
                let lost: Vec<i64> = v.iter().map(|s| s.lost as i64).collect();
                json!({
                    "case": case,
                    "requested_ms": req,
                    "n": v.len(),
                    "gap_error": ErrorStats::of(&errors),
                    "max_rtt": ErrorStats::of(&rtts),
                    "lost": ErrorStats::of(&lost),
                })
            })
            .collect();
    let sent = built.probes.len() as u64;
    let lost = built.count(ProbeStatus::Lost) + built.count(ProbeStatus::Error);
    Ok(json!({
        "sent": sent,
        "lost": lost,
        "loss_pct": if sent > 0 { 100.0 * lost as f64 / sent as f64 } else { 0.0 },
        "cases": cases,
        "faults": scores,
    }))
}

#[derive(Serialize)]
struct FalseRow {
    k: u32,
    outages: usize,
    /// Outages of lost probes only: what K is about.
    loss_outages: usize,
    /// Outages with queued replies (the responder stalled): K does not filter these.
    freeze_outages: usize,
    per_hour: f64,
    loss_per_hour: f64,
    expected_per_hour: f64,
}

fn false_outages(run: &Path, ks: &[u32], out: Option<&Path>) -> Result<(), String> {
    let data = read_run(run).map_err(|e| format!("{}: {e}", run.display()))?;
    let sent = data
        .probes
        .iter()
        .filter(|p| p.status != ProbeStatus::Skipped)
        .count();
    let lost = data
        .probes
        .iter()
        .filter(|p| matches!(p.status, ProbeStatus::Lost | ProbeStatus::Error))
        .count();
    let first = data.probes.iter().map(|p| p.tx_ns.0).min().unwrap_or(0);
    let last = data.probes.iter().map(|p| p.tx_ns.0).max().unwrap_or(0);
    let hours = (last - first).max(1) as f64 / 3.6e12;
    let p = if sent > 0 {
        lost as f64 / sent as f64
    } else {
        0.0
    };
    let rate_per_hour = sent as f64 / hours;
    let rows: Vec<FalseRow> = ks
        .iter()
        .map(|&k| {
            let a = analyze(
                &data,
                &AnalysisOptions {
                    min_loss_run: Some(k),
                    ..AnalysisOptions::default()
                },
            );
            let n = a.outages.len();
            let loss = a
                .outages
                .iter()
                .filter(|o| o.class == OutageClass::Loss)
                .count();
            // A run of ≥ K misses starts at a probe with probability (1 − p) p^K.
            let expected = rate_per_hour * (1.0 - p) * p.powi(k as i32);
            FalseRow {
                k,
                outages: n,
                loss_outages: loss,
                freeze_outages: n - loss,
                per_hour: n as f64 / hours,
                loss_per_hour: loss as f64 / hours,
                expected_per_hour: expected,
            }
        })
        .collect();
    let doc = json!({
        "probes": sent,
        "lost": lost,
        "loss_fraction": p,
        "duration_s": hours * 3600.0,
        "interval_ms": data.header.interval_ns as f64 / 1e6,
        "rows": rows,
    });
    write_json(out, &doc)
}
