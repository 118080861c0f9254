//! One evaluation: read or run every system, score it against the gold set, and assemble the run record.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use claimbench_extract::command::ArticleFailure;
use claimbench_extract::file::PredictionIndex;
use claimbench_extract::{ClaimExtractor, Document, PredictedClaim};
use claimbench_gold::GoldSet;
use claimbench_model::Embedder;
use claimbench_score::{BootstrapConfig, ScoreConfig};

use crate::bail;
use crate::error::{Context, Result};
use crate::files::AtomicFile;
use crate::journal::{Journal, JournalPlan, JournalSystem, Kept, Stopped};
use crate::pipeline::{build_matcher, manifest, score_system, Grounding, MatcherSetup, SystemRun};
use crate::progress::spinner;
use crate::run::{self, Coverage, PredictionsSink, RunFile, SystemRecord, Timings};
use crate::rundir::RunWriter;
use crate::settings::{load_embedder, Settings};
use crate::shard::{self, PartKey, Shard, ShardLines, SystemExtras, SystemKey};
use crate::systems::{name_systems, Source, SystemSpec};

/// What to evaluate: the gold set, the systems, the settings, and where the run goes.
pub struct Plan<'a> {
    /// The whole gold set.
    pub gold: &'a GoldSet,
    /// The user's gold directory it was read from (None: the built-in gold set).
    pub gold_dir: Option<PathBuf>,
    /// The systems, in order.
    pub systems: Vec<SystemSpec>,
    /// The settings.
    pub settings: Settings,
    /// The run directory the run will be saved in (a shard's: where its part goes); None: results only.
    pub out: Option<PathBuf>,
    /// Score only this shard's documents and save a part instead of a run.
    pub shard: Option<Shard>,
    /// Override the safety checks: score a shard again even when its part is already there from the same
    /// inputs, and write the run into `out` even when it holds files that are not a claimbench run's (beside them;
    /// nothing of theirs is deleted or replaced).
    pub force: bool,
    /// Where notes and warnings go (default: stderr).
    pub notify: &'a dyn Fn(&str),
    /// An embedding model already loaded, used instead of loading `settings.model` (a caller that evaluates
    /// many times loads it once).
    pub embedder: Option<Arc<Embedder>>,
    /// Continue the run in `out`: keep the articles its extractors already did (its journal, see
    /// [`crate::journal`]) and run them on the missing and failed ones only; refused when the run's plan differs.
    pub resume: bool,
    /// Stop the run once this many articles have failed (all extractors together), with
    /// [`crate::journal::Stopped`]; what was done stays in the run's journal.
    pub stop_after_failures: Option<usize>,
}

impl<'a> Plan<'a> {
    /// A plan over `gold` with results only (no run directory), notes on stderr.
    pub fn new(gold: &'a GoldSet, systems: Vec<SystemSpec>, settings: Settings) -> Plan<'a> {
        Plan {
            gold,
            gold_dir: None,
            systems,
            settings,
            out: None,
            shard: None,
            force: false,
            notify: &crate::progress::to_stderr,
            embedder: None,
            resume: false,
            stop_after_failures: None,
        }
    }
}

/// What an evaluation gives: a run to save, or (a shard rerun) a part already on disk for the same inputs.
pub enum RunOutput {
    /// A run (or a shard's part) ready to save.
    Run(Box<Evaluated>),
    /// A valid part with the same identity was already in the run directory: nothing was scored again.
    PartKept {
        /// The part file.
        path: PathBuf,
        /// Its shard.
        shard: Shard,
        /// Its documents.
        documents: usize,
    },
}

/// A finished evaluation, not yet saved.
pub struct Evaluated {
    /// `run.json` (its checksum is added when saved).
    pub file: RunFile,
    /// Wall-clock timings (never part of `run.json`).
    pub timings: Timings,
    /// Predictions of the systems that were run here, by system name.
    pub predictions: BTreeMap<String, Vec<PredictedClaim>>,
    written: Vec<AtomicFile>,
    out: Option<PathBuf>,
    writer: Option<RunWriter>,
    gold_dir: Option<PathBuf>,
    part: Option<PartPlan>,
}

/// What a shard's part needs besides the run.
struct PartPlan {
    shard: Shard,
    config: ScoreConfig,
    gold_label: String,
    documents: Vec<String>,
    extras: BTreeMap<String, SystemExtras>,
}

/// Where [`Evaluated::save`] put the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// A run directory.
    Run(PathBuf),
    /// A shard's part file.
    Part {
        /// The part file.
        path: PathBuf,
        /// Its shard.
        shard: Shard,
        /// Its documents.
        documents: usize,
    },
}

impl Evaluated {
    /// The run directory of the plan, if it had one.
    pub fn out(&self) -> Option<&Path> {
        self.out.as_deref()
    }

    /// Save the run in the plan's run directory (a shard: its part); an error when the plan had none.
    pub fn save(self) -> Result<Saved> {
        let Some(dir) = self.out else {
            bail!("the evaluation has no run directory to be saved in");
        };
        if let Some(p) = self.part {
            let documents = p.documents.len();
            let path = shard::save_part(
                &dir,
                p.shard,
                self.file,
                p.gold_label,
                &p.config,
                p.documents,
                p.extras,
            )?;
            return Ok(Saved::Part {
                path,
                shard: p.shard,
                documents,
            });
        }
        let writer = self
            .writer
            .context("the evaluation's run directory was not opened for writing")?;
        run::save(
            writer,
            &self.file,
            &self.predictions,
            self.written,
            &self.timings,
            self.gold_dir.as_deref(),
        )?;
        Ok(Saved::Run(dir))
    }
}

/// What a shard's extractor gave, before the part's key is checked.
struct Extracted {
    preds: Vec<PredictedClaim>,
    skipped: Vec<String>,
    lines: ShardLines,
    seconds: f64,
}

/// A predictions file, validated and indexed.
struct ReadSystem {
    index: PredictionIndex,
    sha: String,
    written: Option<AtomicFile>,
    skipped: Vec<String>,
    lines: Option<ShardLines>,
}

/// A system between reading and scoring.
enum Prepared {
    /// Read and validated: claims come back a document at a time.
    Read(Box<ReadSystem>),
    /// An extractor, run after the model is loaded.
    Extract,
}

/// Run the plan: every read system is validated first (bad input fails before any model loads), then the model is
/// loaded if anything needs it, then each system is run (extractors) and scored in turn.
pub fn evaluate(plan: &Plan<'_>) -> Result<RunOutput> {
    let start = Instant::now();
    let settings = &plan.settings;
    settings.validate()?;
    if plan.systems.is_empty() {
        bail!("no system to evaluate: give at least one --extractor or --pred");
    }
    let names = name_systems(&plan.systems)?;
    let gold = plan.gold;
    let notify = plan.notify;
    if plan.shard.is_some() && plan.out.is_none() {
        bail!("--shard writes a part: give the directory that collects the parts");
    }
    if plan.shard.is_some() && !(settings.by.is_empty() && settings.documents.is_empty()) {
        bail!("--shard scores a shard of every document: --by and --doc are for a whole run (`report --by` slices a merged run)");
    }
    let only = crate::gold::only_documents(gold, &settings.documents)?;
    let (doc_gold, chosen) = match only {
        Some((set, ids)) => (Some(set), ids),
        None => (None, Vec::new()),
    };
    let scope = doc_gold.as_ref().unwrap_or(gold);
    // A shard copies no predictions file: its part carries its own lines, the merge reassembles the file.
    if (plan.resume || plan.stop_after_failures.is_some())
        && (plan.out.is_none() || plan.shard.is_some())
    {
        bail!("--resume and --stop-after-failures work on a saved run: give its directory, and no --shard (a shard's part is kept on a rerun already)");
    }
    if plan.stop_after_failures == Some(0) {
        bail!("--stop-after-failures: give at least 1");
    }
    let mut writer = match (plan.shard, &plan.out) {
        (None, Some(dir)) => {
            let mut writes: Vec<String> = names.iter().map(|n| run::predictions_path(n)).collect();
            if plan.gold_dir.is_some() {
                writes.push(format!("{}/", run::GOLD_COPY));
            }
            Some(RunWriter::begin(dir, plan.force, &writes)?)
        }
        _ => None,
    };
    let copy_to: Option<PathBuf> = writer.as_ref().map(|w| w.dir().to_path_buf());
    let copy_to = copy_to.as_deref();

    let mut prepared = Vec::new();
    for (spec, name) in plan.systems.iter().zip(&names) {
        prepared.push(match &spec.source {
            Source::File(_) | Source::Bytes { .. } => {
                read_system(plan, scope, &spec.source, name, copy_to)?
            }
            Source::Sentences
            | Source::Clauses
            | Source::MinilmWorthy
            | Source::T5(_)
            | Source::Command(_) => Prepared::Extract,
        });
    }

    let needs_model = settings.matcher.needs_model()
        || settings.always_load_model
        || plan
            .systems
            .iter()
            .any(|s| matches!(s.source, Source::MinilmWorthy));
    let t = Instant::now();
    let embedder = match (&plan.embedder, needs_model) {
        (_, false) => None,
        (Some(e), true) => Some(e.clone()),
        (None, true) => Some(Arc::new(load_embedder(&settings.model)?)),
    };
    let mut timings = Timings {
        model_load_s: t.elapsed().as_secs_f64(),
        ..Timings::default()
    };
    let setup = build_matcher(
        settings.matcher,
        settings.threshold,
        embedder.clone(),
        settings.matcher_params.as_ref(),
    )?;
    let config = settings.score_config(setup.threshold);
    // The run's manifest, the same for its journal, a shard's part key and run.json.
    let run_manifest = manifest(
        gold,
        embedder.as_deref(),
        &setup,
        &config,
        plan.settings.calibration.as_deref(),
        &chosen,
    );
    let grounding = embedder.as_ref().map(|e| Grounding::new(e.clone(), &setup));
    let gold_label = plan
        .gold_dir
        .as_ref()
        .map_or_else(|| "builtin".to_string(), |d| d.display().to_string());
    // A shard scores its documents only, without intervals (the merge computes them once over all documents).
    let shard_gold = plan.shard.map(|s| s.subset(gold));
    let scoring_gold = shard_gold.as_ref().unwrap_or(scope);
    let scoring_config = match plan.shard {
        Some(_) => ScoreConfig {
            bootstrap: BootstrapConfig {
                samples: 0,
                ..config.bootstrap
            },
            ..config
        },
        None => config,
    };
    let documents: Vec<String> = scoring_gold
        .documents
        .iter()
        .map(|d| d.id.clone())
        .collect();
    // A saved run keeps each extractor's articles as they arrive (its journal), so that it can be resumed.
    let any_extract = prepared.iter().any(|p| matches!(p, Prepared::Extract));
    if plan.resume && !any_extract {
        bail!("--resume: the run has no extractor to continue (predictions files are read whole every time)");
    }
    let (journal, mut kept) = match (writer.as_mut(), any_extract, plan.shard) {
        (Some(w), true, None) => {
            let mut jsystems = BTreeMap::new();
            for ((spec, name), p) in plan.systems.iter().zip(&names).zip(&prepared) {
                if let Prepared::Extract = p {
                    jsystems.insert(
                        name.clone(),
                        JournalSystem {
                            source: spec.source.describe(settings.worthy_threshold),
                            extractor_sha256: spec.source.fingerprint()?,
                        },
                    );
                }
            }
            let jplan = JournalPlan::new(&run_manifest, &config, jsystems)?;
            let (j, kept) = Journal::open(w, &jplan, plan.resume)?;
            (Some(j), kept)
        }
        _ => (None, Kept::new()),
    };
    let failed = std::cell::Cell::new(0usize);
    let ctx = Scoring {
        journal: journal.as_ref(),
        failed: &failed,
        plan,
        scoring_gold,
        setup: &setup,
        grounding: grounding.as_ref(),
        config: &scoring_config,
        embedder: embedder.as_deref(),
    };
    // A shard runs its extractors first: its part is keyed on what they extracted (and on the extractor itself).
    let mut extracted: BTreeMap<usize, Extracted> = BTreeMap::new();
    let mut fingerprints: Vec<Option<String>> = vec![None; plan.systems.len()];
    if let Some(s) = plan.shard {
        for (i, ((spec, name), p)) in plan.systems.iter().zip(&names).zip(&prepared).enumerate() {
            if let Prepared::Extract = p {
                fingerprints[i] = spec.source.fingerprint()?;
                let t = Instant::now();
                let pb = spinner(&format!("{name}: extracting"));
                let (preds, skipped) = ctx.extract(&spec.source, name, BTreeMap::new())?;
                pb.finish_and_clear();
                let lines = shard_lines_in_gold_order(s, gold, &preds)?;
                extracted.insert(
                    i,
                    Extracted {
                        preds,
                        skipped,
                        lines,
                        seconds: t.elapsed().as_secs_f64(),
                    },
                );
            }
        }
    }
    if let (Some(s), Some(dir), false) = (plan.shard, &plan.out, plan.force) {
        let key = PartKey {
            shard: s,
            manifest: run_manifest.clone(),
            config,
            gold: gold_label.clone(),
            documents: documents.clone(),
            systems: plan
                .systems
                .iter()
                .zip(&names)
                .zip(&prepared)
                .enumerate()
                .map(|(i, ((spec, name), p))| {
                    let source = spec.source.describe(settings.worthy_threshold);
                    let key = match (p, extracted.get(&i)) {
                        (Prepared::Read(r), _) => SystemKey {
                            source,
                            predictions_sha256: Some(r.sha.clone()),
                            predictions_total: r.lines.as_ref().map(ShardLines::total),
                            skipped: r.skipped.clone(),
                            scored_sha256: r.lines.as_ref().map(ShardLines::sha256),
                            extractor_sha256: None,
                        },
                        (Prepared::Extract, x) => SystemKey {
                            source,
                            predictions_sha256: None,
                            predictions_total: None,
                            skipped: x.map(|x| x.skipped.clone()).unwrap_or_default(),
                            scored_sha256: x.map(|x| x.lines.sha256()),
                            extractor_sha256: fingerprints[i].clone(),
                        },
                    };
                    (name.clone(), key)
                })
                .collect(),
        };
        if let Some(path) = shard::already_done(dir, &key, notify) {
            return Ok(RunOutput::PartKept {
                path,
                shard: s,
                documents: documents.len(),
            });
        }
    }

    let mut extras = BTreeMap::new();
    let mut systems = BTreeMap::new();
    let mut predictions = BTreeMap::new();
    let mut written = Vec::new();
    for (i, ((spec, name), prepared)) in plan.systems.iter().zip(&names).zip(prepared).enumerate() {
        let mut t = Instant::now();
        let source = spec.source.describe(settings.worthy_threshold);
        let mut stages = BTreeMap::new();
        let (record, first_result_s, extra) = match prepared {
            Prepared::Read(r) => {
                let ReadSystem {
                    mut index,
                    sha,
                    written: file,
                    skipped,
                    lines,
                } = *r;
                let path = index.path().to_path_buf();
                let mut scored = ctx
                    .score(name, &mut |doc| Ok(index.read_doc(doc)?))
                    .with_context(|| format!("scoring {}", path.display()))?;
                written.extend(file);
                let extra = lines.map(|lines| SystemExtras {
                    lines,
                    truncated_texts: std::mem::take(&mut scored.truncated_texts),
                    whole_file_sha: true,
                    extractor_sha256: None,
                });
                let first = scored.first_result_s;
                (
                    ctx.record(name, source, sha, skipped, scored)?,
                    first,
                    extra,
                )
            }
            Prepared::Extract => {
                let (preds, skipped, shard_lines) = match extracted.remove(&i) {
                    Some(x) => {
                        // extracted before the part's key was checked: timed as if it ran here
                        let took = std::time::Duration::from_secs_f64(x.seconds);
                        t = t.checked_sub(took).unwrap_or(t);
                        stages.insert("extract_s".to_string(), x.seconds);
                        (x.preds, x.skipped, Some(x.lines))
                    }
                    None => {
                        let pb = spinner(&format!("{name}: extracting"));
                        let keep = kept.remove(name.as_str()).unwrap_or_default();
                        let (preds, skipped) = ctx.extract(&spec.source, name, keep)?;
                        pb.finish_and_clear();
                        stages.insert("extract_s".to_string(), t.elapsed().as_secs_f64());
                        (preds, skipped, None)
                    }
                };
                let mut by_doc = crate::pipeline::group_by_doc(scoring_gold, &preds)?;
                let mut scored =
                    ctx.score(name, &mut |doc| Ok(by_doc.remove(doc).unwrap_or_default()))?;
                let sha = claimbench_io::sha256_hex(
                    claimbench_extract::predictions_jsonl(&preds).as_bytes(),
                );
                let extra = match (plan.shard, shard_lines) {
                    (Some(_), Some(lines)) => Some(SystemExtras {
                        lines,
                        truncated_texts: std::mem::take(&mut scored.truncated_texts),
                        whole_file_sha: false,
                        extractor_sha256: fingerprints[i].take(),
                    }),
                    (Some(s), None) => Some(SystemExtras {
                        lines: shard_lines_in_gold_order(s, gold, &preds)?,
                        truncated_texts: std::mem::take(&mut scored.truncated_texts),
                        whole_file_sha: false,
                        extractor_sha256: fingerprints[i].take(),
                    }),
                    (None, _) => None,
                };
                predictions.insert(name.clone(), preds);
                let first = scored.first_result_s;
                (
                    ctx.record(name, source, sha, skipped, scored)?,
                    first,
                    extra,
                )
            }
        };
        let score_s = t.elapsed().as_secs_f64() - stages.get("extract_s").copied().unwrap_or(0.0);
        stages.insert("score_s".to_string(), score_s);
        if let Some(first) = first_result_s {
            let before = t.duration_since(start).as_secs_f64()
                + stages.get("extract_s").copied().unwrap_or(0.0);
            timings.first_result_s.insert(name.clone(), before + first);
        }
        timings.systems.insert(name.clone(), stages);
        if let Some(extra) = extra {
            extras.insert(name.clone(), extra);
        }
        systems.insert(name.clone(), record);
    }
    let file = RunFile {
        format: run::FORMAT,
        manifest: run_manifest,
        gold: run::gold_field(plan.gold_dir.as_deref()),
        systems,
        sha256: None,
    };
    timings.total_s = start.elapsed().as_secs_f64();
    Ok(RunOutput::Run(Box::new(Evaluated {
        file,
        timings,
        predictions,
        written,
        out: plan.out.clone(),
        writer,
        gold_dir: plan.gold_dir.clone(),
        part: plan.shard.map(|shard| PartPlan {
            shard,
            config,
            gold_label,
            documents,
            extras,
        }),
    })))
}

/// Validate a predictions file (or stdin, or bytes) in one streaming pass: it indexes where each document's lines
/// are, hashes the claims and, for a saved run, copies them into the run; claims are read back one document at a
/// time while scoring, so memory stays bounded.
fn read_system(
    plan: &Plan<'_>,
    scope: &GoldSet,
    source: &Source,
    name: &str,
    copy_to: Option<&Path>,
) -> Result<Prepared> {
    let gold = plan.gold;
    let options = plan.settings.read;
    let label = match source {
        Source::File(_) if source.is_stdin() => PathBuf::from("stdin"),
        Source::File(p) => p.clone(),
        Source::Bytes { label, .. } => PathBuf::from(label),
        _ => unreachable_source(source)?,
    };
    let mut sink = PredictionsSink::new(copy_to, name)?;
    let mut lines = plan.shard.map(ShardLines::new);
    let pb = spinner(&format!("{name}: reading {}", label.display()));
    let mut push = |c: &PredictedClaim| {
        let io = |e: crate::Error| claimbench_extract::Error::Io {
            path: label.clone(),
            source: std::io::Error::other(e.one_line()),
        };
        if let Some(l) = &mut lines {
            l.push(c).map_err(io)?;
        }
        sink.push(c).map_err(io)
    };
    let index = match source {
        Source::File(_) if source.is_stdin() => PredictionIndex::build_reader(
            std::io::stdin().lock(),
            &label,
            &gold.documents,
            options,
            &mut push,
        )?,
        Source::File(path) => PredictionIndex::build(path, &gold.documents, options, &mut push)?,
        Source::Bytes { data, .. } => PredictionIndex::build_reader(
            std::io::Cursor::new(data),
            &label,
            &gold.documents,
            options,
            &mut push,
        )?,
        _ => unreachable_source(source)?,
    };
    pb.finish_and_clear();
    let ignored = &index.summary().ignored_fields;
    if !ignored.is_empty() {
        let list: Vec<String> = ignored
            .iter()
            .map(|(k, n)| format!("{k} ({n} line{})", if *n == 1 { "" } else { "s" }))
            .collect();
        (plan.notify)(&format!(
            "note: {}: fields kept but ignored by scoring: {} (--strict rejects them)",
            label.display(),
            list.join(", ")
        ));
    }
    let covered: BTreeSet<&str> = index.documents().collect();
    let missing: Vec<String> = scope
        .documents
        .iter()
        .filter(|d| !covered.contains(d.id.as_str()))
        .map(|d| d.id.clone())
        .collect();
    if plan.settings.require_all_docs && !missing.is_empty() {
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
        (plan.notify)(&format!(
            "warning: {}: skipped {} bad line{} (--lenient); first: {}",
            label.display(),
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            skipped[0]
        ));
    }
    Ok(Prepared::Read(Box::new(ReadSystem {
        index,
        sha,
        written,
        skipped,
        lines,
    })))
}

/// The error for a source [`read_system`] was not meant to get (a bug, reported rather than panicking).
fn unreachable_source<T>(source: &Source) -> Result<T> {
    bail!("internal error: {} is not read from a file", source.kind())
}

/// The lines of an extractor's predictions in one shard, keyed to put them in the single run's order: by document
/// in gold order, then as extracted.
fn shard_lines_in_gold_order(
    s: Shard,
    gold: &GoldSet,
    preds: &[PredictedClaim],
) -> Result<ShardLines> {
    let position: BTreeMap<&str, u64> = gold
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i as u64))
        .collect();
    let mut lines = ShardLines::new(s);
    let mut within: BTreeMap<&str, u64> = BTreeMap::new();
    for p in preds {
        let n = within.entry(p.doc.as_str()).or_default();
        let doc = position
            .get(p.doc.as_str())
            .copied()
            .unwrap_or(u64::MAX >> 32);
        lines.push_keyed((doc << 32) | *n, p)?;
        *n += 1;
    }
    Ok(lines)
}

/// What scoring each system shares.
struct Scoring<'a> {
    journal: Option<&'a Journal>,
    failed: &'a std::cell::Cell<usize>,
    plan: &'a Plan<'a>,
    scoring_gold: &'a GoldSet,
    setup: &'a MatcherSetup,
    grounding: Option<&'a Grounding>,
    config: &'a ScoreConfig,
    embedder: Option<&'a Embedder>,
}

impl Scoring<'_> {
    /// Run an extractor over the documents being scored, article by article: its claims, and the articles it
    /// failed on (a command's failures are per article and never abort the run, unless `--stop-after-failures`
    /// says so). The articles in `kept` (a resumed run's) are not run again; each article that runs is saved in
    /// the run's journal as soon as it is done.
    fn extract(
        &self,
        source: &Source,
        name: &str,
        mut kept: BTreeMap<String, Vec<PredictedClaim>>,
    ) -> Result<(Vec<PredictedClaim>, Vec<String>)> {
        let docs = &self.scoring_gold.documents;
        let notify = self.plan.notify;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let kept_count = docs.iter().filter(|d| kept.contains_key(&d.id)).count();
        if let (true, Some(j)) = (self.plan.resume, self.journal) {
            notify(&format!(
                "kept {kept_count} of {} article{} of `{name}` from {}",
                docs.len(),
                plural(docs.len()),
                j.run().display()
            ));
        }
        let runner = if kept_count == docs.len() {
            None
        } else {
            Some(self.runner(source, name)?)
        };
        let mut claims = Vec::new();
        let mut failures: Vec<ArticleFailure> = Vec::new();
        for d in docs {
            if let Some(c) = kept.remove(&d.id) {
                claims.extend(c);
                continue;
            }
            let Some(runner) = &runner else {
                bail!("internal error: no extractor for `{}`", d.id);
            };
            match runner.run(d, name)? {
                Ok(c) => {
                    if let Some(j) = self.journal {
                        j.record(name, &d.id, Ok(&c))?;
                    }
                    claims.extend(c);
                }
                Err(f) => {
                    if let Some(j) = self.journal {
                        j.record(name, &d.id, Err(&f.to_string()))?;
                    }
                    failures.push(f);
                    self.failed.set(self.failed.get() + 1);
                    if let (Some(limit), Some(j)) = (self.plan.stop_after_failures, self.journal) {
                        if self.failed.get() >= limit {
                            notify(&format!(
                                "warning: {name}: {}",
                                failures.last().map_or(String::new(), one_line)
                            ));
                            return Err(Stopped {
                                failed: self.failed.get(),
                                run: j.run().to_path_buf(),
                            }
                            .into());
                        }
                    }
                }
            }
        }
        if let Some(Runner::T5(x)) = &runner {
            if x.truncated_inputs() > 0 {
                notify(&format!(
                    "note: {name}: {} input(s) longer than the model's {} tokens were cut",
                    x.truncated_inputs(),
                    claimbench_extract::t5::T5Options::default().max_input_tokens
                ));
            }
        }
        let skipped: Vec<String> = failures.iter().map(one_line).collect();
        if let Some(first) = failures.first() {
            notify(&format!(
                "warning: {name}: the command failed on {} of {} article{} (they count as misses); first: {first}",
                failures.len(),
                docs.len(),
                plural(docs.len()),
            ));
        }
        Ok((claims, skipped))
    }

    /// The extractor of `source`, ready to run an article at a time (`minilm-worthy` trained, `t5:` loaded).
    fn runner(&self, source: &Source, name: &str) -> Result<Runner<'_>> {
        let settings = &self.plan.settings;
        let gold = self.plan.gold;
        Ok(match source {
            Source::Sentences => Runner::Rules(Box::new(
                claimbench_extract::sentences::SentencesExtractor::new(),
            )),
            Source::Clauses => Runner::Rules(Box::new(
                claimbench_extract::clauses::ClausesExtractor::new(),
            )),
            Source::MinilmWorthy => {
                let Some(embedder) = self.embedder else {
                    bail!("minilm-worthy needs the embedding model");
                };
                let opts = claimbench_extract::worthy::WorthyOptions {
                    threshold: settings.worthy_threshold,
                    ..Default::default()
                };
                Runner::Rules(Box::new(
                    claimbench_extract::worthy::MinilmWorthy::train(
                        embedder,
                        &gold.documents,
                        &gold.claims,
                        opts,
                    )
                    .context("training minilm-worthy")?,
                ))
            }
            Source::T5(dir) => {
                let device = claimbench_model::device::resolve_device(settings.model.device)?;
                let opts = claimbench_extract::t5::T5Options {
                    device,
                    name: Some(name.to_string()),
                    ..Default::default()
                };
                Runner::T5(Box::new(
                    claimbench_extract::t5::T5Extractor::load(dir, opts).with_context(|| {
                        format!("{name}: loading the T5 model {}", dir.display())
                    })?,
                ))
            }
            Source::Command(cmd) => Runner::Command(
                claimbench_extract::command::CommandExtractor::new(
                    claimbench_extract::command::CommandSpec::Shell(cmd.clone()),
                    settings.command_timeout,
                )
                .with_name(name),
            ),
            Source::File(_) | Source::Bytes { .. } => unreachable_source(source)?,
        })
    }

    /// Score one system document by document.
    fn score(
        &self,
        name: &str,
        preds_for: &mut dyn FnMut(&str) -> Result<Vec<PredictedClaim>>,
    ) -> Result<crate::pipeline::Scored> {
        score_system(
            self.scoring_gold,
            preds_for,
            self.setup,
            self.grounding,
            self.config,
            &SystemRun {
                label: name,
                with_sweep: self.plan.settings.sweep,
                chunk_texts: self.plan.settings.chunk_texts,
            },
        )
    }

    /// The system's record, after the checks on what it covered and what was truncated.
    fn record(
        &self,
        name: &str,
        source: String,
        predictions_sha256: String,
        skipped: Vec<String>,
        scored: crate::pipeline::Scored,
    ) -> Result<SystemRecord> {
        let notify = self.plan.notify;
        let coverage = Coverage::of(&scored.results);
        if !coverage.is_complete() {
            if self.plan.settings.require_all_docs {
                bail!(
                    "{name}: no predictions for {} (--require-all-docs)",
                    coverage.describe_missing()
                );
            }
            notify(&format!(
                "warning: {name}: no predictions for {}; their gold claims count as misses (--require-all-docs makes this an error)",
                coverage.describe_missing()
            ));
        }
        if scored.truncated > 0 {
            notify(&format!(
                "note: {name}: {} predicted claim(s) longer than the model's {} tokens were truncated",
                scored.truncated,
                self.embedder.map_or(0, Embedder::max_seq_length)
            ));
        }
        Ok(SystemRecord {
            source,
            predictions: run::predictions_path(name),
            predictions_sha256,
            truncated: scored.truncated,
            skipped,
            coverage,
            slices: claimbench_score::slices(&scored.results, &self.plan.settings.by),
            results: scored.results,
            sweep: scored.sweep,
        })
    }
}

/// An extractor ready to run one article at a time.
enum Runner<'a> {
    /// Built in (rules, or MiniLM's head): an error aborts the run.
    Rules(Box<dyn ClaimExtractor + 'a>),
    /// A local T5 model: an error aborts the run.
    T5(Box<claimbench_extract::t5::T5Extractor>),
    /// A program: its failures are the article's.
    Command(claimbench_extract::command::CommandExtractor),
}

impl Runner<'_> {
    /// One article's claims, or (a command) why it failed on it.
    fn run(
        &self,
        doc: &Document,
        name: &str,
    ) -> Result<std::result::Result<Vec<PredictedClaim>, ArticleFailure>> {
        Ok(match self {
            Runner::Rules(x) => Ok(x.extract(doc)?),
            Runner::T5(x) => Ok(x
                .extract(doc)
                .with_context(|| format!("{name}: running the T5 model"))?),
            Runner::Command(x) => x.run_article(doc),
        })
    }
}

/// A failed article on one line: what failed and, when the program said why on stderr, its last line there.
fn one_line(f: &ArticleFailure) -> String {
    let why = f.stderr_tail.lines().rev().find(|l| !l.trim().is_empty());
    match why {
        Some(l) => format!(
            "document `{}`: {}: {} (stderr: {})",
            f.doc,
            f.kind,
            f.detail,
            l.trim()
        ),
        None => format!("document `{}`: {}: {}", f.doc, f.kind, f.detail),
    }
}
