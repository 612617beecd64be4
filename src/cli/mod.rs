//! Command-line arguments (clap). Values stay strings here; `config` validates them
//! so every error names its flag and the fix.

pub mod import;
mod metrics;
mod run;

pub(crate) use metrics::{ListenArgs, MetricsArgs};
pub(crate) use run::{OpenstackArgs, RunOutputArgs};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Measures how long a virtual machine is really unreachable during a live migration.
#[derive(Debug, Parser)]
#[command(name = "migprobe", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Probe a migrating guest, listen to both hypervisors, trigger the migration, and report.
    Run(Box<RunArgs>),
    /// Analyse a run file again: report.json, summary.md, chart.svg (also from a killed run).
    Report(ReportArgs),
    /// Probe one or more targets (ICMP echo, TCP SYN or UDP) at a fixed interval, with kernel
    /// timestamps.
    Probe(ProbeArgs),
    /// Record both hypervisors' libvirt and QEMU events during a migration.
    #[cfg(feature = "libvirt")]
    Events(EventsArgs),
    /// Print the per-target summary of a run file (also of a run that was killed).
    Summary(SummaryArgs),
    /// Judge a report.json against thresholds and a baseline: exit 0 pass, 1 fail; JUnit, Markdown.
    Gate(GateArgs),
    /// Turn ping/fping logs and `virsh event` / `virsh qemu-monitor-event` logs into a run file.
    Import(import::ImportArgs),
    /// Compare reports side by side: deltas, statistics, compare.md and compare.svg.
    Compare(CompareArgs),
    /// Print a run file (compact or JSON Lines) as JSON Lines, for people and tools such as jq.
    Cat(CatArgs),
    /// Print the JSON Schema of a machine-readable output (generated from migprobe's own
    /// types): report.json (default), gate, compare or targets (`probe`/`summary --json`).
    Schema(SchemaArgs),
    /// Print a shell completion script: bash, zsh or fish (e.g. `migprobe completions bash
    /// > /etc/bash_completion.d/migprobe`).
    Completions(CompletionsArgs),
    /// Print the man page, migprobe(1), as roff (e.g. `migprobe man | man -l -`).
    Man,
}

/// `migprobe schema`.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Which document: report (report.json, also `report`/`run --json`), gate (`gate --json`),
    /// compare (`compare --json`) or targets (`probe --json`, `summary --json`).
    #[arg(value_enum, value_name = "DOCUMENT", default_value = "report")]
    pub(crate) document: SchemaDoc,
}

/// The documents `migprobe schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemaDoc {
    /// report.json.
    Report,
    /// `gate --json`.
    Gate,
    /// `compare --json`.
    Compare,
    /// `probe --json` and `summary --json`.
    Targets,
}

/// `migprobe completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

impl Cli {
    /// The clap definition, for completion scripts and the man page.
    pub(crate) fn definition() -> clap::Command {
        Cli::command()
    }
}

/// Socket kinds on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SocketArg {
    /// Raw socket if permitted (CAP_NET_RAW), else the unprivileged ICMP datagram socket.
    Auto,
    /// Raw ICMP socket (needs CAP_NET_RAW).
    Raw,
    /// Unprivileged ICMP datagram ("ping") socket (needs net.ipv4.ping_group_range).
    Dgram,
}

/// How to probe (shared by `probe` and `run`).
#[derive(Debug, Args, Clone)]
pub(crate) struct ProbeTuning {
    /// Interval between probes to each target: 100us, 1ms, 1s, ...
    #[arg(short, long, default_value = "1ms", value_name = "DURATION")]
    pub(crate) interval: String,
    /// Resolve host names to IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub(crate) ipv4: bool,
    /// Resolve host names to IPv6 only.
    #[arg(short = '6')]
    pub(crate) ipv6: bool,
    /// Socket kind (ICMP probes).
    #[arg(long, value_enum, default_value_t = SocketArg::Auto)]
    pub(crate) socket: SocketArg,
    /// What to probe with: icmp (echo request), tcp:PORT (a SYN; a SYN-ACK or RST answers,
    /// the handshake is never completed; needs CAP_NET_RAW), udp:PORT (a datagram; an ICMP
    /// port unreachable or a UDP reply answers), for guests that drop ICMP echo, or
    /// tcp-session:PORT (one established connection to an echo service on PORT, a numbered
    /// message per probe; also records the longest stall of the stream and whether the
    /// connection survived).
    #[arg(long, default_value = "icmp", value_name = "KIND")]
    pub(crate) probe: String,
    /// Payload bytes per ICMP, UDP or TCP session probe (at least 24: magic, target, nonce, index).
    #[arg(short, long, default_value = "56", value_name = "BYTES")]
    pub(crate) size: String,
    /// Consecutive unanswered probes that count as an outage.
    #[arg(long, default_value = "3", value_name = "K")]
    pub(crate) min_loss_run: String,
    /// Busy-wait up to this long before each slot for precise timing (0 = sleep only, less
    /// CPU; capped at a tenth of the gap between two sends).
    #[arg(long, default_value = "30us", value_name = "DURATION")]
    pub(crate) spin: String,
    /// After the last probe, wait this long for late replies.
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub(crate) drain: String,
    /// Do not try SCHED_FIFO for the send thread.
    #[arg(long)]
    pub(crate) no_realtime: bool,
    /// Probe even when a start-up trial shows this machine cannot send the plan's rate
    /// (the skipped slots are then reported as unobserved time).
    #[arg(long)]
    pub(crate) allow_overload: bool,
}

/// `migprobe probe`.
#[derive(Debug, Args)]
pub(crate) struct ProbeArgs {
    /// Addresses or host names to probe (each on its own schedule, phases spread over the interval).
    #[arg(required = true, value_name = "TARGET")]
    pub(crate) targets: Vec<String>,
    /// How to probe.
    #[command(flatten)]
    pub(crate) tuning: ProbeTuning,
    /// Stop after this long (default: until Ctrl-C or --count).
    #[arg(short, long, value_name = "DURATION", conflicts_with = "count")]
    pub(crate) duration: Option<String>,
    /// Stop after this many probes per target.
    #[arg(short, long, value_name = "N")]
    pub(crate) count: Option<String>,
    /// Write every probe to this run file (streamed, flushed every 100 ms): compact
    /// (zstd-framed JSON Lines) unless the name ends in .jsonl or --format says jsonl.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Run-file format of --out: compact (default; about 10 times smaller, read it with
    /// `migprobe cat`) or jsonl [default: jsonl for a name ending in .jsonl, else compact]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<RunFileFormat>,
    /// Overwrite an existing, non-empty --out file (by default it is refused).
    #[arg(long)]
    pub(crate) force: bool,
    /// No live status line and nothing on stdout (the exit status and the run file still tell).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Print the final per-target statistics as JSON on stdout, and nothing else there.
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) json: bool,
    /// Prometheus metrics of the finished run (needs --out).
    #[command(flatten)]
    pub(crate) metrics: MetricsArgs,
    /// Live Prometheus metrics.
    #[command(flatten)]
    pub(crate) listen: ListenArgs,
}

/// The run-file format of `probe --out` and `run` (docs/run-file.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunFileFormat {
    /// zstd-framed JSON Lines, one frame per flush (`migprobe cat` or `zstdcat` prints it).
    Compact,
    /// Plain JSON Lines.
    Jsonl,
}

impl RunFileFormat {
    /// The writer's format.
    pub(crate) fn format(self) -> migprobe_probe::record::RunFormat {
        match self {
            RunFileFormat::Compact => migprobe_probe::record::RunFormat::Compact,
            RunFileFormat::Jsonl => migprobe_probe::record::RunFormat::Jsonl,
        }
    }
}

/// `migprobe cat`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  migprobe cat run/run.jsonl.zst | jq -c 'select(.type == \"probe\" and .status != \"ok\")'
  migprobe cat run/run.jsonl.zst > run.jsonl      # the same lines --format jsonl writes

The output is byte for byte what `--format jsonl` would have written. A frame cut short
(kill -9, or a run still being written) or damaged is reported on stderr and the rest is
printed. Exit status 2 when RUN is not a run file or cannot be read.")]
pub(crate) struct CatArgs {
    /// A run file, compact or JSON Lines (or a run directory holding one).
    #[arg(value_name = "RUN")]
    pub(crate) run: PathBuf,
    /// Caps on the input.
    #[command(flatten)]
    pub(crate) caps: InputCaps,
}

/// What a command prints on stdout: its usual text, JSON only, or nothing.
/// Warnings and notes always go to stderr.
#[derive(Debug, Args, Clone, Copy, Default)]
pub(crate) struct StdoutArgs {
    /// Print the result as JSON on stdout, and nothing else there.
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) json: bool,
    /// Print nothing on stdout (the exit status and the files written still tell).
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// Caps on what is read from each input file (for the commands that read files).
/// A file over a cap is refused with exit status 2, naming the cap; a device
/// such as /dev/zero is refused up front, a pipe is read up to the caps.
#[derive(Debug, Args, Clone, Default, PartialEq, Eq)]
pub struct InputCaps {
    /// Most bytes read from any one input file, e.g. 32GiB [default: 16 GiB for run files,
    /// 4 GiB for ping/fping/virsh logs, 256 MiB for report.json, 1 MiB for a policy file]
    #[arg(long, value_name = "SIZE")]
    pub max_input_size: Option<String>,
    /// Longest line read from any input file, e.g. 4MiB [default: 1 MiB]
    #[arg(long, value_name = "SIZE")]
    pub max_line_length: Option<String>,
}

/// The regression rule's floor and warm-up, shared by `gate` and `compare`.
#[derive(Debug, Args)]
pub(crate) struct RuleArgs {
    /// No shift smaller than this counts, however significant [default: 30ms].
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) min_effect: Option<String>,
    /// Leave out the first N migrations of each campaign as warm-up, when at least 2
    /// remain [default: 1].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub(crate) discard_warmup: Option<String>,
}

/// `migprobe summary`.
#[derive(Debug, Args)]
pub(crate) struct SummaryArgs {
    /// A run file written by `migprobe probe --out` (compact or JSON Lines), or a run
    /// directory holding one.
    #[arg(value_name = "RUN.jsonl")]
    pub(crate) run: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Caps on the input.
    #[command(flatten)]
    pub(crate) caps: InputCaps,
}

/// Where to listen for hypervisor events (shared by `events` and `run`).
#[derive(Debug, Args, Clone)]
pub(crate) struct LibvirtArgs {
    /// Libvirt URI of the migration source, e.g. qemu+ssh://node01/system or
    /// qemu:///system?socket=/tmp/migprobe-lab/node01/libvirt-sock
    #[arg(long, value_name = "URI")]
    pub(crate) src_uri: Option<String>,
    /// Libvirt URI of the migration destination (recommended: the guest resumes there).
    #[arg(long, value_name = "URI")]
    pub(crate) dst_uri: Option<String>,
    /// The domain being migrated: name or UUID. Repeat it for a host evacuation
    /// (`run`: bind each target to its guest with `-t NAME=ADDR`).
    #[arg(long = "domain", value_name = "NAME|UUID")]
    pub(crate) domains: Vec<String>,
    /// How often to sample the source's job statistics while a migration runs.
    #[arg(long, default_value = "200ms", value_name = "DURATION")]
    pub(crate) poll: String,
}

/// `migprobe events`.
#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// Connections and domain (--src-uri and --domain are required).
    #[command(flatten)]
    pub(crate) libvirt: LibvirtArgs,
    /// Write the events to this JSON Lines run file.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Overwrite an existing, non-empty --out file (by default it is refused).
    #[arg(long)]
    pub(crate) force: bool,
    /// Stop after this long (default: until Ctrl-C).
    #[arg(short, long, value_name = "DURATION")]
    pub(crate) duration: Option<String>,
    /// Do not print a line per event.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// `migprobe run`.
#[derive(Debug, Args, Clone)]
#[command(after_help = "Example (the built-in lab; see scripts/lab.sh):
  eval \"$(scripts/lab.sh env)\"
  ip netns exec \"$LAB_NETNS\" migprobe run -t \"$LAB_GUEST_IP4\" -t \"$LAB_GUEST_IP6\" \\
      --src-uri \"$LAB_SRC_URI\" --dst-uri \"$LAB_DST_URI\" --domain \"$LAB_DOMAIN\" \\
      -- $LAB_MIGRATE_CMD

Example (an OpenStack server, with the admin's OS_* environment or --os-cloud):
  migprobe run --openstack-server SERVER --libvirt-uri-template 'qemu+ssh://{host}/system' \\
      -- openstack server migrate --live-migration --block-migration --wait SERVER")]
pub(crate) struct RunArgs {
    /// Address or host name of the migrating guest (repeat for several). With several
    /// --domain (a host evacuation) bind each to its guest: -t NAME=ADDR. With
    /// --openstack-server: the server's addresses unless given.
    #[arg(
        short = 't',
        long = "target",
        required_unless_present = "openstack_server",
        value_name = "[NAME=]ADDR"
    )]
    pub(crate) targets: Vec<String>,
    /// An OpenStack server to measure, and nova's view of its migration.
    #[command(flatten)]
    pub(crate) openstack: OpenstackArgs,
    /// How to probe.
    #[command(flatten)]
    pub(crate) tuning: ProbeTuning,
    /// With several --domain and {domain} in the trigger: run the trigger once per guest,
    /// at most N at a time, in the order of the --domain flags (1 is nova's default for
    /// max_concurrent_live_migrations). A trigger without {domain} runs once.
    #[arg(long, default_value = "1", value_name = "N")]
    pub(crate) parallel: String,
    /// Hypervisor connections (optional: without them the run uses the probe and trigger alone).
    #[cfg(feature = "libvirt")]
    #[command(flatten)]
    pub(crate) libvirt: LibvirtArgs,
    /// Probe this long before the trigger starts (the baseline).
    #[arg(long, default_value = "3s", value_name = "DURATION")]
    pub(crate) warmup: String,
    /// Keep probing this long after the migration ended.
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub(crate) cooldown: String,
    /// Give up (stop the trigger, write the report) after this long.
    #[arg(long, default_value = "30m", value_name = "DURATION")]
    pub(crate) timeout: String,
    /// Run the trigger this many times in one session (one migration each), probing
    /// throughout; `--cooldown` is the pause after each.
    #[arg(long, default_value = "1", value_name = "N")]
    pub(crate) repeat: String,
    /// Alternate the direction on every repetition: {src_uri}/{dst_uri} and {src}/{dst}
    /// in the trigger swap, and so do the src/dst labels of the hypervisor events.
    #[arg(long)]
    pub(crate) pingpong: bool,
    /// Stop the campaign at the first failed migration (default: record it and go on).
    #[arg(long)]
    pub(crate) stop_on_failure: bool,
    /// Before each migration, run COMMAND (with /bin/sh -c) and start the migration only
    /// when it exits 0, e.g. to take turns with a campaign on another stack
    /// (scripts/acceptance.sh). Probing goes on meanwhile; the wait is not part of the
    /// migration (its time is not the migration's). A non-zero exit ends the campaign.
    #[arg(long, value_name = "COMMAND")]
    pub(crate) wait_for: Option<String>,
    /// Directory for the run file (run.jsonl.zst, or run.jsonl with --format jsonl),
    /// report.json, summary.md, chart.svg and trigger.log (default: reports/run-<UTC time>).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Run-file format: compact (run.jsonl.zst, zstd-framed JSON Lines, the default) or
    /// jsonl (run.jsonl, plain JSON Lines).
    #[arg(long, value_enum, default_value = "compact", value_name = "FORMAT")]
    pub(crate) format: RunFileFormat,
    /// Overwrite an earlier run in --out (by default a directory that holds one is refused).
    #[arg(long)]
    pub(crate) force: bool,
    /// Stdout (summary, --json, --quiet) and --csv.
    #[command(flatten)]
    pub(crate) output: RunOutputArgs,
    /// Prometheus metrics of the finished run.
    #[command(flatten)]
    pub(crate) metrics: MetricsArgs,
    /// Live Prometheus metrics.
    #[command(flatten)]
    pub(crate) listen: ListenArgs,
    /// The command that starts the migration, run without a shell, e.g.
    /// virsh -c {src_uri} migrate --live --copy-storage-all DOMAIN {dst_uri}.
    /// Placeholders: {src_uri}, {dst_uri} (the libvirt URIs) and {src}, {dst}
    /// (their host names), swapped on every other repetition with --pingpong; {domain}
    /// (each guest of a host evacuation: see --parallel).
    #[arg(last = true, required = true, value_name = "TRIGGER")]
    pub(crate) trigger: Vec<String>,
}

/// `migprobe gate`.
#[derive(Debug, Args)]
#[command(
    after_help = "Every check given is evaluated; a figure equal to its threshold passes.
Exit status: 0 all checks passed, 1 a check failed, 2 bad input (the message names the flag or file).

Example (CI):
  migprobe gate run/report.json --max-downtime 500ms --require-completed \\
      --baseline last/report.json --max-regression 20% --junit gate.xml --format markdown

Regression against --baseline: warm-up left out (--discard-warmup), a regression fails only
when it is significantly larger than the margin (--max-regression of the baseline's median, at
least --min-effect); a campaign that drifted within itself makes it INCONCLUSIVE (a failure
unless --allow-inconclusive); every pass says the smallest regression it would have caught.

Policy file (the same checks as keys; flags override them):
  max_downtime = \"500ms\"
  max_regression = \"20%\"
  min_effect = \"30ms\"
  baseline = \"last.json\"   # relative to the policy file"
)]
pub(crate) struct GateArgs {
    /// The report to judge (report.json from `migprobe run` or `migprobe report`).
    #[arg(value_name = "REPORT.json")]
    pub(crate) report: PathBuf,
    /// Highest network-observed downtime of any migration, e.g. 500ms.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) max_downtime: Option<String>,
    /// Highest hypervisor-reported downtime (libvirt's, else QEMU's pause) of any migration.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) max_hypervisor_downtime: Option<String>,
    /// Most probes never answered, all targets over the whole run.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub(crate) max_loss: Option<String>,
    /// Highest RTT p99 of any target, e.g. 50ms.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub(crate) max_rtt_p99: Option<String>,
    /// The migration must have completed and the trigger exited 0.
    #[arg(long)]
    pub(crate) require_completed: bool,
    /// Do not fail when the prober could not observe a window that leaves the
    /// verdict open (the prober-coverage check still lists it).
    #[arg(long)]
    pub(crate) allow_unobserved: bool,
    /// An earlier report to compare the median network downtime against (needs --max-regression).
    #[arg(long, value_name = "BASE.json")]
    pub(crate) baseline: Option<PathBuf>,
    /// Largest allowed regression of the median network downtime against --baseline, e.g. 20%;
    /// with several migrations on both sides a regression fails only when it is significantly
    /// larger than this (and than --min-effect) at 95 %.
    #[arg(long, value_name = "PERCENT", allow_hyphen_values = true)]
    pub(crate) max_regression: Option<String>,
    /// The margin's floor and the warm-up.
    #[command(flatten)]
    pub(crate) rule: RuleArgs,
    /// Do not fail when a campaign drifted within itself (first half against second half)
    /// and left the regression check inconclusive; the check still says so.
    #[arg(long)]
    pub(crate) allow_inconclusive: bool,
    /// Read the checks from a TOML file (keys as the flags with underscores: max_downtime = "500ms").
    #[arg(long, value_name = "FILE.toml")]
    pub(crate) policy: Option<PathBuf>,
    /// Also write a JUnit XML file, one testcase per check (GitLab, Jenkins).
    #[arg(long, value_name = "FILE.xml")]
    pub(crate) junit: Option<PathBuf>,
    /// Output on stdout: text, json or markdown (for a CI job summary); --json is json.
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub(crate) format: String,
    /// JSON or nothing on stdout.
    #[command(flatten)]
    pub(crate) stdout: StdoutArgs,
    /// Caps on the inputs (report, baseline, policy).
    #[command(flatten)]
    pub(crate) caps: InputCaps,
}

/// `migprobe report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// A run file (from `run`, `probe --out`, `events --out` or `import`; compact or JSON
    /// Lines), also one cut short by kill -9, or a run directory holding one.
    #[arg(value_name = "RUN.jsonl")]
    pub(crate) run: PathBuf,
    /// Where to write the outputs (default: the run file's directory).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Which outputs, comma-separated: json (report.json), md (summary.md), svg (chart.svg).
    #[arg(long, default_value = "json,md,svg", value_name = "LIST")]
    pub(crate) format: String,
    /// Also write outages.csv, migrations.csv and probes.csv into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) csv: Option<PathBuf>,
    /// On stdout: report.json (--json), nothing (--quiet), else summary.md's text.
    #[command(flatten)]
    pub(crate) stdout: StdoutArgs,
    /// Caps on the input.
    #[command(flatten)]
    pub(crate) caps: InputCaps,
    /// Prometheus metrics.
    #[command(flatten)]
    pub(crate) metrics: MetricsArgs,
}

/// `migprobe compare`.
#[derive(Debug, Args)]
#[command(after_help = "Example (accept an upgrade):
  migprobe compare before/report.json after/report.json --labels before,after --out cmp

Prints a verdict and the table; with --out also writes cmp/compare.md and cmp/compare.svg
(the RTT traces need the run file, run.jsonl.zst or run.jsonl, next to each report). Deltas are against the first report.
The verdict is the gate's: warm-up left out, a shift counts when it is significantly larger
than the margin (--max-regression of the first run's median, at least --min-effect), a run
that drifted within itself makes it inconclusive.")]
pub(crate) struct CompareArgs {
    /// Two or more report.json files (from `run` or `report`); the first is the reference.
    #[arg(required = true, num_args = 1.., value_name = "REPORT.json")]
    pub(crate) reports: Vec<PathBuf>,
    /// One name per report, comma-separated, in the same order (default: each report's directory name).
    #[arg(short, long, value_name = "A,B,...")]
    pub(crate) labels: Option<String>,
    /// Write compare.md and compare.svg into this directory (created if needed).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// The margin: a shift up to this share of the first run's median is no change [default: 20%].
    #[arg(long, value_name = "PERCENT", allow_hyphen_values = true)]
    pub(crate) max_regression: Option<String>,
    /// The margin's floor and the warm-up.
    #[command(flatten)]
    pub(crate) rule: RuleArgs,
    /// JSON (the figures, deltas and tests as numbers) or nothing on stdout.
    #[command(flatten)]
    pub(crate) stdout: StdoutArgs,
    /// Caps on the inputs (the reports, and the run files next to them).
    #[command(flatten)]
    pub(crate) caps: InputCaps,
}
