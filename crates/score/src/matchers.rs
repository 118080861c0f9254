//! Matchers: each turns the predicted and gold claims of one document into a [`SimMatrix`].
//!
//! - [`ExactMatcher`]: 1 when the two texts are equal after [`normalize_exact`], else 0.
//! - [`TokenF1Matcher`]: the SQuAD v1.1 token F1 (bag-of-tokens overlap after SQuAD normalisation).
//! - [`RougeLMatcher`]: ROUGE-L F-measure (longest common token subsequence) with rouge-score's tokenizer.
//! - [`CosineMatcher`]: cosine of sentence embeddings from any [`TextEncoder`].
//!
//! The lexical matchers tokenise each text once per call and intern tokens to integers, so a document costs
//! one pass over its texts plus the pairwise work (ROUGE-L uses a bit-parallel LCS).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::matrix::SimMatrix;
use crate::text::{normalize_exact, rouge_normalize, squad_normalize};

/// Something that scores every predicted claim against every gold claim of one document.
pub trait Matcher: Send + Sync {
    /// The matcher's name as written in manifests (`exact`, `token-f1`, `rouge-l`, `cosine`, ...).
    fn name(&self) -> String;
    /// The threshold at or above which a pair counts as a match, unless the user gives one.
    fn default_threshold(&self) -> f32;
    /// The `pred.len()` by `gold.len()` similarity matrix.
    fn matrix(&self, pred: &[&str], gold: &[&str]) -> Result<SimMatrix>;
    /// The similarity matrix and, for a directional matcher, both directions of every pair.
    fn scores(&self, pred: &[&str], gold: &[&str]) -> Result<Scores> {
        Ok(Scores {
            sim: self.matrix(pred, gold)?,
            directions: None,
        })
    }
}

/// A matcher's scores of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// `pred.len()` by `gold.len()` similarities.
    pub sim: SimMatrix,
    /// Both directions of every pair, from a directional matcher.
    pub directions: Option<DirectionScores>,
}

/// Both directions of every (prediction, gold claim) pair, from a directional matcher.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectionScores {
    /// The probability that the prediction states all of the gold claim.
    pub pred_states_gold: SimMatrix,
    /// The probability that the gold claim states all of the prediction.
    pub gold_states_pred: SimMatrix,
    /// The probability at which one direction counts as stated.
    pub threshold: f32,
}

/// Something that turns texts into vectors (one per text, input order kept), e.g. a sentence-embedding model.
pub trait TextEncoder: Send + Sync {
    /// One vector per text, in input order; an error message on failure.
    fn encode(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String>;

    /// The `pred.len()` by `gold.len()` matrix of dot products of unit vectors, row-major, clamped to [-1, 1].
    ///
    /// The default computes it on the CPU in f64; an encoder on an accelerator may compute it there instead.
    fn cosine_matrix(
        &self,
        pred: &[&[f32]],
        gold: &[&[f32]],
    ) -> std::result::Result<Vec<f32>, String> {
        Ok(cosine_matrix_cpu(pred, gold))
    }
}

/// One vector per text from `encoder`; an error message when it fails or returns another number of vectors.
pub fn encode_each<E: TextEncoder + ?Sized>(
    encoder: &E,
    texts: &[&str],
) -> std::result::Result<Vec<Vec<f32>>, String> {
    let vectors = encoder.encode(texts)?;
    if vectors.len() != texts.len() {
        return Err(format!(
            "{} vectors for {} texts",
            vectors.len(),
            texts.len()
        ));
    }
    Ok(vectors)
}

/// Cosine of two vectors, accumulated in f64 and clamped to [-1, 1] (0 when either is zero).
pub fn cosine(u: &[f32], v: &[f32]) -> f32 {
    let (mut dot, mut nu, mut nv) = (0f64, 0f64, 0f64);
    for (x, y) in u.iter().zip(v) {
        dot += *x as f64 * *y as f64;
        nu += *x as f64 * *x as f64;
        nv += *y as f64 * *y as f64;
    }
    if nu <= 0.0 || nv <= 0.0 {
        0.0
    } else {
        (dot / (nu.sqrt() * nv.sqrt())).clamp(-1.0, 1.0) as f32
    }
}

/// The dot products of unit vectors `pred` by `gold`, row-major, accumulated in f64 and clamped to [-1, 1].
pub fn cosine_matrix_cpu(pred: &[&[f32]], gold: &[&[f32]]) -> Vec<f32> {
    let mut out = Vec::with_capacity(pred.len() * gold.len());
    for a in pred {
        for b in gold {
            let dot: f64 = a.iter().zip(*b).map(|(x, y)| *x as f64 * *y as f64).sum();
            out.push(dot.clamp(-1.0, 1.0) as f32);
        }
    }
    out
}

/// Default threshold of [`ExactMatcher`] (its similarities are 0 or 1).
pub const EXACT_DEFAULT_THRESHOLD: f32 = 1.0;
/// Default threshold of [`TokenF1Matcher`].
pub const TOKEN_F1_DEFAULT_THRESHOLD: f32 = 0.5;
/// Default threshold of [`RougeLMatcher`].
pub const ROUGE_L_DEFAULT_THRESHOLD: f32 = 0.5;
/// Default threshold of [`CosineMatcher`] with the default embedding model (all-MiniLM-L6-v2): the cut that
/// agrees best (Cohen's kappa) with the hand-labelled pairs of `gold/pairs.jsonl`, computed by
/// `claimbench-matcher`'s `train_pair` example, which checks it equals `PLAIN_COSINE_KAPPA_THRESHOLD`.
pub const COSINE_DEFAULT_THRESHOLD: f32 = 0.757_978_56;
/// Default threshold of the learned pair matcher (its scores are probabilities).
pub const PAIR_DEFAULT_THRESHOLD: f32 = 0.5;

/// Default threshold of the `align` matcher (its score is a calibrated probability).
pub const ALIGN_DEFAULT_THRESHOLD: f32 = 0.5;

/// Default threshold of the `cover` matcher, on each direction's calibrated probability.
pub const COVER_DEFAULT_THRESHOLD: f32 = 0.5;

/// Default threshold of the `cross` matcher, on each direction's probability (its committed parameters set
/// their own).
pub const CROSS_DEFAULT_THRESHOLD: f32 = 0.5;

/// Default threshold of the `blend` matcher, on each direction's probability (its committed parameters set
/// their own).
pub const BLEND_DEFAULT_THRESHOLD: f32 = 0.5;

/// Interns the space-separated tokens of normalised texts to dense integers (borrowing the texts).
#[derive(Default)]
struct Vocab<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> Vocab<'a> {
    fn intern(&mut self, normalised: &'a str) -> Vec<u32> {
        normalised
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|t| {
                let next = self.ids.len() as u32;
                *self.ids.entry(t).or_insert(next)
            })
            .collect()
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Exact match after [`normalize_exact`] (NFKC, lowercase, collapsed whitespace, punctuation stripped at the ends).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactMatcher;

impl Matcher for ExactMatcher {
    fn name(&self) -> String {
        MatcherKind::Exact.to_string()
    }

    fn default_threshold(&self) -> f32 {
        EXACT_DEFAULT_THRESHOLD
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> Result<SimMatrix> {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut id_of = |t: &str| {
            let next = ids.len() as u32;
            *ids.entry(normalize_exact(t)).or_insert(next)
        };
        let p: Vec<u32> = pred.iter().map(|t| id_of(t)).collect();
        let g: Vec<u32> = gold.iter().map(|t| id_of(t)).collect();
        Ok(SimMatrix::from_fn(p.len(), g.len(), |i, j| {
            if p[i] == g[j] {
                1.0
            } else {
                0.0
            }
        }))
    }
}

/// SQuAD v1.1 token F1 of two texts (0 when either normalises to no tokens).
pub fn token_f1(pred: &str, gold: &str) -> f64 {
    let (pn, gn) = (squad_normalize(pred), squad_normalize(gold));
    let mut vocab = Vocab::default();
    let p = vocab.intern(&pn);
    let g = vocab.intern(&gn);
    let mut counts = vec![0u32; vocab.len()];
    for &t in &g {
        counts[t as usize] += 1;
    }
    let mut used = Vec::new();
    f1_from_common(common_tokens(&p, &mut counts, &mut used), p.len(), g.len())
}

/// Number of tokens of `pred` found in the multiset `counts` (restored before returning).
fn common_tokens(pred: &[u32], counts: &mut [u32], used: &mut Vec<u32>) -> usize {
    let mut common = 0;
    for &t in pred {
        let c = &mut counts[t as usize];
        if *c > 0 {
            *c -= 1;
            common += 1;
            used.push(t);
        }
    }
    for t in used.drain(..) {
        counts[t as usize] += 1;
    }
    common
}

/// The SQuAD F1 from the overlap and the two lengths, computed in the script's order.
/// [`token_f1`] of texts already split into SQuAD tokens ([`crate::text::squad_tokens`]): for a text compared
/// with many others.
pub fn token_f1_of(pred: &[String], gold: &[String]) -> f64 {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for t in gold {
        *counts.entry(t.as_str()).or_default() += 1;
    }
    let mut common = 0;
    for t in pred {
        if let Some(n) = counts.get_mut(t.as_str()) {
            if *n > 0 {
                *n -= 1;
                common += 1;
            }
        }
    }
    f1_from_common(common, pred.len(), gold.len())
}

fn f1_from_common(common: usize, pred_len: usize, gold_len: usize) -> f64 {
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / pred_len as f64;
    let recall = common as f64 / gold_len as f64;
    (2.0 * precision * recall) / (precision + recall)
}

/// SQuAD v1.1 token F1 (normalise, count common tokens as a multiset, harmonic mean of token P and R).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenF1Matcher;

impl Matcher for TokenF1Matcher {
    fn name(&self) -> String {
        MatcherKind::TokenF1.to_string()
    }

    fn default_threshold(&self) -> f32 {
        TOKEN_F1_DEFAULT_THRESHOLD
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> Result<SimMatrix> {
        let pn: Vec<String> = pred.iter().map(|t| squad_normalize(t)).collect();
        let gn: Vec<String> = gold.iter().map(|t| squad_normalize(t)).collect();
        let mut vocab = Vocab::default();
        let p: Vec<Vec<u32>> = pn.iter().map(|t| vocab.intern(t)).collect();
        let g: Vec<Vec<u32>> = gn.iter().map(|t| vocab.intern(t)).collect();
        let mut counts = vec![0u32; vocab.len()];
        let mut used = Vec::new();
        let mut m = SimMatrix::zeros(p.len(), g.len());
        for (j, gt) in g.iter().enumerate() {
            for &t in gt {
                counts[t as usize] += 1;
            }
            for (i, pt) in p.iter().enumerate() {
                let common = common_tokens(pt, &mut counts, &mut used);
                m.set(i, j, f1_from_common(common, pt.len(), gt.len()) as f32);
            }
            for &t in gt {
                counts[t as usize] -= 1;
            }
        }
        Ok(m)
    }
}

/// ROUGE-L precision, recall and F-measure of one prediction against one reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RougeScore {
    /// LCS length over the prediction's length.
    pub precision: f64,
    /// LCS length over the reference's length.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub fmeasure: f64,
}

impl RougeScore {
    fn from_lcs(lcs: usize, pred_len: usize, gold_len: usize) -> RougeScore {
        if pred_len == 0 || gold_len == 0 {
            return RougeScore {
                precision: 0.0,
                recall: 0.0,
                fmeasure: 0.0,
            };
        }
        let precision = lcs as f64 / pred_len as f64;
        let recall = lcs as f64 / gold_len as f64;
        let fmeasure = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        RougeScore {
            precision,
            recall,
            fmeasure,
        }
    }
}

/// ROUGE-L of `pred` against the reference `gold`, as rouge-score's `RougeScorer(["rougeL"]).score(gold, pred)`.
pub fn rouge_l(pred: &str, gold: &str) -> RougeScore {
    let (pn, gn) = (rouge_normalize(pred), rouge_normalize(gold));
    let mut vocab = Vocab::default();
    let p = vocab.intern(&pn);
    let g = vocab.intern(&gn);
    let mut lcs = BitLcs::new(vocab.len());
    lcs.load(&g);
    let n = lcs.lcs(&p);
    RougeScore::from_lcs(n, p.len(), g.len())
}

/// Bit-parallel longest common subsequence (Hyyrö 2004) against one loaded reference.
struct BitLcs {
    /// For each token id, the index of its mask in `masks`, or `u32::MAX`.
    slot: Vec<u32>,
    /// Masks of the loaded reference's distinct tokens, `words` u64 each.
    masks: Vec<u64>,
    /// Tokens whose slot is set (to reset them).
    loaded: Vec<u32>,
    words: usize,
    len: usize,
    v: Vec<u64>,
}

impl BitLcs {
    fn new(vocab: usize) -> BitLcs {
        BitLcs {
            slot: vec![u32::MAX; vocab],
            masks: Vec::new(),
            loaded: Vec::new(),
            words: 0,
            len: 0,
            v: Vec::new(),
        }
    }

    fn load(&mut self, reference: &[u32]) {
        for t in self.loaded.drain(..) {
            self.slot[t as usize] = u32::MAX;
        }
        self.masks.clear();
        self.len = reference.len();
        self.words = reference.len().div_ceil(64).max(1);
        for (pos, &t) in reference.iter().enumerate() {
            let mut s = self.slot[t as usize];
            if s == u32::MAX {
                s = (self.masks.len() / self.words) as u32;
                self.slot[t as usize] = s;
                self.loaded.push(t);
                self.masks.extend(std::iter::repeat_n(0u64, self.words));
            }
            self.masks[s as usize * self.words + pos / 64] |= 1u64 << (pos % 64);
        }
    }

    fn lcs(&mut self, other: &[u32]) -> usize {
        if self.len == 0 {
            return 0;
        }
        let w = self.words;
        self.v.clear();
        self.v.resize(w, u64::MAX);
        for &t in other {
            let s = self.slot[t as usize];
            if s == u32::MAX {
                continue;
            }
            let m = &self.masks[s as usize * w..(s as usize + 1) * w];
            let mut carry = false;
            for (vk, &mk) in self.v.iter_mut().zip(m) {
                let v = *vk;
                let u = v & mk;
                let (s1, c1) = v.overflowing_add(u);
                let (s2, c2) = s1.overflowing_add(carry as u64);
                carry = c1 || c2;
                *vk = s2 | (v & !mk);
            }
        }
        let mut ones = 0usize;
        for k in 0..w {
            let bits = if k + 1 == w && !self.len.is_multiple_of(64) {
                (1u64 << (self.len % 64)) - 1
            } else {
                u64::MAX
            };
            ones += (self.v[k] & bits).count_ones() as usize;
        }
        self.len - ones
    }
}

/// ROUGE-L F-measure with rouge-score's tokenizer (lowercase, `[a-z0-9]` runs, no stemming).
#[derive(Debug, Clone, Copy, Default)]
pub struct RougeLMatcher;

impl Matcher for RougeLMatcher {
    fn name(&self) -> String {
        MatcherKind::RougeL.to_string()
    }

    fn default_threshold(&self) -> f32 {
        ROUGE_L_DEFAULT_THRESHOLD
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> Result<SimMatrix> {
        let pn: Vec<String> = pred.iter().map(|t| rouge_normalize(t)).collect();
        let gn: Vec<String> = gold.iter().map(|t| rouge_normalize(t)).collect();
        let mut vocab = Vocab::default();
        let p: Vec<Vec<u32>> = pn.iter().map(|t| vocab.intern(t)).collect();
        let g: Vec<Vec<u32>> = gn.iter().map(|t| vocab.intern(t)).collect();
        let mut lcs = BitLcs::new(vocab.len());
        let mut m = SimMatrix::zeros(p.len(), g.len());
        for (j, gt) in g.iter().enumerate() {
            lcs.load(gt);
            for (i, pt) in p.iter().enumerate() {
                let n = lcs.lcs(pt);
                m.set(
                    i,
                    j,
                    RougeScore::from_lcs(n, pt.len(), gt.len()).fmeasure as f32,
                );
            }
        }
        Ok(m)
    }
}

/// Cosine similarity of embeddings from a [`TextEncoder`]; predicted and gold texts go to the encoder in one call,
/// each distinct text once. A zero vector has cosine 0 with everything.
pub struct CosineMatcher<E: TextEncoder> {
    encoder: E,
    name: String,
    threshold: f32,
}

impl<E: TextEncoder> CosineMatcher<E> {
    /// A cosine matcher named `cosine` with [`COSINE_DEFAULT_THRESHOLD`].
    pub fn new(encoder: E) -> CosineMatcher<E> {
        CosineMatcher {
            encoder,
            name: MatcherKind::Cosine.to_string(),
            threshold: COSINE_DEFAULT_THRESHOLD,
        }
    }

    /// Overrides the default threshold (e.g. one calibrated for another model).
    pub fn with_default_threshold(mut self, threshold: f32) -> CosineMatcher<E> {
        self.threshold = threshold;
        self
    }

    /// Overrides the name written in manifests.
    pub fn with_name(mut self, name: impl Into<String>) -> CosineMatcher<E> {
        self.name = name.into();
        self
    }

    /// The encoder.
    pub fn encoder(&self) -> &E {
        &self.encoder
    }
}

/// Scales a vector to unit length; a zero (or non-finite) vector stays as zeros.
fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v
        .iter()
        .map(|x| (*x as f64) * (*x as f64))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 && norm.is_finite() {
        for x in &mut v {
            *x = (*x as f64 / norm) as f32;
        }
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
    }
    v
}

impl<E: TextEncoder> Matcher for CosineMatcher<E> {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn default_threshold(&self) -> f32 {
        self.threshold
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> Result<SimMatrix> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut unique: Vec<&str> = Vec::new();
        let mut ix = Vec::with_capacity(pred.len() + gold.len());
        for &t in pred.iter().chain(gold) {
            let k = *index.entry(t).or_insert_with(|| {
                unique.push(t);
                unique.len() - 1
            });
            ix.push(k);
        }
        let (p_ix, g_ix) = ix.split_at(pred.len());
        if unique.is_empty() {
            return Ok(SimMatrix::zeros(pred.len(), gold.len()));
        }
        let vectors = encode_each(&self.encoder, &unique).map_err(Error::Encoder)?;
        let dim = vectors[0].len();
        if let Some((k, v)) = vectors.iter().enumerate().find(|(_, v)| v.len() != dim) {
            return Err(Error::Encoder(format!(
                "vector {k} has dimension {} but vector 0 has {dim}",
                v.len()
            )));
        }
        let vectors: Vec<Vec<f32>> = vectors.into_iter().map(unit).collect();
        let p: Vec<&[f32]> = p_ix.iter().map(|&k| vectors[k].as_slice()).collect();
        let g: Vec<&[f32]> = g_ix.iter().map(|&k| vectors[k].as_slice()).collect();
        let values = self.encoder.cosine_matrix(&p, &g).map_err(Error::Encoder)?;
        if values.len() != pred.len() * gold.len() || values.iter().any(|v| !v.is_finite()) {
            return Err(Error::Encoder(format!(
                "the encoder's cosine matrix has {} values (or a non-finite one) for {} x {} texts",
                values.len(),
                pred.len(),
                gold.len()
            )));
        }
        Ok(SimMatrix::from_fn(pred.len(), gold.len(), |i, j| {
            values[i * gold.len() + j].clamp(-1.0, 1.0)
        }))
    }
}

/// Any matcher made sane by construction: a pair of texts that are the same claim up to case, spacing, quote
/// style and end punctuation ([`identity_key`] equal) scores 1.0, the highest score there is; every other
/// score is clamped to [-1, 1] (a non-finite one is an error). Every matcher the CLI builds is wrapped in it.
pub struct IdentityFloor<M: Matcher + ?Sized> {
    inner: Box<M>,
}

impl<M: Matcher + ?Sized> IdentityFloor<M> {
    /// Wrap `inner`.
    pub fn new(inner: Box<M>) -> IdentityFloor<M> {
        IdentityFloor { inner }
    }

    /// The wrapped matcher.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

/// The key two texts share when they are the same claim for every matcher: [`normalize_exact`], then full case
/// folding (upper case, then lower case, so that "ᾀ" and its upper case "ἈΙ" agree), then NFKC again (upper case
/// can decompose: "ΰ" becomes "Ϋ́").
pub fn identity_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    normalize_exact(text)
        .to_uppercase()
        .to_lowercase()
        .nfkc()
        .collect()
}

/// Whether two texts are the same claim for every matcher: equal [`identity_key`]s.
pub fn same_text(a: &str, b: &str) -> bool {
    a == b || identity_key(a) == identity_key(b)
}

impl<M: Matcher + ?Sized> Matcher for IdentityFloor<M> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn default_threshold(&self) -> f32 {
        self.inner.default_threshold()
    }

    fn scores(&self, pred: &[&str], gold: &[&str]) -> Result<Scores> {
        let inner = self.inner.scores(pred, gold)?;
        Ok(Scores {
            sim: self.floor(pred, gold, inner.sim)?,
            directions: inner.directions,
        })
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> Result<SimMatrix> {
        let m = self.inner.matrix(pred, gold)?;
        self.floor(pred, gold, m)
    }
}

impl<M: Matcher + ?Sized> IdentityFloor<M> {
    /// `m` with identical claims at 1.0, every score checked finite.
    fn floor(&self, pred: &[&str], gold: &[&str], m: SimMatrix) -> Result<SimMatrix> {
        let gn: Vec<String> = gold.iter().map(|g| identity_key(g)).collect();
        let mut values = Vec::with_capacity(pred.len() * gold.len());
        for (i, p) in pred.iter().enumerate() {
            let pn = identity_key(p);
            for (j, g) in gn.iter().enumerate() {
                let v = m.get(i, j);
                if !v.is_finite() {
                    return Err(Error::Encoder(format!(
                        "the {} matcher gave a non-finite score for {p:?} against {:?}",
                        self.inner.name(),
                        gold[j]
                    )));
                }
                values.push(if *p == gold[j] || pn == *g {
                    1.0
                } else {
                    v.clamp(-1.0, 1.0)
                });
            }
        }
        SimMatrix::new(pred.len(), gold.len(), values)
    }
}

/// The matchers claimbench knows by name. `pair` and `align` (they need a model) are implemented outside this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MatcherKind {
    /// `exact`: normalised exact match.
    #[serde(rename = "exact")]
    Exact,
    /// `token-f1`: SQuAD token F1.
    #[serde(rename = "token-f1")]
    TokenF1,
    /// `rouge-l`: ROUGE-L F-measure.
    #[serde(rename = "rouge-l")]
    RougeL,
    /// `cosine`: embedding cosine.
    #[serde(rename = "cosine")]
    Cosine,
    /// `pair`: the learned pair matcher (superseded by `align`).
    #[serde(rename = "pair")]
    Pair,
    /// `align`: token alignment of MiniLM's contextual embeddings, guarded (the default until `blend`).
    #[serde(rename = "align")]
    Align,
    /// `cover`: align's token alignment read one direction at a time; the same fact only where each claim
    /// states all of the other.
    #[serde(rename = "cover")]
    Cover,
    /// `cross`: cover's directions, with the top layers of MiniLM reading both claims of each likely pair.
    #[serde(rename = "cross")]
    Cross,
    /// `blend`: cover's directions, with each likely pair's combining cover's, the cross model's and align's
    /// readings (the default).
    #[serde(rename = "blend")]
    Blend,
}

impl MatcherKind {
    /// Every kind, in documentation order.
    pub const ALL: [MatcherKind; 9] = [
        MatcherKind::Exact,
        MatcherKind::TokenF1,
        MatcherKind::RougeL,
        MatcherKind::Cosine,
        MatcherKind::Pair,
        MatcherKind::Align,
        MatcherKind::Cover,
        MatcherKind::Cross,
        MatcherKind::Blend,
    ];

    /// The kind's name (`exact`, `token-f1`, `rouge-l`, `cosine`, `pair`).
    pub fn name(self) -> &'static str {
        match self {
            MatcherKind::Exact => "exact",
            MatcherKind::TokenF1 => "token-f1",
            MatcherKind::RougeL => "rouge-l",
            MatcherKind::Cosine => "cosine",
            MatcherKind::Pair => "pair",
            MatcherKind::Align => "align",
            MatcherKind::Cover => "cover",
            MatcherKind::Cross => "cross",
            MatcherKind::Blend => "blend",
        }
    }

    /// The kind's default threshold.
    pub fn default_threshold(self) -> f32 {
        match self {
            MatcherKind::Exact => EXACT_DEFAULT_THRESHOLD,
            MatcherKind::TokenF1 => TOKEN_F1_DEFAULT_THRESHOLD,
            MatcherKind::RougeL => ROUGE_L_DEFAULT_THRESHOLD,
            MatcherKind::Cosine => COSINE_DEFAULT_THRESHOLD,
            MatcherKind::Pair => PAIR_DEFAULT_THRESHOLD,
            MatcherKind::Align => ALIGN_DEFAULT_THRESHOLD,
            MatcherKind::Cover => COVER_DEFAULT_THRESHOLD,
            MatcherKind::Cross => CROSS_DEFAULT_THRESHOLD,
            MatcherKind::Blend => BLEND_DEFAULT_THRESHOLD,
        }
    }

    /// Whether a guard's disagreement vetoes a pair (`pair`, `align`: its score is cut to a fifth and it never
    /// counts); other matchers only report guards on matched pairs as suspect.
    pub fn vetoes(self) -> bool {
        matches!(
            self,
            MatcherKind::Pair
                | MatcherKind::Align
                | MatcherKind::Cover
                | MatcherKind::Cross
                | MatcherKind::Blend
        )
    }

    /// Whether the matcher needs a model (cosine, pair) rather than text alone.
    pub fn needs_model(self) -> bool {
        matches!(
            self,
            MatcherKind::Cosine
                | MatcherKind::Pair
                | MatcherKind::Align
                | MatcherKind::Cover
                | MatcherKind::Cross
                | MatcherKind::Blend
        )
    }

    /// The lexical matcher of this kind, or `None` for the kinds that need a model.
    pub fn lexical(self) -> Option<Box<dyn Matcher>> {
        match self {
            MatcherKind::Exact => Some(Box::new(ExactMatcher)),
            MatcherKind::TokenF1 => Some(Box::new(TokenF1Matcher)),
            MatcherKind::RougeL => Some(Box::new(RougeLMatcher)),
            MatcherKind::Cosine
            | MatcherKind::Pair
            | MatcherKind::Align
            | MatcherKind::Cover
            | MatcherKind::Cross
            | MatcherKind::Blend => None,
        }
    }
}

impl fmt::Display for MatcherKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The closest of `names` to `input`, when it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(input: &str, names: &[&'a str]) -> Option<&'a str> {
    let lowered = input.to_lowercase();
    let squashed: String = lowered
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    names
        .iter()
        .map(|n| {
            let n_squashed: String = n.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let d = strsim::levenshtein(&squashed, &n_squashed);
            let prefix = !squashed.is_empty() && n_squashed.starts_with(&squashed);
            (if prefix { 0 } else { d }, *n)
        })
        .filter(|(d, n)| *d <= (n.len() / 3).max(1))
        .min()
        .map(|(_, n)| n)
}

impl FromStr for MatcherKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<MatcherKind> {
        let t = s.trim();
        if let Some(k) = MatcherKind::ALL.iter().find(|k| k.name() == t) {
            return Ok(*k);
        }
        let names: Vec<&str> = MatcherKind::ALL.iter().map(|k| k.name()).collect();
        Err(Error::UnknownMatcher {
            name: s.to_string(),
            suggestion: suggest(t, &names).map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcs_dp(a: &[u32], b: &[u32]) -> usize {
        let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                t[i][j] = if a[i - 1] == b[j - 1] {
                    t[i - 1][j - 1] + 1
                } else {
                    t[i - 1][j].max(t[i][j - 1])
                };
            }
        }
        t[a.len()][b.len()]
    }

    #[test]
    fn bit_lcs_agrees_with_dynamic_programming() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for case in 0..400 {
            let la = rng.gen_range(0..(if case % 4 == 0 { 200 } else { 20 }));
            let lb = rng.gen_range(0..(if case % 3 == 0 { 150 } else { 20 }));
            let vocab = rng.gen_range(1..8u32);
            let a: Vec<u32> = (0..la).map(|_| rng.gen_range(0..vocab)).collect();
            let b: Vec<u32> = (0..lb).map(|_| rng.gen_range(0..vocab)).collect();
            let mut lcs = BitLcs::new(vocab as usize);
            lcs.load(&a);
            assert_eq!(lcs.lcs(&b), lcs_dp(&a, &b), "a={a:?} b={b:?}");
        }
    }

    #[test]
    fn rouge_l_known_values() {
        // LCS of "the cat sat on the mat" / "the cat on the mat" is 5.
        let s = rouge_l("the cat on the mat", "the cat sat on the mat");
        assert!((s.precision - 1.0).abs() < 1e-12);
        assert!((s.recall - 5.0 / 6.0).abs() < 1e-12);
        assert!((s.fmeasure - 2.0 * (5.0 / 6.0) / (1.0 + 5.0 / 6.0)).abs() < 1e-12);
        assert_eq!(rouge_l("", "x").fmeasure, 0.0);
    }

    #[test]
    fn token_f1_known_values() {
        // tokens: [cat, sat] vs [cat, sat, on, mat] -> P 1, R 0.5, F1 2/3
        assert!((token_f1("The cat sat.", "a cat sat on the mat") - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(token_f1("the", "the"), 0.0);
        assert!((token_f1("x x y", "x y y") - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn matrices_agree_with_pairwise_functions() {
        let pred = [
            "The mayor said 87 people died.",
            "Rain fell",
            "",
            "the the cat cat",
        ];
        let gold = [
            "87 people died, the mayor said",
            "cat",
            "Heavy rain fell on Tuesday",
        ];
        let t = TokenF1Matcher.matrix(&pred, &gold).unwrap();
        let r = RougeLMatcher.matrix(&pred, &gold).unwrap();
        for (i, p) in pred.iter().enumerate() {
            for (j, g) in gold.iter().enumerate() {
                assert_eq!(t.get(i, j), token_f1(p, g) as f32);
                assert_eq!(r.get(i, j), rouge_l(p, g).fmeasure as f32);
            }
        }
        let e = ExactMatcher
            .matrix(&["Cat.", "cat!", "dog"], &["CAT"])
            .unwrap();
        assert_eq!(e.data, vec![1.0, 1.0, 0.0]);
    }

    struct Toy;
    impl TextEncoder for Toy {
        fn encode(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
            Ok(texts
                .iter()
                .map(|t| vec![t.len() as f32, t.matches('a').count() as f32])
                .collect())
        }
    }

    struct Counting(std::sync::Mutex<Vec<usize>>);
    impl TextEncoder for Counting {
        fn encode(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
            self.0.lock().map_err(|e| e.to_string())?.push(texts.len());
            Ok(texts.iter().map(|t| vec![1.0, t.len() as f32]).collect())
        }
    }

    #[test]
    fn cosine_of_two_vectors() {
        let u = [1.0f32, 2.0];
        assert!((cosine(&u, &u) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &u), 0.0);
        assert_eq!(cosine(&u, &[0.0, 0.0]), 0.0);
        assert_eq!(cosine(&[1.0, 0.0], &[-2.0, 0.0]), -1.0);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
    }

    #[test]
    fn cosine_dedups_and_calls_once() {
        let m = CosineMatcher::new(Counting(std::sync::Mutex::new(Vec::new())));
        let out = m.matrix(&["ab", "ab", "abc"], &["ab", "x"]).unwrap();
        assert_eq!(*m.encoder().0.lock().unwrap(), vec![3]); // "ab", "abc", "x"
        assert!((out.get(0, 0) - 1.0).abs() < 1e-6);
        assert_eq!(out.get(0, 0), out.get(1, 0));
        let c = CosineMatcher::new(Toy)
            .matrix(&["aa"], &["bb", ""])
            .unwrap();
        let expected = (2.0f64 * 2.0) / ((8.0f64).sqrt() * 2.0);
        assert!((c.get(0, 0) as f64 - expected).abs() < 1e-6);
        assert_eq!(c.get(0, 1), 0.0);
    }

    #[test]
    fn cosine_reports_bad_encoders() {
        struct Short;
        impl TextEncoder for Short {
            fn encode(&self, _: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
                Ok(vec![vec![1.0]])
            }
        }
        assert!(matches!(
            CosineMatcher::new(Short).matrix(&["a", "b"], &[]),
            Err(Error::Encoder(_))
        ));
    }

    #[test]
    fn matcher_names_parse_with_suggestions() {
        for k in MatcherKind::ALL {
            assert_eq!(k.name().parse::<MatcherKind>().unwrap(), k);
        }
        let e = "rouge".parse::<MatcherKind>().unwrap_err();
        assert_eq!(
            e,
            Error::UnknownMatcher {
                name: "rouge".into(),
                suggestion: Some("rouge-l".into())
            }
        );
        assert!(e.to_string().contains("did you mean 'rouge-l'?"));
        let e = "tokenf1".parse::<MatcherKind>().unwrap_err();
        assert!(
            matches!(e, Error::UnknownMatcher { suggestion: Some(ref s), .. } if s == "token-f1")
        );
        let e = "cosin".parse::<MatcherKind>().unwrap_err();
        assert!(
            matches!(e, Error::UnknownMatcher { suggestion: Some(ref s), .. } if s == "cosine")
        );
        let e = "bleurt".parse::<MatcherKind>().unwrap_err();
        assert!(matches!(
            e,
            Error::UnknownMatcher {
                suggestion: None,
                ..
            }
        ));
    }
}
