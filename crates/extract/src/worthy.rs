//! The `minilm-worthy` extractor: a learned sentence selector.
//!
//! Each body sentence of each article ([`crate::sentences::segment`]) is embedded (MiniLM through the
//! model crate's [`Embedder`], or any [`SentenceEncoder`]), and a logistic-regression head
//! (candle-nn [`Linear`], AdamW, sigmoid binary cross-entropy) predicts whether the sentence carries
//! check-worthy gold claims. A sentence is labelled positive when the **first** evidence span of any
//! `check_worthy` gold claim of its document overlaps the sentence's span.
//!
//! Leave-one-document-out: the probabilities for article `d` come from a head trained on the sentences
//! of every other article only. [`MinilmWorthy::plan`] records, for each article, the documents whose
//! sentences actually trained its head (computed from the training rows, not from intent).
//!
//! Deterministic: the weights start from a seeded RNG ([`WorthyOptions::seed`]), training is full-batch
//! for a fixed number of epochs, and the same inputs give the same probabilities. It emits every sentence
//! with probability `>= threshold` (default 0.5), the probability as its score and the sentence span as
//! evidence.

use crate::sentences::{self, Sentence};
use crate::{ClaimExtractor, Document, Error, PredictedClaim, Result, Span};
use candle_core::{Device, Tensor, Var};
use candle_nn::{Linear, Module, Optimizer};
use claimbench_gold::Claim;
use claimbench_model::Embedder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

/// Anything that turns sentences into fixed-size vectors (input order preserved).
pub trait SentenceEncoder {
    /// One vector per text, all the same length.
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
}

impl SentenceEncoder for Embedder {
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(self.embed(texts)?.vectors)
    }
}

/// Training and selection options.
#[derive(Debug, Clone, PartialEq)]
pub struct WorthyOptions {
    /// Sentences with probability at or above this are emitted.
    pub threshold: f32,
    /// Full-batch training epochs.
    pub epochs: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Seed of the initial weights.
    pub seed: u64,
    /// Weight the loss so both classes count equally (positives are the large majority in the gold).
    pub balance_classes: bool,
}

impl Default for WorthyOptions {
    fn default() -> Self {
        WorthyOptions {
            threshold: 0.5,
            epochs: 100,
            learning_rate: 0.05,
            weight_decay: 0.01,
            seed: 17,
            balance_classes: true,
        }
    }
}

/// One leave-one-out fold: the head that predicts `predicted_doc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    /// The article this head predicts.
    pub predicted_doc: String,
    /// The documents whose sentences were in its training rows (sorted).
    pub trained_on: Vec<String>,
    /// Training sentences.
    pub train_sentences: usize,
    /// Positive training sentences.
    pub train_positive: usize,
    /// Mean training loss after the last epoch.
    pub final_loss: f32,
}

/// The leave-one-document-out plan, one fold per article (in document order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoocvPlan {
    /// The folds.
    pub folds: Vec<Fold>,
}

impl LoocvPlan {
    /// True when no head was trained on a sentence of the article it predicts.
    pub fn is_leave_one_out(&self) -> bool {
        self.folds
            .iter()
            .all(|f| !f.trained_on.contains(&f.predicted_doc))
    }
}

/// A sentence with its gold label and leave-one-out probability.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredSentence {
    /// The sentence and its span.
    pub sentence: Sentence,
    /// Gold label: overlaps the first evidence span of a check-worthy claim.
    pub label: bool,
    /// Probability from the head that did not see this article.
    pub probability: f32,
}

/// The trained `minilm-worthy` extractor.
#[derive(Debug, Clone)]
pub struct MinilmWorthy {
    name: String,
    opts: WorthyOptions,
    plan: LoocvPlan,
    /// doc id -> (article text, scored sentences)
    scored: BTreeMap<String, (String, Vec<ScoredSentence>)>,
}

/// The gold label of each sentence of one document.
pub fn labels(sentences: &[Sentence], doc: &str, claims: &[Claim]) -> Vec<bool> {
    let firsts: Vec<Span> = claims
        .iter()
        .filter(|c| c.doc == doc && c.check_worthy)
        .filter_map(|c| c.evidence.first().copied())
        .collect();
    sentences
        .iter()
        .map(|s| {
            firsts
                .iter()
                .any(|e| e.start < s.span.end && s.span.start < e.end)
        })
        .collect()
}

/// A trained logistic-regression head.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// Weights, one per embedding dimension.
    pub weights: Vec<f32>,
    /// Bias.
    pub bias: f32,
    /// Mean loss after the last epoch.
    pub final_loss: f32,
}

impl Head {
    /// The probability of one embedding.
    pub fn probability(&self, x: &[f32]) -> f32 {
        let z: f64 = self
            .weights
            .iter()
            .zip(x)
            .map(|(w, v)| f64::from(*w) * f64::from(*v))
            .sum::<f64>()
            + f64::from(self.bias);
        (1.0 / (1.0 + (-z).exp())) as f32
    }
}

/// Train a logistic-regression head on rows `x` (all the same length) and 0/1 labels `y`.
pub fn train_head(x: &[Vec<f32>], y: &[bool], opts: &WorthyOptions) -> Result<Head> {
    let name = "minilm-worthy";
    let train_err = |message: String| Error::Training {
        extractor: name.to_string(),
        message,
    };
    if x.is_empty() || x.len() != y.len() {
        return Err(train_err(format!(
            "need as many labels as rows and at least one row ({} rows, {} labels)",
            x.len(),
            y.len()
        )));
    }
    let dim = x[0].len();
    if dim == 0 || x.iter().any(|r| r.len() != dim) {
        return Err(train_err("embeddings of different or zero length".into()));
    }
    if x.iter().flatten().any(|v| !v.is_finite()) {
        return Err(train_err("an embedding has a NaN or infinite value".into()));
    }
    let dev = Device::Cpu;
    let ctx = |what: &str| Error::candle(format!("{name}: {what}"));
    let flat: Vec<f32> = x.iter().flatten().copied().collect();
    let xs = Tensor::from_vec(flat, (x.len(), dim), &dev).map_err(ctx("inputs"))?;
    let ys: Vec<f32> = y.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    let n_pos = y.iter().filter(|&&b| b).count();
    let n_neg = y.len() - n_pos;
    // Per-row loss weights: 1 each, or n / (2 * class count) with class balancing.
    let weights: Vec<f32> = y
        .iter()
        .map(|&b| {
            let class = if b { n_pos } else { n_neg };
            if opts.balance_classes && n_pos > 0 && n_neg > 0 {
                y.len() as f32 / (2.0 * class as f32)
            } else {
                1.0
            }
        })
        .collect();
    let row_w = Tensor::from_vec(weights, (x.len(), 1), &dev).map_err(ctx("weights"))?;
    let ys = Tensor::from_vec(ys, (x.len(), 1), &dev).map_err(ctx("labels"))?;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let bound = 1.0 / (dim as f32).sqrt();
    let w0: Vec<f32> = (0..dim).map(|_| rng.gen_range(-bound..bound)).collect();
    let w = Var::from_vec(w0, (1, dim), &dev).map_err(ctx("init"))?;
    let b = Var::from_vec(vec![0f32], 1, &dev).map_err(ctx("init"))?;
    let linear = Linear::new(w.as_tensor().clone(), Some(b.as_tensor().clone()));
    let params = candle_nn::ParamsAdamW {
        lr: opts.learning_rate,
        weight_decay: opts.weight_decay,
        ..Default::default()
    };
    let mut opt =
        candle_nn::AdamW::new(vec![w.clone(), b.clone()], params).map_err(ctx("optimiser"))?;
    let mut final_loss = f32::NAN;
    for _ in 0..opts.epochs.max(1) {
        let loss = bce_with_logits(&linear.forward(&xs).map_err(ctx("forward"))?, &ys, &row_w)
            .map_err(ctx("loss"))?;
        opt.backward_step(&loss).map_err(ctx("backward"))?;
        final_loss = loss.to_scalar::<f32>().map_err(ctx("loss"))?;
    }
    let weights: Vec<f32> = w
        .as_tensor()
        .flatten_all()
        .and_then(|t| t.to_vec1())
        .map_err(ctx("weights"))?;
    let bias = b
        .as_tensor()
        .to_vec1::<f32>()
        .map_err(ctx("bias"))?
        .first()
        .copied()
        .unwrap_or(0.0);
    Ok(Head {
        weights,
        bias,
        final_loss,
    })
}

/// Weighted mean binary cross-entropy of logits `z` against targets `y` (row weights `w`, which average
/// to 1), in the stable form `max(z, 0) - z*y + ln(1 + exp(-|z|))`.
fn bce_with_logits(z: &Tensor, y: &Tensor, w: &Tensor) -> candle_core::Result<Tensor> {
    let softplus = (z.relu()? + ((z.abs()?.neg()?.exp()? + 1.0)?.log()?))?;
    ((softplus - (z * y)?)? * w)?.mean_all()
}

impl MinilmWorthy {
    /// Embed every body sentence of `docs` with `encoder`, label them from `claims`, and train one head
    /// per document on the other documents (leave-one-document-out).
    pub fn train(
        encoder: &dyn SentenceEncoder,
        docs: &[Document],
        claims: &[Claim],
        opts: WorthyOptions,
    ) -> Result<Self> {
        let name = "minilm-worthy".to_string();
        if !(0.0..=1.0).contains(&opts.threshold) {
            return Err(Error::Options {
                option: "threshold".into(),
                message: format!("{} is not in [0, 1]", opts.threshold),
            });
        }
        let ids: BTreeSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        if ids.len() != docs.len() {
            return Err(Error::Training {
                extractor: name,
                message: "duplicate document ids".into(),
            });
        }
        if docs.len() < 2 {
            return Err(Error::Training {
                extractor: name,
                message: format!(
                    "leave-one-document-out needs at least 2 documents, got {}",
                    docs.len()
                ),
            });
        }
        // Rows: (doc index, sentence, label).
        let mut rows: Vec<(usize, Sentence, bool)> = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            let sents = sentences::segment(&d.text).sentences;
            let labs = labels(&sents, &d.id, claims);
            rows.extend(sents.into_iter().zip(labs).map(|(s, l)| (i, s, l)));
        }
        let texts: Vec<&str> = rows.iter().map(|(_, s, _)| s.text.as_str()).collect();
        let emb = if texts.is_empty() {
            Vec::new()
        } else {
            encoder.encode(&texts)?
        };
        if emb.len() != rows.len() {
            return Err(Error::Training {
                extractor: name,
                message: format!(
                    "the encoder returned {} vectors for {} sentences",
                    emb.len(),
                    rows.len()
                ),
            });
        }
        let mut plan = LoocvPlan::default();
        let mut scored = BTreeMap::new();
        for (held, d) in docs.iter().enumerate() {
            let train_idx: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].0 != held).collect();
            let test_idx: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].0 == held).collect();
            let trained_on: Vec<String> = train_idx
                .iter()
                .map(|&r| docs[rows[r].0].id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let x: Vec<Vec<f32>> = train_idx.iter().map(|&r| emb[r].clone()).collect();
            let y: Vec<bool> = train_idx.iter().map(|&r| rows[r].2).collect();
            let head = if x.is_empty() {
                None
            } else {
                Some(train_head(&x, &y, &opts)?)
            };
            let sents: Vec<ScoredSentence> = test_idx
                .iter()
                .map(|&r| ScoredSentence {
                    sentence: rows[r].1.clone(),
                    label: rows[r].2,
                    probability: head.as_ref().map_or(0.0, |h| h.probability(&emb[r])),
                })
                .collect();
            plan.folds.push(Fold {
                predicted_doc: d.id.clone(),
                trained_on,
                train_sentences: y.len(),
                train_positive: y.iter().filter(|&&l| l).count(),
                final_loss: head.as_ref().map_or(f32::NAN, |h| h.final_loss),
            });
            scored.insert(d.id.clone(), (d.text.clone(), sents));
        }
        Ok(MinilmWorthy {
            name,
            opts,
            plan,
            scored,
        })
    }

    /// The leave-one-out plan actually used.
    pub fn plan(&self) -> &LoocvPlan {
        &self.plan
    }

    /// The options.
    pub fn options(&self) -> &WorthyOptions {
        &self.opts
    }

    /// Every sentence of a document with its label and probability.
    pub fn scored(&self, doc: &str) -> Option<&[ScoredSentence]> {
        self.scored.get(doc).map(|(_, s)| s.as_slice())
    }
}

impl ClaimExtractor for MinilmWorthy {
    fn name(&self) -> &str {
        &self.name
    }

    fn extract(&self, doc: &Document) -> Result<Vec<PredictedClaim>> {
        let Some((text, sents)) = self.scored.get(&doc.id) else {
            return Err(Error::Document {
                extractor: self.name.clone(),
                doc: doc.id.clone(),
                message:
                    "not among the documents it was trained for (leave-one-out predicts only those)"
                        .into(),
            });
        };
        if *text != doc.text {
            return Err(Error::Document {
                extractor: self.name.clone(),
                doc: doc.id.clone(),
                message: "the article text differs from the one it was trained with".into(),
            });
        }
        Ok(sents
            .iter()
            .filter(|s| s.probability >= self.opts.threshold)
            .map(|s| PredictedClaim {
                doc: doc.id.clone(),
                text: s.sentence.text.clone(),
                score: Some(s.probability),
                evidence: vec![s.sentence.span],
                extra: Default::default(),
            })
            .collect())
    }
}
