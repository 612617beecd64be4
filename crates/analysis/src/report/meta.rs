//! What a report says about a run beyond its analysis: who recorded it,
//! where and how, and the hypervisor sides, from the run file's header and
//! `capture_started` events. Read by every renderer, depends on none.

use migprobe_probe::record::kinds;
use migprobe_probe::record::RunData;
use std::collections::BTreeMap;
use std::path::Path;

/// What the report says about the run beyond the analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportMeta {
    /// migprobe version that recorded the run.
    pub tool_version: String,
    /// Host name of the prober.
    pub host: String,
    /// Kernel release of the prober.
    pub kernel: String,
    /// Socket kind ("raw", "dgram"), if probes were sent.
    pub socket: Option<String>,
    /// The command line that recorded the run.
    pub run_argv: Vec<String>,
    /// The command line that wrote the report.
    pub argv: Vec<String>,
    /// Directory of the outputs.
    pub run_dir: Option<String>,
    /// Per origin ("src", "dst"): host, versions, URI of each hypervisor side.
    pub hypervisors: BTreeMap<String, serde_json::Value>,
}

impl ReportMeta {
    /// Metadata from a run's header and `capture_started` events.
    pub fn new(run_dir: &Path, argv: &[String], run: &RunData) -> ReportMeta {
        let h = &run.header;
        let mut hypervisors = BTreeMap::new();
        for e in run
            .events
            .iter()
            .filter(|e| e.kind == kinds::CAPTURE_STARTED)
        {
            hypervisors.insert(e.origin.as_str().to_owned(), e.detail.clone());
        }
        ReportMeta {
            tool_version: h.version.clone(),
            host: h.hostname.clone(),
            kernel: h.kernel.clone(),
            socket: h.socket.and_then(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
            }),
            run_argv: h.argv.clone(),
            argv: argv.to_vec(),
            run_dir: Some(run_dir.display().to_string()),
            hypervisors,
        }
    }
}
