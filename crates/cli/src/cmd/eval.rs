//! `claimbench eval`: run the built-in extractors on the gold set, score them, save the run, print the leaderboard.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use claimbench_extract::{ClaimExtractor, ExtractorKind, PredictedClaim};

use crate::args::EvalArgs;
use crate::board::{self, Row};
use crate::cmd::gold::load as load_gold;
use crate::config::{self, load_embedder};
use crate::output::{emit, print_json, spinner};
use crate::pipeline::{build_matcher, manifest, score_config, score_system, Grounding, SystemRun};
use crate::run::{self, Coverage, RunFile, SystemRecord, Timings};
use crate::Outcome;

/// Run `eval`.
pub fn run(args: EvalArgs) -> Result<Outcome> {
    let start = Instant::now();
    let scoring = config::scoring(&args.scoring)?;
    config::check_range(
        "--worthy-threshold",
        f64::from(args.worthy_threshold),
        0.0,
        1.0,
        " (a probability)",
    )?;
    let kinds = eval_extractors(&args.extractors)?;
    let gold = load_gold(args.scoring.gold.as_deref())?;
    let kind = scoring.kind;
    let shard = crate::shard::plan(&args.shard)?;
    if shard.is_some() && args.name.is_none() {
        bail!("--shard: give --name NAME (every shard writes its part into RUNS_DIR/NAME, then: claimbench merge RUNS_DIR/NAME --out RUN)");
    }
    // A shard extracts and scores its documents only, without intervals (the merge computes them once).
    let shard_gold = shard.map(|s| s.subset(&gold));
    let scoring_gold = shard_gold.as_ref().unwrap_or(&gold);

    let t = Instant::now();
    let embedder = Arc::new(load_embedder(&args.model)?);
    let model_load_s = t.elapsed().as_secs_f64();
    let setup = build_matcher(kind, scoring.threshold, Some(embedder.clone()))?;
    let config = score_config(&args.scoring, setup.threshold, true);
    let scoring_config = match shard {
        Some(_) => claimbench_score::ScoreConfig {
            bootstrap: claimbench_score::BootstrapConfig {
                samples: 0,
                ..config.bootstrap
            },
            ..config
        },
        None => config,
    };
    let gold_label = args
        .scoring
        .gold
        .as_ref()
        .map_or_else(|| "builtin".to_string(), |d| d.display().to_string());
    let dir = args
        .runs_dir
        .join(args.name.clone().unwrap_or_else(run::default_name));
    if let Some(s) = shard {
        let key = crate::shard::PartKey {
            shard: s,
            manifest: manifest(&gold, Some(&embedder), &setup, &config),
            config,
            gold: gold_label.clone(),
            documents: scoring_gold
                .documents
                .iter()
                .map(|d| d.id.clone())
                .collect(),
            systems: kinds
                .iter()
                .map(|k| {
                    (
                        k.to_string(),
                        crate::shard::SystemKey {
                            source: source_of(*k, args.worthy_threshold),
                            predictions_sha256: None,
                            predictions_total: None,
                            skipped: Vec::new(),
                        },
                    )
                })
                .collect(),
        };
        if let Some(path) = crate::shard::already_done(&dir, &key) {
            return crate::cmd::merge::report_part(
                &path,
                s,
                key.documents.len(),
                true,
                args.output.json,
            );
        }
    }
    let mut extras = BTreeMap::new();
    let grounding = Grounding::new(embedder.clone(), &setup);
    let mut timings = Timings {
        model_load_s,
        ..Timings::default()
    };
    let mut systems = BTreeMap::new();
    let mut predictions: BTreeMap<String, Vec<PredictedClaim>> = BTreeMap::new();
    for k in &kinds {
        let name = k.to_string();
        let t = Instant::now();
        let pb = spinner(&format!("{name}: extracting"));
        let source = source_of(*k, args.worthy_threshold);
        let preds = match k {
            ExtractorKind::Sentences => {
                let x = claimbench_extract::sentences::SentencesExtractor::new();
                x.extract_all(&scoring_gold.documents)?
            }
            _ => {
                let opts = claimbench_extract::worthy::WorthyOptions {
                    threshold: args.worthy_threshold,
                    ..Default::default()
                };
                let x = claimbench_extract::worthy::MinilmWorthy::train(
                    embedder.as_ref(),
                    &gold.documents,
                    &gold.claims,
                    opts,
                )
                .context("training minilm-worthy")?;
                x.extract_all(&scoring_gold.documents)?
            }
        };
        pb.finish_and_clear();
        let extract_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut by_doc = crate::pipeline::group_by_doc(scoring_gold, &preds)?;
        let scored = score_system(
            scoring_gold,
            &mut |doc| Ok(by_doc.remove(doc).unwrap_or_default()),
            &setup,
            Some(&grounding),
            &scoring_config,
            &SystemRun {
                label: &format!("{name}: scoring"),
                with_sweep: true,
                chunk_texts: args.scoring.chunk_texts,
            },
        )?;
        let score_s = t.elapsed().as_secs_f64();
        let coverage = Coverage::of(&scored.results);
        if !coverage.is_complete() {
            if scoring.require_all_docs {
                bail!(
                    "{name}: no predictions for {} (--require-all-docs)",
                    coverage.describe_missing()
                );
            }
            eprintln!(
                "warning: {name}: no predictions for {}; their gold claims count as misses",
                coverage.describe_missing()
            );
        }
        if let Some(s) = shard {
            // Sort keys that put the claims in the single run's order: by document in gold order, then as extracted.
            let position: BTreeMap<&str, u64> = gold
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.as_str(), i as u64))
                .collect();
            let mut lines = crate::shard::ShardLines::new(s);
            let mut within: BTreeMap<&str, u64> = BTreeMap::new();
            for p in &preds {
                let n = within.entry(p.doc.as_str()).or_default();
                let doc = position
                    .get(p.doc.as_str())
                    .copied()
                    .unwrap_or(u64::MAX >> 32);
                lines.push_keyed((doc << 32) | *n, p)?;
                *n += 1;
            }
            extras.insert(
                name.clone(),
                crate::shard::SystemExtras {
                    lines,
                    truncated_texts: scored.truncated_texts.clone(),
                    whole_file_sha: false,
                },
            );
        }
        let file = run::predictions_path(&name);
        let sha = run::sha256_hex(claimbench_extract::predictions_jsonl(&preds).as_bytes());
        systems.insert(
            name.clone(),
            SystemRecord {
                source,
                predictions: file,
                predictions_sha256: sha,
                truncated: scored.truncated,
                skipped: Vec::new(),
                coverage,
                results: scored.results,
                sweep: scored.sweep,
            },
        );
        if let Some(first) = scored.first_result_s {
            let since_start = t.duration_since(start).as_secs_f64() + first;
            timings.first_result_s.insert(name.clone(), since_start);
        }
        timings.systems.insert(
            name.clone(),
            BTreeMap::from([
                ("extract_s".to_string(), extract_s),
                ("score_s".to_string(), score_s),
            ]),
        );
        predictions.insert(name, preds);
    }
    let file = RunFile {
        format: run::FORMAT,
        manifest: manifest(&gold, Some(&embedder), &setup, &config),
        gold: run::gold_field(args.scoring.gold.as_deref()),
        systems,
        sha256: None,
    };
    timings.total_s = start.elapsed().as_secs_f64();
    if let Some(s) = shard {
        return crate::shard::save_part(
            &dir,
            s,
            file,
            gold_label,
            &config,
            scoring_gold,
            extras,
            args.output.json,
        );
    }
    run::save(
        &dir,
        &file,
        &predictions,
        Vec::new(),
        &timings,
        args.scoring.gold.as_deref(),
    )?;

    let rows: Vec<Row> = file
        .systems
        .iter()
        .map(|(name, rec)| {
            let secs = timings.systems.get(name).map(|t| t.values().sum::<f64>());
            Row::new(name, &rec.results, secs)
        })
        .collect();
    if args.output.json {
        print_json(&serde_json::json!({
            "run": dir, "signature": file.manifest.signature(), "leaderboard": rows,
        }))?;
    } else {
        emit(&format!(
            "{}\n{}\n{}\nrun saved in {} (report: claimbench report {} --html report.html)",
            board::render(&rows),
            board::error_lines(&file),
            file.manifest.signature(),
            dir.display(),
            dir.display()
        ))?;
    }
    Ok(Outcome::Ok)
}

/// The extractors `eval` runs: the built-in ones only, each named once; an error lists only those it accepts.
fn eval_extractors(names: &[String]) -> Result<Vec<ExtractorKind>> {
    const ACCEPTED: [ExtractorKind; 2] = [ExtractorKind::Sentences, ExtractorKind::MinilmWorthy];
    let accepted = ACCEPTED.map(ExtractorKind::name).join(", ");
    let mut kinds = Vec::new();
    for n in names {
        let n = n.trim();
        let Some(k) = ACCEPTED.into_iter().find(|k| k.name() == n) else {
            if let Ok(k) = n.parse::<ExtractorKind>() {
                bail!(
                    "--extractors: {k} is not built into eval (it accepts: {accepted}); save its predictions and use `claimbench score --pred FILE`"
                );
            }
            let close = ACCEPTED
                .into_iter()
                .map(ExtractorKind::name)
                .find(|a| edit_distance(a, n) <= 2);
            bail!(
                "--extractors: unknown extractor `{n}`{} (eval accepts: {accepted})",
                close
                    .map(|c| format!(", did you mean `{c}`?"))
                    .unwrap_or_default()
            );
        };
        if kinds.contains(&k) {
            bail!("--extractors: {k} is given twice");
        }
        kinds.push(k);
    }
    Ok(kinds)
}

/// Levenshtein distance (for "did you mean").
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// How a built-in extractor's predictions are described in the run.
fn source_of(kind: ExtractorKind, worthy_threshold: f32) -> String {
    match kind {
        ExtractorKind::Sentences => "sentences".to_string(),
        _ => format!("minilm-worthy@{worthy_threshold}"),
    }
}
