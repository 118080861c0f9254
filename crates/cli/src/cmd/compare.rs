//! `claimbench compare`: runs side by side, and the paired significance of each pair of systems (the logic is
//! `claimbench_harness::compare`; this is its output).

use anyhow::Result;
use claimbench_score::{CompareConfig, Comparison};

use crate::args::CompareArgs;
use crate::board::{self, Row};
use crate::config::{self, COMPARE_ALPHA};
use crate::output::{emit, interval, print_json, pvalue, table};
use crate::Outcome;
use claimbench_harness::compare::{entries, pairs, slice_pairs, verdict, PairRow, SlicePairRow};
use claimbench_harness::run::{self, LoadedRun};
use claimbench_score::SliceBy;

/// The runs of `compare`'s arguments, loaded.
fn load(args: &CompareArgs) -> Result<Vec<LoadedRun>> {
    Ok(args
        .runs
        .iter()
        .map(|p| run::load(p))
        .collect::<claimbench_harness::Result<_>>()?)
}

/// What `compare` compares: the leaderboard rows (with their slices under `--by`), the pairs, and each pair per
/// slice (empty without `--by`).
struct Compared {
    rows: Vec<Row>,
    pairs: Vec<PairRow>,
    slice_pairs: Vec<SlicePairRow>,
}

/// The leaderboard rows and the compared pairs of the runs, per slice of `by` too.
fn compared(runs: &[LoadedRun], config: &CompareConfig, by: &[SliceBy]) -> Result<Compared> {
    let entries = entries(runs)?;
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            let results = &e.run.file.systems[&e.system].results;
            Row::new(&e.label, results, e.seconds())
                .with_slices(claimbench_score::slices(results, by))
        })
        .collect();
    let slice_pairs = if by.is_empty() {
        Vec::new()
    } else {
        slice_pairs(&entries, by, config)
    };
    Ok(Compared {
        rows,
        pairs: pairs(&entries, config),
        slice_pairs,
    })
}

/// The paired test per slice as a table: one row per (pair, slice).
fn slice_table(slice_pairs: &[SlicePairRow]) -> String {
    let mut cells = Vec::new();
    for p in slice_pairs {
        match &p.slices {
            Ok(slices) => cells.extend(slices.iter().map(|s| {
                let mut row = vec![p.a.clone(), p.b.clone(), format!("{}: {}", s.by, s.name)];
                row.extend(test_cells(&s.comparison));
                row
            })),
            Err(e) => {
                let mut row = vec![p.a.clone(), p.b.clone(), "-".into()];
                row.extend(not_comparable_cells(e));
                cells.push(row);
            }
        }
    }
    table(
        &[
            "A", "B", "slice", "ΔF1", "95% CI", "p boot", "p AR", "verdict",
        ],
        &cells,
    )
}

/// A paired test's cells: ΔF1, its interval, both p-values and the verdict.
fn test_cells(c: &Comparison) -> [String; 5] {
    [
        format!("{:+.3}", c.delta),
        interval(c.interval.low, c.interval.high),
        pvalue(c.p_bootstrap),
        pvalue(c.p_randomization),
        verdict(c, COMPARE_ALPHA).to_string(),
    ]
}

/// The same cells for two systems that could not be compared, and why.
fn not_comparable_cells(why: &str) -> [String; 5] {
    [
        "-".into(),
        "-".into(),
        "-".into(),
        "-".into(),
        format!("not comparable: {why}"),
    ]
}

/// The compared pairs as a table: ΔF1, its interval, both p-values and the verdict; Δcoverage and Δfocus (A − B)
/// before the verdict when some pair has them (`-` for the others).
fn pair_table(pairs: &[PairRow]) -> String {
    let packaged = pairs.iter().any(|p| p.packaging.is_some());
    let cells: Vec<Vec<String>> = pairs
        .iter()
        .map(|p| {
            let mut row = vec![p.a.clone(), p.b.clone()];
            match &p.comparison {
                Ok(c) => row.extend(test_cells(c)),
                Err(e) => row.extend(not_comparable_cells(e)),
            }
            if packaged {
                let (coverage, focus) = p.packaging.map_or_else(
                    || ("-".into(), "-".into()),
                    |d| (format!("{:+.3}", d.coverage), format!("{:+.3}", d.focus)),
                );
                row.splice(6..6, [coverage, focus]);
            }
            row
        })
        .collect();
    let mut headers = vec!["A", "B", "ΔF1", "95% CI", "p boot", "p AR", "verdict"];
    if packaged {
        headers.splice(6..6, ["Δcoverage", "Δfocus"]);
    }
    table(&headers, &cells)
}

/// What `compare --json` prints: the systems' rows and each pair's comparison and verdict (or why not comparable).
pub fn json(args: &CompareArgs) -> Result<serde_json::Value> {
    let config: CompareConfig = config::compare(args)?;
    let runs = load(args)?;
    let Compared {
        rows,
        pairs,
        slice_pairs,
    } = compared(&runs, &config, &config::by(&args.by))?;
    let pairs: Vec<_> = pairs
        .iter()
        .map(|p| match &p.comparison {
            Ok(c) => {
                let mut v = serde_json::json!({ "a": p.a, "b": p.b, "comparison": c, "verdict": verdict(c, COMPARE_ALPHA) });
                if let Some(d) = p.packaging {
                    v["coverage_delta"] = serde_json::json!(d.coverage);
                    v["focus_delta"] = serde_json::json!(d.focus);
                }
                v
            }
            Err(e) => serde_json::json!({ "a": p.a, "b": p.b, "not_comparable": e }),
        })
        .collect();
    let mut out = serde_json::json!({ "systems": rows, "pairs": pairs });
    if !slice_pairs.is_empty() {
        let slices: Vec<_> = slice_pairs
            .iter()
            .map(|p| match &p.slices {
                Ok(s) => {
                    let s: Vec<_> = s
                        .iter()
                        .map(|s| serde_json::json!({ "by": s.by, "name": s.name, "comparison": s.comparison, "verdict": verdict(&s.comparison, COMPARE_ALPHA) }))
                        .collect();
                    serde_json::json!({ "a": p.a, "b": p.b, "slices": s })
                }
                Err(e) => serde_json::json!({ "a": p.a, "b": p.b, "not_comparable": e }),
            })
            .collect();
        out["slice_pairs"] = serde_json::Value::Array(slices);
    }
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
    let Compared {
        rows,
        pairs,
        slice_pairs,
    } = compared(&runs, &config, &config::by(&args.by))?;
    emit(&format!(
        "{}\n{}\npaired tests on micro F1 (A - B): bootstrap {} resamples, approximate randomization {} permutations, seed {}; verdict at p < {} (randomization)",
        board::render(&rows),
        pair_table(&pairs),
        config.samples,
        config.permutations,
        config.seed,
        COMPARE_ALPHA
    ))?;
    if !slice_pairs.is_empty() {
        emit(&format!(
            "\npaired tests per slice (A - B; a category or check-worthy slice: its gold claims, no false alarms)\n{}",
            slice_table(&slice_pairs)
        ))?;
    }
    if let Some(d) = claim_diff(&runs)? {
        emit(&format!(
            "\nwhich claims changed (A -> B)\n{}",
            super::diff::render(&d)
        ))?;
    }
    Ok(Outcome::Ok)
}
