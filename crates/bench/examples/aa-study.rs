//! The A/A study of the baseline rule (issue 14): how often `migprobe gate
//! --baseline` flags a change between two campaigns on the same stack, and
//! how often it catches a real one. Prints Markdown; scripts/aa-study.sh
//! assembles reports/bench/aa-study.md from its three modes:
//!
//! - `pairs --schedule sequential|interleaved CAMPAIGN...`: real lab
//!   campaigns (report.json, run directories or lists of downtimes);
//!   sequential ones are paired in order (1 vs 2, 3 vs 4, ...), interleaved
//!   ones are each split by round trips (1–2, 5–6, ... against 3–4, 7–8, ...),
//!   turns are pairs of campaigns run at once whose migrations alternated
//!   (`scripts/acceptance.sh`), paired in order;
//! - `examples --before FILE --after FILE`: the committed same-stack pair,
//!   judged as it is, split, and resampled;
//! - `simulate`: the model of [`migprobe_bench::aa::model`], many pairs;
//! - `fit`: how well each drift and spread reproduces the committed pair.
//!
//! Every verdict is `migprobe_analysis::baseline::judge`, the gate's own rule.

use clap::{Parser, Subcommand, ValueEnum};
use migprobe_analysis::baseline::{judge, Policy};
use migprobe_analysis::gate::policy::{parse_duration_threshold, parse_percent, parse_warmup};
use migprobe_analysis::stats::{median, Rng};
use migprobe_bench::aa::campaigns::{self, Campaign};
use migprobe_bench::aa::markdown::{cell, summary, table, verdict_row, VERDICT_HEADER};
use migprobe_bench::aa::study::{judge_pair, resampled, tally, Verdict};
use migprobe_bench::aa::{model, simulate, Model, Schedule, Simulation, Tally};
use std::path::PathBuf;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
    /// The rule's relative margin.
    #[arg(long, default_value = "20%", global = true)]
    max_regression: String,
    /// The rule's absolute margin.
    #[arg(long, default_value = "30ms", global = true)]
    min_effect: String,
    /// Warm-up migrations left out.
    #[arg(long, default_value = "1", global = true)]
    discard_warmup: String,
}

#[derive(Subcommand)]
enum Mode {
    /// Real lab campaigns.
    Pairs {
        /// How the campaigns were run.
        #[arg(long, value_enum)]
        schedule: Sched,
        /// report.json files, run directories or lists of downtimes.
        #[arg(required = true)]
        campaigns: Vec<PathBuf>,
    },
    /// The committed same-stack pair.
    Examples {
        /// The first campaign.
        #[arg(long)]
        before: PathBuf,
        /// The second campaign.
        #[arg(long)]
        after: PathBuf,
        /// Resampled pairs per pool.
        #[arg(long, default_value_t = 2000)]
        resamples: usize,
    },
    /// How the model's drift was fit to the committed pair.
    Fit {
        /// Simulated pairs per grid cell.
        #[arg(long, default_value_t = 20000)]
        trials: usize,
    },
    /// The model.
    Simulate {
        /// Pairs per cell.
        #[arg(long, default_value_t = 2000)]
        pairs: usize,
        /// Seed.
        #[arg(long, default_value_t = 14)]
        seed: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Sched {
    Sequential,
    Interleaved,
    /// Two campaigns at once on two labs, their migrations taking turns
    /// (`scripts/acceptance.sh`): paired in order, as sequential ones.
    Turns,
}

fn main() {
    let cli = Cli::parse();
    let out = policy(&cli).and_then(|p| match &cli.mode {
        Mode::Pairs {
            schedule,
            campaigns,
        } => pairs(*schedule, campaigns, &p),
        Mode::Examples {
            before,
            after,
            resamples,
        } => examples(before, after, *resamples, &p),
        Mode::Simulate { pairs, seed } => Ok(simulation(*pairs, *seed, &p)),
        Mode::Fit { trials } => Ok(fit(*trials)),
    });
    match out {
        Ok(md) => print!("{md}"),
        Err(e) => {
            eprintln!("aa-study: {e}");
            std::process::exit(2);
        }
    }
}

fn policy(cli: &Cli) -> Result<Policy, String> {
    Ok(Policy {
        max_regression_pct: parse_percent("--max-regression", &cli.max_regression)
            .map_err(|e| e.to_string())?,
        min_effect_ms: parse_duration_threshold("--min-effect", &cli.min_effect)
            .map_err(|e| e.to_string())?
            .as_secs_f64()
            * 1e3,
        discard_warmup: parse_warmup("--discard-warmup", &cli.discard_warmup)
            .map_err(|e| e.to_string())?,
    })
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Campaign>, String> {
    paths.iter().map(|p| campaigns::load(p)).collect()
}

/// The lab study: every pair judged, then the rates.
fn pairs(schedule: Sched, paths: &[PathBuf], p: &Policy) -> Result<String, String> {
    let all = load_all(paths)?;
    let pairs: Vec<(Campaign, Campaign)> = match schedule {
        Sched::Sequential | Sched::Turns => {
            if all.len() % 2 == 1 {
                return Err(format!(
                    "{} campaigns: give an even number, paired in order (1 vs 2, 3 vs 4, ...)",
                    all.len()
                ));
            }
            all.chunks(2)
                .filter_map(|c| Some((c.first()?.clone(), c.get(1)?.clone())))
                .collect()
        }
        Sched::Interleaved => all
            .iter()
            .map(|c| campaigns::round_trips(&campaigns::without_warmup(c, p.discard_warmup)))
            .collect(),
    };
    // A split campaign's warm-up was left out before the split.
    let rule = match schedule {
        Sched::Sequential | Sched::Turns => *p,
        Sched::Interleaved => Policy {
            discard_warmup: 0,
            ..*p
        },
    };
    let verdicts: Vec<Verdict> = pairs
        .iter()
        .filter_map(|(a, b)| judge_pair(a, b, &rule))
        .collect();
    let rows: Vec<Vec<String>> = verdicts.iter().map(verdict_row).collect();
    let t = tally(&verdicts);
    let what = match schedule {
        Sched::Sequential => "sequential (campaigns run one after the other, paired in order)",
        Sched::Interleaved => "interleaved (each campaign split by round trips)",
        Sched::Turns => "interleaved by turns (two labs at once, their migrations alternating; scripts/acceptance.sh)",
    };
    Ok(format!(
        "### Lab, {what}: {} independent pair{}\n\n{}\n{}.\n\n",
        t.pairs,
        if t.pairs == 1 { "" } else { "s" },
        table(&VERDICT_HEADER, &rows),
        summary(&t)
    ))
}

/// The committed same-stack pair: as it is, split, resampled.
fn examples(
    before: &PathBuf,
    after: &PathBuf,
    resamples: usize,
    p: &Policy,
) -> Result<String, String> {
    let named = |path: &PathBuf, name: &str| {
        campaigns::load(path).map(|c| Campaign {
            name: name.to_owned(),
            ..c
        })
    };
    let (b, a) = (named(before, "before")?, named(after, "after")?);
    // Splits: the warm-up left out of the campaign first, none of the halves.
    let settled = campaigns::without_warmup(&b, p.discard_warmup);
    let (h1, h2) = campaigns::halves(&settled);
    let (r1, r2) = campaigns::round_trips(&settled);
    let whole = [(&b, &a), (&a, &b)];
    let split = [(&h1, &h2), (&h2, &h1), (&r1, &r2), (&r2, &r1)];
    let no_warmup = Policy {
        discard_warmup: 0,
        ..*p
    };
    let rows: Vec<Vec<String>> = whole
        .iter()
        .filter_map(|(x, y)| judge_pair(x, y, p))
        .chain(
            split
                .iter()
                .filter_map(|(x, y)| judge_pair(x, y, &no_warmup)),
        )
        .map(|v| verdict_row(&v))
        .collect();
    let pooled: Vec<f64> = b.values.iter().chain(&a.values).copied().collect();
    let pools: [(&str, &[f64], &[f64]); 5] = [
        ("both from before", &b.values, &b.values),
        ("both from after", &a.values, &a.values),
        ("both from the 16 pooled", &pooled, &pooled),
        (
            "baseline from before, candidate from after",
            &b.values,
            &a.values,
        ),
        (
            "baseline from after, candidate from before",
            &a.values,
            &b.values,
        ),
    ];
    let mut resampled_rows = Vec::new();
    for (i, (name, x, y)) in pools.iter().enumerate() {
        let t = resampled(x, y, 8, resamples, 0xaa00 + i as u64, p);
        resampled_rows.push(vec![
            (*name).to_owned(),
            t.pairs.to_string(),
            format!("{:.1} %", t.regression_rate() * 100.0),
            format!("{:.1} %", t.inconclusive_rate() * 100.0),
            format!("{:.1} %", t.legacy_rate() * 100.0),
        ]);
    }
    Ok(format!(
        "### The pair, and its campaigns split\n\n{}\n### Resampled: campaigns of 8 drawn with replacement\n\n{}\n",
        table(&VERDICT_HEADER, &rows),
        table(
            &["pool", "pairs", "judged a regression", "inconclusive", "rule before issue 14"],
            &resampled_rows
        )
    ))
}

/// The model: the main table, then the sensitivity tables.
fn simulation(pairs: usize, seed: u64, p: &Policy) -> String {
    let run = |model: Model, n: usize, schedule: Schedule, r: f64, policy: &Policy| {
        simulate(
            &Simulation {
                model,
                migrations: n,
                schedule,
                regression_pct: r,
                pairs,
                seed,
            },
            policy,
        )
    };
    let scheds = [
        ("sequential", Schedule::Sequential),
        ("interleaved", Schedule::Interleaved),
    ];
    let mut main = Vec::new();
    for (name, s) in scheds {
        for n in [8, 12, 16] {
            let aa = run(Model::LAB, n, s, 0.0, p);
            let mut row = vec![name.to_owned(), n.to_string(), cell(&aa)];
            for r in [10.0, 20.0, 50.0] {
                row.push(format!(
                    "{:.1} %",
                    run(Model::LAB, n, s, r, p).regression_rate() * 100.0
                ));
            }
            row.push(format!("{:.1} %", aa.legacy_rate() * 100.0));
            main.push(row);
        }
    }
    let mut drift = Vec::new();
    for sd in [0.0, 0.1, 0.15, 0.2, 0.25] {
        let m = Model {
            drift_sd: sd,
            ..Model::LAB
        };
        let mut row = vec![format!("{sd}")];
        for (_, s) in scheds {
            let aa = run(m, 8, s, 0.0, p);
            row.push(cell(&aa));
            row.push(format!("{:.1} %", aa.legacy_rate() * 100.0));
            row.push(format!(
                "{:.1} %",
                run(m, 8, s, 50.0, p).regression_rate() * 100.0
            ));
        }
        drift.push(row);
    }
    format!(
        "{}\n{}\n{}\n{}",
        table(
            &[
                "schedule",
                "migrations per campaign",
                "A/A: regression / inconclusive",
                "+10 %",
                "+20 %",
                "+50 %",
                "A/A, rule before issue 14"
            ],
            &main
        ),
        drift_table(&drift),
        defaults_tables(&run, p),
        power_check(pairs, seed, p)
    )
}

type Run<'a> = dyn Fn(Model, usize, Schedule, f64, &Policy) -> Tally + 'a;

fn drift_table(rows: &[Vec<String>]) -> String {
    format!(
        "Drift (the level's log-sd; 0.15 is the model's), 8 migrations per campaign:\n\n{}",
        table(
            &[
                "drift_sd",
                "sequential A/A: regression / inconclusive",
                "sequential A/A, rule before issue 14",
                "sequential +50 %",
                "interleaved A/A: regression / inconclusive",
                "interleaved A/A, rule before issue 14",
                "interleaved +50 %",
            ],
            rows
        )
    )
}

/// How --min-effect and --discard-warmup were chosen.
fn defaults_tables(run: &Run, p: &Policy) -> String {
    let mut effect = Vec::new();
    for ms in [10.0, 20.0, 25.0, 30.0, 40.0] {
        let q = Policy {
            max_regression_pct: 0.0,
            min_effect_ms: ms,
            ..*p
        };
        let mut row = vec![format!("{ms} ms")];
        for s in [Schedule::Sequential, Schedule::Interleaved] {
            row.push(cell(&run(Model::LAB, 8, s, 0.0, &q)));
            row.push(format!(
                "{:.1} %",
                run(Model::LAB, 8, s, 50.0, &q).regression_rate() * 100.0
            ));
        }
        effect.push(row);
    }
    let mut warm = Vec::new();
    for w in [0, 1, 2] {
        for first in [0.0, 0.3, 1.0] {
            let q = Policy {
                discard_warmup: w,
                ..*p
            };
            let m = Model {
                first_extra: first,
                ..Model::LAB
            };
            let mut row = vec![w.to_string(), format!("+{:.0} %", first * 100.0)];
            for s in [Schedule::Sequential, Schedule::Interleaved] {
                row.push(cell(&run(m, 8, s, 0.0, &q)));
                row.push(format!(
                    "{:.1} %",
                    run(m, 8, s, 50.0, &q).regression_rate() * 100.0
                ));
            }
            warm.push(row);
        }
    }
    let cols = [
        "sequential A/A: regression / inconclusive",
        "sequential +50 %",
        "interleaved A/A: regression / inconclusive",
        "interleaved +50 %",
    ];
    format!(
        "`--min-effect` alone (`--max-regression 0%`), 8 migrations:\n\n{}\n`--discard-warmup` against a slow first migration (each campaign's first up to that much longer), 8 migrations:\n\n{}",
        table(&[&["--min-effect"][..], &cols[..]].concat(), &effect),
        table(&[&["--discard-warmup", "first migration"][..], &cols[..]].concat(), &warm)
    )
}

/// The power the gate prints, against the detection the model gives.
fn power_check(pairs: usize, seed: u64, p: &Policy) -> String {
    let mut rows = Vec::new();
    for n in [8, 12, 16] {
        let mut rng = Rng::new(seed ^ 0x0070_6f77);
        let printed: Vec<f64> = (0..200)
            .filter_map(|_| {
                let (a, b) = model::pair(&Model::LAB, n, Schedule::Sequential, 0.0, &mut rng);
                judge(&a, &b, p)?.power().map(|w| w.pct)
            })
            .collect();
        let typical = median(&printed).unwrap_or(f64::NAN);
        let mut row = vec![n.to_string(), format!("+{typical:.0} %")];
        for s in [Schedule::Sequential, Schedule::Interleaved] {
            let t = simulate(
                &Simulation {
                    model: Model::LAB,
                    migrations: n,
                    schedule: s,
                    regression_pct: typical,
                    pairs,
                    seed,
                },
                p,
            );
            row.push(format!("{:.0} %", t.regression_rate() * 100.0));
        }
        rows.push(row);
    }
    format!(
        "The power the gate prints (median over 200 simulated baselines), and how often the model's campaigns actually catch a regression that large:\n\n{}",
        table(
            &["migrations per campaign", "printed: would have caught (80 %)", "caught, sequential", "caught, interleaved"],
            &rows
        )
    )
}

/// A robust log-sd: 1.4826 × the median absolute deviation of the logs.
fn mad_log_sd(v: &[f64]) -> f64 {
    let logs: Vec<f64> = v.iter().map(|x| x.ln()).collect();
    let m = median(&logs).unwrap_or(0.0);
    let dev: Vec<f64> = logs.iter().map(|x| (x - m).abs()).collect();
    1.4826 * median(&dev).unwrap_or(0.0)
}

/// Approximate Bayesian fit of the drift: the share of simulated sequential
/// pairs of 8 that look like the committed one — each campaign's spread
/// without its first migration (robust log-sd; real: 0.17 and 0.12) in
/// 0.10–0.20, and the medians' |log ratio| (real: 0.27) in 0.22–0.32.
fn fit(trials: usize) -> String {
    let mut rows = Vec::new();
    for sigma in [0.10, 0.12, 0.14] {
        let mut row = vec![format!("{sigma}")];
        for sd in [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3] {
            let m = Model {
                sigma,
                drift_sd: sd,
                ..Model::LAB
            };
            let mut rng = Rng::new(5);
            let alike = (0..trials)
                .filter(|_| {
                    let (a, b) = model::pair(&m, 8, Schedule::Sequential, 0.0, &mut rng);
                    let ratio = match (median(&a), median(&b)) {
                        (Some(x), Some(y)) => (y / x).ln().abs(),
                        _ => return false,
                    };
                    let spread = |v: &[f64]| {
                        (0.10..0.20).contains(&mad_log_sd(v.get(1..).unwrap_or_default()))
                    };
                    (0.22..0.32).contains(&ratio) && spread(&a) && spread(&b)
                })
                .count();
            row.push(format!("{:.2} %", alike as f64 / trials as f64 * 100.0));
        }
        rows.push(row);
    }
    format!(
        "Share of {trials} simulated sequential pairs of 8 that look like the committed pair (each campaign's robust log-sd without its first migration in 0.10–0.20, real 0.17 and 0.12; the medians' |log ratio| in 0.22–0.32, real 0.27), by spread (rows) and drift (columns; ρ = 0.9 per migration):\n\n{}",
        table(&["sigma \\ drift_sd", "0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"], &rows)
    )
}
