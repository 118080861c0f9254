//! `claimbench score`: score one or more predictions files against the gold set.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use claimbench_extract::file::{read_predictions, Leniency};
use claimbench_extract::PredictedClaim;

use crate::args::ScoreArgs;
use crate::board::{self, Row};
use crate::cmd::gold::load as load_gold;
use crate::config::load_embedder;
use crate::output::{emit, print_json};
use crate::pipeline::{
    build_matcher, manifest, matcher_kind, score_config, score_system, Grounding,
};
use crate::run::{self, RunFile, SystemRecord, Timings};
use crate::Outcome;

/// Run `score`.
pub fn run(args: ScoreArgs) -> Result<Outcome> {
    let start = Instant::now();
    let gold = load_gold(args.scoring.gold.as_deref())?;
    let kind = matcher_kind(&args.scoring.matcher)?;
    let leniency = if args.lenient {
        Leniency::Lenient
    } else {
        Leniency::Strict
    };

    // Read every file first: bad input fails before any model is loaded.
    let mut inputs = Vec::new();
    let mut names = BTreeMap::new();
    for path in &args.pred {
        let report = read_predictions(path, &gold.documents, leniency)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "predictions".into());
        let n = names.entry(stem.clone()).or_insert(0usize);
        *n += 1;
        let name = if *n == 1 { stem } else { format!("{stem}-{n}") };
        let skipped: Vec<String> = report
            .summary
            .skipped
            .iter()
            .map(|p| p.to_string())
            .collect();
        if !skipped.is_empty() {
            eprintln!(
                "warning: {}: skipped {} bad line{} (--lenient); first: {}",
                path.display(),
                skipped.len(),
                if skipped.len() == 1 { "" } else { "s" },
                skipped[0]
            );
        }
        inputs.push((name, path.clone(), report.claims, skipped));
    }

    let t = Instant::now();
    let embedder = if kind.needs_model() {
        Some(Arc::new(load_embedder(&args.model)?))
    } else {
        None
    };
    let mut timings = Timings {
        model_load_s: t.elapsed().as_secs_f64(),
        ..Timings::default()
    };
    let setup = build_matcher(kind, args.scoring.threshold, embedder.clone())?;
    let config = score_config(&args.scoring, setup.threshold, !args.no_intervals);
    let grounding = match &embedder {
        Some(e) => Some(Grounding::new(&gold, e.clone())?),
        None => None,
    };

    if let Some(e) = &embedder {
        let texts: Vec<&str> = gold.claims.iter().map(|c| c.text.as_str()).collect();
        crate::pipeline::prepare_embeddings(e, &texts, "gold claims")?;
    }
    let mut systems = BTreeMap::new();
    let mut predictions: BTreeMap<String, Vec<PredictedClaim>> = BTreeMap::new();
    for (name, path, claims, skipped) in inputs {
        let t = Instant::now();
        let sha = run::sha256_hex(claimbench_extract::predictions_jsonl(&claims).as_bytes());
        let with_sweep = args.out.is_some();
        let truncated = match &embedder {
            Some(e) => {
                let texts: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
                crate::pipeline::prepare_embeddings(e, &texts, &format!("{name}: embedding"))?
            }
            None => 0,
        };
        if truncated > 0 {
            eprintln!(
                "note: {name}: {truncated} predicted claim(s) longer than the model's {} tokens were truncated",
                embedder.as_ref().map_or(0, |e| e.max_seq_length())
            );
        }
        let (scored, claims) = score_system(
            &gold,
            claims,
            &setup,
            grounding.as_ref(),
            &config,
            with_sweep,
            &name,
        )
        .with_context(|| format!("scoring {}", path.display()))?;
        timings.systems.insert(
            name.clone(),
            BTreeMap::from([("score_s".to_string(), t.elapsed().as_secs_f64())]),
        );
        systems.insert(
            name.clone(),
            SystemRecord {
                source: format!(
                    "file:{}",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ),
                predictions: format!("predictions/{}.jsonl", run::slug(&name)),
                predictions_sha256: sha,
                truncated,
                skipped,
                results: scored.results,
                sweep: scored.sweep,
            },
        );
        if args.out.is_some() {
            predictions.insert(name, claims);
        }
    }
    let file = RunFile {
        format: run::FORMAT,
        manifest: manifest(&gold, embedder.as_deref(), &setup, &config),
        gold: args
            .scoring
            .gold
            .as_ref()
            .map_or_else(|| "builtin".to_string(), |d| d.display().to_string()),
        systems,
    };
    timings.total_s = start.elapsed().as_secs_f64();
    if let Some(dir) = &args.out {
        run::save(dir, &file, &predictions, &timings)?;
    }
    let rows: Vec<Row> = file
        .systems
        .iter()
        .map(|(name, rec)| {
            Row::new(
                name,
                &rec.results,
                timings.systems.get(name).map(|t| t.values().sum()),
            )
        })
        .collect();
    if args.output.json {
        let systems: BTreeMap<&String, serde_json::Value> = file
            .systems
            .iter()
            .map(|(n, r)| {
                (
                    n,
                    serde_json::json!({ "skipped": r.skipped, "results": r.results }),
                )
            })
            .collect();
        print_json(&serde_json::json!({
            "signature": file.manifest.signature(), "manifest": file.manifest, "leaderboard": rows, "systems": systems,
        }))?;
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
