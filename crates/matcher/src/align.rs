//! [`AlignMatcher`]: two claims are the same when the content words of each find a counterpart in
//! the other, read from MiniLM's contextual token vectors (BERTScore-style greedy alignment in both
//! directions), calibrated by a monotone logistic model, with the guards' veto.
//!
//! Sane by construction:
//! - the same text (up to case, spacing, quote style and end punctuation) scores 1.0, the highest
//!   score there is;
//! - every feature is symmetric in the two claims (minimum and maximum of the two directions, and
//!   the sentence cosine), and the guards run both ways, so `score(a, b) == score(b, a)` bit for bit
//!   (and the reasons are the same list, each disagreement named once);
//! - the calibration's weights are non-negative, so a pair whose words align better never scores
//!   lower, and no region of the input space has a score of its own;
//! - the guards and the features see only the prefix of a text that the model read, so the work per
//!   pair is bounded by the model's length limit.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use claimbench_model::TokenVectors;
use claimbench_score::{Matcher, SimMatrix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::encoder::EmbeddingEncoder;
use crate::error::{Error, Result};
use crate::pair::{round4, Decision, GUARD_FACTOR};

/// The committed calibration of the `align` matcher (fitted by `examples/fit_align.rs`).
pub const BUILTIN_ALIGN: &str = include_str!("../weights/align.json");

/// Names of the features, in the order of [`AlignParams::weights`].
pub const ALIGN_FEATURES: [&str; NF] = [
    "coverage_min",
    "all_matched",
    "cosine",
    "names_agree",
    "lexical_coverage_min",
    "token_f1",
];

/// Number of features.
pub const NF: usize = 6;

/// A pair's features, in [`ALIGN_FEATURES`] order.
pub type Features = [f32; NF];

/// Which features to compute, in [`ALIGN_FEATURES`] order ([`AlignParams::needed`]).
pub type Needed = [bool; NF];

/// Every feature (what the fitter computes).
pub const ALL_FEATURES: Needed = [true; NF];

/// The features the reason line of [`decide_aligned`] shows (coverage, all matched, cosine, names
/// agree), computed there whatever their weight.
const SHOWN: Needed = [true, true, true, true, false, false];

// Indices of features in [`ALIGN_FEATURES`] order.
const ALL_MATCHED: usize = 1;
const LEXICAL_COVERAGE_MIN: usize = 4;
const TOKEN_F1: usize = 5;

/// The reason given for a pair of identical texts.
pub const SAME_TEXT_REASON: &str = "same text (up to case, spacing, quotes and end punctuation)";

/// The calibration: a logistic model over [`ALIGN_FEATURES`], and the decision threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlignParams {
    /// Intercept of the logistic model.
    pub bias: f64,
    /// One non-negative weight per feature of [`ALIGN_FEATURES`].
    pub weights: Vec<f64>,
    /// A content word counts as matched when its best counterpart's cosine is at least this.
    pub match_cosine: f32,
    /// Decision threshold on the probability.
    pub threshold: f32,
    /// For a directional matcher (`cover`): the threshold one direction must reach to count as stated
    /// (coverage, focus and the partial counts); absent for align.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction_threshold: Option<f32>,
    /// Names that `crates/lexicon/data/aliases.tsv` gives one entity agree ("Moscow" and "Russia");
    /// absent (false) in the committed files until a frozen set decides it (`CANDIDATES.md`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aliases: bool,
    /// For `cover`: "a states all of b" is vetoed like a guard's disagreement when a name of b has no
    /// counterpart in a; absent (false) in the committed file until a frozen set decides it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub name_veto: bool,
    /// The name guard vetoes too ("Putin said" against "Lavrov said": `guards::name`), on top of the
    /// content guards the calibration was fitted behind; absent (false) until a frozen set decides it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub name_guard: bool,
    /// How these parameters were fitted (data, hashes, figures); informative only.
    #[serde(default)]
    pub fitted: serde_json::Value,
}

impl AlignParams {
    /// The committed parameters.
    pub fn builtin() -> Result<AlignParams> {
        AlignParams::parse(BUILTIN_ALIGN, "builtin:crates/matcher/weights/align.json")
    }

    /// Parse and check parameters written as JSON; `label` names the source in errors.
    pub fn parse(text: &str, label: &str) -> Result<AlignParams> {
        let bad = |message: String| Error::Weights {
            source_label: label.to_string(),
            message,
        };
        let p: AlignParams = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if p.weights.len() != ALIGN_FEATURES.len() {
            return Err(bad(format!(
                "{} weights for {} features",
                p.weights.len(),
                ALIGN_FEATURES.len()
            )));
        }
        if let Some(w) = p.weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(bad(format!(
                "weight {w}: weights must be finite and non-negative (monotone)"
            )));
        }
        if !p.bias.is_finite()
            || !(0.0..=1.0).contains(&p.threshold)
            || p.direction_threshold
                .is_some_and(|t| !(0.0..=1.0).contains(&t))
            || !(-1.0..=1.0).contains(&p.match_cosine)
        {
            return Err(bad(
                "bias must be finite, threshold and direction_threshold in [0, 1], match_cosine in [-1, 1]".into(),
            ));
        }
        Ok(p)
    }

    /// Which features the probability reads: those whose weight is not zero. A feature with weight
    /// zero adds exactly `+0.0` to the sum whatever its value (every feature is finite), so the
    /// scorer leaves it out ([`features_needed`]) and the probability keeps its bits.
    pub fn needed(&self) -> Needed {
        std::array::from_fn(|k| self.weights.get(k).is_some_and(|w| *w != 0.0))
    }

    /// The probability that a pair with features `f` states the same fact.
    pub fn probability(&self, f: &Features) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(f)
                .map(|(w, x)| w * f64::from(*x))
                .sum::<f64>();
        (1.0 / (1.0 + (-z).exp())) as f32
    }
}

/// A content word of a prepared text.
#[derive(Debug, Clone, PartialEq)]
struct Word {
    /// The word as the tokenizer spelled it (lowercase).
    text: String,
    /// Whether it is part of a name: capitalised in the text, and not its first word.
    name: bool,
    /// Adjacent capitalised content words share a span id (a name with its title and first name:
    /// "Secretary of State Rex Tillerson" has the spans "Secretary" and "State Rex Tillerson").
    span: u32,
    /// Its word pieces, as a range of rows.
    pieces: std::ops::Range<usize>,
}

/// A text ready for alignment: the unit vectors of the word pieces of its content words, and the
/// prefix of the text that the model read.
#[derive(Debug, Clone)]
pub struct Aligned {
    rows: Vec<f32>,
    dim: usize,
    words: Vec<Word>,
    sentence: Vec<f32>,
    read: String,
    /// The whole text's [`claimbench_score::identity_key`], computed once.
    pub(crate) key: String,
    /// The entities of `aliases.tsv` the text names, per name span too; computed on first use (only
    /// parameters with `"aliases": true` read it).
    names: OnceLock<NamedEntities>,
    /// What the guards read of the prefix the model read.
    pub(crate) analysis: crate::guards::Analysis,
    /// The prefix's content words (first five letters), for `lexical_coverage_min`; computed on
    /// first use (a calibration that gives the feature no weight never reads it).
    lex: OnceLock<BTreeSet<String>>,
    /// The prefix's SQuAD tokens, for `token_f1`; computed on first use.
    squad: OnceLock<Vec<String>>,
}

impl Aligned {
    /// The content words (as the tokenizer spelled them), in order.
    pub fn words(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.text.as_str()).collect()
    }

    /// The prefix of the text that the model read (all of it unless it was truncated).
    pub fn read(&self) -> &str {
        &self.read
    }

    /// The entities of `crates/lexicon/data/aliases.tsv` the text names.
    pub fn entities(&self) -> &BTreeSet<&'static str> {
        &self.named().entities
    }

    fn named(&self) -> &NamedEntities {
        self.names
            .get_or_init(|| NamedEntities::of(&self.analysis, &self.words))
    }

    /// The unit sentence vector.
    pub fn sentence_vector(&self) -> &[f32] {
        &self.sentence
    }

    pub(crate) fn lex(&self) -> &BTreeSet<String> {
        self.lex.get_or_init(|| content_stems(&self.read))
    }

    fn squad(&self) -> &[String] {
        self.squad
            .get_or_init(|| claimbench_score::text::squad_tokens(&self.read))
    }

    pub(crate) fn pieces(&self) -> usize {
        self.rows.len() / self.dim.max(1)
    }

    /// Whether the text has no content word.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub(crate) fn row(&self, i: usize) -> &[f32] {
        &self.rows[i * self.dim..(i + 1) * self.dim]
    }
}

/// Prepare `text` from its token vectors: content words are the words with a letter or digit that
/// are not function words (`crates/lexicon/data/function_words.txt`); a text with none keeps all its words with a letter or digit.
pub fn prepare(text: &str, tv: &TokenVectors) -> Aligned {
    let dim = tv.sentence.len();
    // words of the text: (lowercase text, piece indices, capitalised)
    let mut all: Vec<(String, Vec<usize>, bool)> = Vec::new();
    for (i, t) in tv.tokens.iter().enumerate() {
        let piece = t.piece.strip_prefix("##").unwrap_or(&t.piece);
        match all.last_mut() {
            Some((w, ix, _)) if i > 0 && tv.tokens[i - 1].word == t.word => {
                w.push_str(piece);
                ix.push(i);
            }
            _ => {
                let cap = text
                    .get(t.span.0..t.span.1)
                    .and_then(|s| s.chars().next())
                    .is_some_and(char::is_uppercase);
                all.push((piece.to_string(), vec![i], cap));
            }
        }
    }
    let has_alnum = |w: &str| w.chars().any(char::is_alphanumeric);
    let content = |keep_all: bool| {
        all.iter()
            .enumerate()
            .filter(|(_, (w, _, _))| {
                has_alnum(w) && (keep_all || !claimbench_lexicon::is_function_word(w))
            })
            .map(|(k, _)| k)
            .collect::<Vec<usize>>()
    };
    let mut keep = content(false);
    if keep.is_empty() {
        keep = content(true);
    }
    let mut rows = Vec::new();
    let mut words = Vec::new();
    let mut span = 0u32;
    let mut prev: Option<usize> = None;
    for k in keep {
        let (w, ix, cap) = &all[k];
        let name = *cap && k > 0;
        // a new span unless this name directly follows a capitalised content word
        let joined = name && k > 0 && prev == Some(k - 1) && all[k - 1].2;
        if !joined {
            span += 1;
        }
        let start = rows.len() / dim.max(1);
        for &i in ix {
            rows.extend_from_slice(tv.row(i));
        }
        words.push(Word {
            text: w.clone(),
            name,
            span,
            pieces: start..start + ix.len(),
        });
        prev = Some(k);
    }
    let mut read_len = tv.read_len.min(text.len());
    while !text.is_char_boundary(read_len) {
        read_len -= 1;
    }
    let analysis = crate::guards::Analysis::new(&text[..read_len]);
    Aligned {
        rows,
        dim,
        words,
        sentence: unit(&tv.sentence),
        names: OnceLock::new(),
        analysis,
        lex: OnceLock::new(),
        squad: OnceLock::new(),
        read: text[..read_len].to_string(),
        key: claimbench_score::identity_key(text),
    }
}

/// The entities of `aliases.tsv` a text names, and per name span those whose names in the text hold
/// the span's last word.
#[derive(Debug, Clone)]
struct NamedEntities {
    entities: BTreeSet<&'static str>,
    spans: BTreeMap<u32, BTreeSet<&'static str>>,
}

impl NamedEntities {
    fn of(analysis: &crate::guards::Analysis, words: &[Word]) -> NamedEntities {
        let occurrences = analysis.alias_occurrences();
        let mut spans: BTreeMap<u32, BTreeSet<&'static str>> = BTreeMap::new();
        for (k, w) in words.iter().enumerate() {
            let last_of_span = words.get(k + 1).is_none_or(|n| n.span != w.span);
            if !w.name || !last_of_span {
                continue;
            }
            for (ws, entity) in &occurrences {
                if ws.contains(&w.text) {
                    spans.entry(w.span).or_default().insert(*entity);
                }
            }
        }
        NamedEntities {
            entities: occurrences.iter().map(|o| o.1).collect(),
            spans,
        }
    }
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if n > 0.0 && n.is_finite() {
        v.iter().map(|x| (f64::from(*x) / n) as f32).collect()
    } else {
        vec![0.0; v.len()]
    }
}

/// Dot product in a fixed order (eight lanes, then the lanes summed in order): the same bits
/// whichever argument comes first.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Below this cosine to its best counterpart, a name has no counterpart (names are matched more
/// strictly than other words: two names in one context are close in a contextual space).
pub const NAME_COSINE: f32 = 0.8;

/// Per content word of `a`: its best counterpart's cosine (mean over its pieces), and the index of
/// the word of `b` whose piece matched its best piece.
pub(crate) fn best_words(
    a: &Aligned,
    best_piece: &[(f32, usize)],
    b: &Aligned,
) -> Vec<(f32, usize)> {
    let mut piece_word = vec![0usize; b.pieces()];
    for (k, w) in b.words.iter().enumerate() {
        for p in w.pieces.clone() {
            piece_word[p] = k;
        }
    }
    let word_of = |p: usize| piece_word.get(p).copied().unwrap_or(0);
    a.words
        .iter()
        .map(|w| {
            let n = w.pieces.len().max(1) as f32;
            let mean = w
                .pieces
                .clone()
                .map(|p| best_piece[p].0.clamp(-1.0, 1.0))
                .sum::<f32>()
                / n;
            let top = w
                .pieces
                .clone()
                .max_by(|x, y| best_piece[*x].0.total_cmp(&best_piece[*y].0))
                .map_or(0, |p| word_of(best_piece[p].1));
            (mean, top)
        })
        .collect()
}

/// One side's coverage, its unmatched words (counted only when `count`, else 0), and whether one of
/// its names has no counterpart. With `other`, the entities the other side names, a name that names
/// one of them has its counterpart.
pub(crate) fn side(
    a: &Aligned,
    best: &[(f32, usize)],
    match_cosine: f32,
    count: bool,
    other: Option<&BTreeSet<&'static str>>,
) -> (f32, usize, bool) {
    let n = a.words.len().max(1) as f32;
    let coverage = best.iter().map(|b| b.0).sum::<f32>() / n;
    let aliased: BTreeSet<u32> = other.map_or_else(BTreeSet::new, |o| {
        a.named()
            .spans
            .iter()
            .filter(|(_, es)| !es.is_disjoint(o))
            .map(|(span, _)| *span)
            .collect()
    });
    let spans_at = |t: f32| -> BTreeSet<u32> {
        a.words
            .iter()
            .zip(best)
            .filter(|(w, b)| w.name && b.0 >= t)
            .map(|(w, _)| w.span)
            .chain(aliased.iter().copied())
            .collect()
    };
    // a name is matched as a whole when any of its words is (titles and first names are no fact)
    let unmatched = if count {
        let matched = spans_at(match_cosine);
        a.words
            .iter()
            .zip(best)
            .filter(|(w, b)| b.0 < match_cosine && !(w.name && matched.contains(&w.span)))
            .count()
    } else {
        0
    };
    let named = spans_at(NAME_COSINE);
    let name_missing = a.words.iter().any(|w| w.name && !named.contains(&w.span));
    (coverage, unmatched, name_missing)
}

/// The guards' reasons for a pair, run both ways round and the same whichever claim comes first,
/// with a disagreement both directions see ("87 vs 89", "89 vs 87") named once; with `names`, the
/// name guard's too.
pub(crate) fn guard_reasons(
    a: &crate::guards::Analysis,
    b: &crate::guards::Analysis,
    names: bool,
) -> Vec<String> {
    let sorted = |hits: Vec<claimbench_score::GuardHit>| {
        let mut v: Vec<(claimbench_score::GuardKind, String)> =
            hits.into_iter().map(|h| (h.kind, h.to_string())).collect();
        v.sort_by(|x, y| x.1.cmp(&y.1));
        v.dedup();
        v
    };
    let ab = sorted(crate::guards::check_analysed(a, b));
    let ba = sorted(crate::guards::check_analysed(b, a));
    // the direction whose reasons sort first, then what only the other one saw, by kind
    let (first, other) = if ab.iter().map(|x| &x.1).le(ba.iter().map(|x| &x.1)) {
        (ab, ba)
    } else {
        (ba, ab)
    };
    let mut out: BTreeSet<String> = first.iter().map(|x| x.1.clone()).collect();
    for (kind, text) in other {
        if !first.iter().any(|x| x.0 == kind) {
            out.insert(text);
        }
    }
    if names {
        let hits = [
            crate::guards::name_analysed(a, b),
            crate::guards::name_analysed(b, a),
        ];
        out.extend(hits.into_iter().flatten().map(|h| h.to_string()).min());
    }
    out.into_iter().collect()
}

/// The features of a pair, in [`ALIGN_FEATURES`] order, each symmetric in `a` and `b` bit for bit
/// and higher when the claims agree more:
/// - `coverage_min`: each side's mean best-counterpart cosine over its content words (a word's is
///   the mean over its pieces), the smaller of the two;
/// - `all_matched`: `1 / (1 + u)`, where `u` is the larger of the two sides' counts of content
///   words whose best counterpart is below `match_cosine` (the words of a name count as matched
///   when one of them is);
/// - `cosine`: the cosine of the sentence vectors;
/// - `names_agree`: 0 when each side has a name with no counterpart at [`NAME_COSINE`] in the
///   other, else 1;
/// - `lexical_coverage_min`: the smaller share of each side's content words (first five letters)
///   found in the other;
/// - `token_f1`: the SQuAD token F1.
pub fn features(a: &Aligned, b: &Aligned, match_cosine: f32) -> Features {
    features_needed(a, b, match_cosine, &ALL_FEATURES, false)
}

/// [`features`], computing only those marked in `needed`; the others are 0.0. With `aliases`, a name
/// has a counterpart where the other side names its entity (`crates/lexicon/data/aliases.tsv`).
pub fn features_needed(
    a: &Aligned,
    b: &Aligned,
    match_cosine: f32,
    needed: &Needed,
    aliases: bool,
) -> Features {
    let cos = dot(&a.sentence, &b.sentence).clamp(-1.0, 1.0);
    let lex = if needed[LEXICAL_COVERAGE_MIN] {
        lexical_coverage_min(a, b)
    } else {
        0.0
    };
    let tf1 = if needed[TOKEN_F1] {
        claimbench_score::token_f1_of(a.squad(), b.squad()) as f32
    } else {
        0.0
    };
    if a.words.is_empty() || b.words.is_empty() {
        return [0.0, 0.0, cos, 1.0, lex, tf1];
    }
    let (na, nb) = (a.pieces(), b.pieces());
    let mut best_a = vec![(f32::NEG_INFINITY, 0usize); na];
    let mut best_b = vec![(f32::NEG_INFINITY, 0usize); nb];
    for (i, ba) in best_a.iter_mut().enumerate() {
        let u = a.row(i);
        for (j, bb) in best_b.iter_mut().enumerate() {
            let s = dot(u, b.row(j));
            if s > ba.0 {
                *ba = (s, j);
            }
            if s > bb.0 {
                *bb = (s, i);
            }
        }
    }
    let (wa, wb) = (best_words(a, &best_a, b), best_words(b, &best_b, a));
    let count = needed[ALL_MATCHED];
    let (cov_a, un_a, miss_a) = side(a, &wa, match_cosine, count, aliases.then(|| b.entities()));
    let (cov_b, un_b, miss_b) = side(b, &wb, match_cosine, count, aliases.then(|| a.entities()));
    [
        cov_a.min(cov_b),
        if count {
            1.0 / (1.0 + un_a.max(un_b) as f32)
        } else {
            0.0
        },
        cos,
        if miss_a && miss_b { 0.0 } else { 1.0 },
        lex,
        tf1,
    ]
}

/// The content words (first five letters) of a text: its words that are not function words.
fn content_stems(t: &str) -> BTreeSet<String> {
    crate::text::word_prefixes(t, claimbench_lexicon::is_function_word)
}

/// Lexical agreement: the smaller share of each side's content words (first five letters) found in
/// the other.
fn lexical_coverage_min(a: &Aligned, b: &Aligned) -> f32 {
    let (la, lb) = (a.lex(), b.lex());
    let inter = la.intersection(lb).count() as f32;
    let cov = |w: &BTreeSet<String>| {
        if w.is_empty() {
            1.0
        } else {
            inter / w.len() as f32
        }
    };
    cov(la).min(cov(lb))
}

/// Each content word of `a` (`*` marks a name) with its best counterpart in `b` and their cosine,
/// for inspection.
pub fn explain(a: &Aligned, b: &Aligned) -> Vec<(String, String, f32)> {
    let mut best = vec![(f32::NEG_INFINITY, 0usize); a.pieces()];
    for (i, ba) in best.iter_mut().enumerate() {
        for j in 0..b.pieces() {
            let s = dot(a.row(i), b.row(j));
            if s > ba.0 {
                *ba = (s, j);
            }
        }
    }
    best_words(a, &best, b)
        .into_iter()
        .zip(&a.words)
        .map(|((s, j), w)| {
            let mark = if w.name { "*" } else { "" };
            let other = b.words.get(j).map_or("", |w| w.text.as_str());
            (format!("{mark}{}", w.text), other.to_string(), s)
        })
        .collect()
}

/// Fit a logistic model `p = sigmoid(bias + w·x)` with non-negative `w` (monotone in every
/// feature) to labelled feature rows, minimising the mean log loss plus `l2 / 2 · |w|²` by projected
/// gradient descent from zero. Deterministic: the same rows give the same bits.
pub fn fit_monotone_logistic(x: &[Features], y: &[bool], l2: f64) -> (f64, Vec<f64>) {
    let n = x.len().max(1) as f64;
    let (mut b, mut w) = (0f64, [0f64; NF]);
    // Nesterov-accelerated projected gradient; the loss is smooth with curvature at most
    // 0.25 * (1 + |x|^2) <= 1.5 for five features in [-1, 1], so the step 0.6 is safe.
    let step = 0.6;
    let (mut pb, mut pw) = (b, w);
    for t in 0..20_000 {
        let m = t as f64 / (t as f64 + 3.0);
        let yb = b + m * (b - pb);
        let yw: [f64; NF] = std::array::from_fn(|k| w[k] + m * (w[k] - pw[k]));
        let (mut gb, mut gw) = (0f64, [0f64; NF]);
        for (xi, &yi) in x.iter().zip(y) {
            let z = yb + (0..NF).map(|k| yw[k] * f64::from(xi[k])).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = p - if yi { 1.0 } else { 0.0 };
            gb += r;
            for k in 0..NF {
                gw[k] += r * f64::from(xi[k]);
            }
        }
        (pb, pw) = (b, w);
        b = yb - step * gb / n;
        for k in 0..NF {
            w[k] = (yw[k] - step * (gw[k] / n + l2 * yw[k])).max(0.0);
        }
    }
    (b, w.to_vec())
}

/// Where the token vectors come from: the model (through a memo) or, in tests, anything else.
pub trait TokenEncoder: Send + Sync {
    /// Token vectors of each text, in input order.
    fn token_vectors(&self, texts: &[&str]) -> Result<Vec<Arc<TokenVectors>>>;
}

impl TokenEncoder for EmbeddingEncoder {
    fn token_vectors(&self, texts: &[&str]) -> Result<Vec<Arc<TokenVectors>>> {
        EmbeddingEncoder::token_vectors(self, texts)
    }
}

/// The `align` matcher: guards veto, aligned content words and a monotone calibration decide.
pub struct AlignMatcher<E: TokenEncoder> {
    encoder: E,
    params: AlignParams,
    params_sha256: String,
}

impl<E: TokenEncoder> AlignMatcher<E> {
    /// The matcher with the committed calibration; `encoder` must be all-MiniLM-L6-v2's.
    pub fn new(encoder: E) -> Result<AlignMatcher<E>> {
        Ok(AlignMatcher::with_params(
            encoder,
            AlignParams::builtin()?,
            claimbench_io::sha256_hex(BUILTIN_ALIGN.as_bytes()),
        ))
    }

    /// The matcher with given parameters; `params_sha256` identifies them in manifests.
    pub fn with_params(encoder: E, params: AlignParams, params_sha256: String) -> AlignMatcher<E> {
        AlignMatcher {
            encoder,
            params,
            params_sha256,
        }
    }

    /// Overrides the decision threshold.
    pub fn with_threshold(mut self, threshold: f32) -> AlignMatcher<E> {
        self.params.threshold = threshold;
        self
    }

    /// The parameters in force.
    pub fn params(&self) -> &AlignParams {
        &self.params
    }

    /// sha256 of the calibration file.
    pub fn params_sha256(&self) -> &str {
        &self.params_sha256
    }

    /// The encoder.
    pub fn encoder(&self) -> &E {
        &self.encoder
    }

    /// Prepare each distinct text once.
    pub fn prepare_all(&self, texts: &[&str]) -> Result<HashMap<String, Arc<Aligned>>> {
        let mut unique: Vec<&str> = texts.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() {
            return Ok(HashMap::new());
        }
        let tvs = self.encoder.token_vectors(&unique)?;
        if tvs.len() != unique.len() {
            return Err(Error::Encoder(format!(
                "{} token sets for {} texts",
                tvs.len(),
                unique.len()
            )));
        }
        Ok(unique
            .par_iter()
            .zip(tvs.par_iter())
            .map(|(t, tv)| (t.to_string(), Arc::new(prepare(t, tv))))
            .collect())
    }

    /// Decide one pair from prepared texts.
    pub fn decide_prepared(&self, a: &str, b: &str, pa: &Aligned, pb: &Aligned) -> Decision {
        decide_aligned(&self.params, a, b, pa, pb).0
    }

    /// Decide whether `a` and `b` state the same fact.
    pub fn decide(&self, a: &str, b: &str) -> Result<Decision> {
        Ok(self.decide_pairs(&[(a, b)])?.remove(0))
    }

    /// Decide many pairs, each distinct text prepared once; decisions in input order.
    pub fn decide_pairs(&self, pairs: &[(&str, &str)]) -> Result<Vec<Decision>> {
        let texts: Vec<&str> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let prepared = self.prepare_all(&texts)?;
        pairs
            .par_iter()
            .map(|(a, b)| {
                Ok(self.decide_prepared(a, b, lookup(&prepared, a)?, lookup(&prepared, b)?))
            })
            .collect()
    }
}

/// A prepared text, or an error naming it.
pub(crate) fn lookup<'a>(m: &'a HashMap<String, Arc<Aligned>>, t: &str) -> Result<&'a Aligned> {
    m.get(t)
        .map(|a| a.as_ref())
        .ok_or_else(|| Error::Encoder(format!("no token vectors for {t:?}")))
}

/// The score [`decide_aligned`] gives a pair, without its reasons (what the similarity matrix needs).
pub fn score_aligned(params: &AlignParams, a: &str, b: &str, pa: &Aligned, pb: &Aligned) -> f32 {
    if a == b || pa.key == pb.key {
        return 1.0;
    }
    let p = params.probability(&features_needed(
        pa,
        pb,
        params.match_cosine,
        &params.needed(),
        params.aliases,
    ));
    let vetoed = crate::guards::vetoes(&pa.analysis, &pb.analysis, params.name_guard);
    round4(if vetoed { p * GUARD_FACTOR } else { p })
}

/// Score one pair: (decision, calibrated probability before any veto, whether a guard fired).
pub fn decide_aligned(
    params: &AlignParams,
    a: &str,
    b: &str,
    pa: &Aligned,
    pb: &Aligned,
) -> (Decision, f32, bool) {
    if a == b || pa.key == pb.key {
        let d = Decision {
            score: 1.0,
            same: true,
            reasons: vec![SAME_TEXT_REASON.to_string()],
        };
        return (d, 1.0, false);
    }
    // the features the calibration reads, and those the reason line shows
    let read = params.needed();
    let needed: Needed = std::array::from_fn(|k| read[k] || SHOWN[k]);
    let f = features_needed(pa, pb, params.match_cosine, &needed, params.aliases);
    let p = params.probability(&f);
    let mut reasons = guard_reasons(&pa.analysis, &pb.analysis, params.name_guard);
    let vetoed = !reasons.is_empty();
    let score = round4(if vetoed { p * GUARD_FACTOR } else { p });
    reasons.push(format!(
        "aligned: coverage {:.3}, all matched {:.3}, cosine {:.3}, names agree {}: p={:.4}",
        f[0], f[1], f[2], f[3], p
    ));
    let same = !vetoed && score >= params.threshold;
    (
        Decision {
            score,
            same,
            reasons,
        },
        p,
        vetoed,
    )
}

impl<E: TokenEncoder> Matcher for AlignMatcher<E> {
    fn name(&self) -> String {
        "align".to_string()
    }

    fn default_threshold(&self) -> f32 {
        self.params.threshold
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> claimbench_score::Result<SimMatrix> {
        let cells = self
            .cells(pred, gold, |p, g, pa, ga| {
                score_aligned(&self.params, p, g, pa, ga)
            })
            .map_err(|e| claimbench_score::Error::Encoder(e.to_string()))?;
        SimMatrix::new(pred.len(), gold.len(), cells)
    }
}

impl<E: TokenEncoder> AlignMatcher<E> {
    /// `f` of every (prediction, gold claim) pair from prepared texts, row-major (one row per
    /// prediction); each distinct predicted text's row is computed once (a predictions file often
    /// repeats texts).
    pub fn cells<T: Clone + Send>(
        &self,
        pred: &[&str],
        gold: &[&str],
        f: impl Fn(&str, &str, &Aligned, &Aligned) -> T + Sync,
    ) -> Result<Vec<T>> {
        let texts: Vec<&str> = pred.iter().chain(gold).copied().collect();
        let prepared = self.prepare_all(&texts)?;
        let g: Vec<&Aligned> = gold
            .iter()
            .map(|t| lookup(&prepared, t))
            .collect::<Result<_>>()?;
        let mut slot: HashMap<&str, usize> = HashMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        let index: Vec<usize> = pred
            .iter()
            .map(|p| {
                *slot.entry(p).or_insert_with(|| {
                    distinct.push(p);
                    distinct.len() - 1
                })
            })
            .collect();
        let rows: Vec<Vec<T>> = distinct
            .par_iter()
            .map(|p| {
                let pa = lookup(&prepared, p)?;
                Ok(gold
                    .iter()
                    .zip(&g)
                    .map(|(gt, ga)| f(p, gt, pa, ga))
                    .collect())
            })
            .collect::<Result<_>>()?;
        let mut data = Vec::with_capacity(pred.len() * gold.len());
        for &k in &index {
            data.extend_from_slice(&rows[k]);
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use claimbench_model::Token;

    fn tv(words: &[(&str, [f32; 3])]) -> TokenVectors {
        let mut tokens = Vec::new();
        let mut vectors = Vec::new();
        let mut pos = 0;
        for (k, (w, v)) in words.iter().enumerate() {
            tokens.push(Token {
                piece: w.to_string(),
                word: k as u32,
                span: (pos, pos + w.len()),
            });
            pos += w.len() + 1;
            vectors.extend_from_slice(&unit(v));
        }
        TokenVectors {
            tokens,
            vectors,
            sentence: vec![1.0, 0.0, 0.0],
            truncated: false,
            read_len: pos.saturating_sub(1),
        }
    }

    #[test]
    fn function_words_skip_negations_hedges_and_the_us() {
        use claimbench_lexicon::is_function_word;
        assert!(is_function_word("the") && is_function_word("said"));
        for must_stay in ["not", "no", "never", "may", "could", "us", "after"] {
            assert!(!is_function_word(must_stay), "{must_stay} carries meaning");
        }
    }

    #[test]
    fn features_are_symmetric_and_see_partial_overlap() {
        let a = tv(&[
            ("tillerson", [1.0, 0.0, 0.0]),
            ("met", [0.0, 1.0, 0.0]),
            ("putin", [0.0, 0.0, 1.0]),
        ]);
        let b = tv(&[
            ("tillerson", [1.0, 0.0, 0.0]),
            ("met", [0.0, 1.0, 0.0]),
            ("putin", [0.0, 0.0, 1.0]),
            ("lavrov", [1.0, 1.0, -1.0]),
        ]);
        let (pa, pb) = (
            prepare("tillerson met putin", &a),
            prepare("tillerson met putin lavrov", &b),
        );
        let f = features(&pa, &pb, 0.9);
        assert_eq!(f, features(&pb, &pa, 0.9));
        assert!(
            (f[1] - 0.5).abs() < 1e-6,
            "one of b's words has no counterpart: {f:?}"
        );
        assert!(f[0] < 0.9, "b's coverage is below 1: {f:?}");
        let same = features(&pa, &pa, 0.9);
        assert!(
            (same[0] - 1.0).abs() < 1e-6 && (same[1] - 1.0).abs() < 1e-6,
            "{same:?}"
        );
    }

    #[test]
    fn params_must_be_monotone() {
        let ok =
            r#"{"bias": -3, "weights": [1, 2, 3, 0, 1, 1], "match_cosine": 0.5, "threshold": 0.5}"#;
        let p = AlignParams::parse(ok, "t").expect("valid");
        let f = [1.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        assert!(p.probability(&f) > p.probability(&[0.5, 1.0, 1.0, 0.0, 1.0, 1.0]));
        let neg = r#"{"bias": -3, "weights": [1, -2, 3, 0, 1, 1], "match_cosine": 0.5, "threshold": 0.5}"#;
        assert!(AlignParams::parse(neg, "t")
            .unwrap_err()
            .to_string()
            .contains("non-negative"));
        let short = r#"{"bias": -3, "weights": [1], "match_cosine": 0.5, "threshold": 0.5}"#;
        assert!(AlignParams::parse(short, "t").is_err());
        AlignParams::builtin().expect("the committed calibration is valid");
    }

    #[test]
    fn fit_recovers_a_monotone_rule_and_clips_negative_evidence() {
        // same iff the first feature is high; the fourth feature is anti-correlated noise
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let a = (i % 20) as f32 / 19.0;
            x.push([a, 0.5, 1.0 - a, 1.0, 0.5, 0.5]);
            y.push(a > 0.5);
        }
        let (b, w) = fit_monotone_logistic(&x, &y, 1e-3);
        assert!(w[0] > 5.0, "{w:?}");
        assert_eq!(w[2], 0.0, "a negative weight is clipped to zero: {w:?}");
        let p = AlignParams {
            bias: b,
            weights: w.clone(),
            match_cosine: 0.5,
            threshold: 0.5,
            direction_threshold: None,
            aliases: false,
            name_veto: false,
            name_guard: false,
            fitted: serde_json::Value::Null,
        };
        let right = x
            .iter()
            .zip(&y)
            .filter(|(f, s)| (p.probability(f) >= 0.5) == **s)
            .count();
        assert_eq!(right, 200);
        assert_eq!((b, w), fit_monotone_logistic(&x, &y, 1e-3), "deterministic");
    }

    #[test]
    fn dot_is_order_free() {
        let a: Vec<f32> = (0..21).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..21).map(|i| (i as f32 * 0.91).cos()).collect();
        assert_eq!(dot(&a, &b), dot(&b, &a));
        let naive: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum();
        assert!((f64::from(dot(&a, &b)) - naive).abs() < 1e-5);
    }

    #[test]
    fn guard_reasons_name_a_disagreement_once_whichever_claim_comes_first() {
        use crate::guards::Analysis;
        let reasons = |x: &str, y: &str| guard_reasons(&Analysis::new(x), &Analysis::new(y), true);
        let (a, b) = (
            "The attack killed 87 people.",
            "The attack killed 89 people.",
        );
        assert_eq!(reasons(a, b), vec!["number: 87 vs 89".to_string()]);
        assert_eq!(reasons(b, a), reasons(a, b));
        // two kinds, each named once
        let (a, b) = (
            "In 2013 the attack killed 87 people.",
            "In 2015 the attack killed 89 people.",
        );
        let r = reasons(a, b);
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(
            r[0].starts_with("date: ") && r[1].starts_with("number: "),
            "{r:?}"
        );
        assert_eq!(reasons(b, a), r);
        // no disagreement, no reason
        assert!(reasons("Putin met Tillerson.", "Tillerson met Putin.").is_empty());
    }
}
