//! A capture's ground truth (`NAME.json` beside `NAME.txt` in
//! tests/fixtures/captures, written by scripts/capture-fixtures.sh): the
//! command, the interval, the targets and the injected events.

use serde_json::Value;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// One injected event.
#[derive(Debug, Clone)]
pub struct Event {
    /// `freeze` or `loss`.
    pub freeze: bool,
    /// Start and end, realtime ns (the readings right before the start and right after the end).
    pub start_ns: i64,
    /// End.
    pub end_ns: i64,
    /// Length, ns, and its uncertainty.
    pub len_ns: i64,
    /// Uncertainty of the length, ns.
    pub uncertainty_ns: i64,
    /// The targets it touched (`None`: all).
    pub affects: Option<Vec<IpAddr>>,
}

impl Event {
    /// Whether this event touched `target`.
    pub fn touches(&self, target: IpAddr) -> bool {
        self.affects.as_ref().is_none_or(|a| a.contains(&target))
    }
}

/// One capture and its truth.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The log.
    pub log: PathBuf,
    /// `ping`, `busybox ping` or `fping`.
    pub tool: String,
    /// The command that wrote it.
    pub command: String,
    /// The interval it ran with, ns.
    pub interval_ns: i64,
    /// The targets.
    pub targets: Vec<IpAddr>,
    /// When the capture started, realtime ns.
    pub started_ns: i64,
    /// The injected events.
    pub events: Vec<Event>,
}

/// Seconds as JSON (`1796022350.967674`) → ns.
fn ns(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) * 1e9).round() as i64
}

impl Capture {
    /// The capture whose truth is `json`, in directory `dir`.
    pub fn read(json: &Path) -> Capture {
        let t: Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
        let addrs = |v: &Value| -> Option<Vec<IpAddr>> {
            v.as_array().map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap().parse().unwrap())
                    .collect()
            })
        };
        let events = t["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Event {
                freeze: e["kind"] == "freeze",
                start_ns: ns(&e["start"]["before"]),
                end_ns: ns(&e["end"]["after"]),
                len_ns: ns(&e["duration_s"]),
                uncertainty_ns: ns(&e["duration_uncertainty_s"]),
                affects: match &e["affects"] {
                    Value::String(all) if all == "all targets" => None,
                    Value::String(one) => Some(vec![one.parse().unwrap()]),
                    list => addrs(list),
                },
            })
            .collect();
        Capture {
            log: json.with_file_name(t["file"].as_str().unwrap()),
            tool: t["tool"].as_str().unwrap().to_owned(),
            command: t["command"].as_str().unwrap().to_owned(),
            interval_ns: ns(&t["interval_s"]),
            targets: addrs(&t["targets"]).unwrap(),
            started_ns: ns(&t["started"]),
            events,
        }
    }

    /// The log has send times of its own: `-D` timestamps, or iputils
    /// ping's statistics (their `time` gives the interval). Else the
    /// interval must be given, as the person importing it would.
    pub fn timed(&self) -> bool {
        self.command.split_whitespace().any(|w| w == "-D") || self.tool == "ping"
    }
}

/// Every capture with a truth file in `dir`, by name.
pub fn all(dir: &Path) -> Vec<Capture> {
    let mut jsons: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    jsons.sort();
    jsons.iter().map(|j| Capture::read(j)).collect()
}
