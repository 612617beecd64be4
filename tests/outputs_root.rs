//! Output tests that need root (feature `root-tests`): a full disk stops
//! `run` and `probe` at once, with what was written before kept and
//! readable; duplicate targets are probed once.
//!
//! The full disk is a small tmpfs mounted in a private mount and PID
//! namespace (`unshare`), where migprobe runs in the rig's prober network
//! namespace against the kernel's echo in the target namespace. The mount and
//! every process in that namespace end with it, also when a test fails; the
//! rig removes its network namespaces on drop (tests/common).

mod common;

use common::*;
use migprobe_probe::record::{read_run, ProbeStatus};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Mounts a `$3` tmpfs at `$1`, runs the rest in network namespace `$4`,
/// and keeps in `$2` its exit code, its output, whether the trigger (which
/// writes its pid to `$2/trigger.pid`) is still alive, and a copy of the disk.
const ON_SMALL_DISK: &str = r#"
disk=$1 saved=$2 size=$3 ns=$4; shift 4
mount -t tmpfs -o "size=$size" migprobe-test "$disk" || exit 99
ip netns exec "$ns" "$@" >"$saved/stdout" 2>"$saved/stderr"
echo $? >"$saved/code"
pid=$(cat "$saved/trigger.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo alive; else echo gone; fi >"$saved/trigger"
cp -a "$disk/." "$saved/disk"
"#;

/// What a command on the small disk did.
struct Outcome {
    code: String,
    stderr: String,
    took: Duration,
    /// "gone" when no trigger ran or it was stopped with the command.
    trigger: String,
}

/// Runs `migprobe ARGS` on a `size` tmpfs (`DISK` in ARGS is its path) in
/// the rig's prober namespace; what it wrote is copied to `saved/disk`.
fn on_small_disk(rig: &Rig, size: &str, saved: &Path, args: &[&str]) -> Outcome {
    let disk = rig.path("disk");
    std::fs::create_dir_all(&disk).unwrap();
    std::fs::create_dir_all(saved.join("disk")).unwrap();
    let (disk, saved_s) = (disk.to_str().unwrap(), saved.to_str().unwrap());
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("DISK", disk).replace("SAVED", saved_s))
        .collect();
    let child = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--pid", "--fork"])
        .args([
            "--kill-child",
            "--mount-proc",
            "sh",
            "-c",
            ON_SMALL_DISK,
            "sh",
        ])
        .args([disk, saved_s, size, &rig.prober, MIGPROBE])
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unshare (util-linux) runs");
    let started = Instant::now();
    let out = Proc {
        child,
        what: "migprobe on a small disk".into(),
    }
    .output_timeout(Duration::from_secs(90));
    let read = |name: &str| {
        std::fs::read_to_string(saved.join(name))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|e| panic!("{name}: {e}; {:?}", String::from_utf8_lossy(&out.stderr)))
    };
    Outcome {
        code: read("code"),
        stderr: read("stderr"),
        took: started.elapsed(),
        trigger: read("trigger"),
    }
}

/// The error of a full disk: the file, the cause, that it stopped, how to read it.
fn assert_stopped_by_a_full_disk(o: &Outcome, limit: Duration) {
    assert_eq!(o.code, "2", "{}", o.stderr);
    for want in [
        "cannot write",
        "No space left on device",
        "stopped at once",
        "migprobe report",
    ] {
        assert!(o.stderr.contains(want), "{want:?} in {}", o.stderr);
    }
    assert!(o.took < limit, "took {:?}: {}", o.took, o.stderr);
}

/// The run file is readable, by the reader and by `migprobe report`.
fn assert_readable(run_file: &Path, report_dir: &Path) -> usize {
    let run = read_run(run_file).unwrap_or_else(|e| panic!("{}: {e}", run_file.display()));
    assert_eq!(run.header.targets[0].addr.to_string(), TARGET_V4);
    let ok = run
        .probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Ok)
        .count();
    assert!(ok > 100, "{ok} answered probes before the disk filled");
    let o = Command::new(MIGPROBE)
        .args(["report", run_file.to_str().unwrap(), "--out"])
        .arg(report_dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(report_dir.join("report.json").is_file());
    ok
}

#[test]
fn a_full_disk_stops_run_and_its_trigger_at_once_and_keeps_the_run_file() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let saved = rig.path("saved");
    // 1 kHz of ~250-byte lines fill 192 KiB in under a second, after the
    // trigger started: without the stop it would run until the timeout.
    let trigger = "echo $$ >SAVED/trigger.pid; while :; do echo migrating; sleep 0.01; done";
    let o = on_small_disk(
        &rig,
        "192k",
        &saved,
        &[
            "run",
            "-t",
            TARGET_V4,
            "-q",
            "-i",
            "1ms",
            "--warmup",
            "200ms",
            "--cooldown",
            "0s",
            "--timeout",
            "60s",
            "--out",
            "DISK/run",
            "--",
            "sh",
            "-c",
            trigger,
        ],
    );
    assert_stopped_by_a_full_disk(&o, Duration::from_secs(20));
    assert_eq!(o.trigger, "gone", "the trigger's group was stopped");
    let dir = saved.join("disk/run");
    assert_eq!(
        names(&dir),
        ["run.jsonl.zst", "trigger.log"],
        "no empty report, no temporary file"
    );
    assert_readable(&dir.join("run.jsonl.zst"), &rig.path("report"));
    let run = read_run(&dir.join("run.jsonl.zst")).unwrap();
    assert!(
        run.events
            .iter()
            .any(|e| e.kind.as_str() == "trigger_started"),
        "the disk filled while the trigger ran"
    );
}

#[test]
fn a_full_disk_stops_probe_at_once_and_keeps_the_run_file() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    let saved = rig.path("saved");
    let o = on_small_disk(
        &rig,
        "128k",
        &saved,
        &[
            "probe",
            TARGET_V4,
            "-q",
            "-i",
            "1ms",
            "-d",
            "60s",
            "--out",
            "DISK/p.jsonl",
        ],
    );
    assert_stopped_by_a_full_disk(&o, Duration::from_secs(15));
    assert_readable(&saved.join("disk/p.jsonl"), &rig.path("report"));
}

#[test]
fn duplicate_targets_are_probed_once_with_a_warning() {
    let rig = Rig::new();
    rig.wait_reachable(TARGET_V4);
    rig.wait_reachable(TARGET_V6);
    let args = [
        TARGET_V4,
        "192.0.2.02",
        TARGET_V6,
        "2001:0db8:0::2",
        TARGET_V4,
        "-i",
        "1ms",
        "-c",
        "200",
        "--drain",
        "200ms",
    ];
    let (out, run) = rig.probe_run("dup.jsonl", &args, Duration::from_secs(20));
    let targets: Vec<(&str, String)> = run
        .header
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.addr.to_string()))
        .collect();
    assert_eq!(
        targets,
        [
            (TARGET_V4, TARGET_V4.to_owned()),
            (TARGET_V6, TARGET_V6.to_owned())
        ]
    );
    let e = String::from_utf8_lossy(&out.stderr);
    for want in [
        "warning: TARGET 192.0.2.02 and 192.0.2.2 are the same address (192.0.2.2): probed once, as 192.0.2.2",
        "warning: TARGET 2001:0db8:0::2 and 2001:db8::2 are the same address (2001:db8::2): probed once, as 2001:db8::2",
        "warning: TARGET 192.0.2.2 is given more than once: probed once",
    ] {
        assert!(e.contains(want), "{want} in {e}");
    }
    for id in 0..2 {
        let probes = of_target(&run, id);
        // Every slot once (what this test is about); a busy host may skip
        // slots (reported, not lost): CI's parallel tests skipped 27 of 200
        // at 1 ms once, so only half must be sent and answered.
        let (ok, skipped) = (
            count(&probes, ProbeStatus::Ok),
            count(&probes, ProbeStatus::Skipped),
        );
        assert_eq!(ok + skipped, 200, "{}", tally(&probes));
        assert!(ok >= 100, "{}", tally(&probes));
    }
}
