//! `claimbench score`: score one or more predictions files against the gold set.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use claimbench_extract::file::{Leniency, PredictionIndex, ReadOptions, UnknownFields};

use crate::args::ScoreArgs;
use crate::board::{self, Row};
use crate::cmd::gold::load as load_gold;
use crate::config::{self, load_embedder};
use crate::output::{emit, print_json, spinner, AtomicFile};
use crate::pipeline::{build_matcher, manifest, score_config, score_system, Grounding, SystemRun};
use crate::run::{self, Coverage, PredictionsSink, RunFile, SystemRecord, Timings};
use crate::Outcome;

/// One predictions file, validated and indexed.
struct Input {
    name: String,
    index: PredictionIndex,
    sha: String,
    written: Option<AtomicFile>,
    skipped: Vec<String>,
    stdin: bool,
    lines: Option<crate::shard::ShardLines>,
}

/// Whether a `--pred` argument means standard input.
fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// The system name of each `--pred`: `--name` in order, or each file's stem (`stdin` for `-`), numbered when
/// two stems are alike. Two names that would share a predictions file in the run are an error.
fn system_names(args: &ScoreArgs) -> Result<Vec<String>> {
    if args.pred.iter().filter(|p| is_stdin(p)).count() > 1 {
        bail!("--pred -: standard input can be read only once");
    }
    let names: Vec<String> = if args.name.is_empty() {
        let mut seen = BTreeMap::new();
        args.pred
            .iter()
            .map(|path| {
                let stem = if is_stdin(path) {
                    "stdin".to_string()
                } else {
                    path.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "predictions".into())
                };
                let n = seen.entry(stem.clone()).or_insert(0usize);
                *n += 1;
                if *n == 1 {
                    stem
                } else {
                    format!("{stem}-{n}")
                }
            })
            .collect()
    } else {
        if args.name.len() != args.pred.len() {
            bail!(
                "--name: {} name(s) for {} --pred file(s); give one --name per --pred, in the same order",
                args.name.len(),
                args.pred.len()
            );
        }
        for n in &args.name {
            if n.trim().is_empty() || n.chars().any(char::is_control) {
                bail!("--name: {n:?} is not a system name (empty, or with control characters)");
            }
        }
        args.name.clone()
    };
    let mut files = BTreeMap::new();
    for n in &names {
        if let Some(other) = files.insert(run::predictions_path(n), n) {
            bail!("--name: systems {other:?} and {n:?} would share one predictions file ({}); name them apart", run::predictions_path(n));
        }
    }
    Ok(names)
}

/// Run `score`.
pub fn run(args: ScoreArgs) -> Result<Outcome> {
    let start = Instant::now();
    let scoring = config::scoring(&args.scoring)?;
    let kind = scoring.kind;
    let names = system_names(&args)?;
    let gold = load_gold(args.scoring.gold.as_deref())?;
    let shard = crate::shard::plan(&args.shard)?;
    if shard.is_some() && args.out.is_none() {
        anyhow::bail!(
            "--shard writes a part: give --out DIR (the directory that collects the parts)"
        );
    }
    // A shard copies no predictions file: its part carries its own lines, the merge reassembles the file.
    let copy_to = if shard.is_some() {
        None
    } else {
        args.out.as_deref()
    };
    let options = ReadOptions {
        leniency: if args.lenient {
            Leniency::Lenient
        } else {
            Leniency::Strict
        },
        unknown_fields: if args.strict {
            UnknownFields::Reject
        } else {
            UnknownFields::Keep
        },
    };

    // Validate every file first, in one streaming pass each: bad input fails before any model is loaded.
    // The pass indexes where each document's lines are, hashes the claims and, for a saved run, copies them
    // into the run; claims are read back one document at a time while scoring, so memory stays bounded.
    let mut inputs = Vec::new();
    for (path, name) in args.pred.iter().zip(names) {
        let stdin = is_stdin(path);
        let label = if stdin {
            std::path::PathBuf::from("stdin")
        } else {
            path.clone()
        };
        let mut sink = PredictionsSink::new(copy_to, &name)?;
        let mut lines = shard.map(crate::shard::ShardLines::new);
        let pb = spinner(&format!("{name}: reading {}", label.display()));
        let mut push = |c: &claimbench_extract::PredictedClaim| {
            if let Some(l) = &mut lines {
                l.push(c).map_err(|e| claimbench_extract::Error::Io {
                    path: label.clone(),
                    source: std::io::Error::other(format!("{e:#}")),
                })?;
            }
            sink.push(c).map_err(|e| claimbench_extract::Error::Io {
                path: label.clone(),
                source: std::io::Error::other(format!("{e:#}")),
            })
        };
        let index = if stdin {
            PredictionIndex::build_reader(
                std::io::stdin().lock(),
                &label,
                &gold.documents,
                options,
                &mut push,
            )?
        } else {
            PredictionIndex::build(path, &gold.documents, options, &mut push)?
        };
        pb.finish_and_clear();
        let ignored = &index.summary().ignored_fields;
        if !ignored.is_empty() {
            let list: Vec<String> = ignored
                .iter()
                .map(|(k, n)| format!("{k} ({n} line{})", if *n == 1 { "" } else { "s" }))
                .collect();
            eprintln!(
                "note: {}: fields kept but ignored by scoring: {} (--strict rejects them)",
                label.display(),
                list.join(", ")
            );
        }
        let covered: std::collections::BTreeSet<&str> = index.documents().collect();
        let missing: Vec<String> = gold
            .documents
            .iter()
            .filter(|d| !covered.contains(d.id.as_str()))
            .map(|d| d.id.clone())
            .collect();
        if scoring.require_all_docs && !missing.is_empty() {
            let coverage = Coverage {
                documents: gold.documents.len(),
                with_predictions: gold.documents.len() - missing.len(),
                without_predictions: missing,
            };
            bail!(
                "{}: no predictions for {} (--require-all-docs)",
                label.display(),
                coverage.describe_missing()
            );
        }
        let (sha, written) = sink.finish();
        let skipped: Vec<String> = index
            .summary()
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
        inputs.push(Input {
            name,
            index,
            sha,
            written,
            skipped,
            stdin,
            lines,
        });
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
    let setup = build_matcher(kind, scoring.threshold, embedder.clone())?;
    let config = score_config(&args.scoring, setup.threshold, !args.no_intervals);
    let grounding = embedder.as_ref().map(|e| Grounding::new(e.clone(), &setup));
    let gold_label = args
        .scoring
        .gold
        .as_ref()
        .map_or_else(|| "builtin".to_string(), |d| d.display().to_string());
    // A shard scores its documents only, without intervals (the merge computes them once over all documents).
    let shard_gold = shard.map(|s| s.subset(&gold));
    let scoring_gold = shard_gold.as_ref().unwrap_or(&gold);
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
    if let (Some(s), Some(dir)) = (shard, &args.out) {
        let key = crate::shard::PartKey {
            shard: s,
            manifest: manifest(&gold, embedder.as_deref(), &setup, &config),
            config,
            gold: gold_label.clone(),
            documents: scoring_gold
                .documents
                .iter()
                .map(|d| d.id.clone())
                .collect(),
            systems: inputs
                .iter()
                .map(|i| {
                    (
                        i.name.clone(),
                        crate::shard::SystemKey {
                            source: if i.stdin {
                                "stdin".to_string()
                            } else {
                                source_of(i.index.path())
                            },
                            predictions_sha256: Some(i.sha.clone()),
                            predictions_total: i.lines.as_ref().map(|l| l.total()),
                            skipped: i.skipped.clone(),
                        },
                    )
                })
                .collect(),
        };
        if let Some(path) = crate::shard::already_done(dir, &key) {
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
    let mut systems = BTreeMap::new();
    let mut written = Vec::new();
    for mut input in inputs {
        let name = input.name;
        let path = input.index.path().to_path_buf();
        let t = Instant::now();
        let with_sweep = args.out.is_some();
        let index = &mut input.index;
        let scored = score_system(
            scoring_gold,
            &mut |doc| Ok(index.read_doc(doc)?),
            &setup,
            grounding.as_ref(),
            &scoring_config,
            &SystemRun {
                label: &name,
                with_sweep,
                chunk_texts: args.scoring.chunk_texts,
            },
        )
        .with_context(|| format!("scoring {}", path.display()))?;
        let coverage = Coverage::of(&scored.results);
        if !coverage.is_complete() {
            eprintln!(
                "warning: {name}: no predictions for {}; their gold claims count as misses (--require-all-docs makes this an error)",
                coverage.describe_missing()
            );
        }
        if scored.truncated > 0 {
            eprintln!(
                "note: {name}: {} predicted claim(s) longer than the model's {} tokens were truncated",
                scored.truncated,
                embedder.as_ref().map_or(0, |e| e.max_seq_length())
            );
        }
        if let Some(first) = scored.first_result_s {
            let since_start = t.duration_since(start).as_secs_f64() + first;
            timings.first_result_s.insert(name.clone(), since_start);
        }
        timings.systems.insert(
            name.clone(),
            BTreeMap::from([("score_s".to_string(), t.elapsed().as_secs_f64())]),
        );
        systems.insert(
            name.clone(),
            SystemRecord {
                source: if input.stdin {
                    "stdin".to_string()
                } else {
                    source_of(&path)
                },
                predictions: run::predictions_path(&name),
                predictions_sha256: input.sha,
                truncated: scored.truncated,
                skipped: input.skipped,
                coverage,
                results: scored.results,
                sweep: scored.sweep,
            },
        );
        written.extend(input.written);
        if let Some(lines) = input.lines {
            extras.insert(
                name.clone(),
                crate::shard::SystemExtras {
                    lines,
                    truncated_texts: scored.truncated_texts,
                    whole_file_sha: true,
                },
            );
        }
    }
    let file = RunFile {
        format: run::FORMAT,
        manifest: manifest(&gold, embedder.as_deref(), &setup, &config),
        gold: run::gold_field(args.scoring.gold.as_deref()),
        systems,
        sha256: None,
    };
    timings.total_s = start.elapsed().as_secs_f64();
    if let (Some(s), Some(dir)) = (shard, &args.out) {
        return crate::shard::save_part(
            dir,
            s,
            file,
            gold_label,
            &config,
            scoring_gold,
            extras,
            args.output.json,
        );
    }
    if let Some(dir) = &args.out {
        run::save(
            dir,
            &file,
            &BTreeMap::new(),
            written,
            &timings,
            args.scoring.gold.as_deref(),
        )?;
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
        // Serialised from the structs themselves (no JSON tree in memory), keys sorted as elsewhere.
        #[derive(serde::Serialize)]
        struct System<'a> {
            results: &'a claimbench_score::EvalResult,
            skipped: &'a [String],
            coverage: &'a Coverage,
        }
        #[derive(serde::Serialize)]
        struct Out<'a> {
            leaderboard: &'a [Row],
            manifest: &'a claimbench_score::Manifest,
            signature: String,
            systems: BTreeMap<&'a String, System<'a>>,
        }
        print_json(&Out {
            leaderboard: &rows,
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
        })?;
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

/// How a predictions file is named in the run: `file:<its file name>`.
fn source_of(path: &std::path::Path) -> String {
    format!(
        "file:{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    )
}
