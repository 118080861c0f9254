//! From predictions to scores: builds the matcher, the per-document inputs, and the run file.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::bail;
use crate::error::{Context, Error, Result};
use claimbench_extract::PredictedClaim;
use claimbench_gold::GoldSet;
use claimbench_matcher::{EmbeddingEncoder, Memo};
use claimbench_model::Embedder;
use claimbench_score::{
    threshold, Counts, DirectionScores, DocInput, EvalResult, GoldItem, Manifest, Matcher,
    MatcherKind, MatcherRef, ModelRef, PredItem, ScoreConfig, Scorer, SimMatrix, SweepPoint,
};

use crate::progress::progress;

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
    /// The embedding model and the memo of vectors embedded ahead of each chunk of documents, when the
    /// matcher needs a model.
    pub embedding: Option<(Arc<Embedder>, Arc<Memo>)>,
    /// For a directional matcher, the probability at which one direction counts as stated.
    pub directional: Option<f32>,
}

/// Parameters for `align` or `cover` read from a file instead of the committed calibration
/// (`--matcher-params`); the manifest records their sha256 as the matcher's weights.
#[derive(Debug, Clone, PartialEq)]
pub struct MatcherParams {
    /// The file as the user named it (for errors).
    pub source: String,
    /// Its text: JSON in the format of `crates/matcher/weights/align.json`.
    pub text: String,
}

impl MatcherParams {
    /// The parameters for matcher `kind` with their sha256; an error for a matcher that reads none, or for
    /// a file that is not valid parameters.
    pub fn parse(&self, kind: MatcherKind) -> Result<(claimbench_matcher::AlignParams, String)> {
        if !matches!(kind, MatcherKind::Align | MatcherKind::Cover) {
            bail!(
                "--matcher-params {}: only the align and cover matchers read a parameters file, not {kind}",
                self.source
            );
        }
        let params = claimbench_matcher::AlignParams::parse(&self.text, &self.source)?;
        if kind == MatcherKind::Cover && params.direction_threshold.is_none() {
            bail!(
                "--matcher-params {}: the cover matcher needs a direction_threshold",
                self.source
            );
        }
        Ok((params, claimbench_io::sha256_hex(self.text.as_bytes())))
    }
}

/// The align matcher, with `params` when given, else the committed calibration.
pub fn align_matcher(
    enc: EmbeddingEncoder,
    params: Option<&MatcherParams>,
) -> Result<claimbench_matcher::AlignMatcher<EmbeddingEncoder>> {
    Ok(match params {
        Some(p) => {
            let (params, sha) = p.parse(MatcherKind::Align)?;
            claimbench_matcher::AlignMatcher::with_params(enc, params, sha)
        }
        None => claimbench_matcher::AlignMatcher::new(enc)?,
    })
}

/// The cover matcher, with `params` when given, else the committed calibration.
pub fn cover_matcher(
    enc: EmbeddingEncoder,
    params: Option<&MatcherParams>,
) -> Result<claimbench_matcher::CoverMatcher<EmbeddingEncoder>> {
    Ok(match params {
        Some(p) => {
            let (params, sha) = p.parse(MatcherKind::Cover)?;
            claimbench_matcher::CoverMatcher::with_params(enc, params, sha)
        }
        None => claimbench_matcher::CoverMatcher::new(enc)?,
    })
}

/// The cross matcher: the committed cover calibration and cross model.
pub fn cross_matcher(
    enc: EmbeddingEncoder,
) -> Result<claimbench_matcher::CrossMatcher<EmbeddingEncoder>> {
    Ok(claimbench_matcher::CrossMatcher::builtin(
        claimbench_matcher::CoverMatcher::new(enc)?,
    )?)
}

/// The blend matcher: the committed cover, align and blend calibrations and cross model.
pub fn blend_matcher(
    enc: EmbeddingEncoder,
) -> Result<claimbench_matcher::CrossMatcher<EmbeddingEncoder>> {
    Ok(claimbench_matcher::CrossMatcher::builtin_blend(
        claimbench_matcher::CoverMatcher::new(enc)?,
    )?)
}

/// Parse a matcher name, with "did you mean" from the score crate.
pub fn matcher_kind(name: &str) -> Result<MatcherKind> {
    name.parse::<MatcherKind>()
        .map_err(|e| Error::msg(format!("--matcher: {e}")))
}

/// Build the matcher, with `params` for align or cover when given; `embedder` must be given for the matchers
/// that need a model.
pub fn build_matcher(
    kind: MatcherKind,
    threshold: Option<f32>,
    embedder: Option<Arc<Embedder>>,
    params: Option<&MatcherParams>,
) -> Result<MatcherSetup> {
    if let Some(p) = params {
        p.parse(kind)?;
    }
    let mut embedding = None;
    let mut model = |tokens: bool| -> Result<(Arc<Embedder>, EmbeddingEncoder)> {
        let Some(embedder) = embedder.clone() else {
            bail!("the {kind} matcher needs the embedding model");
        };
        let memo = Arc::new(if tokens {
            Memo::with_tokens()
        } else {
            Memo::new()
        });
        embedding = Some((embedder.clone(), memo.clone()));
        let enc = EmbeddingEncoder::new(embedder.clone()).with_memo(memo);
        Ok((embedder, enc))
    };
    let mut directional = None;
    let (matcher, weights): (Box<dyn Matcher>, Option<String>) = match kind {
        MatcherKind::Exact => (Box::new(claimbench_score::ExactMatcher), None),
        MatcherKind::TokenF1 => (Box::new(claimbench_score::TokenF1Matcher), None),
        MatcherKind::RougeL => (Box::new(claimbench_score::RougeLMatcher), None),
        MatcherKind::Cosine => {
            let (embedder, enc) = model(false)?;
            (
                Box::new(claimbench_score::CosineMatcher::new(enc)),
                Some(embedder.weights_sha256().to_string()),
            )
        }
        MatcherKind::Pair => {
            let pair = claimbench_matcher::PairMatcher::new(model(false)?.1)?;
            let sha = pair.weights_sha256().to_string();
            (Box::new(pair), Some(sha))
        }
        MatcherKind::Align => {
            let align = align_matcher(model(true)?.1, params)?;
            let sha = align.params_sha256().to_string();
            (Box::new(align), Some(sha))
        }
        MatcherKind::Cover => {
            let cover = cover_matcher(model(true)?.1, params)?;
            let sha = cover.params_sha256().to_string();
            directional = Some(cover.direction_threshold());
            (Box::new(cover), Some(sha))
        }
        MatcherKind::Cross | MatcherKind::Blend => {
            let enc = model(true)?.1;
            let cross = if kind == MatcherKind::Blend {
                blend_matcher(enc)?
            } else {
                cross_matcher(enc)?
            };
            let sha = cross.sha256().to_string();
            directional = Some(cross.params().direction_threshold);
            (Box::new(cross), Some(sha))
        }
    };
    // every matcher: identical claims score 1.0, scores bounded
    let matcher: Box<dyn Matcher> = Box::new(claimbench_score::IdentityFloor::new(matcher));
    let threshold = threshold.unwrap_or_else(|| matcher.default_threshold());
    if !threshold.is_finite() {
        bail!("--threshold must be a finite number");
    }
    Ok(MatcherSetup {
        kind,
        matcher,
        threshold,
        weights_sha256: weights,
        embedding,
        directional,
    })
}

/// The manifest of a run (`calibration`: the sha256 of the calibration file that set the threshold, if any).
pub fn manifest(
    gold: &GoldSet,
    embedder: Option<&Embedder>,
    setup: &MatcherSetup,
    config: &ScoreConfig,
    calibration: Option<&str>,
    documents: &[String],
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
        calibration: calibration.map(str::to_string),
        documents: (!documents.is_empty()).then(|| documents.to_vec()),
    }
}

/// What scoring one system gives.
pub struct Scored {
    /// The scores.
    pub results: EvalResult,
    /// Micro P/R/F1 against the threshold (empty when not asked for).
    pub sweep: Vec<SweepPoint>,
    /// Distinct predicted texts longer than the model's limit, truncated while embedding.
    pub truncated: usize,
    /// Digests (see [`digest`]) of those truncated texts, for merging shards without counting one twice.
    pub truncated_texts: std::collections::BTreeSet<[u8; 16]>,
    /// Seconds from the start of scoring to the first document's scores.
    pub first_result_s: Option<f64>,
}

/// How one system is scored.
#[derive(Debug, Clone, Copy)]
pub struct SystemRun<'a> {
    /// Progress-bar label.
    pub label: &'a str,
    /// Whether to compute the threshold sweep.
    pub with_sweep: bool,
    /// Predicted and gold claims per chunk of documents (see [`crate::settings::CHUNK_TEXTS`]).
    pub chunk_texts: usize,
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
/// Documents go in chunks of about `how.chunk_texts` predicted and gold claims: a chunk's distinct texts are embedded together in
/// length-sorted batches (each text once), then its documents are matched and scored, then its vectors and
/// predictions are dropped. Memory stays bounded by the chunk whatever the size of the whole set.
pub fn score_system(
    gold: &GoldSet,
    preds_for: &mut dyn FnMut(&str) -> Result<Vec<PredictedClaim>>,
    setup: &MatcherSetup,
    grounding: Option<&Grounding>,
    config: &ScoreConfig,
    how: &SystemRun<'_>,
) -> Result<Scored> {
    let SystemRun {
        label,
        with_sweep,
        chunk_texts,
    } = *how;
    let started = std::time::Instant::now();
    let thresholds = threshold::grid(0.0, 1.0, 50);
    let mut sweep_counts = vec![Counts::default(); if with_sweep { thresholds.len() } else { 0 }];
    let mut scorer = Scorer::new(*config)?;
    let mut truncated = 0;
    let mut truncated_texts = std::collections::BTreeSet::new();
    let mut seen: HashSet<[u8; 16]> = HashSet::new();
    let mut first_result_s = None;
    let pb = progress(gold.documents.len() as u64, label);
    let docs = &gold.documents;
    let mut next = 0;
    // The model and memo that each chunk is embedded into: the matcher's, else groundedness's.
    let embedding: Option<(&Embedder, &Memo)> = match (&setup.embedding, grounding) {
        (Some((e, m)), _) => Some((e.as_ref(), m.as_ref())),
        (None, Some(g)) => Some((g.embedder.as_ref(), g.memo.as_ref())),
        (None, None) => None,
    };
    while next < docs.len() {
        // One chunk: documents with their gold and predicted claims, up to about CHUNK_TEXTS texts.
        let mut chunk = Vec::new();
        let mut texts = 0;
        while next < docs.len() && (chunk.is_empty() || texts < chunk_texts) {
            let d = &docs[next];
            let gold_items: Vec<GoldItem> = gold
                .claims_for(&d.id)
                .map(|c| GoldItem {
                    id: c.id.clone(),
                    text: c.text.clone(),
                    category: c.category.to_string(),
                    check_worthy: c.check_worthy,
                    evidence: c.evidence.iter().map(|s| (s.start, s.end)).collect(),
                })
                .collect();
            let pred_items: Vec<PredItem> = preds_for(&d.id)?
                .into_iter()
                .map(|p| PredItem {
                    text: p.text,
                    score: p.score,
                    evidence: p.evidence.iter().map(|s| (s.start, s.end)).collect(),
                })
                .collect();
            texts += gold_items.len() + pred_items.len();
            // The article's sentences, segmented once: embedded with the chunk and read by groundedness.
            let sentences = match grounding {
                Some(_) => Grounding::sentences(&d.text),
                None => Vec::new(),
            };
            chunk.push((d, gold_items, pred_items, sentences));
            next += 1;
        }
        if let Some((embedder, memo)) = embedding {
            for (_, _, preds, _) in &chunk {
                for p in preds {
                    let key = digest(&p.text);
                    if seen.insert(key) && embedder.token_count(&p.text)?.1 {
                        truncated += 1;
                        truncated_texts.insert(key);
                    }
                }
            }
            let mut all: Vec<&str> = Vec::new();
            for (_, golds, preds, sentences) in &chunk {
                all.extend(preds.iter().map(|p| p.text.as_str()));
                all.extend(golds.iter().map(|g| g.text.as_str()));
                all.extend(sentences.iter().map(String::as_str));
            }
            let base = pb.message();
            memo.fill(embedder, &all, &mut |done, total| {
                pb.set_message(format!("{base}: embedding {done}/{total}"));
            })?;
            pb.set_message(base);
        }
        for (d, gold_items, pred_items, sentences) in chunk {
            let pt: Vec<&str> = pred_items.iter().map(|p| p.text.as_str()).collect();
            let gt: Vec<&str> = gold_items.iter().map(|g| g.text.as_str()).collect();
            let scores = if pt.is_empty() || gt.is_empty() {
                let zeros = || SimMatrix::zeros(pt.len(), gt.len());
                claimbench_score::Scores {
                    sim: zeros(),
                    directions: setup.directional.map(|threshold| DirectionScores {
                        pred_states_gold: zeros(),
                        gold_states_pred: zeros(),
                        threshold,
                    }),
                }
            } else {
                setup
                    .matcher
                    .scores(&pt, &gt)
                    .with_context(|| format!("matching document {}", d.id))?
            };
            let grounding = match grounding {
                Some(g) => Some(g.best(&sentences, &pt)?),
                None => None,
            };
            let input = DocInput {
                doc: d.id.clone(),
                gold: gold_items,
                pred: pred_items,
                sim: scores.sim,
                grounding,
                directions: scores.directions,
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
            scorer.add(&input, &claimbench_matcher::guards::check)?;
            first_result_s.get_or_insert_with(|| started.elapsed().as_secs_f64());
            pb.inc(1);
        }
        if let Some((_, memo)) = embedding {
            memo.clear();
        }
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
        truncated,
        truncated_texts,
        first_result_s,
    })
}

/// The first 16 bytes of a text's sha256: a set key for distinct texts without keeping the texts.
fn digest(text: &str) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let full: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let mut key = [0u8; 16];
    key.copy_from_slice(&full[..16]);
    key
}

/// Groundedness: for each predicted claim, its best cosine to any sentence of its article.
pub struct Grounding {
    embedder: Arc<Embedder>,
    memo: Arc<Memo>,
    encoder: EmbeddingEncoder,
}

impl Grounding {
    /// Groundedness with `embedder`, sharing the matcher's memo when it has one (so each chunk is embedded once).
    pub fn new(embedder: Arc<Embedder>, setup: &MatcherSetup) -> Grounding {
        let memo = setup
            .embedding
            .as_ref()
            .map_or_else(|| Arc::new(Memo::new()), |(_, m)| m.clone());
        Grounding {
            encoder: EmbeddingEncoder::new(embedder.clone()).with_memo(memo.clone()),
            embedder,
            memo,
        }
    }

    /// The sentences of an article that claims are grounded in.
    pub fn sentences(article: &str) -> Vec<String> {
        claimbench_extract::sentences::segment(article)
            .sentences
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    /// Best cosine of each text to an article's [`Grounding::sentences`] (0 for an article with no sentence).
    pub fn best(&self, sentences: &[String], texts: &[&str]) -> Result<Vec<f32>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let sents: Vec<&str> = sentences.iter().map(String::as_str).collect();
        let svecs = if sents.is_empty() {
            Vec::new()
        } else {
            self.encoder.vectors(&sents)?
        };
        let vecs = self.encoder.vectors(texts)?;
        Ok(vecs
            .iter()
            .map(|v| {
                svecs
                    .iter()
                    .map(|s| claimbench_score::cosine(v, s))
                    .fold(0.0f32, f32::max)
            })
            .collect())
    }
}
