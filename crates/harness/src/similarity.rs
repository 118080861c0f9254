//! How the matcher decides on two claims: its score, whether they count as the same claim, and why. The one copy
//! behind `claimbench similarity` and the Python package's `similarity`.

use std::sync::Arc;

use claimbench_matcher::{AlignMatcher, CoverMatcher, CrossMatcher, EmbeddingEncoder, PairMatcher};
use claimbench_model::Embedder;
use claimbench_score::MatcherKind;
use serde::Serialize;

use crate::bail;
use crate::error::Result;
use crate::pipeline::{
    align_matcher, blend_matcher, build_matcher, cover_matcher, cross_matcher, MatcherParams,
    MatcherSetup,
};

/// One decision, as `similarity --json` and `--pairs` write it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The matcher's score.
    pub score: f32,
    /// Whether the two claims count as the same.
    pub same: bool,
    /// Why: guards that fired, or the score against the threshold.
    pub reasons: Vec<String>,
}

impl From<claimbench_matcher::Decision> for Decision {
    fn from(d: claimbench_matcher::Decision) -> Decision {
        Decision {
            score: d.score,
            same: d.same,
            reasons: d.reasons,
        }
    }
}

/// A matcher ready to decide on pairs of claims.
pub struct Decider(Inner);

enum Inner {
    Align(Box<AlignMatcher<EmbeddingEncoder>>),
    Cover(Box<CoverMatcher<EmbeddingEncoder>>),
    Cross(Box<CrossMatcher<EmbeddingEncoder>>),
    Pair(Box<PairMatcher<EmbeddingEncoder>>),
    Matrix(MatcherSetup),
}

impl Decider {
    /// The decider of matcher `kind` at `threshold` (None: the matcher's own); `embedder` must be given for the
    /// matchers that need a model ([`MatcherKind::needs_model`]).
    pub fn new(
        kind: MatcherKind,
        threshold: Option<f32>,
        embedder: Option<Arc<Embedder>>,
        params: Option<&MatcherParams>,
    ) -> Result<Decider> {
        if let Some(p) = params {
            p.parse(kind)?;
        }
        Ok(Decider(match kind {
            MatcherKind::Align => {
                let Some(embedder) = embedder else {
                    bail!("the align matcher needs the embedding model")
                };
                let mut align = align_matcher(EmbeddingEncoder::new(embedder), params)?;
                if let Some(t) = threshold {
                    align = align.with_threshold(t);
                }
                Inner::Align(Box::new(align))
            }
            MatcherKind::Cover => {
                let Some(embedder) = embedder else {
                    bail!("the cover matcher needs the embedding model")
                };
                let mut cover = cover_matcher(EmbeddingEncoder::new(embedder), params)?;
                if let Some(t) = threshold {
                    cover = cover.with_threshold(t);
                }
                Inner::Cover(Box::new(cover))
            }
            MatcherKind::Cross | MatcherKind::Blend => {
                let Some(embedder) = embedder else {
                    bail!("the {kind} matcher needs the embedding model")
                };
                let enc = EmbeddingEncoder::new(embedder);
                let mut cross = if kind == MatcherKind::Blend {
                    blend_matcher(enc)?
                } else {
                    cross_matcher(enc)?
                };
                if let Some(t) = threshold {
                    cross = cross.with_threshold(t);
                }
                Inner::Cross(Box::new(cross))
            }
            MatcherKind::Pair => {
                let Some(embedder) = embedder else {
                    bail!("the pair matcher needs the embedding model")
                };
                let mut pair = PairMatcher::new(EmbeddingEncoder::new(embedder))?;
                if let Some(t) = threshold {
                    pair = pair.with_threshold(t);
                }
                Inner::Pair(Box::new(pair))
            }
            _ => Inner::Matrix(build_matcher(kind, threshold, embedder, params)?),
        }))
    }

    /// The threshold it decides at.
    pub fn threshold(&self) -> f32 {
        use claimbench_score::Matcher;
        match &self.0 {
            Inner::Align(align) => align.default_threshold(),
            Inner::Cover(cover) => cover.default_threshold(),
            Inner::Cross(cross) => cross.default_threshold(),
            Inner::Pair(pair) => pair.default_threshold(),
            Inner::Matrix(setup) => setup.threshold,
        }
    }

    /// The decision on claims `a` and `b`.
    pub fn decide(&self, a: &str, b: &str) -> Result<Decision> {
        match &self.0 {
            Inner::Align(align) => Ok(Decision::from(align.decide(a, b)?)),
            Inner::Cover(cover) => Ok(Decision::from(cover.decide(a, b)?)),
            Inner::Cross(cross) => Ok(Decision::from(cross.decide(a, b)?)),
            Inner::Pair(pair) => {
                // as in scoring (IdentityFloor): the same claim scores 1.0
                if claimbench_score::same_text(a, b) {
                    return Ok(Decision {
                        score: 1.0,
                        same: true,
                        reasons: vec![claimbench_matcher::align::SAME_TEXT_REASON.to_string()],
                    });
                }
                Ok(Decision::from(pair.decide(a, b)?))
            }
            Inner::Matrix(setup) => {
                let m = setup.matcher.matrix(&[a], &[b])?;
                let score = m.get(0, 0);
                let same = score >= setup.threshold;
                let mut reasons = vec![format!(
                    "{} {score:.4} {} threshold {}",
                    setup.kind,
                    if same { ">=" } else { "<" },
                    setup.threshold
                )];
                for hit in claimbench_matcher::guards::check(a, b) {
                    reasons.push(
                        format!(
                            "note: {:?} guard: {} ({} does not veto)",
                            hit.kind, hit.detail, setup.kind
                        )
                        .to_lowercase(),
                    );
                }
                Ok(Decision {
                    score,
                    same,
                    reasons,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_f1_decides_without_a_model() {
        let d = Decider::new(MatcherKind::TokenF1, Some(0.5), None, None).unwrap();
        let same = d
            .decide("Putin met Tillerson", "Tillerson met Putin")
            .unwrap();
        assert!(same.same, "{same:?}");
        assert_eq!(same.score, 1.0);
        let diff = d.decide("Putin met Tillerson", "Oil prices fell").unwrap();
        assert!(!diff.same, "{diff:?}");
        assert!(diff.reasons[0].contains("< threshold 0.5"), "{diff:?}");
        assert_eq!(d.threshold(), 0.5);
        assert!(Decider::new(MatcherKind::Align, None, None, None).is_err());
    }
}
