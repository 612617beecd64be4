//! Helpers for the network-namespace integration tests: a two-namespace rig
//! joined by a veth pair, child processes that are always killed, and run-file
//! helpers.
//!
//! Everything created here is removed on drop, also when a test panics.
#![allow(dead_code)]

use migprobe_probe::record::{read_run, ProbeLine, ProbeStatus, RunData};
use migprobe_probe::sys::process::send_signal;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The prober side of the veth pair.
pub const PROBER_V4: &str = "192.0.2.1";
/// The target side of the veth pair.
pub const TARGET_V4: &str = "192.0.2.2";
/// The prober side, IPv6.
pub const PROBER_V6: &str = "2001:db8::1";
/// The target side, IPv6.
pub const TARGET_V6: &str = "2001:db8::2";

pub const MIGPROBE: &str = env!("CARGO_BIN_EXE_migprobe");
/// `migprobe-echo` (crate migprobe-bench), built beside `migprobe`.
pub static ECHO: LazyLock<String> = LazyLock::new(|| sibling_bin("migprobe-echo"));
/// `migprobe-inject` (crate migprobe-bench), built beside `migprobe`.
pub static INJECT: LazyLock<String> = LazyLock::new(|| sibling_bin("migprobe-inject"));
/// `migprobe-hold` (crate migprobe-bench), built beside `migprobe`.
pub static HOLD: LazyLock<String> = LazyLock::new(|| sibling_bin("migprobe-hold"));

/// A binary of another workspace crate, in the same target directory as
/// `migprobe` (cargo gives integration tests only their own package's bins).
fn sibling_bin(name: &str) -> String {
    let path = Path::new(MIGPROBE).with_file_name(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build --workspace --bins`",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Realtime now, ns (the clock of the kernel's socket timestamps).
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Runs a command to completion; panics with its output when it fails.
pub fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes namespaces left behind by test processes that died without cleaning up.
fn remove_stale_namespaces() {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("mpt-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !pid_alive(pid) {
            let _ = Command::new("ip").args(["netns", "del", &name]).status();
        }
    }
}

/// A child process that is killed and reaped on drop.
pub struct Proc {
    pub child: Child,
    pub what: String,
}

impl Proc {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `sig` to the process.
    pub fn signal(&self, sig: i32) {
        // The pid is our own child, not yet reaped (we hold the Child), so it
        // cannot be recycled.
        if let Err(e) = send_signal(self.child.id(), sig) {
            panic!("kill({}, {sig}) failed: {e}", self.pid());
        }
    }

    /// Waits for the exit, killing the process if it takes longer than `limit`.
    pub fn wait_timeout(&mut self, limit: Duration) -> ExitStatus {
        let t0 = Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(st)) => return st,
                Ok(None) if t0.elapsed() < limit => std::thread::sleep(Duration::from_millis(5)),
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!("{} did not finish within {limit:?}", self.what);
                }
                Err(e) => panic!("waiting for {}: {e}", self.what),
            }
        }
    }

    /// Waits (with a limit) and collects stdout / stderr.
    pub fn output_timeout(mut self, limit: Duration) -> Output {
        let status = self.wait_timeout(limit);
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = std::io::Read::read_to_end(&mut o, &mut stdout);
        }
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_end(&mut e, &mut stderr);
        }
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // A stopped process must be continued to die promptly on some kernels' paths.
            let _ = send_signal(self.child.id(), libc::SIGCONT);
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Two namespaces (prober, target) joined by a veth pair, removed on drop.
pub struct Rig {
    pub prober: String,
    pub target: String,
    pub dir: tempfile::TempDir,
    procs: Vec<Proc>,
}

impl Rig {
    /// Builds the rig. Panics (the test fails, it does not skip) when namespaces cannot be made.
    pub fn new() -> Rig {
        remove_stale_namespaces();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let base = format!("mpt-{}-{n}", std::process::id());
        let rig = Rig {
            prober: format!("{base}-p"),
            target: format!("{base}-t"),
            dir: tempfile::tempdir().expect("temporary directory"),
            procs: Vec::new(),
        };
        // The rig exists before the namespaces do, so a panic from here on removes them.
        for ns in [&rig.prober, &rig.target] {
            match Command::new("ip").args(["netns", "add", ns]).output() {
                Ok(o) if o.status.success() => {}
                Ok(o) => panic!(
                    "cannot create network namespace {ns} (these tests need root and iproute2): {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(e) => panic!("cannot run `ip netns add` (install iproute2; run as root): {e}"),
            }
        }
        let (p, t) = (rig.prober.as_str(), rig.target.as_str());
        sh(&[
            "ip", "link", "add", "mp0", "netns", p, "type", "veth", "peer", "name", "mp1", "netns",
            t,
        ]);
        for (ns, dev) in [(p, "mp0"), (t, "mp1")] {
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        // Addresses after the links are up: IPv6 neighbour discovery then works at once.
        sh(&["ip", "-n", p, "addr", "add", "192.0.2.1/24", "dev", "mp0"]);
        sh(&[
            "ip",
            "-n",
            p,
            "addr",
            "add",
            "2001:db8::1/64",
            "dev",
            "mp0",
            "nodad",
        ]);
        sh(&["ip", "-n", t, "addr", "add", "192.0.2.2/24", "dev", "mp1"]);
        sh(&[
            "ip",
            "-n",
            t,
            "addr",
            "add",
            "2001:db8::2/64",
            "dev",
            "mp1",
            "nodad",
        ]);
        rig
    }

    /// A file in the rig's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Sets sysctls inside a namespace.
    pub fn sysctl(&self, ns: &str, settings: &[&str]) {
        let mut args = vec!["ip", "netns", "exec", ns, "sysctl", "-qw"];
        args.extend_from_slice(settings);
        sh(&args);
    }

    /// Starts a command inside a namespace; killed when the rig is dropped (or the Proc is).
    pub fn spawn(&self, ns: &str, args: &[&str], what: &str) -> Proc {
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what} ({args:?}): {e}"));
        Proc {
            child,
            what: what.to_owned(),
        }
    }

    /// Keeps a helper process until the rig is dropped.
    pub fn keep(&mut self, p: Proc) {
        self.procs.push(p);
    }

    /// Starts `migprobe probe ARGS -o FILE` in the prober namespace (without
    /// `-q`: the tests read the summary it prints on stdout).
    pub fn probe(&self, out: &Path, args: &[&str]) -> Proc {
        let out = out.to_str().expect("utf-8 path");
        let mut a = vec![MIGPROBE, "probe", "-o", out];
        a.extend_from_slice(args);
        self.spawn(&self.prober, &a, "migprobe probe")
    }

    /// Starts `migprobe run -q -t TARGET_V4 --out DIR OPTIONS -- TRIGGER...`
    /// in the prober namespace.
    pub fn run(&self, dir: &Path, options: &[&str], trigger: &[&str]) -> Proc {
        let dir = dir.to_str().expect("utf-8 path");
        let mut a = vec![MIGPROBE, "run", "-q", "-t", TARGET_V4, "--out", dir];
        a.extend_from_slice(options);
        a.push("--");
        a.extend_from_slice(trigger);
        self.spawn(&self.prober, &a, "migprobe run")
    }

    /// Runs a probe to completion (within `limit`); returns its output and the run file.
    pub fn probe_run(&self, name: &str, args: &[&str], limit: Duration) -> (Output, RunData) {
        let file = self.path(name);
        let out = self.probe(&file, args).output_timeout(limit);
        assert!(
            out.status.success(),
            "migprobe probe {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let run = read_run(&file).unwrap_or_else(|e| panic!("reading the run file: {e}"));
        (out, run)
    }

    /// `migprobe report RUN --format FORMATS` of the run file `name` into
    /// `name.report/`; returns its report.json (`FORMATS` must hold `json`).
    pub fn report_json(&self, name: &str, formats: &str) -> serde_json::Value {
        let dir = self.path(&format!("{name}.report"));
        let run = self.path(name);
        let (run, out) = (run.to_str().unwrap(), dir.to_str().unwrap());
        sh(&[MIGPROBE, "report", run, "--out", out, "--format", formats]);
        let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
        serde_json::from_str(&text).expect("report.json is JSON")
    }

    /// Waits until `addr` answers a ping from the prober (neighbour discovery done).
    pub fn wait_reachable(&self, addr: &str) {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            let ok = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &self.prober,
                    "ping",
                    "-c",
                    "1",
                    "-W",
                    "1",
                    "-i",
                    "0.2",
                    addr,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return;
            }
        }
        panic!(
            "{addr} never answered a ping from {} (is iputils-ping installed?)",
            self.prober
        );
    }

    /// Starts the user-space echo responder in the target namespace (kernel echo off) and
    /// waits until it listens.
    pub fn start_echo(&self) -> Proc {
        self.start_echo_cmd(&[ECHO.as_str()])
    }

    /// As [`Rig::start_echo`], with a command line of one's own (e.g. `chrt -f 30 ECHO -4`).
    pub fn start_echo_cmd(&self, argv: &[&str]) -> Proc {
        self.sysctl(
            &self.target,
            &[
                "net.ipv4.icmp_echo_ignore_all=1",
                "net.ipv6.icmp.echo_ignore_all=1",
            ],
        );
        let mut p = self.spawn(&self.target, argv, "migprobe-echo");
        let stdout = p.child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            // Keep reading so the responder never blocks on a full pipe.
            let mut sink = String::new();
            while r.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let line = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
        assert!(
            line.starts_with("ready"),
            "migprobe-echo did not start: {line:?}"
        );
        p
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.procs.clear();
        for ns in [&self.prober, &self.target] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A resident shell in a namespace that writes values to one /proc/sys file on request and
/// reports the realtime right after each write (brackets a toggle to a few µs).
pub struct SysctlToggler {
    proc: Proc,
    stdin: ChildStdin,
    reader: BufReader<std::process::ChildStdout>,
}

impl SysctlToggler {
    pub fn new(rig: &Rig, ns: &str, proc_path: &str) -> SysctlToggler {
        let script = format!(
            "while read -r v; do printf '%s\\n' \"$v\" > {proc_path} || exit 1; echo \"$EPOCHREALTIME\"; done"
        );
        let mut proc = rig.spawn(ns, &["bash", "-c", &script], "sysctl toggler");
        let stdin = proc.child.stdin.take().expect("piped stdin");
        let reader = BufReader::new(proc.child.stdout.take().expect("piped stdout"));
        SysctlToggler {
            proc,
            stdin,
            reader,
        }
    }

    /// Writes `v`; returns (realtime before asking, realtime after the write) in ns.
    pub fn set(&mut self, v: &str) -> (i64, i64) {
        let before = now_ns();
        writeln!(self.stdin, "{v}").expect("toggler stdin");
        self.stdin.flush().expect("toggler stdin");
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("toggler stdout");
        let line = line.trim();
        let (s, us) = line
            .split_once(['.', ','])
            .unwrap_or_else(|| panic!("toggler said {line:?}"));
        let after = s.parse::<i64>().expect("seconds") * 1_000_000_000
            + us.parse::<i64>().expect("microseconds") * 1_000
            + 1_000; // rounding of the microsecond stamp
        (before, after)
    }
}

/// The names in a directory, sorted.
/// The text of `path`: a run file of either format as JSON Lines (what
/// `migprobe cat` prints), any other file as it is.
pub fn run_text(path: &Path) -> String {
    let (lines, damage) =
        migprobe_probe::record::compact::open(path, migprobe_probe::input::Limits::RUN_FILE)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut lines.into_input(), &mut text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    drop(damage);
    text
}

pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Probes of one target, in index order.
pub fn of_target(run: &RunData, id: u32) -> Vec<&ProbeLine> {
    run.probes.iter().filter(|p| p.target_id == id).collect()
}

/// Count of probes with a status.
pub fn count(probes: &[&ProbeLine], s: ProbeStatus) -> usize {
    probes.iter().filter(|p| p.status == s).count()
}

/// Human-readable status tally for assertion messages.
pub fn tally(probes: &[&ProbeLine]) -> String {
    use ProbeStatus::*;
    format!(
        "ok {} lost {} skipped {} error {} pending {} (of {})",
        count(probes, Ok),
        count(probes, Lost),
        count(probes, Skipped),
        count(probes, Error),
        count(probes, Pending),
        probes.len()
    )
}

/// The p-quantile (0..=1) of sorted values.
pub fn quantile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs `migprobe ARGS` here (no namespace) to completion.
pub fn migprobe(args: &[&str]) -> Output {
    Command::new(MIGPROBE)
        .args(args)
        .output()
        .expect("migprobe runs")
}
