//! From predictions to scores: builds the matcher, the per-document inputs, and the run file.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use claimbench_extract::PredictedClaim;
use claimbench_gold::GoldSet;
use claimbench_model::Embedder;
use claimbench_score::{
    threshold, Assignment, BootstrapConfig, Counts, DocInput, EvalResult, GoldItem, Manifest,
    Matcher, MatcherKind, MatcherRef, ModelRef, PredItem, Resample, ScoreConfig, Scorer, SimMatrix,
    SweepPoint,
};

use crate::args::{AssignmentArg, ResampleArg, ScoringArgs};
use crate::output::progress;

/// The matcher of a run, with what the manifest needs to know about it.
pub struct MatcherSetup {
    /// Which matcher.
    pub kind: MatcherKind,
    /// The matcher itself.
    pub matcher: Box<dyn Matcher>,
    /// The threshold in force.
    pub threshold: f32,
    /// Weights hash of the matcher (embedding model or pair head), if any.
    pub weights_sha256: Option<String>,
}

/// Parse a matcher name, with "did you mean" from the score crate.
pub fn matcher_kind(name: &str) -> Result<MatcherKind> {
    name.parse::<MatcherKind>()
        .map_err(|e| anyhow::anyhow!("--matcher: {e}"))
}

/// Build the matcher; `embedder` must be given for the matchers that need a model.
pub fn build_matcher(
    kind: MatcherKind,
    threshold: Option<f32>,
    embedder: Option<Arc<Embedder>>,
) -> Result<MatcherSetup> {
    let (matcher, weights): (Box<dyn Matcher>, Option<String>) = match kind.lexical() {
        Some(m) => (m, None),
        None => {
            let Some(embedder) = embedder else {
                bail!("the {kind} matcher needs the embedding model");
            };
            match kind {
                MatcherKind::Cosine => {
                    let sha = embedder.weights_sha256().to_string();
                    let enc = claimbench_matcher::EmbeddingEncoder::new(embedder);
                    (
                        Box::new(claimbench_score::CosineMatcher::new(enc)),
                        Some(sha),
                    )
                }
                _ => {
                    let enc = claimbench_matcher::EmbeddingEncoder::new(embedder);
                    let pair = claimbench_matcher::PairMatcher::new(enc)?;
                    let sha = pair.weights_sha256().to_string();
                    (Box::new(pair), Some(sha))
                }
            }
        }
    };
    let threshold = threshold.unwrap_or_else(|| matcher.default_threshold());
    if !threshold.is_finite() {
        bail!("--threshold must be a finite number");
    }
    Ok(MatcherSetup {
        kind,
        matcher,
        threshold,
        weights_sha256: weights,
    })
}

/// The scoring settings from the command line.
pub fn score_config(args: &ScoringArgs, threshold: f32, intervals: bool) -> ScoreConfig {
    ScoreConfig {
        threshold,
        assignment: match args.assignment {
            AssignmentArg::Optimal => Assignment::Optimal,
            AssignmentArg::Greedy => Assignment::Greedy,
        },
        bootstrap: BootstrapConfig {
            samples: if intervals { args.bootstrap } else { 0 },
            seed: args.seed,
            unit: match args.resample {
                ResampleArg::Documents => Resample::Documents,
                ResampleArg::Claims => Resample::Claims,
            },
        },
        grounding_threshold: args.grounding_threshold,
    }
}

/// The manifest of a run.
pub fn manifest(
    gold: &GoldSet,
    embedder: Option<&Embedder>,
    setup: &MatcherSetup,
    config: &ScoreConfig,
) -> Manifest {
    Manifest {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        gold_hash: gold.hash(),
        seed_hashes: gold
            .documents
            .iter()
            .map(|d| (d.id.clone(), d.sha256.clone()))
            .collect(),
        model: embedder.map(|e| ModelRef {
            name: e.model_name().to_string(),
            weights_sha256: e.weights_sha256().to_string(),
        }),
        device: embedder.map_or_else(|| "cpu".to_string(), |e| e.device_label()),
        dtype: embedder.map_or_else(|| "f32".to_string(), |e| e.precision().to_string()),
        matcher: MatcherRef {
            name: setup.kind.name().to_string(),
            weights_sha256: setup.weights_sha256.clone(),
        },
        threshold: setup.threshold,
        assignment: config.assignment,
        bootstrap_samples: config.bootstrap.samples,
        bootstrap_unit: config.bootstrap.unit,
        seed: config.bootstrap.seed,
    }
}

/// Embed every distinct text of a system once, in large length-sorted batches, so that the per-document matcher
/// and groundedness calls read the cache; returns how many texts were longer than the model's limit (truncated).
pub fn prepare_embeddings(embedder: &Embedder, texts: &[&str], label: &str) -> Result<usize> {
    let mut unique: Vec<&str> = texts.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let truncated = unique
        .iter()
        .map(|t| embedder.token_count(t).map(|(_, cut)| usize::from(cut)))
        .sum::<std::result::Result<usize, _>>()?;
    if embedder.cache_dir().is_some() && !unique.is_empty() {
        let pb = progress(unique.len() as u64, label);
        embedder.embed_with_progress(&unique, &mut |done, _| pb.set_position(done as u64))?;
        pb.finish_and_clear();
    }
    Ok(truncated)
}

/// Embeds a stream of texts ahead of matching, in chunks of large length-sorted batches, each distinct text once.
///
/// Memory holds one chunk of texts and a 16-byte digest per distinct text seen, never the whole stream.
pub struct Prefetch<'a> {
    embedder: &'a Embedder,
    seen: HashSet<[u8; 16]>,
    chunk: Vec<String>,
    truncated: usize,
    done: usize,
    bar: indicatif::ProgressBar,
}

/// Texts embedded per chunk by [`Prefetch`].
pub const PREFETCH_CHUNK: usize = 1 << 15;

impl<'a> Prefetch<'a> {
    /// Start; `total` (texts that will be added, repeats included) sizes the progress bar.
    pub fn new(embedder: &'a Embedder, total: usize, label: &str) -> Self {
        Prefetch {
            embedder,
            seen: HashSet::new(),
            chunk: Vec::new(),
            truncated: 0,
            done: 0,
            bar: progress(total as u64, label),
        }
    }

    /// Add a text; embeds the chunk once it is full.
    pub fn add(&mut self, text: &str) -> Result<()> {
        use sha2::{Digest, Sha256};
        self.done += 1;
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        if self.seen.insert(key) {
            self.chunk.push(text.to_string());
        } else {
            self.bar.set_position(self.done as u64);
        }
        if self.chunk.len() >= PREFETCH_CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let texts: Vec<&str> = self.chunk.iter().map(String::as_str).collect();
        self.truncated += texts
            .iter()
            .map(|t| {
                self.embedder
                    .token_count(t)
                    .map(|(_, cut)| usize::from(cut))
            })
            .sum::<std::result::Result<usize, _>>()?;
        if self.embedder.cache_dir().is_some() && !texts.is_empty() {
            let base = self.done - texts.len();
            let bar = &self.bar;
            self.embedder.embed_with_progress(&texts, &mut |done, _| {
                bar.set_position((base + done) as u64)
            })?;
        }
        self.bar.set_position(self.done as u64);
        self.chunk.clear();
        Ok(())
    }

    /// Embed what is left; returns how many distinct texts were longer than the model's limit (truncated).
    pub fn finish(mut self) -> Result<usize> {
        self.flush()?;
        self.bar.finish_and_clear();
        Ok(self.truncated)
    }
}

/// What scoring one system gives.
pub struct Scored {
    /// The scores.
    pub results: EvalResult,
    /// Micro P/R/F1 against the threshold (empty when not asked for).
    pub sweep: Vec<SweepPoint>,
}

/// Group an extractor's predictions by document; a prediction for a document the gold set lacks is an error.
pub fn group_by_doc(
    gold: &GoldSet,
    preds: &[PredictedClaim],
) -> Result<BTreeMap<String, Vec<PredictedClaim>>> {
    let mut by_doc: BTreeMap<String, Vec<PredictedClaim>> = BTreeMap::new();
    for p in preds {
        if gold.document(&p.doc).is_none() {
            bail!(
                "prediction for document {:?}, which the gold set lacks",
                p.doc
            );
        }
        by_doc.entry(p.doc.clone()).or_default().push(p.clone());
    }
    Ok(by_doc)
}

/// Score one system document by document: every gold document, its gold claims, its predictions (from
/// `preds_for`, in file order), their similarity matrix, and groundedness when `grounding` is given.
///
/// Only one document's predictions and matrix are held at a time, so memory stays bounded by the largest
/// document whatever the size of the whole set.
pub fn score_system(
    gold: &GoldSet,
    preds_for: &mut dyn FnMut(&str) -> Result<Vec<PredictedClaim>>,
    setup: &MatcherSetup,
    grounding: Option<&Grounding>,
    config: &ScoreConfig,
    with_sweep: bool,
    label: &str,
) -> Result<Scored> {
    let thresholds = threshold::grid(0.0, 1.0, 50);
    let mut sweep_counts = vec![Counts::default(); if with_sweep { thresholds.len() } else { 0 }];
    let mut scorer = Scorer::new(*config)?;
    let pb = progress(gold.documents.len() as u64, label);
    for d in &gold.documents {
        let gold_items: Vec<GoldItem> = gold
            .claims_for(&d.id)
            .map(|c| GoldItem {
                id: c.id.clone(),
                text: c.text.clone(),
                category: c.category.to_string(),
                check_worthy: c.check_worthy,
            })
            .collect();
        let pred_items: Vec<PredItem> = preds_for(&d.id)?
            .into_iter()
            .map(|p| PredItem {
                text: p.text,
                score: p.score,
            })
            .collect();
        let pt: Vec<&str> = pred_items.iter().map(|p| p.text.as_str()).collect();
        let gt: Vec<&str> = gold_items.iter().map(|g| g.text.as_str()).collect();
        let sim = if pt.is_empty() || gt.is_empty() {
            SimMatrix::zeros(pt.len(), gt.len())
        } else {
            setup
                .matcher
                .matrix(&pt, &gt)
                .with_context(|| format!("matching document {}", d.id))?
        };
        let grounding = match grounding {
            Some(g) => Some(g.best(&d.id, &pt)?),
            None => None,
        };
        let input = DocInput {
            doc: d.id.clone(),
            gold: gold_items,
            pred: pred_items,
            sim,
            grounding,
        };
        if with_sweep {
            for (acc, p) in sweep_counts.iter_mut().zip(threshold::sweep(
                std::slice::from_ref(&input),
                &thresholds,
                config.assignment,
            )?) {
                acc.add(p.counts);
            }
        }
        scorer.add(&input)?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    let sweep = thresholds
        .iter()
        .zip(sweep_counts)
        .map(|(&threshold, counts)| SweepPoint {
            threshold,
            counts,
            rates: counts.rates(),
        })
        .collect();
    Ok(Scored {
        results: scorer.finish(),
        sweep,
    })
}

/// Groundedness: for each predicted claim, its best cosine to any sentence of its article.
pub struct Grounding {
    embedder: Arc<Embedder>,
    sentences: BTreeMap<String, Vec<Vec<f32>>>,
}

impl Grounding {
    /// Segment and embed every article's sentences once.
    pub fn new(gold: &GoldSet, embedder: Arc<Embedder>) -> Result<Grounding> {
        let mut sentences = BTreeMap::new();
        for d in &gold.documents {
            let seg = claimbench_extract::sentences::segment(&d.text);
            let texts: Vec<&str> = seg.sentences.iter().map(|s| s.text.as_str()).collect();
            let vecs = if texts.is_empty() {
                Vec::new()
            } else {
                embedder.embed(&texts)?.vectors
            };
            sentences.insert(d.id.clone(), vecs);
        }
        Ok(Grounding {
            embedder,
            sentences,
        })
    }

    /// Best cosine of each text to the sentences of `doc` (0 for an article with no sentence).
    pub fn best(&self, doc: &str, texts: &[&str]) -> Result<Vec<f32>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let sents = self.sentences.get(doc).map(Vec::as_slice).unwrap_or(&[]);
        let vecs = self.embedder.embed(texts)?.vectors;
        Ok(vecs
            .iter()
            .map(|v| sents.iter().map(|s| cosine(v, s)).fold(0.0f32, f32::max))
            .collect())
    }
}

/// Cosine similarity of two vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        dot += f64::from(*x) * f64::from(*y);
        na += f64::from(*x) * f64::from(*x);
        nb += f64::from(*y) * f64::from(*y);
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na.sqrt() * nb.sqrt())) as f32
    }
}
