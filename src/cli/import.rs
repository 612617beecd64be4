//! The `migprobe import` command line: formats, origin, flags and help.

use migprobe_probe::record::Origin;
use std::net::IpAddr;
use std::path::PathBuf;

/// Which tool's output the files hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// `LC_ALL=C virsh event --all --loop --timestamp` (lines without --timestamp are skipped and counted).
    VirshEvent,
    /// `virsh qemu-monitor-event --loop` (best without --timestamp: QEMU's own µs clock is kept).
    QemuMonitorEvent,
    /// iputils or BusyBox `ping` output, best with `-D` (`-O` shows losses as they happen); creates --out.
    Ping,
    /// `fping -D -l` / `fping -D -c N` / `fping -C N` output (one target per import); creates --out.
    Fping,
}

impl ImportFormat {
    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::VirshEvent => "virsh-event",
            ImportFormat::QemuMonitorEvent => "qemu-monitor-event",
            ImportFormat::Ping => "ping",
            ImportFormat::Fping => "fping",
        }
    }

    /// True for the probe-log formats (`ping`, `fping`).
    pub fn is_probe_log(self) -> bool {
        matches!(self, ImportFormat::Ping | ImportFormat::Fping)
    }
}

/// Which hypervisor the captured output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OriginArg {
    /// The migration source host.
    Src,
    /// The migration destination host.
    Dst,
}

impl From<OriginArg> for Origin {
    fn from(o: OriginArg) -> Origin {
        match o {
            OriginArg::Src => Origin::Src,
            OriginArg::Dst => Origin::Dst,
        }
    }
}

/// `migprobe import`: add hypervisor events captured with virsh to a run file,
/// or make a run file from a ping / fping log.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Capture on each host while the migration runs, e.g.
  LC_ALL=C virsh -c qemu:///system event --all --loop --timestamp > src-events.log
  virsh -c qemu:///system qemu-monitor-event --loop > src-qemu.log
and on the prober, if not using `migprobe probe`:
  ping -D -O 192.0.2.10 > ping.log        (or: fping -D -l 192.0.2.10 > fping.log)
then, ping/fping log FIRST (it creates the run file and its target list):
  migprobe import ping ping.log --out run.jsonl
  migprobe import virsh-event src-events.log --origin src --out run.jsonl
  migprobe import qemu-monitor-event dst-qemu.log --origin dst --out run.jsonl
Events are appended in file order; lines that are not events are counted and reported.

ping/fping logs: one log, one target; --out must not exist yet (or be empty).
The probe index is the sequence number. The tool's statistics are reconciled
with the lines: a sequence number the log has no line for is lost only when the
statistics count it lost (or, without statistics, in a ping log without -O);
otherwise it is not in the log (an excerpt): unknown, left out, and counted in
the report's notes. With -D the send time is the printed time minus the RTT and
the interval is measured (an --interval more than 10% off is refused); without
it, send times are reconstructed as sequence x interval from time 0 (the report
says so) and will not line up with hypervisor events: use -D.
--interval: the ping -i / fping -p interval; default: measured from -D
timestamps, else a `ping -i` / `fping -p` command line echoed in the log, else
ping's statistics (time / packets), else 1s, assumed (the report says so).
Every file is recorded in the run file by sha256 and imported once; a file with
nothing of FORMAT in it is refused.")]
pub struct ImportArgs {
    /// Format of the input files.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: ImportFormat,
    /// Captured output files, read in the order given.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Host the output was captured on: src (migration source) or dst (destination). Event formats only.
    #[arg(
        long,
        value_enum,
        value_name = "HOST",
        required_if_eq_any([("format", "virsh-event"), ("format", "qemu-monitor-event")])
    )]
    pub origin: Option<OriginArg>,
    /// Probe interval of the ping/fping run (ping -i, fping -p), e.g. 1s, 200ms. ping/fping only.
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// Address the ping/fping log probed, when the log shows only a name. ping/fping only.
    #[arg(long, value_name = "ADDR")]
    pub target: Option<IpAddr>,
    /// Run file to append the events to (must be a migprobe run file if it exists; created otherwise).
    /// ping/fping: the run file to create.
    #[arg(short, long, value_name = "RUN.jsonl")]
    pub out: PathBuf,
    /// Caps on the inputs (the logs, and an existing --out).
    #[command(flatten)]
    pub caps: super::InputCaps,
}
