//! The issue-13 property test of the ping/fping import: a generator of
//! target behaviour (a freeze — with queue overflow and a shuffled flush at
//! times — a loss window, random loss, duplicates, excerpts) writes the
//! ground truth and the text iputils `ping -D`, `ping` and `fping -D -l`
//! would have printed; `migprobe import` + the analysis must put the truth
//! inside the reported bracket in at least 99 % of the events, and never
//! report a wrong class (nor an outage where nothing happened).
//!
//! Deterministic: a fixed seed, 1 000 cases × 3 tools.

#[path = "import_property/check.rs"]
mod check;
#[path = "import_property/model.rs"]
mod model;
#[path = "import_property/render.rs"]
mod render;

use check::{score, Tally};
use migprobe::cli::import::{ImportArgs, ImportFormat};
use migprobe_analysis::analysis::{analyze, AnalysisOptions};
use migprobe_probe::record::read_run;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use render::{render, Tool};
use std::path::Path;

/// Cases generated.
const CASES: usize = 1_000;

/// How many cases had each behaviour.
#[derive(Debug, Default)]
struct Coverage {
    freezes: usize,
    loss_windows: usize,
    queue_overflows: usize,
    shuffled_flushes: usize,
    random_losses: usize,
    duplicates: usize,
    excerpts: usize,
}

impl Coverage {
    fn add(&mut self, s: &model::Scenario, probes: &[model::Probe]) {
        let overflow = s.freeze.is_some() && probes.iter().any(|p| p.queued) && {
            let f = s.freeze.as_ref().unwrap();
            let hit = probes
                .iter()
                .filter(|p| {
                    (f.start_ns..f.start_ns + f.len_ns).contains(&(p.tx_ns + s.base_rtt_ns / 2))
                })
                .count();
            f.capacity.is_some_and(|c| c < hit)
        };
        self.freezes += usize::from(s.freeze.is_some());
        self.loss_windows += usize::from(s.loss.is_some());
        self.queue_overflows += usize::from(overflow);
        self.shuffled_flushes += usize::from(s.freeze.as_ref().is_some_and(|f| f.shuffle));
        self.random_losses += usize::from(!s.random_lost.is_empty());
        self.duplicates += usize::from(!s.dups.is_empty());
        self.excerpts += usize::from(s.excerpt.is_some());
    }

    fn counts(&self) -> [(&'static str, usize); 7] {
        [
            ("a freeze", self.freezes),
            ("a loss window", self.loss_windows),
            ("a queue overflow", self.queue_overflows),
            ("a shuffled flush", self.shuffled_flushes),
            ("random loss", self.random_losses),
            ("duplicates", self.duplicates),
            ("an excerpt", self.excerpts),
        ]
    }
}

/// Imports `text` as `tool` wrote it and analyses the run file.
fn import_and_analyse(
    dir: &Path,
    n: usize,
    tool: Tool,
    text: &str,
) -> migprobe_analysis::analysis::model::Analysis {
    let log = dir.join(format!("case-{n}-{tool:?}.log"));
    let out = dir.join(format!("case-{n}-{tool:?}.jsonl"));
    std::fs::write(&log, text).unwrap();
    let args = ImportArgs {
        format: if tool == Tool::FpingD {
            ImportFormat::Fping
        } else {
            ImportFormat::Ping
        },
        files: vec![log],
        origin: None,
        interval: None,
        target: None,
        out: out.clone(),
        caps: Default::default(),
    };
    migprobe::commands::import::execute(&args)
        .unwrap_or_else(|e| panic!("case {n} {tool:?}: {e}\n{text}"));
    analyze(&read_run(&out).unwrap(), &AnalysisOptions::default())
}

#[test]
fn import_brackets_the_truth_of_generated_targets() {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[13; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = model::scenario();
    // Thousands of small run files: on a memory file system when there is one.
    let shm = Path::new("/dev/shm");
    let dir = match shm.is_dir() {
        true => tempfile::tempdir_in(shm).unwrap(),
        false => tempfile::tempdir().unwrap(),
    };
    let tools = [Tool::PingD, Tool::Ping, Tool::FpingD];
    let mut totals = [Tally::default(); 3];
    let mut failures = Vec::new();
    let mut seen = Coverage::default();
    for n in 0..CASES {
        let s = strategy.new_tree(&mut runner).unwrap().current();
        let (probes, truth) = s.play();
        seen.add(&s, &probes);
        for (k, tool) in tools.into_iter().enumerate() {
            let text = render(tool, &s, &probes);
            let a = import_and_analyse(dir.path(), n, tool, &text);
            let t = score(tool, &s, &probes, &truth, &a);
            if (t.bracketed < t.events || t.wrong_class > 0) && failures.len() < 5 {
                failures.push(format!(
                    "case {n} {tool:?}: {t:?}\ntruth {truth:?}\noutages {:#?}\n{s:?}",
                    a.outages
                ));
            }
            totals[k].events += t.events;
            totals[k].bracketed += t.bracketed;
            totals[k].wrong_class += t.wrong_class;
        }
    }
    let mut report = String::new();
    for (tool, t) in tools.iter().zip(&totals) {
        report.push_str(&format!(
            "{tool:?}: {} of {} truth events bracketed ({:.2} %), {} wrong class\n",
            t.bracketed,
            t.events,
            100.0 * t.bracketed as f64 / t.events.max(1) as f64,
            t.wrong_class
        ));
    }
    report.push_str(&format!("{seen:?}\n"));
    println!("{report}");
    for (what, n) in seen.counts() {
        assert!(n >= CASES / 20, "only {n} cases with {what}: {report}");
    }
    for (tool, t) in tools.iter().zip(&totals) {
        assert!(t.events >= CASES as u64, "{tool:?}: too few events");
        assert!(
            t.bracketed * 100 >= t.events * 99,
            "{report}\n{}",
            failures.join("\n\n")
        );
        assert_eq!(t.wrong_class, 0, "{report}\n{}", failures.join("\n\n"));
    }
}
