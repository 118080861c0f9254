//! [`PairMatcher`]: the learned pair classifier behind the guards, as a [`Matcher`] and as
//! [`PairMatcher::decide`] for `claimbench similarity`.

use std::collections::BTreeMap;

use claimbench_io::sha256_hex;
use claimbench_score::{cosine, encode_each, Matcher, SimMatrix, TextEncoder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{feature_vector, scalar_features};
use crate::head::{sigmoid, PairHead};

/// The committed pair-head weights (trained by `examples/train_pair.rs`).
pub const BUILTIN_WEIGHTS: &[u8] = include_bytes!("../weights/pair-head.safetensors");
/// How the committed weights were trained (seed, data hashes, features, held-out figures).
pub const BUILTIN_TRAIN_INFO: &str = include_str!("../weights/train_info.json");

/// Default decision threshold of the pair matcher: its score is a probability, and 0.5 was fixed
/// before the held-out evaluation (see `crates/matcher/EVAL-pair.md` for the figures at it); the one
/// value is `claimbench_score::PAIR_DEFAULT_THRESHOLD`.
pub const PAIR_THRESHOLD: f32 = claimbench_score::PAIR_DEFAULT_THRESHOLD;

/// When a guard fires, the classifier's probability is multiplied by this factor, so the score
/// stays below any threshold above 0.2 while pairs keep their order.
pub const GUARD_FACTOR: f32 = 0.2;

/// A decision on one pair of claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// How likely the two claims state the same fact (after any guard veto), rounded to 4 decimals.
    pub score: f32,
    /// Whether the matcher calls them the same fact (`score >= threshold`).
    pub same: bool,
    /// Why: every guard that fired (`number: 87 vs 89`), then the classifier's probability.
    pub reasons: Vec<String>,
}

/// The learned pair matcher: guards veto, a trained head on MiniLM features decides the rest.
pub struct PairMatcher<E: TextEncoder> {
    encoder: E,
    head: PairHead,
    weights_sha256: String,
    threshold: f32,
    name: String,
}

/// Rounds a score to 4 decimals.
pub(crate) fn round4(x: f32) -> f32 {
    ((x as f64 * 1e4).round() / 1e4) as f32
}

impl<E: TextEncoder> PairMatcher<E> {
    /// A pair matcher with the committed weights; `encoder` must be the model they were trained
    /// on (all-MiniLM-L6-v2).
    pub fn new(encoder: E) -> Result<PairMatcher<E>> {
        let head = PairHead::from_safetensors(BUILTIN_WEIGHTS, "builtin:pair-head.safetensors")?;
        Ok(PairMatcher::with_head(
            encoder,
            head,
            sha256_hex(BUILTIN_WEIGHTS),
        ))
    }

    /// A pair matcher with a given head (e.g. one just trained); `weights_sha256` identifies it in manifests.
    pub fn with_head(encoder: E, head: PairHead, weights_sha256: String) -> PairMatcher<E> {
        PairMatcher {
            encoder,
            head,
            weights_sha256,
            threshold: PAIR_THRESHOLD,
            name: "pair".to_string(),
        }
    }

    /// Overrides the decision threshold.
    pub fn with_threshold(mut self, threshold: f32) -> PairMatcher<E> {
        self.threshold = threshold;
        self
    }

    /// sha256 of the head's safetensors bytes.
    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// The head.
    pub fn head(&self) -> &PairHead {
        &self.head
    }

    /// The encoder.
    pub fn encoder(&self) -> &E {
        &self.encoder
    }

    /// Embed each distinct text once.
    fn embed(&self, texts: &[&str]) -> Result<BTreeMap<String, Vec<f32>>> {
        let mut unique: Vec<&str> = texts.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut out = BTreeMap::new();
        if unique.is_empty() {
            return Ok(out);
        }
        let vectors = encode_each(&self.encoder, &unique).map_err(Error::Encoder)?;
        let dim = self.head.config().dim;
        for (t, v) in unique.into_iter().zip(vectors) {
            if v.len() != dim {
                return Err(Error::Encoder(format!(
                    "vector of dimension {} but the pair head was trained on dimension {dim}",
                    v.len()
                )));
            }
            out.insert(t.to_string(), v);
        }
        Ok(out)
    }

    /// Decide one pair from its embeddings.
    fn decide_with(&self, a: &str, b: &str, u: &[f32], v: &[f32]) -> Result<Decision> {
        Ok(decide_from_parts(&self.head, self.threshold, a, b, u, v)?.0)
    }

    /// Decide whether `a` and `b` state the same fact.
    pub fn decide(&self, a: &str, b: &str) -> Result<Decision> {
        let emb = self.embed(&[a, b])?;
        let (u, v) = (lookup(&emb, a)?, lookup(&emb, b)?);
        self.decide_with(a, b, u, v)
    }

    /// Decide many pairs, embedding each distinct text once; decisions in input order.
    pub fn decide_pairs(&self, pairs: &[(&str, &str)]) -> Result<Vec<Decision>> {
        let texts: Vec<&str> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let emb = self.embed(&texts)?;
        pairs
            .iter()
            .map(|(a, b)| self.decide_with(a, b, lookup(&emb, a)?, lookup(&emb, b)?))
            .collect()
    }
}

fn lookup<'a>(emb: &'a BTreeMap<String, Vec<f32>>, t: &str) -> Result<&'a [f32]> {
    emb.get(t)
        .map(|v| v.as_slice())
        .ok_or_else(|| Error::Encoder(format!("no vector for {t:?}")))
}

/// Score one pair with a head: (decision, raw classifier probability, guard fired).
pub fn decide_from_parts(
    head: &PairHead,
    threshold: f32,
    a: &str,
    b: &str,
    u: &[f32],
    v: &[f32],
) -> Result<(Decision, f32, bool)> {
    let set = head.config().feature_set;
    let cos = cosine(u, v);
    let (scalars, hits) = scalar_features(a, b, cos);
    let mut z = head.logit(&feature_vector(set, &scalars, u, v))?;
    if set.is_ordered() {
        let (back, _) = scalar_features(b, a, cos);
        let z2 = head.logit(&feature_vector(set, &back, v, u))?;
        z = (z + z2) / 2.0;
    }
    let p = sigmoid(z);
    let mut reasons: Vec<String> = hits.iter().map(|h| h.to_string()).collect();
    let vetoed = !hits.is_empty();
    let score = if vetoed { p * GUARD_FACTOR } else { p };
    let score = round4(score);
    reasons.push(format!("classifier: p={:.4}", p));
    let same = !vetoed && score >= threshold;
    Ok((
        Decision {
            score,
            same,
            reasons,
        },
        p,
        vetoed,
    ))
}

impl<E: TextEncoder> Matcher for PairMatcher<E> {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn default_threshold(&self) -> f32 {
        self.threshold
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> claimbench_score::Result<SimMatrix> {
        let texts: Vec<&str> = pred.iter().chain(gold).copied().collect();
        let to_score = |e: Error| claimbench_score::Error::Encoder(e.to_string());
        let emb = self.embed(&texts).map_err(to_score)?;
        let mut data = Vec::with_capacity(pred.len() * gold.len());
        for p in pred {
            let u = lookup(&emb, p).map_err(to_score)?;
            for g in gold {
                let v = lookup(&emb, g).map_err(to_score)?;
                let d = self.decide_with(p, g, u, v).map_err(to_score)?;
                data.push(d.score);
            }
        }
        SimMatrix::new(pred.len(), gold.len(), data)
    }
}
