//! `claimbench compare`: runs side by side, and the paired significance of each pair of systems.

use anyhow::{bail, Result};
use claimbench_score::{CompareConfig, Comparison};
use serde::Serialize;

use crate::args::CompareArgs;
use crate::board::{self, Row};
use crate::config::{self, COMPARE_ALPHA};
use crate::output::{emit, interval, print_json, pvalue, table};
use crate::Outcome;
use claimbench_harness::run::{self, LoadedRun};

/// One system of one run.
pub struct Entry<'a> {
    /// `run/system`, or `system` when one run is compared.
    pub label: String,
    /// The run.
    pub run: &'a LoadedRun,
    /// The system's name in it.
    pub system: String,
}

/// The paired comparison of two systems.
#[derive(Debug, Serialize)]
pub struct PairRow {
    /// System A.
    pub a: String,
    /// System B.
    pub b: String,
    /// The comparison, or why there is none.
    pub comparison: Result<Comparison, String>,
}

/// Why two runs can't be compared on the same footing, if they can't.
pub fn incompatible(a: &LoadedRun, b: &LoadedRun) -> Option<String> {
    let (ma, mb) = (&a.file.manifest, &b.file.manifest);
    if ma.gold_hash != mb.gold_hash {
        return Some(format!(
            "different gold sets ({} vs {})",
            &ma.gold_hash[..8.min(ma.gold_hash.len())],
            &mb.gold_hash[..8.min(mb.gold_hash.len())]
        ));
    }
    if ma.matcher != mb.matcher || ma.threshold != mb.threshold || ma.assignment != mb.assignment {
        return Some(format!(
            "different matchers ({}@{} vs {}@{})",
            ma.matcher.name, ma.threshold, mb.matcher.name, mb.threshold
        ));
    }
    None
}

/// Compare two systems (an error string when their runs are not comparable).
pub fn compare_pair(a: &Entry, b: &Entry, config: &CompareConfig) -> Result<Comparison, String> {
    if let Some(why) = incompatible(a.run, b.run) {
        return Err(why);
    }
    let ra = &a.run.file.systems[&a.system].results;
    let rb = &b.run.file.systems[&b.system].results;
    claimbench_score::compare(ra, rb, config).map_err(|e| e.to_string())
}

/// A one-word verdict at level `alpha`.
pub fn verdict(c: &Comparison, alpha: f64) -> &'static str {
    if c.p_randomization >= alpha {
        "no significant difference"
    } else if c.delta > 0.0 {
        "A better"
    } else {
        "B better"
    }
}

/// Run `compare`.
pub fn run(args: CompareArgs) -> Result<Outcome> {
    let config: CompareConfig = config::compare(&args)?;
    let runs: Vec<LoadedRun> = args
        .runs
        .iter()
        .map(|p| run::load(p))
        .collect::<claimbench_harness::Result<_>>()?;
    let mut entries = Vec::new();
    for r in &runs {
        for name in r.file.systems.keys() {
            let label = if runs.len() == 1 {
                name.clone()
            } else {
                format!("{}/{}", r.label(), name)
            };
            entries.push(Entry {
                label,
                run: r,
                system: name.clone(),
            });
        }
    }
    if entries.len() < 2 {
        bail!(
            "nothing to compare: the runs hold {} system(s); give at least two",
            entries.len()
        );
    }
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            let secs = e
                .run
                .timings
                .as_ref()
                .and_then(|t| t.systems.get(&e.system))
                .map(|t| t.values().sum());
            Row::new(&e.label, &e.run.file.systems[&e.system].results, secs)
        })
        .collect();
    let mut pairs = Vec::new();
    for i in 0..entries.len() {
        for j in i + 1..entries.len() {
            pairs.push(PairRow {
                a: entries[i].label.clone(),
                b: entries[j].label.clone(),
                comparison: compare_pair(&entries[i], &entries[j], &config),
            });
        }
    }
    if args.output.json {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|p| match &p.comparison {
                Ok(c) => serde_json::json!({ "a": p.a, "b": p.b, "comparison": c, "verdict": verdict(c, COMPARE_ALPHA) }),
                Err(e) => serde_json::json!({ "a": p.a, "b": p.b, "not_comparable": e }),
            })
            .collect();
        print_json(&serde_json::json!({ "systems": rows, "pairs": pairs }))?;
        return Ok(Outcome::Ok);
    }
    let cells: Vec<Vec<String>> = pairs
        .iter()
        .map(|p| match &p.comparison {
            Ok(c) => vec![
                p.a.clone(),
                p.b.clone(),
                format!("{:+.3}", c.delta),
                interval(c.interval.low, c.interval.high),
                pvalue(c.p_bootstrap),
                pvalue(c.p_randomization),
                verdict(c, COMPARE_ALPHA).to_string(),
            ],
            Err(e) => vec![
                p.a.clone(),
                p.b.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("not comparable: {e}"),
            ],
        })
        .collect();
    emit(&format!(
        "{}\n{}\npaired tests on micro F1 (A - B): bootstrap {} resamples, approximate randomization {} permutations, seed {}; verdict at p < {} (randomization)",
        board::render(&rows),
        table(&["A", "B", "ΔF1", "95% CI", "p boot", "p AR", "verdict"], &cells),
        config.samples,
        config.permutations,
        config.seed,
        COMPARE_ALPHA
    ))?;
    Ok(Outcome::Ok)
}
