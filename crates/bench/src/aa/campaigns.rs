//! Real campaigns for the A/A study: read from report.json files (the very
//! figures `migprobe gate` judges), run directories or plain lists of
//! downtimes, and turned into pairs by splitting or resampling.

use migprobe_analysis::gate::{samples, GateInput, Metric};
use migprobe_analysis::stats::Rng;
use std::path::Path;

/// One campaign's network downtimes, in the order the migrations ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// A short name (the file's or directory's).
    pub name: String,
    /// Downtimes, ms.
    pub values: Vec<f64>,
}

/// Reads a campaign: a report.json, a directory holding one (a `migprobe run
/// --out` directory), or a text file of downtimes in ms, one per line, `#`
/// starting a comment.
pub fn load(path: &Path) -> Result<Campaign, String> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let values = if file.extension().is_some_and(|e| e == "json") {
        let input = GateInput::parse(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
        samples(&input, Metric::NetworkDowntime)
    } else {
        parse_list(&String::from_utf8_lossy(&bytes))
            .map_err(|e| format!("{}: {e}", file.display()))?
    };
    if values.is_empty() {
        return Err(format!("{}: no network downtime in it", file.display()));
    }
    Ok(Campaign {
        name: name_of(path),
        values,
    })
}

/// The name of a campaign file: its directory's name for a report.json.
fn name_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem == "report" {
        if let Some(dir) = path.parent().and_then(Path::file_name) {
            return dir.to_string_lossy().into_owned();
        }
    }
    stem
}

/// Downtimes, one per line; `#` starts a comment.
pub fn parse_list(text: &str) -> Result<Vec<f64>, String> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next().unwrap_or_default().trim();
            (!l.is_empty()).then_some((i, l))
        })
        .map(|(i, l)| match l.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err(format!(
                "line {}: {l:?} is not a downtime in ms (one number per line)",
                i + 1
            )),
        })
        .collect()
}

/// The campaign less its first `n` migrations (its warm-up, left out before
/// a split: the halves are then judged with no warm-up of their own).
pub fn without_warmup(c: &Campaign, n: usize) -> Campaign {
    Campaign {
        name: c.name.clone(),
        values: c.values.get(n..).unwrap_or_default().to_vec(),
    }
}

/// First half against second half: the pair of a campaign split where it
/// was cut in time (a sequential A/A pair).
pub fn halves(c: &Campaign) -> (Campaign, Campaign) {
    let (a, b) = c.values.split_at(c.values.len() / 2);
    (
        part(c, "1st half", a.to_vec()),
        part(c, "2nd half", b.to_vec()),
    )
}

/// Round trips alternately: migrations 1–2, 5–6, … against 3–4, 7–8, … (an
/// interleaved A/A pair; with `--pingpong` each side keeps both directions).
pub fn round_trips(c: &Campaign) -> (Campaign, Campaign) {
    let pick = |odd: usize| {
        c.values
            .iter()
            .enumerate()
            .filter(|(i, _)| (i / 2) % 2 == odd)
            .map(|(_, v)| *v)
            .collect()
    };
    (
        part(c, "round trips 1, 3, …", pick(0)),
        part(c, "round trips 2, 4, …", pick(1)),
    )
}

fn part(c: &Campaign, what: &str, values: Vec<f64>) -> Campaign {
    Campaign {
        name: format!("{} ({what})", c.name),
        values,
    }
}

/// `n` migrations drawn from `pool` with replacement (a bootstrap campaign).
pub fn resample(pool: &[f64], n: usize, rng: &mut Rng) -> Vec<f64> {
    (0..n)
        .filter_map(|_| pool.get(rng.below(pool.len())).copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_splits_and_resamples() {
        assert_eq!(parse_list("# x\n1.5\n\n 2 # two\n"), Ok(vec![1.5, 2.0]));
        assert!(parse_list("1\n-2\n").unwrap_err().starts_with("line 2:"));
        let c = Campaign {
            name: "c".into(),
            values: (1..=8).map(f64::from).collect(),
        };
        let (a, b) = halves(&c);
        assert_eq!(
            (a.values, b.values),
            (vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.0])
        );
        let (a, b) = round_trips(&c);
        assert_eq!(
            (a.values, b.values),
            (vec![1.0, 2.0, 5.0, 6.0], vec![3.0, 4.0, 7.0, 8.0])
        );
        assert_eq!(without_warmup(&c, 6).values, [7.0, 8.0]);
        assert!(without_warmup(&c, 9).values.is_empty());
        let r = resample(&c.values, 20, &mut Rng::new(1));
        assert!(r.len() == 20 && r.iter().all(|v| c.values.contains(v)));
        assert!(resample(&[], 3, &mut Rng::new(1)).is_empty());
    }

    #[test]
    fn the_committed_campaign_reads_as_the_gate_reads_it() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../reports/bench/aa-data/pair1-before.json");
        let c = load(&file).unwrap();
        assert_eq!(c.name, "pair1-before");
        assert_eq!(c.values.len(), 8);
        assert_eq!(c.values[0], 173.919);
        assert!(load(Path::new("/nonexistent.json")).is_err());
    }
}
