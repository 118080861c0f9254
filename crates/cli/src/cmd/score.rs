//! `claimbench score`: score one or more predictions files against the gold set.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use claimbench_harness::{Plan, Settings, Source, SystemSpec};

use crate::args::ScoreArgs;
use crate::board::{self, Row};
use crate::output::{emit, print_json};
use crate::Outcome;

/// The settings `score` scores with (a saved run, `--out`, has each system's threshold sweep).
pub fn settings(args: &ScoreArgs) -> Result<Settings> {
    let mut settings = crate::config::settings(&args.scoring, &args.model)?;
    settings.read = crate::config::read_options(args.lenient, args.strict, &args.bounds)?;
    settings.intervals = !args.no_intervals;
    settings.sweep = args.out.is_some();
    Ok(settings)
}

/// Run `score`.
pub fn run(args: ScoreArgs) -> Result<Outcome> {
    let settings = settings(&args)?;
    if !args.name.is_empty() && args.name.len() != args.pred.len() {
        bail!(
            "--name: {} name(s) for {} --pred file(s); give one --name per --pred, in the same order",
            args.name.len(),
            args.pred.len()
        );
    }
    for n in &args.name {
        claimbench_harness::systems::check_name(n)?;
    }
    let systems: Vec<SystemSpec> = args
        .pred
        .iter()
        .enumerate()
        .map(|(i, p)| SystemSpec {
            name: args.name.get(i).cloned(),
            source: Source::File(p.clone()),
        })
        .collect();
    claimbench_harness::systems::name_systems(&systems)?;
    let shard = crate::config::shard(&args.shard)?;
    if shard.is_some() && args.out.is_none() {
        bail!("--shard writes a part: give --out DIR (the directory that collects the parts)");
    }
    let gold = claimbench_harness::gold::load(args.scoring.gold.as_deref())?;
    let files: Vec<String> = args.pred.iter().map(|p| p.display().to_string()).collect();
    crate::panic::reading(files.join(", "));
    let plan = Plan {
        gold_dir: args.scoring.gold.clone(),
        out: args.out.clone(),
        force: args.force,
        shard,
        ..Plan::new(&gold, systems, settings)
    };
    let Some(crate::cmd::Finished { file, rows, .. }) =
        crate::cmd::evaluate_and_save(&plan, args.output.json)?
    else {
        return Ok(Outcome::Ok);
    };
    if args.output.json {
        print_summary(&rows, &file)?;
    } else {
        let mut out = format!(
            "{}\n{}\n{}",
            board::render(&rows),
            board::error_lines(&file),
            file.manifest.signature()
        );
        if let Some(dir) = &args.out {
            out.push_str(&format!("\nrun saved in {}", dir.display()));
        }
        emit(&out)?;
    }
    Ok(Outcome::Ok)
}

/// `score --json`: the leaderboard, the manifest, and each system's results, skipped lines and coverage,
/// serialised from the structs themselves (no JSON tree in memory), keys sorted as elsewhere.
fn print_summary(rows: &[Row], file: &claimbench_harness::run::RunFile) -> Result<()> {
    #[derive(serde::Serialize)]
    struct System<'a> {
        results: &'a claimbench_score::EvalResult,
        skipped: &'a [String],
        coverage: &'a claimbench_harness::run::Coverage,
    }
    #[derive(serde::Serialize)]
    struct Out<'a> {
        leaderboard: &'a [Row],
        manifest: &'a claimbench_score::Manifest,
        signature: String,
        systems: BTreeMap<&'a String, System<'a>>,
    }
    print_json(&Out {
        leaderboard: rows,
        manifest: &file.manifest,
        signature: file.manifest.signature(),
        systems: file
            .systems
            .iter()
            .map(|(n, r)| {
                (
                    n,
                    System {
                        results: &r.results,
                        skipped: &r.skipped,
                        coverage: &r.coverage,
                    },
                )
            })
            .collect(),
    })
}
