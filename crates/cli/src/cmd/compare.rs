//! `claimbench compare`: runs side by side, and the paired significance of each pair of systems (the logic is
//! `claimbench_harness::compare`; this is its output).

use anyhow::Result;
use claimbench_score::CompareConfig;

use crate::args::CompareArgs;
use crate::board::{self, Row};
use crate::config::{self, COMPARE_ALPHA};
use crate::output::{emit, interval, print_json, pvalue, table};
use crate::Outcome;
use claimbench_harness::compare::{entries, pairs, verdict, PairRow};
use claimbench_harness::run::{self, LoadedRun};

/// The runs of `compare`'s arguments, loaded.
fn load(args: &CompareArgs) -> Result<Vec<LoadedRun>> {
    Ok(args
        .runs
        .iter()
        .map(|p| run::load(p))
        .collect::<claimbench_harness::Result<_>>()?)
}

/// The leaderboard rows and the compared pairs of the runs.
fn compared(runs: &[LoadedRun], config: &CompareConfig) -> Result<(Vec<Row>, Vec<PairRow>)> {
    let entries = entries(runs)?;
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            Row::new(
                &e.label,
                &e.run.file.systems[&e.system].results,
                e.seconds(),
            )
        })
        .collect();
    Ok((rows, pairs(&entries, config)))
}

/// What `compare --json` prints: the systems' rows and each pair's comparison and verdict (or why not comparable).
pub fn json(args: &CompareArgs) -> Result<serde_json::Value> {
    let config: CompareConfig = config::compare(args)?;
    let runs = load(args)?;
    let (rows, pairs) = compared(&runs, &config)?;
    let pairs: Vec<_> = pairs
        .iter()
        .map(|p| match &p.comparison {
            Ok(c) => serde_json::json!({ "a": p.a, "b": p.b, "comparison": c, "verdict": verdict(c, COMPARE_ALPHA) }),
            Err(e) => serde_json::json!({ "a": p.a, "b": p.b, "not_comparable": e }),
        })
        .collect();
    let mut out = serde_json::json!({ "systems": rows, "pairs": pairs });
    if let Some(d) = claim_diff(&runs)? {
        out["diff"] = serde_json::to_value(d)?;
    }
    Ok(out)
}

/// Which claims changed (`claimbench diff`), when exactly two runs on the same gold set and matcher, with a system
/// in common, are compared.
fn claim_diff(runs: &[LoadedRun]) -> Result<Option<claimbench_harness::diff::RunDiff>> {
    match runs {
        [a, b]
            if claimbench_harness::compare::incompatible(a, b).is_none()
                && a.file
                    .systems
                    .keys()
                    .any(|s| b.file.systems.contains_key(s)) =>
        {
            Ok(Some(claimbench_harness::diff::diff(a, b)?))
        }
        _ => Ok(None),
    }
}

/// Run `compare`.
pub fn run(args: CompareArgs) -> Result<Outcome> {
    if args.output.json {
        print_json(&json(&args)?)?;
        return Ok(Outcome::Ok);
    }
    let config: CompareConfig = config::compare(&args)?;
    let runs = load(&args)?;
    let (rows, pairs) = compared(&runs, &config)?;
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
    if let Some(d) = claim_diff(&runs)? {
        emit(&format!(
            "\nwhich claims changed (A -> B)\n{}",
            super::diff::render(&d)
        ))?;
    }
    Ok(Outcome::Ok)
}
