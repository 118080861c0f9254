//! [`CoverMatcher`]: a directional matcher. For a pair (a, b) it gives two calibrated probabilities,
//! "a states all of b" and "b states all of a"; the two claims are the same fact only where both hold,
//! and a prediction that states a gold claim beside more (a sentence bundling facts), or only part of
//! one, is told apart from one that states it.
//!
//! One monotone logistic model serves both directions (the pair read the other way round), over
//! features of align's token alignment that look at one side only: how much of b is found in a.
//! Fitted by `examples/fit_cover.rs` on people's labels of real extractor output
//! (`gold/tuning/judged/`) and the symmetric tuning pairs; see `crates/matcher/CANDIDATES.md`.
//!
//! Sane by construction: identical texts are 1.0 both ways; a guard's veto (either direction, as in
//! align) scales both; the "same" score is the smaller direction, so `score(a, b) == score(b, a)` bit
//! for bit; more of b found in a never lowers "a states all of b".

use claimbench_score::{DirectionScores, Matcher, Scores, SimMatrix};

use crate::align::{
    best_words, dot, lookup, side, AlignMatcher, AlignParams, Aligned, Features, TokenEncoder,
};
use crate::error::Result;
use crate::pair::{round4, Decision, GUARD_FACTOR};

/// The committed calibration of the `cover` matcher (fitted by `examples/fit_cover.rs`).
pub const BUILTIN_COVER: &str = include_str!("../weights/cover.json");

/// Names of the directional features of "a states all of b", in the order of the weights.
pub const COVER_FEATURES: [&str; crate::align::NF] = [
    "coverage_b",
    "matched_b",
    "cosine",
    "names_b",
    "lexical_b",
    "weakest_b",
];

/// Index of `names_b` in [`COVER_FEATURES`].
const NAMES_B: usize = 3;

/// The features of "a states all of b", in [`COVER_FEATURES`] order, each higher when more of b is
/// found in a:
/// - `coverage_b`: the mean over b's content words of their best counterpart's cosine in a;
/// - `matched_b`: `1 / (1 + u)`, u the number of b's content words whose best counterpart is below
///   `match_cosine` (the words of a name count as matched when one of them is);
/// - `cosine`: the cosine of the sentence vectors;
/// - `names_b`: 1 when every name of b has a counterpart in a at [`crate::align::NAME_COSINE`];
/// - `lexical_b`: the share of b's content stems (first five letters) found in a;
/// - `weakest_b`: the cosine of b's least-covered content word.
///
/// With `aliases`, a name of b has a counterpart where a names its entity (`crates/lexicon/data/aliases.tsv`).
pub fn directional_features(
    a: &Aligned,
    b: &Aligned,
    match_cosine: f32,
    aliases: bool,
) -> Features {
    let cos = dot(a.sentence_vector(), b.sentence_vector()).clamp(-1.0, 1.0);
    let (la, lb) = (a.lex(), b.lex());
    let lex = if lb.is_empty() {
        1.0
    } else {
        lb.intersection(la).count() as f32 / lb.len() as f32
    };
    if a.is_empty() || b.is_empty() {
        return [0.0, 0.0, cos, 1.0, lex, 0.0];
    }
    let mut best_b = vec![(f32::NEG_INFINITY, 0usize); b.pieces()];
    for (j, bb) in best_b.iter_mut().enumerate() {
        let v = b.row(j);
        for i in 0..a.pieces() {
            let s = dot(v, a.row(i));
            if s > bb.0 {
                *bb = (s, i);
            }
        }
    }
    let words = best_words(b, &best_b, a);
    let (coverage, unmatched, name_missing) =
        side(b, &words, match_cosine, true, aliases.then(|| a.entities()));
    let weakest = words.iter().map(|w| w.0).fold(f32::INFINITY, f32::min);
    [
        coverage,
        1.0 / (1.0 + unmatched as f32),
        cos,
        if name_missing { 0.0 } else { 1.0 },
        lex,
        weakest.clamp(-1.0, 1.0),
    ]
}

/// A pair's two directional probabilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Directions {
    /// The probability that a states all of b (rounded to 4 decimals, after any veto).
    pub a_states_b: f32,
    /// The probability that b states all of a (rounded to 4 decimals, after any veto).
    pub b_states_a: f32,
    /// Whether a guard vetoed the pair.
    pub vetoed: bool,
}

impl Directions {
    /// The "same fact" score: both directions must hold, so the smaller of the two.
    pub fn same(&self) -> f32 {
        self.a_states_b.min(self.b_states_a)
    }
}

/// Both directions of a pair from prepared texts, under the calibration `params`.
pub fn directions(
    params: &AlignParams,
    a: &str,
    b: &str,
    pa: &Aligned,
    pb: &Aligned,
) -> Directions {
    if a == b || pa.key == pb.key {
        return Directions {
            a_states_b: 1.0,
            b_states_a: 1.0,
            vetoed: false,
        };
    }
    let vetoed = crate::guards::vetoes(&pa.analysis, &pb.analysis, params.name_guard);
    // "x states all of y", vetoed by a guard, or (with `name_veto`) by a name of y that x lacks
    let direction = |x: &Aligned, y: &Aligned| {
        let f = directional_features(x, y, params.match_cosine, params.aliases);
        let p = params.probability(&f);
        let p = if params.name_veto && f[NAMES_B] == 0.0 {
            p * GUARD_FACTOR
        } else {
            p
        };
        round4(if vetoed { p * GUARD_FACTOR } else { p })
    };
    Directions {
        a_states_b: direction(pa, pb),
        b_states_a: direction(pb, pa),
        vetoed,
    }
}

/// The committed calibration.
pub fn builtin_params() -> Result<AlignParams> {
    AlignParams::parse(BUILTIN_COVER, "builtin:crates/matcher/weights/cover.json")
}

/// The `cover` matcher: align's token alignment read one direction at a time.
pub struct CoverMatcher<E: TokenEncoder> {
    align: AlignMatcher<E>,
}

impl<E: TokenEncoder> CoverMatcher<E> {
    /// The matcher with the committed calibration; `encoder` must be all-MiniLM-L6-v2's.
    pub fn new(encoder: E) -> Result<CoverMatcher<E>> {
        Ok(CoverMatcher::with_params(
            encoder,
            builtin_params()?,
            claimbench_io::sha256_hex(BUILTIN_COVER.as_bytes()),
        ))
    }

    /// The matcher with given parameters; `params_sha256` identifies them in manifests.
    pub fn with_params(encoder: E, params: AlignParams, params_sha256: String) -> CoverMatcher<E> {
        CoverMatcher {
            align: AlignMatcher::with_params(encoder, params, params_sha256),
        }
    }

    /// Overrides the decision threshold (of each direction).
    pub fn with_threshold(self, threshold: f32) -> CoverMatcher<E> {
        CoverMatcher {
            align: self.align.with_threshold(threshold),
        }
    }

    /// The parameters in force.
    pub fn params(&self) -> &AlignParams {
        self.align.params()
    }

    /// The token aligner under cover's calibration (its prepared texts serve any calibration).
    pub fn aligner(&self) -> &AlignMatcher<E> {
        &self.align
    }

    /// The token encoder.
    pub fn encoder(&self) -> &E {
        self.align.encoder()
    }

    /// The probability at which one direction counts as stated (coverage, focus, partial counts).
    pub fn direction_threshold(&self) -> f32 {
        let p = self.align.params();
        p.direction_threshold.unwrap_or(p.threshold)
    }

    /// sha256 of the calibration file.
    pub fn params_sha256(&self) -> &str {
        self.align.params_sha256()
    }

    /// Both directions of every (prediction, gold claim) pair, row-major.
    pub fn directions_matrix(&self, pred: &[&str], gold: &[&str]) -> Result<Vec<Directions>> {
        let params = self.align.params();
        self.align
            .cells(pred, gold, |p, g, pa, ga| directions(params, p, g, pa, ga))
    }

    /// Decide whether `a` and `b` state the same fact, with both directions and any guard's reason.
    pub fn decide(&self, a: &str, b: &str) -> Result<Decision> {
        let prepared = self.align.prepare_all(&[a, b])?;
        let (pa, pb) = (lookup(&prepared, a)?, lookup(&prepared, b)?);
        let params = self.align.params();
        let d = directions(params, a, b, pa, pb);
        Ok(decision(
            d,
            params.threshold,
            params.name_guard,
            a,
            b,
            pa,
            pb,
        ))
    }

    /// Both directions of each pair, in input order.
    pub fn directions_pairs(&self, pairs: &[(&str, &str)]) -> Result<Vec<Directions>> {
        let texts: Vec<&str> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let prepared = self.align.prepare_all(&texts)?;
        let params = self.align.params();
        pairs
            .iter()
            .map(|(a, b)| {
                Ok(directions(
                    params,
                    a,
                    b,
                    lookup(&prepared, a)?,
                    lookup(&prepared, b)?,
                ))
            })
            .collect()
    }
}

/// The decision of a directional matcher on a pair with directions `d` at `threshold`: the reasons are the
/// same-text note or any guard's (with `names`, the name guard's too), then both directions.
pub(crate) fn decision(
    d: Directions,
    threshold: f32,
    names: bool,
    a: &str,
    b: &str,
    pa: &Aligned,
    pb: &Aligned,
) -> Decision {
    let mut reasons = if a == b || pa.key == pb.key {
        vec![crate::align::SAME_TEXT_REASON.to_string()]
    } else {
        crate::align::guard_reasons(&pa.analysis, &pb.analysis, names)
    };
    reasons.push(format!(
        "a states all of b: p={:.4}; b states all of a: p={:.4}",
        d.a_states_b, d.b_states_a
    ));
    let score = d.same();
    Decision {
        score,
        same: !d.vetoed && score >= threshold,
        reasons,
    }
}

impl<E: TokenEncoder> Matcher for CoverMatcher<E> {
    fn name(&self) -> String {
        "cover".to_string()
    }

    fn default_threshold(&self) -> f32 {
        self.align.params().threshold
    }

    fn matrix(&self, pred: &[&str], gold: &[&str]) -> claimbench_score::Result<SimMatrix> {
        let cells = self
            .directions_matrix(pred, gold)
            .map_err(|e| claimbench_score::Error::Encoder(e.to_string()))?;
        SimMatrix::new(
            pred.len(),
            gold.len(),
            cells.iter().map(Directions::same).collect(),
        )
    }

    fn scores(&self, pred: &[&str], gold: &[&str]) -> claimbench_score::Result<Scores> {
        let cells = self
            .directions_matrix(pred, gold)
            .map_err(|e| claimbench_score::Error::Encoder(e.to_string()))?;
        scores_of(&cells, pred.len(), gold.len(), self.direction_threshold())
    }
}

/// A directional matcher's scores of an `n × m` document from both directions of every pair (row-major): the
/// "same" matrix (the smaller direction) and each direction, one counting as stated at `threshold`.
pub fn scores_of(
    cells: &[Directions],
    n: usize,
    m: usize,
    threshold: f32,
) -> claimbench_score::Result<Scores> {
    let matrix = |f: fn(&Directions) -> f32| SimMatrix::new(n, m, cells.iter().map(f).collect());
    Ok(Scores {
        sim: matrix(Directions::same)?,
        directions: Some(DirectionScores {
            pred_states_gold: matrix(|d| d.a_states_b)?,
            gold_states_pred: matrix(|d| d.b_states_a)?,
            threshold,
        }),
    })
}
